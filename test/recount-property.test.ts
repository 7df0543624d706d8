// The property of the recap ladder, on both backends: any sequence of submissions (clean and
// flagged), re-read disagreements, confirmations, corrections, objections and their answers,
// photo requests, and sign-offs and reopenings leaves every region's totals equal to a recount
// from the versions and the events (core/tally.ts `recount`, and the store's own checkAggregates),
// and `audit verify` finds the record whole. Refused actions (stale, closed, nothing to confirm)
// are part of the sequence: they must change nothing.
import { RecapClosedError } from '../src/store/signoffs.ts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import type { ReviewEvent } from '../src/core/review.ts';
import { checkRules } from '../src/core/rules.ts';
import { recount, type CountableVersion, type TpsReviewEvent } from '../src/core/tally.ts';
import { openDb, type Db } from '../src/store/db.ts';
import { writeTransaction } from '../src/store/events.ts';
import { closeRecapRow, reopenRecapRow } from '../src/store/review.ts';
import { reviewEventOf } from '../src/store/submissions.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { storeBackends, TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';

const TPS_C = '16.08.02.2001.001' as TpsCode;
const TPS = [TPS_A, TPS_B, TPS_C];
const KECAMATAN = ['16.08.01', '16.08.02'] as RegionCode[];
const setup: ElectionSetup = {
  ...TWO_TPS_ELECTION,
  regions: [
    ...TWO_TPS_ELECTION.regions,
    { code: '16.08.02' as RegionCode, name: 'Buay Madang', level: 'kecamatan' },
    { code: '16.08.02.2001' as RegionCode, name: 'Desa 2', level: 'desa' },
  ],
  tps: [...TWO_TPS_ELECTION.tps, { code: TPS_C, name: 'TPS C', dpt: null }],
};
const REGIONS = setup.regions.map((r) => r.code);

const resultArb = fc
  .record({
    v1: fc.integer({ min: 0, max: 50 }),
    v2: fc.integer({ min: 0, max: 50 }),
    invalid: fc.integer({ min: 0, max: 8 }),
    flagged: fc.boolean(),
  })
  .map(({ v1, v2, invalid, flagged }): CHasil => {
    const voters = v1 + v2 + 20 + invalid;
    const r = consistentResult({
      dptL: 120,
      dptP: 120,
      votesL: Math.floor(voters / 2),
      votesP: voters - Math.floor(voters / 2),
      invalid,
      votes: { '1': v1, '2': v2, '3': 20 },
    });
    return flagged ? { ...r, votes: { ...r.votes, '1': v1 + 1 } } : r;
  });

const tpsArb = fc.constantFrom(...TPS);
const stepArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('submit' as const),
      tps: tpsArb,
      result: resultArb,
      photo: fc.nat(3),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('disagree' as const), tps: tpsArb, back: fc.nat(1) }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('confirm' as const), tps: tpsArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('correct' as const), tps: tpsArb, result: resultArb }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('object' as const), tps: tpsArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('answer' as const), tps: tpsArb }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('photo' as const), tps: tpsArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('close' as const),
      region: fc.constantFrom(...KECAMATAN),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('reopen' as const),
      region: fc.constantFrom(...KECAMATAN),
    }),
  },
);
type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

async function run(store: Store, raw: Db, step: Step) {
  const by = { actor: 'account:op' };
  const ballot = 'ppwp' as const;
  if (step.t === 'close' || step.t === 'reopen') {
    const latest = await raw.db
      .selectFrom('recap_signoffs')
      .select('action')
      .where('region_code', '=', step.region)
      .orderBy('seq', 'desc')
      .executeTakeFirst();
    const closed = latest?.action === 'closed';
    await writeTransaction(raw.db, raw.dialect, async (trx): Promise<unknown> =>
      step.t === 'close'
        ? closed
          ? Promise.resolve()
          : closeRecapRow(trx, raw.dialect, {
              region: step.region,
              ballot,
              actor: 'account:ppk',
              at: new Date(),
              dhasil: '{}',
              signature: 's',
              totals: 'c'.repeat(64),
            })
        : closed
          ? reopenRecapRow(trx, raw.dialect, {
              region: step.region,
              ballot,
              actor: 'account:kab',
              at: new Date(),
              reason: 'r',
            })
          : Promise.resolve(),
    );
    return;
  }
  if (step.t === 'submit') {
    const photo = await store.putPhoto(Buffer.from(`property photo ${step.photo}`), {
      contentType: 'image/jpeg',
      width: 10,
      height: 10,
    });
    // Below a closed recap a new version is refused (RecapClosedError); like every refused
    // step it must change nothing, which the checks after each sequence hold it to.
    await store
      .recordSubmission({
        tps: step.tps,
        ballot,
        result: step.result,
        photos: [photo],
        flags: checkRules(step.result, { ballot }),
        uploader: 'kpps:0123456789abcdef',
        receivedAt: new Date(),
      })
      .catch((e: unknown) => {
        if (!(e instanceof RecapClosedError)) throw e;
      });
    return;
  }
  const view = await store.tpsReview(step.tps, ballot);
  if (!view) return;
  const version = view.latest!;
  const on = { tps: step.tps, ballot, version };
  switch (step.t) {
    case 'disagree': {
      const v = Math.max(1, version - step.back);
      await store.recordReread(step.tps, ballot, v, {
        fields: [{ field: 'votes.1', from: 1, to: 2 }],
        photos: [],
      });
      return;
    }
    case 'confirm':
      await store.review({ type: 'confirm', ...on, reason: 'as written' }, by);
      return;
    case 'correct':
      // A flagged result is refused (correction_breaks_rules): refused steps must change nothing.
      await store.review(
        { type: 'correct', ...on, values: step.result, reason: 'r', reference: 'BA' },
        by,
      );
      return;
    case 'object':
      await store.review({ type: 'object', ...on, text: 'look again' }, { actor: 'account:saksi' });
      return;
    case 'answer': {
      const open = view.reasons.find((r) => r.code === 'objection');
      await store.review(
        { type: 'answer_objection', ...on, objection: open?.seq ?? 1, reason: 'answered' },
        by,
      );
      return;
    }
    case 'photo':
      await store.review({ type: 'request_photo', ...on, reason: 'blurred' }, by);
      return;
  }
}

/** Every region's live totals equal core's recount of every version and review event. */
async function expectTotalsEqualRecount(store: Store) {
  const versions: CountableVersion[] = [];
  const events: TpsReviewEvent[] = [];
  for (const tps of TPS) {
    const view = await store.tpsReview(tps, 'ppwp');
    if (!view) continue;
    const seqOf = new Map<string, number>();
    for (const e of view.events) {
      if (e.type === 'submission_received' || e.type === 'result_corrected')
        seqOf.set(e.details.id as string, e.seq);
      const re: ReviewEvent | undefined = reviewEventOf(e);
      if (re) events.push({ ...re, tps });
    }
    for (const v of view.versions)
      versions.push({
        tps,
        version: v.version,
        status: v.status,
        result: v.result,
        kind: v.kind,
        seq: seqOf.get(v.id) ?? 0,
        flags: v.flags.map((f) => f.rule),
      });
  }
  const expected = recount(versions, events);
  for (const region of REGIONS) {
    const live = (await store.regionResult(region, 'ppwp'))!;
    const want = expected.get(region);
    expect(live.progress.tpsReported, region).toBe(want?.tpsReported ?? 0);
    expect(live.totals.valid, region).toBe(want?.valid ?? 0);
    expect(live.totals.total, region).toBe(want?.total ?? 0);
    for (const k of ['1', '2', '3'])
      expect(live.totals.votes[k] ?? 0, `${region} ${k}`).toBe(want?.votes[k] ?? 0);
  }
  expect(await store.checkAggregates()).toEqual([]);
  const report = await store.auditVerify();
  expect(report.ok ? 'ok' : report.mismatch).toBe('ok');
}

describe.each(storeBackends('recount'))('the recap ladder property on $name', (backend) => {
  let store: Store | undefined;
  let raw: Db | undefined;
  let cleanup = async () => {};
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await store.loadElection(setup);
    raw = await openDb({ url: opened.dbUrl, dataDir: opened.dataDir });
  });
  afterAll(async () => {
    await raw?.db.destroy();
    await store?.close();
    await cleanup();
  });

  it('any sequence of submissions and review actions keeps totals equal to a recount', async (ctx) => {
    if (!store || !raw) return ctx.skip('PostgreSQL not available');
    const s = store;
    const db = raw;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 14 }), async (steps) => {
        for (const step of steps) await run(s, db, step);
        await expectTotalsEqualRecount(s);
      }),
      { numRuns: backend.name === 'sqlite' ? 30 : 10 },
    );
    // A rebuild from the record writes the same caches.
    await s.rebuild();
    await expectTotalsEqualRecount(s);
  });
});
