// A version is re-read once (src/store/review.ts, recordReread), on both backends: JetStream
// delivers a job at least once, two workers may hold the same job, and the catch-up scan may offer
// a version again, so a second record of the same (TPS, ballot, version) must write nothing: no
// second `reread_*` event, no change to the review, even when its outcome differs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { TpsCode } from '../src/core/codes.ts';
import { checkRules } from '../src/core/rules.ts';
import type { RereadRecorded } from '../src/store/review.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { storeBackends, TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';

const RESULT: CHasil = consistentResult({
  dptL: 120,
  dptP: 120,
  votesL: 60,
  votesP: 60,
  invalid: 4,
  votes: { '1': 30, '2': 50, '3': 36 },
});

let photoN = 0;
async function submit(store: Store, tps: TpsCode): Promise<string> {
  const photo = await store.putPhoto(Buffer.from(`reread-once photo ${photoN++}`), {
    contentType: 'image/jpeg',
    width: 10,
    height: 10,
  });
  await store.recordSubmission({
    tps,
    ballot: 'ppwp',
    result: RESULT,
    photos: [photo],
    flags: checkRules(RESULT, { ballot: 'ppwp' }),
    uploader: 'kpps:0123456789abcdef',
    receivedAt: new Date(),
  });
  return photo.sha256;
}

// Store.recordReread is declared with ReviewOutcome (src/store/store.ts); the function returns
// RereadRecorded, `already` included.
const recorded = (r: Awaited<ReturnType<Store['recordReread']>>): RereadRecorded => {
  if (!r.ok) throw new Error(`re-read refused: ${r.error.message}`);
  return r.value;
};

describe.each(storeBackends('reread_once'))('a version is re-read once, on $name', (backend) => {
  let store: Store | undefined;
  let cleanup = async () => {};
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await store.loadElection(TWO_TPS_ELECTION);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup();
  });

  const rereadEvents = async (tps: TpsCode) =>
    (await store!.events({ tps })).filter((e) => e.type.startsWith('reread_'));

  it('a second record of the same version writes no event and leaves the review as it was', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const photo = await submit(store, TPS_A);
    const first = recorded(
      await store.recordReread(TPS_A, 'ppwp', 1, { agrees: true, photos: [photo] }),
    );
    expect(first.already).toBe(false);
    expect(first.event.type).toBe('reread_agrees');
    const chain = await store.events();
    const status = await store.tpsResult(TPS_A, 'ppwp');

    // A disagreement now would hold the TPS for review: it must not, the version was read.
    const second = recorded(
      await store.recordReread(TPS_A, 'ppwp', 1, {
        fields: [{ field: 'votes.1', from: 30, to: 38 }],
        photos: [photo],
      }),
    );
    expect(second.already).toBe(true);
    expect(second.event).toEqual(first.event);
    expect(second.review).toEqual(first.review);
    expect(await store.events()).toEqual(chain);
    expect(await store.tpsResult(TPS_A, 'ppwp')).toEqual(status);
    expect(await rereadEvents(TPS_A)).toHaveLength(1);
  });

  it('of two records at once, one writes and the other finds it', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const photo = await submit(store, TPS_B);
    const outcomes = await Promise.all([
      store.recordReread(TPS_B, 'ppwp', 1, { agrees: true, photos: [photo] }),
      store.recordReread(TPS_B, 'ppwp', 1, {
        fields: [{ field: 'votes.2', from: 50, to: 58 }],
        photos: [photo],
      }),
      store.recordReread(TPS_B, 'ppwp', 1, { failed: 'no-page' }),
    ]);
    const done = outcomes.map(recorded);
    expect(done.filter((d) => !d.already)).toHaveLength(1);
    const events = await rereadEvents(TPS_B);
    expect(events).toHaveLength(1);
    for (const d of done) expect(d.event).toEqual(events[0]);
    // The review is the one the written event made, whichever it was.
    const written = done.find((d) => !d.already)!;
    expect((await store.tpsResult(TPS_B, 'ppwp'))!.review.state).toBe(written.review.state);
  });

  it('a new version is re-read on its own: once for each version', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const photo = await submit(store, TPS_A); // version 2
    const v2 = recorded(await store.recordReread(TPS_A, 'ppwp', 2, { failed: 'no-page' }));
    expect(v2.already).toBe(false);
    expect(v2.event.details).toMatchObject({ ballot: 'ppwp', version: 2 });
    const again = recorded(
      await store.recordReread(TPS_A, 'ppwp', 2, { agrees: true, photos: [photo] }),
    );
    expect(again.already).toBe(true);
    expect(await rereadEvents(TPS_A)).toHaveLength(2);
  });
});
