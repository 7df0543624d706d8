// Review actions on both backends (src/store/review.ts): confirm, correct, photo request,
// objection and its answer, the server's re-read; every refusal as a value; a correction keeps the
// versions before it, their photos and the read value; a closed recap refuses changes until it is
// reopened. After every step the live totals equal a recount and the record verifies.
import { RecapClosedError } from '../src/store/signoffs.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { checkRules } from '../src/core/rules.ts';
import { openDb, type Db } from '../src/store/db.ts';
import { writeTransaction } from '../src/store/events.ts';
import { closeRecapRow, reopenRecapRow } from '../src/store/review.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult, EXAMPLE_PPWP } from '../src/synth/results.ts';
import { storeBackends, TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';

const clean = (v1: number): CHasil =>
  consistentResult({
    dptL: 120,
    dptP: 120,
    votesL: 60,
    votesP: 60,
    invalid: 4,
    votes: { '1': v1, '2': 80 - v1, '3': 36 },
  });
/** A result that breaks votes-sum-valid (one vote too many for pair 1). */
const flagged = (v1: number): CHasil => {
  const r = clean(v1);
  return { ...r, votes: { ...r.votes, '1': r.votes['1']! + 1 } };
};

let photoN = 0;
async function submit(store: Store, tps: TpsCode, result: CHasil) {
  const photo = await store.putPhoto(Buffer.from(`photo ${photoN++} of ${tps}`), {
    contentType: 'image/jpeg',
    width: 10,
    height: 10,
  });
  return store.recordSubmission({
    tps,
    ballot: 'ppwp',
    result,
    photos: [photo],
    flags: checkRules(result, { ballot: 'ppwp' }),
    uploader: 'kpps:0123456789abcdef',
    receivedAt: new Date(),
  });
}

/** Live totals equal the recount, and `rekap audit verify` finds nothing. */
async function expectRecordHolds(store: Store) {
  expect(await store.checkAggregates()).toEqual([]);
  const report = await store.auditVerify();
  expect(report.ok ? 'ok' : report.mismatch).toBe('ok');
}

const votesAt = async (store: Store, region: string) =>
  (await store.regionResult(region as RegionCode, 'ppwp'))!.totals.votes;

/** The desa of TPS_B. */
const DESA_OF_B = TPS_B.split('.').slice(0, 4).join('.') as RegionCode;
describe.each(storeBackends('review'))('review actions on $name', (backend) => {
  let store: Store | undefined;
  let raw: Db | undefined;
  let cleanup = async () => {};
  const by = { actor: 'account:op1' };
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await store.loadElection(TWO_TPS_ELECTION);
    raw = await openDb({ url: opened.dbUrl, dataDir: opened.dataDir });
  });
  afterAll(async () => {
    await raw?.db.destroy();
    await store?.close();
    await cleanup();
  });

  it('a flagged submission waits; confirming it makes it count', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const first = await submit(store, TPS_A, flagged(30));
    expect(first.counted).toBe(false);
    let review = await store.tpsReview(TPS_A, 'ppwp');
    expect(review).toMatchObject({ state: 'flagged', counted: null, latest: 1 });
    expect(review!.reasons).toEqual([{ code: 'rules', version: 1, rules: ['votes-sum-valid'] }]);
    const queue = await store.reviewQueue({
      region: '16.08' as RegionCode,
      ballot: 'ppwp',
      limit: 10,
    });
    expect(queue.map((q) => [q.tps, q.state])).toEqual([[TPS_A, 'flagged']]);

    const stale = await store.review(
      { type: 'confirm', tps: TPS_A, ballot: 'ppwp', version: 2, reason: 'x' },
      by,
    );
    expect(stale).toMatchObject({ ok: false, error: { code: 'stale_version', latest: 1 } });
    const done = await store.review(
      { type: 'confirm', tps: TPS_A, ballot: 'ppwp', version: 1, reason: 'the form says so' },
      by,
    );
    expect(done).toMatchObject({
      ok: true,
      value: {
        event: { type: 'result_confirmed', actor: 'account:op1' },
        review: { state: 'counted', counted: 1 },
      },
    });
    expect((await votesAt(store, '16.08.01'))['1']).toBe(31);
    const again = await store.review(
      { type: 'confirm', tps: TPS_A, ballot: 'ppwp', version: 1, reason: 'again' },
      by,
    );
    expect(again).toMatchObject({ ok: false, error: { code: 'nothing_to_confirm' } });
    review = await store.tpsReview(TPS_A, 'ppwp');
    expect(review!.events.map((e) => e.type)).toEqual(['submission_received', 'result_confirmed']);
    expect(
      await store.reviewQueue({ region: '16.08' as RegionCode, ballot: 'ppwp', limit: 10 }),
    ).toEqual([]);
    await expectRecordHolds(store);
  });

  it('refuses an unknown TPS, and a correction that breaks the rules', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    expect(
      await store.review(
        { type: 'confirm', tps: TPS_B, ballot: 'ppwp', version: 1, reason: 'x' },
        by,
      ),
    ).toMatchObject({ ok: false, error: { code: 'unknown_tps' } });
    const bad = await store.review(
      {
        type: 'correct',
        tps: TPS_A,
        ballot: 'ppwp',
        version: 1,
        values: flagged(10),
        reason: 'r',
        reference: 'BA-1',
      },
      by,
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.code).toBe('correction_breaks_rules');
    expect(!bad.ok && 'breaches' in bad.error && bad.error.breaches.map((b) => b.rule)).toEqual([
      'votes-sum-valid',
    ]);
  });

  it('a re-read disagreement holds a clean version; a correction is a new version that counts', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const s = await submit(store, TPS_B, clean(20));
    expect(s.counted).toBe(true);
    const before = await votesAt(store, '16.08.01');
    const reread = await store.recordReread(TPS_B, 'ppwp', 1, {
      fields: [{ field: 'votes.1', from: 20, to: 21 }],
      photos: s.record.photos,
    });
    expect(reread).toMatchObject({
      ok: true,
      value: { review: { state: 'flagged', counted: null } },
    });
    expect((await votesAt(store, '16.08.01'))['1']).toBe(before['1']! - 20);
    // The lists say so too: its clean version no longer counts.
    const badge = async () =>
      (await store!.regionResult(DESA_OF_B, 'ppwp'))!.children.find((c) => c.code === TPS_B)
        ?.status;
    expect(await badge()).toBe('flagged');
    expect((await store.tpsResult(TPS_B, 'ppwp'))!.status).toBe('flagged');
    const values = { ...clean(21), votes: { '1': 21, '2': 59, '3': 36 } };
    const corrected = await store.review(
      {
        type: 'correct',
        tps: TPS_B,
        ballot: 'ppwp',
        version: 1,
        values,
        reason: 'the form says 21',
        reference: 'BA-7/PPK',
      },
      by,
    );
    expect(corrected.ok).toBe(true);
    if (!corrected.ok) return;
    expect(corrected.value.review).toMatchObject({ state: 'corrected', counted: 2, latest: 2 });
    expect(await badge()).toBe('counted');
    expect(corrected.value.event.details).toMatchObject({
      version: 2,
      corrects: 1,
      changes: [
        { field: 'votes.1', from: 20, to: 21 },
        { field: 'votes.2', from: 60, to: 59 },
      ],
      reference: 'BA-7/PPK',
    });
    // The old version, its photos and the re-read's value stay visible.
    const view = (await store.tpsReview(TPS_B, 'ppwp'))!;
    expect(view.versions.map((v) => [v.version, v.kind, v.corrects, v.counted])).toEqual([
      [2, 'correction', 1, true],
      [1, 'submission', null, false],
    ]);
    expect(view.versions[0]!.photos).toEqual(s.record.photos);
    expect(view.versions[0]!.uploader).toBe('account:op1');
    expect(view.versions[1]!.result).toEqual(clean(20));
    expect(view.events.find((e) => e.type === 'reread_disagrees')!.details.fields).toEqual([
      { field: 'votes.1', from: 20, to: 21 },
    ]);
    expect((await store.tpsResult(TPS_B, 'ppwp'))!.versions.map((v) => v.version)).toEqual([2, 1]);
    expect((await votesAt(store, '16.08.01'))['1']).toBe(before['1']! + 1);
    await expectRecordHolds(store);
  });

  it('objections keep the version counting; answers close them; photo requests wait for a new version', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const totals = await votesAt(store, '16');
    const objected = await store.review(
      {
        type: 'object',
        tps: TPS_B,
        ballot: 'ppwp',
        version: 2,
        text: 'pair 2 had 60',
        fields: ['votes.2'],
      },
      { actor: 'account:saksi' },
    );
    expect(objected).toMatchObject({
      ok: true,
      value: { review: { state: 'in_review', counted: 2 } },
    });
    expect(await votesAt(store, '16')).toEqual(totals);
    const seq = objected.ok ? objected.value.event.seq : 0;
    expect(
      (
        await store.reviewQueue({ region: '16.08.01.1001' as RegionCode, ballot: 'ppwp', limit: 5 })
      ).map((q) => q.tps),
    ).toEqual([TPS_B]);
    expect(
      await store.review(
        {
          type: 'answer_objection',
          tps: TPS_B,
          ballot: 'ppwp',
          version: 2,
          objection: seq + 100,
          reason: 'x',
        },
        by,
      ),
    ).toMatchObject({ ok: false, error: { code: 'unknown_objection' } });
    expect(
      await store.review(
        {
          type: 'answer_objection',
          tps: TPS_B,
          ballot: 'ppwp',
          version: 2,
          objection: seq,
          reason: 'the plenary counted 59',
        },
        by,
      ),
    ).toMatchObject({ ok: true, value: { review: { state: 'corrected' } } });
    const asked = await store.review(
      {
        type: 'request_photo',
        tps: TPS_B,
        ballot: 'ppwp',
        version: 2,
        reason: 'page 2 is blurred',
        pages: [2],
      },
      by,
    );
    expect(asked).toMatchObject({
      ok: true,
      value: { review: { state: 'photo_requested', counted: 2 } },
    });
    expect(
      (
        await store.reviewQueue({
          region: '16' as RegionCode,
          ballot: 'ppwp',
          states: ['photo_requested'],
          limit: 5,
        })
      ).map((q) => q.tps),
    ).toEqual([TPS_B]);
    const next = await submit(store, TPS_B, clean(22));
    expect(next.record.version).toBe(3);
    expect((await store.tpsReview(TPS_B, 'ppwp'))!.state).toBe('counted');
    await expectRecordHolds(store);
  });

  it('a closed recap refuses changes below it until reopened; objections still come in', async (ctx) => {
    if (!store || !raw) return ctx.skip('PostgreSQL not available');
    const db = raw;
    const flaggedA = await submit(store, TPS_A, flagged(33));
    const v = flaggedA.record.version;
    await writeTransaction(db.db, db.dialect, (trx) =>
      closeRecapRow(trx, db.dialect, {
        region: '16.08.01' as RegionCode,
        ballot: 'ppwp',
        actor: 'account:ppk',
        at: new Date(),
        dhasil: JSON.stringify({ example: EXAMPLE_PPWP.votes }),
        signature: 'sig',
        totals: 'a'.repeat(64),
      }),
    );
    const confirm = {
      type: 'confirm' as const,
      tps: TPS_A,
      ballot: 'ppwp' as const,
      version: v,
      reason: 'ok',
    };
    expect(await store.review(confirm, by)).toMatchObject({
      ok: false,
      error: { code: 'recap_closed', region: '16.08.01' },
    });
    expect(
      await store.recordReread(TPS_A, 'ppwp', v, { agrees: true, photos: flaggedA.record.photos }),
    ).toMatchObject({ ok: false, error: { code: 'recap_closed' } });
    expect(
      await store.review(
        { type: 'object', tps: TPS_A, ballot: 'ppwp', version: v, text: 'look again' },
        by,
      ),
    ).toMatchObject({ ok: true });
    // A new version from the KPPS is refused too, and leaves nothing behind: no row, no event.
    const eventsBefore = (await store.events()).length;
    await expect(submit(store, TPS_A, clean(34))).rejects.toBeInstanceOf(RecapClosedError);
    expect((await store.tpsReview(TPS_A, 'ppwp'))!.latest).toBe(v);
    expect((await store.events()).length).toBe(eventsBefore);
    await expectRecordHolds(store);
    await writeTransaction(db.db, db.dialect, (trx) =>
      reopenRecapRow(trx, db.dialect, {
        region: '16.08.01' as RegionCode,
        ballot: 'ppwp',
        actor: 'account:kab',
        at: new Date(),
        reason: 'a flagged TPS left',
      }),
    );
    expect(await store.review(confirm, by)).toMatchObject({ ok: true });
    await expectRecordHolds(store);
    // The rebuild writes the same tps_status and totals.
    await store.rebuild();
    await expectRecordHolds(store);
  });
});
