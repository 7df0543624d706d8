// Public reads from a PostgreSQL read replica (`rekap serve --read-db`, issue 15), on a real
// primary and a real streaming standby of its own (test/support/pg-standby.ts): the public side
// moves only when the replica has the rows, operators' reads stay on the primary, and a lost
// replica answers 503 while the primary still takes submissions.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TpsCode } from '../src/core/codes.ts';
import { rekap } from './support/cli.ts';
import { pgPairAvailable, startPgPair, type PgPair } from './support/pg-standby.ts';
import { resultForDpt } from './support/results.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const TPS = '16.08.01.1007.001';
const LATER_TPS = '16.08.01.1007.002';
const UNREAD_TPS = '16.08.01.1007.003';

describe('rekap serve --read-db: refusals', () => {
  it('needs the record in PostgreSQL, and a postgres:// replica', async () => {
    const data = await mkdtemp(join(tmpdir(), 'rekap-read-db-'));
    try {
      const alone = await rekap('serve', '--data', data, '--read-db', 'postgres://x@127.0.0.1:1/r');
      expect(alone.code).not.toBe(0);
      expect(alone.stderr).toContain('--read-db needs --db postgres://');
      const wrong = await rekap(
        'serve',
        '--data',
        data,
        '--db',
        'postgres://x@127.0.0.1:1/p',
        '--read-db',
        'sqlite:/tmp/r.sqlite',
      );
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toContain('--read-db must be a postgres:// URL');
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});

const available = await pgPairAvailable();

describe.skipIf(!available)('public reads from a streaming standby', () => {
  let pair: PgPair | undefined;
  let server: TestServer;
  let dpt: number;
  const get = async (path: string) => {
    const r = await fetch(`${server.url}${path}`);
    return { status: r.status, etag: r.headers.get('etag'), json: (await r.json()) as never };
  };
  const tpsRead = (tps: string) =>
    get(`/api/v1/tps/${tps}?ballot=ppwp`) as Promise<{
      status: number;
      etag: string | null;
      json: { versions: unknown[]; status: string; error?: string };
    }>;

  beforeAll(async () => {
    pair = await startPgPair();
    server = await startTestServer({
      dbUrl: pair.primaryUrl,
      readDbUrl: pair.standbyUrl,
      web: false,
    });
    dpt = (await server.store.tps(TPS as TpsCode))!.dpt!;
    await pair.waitCaughtUp();
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await pair?.stop();
  });

  it('keeps the public mark on what the replica has replayed, not on the primary’s commits', async () => {
    // The public side's first answer: nothing at this TPS yet.
    const before = await tpsRead(TPS);
    expect(before.status).toBe(200);
    expect(before.json.versions).toEqual([]);
    const publicMark = await server.store.publicSide!.changeMark();
    const ownMark = await server.store.changeMark();

    await pair!.pauseReplay();
    const sent = await server.submit(TPS, resultForDpt(dpt, [0.4, 0.35]));
    expect(sent.status).toBe(201);
    // The primary has it: its own reads (the operators', the re-reader's) see it at once ...
    expect((await server.store.tpsResult(TPS as TpsCode, 'ppwp'))!.versions).toHaveLength(1);
    expect(await server.store.changeMark()).not.toBe(ownMark);
    // ... while the replica has not replayed it: its mark has not moved, so the public answer and
    // its ETag are still the old ones, never the old rows under a new mark.
    expect(await server.store.publicSide!.changeMark()).toBe(publicMark);
    const paused = await tpsRead(TPS);
    expect(paused.json.versions).toEqual([]);
    expect(paused.etag).toBe(before.etag);

    await pair!.resumeReplay();
    await pair!.waitCaughtUp();
    // Once replayed, the poll moves the public mark, and the answer follows it.
    await expect
      .poll(async () => (await tpsRead(TPS)).json.versions.length, { timeout: 30_000 })
      .toBe(1);
    const after = await tpsRead(TPS);
    expect(after.etag).not.toBe(before.etag);
    expect(await server.store.publicSide!.changeMark()).not.toBe(publicMark);
    // The region's totals on the replica are the primary's.
    const region = (code: string) => get(`/api/v1/results/${code}?ballot=ppwp`);
    const fromReplica = (await region('16.08.01.1007')).json as { totals: unknown };
    const fromPrimary = await server.store.regionResult('16.08.01.1007' as never, 'ppwp');
    expect(fromReplica.totals).toEqual(JSON.parse(JSON.stringify(fromPrimary!.totals)));
  });

  it('answers 503 for reads the lost replica cannot make, while the primary takes submissions', async () => {
    await pair!.stopStandby();
    const lost = await tpsRead(UNREAD_TPS);
    expect(lost.status).toBe(503);
    expect(lost.json.error).toBe('unavailable');
    // Writes and the health check are the primary's, which still answers.
    const sent = await server.submit(LATER_TPS, resultForDpt(dpt, [0.3, 0.3]));
    expect(sent.status).toBe(201);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await server.store.tpsResult(LATER_TPS as TpsCode, 'ppwp'))!.versions).toHaveLength(1);
  });
});
