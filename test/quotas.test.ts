// Quotas per TPS (issue 9, finding 3) against the real app over HTTP, on SQLite and PostgreSQL:
// bytes parked in unfinished tus uploads, complete photos that no submission names, the expiry of
// unfinished uploads, signal observations per hour, and a public observations answer that one TPS
// cannot fill. The store and the app share one clock that the tests move forward.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.ts';
import type { Quotas } from '../src/server/quotas.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { afterObservationsPost } from '../src/web/field/sender.ts';
import { TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';
import { createUpload, patchWhole, sha256, submitRefs, tus, until } from './support/field.ts';
import { testPhoto } from './support/photos.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from './support/postgres.ts';
import { issueToken } from './support/server.ts';
import { cleanResult } from './support/results.ts';

const MB = 1024 * 1024;
const HOUR = 3600_000;

type Rig = {
  url: string;
  store: Store;
  dataDir: string;
  tokenA: string;
  tokenB: string;
  /** Moves the clock of the store and of the app forward. */
  advance(ms: number): void;
  now(): Date;
  /** Closes the app and builds a new one on the same store and data folder (a restart). */
  restart(quotas?: Partial<Quotas>): Promise<void>;
  close(): Promise<void>;
};

async function startRig(
  backend: 'sqlite' | 'postgres',
  quotas?: Partial<Quotas>,
): Promise<Rig | undefined> {
  if (backend === 'postgres' && !(await postgresAvailable())) return undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'rekap-quotas-'));
  const pg = backend === 'postgres' ? testSchemaUrl('quotas') : undefined;
  // tus dates its uploads by the real clock: start there and only move forward.
  let now = Date.now();
  const clock = () => new Date(now);
  const store = await openStore({ dataDir, dbUrl: pg?.url, clock });
  await store.loadElection(TWO_TPS_ELECTION);
  let app: FastifyInstance | undefined;
  let url = '';
  const listen = async (q?: Partial<Quotas>) => {
    app = await buildApp({ store, clock, ...(q ? { quotas: q } : {}) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  };
  await listen(quotas);
  const rig: Rig = {
    get url() {
      return url;
    },
    store,
    dataDir,
    tokenA: await issueToken(store, TPS_A),
    tokenB: await issueToken(store, TPS_B),
    advance: (ms) => void (now += ms),
    now: clock,
    async restart(q) {
      await app?.close();
      await listen(q ?? quotas);
    },
    async close() {
      await app?.close();
      await store.close();
      if (pg) await dropSchema(pg.schema);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return rig;
}

const body = (r: { text: string }) => JSON.parse(r.text) as Record<string, unknown>;

/** POST of an upload declaring `length` bytes, with valid metadata; no bytes sent. */
const park = (rig: Rig, token: string, tps: string, length: number, label: string) =>
  tus(`${rig.url}/api/v1/uploads/`, 'POST', token, {
    'upload-length': String(length),
    'upload-metadata': `tps ${Buffer.from(tps).toString('base64')},sha256 ${Buffer.from(
      sha256(Buffer.from(label)),
    ).toString('base64')}`,
  });

/** A whole tus upload (POST, then one PATCH) of a photo; answers the final status. */
async function uploadPhoto(rig: Rig, token: string, tps: string, photo: Buffer) {
  const created = await createUpload(rig.url, token, photo, { tps, sha256: sha256(photo) });
  if (created.status !== 201) return { status: created.status, text: created.text };
  const r = await patchWhole(created.url, token, photo);
  return { status: r.status, text: r.text };
}

const partials = async (rig: Rig) =>
  (await readdir(join(rig.dataDir, 'uploads'))).filter((f) => !f.endsWith('.json'));

const result = cleanResult;

const observation = (rig: Rig, tps: string, over: Record<string, unknown> = {}) => ({
  tps,
  at: rig.now().toISOString(),
  lat: -4.1,
  lng: 104.2,
  connection: '3g',
  rttMs: 500,
  uploadKbps: 30,
  ok: true,
  ...over,
});

async function postObservations(rig: Rig, token: string, list: unknown[]) {
  const res = await fetch(`${rig.url}/api/v1/signal/observations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(list),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json: (await res.json()) as Record<string, unknown>,
  };
}

async function readObservations(rig: Rig, region = 'id') {
  const res = await fetch(`${rig.url}/api/v1/signal/observations?region=${region}`);
  return (await res.json()) as {
    observations: { tps: string }[];
    truncated: boolean;
  };
}

describe.each(['sqlite', 'postgres'] as const)('quotas (%s)', (backend) => {
  let rig: Rig | undefined;
  beforeAll(async () => {
    rig = await startRig(backend);
  });
  afterAll(() => rig?.close());

  it('caps the bytes a TPS parks in unfinished uploads (64 MB), per TPS, kept across a restart', async (ctx) => {
    if (!rig) return ctx.skip();
    // Four photos of the largest size (15 MB) may wait at once; the fifth would park 75 MB.
    for (let i = 0; i < 4; i++)
      expect((await park(rig, rig.tokenA, TPS_A, 15 * MB, `big ${i}`)).status).toBe(201);
    const refused = await park(rig, rig.tokenA, TPS_A, 15 * MB, 'big 4');
    expect(refused.status).toBe(429);
    const error = body(refused);
    expect(error.error).toBe('quota_exceeded');
    expect(error.message).toMatch(/64 MB/);
    expect(error.message).toMatch(/60 MB/);
    // Small ones still fit in what is left; another TPS has a quota of its own.
    expect((await park(rig, rig.tokenA, TPS_A, 3 * MB, 'small')).status).toBe(201);
    expect((await park(rig, rig.tokenB, TPS_B, 15 * MB, 'b')).status).toBe(201);
    // A restart counts what is still parked in the folder.
    await rig.restart();
    expect((await park(rig, rig.tokenA, TPS_A, 2 * MB, 'after restart')).status).toBe(429);
    expect((await park(rig, rig.tokenA, TPS_A, 1 * MB, 'what is left')).status).toBe(201);
  });

  it('gives the room of an ended (DELETE) or finished upload back', async (ctx) => {
    if (!rig) return ctx.skip();
    await rig.restart();
    // TPS B parked 15 MB above; fill to 60 MB, then end one with DELETE.
    const urls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await park(rig, rig.tokenB, TPS_B, 15 * MB, `b more ${i}`);
      expect(r.status).toBe(201);
      urls.push(new URL(r.headers.get('location')!, rig.url).href);
    }
    expect((await park(rig, rig.tokenB, TPS_B, 15 * MB, 'b over')).status).toBe(429);
    expect((await tus(urls[0]!, 'DELETE', rig.tokenB)).status).toBe(204);
    expect((await park(rig, rig.tokenB, TPS_B, 15 * MB, 'b again')).status).toBe(201);
    // 60 MB parked: a finished photo leaves nothing behind, so 4 MB more fit exactly.
    const photo = await testPhoto(`finished ${backend}`);
    expect((await uploadPhoto(rig, rig.tokenB, TPS_B, photo)).status).toBe(204);
    expect((await park(rig, rig.tokenB, TPS_B, 4 * MB, 'b exactly')).status).toBe(201);
    expect((await park(rig, rig.tokenB, TPS_B, 1, 'b one byte over')).status).toBe(429);
  });

  it('removes unfinished uploads after 24 hours, at start and while running', async (ctx) => {
    if (!rig) return ctx.skip();
    const before = (await partials(rig)).length;
    expect(before).toBeGreaterThan(0);
    rig.advance(25 * HOUR);
    // At start: a restart removes what expired.
    await rig.restart();
    expect(await partials(rig)).toEqual([]);
    // While running: a new upload expires a day later, removed by the periodic purge.
    await rig.restart({ uploadPurgeIntervalMs: 50 });
    const fresh = await park(rig, rig.tokenA, TPS_A, 15 * MB, 'fresh');
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get('upload-expires')).not.toBeNull();
    expect(await partials(rig)).toHaveLength(1);
    rig.advance(25 * HOUR);
    await until(async () => (await partials(rig!)).length === 0);
    const url = new URL(fresh.headers.get('location')!, rig.url).href;
    expect((await tus(url, 'HEAD', rig.tokenA)).status).toBe(404);
    // And its room is free again: four large ones fit.
    for (let i = 0; i < 4; i++)
      expect((await park(rig, rig.tokenA, TPS_A, 15 * MB, `again ${i}`)).status).toBe(201);
    await rig.restart();
  });

  it('caps the complete photos that no submission names at 30 per TPS (in 24 hours)', async (ctx) => {
    if (!rig) return ctx.skip();
    rig.advance(25 * HOUR);
    await rig.restart(); // the parked uploads above expire
    const photos = await Promise.all(
      Array.from({ length: 32 }, (_, i) => testPhoto(`unreferenced ${backend} ${i}`)),
    );
    for (let i = 0; i < 30; i++) {
      const r = await uploadPhoto(rig, rig.tokenA, TPS_A, photos[i]!);
      expect(r.status, r.text).toBe(204);
    }
    const refused = await uploadPhoto(rig, rig.tokenA, TPS_A, photos[30]!);
    expect(refused.status).toBe(429);
    const error = body(refused);
    expect(error.error).toBe('quota_exceeded');
    expect(error.message).toMatch(/30/);
    expect(await partials(rig)).toEqual([]);
    // The same photo again adds nothing, so it is not refused.
    expect((await uploadPhoto(rig, rig.tokenA, TPS_A, photos[0]!)).status).toBe(204);
    // Another TPS is not affected.
    expect((await uploadPhoto(rig, rig.tokenB, TPS_B, photos[31]!)).status).toBe(204);
    // A submission that names two of them makes room for two more.
    const sent = await submitRefs(rig.url, rig.tokenA, TPS_A, result(), [
      sha256(photos[0]!),
      sha256(photos[1]!),
    ]);
    expect(sent.status).toBe(201);
    expect((await uploadPhoto(rig, rig.tokenA, TPS_A, photos[30]!)).status).toBe(204);
    expect((await uploadPhoto(rig, rig.tokenA, TPS_A, photos[31]!)).status).toBe(204);
    const more = await testPhoto(`unreferenced ${backend} more`);
    expect((await uploadPhoto(rig, rig.tokenA, TPS_A, more)).status).toBe(429);
    // A day later the old ones no longer count (and can still be named by a late submission).
    rig.advance(25 * HOUR);
    expect((await uploadPhoto(rig, rig.tokenA, TPS_A, more)).status).toBe(204);
    const late = await submitRefs(rig.url, rig.tokenA, TPS_A, result(), [sha256(photos[2]!)]);
    expect(late.status).toBe(201);
  });

  it('caps signal observations per TPS per hour (600), with Retry-After', async (ctx) => {
    if (!rig) return ctx.skip();
    const batch = (n: number) => Array.from({ length: n }, () => observation(rig!, TPS_A));
    for (let i = 0; i < 6; i++)
      expect((await postObservations(rig, rig.tokenA, batch(100))).status).toBe(202);
    const refused = await postObservations(rig, rig.tokenA, batch(1));
    expect(refused.status).toBe(429);
    expect(refused.json.error).toBe('quota_exceeded');
    expect(refused.json.message).toMatch(/600/);
    const retry = Number(refused.retryAfter);
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(3600);
    // The field app keeps the batch and sends no observations until then.
    expect(afterObservationsPost(refused.status, refused.retryAfter)).toEqual({
      sent: false,
      pauseMs: retry * 1000,
    });
    expect(afterObservationsPost(202, null)).toEqual({ sent: true, pauseMs: 0 });
    expect(afterObservationsPost(400, null)).toEqual({ sent: true, pauseMs: 0 });
    expect(afterObservationsPost(503, '30')).toEqual({ sent: false, pauseMs: 0 });
    // Another TPS has its own hour.
    expect((await postObservations(rig, rig.tokenB, [observation(rig, TPS_B)])).status).toBe(202);
    // One batch larger than the whole quota can never fit: 413.
    const huge = await postObservations(rig, rig.tokenA, batch(601));
    expect(huge.status).toBe(413);
    expect(huge.json.error).toBe('quota_exceeded');
    // After Retry-After, the TPS may send again.
    rig.advance(retry * 1000);
    expect((await postObservations(rig, rig.tokenA, batch(100))).status).toBe(202);
  });

  it('refuses positions outside Indonesia and times before 2024 or in the future, naming the field', async (ctx) => {
    if (!rig) return ctx.skip();
    rig.advance(2 * HOUR);
    const post = (over: Record<string, unknown>) =>
      postObservations(rig!, rig!.tokenB, [
        observation(rig!, TPS_B),
        observation(rig!, TPS_B, over),
      ]);
    const pole = await post({ lat: 89.99, lng: -179.99 });
    expect(pole.status).toBe(400);
    expect(pole.json.message).toMatch(/1\.lat/);
    expect(pole.json.message).toMatch(/1\.lng/);
    expect((await post({ lat: 0, lng: 0 })).status).toBe(400);
    const old = await post({ at: '1970-01-01T00:00:00Z' });
    expect(old.status).toBe(400);
    expect(old.json.message).toMatch(/1\.at/);
    const future = await post({ at: '2099-01-01T00:00:00Z' });
    expect(future.status).toBe(400);
    expect(future.json.message).toMatch(/1\.at/);
    const in11 = new Date(rig.now().getTime() + 11 * 60_000).toISOString();
    expect((await post({ at: in11 })).status).toBe(400);
    // A phone clock a few minutes ahead, and the corners of the country, are fine.
    const in5 = new Date(rig.now().getTime() + 5 * 60_000).toISOString();
    expect((await post({ at: in5 })).status).toBe(202);
    expect((await post({ lat: 5.9, lng: 95.3 })).status).toBe(202); // Sabang, Aceh
    expect((await post({ lat: -8.5, lng: 140.4 })).status).toBe(202); // Merauke, Papua
    expect((await post({ lat: -10.9, lng: 122.9 })).status).toBe(202); // Rote
    expect((await post({ at: '2024-02-14T07:00:00+07:00' })).status).toBe(202);
  });

  it('keeps the public observations answer fair: one TPS cannot push the others out', async (ctx) => {
    if (!rig) return ctx.skip();
    // A quota high enough to let one TPS post 15 x 1,000.
    await rig.restart({ observationsPerHour: 100_000 });
    rig.advance(2 * HOUR);
    expect((await postObservations(rig, rig.tokenB, [observation(rig, TPS_B)])).status).toBe(202);
    const flood = Array.from({ length: 1000 }, () => observation(rig!, TPS_A));
    for (let i = 0; i < 15; i++)
      expect((await postObservations(rig, rig.tokenA, flood)).status).toBe(202);
    const read = await readObservations(rig);
    expect(read.truncated).toBe(true);
    const perTps = new Map<string, number>();
    for (const o of read.observations) perTps.set(o.tps, (perTps.get(o.tps) ?? 0) + 1);
    expect(perTps.get(TPS_A)).toBe(50);
    expect(perTps.get(TPS_B)).toBeGreaterThan(0);
    expect(perTps.get(TPS_B)).toBeLessThanOrEqual(50);
  });
});
