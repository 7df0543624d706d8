// The server's re-read end to end, on SQLite and PostgreSQL: a real app with the re-read on, the
// committed digit model, synthesized photos of a filled form (src/synth/photo.ts) sent as a KPPS
// sends them. A form whose numbers match its photos is re-read as agreeing and counts; numbers
// that differ from the photos in confident fields are named, and the TPS stops counting until a
// person confirms it; a version recorded while the re-read was off is found by the catch-up scan;
// the forms are read on the re-read's worker thread.
// Each form takes about a second to read on these cores: four reads per backend.
import { Writable } from 'node:stream';
import { threadId } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024 } from '../src/core/ballots.ts';
import { checkRules } from '../src/core/rules.ts';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { buildApp } from '../src/server/app.ts';
import { REREAD_BALLOTS } from '../src/server/reread.ts';
import type { Store } from '../src/store/store.ts';
import { synthForm, type SynthForm } from '../src/synth/photo.ts';
import { REGIONS_TO_MARTAPURA, storeBackends, type OpenedStore } from './support/backends.ts';
import { sha256, until } from './support/field.ts';
import { testPhoto } from './support/photos.ts';

const DESA = '16.08.01.1001' as RegionCode;
const TPS = ['001', '002', '003', '004'].map((n) => `${DESA}.${n}` as TpsCode);
const [AGREES, DISAGREES, CAUGHT_UP, FAILS] = TPS as [TpsCode, TpsCode, TpsCode, TpsCode];
/** Four TPS in one desa, no registered DPT (the synthesized form's DPT is its own). */
const ELECTION: ElectionSetup = {
  name: 'reread test',
  demo: false,
  regions: [...REGIONS_TO_MARTAPURA, { code: DESA, name: 'Desa', level: 'desa' }],
  tps: TPS.map((code, i) => ({ code, name: `TPS ${i + 1}`, dpt: null })),
  contests: [PPWP_2024],
};

// Form 0 of series 2026: its numbers keep every rule, and the reader reads all three pages with
// the pairs' votes unflagged (its unsure fields are elsewhere), so swapping two pairs' votes is a
// consistent submission that the photos contradict in exactly those two fields.
let form: SynthForm;
beforeAll(async () => {
  form = await synthForm(2026, 0);
  expect(checkRules(form.truth.result, { ballot: 'ppwp', registeredDpt: null })).toEqual([]);
});

/** The server's log lines, as objects. */
const logs: Record<string, unknown>[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  }),
);

async function listen(
  store: Store,
  reread: boolean,
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp({ store, logger, reread: { enabled: reread } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

async function submit(
  url: string,
  store: Store,
  tps: TpsCode,
  result: CHasil,
  photos: Buffer[] = form.jpegs.map((j) => j.data),
): Promise<number> {
  const [issued] = await store.issueTokens([tps]);
  const body = new FormData();
  body.set('result', JSON.stringify(result));
  for (const p of photos)
    body.append('photo', new Blob([new Uint8Array(p)], { type: 'image/jpeg' }), 'c-hasil.jpg');
  const res = await fetch(`${url}/api/v1/tps/${tps}/submissions?ballot=ppwp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${issued!.token}` },
    body,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { version: number }).version;
}

/** The re-read event of a TPS, once it is there. */
async function rereadOf(store: Store, tps: TpsCode) {
  let found: Awaited<ReturnType<Store['events']>>[number] | undefined;
  await until(async () => {
    found = (await store.events({ tps })).find((e) => e.type.startsWith('reread_'));
    return found !== undefined;
  });
  return found!;
}

const swapped = (r: CHasil): CHasil => ({
  ...r,
  votes: { ...r.votes, '1': r.votes['2']!, '2': r.votes['1']! },
});

for (const backend of storeBackends('reread')) {
  describe(`the server re-read on ${backend.name}`, () => {
    let opened: OpenedStore | undefined;
    beforeAll(async () => {
      opened = await backend.open();
      await opened?.store.loadElection(ELECTION);
    });
    afterAll(async () => {
      await opened?.store.close();
      await opened?.cleanup();
    });

    it('a version recorded while the re-read was off is read by the catch-up scan at start', async (ctx) => {
      if (!opened) return ctx.skip();
      const { store } = opened;
      const off = await listen(store, false);
      let version: number;
      try {
        version = await submit(off.url, store, CAUGHT_UP, form.truth.result);
      } finally {
        await off.app.close();
      }
      // What the scan sees: this version, KPPS versions of readable ballots only.
      const awaiting = await store.versionsAwaitingReread(10, { ballots: REREAD_BALLOTS });
      expect(awaiting.versions).toEqual([
        { seq: expect.any(Number) as number, tps: CAUGHT_UP, ballot: 'ppwp', version },
      ]);
      const seq = awaiting.versions[0]!.seq;
      expect(awaiting.scannedTo).toBe(seq);
      const after = await store.versionsAwaitingReread(10, { ballots: REREAD_BALLOTS, after: seq });
      expect(after.versions).toEqual([]);
      expect((await store.versionsAwaitingReread(10, { ballots: ['dpr'] })).versions).toEqual([]);
      expect(await store.versionToReread(CAUGHT_UP, 'ppwp', version)).toMatchObject({
        kind: 'submission',
        dpt: null,
        reread: false,
        result: form.truth.result,
      });

      // The restart, with the re-read on: the scan at start finds the version and reads it.
      const on = await listen(store, true);
      try {
        const e = await rereadOf(store, CAUGHT_UP);
        expect(e).toMatchObject({
          type: 'reread_agrees',
          actor: 'server',
          details: { ballot: 'ppwp', version, photos: form.jpegs.map((j) => sha256(j.data)) },
        });
      } finally {
        await on.app.close();
      }
      expect(
        (await store.versionsAwaitingReread(10, { ballots: REREAD_BALLOTS })).versions,
      ).toEqual([]);
      expect(await store.versionToReread(CAUGHT_UP, 'ppwp', version)).toMatchObject({
        reread: true,
      });
    });

    it('agrees with a form whose numbers match its photos, names the fields of one that does not, and fails with the reader reason on a photo of something else', async (ctx) => {
      if (!opened) return ctx.skip();
      const { store } = opened;
      const { app, url } = await listen(store, true);
      let differs: number;
      try {
        const agrees = await submit(url, store, AGREES, form.truth.result);
        differs = await submit(url, store, DISAGREES, swapped(form.truth.result));
        const noise = await submit(url, store, FAILS, form.truth.result, [await testPhoto('x')]);

        expect(await rereadOf(store, AGREES)).toMatchObject({
          type: 'reread_agrees',
          details: { version: agrees },
        });
        const v = form.truth.result.votes;
        expect(await rereadOf(store, DISAGREES)).toMatchObject({
          type: 'reread_disagrees',
          actor: 'server',
          details: {
            ballot: 'ppwp',
            version: differs,
            fields: [
              { field: 'votes.1', from: v['2'], to: v['1'] },
              { field: 'votes.2', from: v['1'], to: v['2'] },
            ],
          },
        });
        expect(await rereadOf(store, FAILS)).toMatchObject({
          type: 'reread_failed',
          details: { version: noise, reason: 'not-a-form' },
        });
      } finally {
        await app.close();
      }
      // Each form was read on the re-read's worker thread, not on the one answering requests.
      const reads = logs.filter((l) => l.msg === 're-read' && TPS.includes(l.tps as TpsCode));
      expect(reads.length).toBeGreaterThanOrEqual(3);
      for (const l of reads) expect(l.thread).toEqual(expect.any(Number));
      expect(reads.filter((l) => l.thread === threadId)).toEqual([]);
      // The agreeing TPS and the one whose photo could not be read count; the one the photos
      // contradict does not, though its numbers keep every rule.
      const counted = async (tps: TpsCode) => (await store.tpsResult(tps, 'ppwp'))?.counted ?? null;
      expect(await counted(AGREES)).toMatchObject({ version: 1 });
      expect(await counted(FAILS)).toMatchObject({ version: 1 });
      expect(await counted(DISAGREES)).toBeNull();
      // All four reported; three count, and the one the photos contradict waits, flagged.
      expect((await store.regionResult(DESA, 'ppwp'))?.progress).toEqual({
        tpsReported: 3,
        tpsTotal: 4,
        tpsWithResult: 4,
        tpsCounted: 3,
        tpsFlagged: 1,
        tpsInReview: 0,
      });
      expect(await store.tpsReview(DISAGREES, 'ppwp')).toMatchObject({
        state: 'flagged',
        counted: null,
        reasons: [{ code: 'reread', version: differs, fields: ['votes.1', 'votes.2'] }],
      });
      expect(await store.tpsReview(AGREES, 'ppwp')).toMatchObject({ state: 'counted' });
      expect(await store.tpsReview(FAILS, 'ppwp')).toMatchObject({ state: 'counted' });
      // A person confirms the version as written (the KPPS's paper says so): then it counts.
      const confirmed = await store.review(
        {
          type: 'confirm',
          tps: DISAGREES,
          ballot: 'ppwp',
          version: differs,
          reason: 'the paper form says so',
        },
        { actor: 'cli' },
      );
      expect(confirmed.ok).toBe(true);
      expect(await store.tpsReview(DISAGREES, 'ppwp')).toMatchObject({
        state: 'counted',
        counted: differs,
      });
      expect((await store.regionResult(DESA, 'ppwp'))?.progress).toEqual({
        tpsReported: 4,
        tpsTotal: 4,
        tpsWithResult: 4,
        tpsCounted: 4,
        tpsFlagged: 0,
        tpsInReview: 0,
      });
      // One re-read per version, whatever the scans and the submissions offered.
      const rereads = (await store.events()).filter((e) => e.type.startsWith('reread_'));
      expect(rereads.map((e) => e.tps).sort()).toEqual([...TPS].sort());
    });
  });
}
