// Photos are never served under a hash they do not have (issue 9, finding 1), through the real
// HTTP server on SQLite and on PostgreSQL: a full disk answers 503 and records nothing, and every
// photo accepted after space returns is served with exactly its bytes; a second store on the data
// folder is refused with the holder named; a damaged pack answers 5xx for that photo, never other
// bytes, and `rekap verify-blobs` names it. Also across processes: a second `rekap serve` on one
// folder does not start, and a holder killed with -9 leaves no lock behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistentResult } from '../src/synth/results.ts';
import { buildApp } from '../src/server/app.ts';
import { packBlobStore, type PackIo } from '../src/store/blobs.ts';
import { DataFolderLockedError } from '../src/store/lock.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';
import { createUpload, patchWhole, sha256, submitRefs, tus } from './support/field.ts';
import { testPhoto } from './support/photos.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from './support/postgres.ts';
import { issueToken } from './support/server.ts';
import { BIN, freePort, rekapWith } from './support/cli.ts';

const rekap = (...args: string[]) => rekapWith({ timeout: 120_000 }, ...args);

const result = (v: number) =>
  consistentResult({
    dptL: 100,
    dptP: 100,
    votesL: 70,
    votesP: 70,
    invalid: 4,
    votes: { '1': 30 + (v % 10), '2': 90, '3': 16 - (v % 10) },
  });

type Env = {
  url: string;
  store: Store;
  app: FastifyInstance;
  dataDir: string;
  dbUrl: string | undefined;
  /** While true, every write to the photo packs fails half-way with ENOSPC. */
  faults: { full: boolean };
  tokens: Record<string, string>;
  close(): Promise<void>;
};

const backends: { name: string; dbUrl: () => Promise<{ url: string; schema: string } | null> }[] = [
  { name: 'sqlite', dbUrl: () => Promise.resolve(null) },
  {
    name: 'postgres',
    dbUrl: async () => ((await postgresAvailable()) ? testSchemaUrl('blobs') : null),
  },
];

async function startEnv(backend: (typeof backends)[number]): Promise<Env | undefined> {
  let pg: { url: string; schema: string } | null = null;
  if (backend.name === 'postgres') {
    pg = await backend.dbUrl();
    if (!pg) return undefined;
  }
  const dataDir = await mkdtemp(join(tmpdir(), `rekap-blobs-${backend.name}-`));
  const faults = { full: false };
  const io: Partial<PackIo> = {
    write(fd, bytes, offset, length, position) {
      if (!faults.full) return writeSync(fd, bytes, offset, length, position);
      // The disk fills up in the middle of a photo: some bytes land, then ENOSPC.
      writeSync(fd, bytes, offset, Math.ceil(length / 3), position);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  };
  const store = await openStore({
    dataDir,
    dbUrl: pg?.url,
    blobs: packBlobStore(join(dataDir, 'blobs'), { io }),
  });
  await store.loadElection(TWO_TPS_ELECTION);
  const app = await buildApp({ store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const tokens = {
    [TPS_A]: await issueToken(store, TPS_A),
    [TPS_B]: await issueToken(store, TPS_B),
  };
  return {
    url,
    store,
    app,
    dataDir,
    dbUrl: pg?.url,
    faults,
    tokens,
    async close() {
      await app.close();
      await store.close();
      if (pg) await dropSchema(pg.schema);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A submission with its photo in the multipart body. */
async function submitWithPhoto(env: Env, tps: string, v: number, photo: Buffer) {
  return submitRefs(env.url, env.tokens[tps]!, tps, result(v), [], undefined, {
    photoParts: [photo],
  });
}

/** Uploads a photo with tus in one PATCH: the PATCH's answer. */
async function uploadPhoto(env: Env, tps: string, photo: Buffer) {
  const created = await createUpload(env.url, env.tokens[tps]!, photo, {
    tps,
    sha256: sha256(photo),
    filename: 'p.jpg',
    filetype: 'image/jpeg',
  });
  expect(created.status).toBe(201);
  const patch = await patchWhole(created.url, env.tokens[tps]!, photo);
  return { ...patch, uploadUrl: created.url };
}

/** Every photo is served with exactly its bytes, cached for good. */
async function expectServed(env: Env, photos: Buffer[]) {
  for (const photo of photos) {
    const res = await fetch(`${env.url}/api/v1/photos/${sha256(photo)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect(Buffer.from(await res.arrayBuffer()).equals(photo)).toBe(true);
  }
}

describe.each(backends)('photo integrity on $name', (backend) => {
  let env: Env | undefined;
  let photos: Buffer[];
  beforeAll(async () => {
    env = await startEnv(backend);
    photos = await Promise.all(
      Array.from({ length: 24 }, (_, i) => testPhoto(`blob-${backend.name}-${i}`)),
    );
  });
  afterAll(async () => {
    await env?.close();
  });

  it('disk full: 503 storage_full, nothing recorded; every photo accepted after space returns is right', async (ctx) => {
    if (!env) return ctx.skip();
    const accepted: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await submitWithPhoto(env, i % 2 ? TPS_B : TPS_A, i, photos[i]!);
      expect(r.status).toBe(201);
      accepted.push(photos[i]!);
    }
    const submissions = await env.store.countSubmissions();

    env.faults.full = true;
    // The multipart path.
    const full = photos[3]!;
    const res = await fetch(`${env.url}/api/v1/tps/${TPS_A}/submissions?ballot=ppwp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.tokens[TPS_A]}` },
      body: (() => {
        const form = new FormData();
        form.set('result', new Blob([JSON.stringify(result(3))], { type: 'application/json' }));
        form.append('photo', new Blob([new Uint8Array(full)], { type: 'image/jpeg' }), 'c.jpg');
        return form;
      })(),
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('storage_full');
    expect(body.message).not.toMatch(/ENOSPC|\/tmp|blobs/);
    // The tus path: the last PATCH of a photo.
    const tusFull = photos[4]!;
    const patch = await uploadPhoto(env, TPS_B, tusFull);
    expect(patch.status).toBe(503);
    expect(Number(patch.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((JSON.parse(patch.text) as { error: string }).error).toBe('storage_full');
    // The partial upload is gone, so the phone sends the photo again rather than take it as sent.
    expect((await tus(patch.uploadUrl, 'HEAD', env.tokens[TPS_B]!)).status).toBe(404);
    // Nothing half: no submission, no photo row, nothing to serve.
    expect(await env.store.countSubmissions()).toBe(submissions);
    for (const p of [full, tusFull]) {
      expect(await env.store.photo(sha256(p))).toBeUndefined();
      expect((await fetch(`${env.url}/api/v1/photos/${sha256(p)}`)).status).toBe(404);
    }

    env.faults.full = false;
    // The same two again, then twenty more, by both paths.
    expect((await submitWithPhoto(env, TPS_A, 3, full)).status).toBe(201);
    accepted.push(full);
    expect((await uploadPhoto(env, TPS_B, tusFull)).status).toBe(204);
    expect(
      (await submitRefs(env.url, env.tokens[TPS_B]!, TPS_B, result(4), [sha256(tusFull)])).status,
    ).toBe(201);
    accepted.push(tusFull);
    for (let i = 5; i < 24; i++) {
      const tps = i % 2 ? TPS_B : TPS_A;
      if (i % 3 === 0) {
        expect((await uploadPhoto(env, tps, photos[i]!)).status).toBe(204);
        const r = await submitRefs(env.url, env.tokens[tps]!, tps, result(i), [sha256(photos[i]!)]);
        expect(r.status).toBe(201);
      } else expect((await submitWithPhoto(env, tps, i, photos[i]!)).status).toBe(201);
      accepted.push(photos[i]!);
    }
    await expectServed(env, accepted);
    expect(await env.store.countSubmissions()).toBe(submissions + 21);
  });

  it('refuses a second writing store on the data folder, naming the holder', async (ctx) => {
    if (!env) return ctx.skip();
    const second = openStore({ dataDir: env.dataDir, dbUrl: env.dbUrl });
    await expect(second).rejects.toBeInstanceOf(DataFolderLockedError);
    await expect(second).rejects.toThrow(
      new RegExp(`in use by pid ${process.pid} on ${hostname()} since \\d{4}-`),
    );
    // Readers, and commands that only change rows, run beside it.
    const reader = await openStore({ dataDir: env.dataDir, dbUrl: env.dbUrl, readOnly: true });
    expect(await reader.photo(sha256(photos[0]!))).toBeDefined();
    await reader.close();
    const rows = await openStore({ dataDir: env.dataDir, dbUrl: env.dbUrl, writePhotos: false });
    await expect(rows.blobs.put(Buffer.from('x'))).rejects.toThrow(/read-only/);
    await rows.close();
    // Still refused: the lock is the first store's until it closes.
    await expect(openStore({ dataDir: env.dataDir, dbUrl: env.dbUrl })).rejects.toThrow(/in use/);
  });

  it('a damaged pack: that photo answers 500 photo_corrupt, never other bytes, and verify-blobs names it', async (ctx) => {
    if (!env) return ctx.skip();
    const data = ['--data', env.dataDir, ...(env.dbUrl ? ['--db', env.dbUrl] : [])];
    const clean = await rekap('verify-blobs', ...data);
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^ok: 24 photos/);

    const victim = photos[7]!;
    const record = await env.store.photo(sha256(victim));
    const [pack, offset] = record!.location.split(':') as [string, string, string];
    const f = await open(join(env.dataDir, 'blobs', pack), 'r+');
    const byte = Buffer.alloc(1);
    await f.read(byte, 0, 1, Number(offset) + 100);
    await f.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, Number(offset) + 100);
    await f.close();

    const res = await fetch(`${env.url}/api/v1/photos/${sha256(victim)}`);
    expect(res.status).toBe(500);
    expect(res.headers.get('cache-control')).not.toContain('immutable');
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('photo_corrupt');
    expect(body.message).not.toContain(env.dataDir);
    // The others are untouched.
    await expectServed(env, [photos[6]!, photos[8]!]);

    const bad = await rekap('verify-blobs', ...data);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`bad ${sha256(victim)} at ${record!.location}: wrong_hash`);
    expect(bad.stdout).toContain('1 of 24 photos');
    const json = await rekap('verify-blobs', ...data, '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { checked: number; bad: { detail: string }[] };
    expect(report).toMatchObject({
      checked: 24,
      ok: false,
      bad: [{ sha256: sha256(victim), location: record!.location, problem: 'wrong_hash' }],
    });
    expect(report.bad).toHaveLength(1);
    expect(report.bad[0]!.detail).toMatch(/^the bytes hash to [0-9a-f]{64}$/);
  });
});

/** `rekap serve` on a data folder: resolves once it answers, or with its exit and stderr. */
async function serve(
  dataDir: string,
): Promise<{ child: ChildProcess; up: boolean; code: number | null; stderr: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--demo', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null || child.signalCode !== null)
      return { child, up: false, code: await exited, stderr };
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok)
        return { child, up: true, code: null, stderr };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`rekap serve neither started nor ended: ${stderr}`);
}

describe('two processes on one data folder', () => {
  it('a second rekap serve refuses to start, naming the first; one killed with -9 leaves no lock', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rekap-lock-'));
    const children: ChildProcess[] = [];
    try {
      const first = await serve(dataDir);
      children.push(first.child);
      expect(first.up).toBe(true);
      const second = await serve(dataDir);
      children.push(second.child);
      expect(second.up).toBe(false);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`in use by pid ${first.child.pid} on ${hostname()}`);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);

      const gone = new Promise((r) => first.child.once('exit', r));
      first.child.kill('SIGKILL');
      await gone;
      const third = await serve(dataDir);
      children.push(third.child);
      expect(third.up).toBe(true);
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
