// The TPS answer's review status on both backends (src/store/recap.ts): a flagged version names
// its rules with their fields and words, a photo request its reason and who asked (role, region,
// account name), an objection only that one is open, a correction who made it, when, why and the
// reference; and versionStatus reads each version's standing from it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { checkRules } from '../src/core/rules.ts';
import { versionStatus } from '../src/contract/version-status.ts';
import { accountActor } from '../src/store/accounts.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { storeBackends, TPS_A, TWO_TPS_ELECTION } from './support/backends.ts';

const clean = (v1: number): CHasil =>
  consistentResult({
    dptL: 120,
    dptP: 120,
    votesL: 60,
    votesP: 60,
    invalid: 4,
    votes: { '1': v1, '2': 80 - v1, '3': 36 },
  });

let photoN = 0;
async function submit(store: Store, tps: TpsCode, result: CHasil) {
  const photo = await store.putPhoto(Buffer.from(`status photo ${photoN++}`), {
    contentType: 'image/jpeg',
    width: 10,
    height: 10,
  });
  await store.recordSubmission({
    tps,
    ballot: 'ppwp',
    result,
    photos: [photo],
    flags: checkRules(result, { ballot: 'ppwp' }),
    uploader: 'kpps:0123456789abcdef',
    receivedAt: new Date(),
  });
}

describe.each(storeBackends('tps_review_status'))('the TPS review status on $name', (backend) => {
  let store: Store | undefined;
  let cleanup = async () => {};
  let actor = 'cli';
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await store.loadElection(TWO_TPS_ELECTION);
    const made = await store.accounts.create({
      name: 'ppk.martapura',
      role: 'ppk',
      region: '16.08.01' as RegionCode,
    });
    if (!made.ok) throw new Error(made.error.message);
    actor = accountActor(made.value.account.id);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup();
  });
  const review = async () => (await store!.tpsResult(TPS_A, 'ppwp'))!.review;
  const ppk = { name: 'ppk.martapura', role: 'ppk', region: '16.08.01' };

  it('none, flagged with the rules in words, photo requested, counted, in review, corrected', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    expect(await review()).toEqual({
      state: 'none',
      counted: null,
      latest: null,
      reasons: [],
      corrections: [],
    });

    // Flagged: one vote too many for pair 1.
    const bad = clean(30);
    bad.votes['1'] = 31;
    await submit(store, TPS_A, bad);
    const flagged = await review();
    expect(flagged).toMatchObject({ state: 'flagged', counted: null, latest: 1 });
    const [rules] = flagged.reasons;
    expect(rules).toMatchObject({ code: 'rules', version: 1 });
    if (rules?.code !== 'rules') throw new Error('no rules reason');
    expect(rules.rules.map((r) => r.rule)).toEqual(
      checkRules(bad, { ballot: 'ppwp' }).map((b) => b.rule),
    );
    expect(rules.rules[0]!.fields).toContain('valid');
    expect(rules.rules[0]!.message.id.length).toBeGreaterThan(0);
    expect(versionStatus(flagged, 1)).toMatchObject({ state: 'flagged' });

    // A photo request: its reason and who asked.
    const asked = await store.review(
      {
        type: 'request_photo',
        tps: TPS_A,
        ballot: 'ppwp',
        version: 1,
        reason: 'halaman 3 terpotong',
        pages: [3],
      },
      { actor },
    );
    expect(asked.ok).toBe(true);
    const requested = await review();
    expect(requested.state).toBe('photo_requested');
    expect(requested.reasons.at(-1)).toMatchObject({
      code: 'photo_requested',
      version: 1,
      reason: 'halaman 3 terpotong',
      pages: [3],
      by: { actor, ...ppk },
    });
    expect(versionStatus(requested, 1)).toMatchObject({ state: 'photo_requested', counts: false });

    // The new version counts; the request is answered, version 1 superseded.
    await submit(store, TPS_A, clean(30));
    const counted = await review();
    expect(counted).toMatchObject({ state: 'counted', counted: 2, latest: 2, reasons: [] });
    expect(versionStatus(counted, 1)).toEqual({
      state: 'superseded',
      version: 1,
      by: 2,
      counted: 2,
    });

    // An objection: open, no text for the public, the version keeps counting.
    const objected = await store.review(
      { type: 'object', tps: TPS_A, ballot: 'ppwp', version: 2, text: 'saksi 02: suara kurang' },
      { actor: 'cli' },
    );
    expect(objected.ok).toBe(true);
    const inReview = await review();
    expect(inReview).toMatchObject({ state: 'in_review', counted: 2 });
    expect(inReview.reasons).toEqual([{ code: 'objection', version: 2 }]);

    // A correction: who, when, why, the reference and the changes.
    const corrected = await store.review(
      {
        type: 'correct',
        tps: TPS_A,
        ballot: 'ppwp',
        version: 2,
        values: clean(29),
        reason: 'salah salin',
        reference: 'BA-09/PPK/2024',
      },
      { actor },
    );
    expect(corrected.ok).toBe(true);
    const after = await review();
    expect(after).toMatchObject({ state: 'corrected', counted: 3, latest: 3, reasons: [] });
    expect(after.corrections).toEqual([
      {
        version: 3,
        corrects: 2,
        at: expect.any(String) as string,
        by: { actor, ...ppk },
        reason: 'salah salin',
        reference: 'BA-09/PPK/2024',
        changes: [
          { field: 'votes.1', from: 30, to: 29 },
          { field: 'votes.2', from: 50, to: 51 },
        ],
      },
    ]);
    expect(versionStatus(after, 2)).toMatchObject({
      state: 'corrected',
      counted: 3,
      correction: { by: { name: 'ppk.martapura' } },
    });
  });
});
