// The target of the hostile suite: a real Rekap server (the app of test/support/server.ts) on
// SQLite or PostgreSQL, with an election of many TPS so that every case can have TPS of its own.
// `run` turns a generated case (generators.ts) into bytes on a real connection and judges the
// answer: no 5xx, a well-formed error body without internal detail, nothing stored for a refused
// request, and an accepted request visible through the public API.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import sharp from 'sharp';
import { PPWP_2024 } from '../../src/core/ballots.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../../src/core/codes.ts';
import type { ElectionSetup } from '../../src/core/election.ts';
import {
  generateDeviceKey,
  signSummary,
  toBase64Url,
  type SignedSummary,
} from '../../src/core/receipt.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from '../support/postgres.ts';
import { issueToken, startTestServer, type TestServer } from '../support/server.ts';
import {
  prng,
  RESULT_OBJECTS,
  resultText,
  type AuthSpec,
  type EnrolSpec,
  type HostileCase,
  type ObservationSpec,
  type ObservationsSpec,
  type PhotoSpec,
  type ReadSpec,
  type SignatureSpec,
  type SubmissionSpec,
  type TpsRef,
  type TusSpec,
  type ValidPhoto,
} from './generators.ts';
import { rawRequest, type RawAnswer, type RawRequest } from './http.ts';

export type Backend = 'sqlite' | 'postgres';

export const VIOLATIONS = [
  /** A 5xx answer. */
  'server_error',
  /** 503 with a documented reason (storage_full, server_busy): the suite should not cause it. */
  'unavailable',
  /** The server stopped answering /healthz. */
  'crash',
  /** A request that must be refused was accepted (2xx). */
  'accepted_refusable',
  /** A valid request was not accepted. */
  'refused_valid',
  /** A refused request left something behind (a row, photo bytes, a partial upload). */
  'stored_when_refused',
  /** The error body is not JSON `{ error, message }` with a snake_case `error`. */
  'bad_error_body',
  /** An answer shows a file path, a database URL, an SQLSTATE or a stack. */
  'internal_detail',
  /** An error answer so large that it must echo the input. */
  'echo',
  /** An accepted request that the public API does not show. */
  'not_visible',
  /** No answer (the server waited for bytes that were never going to come). */
  'no_answer',
  /** A type error reported as "missing", or an error that does not name the field. */
  'vague_message',
] as const;
export type ViolationKind = (typeof VIOLATIONS)[number];
export type Violation = { kind: ViolationKind; detail: string };

export type Outcome = {
  /** The HTTP status, or how the connection ended without one. */
  status: number | 'closed' | 'timeout';
  error?: string;
  violations: Violation[];
};

/** What a run of many cases gave, for the tallies of bench/hostile.ts and the suite. */
export type Tally = {
  inputs: number;
  byExpect: Record<string, number>;
  statuses: Record<string, number>;
  violations: Partial<Record<ViolationKind, number>>;
  /** Per family: inputs, inputs with any violation, and each kind of violation. */
  byFamily: Record<
    string,
    { inputs: number; violations: number; kinds: Partial<Record<ViolationKind, number>> }
  >;
  examples: {
    kind: ViolationKind;
    family: string;
    what: string;
    status: string;
    detail: string;
    /** The generated case, as JSON (cut at 1,500 characters). */
    request: string;
  }[];
};

export const newTally = (): Tally => ({
  inputs: 0,
  byExpect: {},
  statuses: {},
  violations: {},
  byFamily: {},
  examples: [],
});

export function record(t: Tally, c: HostileCase, o: Outcome, maxExamples = 3): void {
  t.inputs++;
  t.byExpect[c.expect] = (t.byExpect[c.expect] ?? 0) + 1;
  t.statuses[String(o.status)] = (t.statuses[String(o.status)] ?? 0) + 1;
  const fam = (t.byFamily[c.family] ??= { inputs: 0, violations: 0, kinds: {} });
  fam.inputs++;
  if (o.violations.length > 0) fam.violations++;
  for (const v of o.violations) {
    t.violations[v.kind] = (t.violations[v.kind] ?? 0) + 1;
    fam.kinds[v.kind] = (fam.kinds[v.kind] ?? 0) + 1;
    if (t.examples.filter((e) => e.kind === v.kind && e.family === c.family).length < maxExamples)
      t.examples.push({
        kind: v.kind,
        family: c.family,
        what: c.what,
        status: String(o.status),
        detail: v.detail.slice(0, 400),
        request: JSON.stringify(c.spec).slice(0, 1500),
      });
  }
}

// ---------------------------------------------------------------------------------------------
// The election: one kabupaten with as many TPS as asked, 50 per desa, 20 desa per kecamatan
// ---------------------------------------------------------------------------------------------

/** A code of the right form that is not in the election. */
const UNKNOWN_TPS = '16.08.99.9999.999';

export function hostileElection(tpsCount: number): ElectionSetup {
  const regions: ElectionSetup['regions'] = [
    { code: NATION_CODE, name: 'Indonesia', level: 'nasional' },
    { code: '16' as RegionCode, name: 'Sumatera Selatan', level: 'provinsi' },
    { code: '16.08' as RegionCode, name: 'Ogan Komering Ulu Timur', level: 'kabupaten' },
  ];
  const tps: ElectionSetup['tps'] = [];
  const desaCount = Math.ceil(tpsCount / 50);
  for (let d = 0; d < desaCount; d++) {
    const kec = `16.08.${String(1 + Math.floor(d / 20)).padStart(2, '0')}`;
    if (d % 20 === 0)
      regions.push({ code: kec as RegionCode, name: `Kec ${kec}`, level: 'kecamatan' });
    const desa = `${kec}.${1001 + (d % 20)}`;
    regions.push({ code: desa as RegionCode, name: `Desa ${desa}`, level: 'desa' });
    for (let t = 1; t <= 50 && tps.length < tpsCount; t++)
      tps.push({
        code: `${desa}.${String(t).padStart(3, '0')}` as TpsCode,
        name: `TPS ${t}`,
        dpt: null,
      });
  }
  return { name: 'hostile-suite election', demo: false, regions, tps, contests: [PPWP_2024] };
}

// ---------------------------------------------------------------------------------------------
// Photos
// ---------------------------------------------------------------------------------------------

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

const photoCache = new Map<string, Buffer>();

async function validPhotoBytes(p: ValidPhoto): Promise<Buffer> {
  const next = prng(p.seed);
  const raw = Buffer.alloc(p.width * p.height);
  for (let i = 0; i < raw.length; i++) raw[i] = 180 + Math.floor(next() * 60);
  const img = sharp(raw, { raw: { width: p.width, height: p.height, channels: 1 } });
  return p.format === 'jpeg'
    ? img.jpeg({ quality: 70 }).toBuffer()
    : p.format === 'png'
      ? img.png().toBuffer()
      : img.webp({ quality: 70 }).toBuffer();
}

/** Where a JPEG's start-of-scan header ends (the image data begin), and where its SOF is. */
function jpegLayout(b: Buffer): { sof: number; scan: number } {
  let i = 2;
  let sof = -1;
  while (i + 4 <= b.length) {
    const marker = b[i + 1]!;
    const len = b.readUInt16BE(i + 2);
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) sof = i;
    if (marker === 0xda) return { sof, scan: i + 2 + len };
    i += 2 + len;
  }
  throw new Error('no start of scan');
}

function pngChunks(b: Buffer): { type: string; start: number; data: Buffer }[] {
  const out = [];
  for (let i = 8; i + 12 <= b.length;) {
    const len = b.readUInt32BE(i);
    out.push({
      type: b.toString('latin1', i + 4, i + 8),
      start: i,
      data: b.subarray(i + 8, i + 8 + len),
    });
    i += 12 + len;
  }
  return out;
}

const IEND = Buffer.from('0000000049454e44ae426082', 'hex');
const EOI = Buffer.from([0xff, 0xd9]);
/** A whole 1x1 GIF. */
const GIF = Buffer.from(
  '47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b',
  'hex',
);

export async function photoBytes(p: PhotoSpec): Promise<Buffer> {
  const key = JSON.stringify(p);
  const cached = photoCache.get(key);
  if (cached) return cached;
  const bytes = await makePhoto(p);
  if (photoCache.size > 300) photoCache.delete(photoCache.keys().next().value!);
  photoCache.set(key, bytes);
  return bytes;
}

async function makePhoto(p: PhotoSpec): Promise<Buffer> {
  switch (p.kind) {
    case 'valid':
      return validPhotoBytes(p);
    case 'truncated': {
      const b = await photoBytes(p.of);
      return b.subarray(0, Math.max(1, Math.floor((b.length * p.keep) / 1000)));
    }
    case 'jpegHalfEoi': {
      const b = await photoBytes(p.of);
      return Buffer.concat([b.subarray(0, Math.floor(b.length / 2)), EOI]);
    }
    case 'jpegHeaderOnly': {
      const b = await photoBytes(p.of);
      return Buffer.concat([b.subarray(0, jpegLayout(b).scan), EOI]);
    }
    case 'jpegZeroScan': {
      const b = await photoBytes(p.of);
      const { scan } = jpegLayout(b);
      return Buffer.concat([b.subarray(0, scan), Buffer.alloc(b.length - scan - 2), EOI]);
    }
    case 'jpegLiarHeader': {
      const b = Buffer.from(await photoBytes(p.of));
      const { sof } = jpegLayout(b);
      b.writeUInt16BE(7000, sof + 5);
      b.writeUInt16BE(7000, sof + 7);
      return b;
    }
    case 'pngBadZlib': {
      const b = Buffer.from(await photoBytes(p.of));
      const next = prng(p.of.seed + 1);
      for (const c of pngChunks(b))
        if (c.type === 'IDAT') {
          for (let i = 0; i < c.data.length; i++) c.data[i] = Math.floor(next() * 256);
          b.writeUInt32BE(
            crc32(b.subarray(c.start + 4, c.start + 8 + c.data.length)),
            c.start + 8 + c.data.length,
          );
        }
      return b;
    }
    case 'pngCutIend': {
      const b = await photoBytes(p.of);
      return Buffer.concat([b.subarray(0, Math.floor(b.length / 2)), IEND]);
    }
    case 'wrongMagic': {
      const b = Buffer.from(await photoBytes(p.of));
      Buffer.from(p.magic).copy(b, 0);
      return b;
    }
    case 'zero':
      return Buffer.alloc(0);
    case 'tooSmall':
      return photoBytes({ kind: 'valid', format: 'jpeg', width: 120, height: 120, seed: p.seed });
    case 'gif':
      return GIF;
    case 'random': {
      const next = prng(p.seed);
      return Buffer.from(Array.from({ length: p.size }, () => Math.floor(next() * 256)));
    }
    case 'oversize': {
      const b = await photoBytes({
        kind: 'valid',
        format: 'jpeg',
        width: 480,
        height: 480,
        seed: 1,
      });
      return Buffer.concat([
        b.subarray(0, b.length - 2),
        Buffer.alloc(15 * 1024 * 1024 + 1 - b.length),
        EOI,
      ]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Counting what is stored: read-only, beside the server
// ---------------------------------------------------------------------------------------------

const COUNTED_TABLES = ['submissions', 'photos', 'photo_uploads', 'devices', 'signal_observations'];
type Counts = Record<string, number>;

type Counter = { counts(): Promise<Counts>; close(): Promise<void> };

function sqliteCounter(dataDir: string): Counter {
  let db: SqliteDatabase.Database | undefined;
  return {
    counts() {
      db ??= new SqliteDatabase(join(dataDir, 'rekap.sqlite'), {
        readonly: true,
        fileMustExist: true,
      });
      const out: Counts = {};
      for (const t of COUNTED_TABLES)
        try {
          out[t] = (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n;
        } catch {
          /* a table that a newer schema renamed: not counted */
        }
      return Promise.resolve(out);
    },
    close() {
      db?.close();
      return Promise.resolve();
    },
  };
}

function postgresCounter(url: string): Counter {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: u.toString(),
    max: 1,
    options: `-c search_path=${schema} -c default_transaction_read_only=on`,
  });
  return {
    async counts() {
      const out: Counts = {};
      for (const t of COUNTED_TABLES)
        try {
          out[t] = Number(
            (await pool.query<{ n: string }>(`select count(*) as n from ${t}`)).rows[0]?.n,
          );
        } catch {
          /* not counted */
        }
      return out;
    },
    close: () => pool.end(),
  };
}

async function dirBytes(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return { files, bytes };
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = await dirBytes(p);
      files += sub.files;
      bytes += sub.bytes;
    } else if (e.isFile()) {
      files++;
      bytes += (await stat(p).catch(() => ({ size: 0 }))).size;
    }
  }
  return { files, bytes };
}

// ---------------------------------------------------------------------------------------------
// The target
// ---------------------------------------------------------------------------------------------

type Kpps = { code: TpsCode; token: string; devices: string[] };

export type Target = {
  backend: Backend;
  url: string;
  server: TestServer;
  run(c: HostileCase): Promise<Outcome>;
  /** Whether the server answers /healthz (and what it shows there gives nothing away). */
  health(): Promise<Violation[]>;
  close(): Promise<void>;
};

export type TargetOptions = {
  backend: Backend;
  /** TPS in the election: each case takes one to three of its own. */
  tpsCount?: number;
  /** How long to wait for an answer to a request whose body lies about its length. */
  lyingBodyWaitMs?: number;
  /** How long to wait for any other answer (default 10 s: a valid submission takes well under 1 s). */
  answerWaitMs?: number;
};

/** A started target, or undefined when PostgreSQL is absent (postgresAvailable fails in CI). */
export async function startTarget(opts: TargetOptions): Promise<Target | undefined> {
  let dbUrl: string | undefined;
  let schema: string | undefined;
  if (opts.backend === 'postgres') {
    if (!(await postgresAvailable())) return undefined;
    ({ url: dbUrl, schema } = testSchemaUrl('hostile'));
  }
  const server = await startTestServer({ demo: false, web: false, dbUrl });
  const election = hostileElection(opts.tpsCount ?? 4000);
  await server.store.loadElection(election);
  const counter = dbUrl ? postgresCounter(dbUrl) : sqliteCounter(server.dataDir);
  const port = Number(new URL(server.url).port);
  const wait = opts.lyingBodyWaitMs ?? 3000;
  const answerWait = opts.answerWaitMs ?? 10_000;
  const pool = election.tps.map((t) => t.code);
  let nextTps = 2; // pool[0] is read by the reads family, pool[1] holds its photo
  const fresh = async (): Promise<Kpps> => {
    const code = pool[nextTps++];
    if (!code)
      throw new Error(`the hostile election's ${pool.length} TPS are all used: raise tpsCount`);
    return { code, token: await issueToken(server.store, code), devices: [] };
  };
  const send = (req: RawRequest) => rawRequest(port, { waitMs: answerWait, ...req });
  const json = async (method: string, target: string, token: string | null, body?: unknown) => {
    const a = await send({
      method,
      target,
      headers: [
        ...(token ? ([['authorization', `Bearer ${token}`]] as [string, string][]) : []),
        ...(body === undefined
          ? []
          : ([['content-type', 'application/json']] as [string, string][])),
      ],
      ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
    });
    return { answer: a, body: a.kind === 'answer' ? parseJson(a.body) : undefined };
  };

  /** Enrols a new key for a TPS (over HTTP, as a phone does). */
  const enrolKey = async (k: Kpps) => {
    const key = await generateDeviceKey();
    const r = await json('POST', '/api/v1/kpps/devices', k.token, {
      tps: k.code,
      publicKey: key.publicKey,
      label: 'suite',
    });
    const id = (r.body as { deviceId?: string } | undefined)?.deviceId;
    if (!id) throw new SetupError(`enrolment for ${k.code} failed: ${describe(r.answer)}`);
    k.devices.push(id);
    return { deviceId: id, ...key };
  };

  /** Uploads a whole photo through tus (create, then one PATCH); answers its sha256. */
  const upload = async (k: Kpps, bytes: Buffer): Promise<string> => {
    const hash = sha256(bytes);
    const created = await createUpload(k, bytes.length, { tps: k.code, sha256: hash });
    const r = await send({
      method: 'PATCH',
      target: created,
      headers: [
        ['authorization', `Bearer ${k.token}`],
        ['tus-resumable', '1.0.0'],
        ['upload-offset', '0'],
        ['content-type', 'application/offset+octet-stream'],
      ],
      body: bytes,
    });
    if (r.kind !== 'answer' || r.status !== 204)
      throw new SetupError(`tus PATCH failed: ${describe(r)}`);
    return hash;
  };
  const createUpload = async (
    k: Kpps,
    length: number,
    meta: Record<string, string>,
  ): Promise<string> => {
    const r = await send({
      method: 'POST',
      target: '/api/v1/uploads/',
      headers: [
        ['authorization', `Bearer ${k.token}`],
        ['tus-resumable', '1.0.0'],
        ['upload-length', String(length)],
        ['upload-metadata', tusMetadata(Object.entries(meta))],
      ],
    });
    const location = r.kind === 'answer' ? r.headers.location : undefined;
    if (!location) throw new SetupError(`tus POST failed: ${describe(r)}`);
    return new URL(location, server.url).pathname;
  };

  // The reads family's TPS and photo.
  const readTps: Kpps = { code: pool[0]!, token: '', devices: [] };
  const photoOwner: Kpps = {
    code: pool[1]!,
    token: await issueToken(server.store, pool[1]!),
    devices: [],
  };
  const readPhoto = await upload(
    photoOwner,
    await photoBytes({ kind: 'valid', format: 'jpeg', width: 300, height: 300, seed: 7 }),
  );

  const snapshot = async () => {
    const counts = await counter.counts();
    const blobs = await dirBytes(join(server.dataDir, 'blobs'));
    const uploads = await dirBytes(join(server.dataDir, 'uploads'));
    return { ...counts, blobBytes: blobs.bytes, uploadFiles: uploads.files };
  };

  const leaks = (text: string): string | undefined => {
    const checks: [RegExp | string, string][] = [
      [server.dataDir, 'the data folder'],
      [`${tmpdir()}/`, 'a temporary path'],
      [/postgres(ql)?:\/\//i, 'a database URL'],
      [/\bat [^\s]+ \(?[^\s]*:\d+:\d+\)?/, 'a stack trace'],
      [/node_modules/, 'a module path'],
      [/SQLITE_[A-Z]+|SQLSTATE/i, 'a database error code'],
      [/"error"\s*:\s*"(0[0-9A-Z]|2[0-9A-Z]|4[0-9A-Z]|5[3-8]|XX)[0-9A-Z]{3}"/, 'an SQLSTATE'],
      [/\/work\/|\/home\/|\/usr\//, 'a file path'],
    ];
    if (schema) checks.push([schema, 'the PostgreSQL schema']);
    for (const [pattern, what] of checks)
      if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return what;
    return undefined;
  };

  const health = async (): Promise<Violation[]> => {
    for (let i = 0; i < 3; i++) {
      const a = await send({ method: 'GET', target: '/healthz', headers: [], waitMs: 10_000 });
      if (a.kind === 'answer' && a.status === 200) {
        const leak = leaks(a.body.toString('utf8'));
        return leak
          ? [
              {
                kind: 'internal_detail',
                detail: `/healthz shows ${leak}: ${a.body.toString('utf8').slice(0, 200)}`,
              },
            ]
          : [];
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return [{ kind: 'crash', detail: 'the server no longer answers /healthz' }];
  };

  // ----- building requests ------------------------------------------------------------------

  const authHeader = async (
    a: AuthSpec,
    own: Kpps,
    other: () => Promise<Kpps>,
  ): Promise<[string, string] | null> => {
    switch (a.kind) {
      case 'own':
        return ['authorization', `Bearer ${own.token}`];
      case 'none':
        return null;
      case 'unknown':
        return ['authorization', `Bearer kpps_${randomBytes(24).toString('base64url')}`];
      case 'otherTps':
        return ['authorization', `Bearer ${(await other()).token}`];
      case 'reissued': {
        // The old token of a TPS whose token was issued again: own gets the new one.
        const stale = own.token;
        own.token = await issueToken(server.store, own.code);
        return ['authorization', `Bearer ${stale}`];
      }
      case 'deviceRevoked': {
        // The newest device the token enrolled in the case's set-up, or one enrolled now.
        const id = own.devices.at(-1) ?? (await enrolKey(own)).deviceId;
        await server.store.revokeDevice(id);
        return ['authorization', `Bearer ${own.token}`];
      }
      case 'header':
        return ['authorization', a.value];
    }
  };

  const tpsText = (t: TpsRef, own: Kpps, other: Kpps): string =>
    t.kind === 'own'
      ? own.code
      : t.kind === 'ownPacked'
        ? own.code.replaceAll('.', '')
        : t.kind === 'other'
          ? other.code
          : t.kind === 'unknown'
            ? UNKNOWN_TPS
            : t.text;

  const pathSegment = (t: TpsRef, own: Kpps, other: Kpps) =>
    encodeURIComponent(tpsText(t, own, other));

  async function buildSubmission(s: SubmissionSpec, own: Kpps, otherOf: () => Promise<Kpps>) {
    const other = await otherOf();
    // What the TPS holds before the request: an enrolled device, uploaded photos.
    let device: Awaited<ReturnType<typeof enrolKey>> | undefined;
    if (s.enrolled) device = await enrolKey(own);
    const photoHashes: string[] = [];
    const refsHashes: string[] = [];
    const bodies: Buffer[] = [];
    let resultValue: unknown;
    const partBytes: (Buffer | { sig: SignatureSpec })[] = [];
    for (const p of s.parts) {
      const c = p.content;
      if (c.kind === 'result') {
        const text = resultText(c.result);
        if (resultValue === undefined)
          try {
            resultValue = JSON.parse(text);
          } catch {
            resultValue = null;
          }
        partBytes.push(Buffer.from(text, 'utf8'));
      } else if (c.kind === 'photo') {
        const b = await photoBytes(c.photo);
        if (p.name === 'photo') photoHashes.push(sha256(b));
        partBytes.push(b);
      } else if (c.kind === 'refs') {
        const r = c.refs;
        let text: string;
        if (r.kind === 'uploaded') {
          const hashes: string[] = [];
          for (let i = 0; i < r.count; i++)
            hashes.push(
              await upload(
                own,
                await photoBytes({
                  kind: 'valid',
                  format: 'jpeg',
                  width: 240,
                  height: 320,
                  seed: Math.floor(Math.random() * 1e9),
                }),
              ),
            );
          text = JSON.stringify(hashes);
          refsHashes.push(...hashes);
        } else if (r.kind === 'unknown') text = JSON.stringify([sha256(randomBytes(16))]);
        else if (r.kind === 'otherTps')
          text = JSON.stringify([
            await upload(
              other,
              await photoBytes({
                kind: 'valid',
                format: 'jpeg',
                width: 240,
                height: 320,
                seed: Math.floor(Math.random() * 1e9),
              }),
            ),
          ]);
        else text = r.text;
        partBytes.push(Buffer.from(text, 'utf8'));
      } else if (c.kind === 'signature') {
        partBytes.push({ sig: c.sig });
      } else partBytes.push(Buffer.from(c.text, 'utf8'));
    }
    const allHashes = [...photoHashes, ...refsHashes];
    for (const b of partBytes)
      bodies.push(
        Buffer.isBuffer(b)
          ? b
          : Buffer.from(
              await signature(b.sig, own, device, otherOf, resultValue, allHashes),
              'utf8',
            ),
      );
    // The credential last: revoking a device may close the token that the set-up used.
    const auth = await authHeader(s.auth, own, otherOf);
    return { auth, other, device, photoHashes: allHashes, bodies };
  }

  async function signature(
    sig: SignatureSpec,
    own: Kpps,
    device: Awaited<ReturnType<typeof enrolKey>> | undefined,
    otherOf: () => Promise<Kpps>,
    result: unknown,
    photos: string[],
  ): Promise<string> {
    const signer =
      sig.device === 'revoked'
        ? await enrolKey(own).then(async (d) => {
            await server.store.revokeDevice(d.deviceId);
            return d;
          })
        : sig.device === 'otherTps'
          ? await enrolKey(await otherOf())
          : sig.device === 'enrolled' && device
            ? device
            : { ...(await generateDeviceKey()), deviceId: randomUUID() };
    const deviceId = signer.deviceId;
    const now = Date.now();
    const signedAt = {
      now: new Date(now - 5000).toISOString(),
      future1y: new Date(now + 365 * 86400_000).toISOString(),
      '2099': '2099-01-01T00:00:00.000Z',
      '1970': '1970-01-01T00:00:00.000Z',
      notIso: '2024-02-14 09:30',
      noMillis: new Date(now - 5000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    }[sig.signedAt];
    const r = (result ?? {}) as Record<string, unknown>;
    const summary: SignedSummary = {
      v: 1,
      tps: own.code,
      ballot: 'ppwp',
      result: (sig.tamper === 'numbers'
        ? { ...r, invalid: ((r.invalid as number) + 1) % 1000 }
        : r) as SignedSummary['result'],
      photos:
        sig.tamper === 'photoOrder'
          ? photos.length > 1
            ? [...photos].reverse()
            : [...photos, ...photos]
          : sig.tamper === 'otherPhoto'
            ? [sha256(randomBytes(8)), ...photos.slice(1)]
            : photos,
      signedAt,
      deviceId,
    };
    const signatureText =
      sig.tamper === 'randomBytes'
        ? toBase64Url(randomBytes(64))
        : sig.tamper === 'short'
          ? toBase64Url(randomBytes(32))
          : await signSummary(summary, signer.privateKey);
    return JSON.stringify({
      deviceId,
      signedAt,
      signature: signatureText,
      ...(sig.extraKey ? { extra: 1 } : {}),
    });
  }

  function multipart(
    s: SubmissionSpec,
    bodies: Buffer[],
  ): { headers: [string, string][]; body: Buffer } {
    const boundary = `hostile${randomBytes(8).toString('hex')}`;
    const chunks: Buffer[] = [];
    if (s.ending === 'preamble') chunks.push(Buffer.from('This is the preamble.\r\n'));
    s.parts.forEach((p, i) => {
      const head = [`--${boundary}`];
      if (!p.noDisposition)
        head.push(
          `Content-Disposition: form-data; name="${p.name}"${p.filename === null ? '' : `; filename="${p.filename}"`}`,
        );
      if (p.contentType !== null) head.push(`Content-Type: ${p.contentType}`);
      let content = bodies[i]!;
      if (s.ending === 'cutInPart' && i === s.parts.length - 1)
        content = content.subarray(0, Math.floor(content.length / 2));
      chunks.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'utf8'), content);
      if (!(s.ending === 'cutInPart' && i === s.parts.length - 1)) chunks.push(Buffer.from('\r\n'));
    });
    if (s.parts.length === 0 && s.ending !== 'noClosing') chunks.push(Buffer.from(''));
    if (s.ending === 'closed' || s.ending === 'preamble')
      chunks.push(Buffer.from(`--${boundary}--\r\n`));
    if (s.ending === 'epilogue') chunks.push(Buffer.from(`--${boundary}--\r\nand an epilogue\r\n`));
    if (s.ending === 'noFinalCrlf') chunks.push(Buffer.from(`--${boundary}--`));
    const type = {
      form: `multipart/form-data; boundary=${boundary}`,
      formQuoted: `multipart/form-data; boundary="${boundary}"`,
      formCharset: `multipart/form-data; charset=utf-8; boundary=${boundary}`,
      noBoundary: 'multipart/form-data',
      emptyBoundary: 'multipart/form-data; boundary=',
      otherBoundary: `multipart/form-data; boundary=other${boundary}`,
      mixed: `multipart/mixed; boundary=${boundary}`,
      text: 'text/plain',
      json: 'application/json',
      absent: null,
    }[s.contentType];
    return { headers: type === null ? [] : [['content-type', type]], body: Buffer.concat(chunks) };
  }

  // ----- judging ----------------------------------------------------------------------------

  function judgeAnswer(c: HostileCase, a: RawAnswer, lying: boolean): Violation[] {
    const v: Violation[] = [];
    if (a.kind === 'timeout') {
      v.push({
        kind: 'no_answer',
        detail: lying
          ? `no answer within ${wait} ms to a body that declares more than it sends (expected an early 413, or the connection closed)`
          : `no answer within the wait (${a.received} bytes received)`,
      });
      return v;
    }
    if (a.kind === 'closed') {
      if (!lying && c.expect === 'accept')
        v.push({ kind: 'refused_valid', detail: 'the connection closed without an answer' });
      else if (!lying)
        v.push({ kind: 'no_answer', detail: 'the connection closed without an answer' });
      return v;
    }
    const text = a.body.toString('utf8');
    const body = parseJson(a.body) as { error?: unknown; message?: unknown } | undefined;
    if (a.status >= 500) {
      const reason = typeof body?.error === 'string' ? body.error : '';
      if (a.status === 503 && ['storage_full', 'server_busy'].includes(reason))
        v.push({ kind: 'unavailable', detail: `503 ${reason}` });
      else v.push({ kind: 'server_error', detail: `${a.status} ${text.slice(0, 300)}` });
    }
    if (a.status >= 400 && a.body.length > 0) {
      if (
        !body ||
        typeof body.error !== 'string' ||
        !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(body.error) ||
        typeof body.message !== 'string' ||
        body.message.length === 0
      )
        v.push({
          kind: 'bad_error_body',
          detail: `${a.status} ${a.headers['content-type'] ?? ''} ${text.slice(0, 300)}`,
        });
      if (a.body.length > 16 * 1024)
        v.push({
          kind: 'echo',
          detail: `${a.status} error answer of ${a.body.length} bytes: ${text.slice(0, 120)}`,
        });
    }
    const leak = leaks(text);
    if (leak && a.status >= 400)
      v.push({
        kind: 'internal_detail',
        detail: `${a.status} shows ${leak}: ${text.slice(0, 300)}`,
      });
    const ok = a.status >= 200 && a.status < 300;
    if (ok && c.expect === 'refuse')
      v.push({ kind: 'accepted_refusable', detail: `${a.status} ${text.slice(0, 300)}` });
    if (!ok && c.expect === 'accept')
      v.push({ kind: 'refused_valid', detail: `${a.status} ${text.slice(0, 300)}` });
    return v;
  }

  /** For a near-valid result: the error names the field, and a wrong type is not "missing". */
  function judgeMessage(c: HostileCase, a: RawAnswer): Violation[] {
    if (c.spec.type !== 'submission' || a.kind !== 'answer' || a.status < 400) return [];
    const m = c.spec.parts.find((p) => p.name === 'result' && p.content.kind === 'result');
    if (!m || m.content.kind !== 'result') return [];
    const mutation = m.content.result.mutation;
    if (mutation.kind !== 'wrongType' && mutation.kind !== 'range' && mutation.kind !== 'missing')
      return [];
    // Only when the result is the one thing wrong.
    if (c.spec.parts.some((p) => p.content.kind === 'photo' && p.content.photo.kind !== 'valid'))
      return [];
    const text = a.body.toString('utf8');
    const v: Violation[] = [];
    if (!text.includes(mutation.path))
      v.push({
        kind: 'vague_message',
        detail: `${mutation.kind} at ${mutation.path}: ${text.slice(0, 300)}`,
      });
    else if (
      mutation.kind === 'wrongType' &&
      // An object where an object belongs is not a wrong type (its fields may be missing).
      !(RESULT_OBJECTS.includes(mutation.path) && mutation.json.startsWith('{')) &&
      new RegExp(`${mutation.path.replaceAll('.', '\\.')}[^;]*missing`).test(text)
    )
      v.push({
        kind: 'vague_message',
        detail: `${mutation.path} holds ${mutation.json} but the answer says missing: ${text.slice(0, 300)}`,
      });
    return v;
  }

  const storedDiff = (before: Counts, after: Counts): string[] =>
    Object.keys(after)
      .filter((k) => (after[k] ?? 0) > (before[k] ?? 0))
      .map((k) => `${k} ${before[k]} -> ${after[k]}`);

  // ----- visibility of accepted requests ------------------------------------------------------

  async function visibleSubmission(
    own: Kpps,
    a: RawAnswer,
    hashes: string[],
    deviceId?: string,
  ): Promise<string | undefined> {
    if (a.kind !== 'answer') return 'no answer';
    const body = parseJson(a.body) as { id?: string; hash?: string } | undefined;
    if (!body?.id || !body.hash)
      return `the answer has no id and hash: ${a.body.toString('utf8').slice(0, 200)}`;
    const view = await json('GET', `/api/v1/tps/${own.code}?ballot=ppwp`, null);
    const versions = (
      view.body as
        | {
            versions?: {
              id: string;
              hash: string;
              photos: { sha256: string; url: string }[];
              signature: { deviceId: string } | null;
            }[];
          }
        | undefined
    )?.versions;
    const version = versions?.find((v) => v.id === body.id);
    if (!version) return `submission ${body.id} is not in GET /api/v1/tps/${own.code}`;
    if (version.hash !== body.hash)
      return `GET shows hash ${version.hash}, the answer said ${body.hash}`;
    const shown = version.photos.map((p) => p.sha256);
    if (JSON.stringify(shown) !== JSON.stringify(hashes))
      return `GET shows photos ${shown.join(',')}, sent ${hashes.join(',')}`;
    for (const p of version.photos) {
      const r = await send({ method: 'GET', target: p.url, headers: [] });
      if (r.kind !== 'answer' || r.status !== 200) return `photo ${p.url}: ${describe(r)}`;
      if (sha256(r.body) !== p.sha256)
        return `photo ${p.url} serves bytes that hash to ${sha256(r.body)}`;
    }
    if (deviceId && version.signature?.deviceId !== deviceId)
      return `the version is not shown as signed by ${deviceId}`;
    return undefined;
  }

  // ----- running one case -------------------------------------------------------------------

  async function run(c: HostileCase): Promise<Outcome> {
    const own = await fresh();
    let otherTps: Kpps | undefined;
    const otherOf = async () => (otherTps ??= await fresh());
    let req: RawRequest;
    let lying = false;
    let afterAccept: (a: RawAnswer) => Promise<string | undefined> = () =>
      Promise.resolve(undefined);
    const spec = c.spec;
    switch (spec.type) {
      case 'submission': {
        const built = await buildSubmission(spec, own, otherOf);
        const mp = multipart(spec, built.bodies);
        const query = spec.query === null ? '' : `?${spec.query}`;
        const headers: [string, string][] = [...(built.auth ? [built.auth] : []), ...mp.headers];
        lying = spec.framing === 'declaredHuge' || spec.framing === 'shortThenFin';
        if (spec.framing === 'declaredHuge')
          headers.push(['content-length', String(500 * 1024 * 1024)]);
        if (spec.framing === 'shortThenFin')
          headers.push(['content-length', String(mp.body.length + 1000)]);
        req = {
          method: 'POST',
          target: `/api/v1/tps/${pathSegment(spec.tps, own, built.other)}/submissions${query}`,
          headers,
          body: mp.body,
          framing:
            spec.framing === 'chunked' ? 'chunked' : spec.framing === 'exact' ? 'length' : 'none',
          finish: spec.framing === 'shortThenFin',
          waitMs: lying ? wait : answerWait,
        };
        const signer = spec.enrolled ? built.device?.deviceId : undefined;
        afterAccept = (a) => visibleSubmission(own, a, built.photoHashes, signer);
        break;
      }
      case 'read':
        req = buildRead(spec);
        afterAccept = (a) =>
          Promise.resolve(
            a.kind === 'answer' && parseJson(a.body) === undefined && spec.route !== 'photo'
              ? 'the answer is not JSON'
              : undefined,
          );
        break;
      case 'tus': {
        const built = await buildTus(spec, own, otherOf);
        req = built.req;
        afterAccept = built.afterAccept;
        break;
      }
      case 'observations': {
        const built = await buildObservations(spec, own, otherOf);
        req = built.req;
        afterAccept = built.afterAccept;
        break;
      }
      case 'enrol': {
        const built = await buildEnrol(spec, own, otherOf);
        req = built.req;
        afterAccept = built.afterAccept;
        break;
      }
    }
    const before = await snapshot();
    const answer = await send(req);
    if (answer.kind !== 'answer') await new Promise((r) => setTimeout(r, 100));
    const violations = [...judgeAnswer(c, answer, lying), ...judgeMessage(c, answer)];
    const after = await snapshot();
    const ok = answer.kind === 'answer' && answer.status >= 200 && answer.status < 300;
    if (!ok) {
      const grew = storedDiff(before, after);
      if (grew.length > 0)
        violations.push({ kind: 'stored_when_refused', detail: grew.join('; ') });
    } else {
      const missing = await afterAccept(answer);
      if (missing) violations.push({ kind: 'not_visible', detail: missing });
    }
    violations.push(...(await health()));
    const error =
      answer.kind === 'answer'
        ? (parseJson(answer.body) as { error?: unknown } | undefined)?.error
        : undefined;
    return {
      status: answer.kind === 'answer' ? answer.status : answer.kind,
      ...(typeof error === 'string' ? { error } : {}),
      violations,
    };
  }

  function buildRead(r: ReadSpec): RawRequest {
    const c = r.code;
    const regions = ['id', '16', '16.08', readTps.code.slice(0, 8), readTps.code.slice(0, 13)];
    let code: string;
    switch (c.kind) {
      case 'knownTps':
        code = c.packed ? readTps.code.replaceAll('.', '') : readTps.code;
        break;
      case 'knownRegion':
        code = regions[c.level]!;
        break;
      case 'knownPhoto':
        code = readPhoto;
        break;
      case 'unknown':
        code =
          r.route === 'photo' ? sha256('nothing') : r.route === 'tps' ? UNKNOWN_TPS : '16.08.99';
        break;
      case 'raw':
        code = c.encode ? encodeURIComponent(c.text) : c.text;
        break;
    }
    if (c.kind !== 'raw') code = encodeURIComponent(code);
    const q = r.query === null ? '' : r.query;
    const target = {
      tps: `/api/v1/tps/${code}${q ? `?${q}` : ''}`,
      results: `/api/v1/results/${code}${q ? `?${q}` : ''}`,
      observations: `/api/v1/signal/observations?region=${code}${q ? `&${q}` : ''}`,
      photo: `/api/v1/photos/${code}${q ? `?${q}` : ''}`,
    }[r.route];
    return { method: 'GET', target, headers: [] };
  }

  async function buildTus(t: TusSpec, own: Kpps, otherOf: () => Promise<Kpps>) {
    // The credential after the set-up: revoking a device may close the token the set-up used.
    const base = async (): Promise<[string, string][]> => {
      const auth = await authHeader(t.auth, own, otherOf);
      return auth ? [auth] : [];
    };
    let afterAccept: (a: RawAnswer) => Promise<string | undefined> = () =>
      Promise.resolve(undefined);
    const head = async (path: string) =>
      send({
        method: 'HEAD',
        target: path,
        headers: [
          ['authorization', `Bearer ${own.token}`],
          ['tus-resumable', '1.0.0'],
        ],
      });
    if (t.op === 'create') {
      const m = t.meta;
      const other = await otherOf();
      const meta: [string, string][] = [];
      const tps = {
        own: own.code,
        ownPacked: own.code.replaceAll('.', ''),
        other: other.code,
        garbage: 'garbage',
        absent: null,
      }[m.tps];
      if (tps !== null) meta.push(['tps', tps]);
      const hash = sha256(randomBytes(8));
      const sha = {
        right: hash,
        wrong: hash,
        upper: hash.toUpperCase(),
        short: hash.slice(1),
        absent: null,
        garbage: 'zz',
      }[m.sha256];
      if (sha !== null) meta.push(['sha256', sha]);
      meta.push(...m.extra);
      const headers: [string, string][] = [...(await base())];
      if (t.resumable !== null) headers.push(['tus-resumable', t.resumable]);
      if (t.length !== null) headers.push(['upload-length', t.length]);
      if (t.defer) headers.push(['upload-defer-length', '1']);
      headers.push(['upload-metadata', m.raw ?? tusMetadata(meta)]);
      afterAccept = async (a) => {
        const location = a.kind === 'answer' ? a.headers.location : undefined;
        if (!location) return 'no Location for the new upload';
        const h = await head(new URL(location, server.url).pathname);
        if (h.kind !== 'answer' || h.status !== 200 || h.headers['upload-offset'] !== '0')
          return `HEAD of the new upload: ${describe(h)} offset ${h.kind === 'answer' ? h.headers['upload-offset'] : ''}`;
        return undefined;
      };
      return {
        req: { method: 'POST', target: '/api/v1/uploads/', headers } satisfies RawRequest,
        afterAccept,
      };
    }
    if (t.op === 'patch') {
      const bytes = await photoBytes(t.photo);
      const hash = sha256(bytes);
      const path = await createUpload(own, bytes.length, {
        tps: own.code,
        sha256: t.declared === 'right' ? hash : sha256(randomBytes(8)),
      });
      const send_ =
        t.send === 'whole'
          ? bytes
          : t.send === 'half'
            ? bytes.subarray(0, Math.floor(bytes.length / 2))
            : Buffer.concat([bytes, randomBytes(100)]);
      const headers: [string, string][] = [
        ...(await base()),
        ['tus-resumable', '1.0.0'],
        ['upload-offset', t.offset === 'right' ? '0' : t.offset],
      ];
      if (t.contentType !== null) headers.push(['content-type', t.contentType]);
      afterAccept = async () => {
        if (t.send === 'half') {
          const h = await head(path);
          const want = String(send_.length);
          return h.kind === 'answer' && h.headers['upload-offset'] === want
            ? undefined
            : `HEAD after half a photo: ${describe(h)} offset ${h.kind === 'answer' ? h.headers['upload-offset'] : ''}, sent ${want}`;
        }
        const r = await send({ method: 'GET', target: `/api/v1/photos/${hash}`, headers: [] });
        if (r.kind !== 'answer' || r.status !== 200)
          return `the uploaded photo ${hash}: ${describe(r)}`;
        return sha256(r.body) === hash ? undefined : `photo ${hash} serves other bytes`;
      };
      return {
        req: { method: 'PATCH', target: path, headers, body: send_ } satisfies RawRequest,
        afterAccept,
      };
    }
    let path: string;
    const id = t.id;
    const some = await photoBytes({
      kind: 'valid',
      format: 'jpeg',
      width: 220,
      height: 220,
      seed: 3,
    });
    if (id.kind === 'own')
      path = await createUpload(own, some.length, { tps: own.code, sha256: sha256(some) });
    else if (id.kind === 'finished') {
      const bytes = await photoBytes({
        kind: 'valid',
        format: 'jpeg',
        width: 230,
        height: 230,
        seed: Math.floor(Math.random() * 1e9),
      });
      const created = await createUpload(own, bytes.length, {
        tps: own.code,
        sha256: sha256(bytes),
      });
      const r = await send({
        method: 'PATCH',
        target: created,
        headers: [
          ['authorization', `Bearer ${own.token}`],
          ['tus-resumable', '1.0.0'],
          ['upload-offset', '0'],
          ['content-type', 'application/offset+octet-stream'],
        ],
        body: bytes,
      });
      if (r.kind !== 'answer' || r.status !== 204)
        throw new SetupError(`tus PATCH failed: ${describe(r)}`);
      path = created;
    } else if (id.kind === 'otherTps') {
      const other = await otherOf();
      path = await createUpload(other, some.length, { tps: other.code, sha256: sha256(some) });
    } else if (id.kind === 'random') path = `/api/v1/uploads/${randomBytes(16).toString('hex')}`;
    else path = `/api/v1/uploads/${id.text}`;
    const headers: [string, string][] = [...(await base()), ['tus-resumable', '1.0.0']];
    if (t.op === 'patchOther')
      headers.push(['upload-offset', '0'], ['content-type', 'application/offset+octet-stream']);
    if (t.op === 'delete')
      afterAccept = async () => {
        const h = await head(path);
        return h.kind === 'answer' && (h.status === 404 || h.status === 410)
          ? undefined
          : `HEAD after DELETE: ${describe(h)}`;
      };
    return {
      req: {
        method: { head: 'HEAD', delete: 'DELETE', patchOther: 'PATCH' }[t.op],
        target: path,
        headers,
        ...(t.op === 'patchOther' ? { body: randomBytes(10) } : {}),
      } satisfies RawRequest,
      afterAccept,
    };
  }

  function observationJson(
    o: ObservationSpec,
    own: Kpps,
    other: Kpps,
    now: number,
  ): { text: string; at?: string } {
    const entries: [string, string][] = [];
    entries.push(['tps', JSON.stringify(tpsText(o.tps, own, other))]);
    let at: string | undefined;
    switch (o.at.kind) {
      case 'recent':
        at = new Date(now - o.at.minutesAgo * 60_000).toISOString();
        break;
      case 'slightFuture':
        at = new Date(now + o.at.seconds * 1000).toISOString();
        break;
      case 'future':
        at = new Date(now + o.at.minutes * 60_000).toISOString();
        break;
      case 'fixed':
        at = o.at.iso;
        break;
    }
    entries.push(['at', at === undefined ? (o.at as { json: string }).json : JSON.stringify(at)]);
    const p = o.position;
    if (p.kind === 'inside' || p.kind === 'outside')
      entries.push(['lat', String(p.lat)], ['lng', String(p.lng)]);
    if (p.kind === 'raw') entries.push(['lat', p.lat], ['lng', p.lng]);
    if (p.kind === 'half') entries.push(['lat', String(p.lat)]);
    if (o.accuracyM !== null) entries.push(['accuracyM', o.accuracyM]);
    entries.push(
      ['connection', JSON.stringify(o.connection)],
      ['rttMs', o.rttMs],
      ['uploadKbps', o.uploadKbps],
    );
    if (o.bytes !== null) entries.push(['bytes', o.bytes]);
    entries.push(['ok', o.ok]);
    if (o.extra) entries.push([o.extra[0], o.extra[1]]);
    const kept = entries.filter(([k]) => k !== o.drop);
    return {
      text: `{${kept.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`,
      ...(at ? { at } : {}),
    };
  }

  async function buildObservations(s: ObservationsSpec, own: Kpps, otherOf: () => Promise<Kpps>) {
    const auth = await authHeader(s.auth, own, otherOf);
    const other = await otherOf();
    const now = Date.now();
    const valid: ObservationSpec = {
      tps: { kind: 'own' },
      at: { kind: 'recent', minutesAgo: 5 },
      position: { kind: 'inside', lat: -4.1, lng: 104.2 },
      connection: '3g',
      rttMs: '800',
      uploadKbps: '40',
      bytes: '1000',
      ok: 'true',
      accuracyM: '12',
      extra: null,
      drop: null,
    };
    let text: string;
    const sent: string[] = [];
    const b = s.body;
    if (b.kind === 'batch') {
      const items = b.items.map((o) => observationJson(o, own, other, now));
      for (const i of items) if (i.at) sent.push(i.at);
      text = `[${items.map((i) => i.text).join(',')}]`;
    } else if (b.kind === 'many' || b.kind === 'big') {
      const one = observationJson(valid, own, other, now);
      sent.push(one.at!);
      const count = b.kind === 'many' ? b.count : Math.ceil(b.size / one.text.length) + 1;
      text = `[${Array(count).fill(one.text).join(',')}]`;
    } else text = b.text;
    const count = b.kind === 'batch' ? b.items.length : b.kind === 'many' ? b.count : 0;
    const headers: [string, string][] = auth ? [auth] : [];
    if (s.contentType !== null) headers.push(['content-type', s.contentType]);
    const afterAccept = async (a: RawAnswer) => {
      const stored =
        a.kind === 'answer'
          ? (parseJson(a.body) as { stored?: number } | undefined)?.stored
          : undefined;
      if (stored !== count) return `stored ${String(stored)} of ${count}`;
      if (count === 0) return undefined;
      const r = await json(
        'GET',
        `/api/v1/signal/observations?region=${own.code.slice(0, 13)}`,
        null,
      );
      const shown =
        (r.body as { observations?: { tps: string; at: string }[] } | undefined)?.observations ??
        [];
      return shown.some((o) => o.tps === own.code && sent.includes(o.at))
        ? undefined
        : `none of the ${count} observations of ${own.code} is in GET /api/v1/signal/observations (${shown.length} shown)`;
    };
    return {
      req: {
        method: 'POST',
        target: '/api/v1/signal/observations',
        headers,
        body: Buffer.from(text, 'utf8'),
      } satisfies RawRequest,
      afterAccept,
    };
  }

  async function keyJson(
    k: NonNullable<Extract<EnrolSpec['body'], { kind: 'object' }>['key']>,
    again: string | undefined,
    other: Kpps,
  ): Promise<string> {
    switch (k.kind) {
      case 'fresh':
        return JSON.stringify((await generateDeviceKey()).publicKey);
      case 'again':
        return JSON.stringify(again);
      case 'otherTps':
        return JSON.stringify((await enrolKey(other)).publicKey);
      case 'allZero':
        return JSON.stringify(toBase64Url(new Uint8Array(32)));
      case 'weak':
        return JSON.stringify(toBase64Url(Buffer.from(k.hex, 'hex')));
      case 'length':
        return JSON.stringify(toBase64Url(randomBytes(k.bytes)));
      case 'padded':
        return JSON.stringify(`${(await generateDeviceKey()).publicKey}=`);
      case 'raw':
        return k.json;
    }
  }

  async function buildEnrol(e: EnrolSpec, own: Kpps, otherOf: () => Promise<Kpps>) {
    const other = await otherOf();
    let again: string | undefined;
    const b = e.body;
    if (b.kind === 'object' && b.key?.kind === 'again') again = (await enrolKey(own)).publicKey;
    if (e.quotaUsed) {
      const already = again ? 1 : 0;
      for (let i = already; i < 2; i++) await enrolKey(own);
    }
    let text: string;
    if (b.kind === 'raw') text = b.text;
    else {
      const entries: [string, string][] = [];
      if (b.tps) entries.push(['tps', JSON.stringify(tpsText(b.tps, own, other))]);
      const k = b.key;
      if (k) entries.push(['publicKey', await keyJson(k, again, other)]);
      if (b.label.kind === 'text') entries.push(['label', JSON.stringify(b.label.text)]);
      if (b.label.kind === 'raw') entries.push(['label', b.label.json]);
      if (b.extra) entries.push([b.extra[0], b.extra[1]]);
      text = `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${v}`).join(',')}}`;
    }
    // The credential after the set-up: revoking a device may close the token the set-up used.
    const auth = await authHeader(e.auth, own, otherOf);
    const headers: [string, string][] = auth ? [auth] : [];
    if (e.contentType !== null) headers.push(['content-type', e.contentType]);
    const afterAccept = async (a: RawAnswer) => {
      const id =
        a.kind === 'answer'
          ? (parseJson(a.body) as { deviceId?: string } | undefined)?.deviceId
          : undefined;
      if (!id) return 'the answer has no deviceId';
      const d = await server.store.device(id);
      return d && d.tps === own.code && !d.revokedAt
        ? undefined
        : `device ${id} is not enrolled for ${own.code}`;
    };
    return {
      req: {
        method: 'POST',
        target: '/api/v1/kpps/devices',
        headers,
        body: Buffer.from(text, 'utf8'),
      } satisfies RawRequest,
      afterAccept,
    };
  }

  return {
    backend: opts.backend,
    url: server.url,
    server,
    run,
    health,
    async close() {
      await counter.close();
      await server.close();
      if (schema) await dropSchema(schema);
    },
  };
}

/** A step before the case itself failed (enrolment, an upload): the case says nothing. */
export class SetupError extends Error {}

function parseJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}

function describe(a: RawAnswer): string {
  return a.kind === 'answer' ? `${a.status} ${a.body.toString('utf8').slice(0, 200)}` : a.kind;
}

/** tus Upload-Metadata: `key base64(value)` pairs; a key alone when its value is empty. */
const tusMetadata = (m: [string, string][]) =>
  m.map(([k, v]) => (v === '' ? k : `${k} ${Buffer.from(v).toString('base64')}`)).join(',');
