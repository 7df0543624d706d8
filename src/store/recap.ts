// Reading the recap: a region's totals and its children's, and one TPS with all its versions.
import type { Kysely } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import type { RegionCode, RegionLevel, TpsCode } from '../core/codes.ts';
import * as z from 'zod';
import { REVIEW_STATES, type ReviewState } from '../core/review.ts';
import type {
  PlaceRef,
  PublicCorrection,
  PublicReviewReason,
  RegionResult,
  Totals,
  TpsResult as ContractTpsResult,
  TpsReviewStatus,
  TpsStatus,
} from '../contract/results.ts';
import type { EventDetails } from '../contract/events.ts';
import { ReviewReasonSchema } from '../contract/review.ts';
import { jsonColumn, StoredResultSchema } from './rows.ts';
import { parentsOf } from './regions.ts';
import type { Database } from './schema.ts';
import { recapState } from './recaps.ts';
import { deviceFacts, tpsEventsWithActors, tpsHistory } from './tps-history.ts';
import { noCounts, progressCounts, tpsCounts, type ProgressCounts } from './portal-queries.ts';
import { toRecord, type SubmissionRecord, type TpsStatusRow } from './submissions.ts';

// The shapes are the API's (src/contract/results.ts); a TPS's Sirekap import and findings are
// added by the server (src/server/external.ts).
export type { RegionResult, Totals, Progress } from '../contract/results.ts';
export type RegionRef = PlaceRef;
export type TpsState = TpsStatus;
export type TpsResult = Omit<ContractTpsResult, 'external' | 'anomalies'>;

const zeroTotals = (): Totals => ({ votes: {}, valid: 0, invalid: 0, total: 0 });

/** Regions with their totals for one ballot; narrowed by the caller. */
const regionsWithTotals = (db: Kysely<Database>, ballot: Ballot) =>
  db
    .selectFrom('regions')
    .leftJoin('recap_totals', (j) =>
      j
        .onRef('recap_totals.region_code', '=', 'regions.code')
        .on('recap_totals.ballot', '=', ballot),
    )
    .select(['code', 'name', 'level', 'tps_total', 'tps_reported', 'valid', 'invalid', 'total']);

type RegionTotalsRow = Awaited<
  ReturnType<ReturnType<typeof regionsWithTotals>['executeTakeFirstOrThrow']>
>;

function withTotals(
  r: RegionTotalsRow,
  votes: Record<string, number>,
  counts: ProgressCounts = noCounts(),
) {
  return {
    code: r.code,
    name: r.name,
    level: r.level as RegionLevel,
    progress: { tpsReported: r.tps_reported ?? 0, tpsTotal: r.tps_total ?? 0, ...counts },
    totals: { votes, valid: r.valid ?? 0, invalid: r.invalid ?? 0, total: r.total ?? 0 },
  };
}

export async function regionResult(
  db: Kysely<Database>,
  code: RegionCode,
  ballot: Ballot,
): Promise<RegionResult | undefined> {
  const region = await regionsWithTotals(db, ballot).where('code', '=', code).executeTakeFirst();
  if (!region) return undefined;
  // Reported, counted, held and in review, for the region and each child: one grouped query.
  const counts = await progressCounts(db, code, ballot);
  const children =
    region.level === 'desa'
      ? await tpsChildren(db, code, ballot)
      : await regionChildren(db, code, ballot, counts.children);
  const votes = await db
    .selectFrom('recap_votes')
    .select(['choice', 'votes'])
    .where('region_code', '=', code)
    .where('ballot', '=', ballot)
    .execute();
  return {
    ...withTotals(region, Object.fromEntries(votes.map((v) => [v.choice, v.votes])), counts.region),
    ballot,
    parents: await parentsOf(db, code),
    recap: await recapState(db, code, ballot),
    children,
  };
}

async function regionChildren(
  db: Kysely<Database>,
  code: RegionCode,
  ballot: Ballot,
  counts: Map<string, ProgressCounts>,
) {
  const rows = await regionsWithTotals(db, ballot)
    .where('parent_code', '=', code)
    .orderBy('code')
    .execute();
  const votes =
    rows.length === 0
      ? []
      : await db
          .selectFrom('recap_votes')
          .innerJoin('regions', 'regions.code', 'recap_votes.region_code')
          .select(['region_code', 'choice', 'votes'])
          .where('regions.parent_code', '=', code)
          .where('ballot', '=', ballot)
          .execute();
  const byRegion = new Map<string, Record<string, number>>();
  for (const v of votes) {
    const m = byRegion.get(v.region_code) ?? {};
    m[v.choice] = v.votes;
    byRegion.set(v.region_code, m);
  }
  return rows.map((r) => withTotals(r, byRegion.get(r.code) ?? {}, counts.get(r.code)));
}

/**
 * The short status of a TPS in lists: `counted` when what it sent counts and no one needs to
 * act (the review rule's `counted` or `corrected`), `none` without a result, else `flagged`. A
 * row from before the review (0006) has no state: its latest status says as much.
 */
function tpsBadge(
  latestStatus: string | null | undefined,
  reviewState: string | null | undefined,
): TpsState {
  if (!latestStatus) return 'none';
  if (!reviewState) return latestStatus === 'clean' ? 'counted' : 'flagged';
  return reviewState === 'counted' || reviewState === 'corrected' ? 'counted' : 'flagged';
}

async function tpsChildren(db: Kysely<Database>, desa: RegionCode, ballot: Ballot) {
  const rows = await db
    .selectFrom('tps')
    .leftJoin('tps_status', (j) =>
      j.onRef('tps_status.tps_code', '=', 'tps.code').on('tps_status.ballot', '=', ballot),
    )
    .leftJoin('submissions', 'submissions.id', 'tps_status.counted_id')
    .select([
      'tps.code',
      'tps.name',
      'tps_status.latest_status',
      'tps_status.review_state',
      'tps_status.counted_id',
      'submissions.id',
      'submissions.result',
    ])
    .where('tps.desa_code', '=', desa)
    .orderBy('tps.code')
    .execute();
  return rows.map((r) => {
    const result =
      r.id && r.result
        ? jsonColumn(StoredResultSchema, r.result, {
            table: 'submissions',
            id: r.id,
            column: 'result',
          })
        : undefined;
    const status = tpsBadge(r.latest_status, r.review_state);
    return {
      code: r.code,
      name: r.name,
      level: 'tps' as const,
      status,
      progress: {
        tpsReported: result ? 1 : 0,
        tpsTotal: 1,
        ...tpsCounts(r.latest_status, r.review_state, r.counted_id),
      },
      totals: result
        ? { votes: result.votes, valid: result.valid, invalid: result.invalid, total: result.total }
        : zeroTotals(),
    };
  });
}

export async function tpsResult(
  db: Kysely<Database>,
  code: TpsCode,
  ballot: Ballot,
): Promise<TpsResult | undefined> {
  const tps = await db.selectFrom('tps').selectAll().where('code', '=', code).executeTakeFirst();
  if (!tps) return undefined;
  const state = await db
    .selectFrom('tps_status')
    .selectAll()
    .where('tps_code', '=', code)
    .where('ballot', '=', ballot)
    .executeTakeFirst();
  const rows = await db
    .selectFrom('submissions')
    .selectAll()
    .where('tps_code', '=', code)
    .where('ballot', '=', ballot)
    .orderBy('version', 'desc')
    .execute();
  const records = rows.map(toRecord);
  const hashes = [...new Set(records.flatMap((r) => r.photos))];
  const photos =
    hashes.length === 0
      ? []
      : await db.selectFrom('photos').selectAll().where('sha256', 'in', hashes).execute();
  const photoBy = new Map(photos.map((p) => [p.sha256, p]));
  const deviceIds = [
    ...new Set(records.flatMap((r) => (r.signature ? [r.signature.deviceId] : []))),
  ];
  const devices =
    deviceIds.length === 0
      ? []
      : await db
          .selectFrom('devices')
          .select(['id', 'public_key', 'label', 'enrolled_at'])
          .where('id', 'in', deviceIds)
          .execute();
  const keyOf = new Map(devices.map((d) => [d.id, d.public_key]));
  const factsOf = new Map(devices.map((d) => [d.id, deviceFacts(d)]));
  const history = await tpsHistory(db, code, ballot, records);
  const desa = tps.desa_code as RegionCode;
  const parents = await parentsOf(db, desa);
  const desaRow = await db
    .selectFrom('regions')
    .select(['code', 'name', 'level'])
    .where('code', '=', desa)
    .executeTakeFirst();
  if (desaRow) parents.push({ code: desaRow.code, name: desaRow.name, level: 'desa' });
  const review = await publicReview(db, code, ballot, state, records);
  return {
    code: tps.code,
    name: tps.name,
    level: 'tps',
    ballot,
    parents,
    dpt: tps.dpt,
    status: tpsBadge(state?.latest_status, state?.review_state),
    counted:
      state?.counted_id != null && state.counted_version != null
        ? { version: state.counted_version, submissionId: state.counted_id }
        : null,
    review,
    timeline: history.timeline,
    versions: records.map((r) => ({
      ...r,
      signature: r.signature && {
        deviceId: r.signature.deviceId,
        publicKey: keyOf.get(r.signature.deviceId) ?? '',
        signedAt: r.signature.signedAt,
        signature: r.signature.signature,
      },
      signer: r.signature && {
        deviceId: r.signature.deviceId,
        label: factsOf.get(r.signature.deviceId)?.label ?? null,
        enrolledAt: factsOf.get(r.signature.deviceId)?.enrolledAt ?? null,
        fingerprint: factsOf.get(r.signature.deviceId)?.fingerprint ?? '',
        // Intake refuses a signature that does not hold (server/submit.ts): a stored one held.
        verified: keyOf.has(r.signature.deviceId),
      },
      reread: history.rereads.get(r.version) ?? null,
      counted: r.id === state?.counted_id,
      photos: r.photos.map((h) => {
        const p = photoBy.get(h);
        return {
          sha256: h,
          size: p?.size ?? 0,
          contentType: p?.content_type ?? 'application/octet-stream',
          width: p?.width ?? 0,
          height: p?.height ?? 0,
          url: `/api/v1/photos/${h}`,
        };
      }),
    })),
  };
}

const CachedReasonsSchema = z.array(ReviewReasonSchema);

/**
 * The review's status of a TPS as the public sees it: the state and reasons tps_status caches
 * (src/core/review.ts computed them with the version that wrote the row), each reason told in full
 * from the record (a rule's fields and words from the version's flags, a photo request's reason
 * and who asked), and every correction with who made it. Read in the caller's snapshot.
 */
async function publicReview(
  db: Kysely<Database>,
  code: TpsCode,
  ballot: Ballot,
  state: TpsStatusRow | undefined,
  records: readonly SubmissionRecord[],
): Promise<TpsReviewStatus> {
  if (!state) return { state: 'none', counted: null, latest: null, reasons: [], corrections: [] };
  const cachedState = (REVIEW_STATES as readonly string[]).includes(state.review_state)
    ? (state.review_state as ReviewState)
    : // A row written before the review existed (0006) holds no state: its status says as much.
      state.latest_status === 'clean'
      ? 'counted'
      : 'flagged';
  const cached = jsonColumn(CachedReasonsSchema, state.review_reasons, {
    table: 'tps_status',
    id: `${code}/${ballot}`,
    column: 'review_reasons',
  });
  const { events, actorOf } = await tpsEventsWithActors(db, code, ballot, [
    'photo_requested',
    'result_corrected',
  ]);
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  const flagsOf = new Map(records.map((r) => [r.version, r.flags]));
  const reasons = cached.flatMap((r): PublicReviewReason[] => {
    switch (r.code) {
      case 'rules':
        return [
          {
            code: 'rules',
            version: r.version,
            rules: (flagsOf.get(r.version) ?? []).filter((f) => r.rules.includes(f.rule)),
          },
        ];
      case 'reread':
        return [{ code: 'reread', version: r.version, fields: r.fields }];
      case 'objection':
        // The objection's text is for the reviewers; the public sees that one is open.
        return [{ code: 'objection', version: r.version }];
      case 'photo_requested': {
        const e = bySeq.get(r.seq);
        // The cache names the event it was computed from; the snapshot holds it unless a bug lost it.
        if (!e)
          throw new Error(
            `tps_status of ${code} ${ballot} names photo request ${r.seq}, not on the record`,
          );
        const details = e.details as unknown as EventDetails<'photo_requested'>;
        return [
          {
            code: 'photo_requested',
            version: r.version,
            reason: details.reason,
            pages: details.pages ?? [],
            at: e.at,
            by: actorOf(e.actor),
          },
        ];
      }
    }
  });
  const corrections = events
    .filter((e) => e.type === 'result_corrected')
    .reverse()
    .map((e): PublicCorrection => ({
      version: e.details.version,
      corrects: e.details.corrects as number,
      at: e.at,
      by: actorOf(e.actor),
      reason: e.details.reason as string,
      reference: e.details.reference as string,
      changes: e.details.changes as PublicCorrection['changes'],
    }));
  return {
    state: cachedState,
    counted: state.counted_version,
    latest: state.latest_version,
    reasons,
    corrections,
  };
}
