// The target of the hostile suite: a real Rekap server (the app of test/support/server.ts) on
// SQLite or PostgreSQL, with an election of many TPS so that every case can have TPS of its own.
// `run` turns a generated case (generators.ts) into bytes on a real connection and judges the
// answer: no 5xx, a well-formed error body without internal detail, nothing stored for a refused
// request, and an accepted request visible through the public API. The pieces are in target/:
// the election, the photos, the request builders of each family (on the rig they share), the
// oracle (judge.ts), what is stored (stored.ts) and the verdicts and tallies (verdicts.ts).
import { join } from 'node:path';
import { generateDeviceKey } from '../../src/core/receipt.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from '../support/postgres.ts';
import { issueToken, startTestServer, type TestServer } from '../support/server.ts';
import type { HostileCase } from './generators.ts';
import { rawRequest, type RawAnswer, type RawRequest } from './http.ts';
import { pathSegment } from './target/credentials.ts';
import { hostileElection } from './target/election.ts';
import { buildEnrol } from './target/enrolment.ts';
import { judgeAnswer, judgeMessage, leaks, storedDiff, type Where } from './target/judge.ts';
import { buildObservations } from './target/observations.ts';
import { photoBytes } from './target/photos.ts';
import { buildRead } from './target/read.ts';
import {
  describeAnswer,
  parseJson,
  SetupError,
  sha256,
  tusMetadata,
  type Kpps,
  type Rig,
} from './target/rig.ts';
import { dirBytes, postgresCounter, sqliteCounter } from './target/stored.ts';
import { buildSubmission, multipart, visibleSubmission } from './target/submission.ts';
import { buildTus } from './target/tus.ts';
import type { Outcome, Violation } from './target/verdicts.ts';

export { SetupError } from './target/rig.ts';
export { hostileElection } from './target/election.ts';
export { photoBytes } from './target/photos.ts';
export {
  newTally,
  record,
  VIOLATIONS,
  type Outcome,
  type Tally,
  type Violation,
  type ViolationKind,
} from './target/verdicts.ts';

export type Backend = 'sqlite' | 'postgres';

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
    if (!id) throw new SetupError(`enrolment for ${k.code} failed: ${describeAnswer(r.answer)}`);
    k.devices.push(id);
    return { deviceId: id, ...key };
  };

  /** Uploads a whole photo through tus (create, then one PATCH); answers its sha256 and path. */
  const upload = async (k: Kpps, bytes: Buffer): Promise<{ sha256: string; path: string }> => {
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
      throw new SetupError(`tus PATCH failed: ${describeAnswer(r)}`);
    return { sha256: hash, path: created };
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
    if (!location) throw new SetupError(`tus POST failed: ${describeAnswer(r)}`);
    return new URL(location, server.url).pathname;
  };

  // The reads family's TPS and photo.
  const readTps: Kpps = { code: pool[0]!, token: '', devices: [] };
  const photoOwner: Kpps = {
    code: pool[1]!,
    token: await issueToken(server.store, pool[1]!),
    devices: [],
  };
  const { sha256: readPhoto } = await upload(
    photoOwner,
    await photoBytes({ kind: 'valid', format: 'jpeg', width: 300, height: 300, seed: 7 }),
  );

  const rig: Rig = { server, send, json, enrolKey, upload, createUpload, readTps, readPhoto };
  const where: Where = { dataDir: server.dataDir, schema, lyingBodyWaitMs: wait };

  const snapshot = async () => {
    const counts = await counter.counts();
    const blobs = await dirBytes(join(server.dataDir, 'blobs'));
    const uploads = await dirBytes(join(server.dataDir, 'uploads'));
    return { ...counts, blobBytes: blobs.bytes, uploadFiles: uploads.files };
  };

  const health = async (): Promise<Violation[]> => {
    for (let i = 0; i < 3; i++) {
      const a = await send({ method: 'GET', target: '/healthz', headers: [], waitMs: 10_000 });
      if (a.kind === 'answer' && a.status === 200) {
        const leak = leaks(a.body.toString('utf8'), where);
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
        const built = await buildSubmission(rig, spec, own, otherOf);
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
        afterAccept = (a) => visibleSubmission(rig, own, a, built.photoHashes, signer);
        break;
      }
      case 'read':
        req = buildRead(rig, spec);
        afterAccept = (a) =>
          Promise.resolve(
            a.kind === 'answer' && parseJson(a.body) === undefined && spec.route !== 'photo'
              ? 'the answer is not JSON'
              : undefined,
          );
        break;
      case 'tus': {
        const built = await buildTus(rig, spec, own, otherOf);
        req = built.req;
        afterAccept = built.afterAccept;
        break;
      }
      case 'observations': {
        const built = await buildObservations(rig, spec, own, otherOf);
        req = built.req;
        afterAccept = built.afterAccept;
        break;
      }
      case 'enrol': {
        const built = await buildEnrol(rig, spec, own, otherOf);
        req = built.req;
        afterAccept = built.afterAccept;
        break;
      }
    }
    const before = await snapshot();
    const answer = await send(req);
    if (answer.kind !== 'answer') await new Promise((r) => setTimeout(r, 100));
    const violations = [...judgeAnswer(c, answer, lying, where), ...judgeMessage(c, answer)];
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
