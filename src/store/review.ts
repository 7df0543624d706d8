// Review actions on a TPS result (issue 12): confirm a version as written, correct it (a new
// version of kind `correction`, never an update), ask for a new photo, object, answer an
// objection, and the server's re-read. Each is one transaction under the TPS's lock: its event on
// the chain, the TPS reviewed again (src/core/review.ts), its tps_status row and the totals. Also
// the reads an operator needs: one TPS with its record, and the review queue of a region.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import { fieldEntries, type CHasil } from '../core/chasil.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../core/codes.ts';
import { err, ok, type Result } from '../core/result.ts';
import {
  NEEDS_OPERATOR,
  REVIEW_STATES,
  type ReviewReason,
  type ReviewState,
  type TpsReview,
} from '../core/review.ts';
import { checkRules, type RuleBreach } from '../core/rules.ts';
import type { EventDetails } from '../contract/events.ts';
import { sha256Hex } from './blobs.ts';
import {
  appendEvents,
  lockChain,
  writeTransaction,
  type Actor,
  type NewEvent,
  type StoredEvent,
} from './events.ts';
import type { Dialect } from './migrations.ts';
import { REREAD_EVENTS } from './reread.ts';
import { jsonColumn, StoredPhotosSchema, StoredResultSchema } from './rows.ts';
import type { Database } from './schema.ts';
import { closedAbove } from './signoffs.ts';
import {
  chainHash,
  contentHash,
  lockTps,
  readTpsRecord,
  refreshReview,
  toRecord,
  tpsStatusRow,
  versionEventOf,
  type SubmissionRecord,
  type VersionEvent,
} from './submissions.ts';

/** A field of the form with the value before and after (a correction, a re-read). */
export type FieldChange = { field: string; from: number | null; to: number | null };

/** The version an operator saw and acts on. */
export type VersionRef = { tps: TpsCode; ballot: Ballot; version: number };

export type ReviewAction = VersionRef &
  (
    | { type: 'confirm'; reason: string }
    | { type: 'correct'; values: CHasil; reason: string; reference: string }
    | { type: 'request_photo'; reason: string; pages?: number[] }
    | { type: 'object'; text: string; fields?: string[] }
    | { type: 'answer_objection'; objection: number; reason: string }
  );

/** Why a review action was refused; `code` is in the error catalogue (src/contract/errors.ts). */
export type ReviewRefusal =
  | { code: 'stale_version'; message: string; latest: number }
  | { code: 'unknown_tps'; message: string }
  | { code: 'nothing_to_confirm'; message: string }
  | { code: 'correction_breaks_rules'; message: string; breaches: RuleBreach[] }
  | { code: 'unknown_objection'; message: string }
  | { code: 'recap_closed'; message: string; region: RegionCode };

export type ReviewOutcome = {
  /** The event the action wrote. */
  event: StoredEvent;
  /** The TPS's review after it. */
  review: TpsReview;
  /** A correction's new version. */
  correction?: SubmissionRecord;
};

/** What the server's re-read of a version found (src/server/reread.ts). */
export type RereadOutcome =
  | { agrees: true; photos: string[] }
  | { fields: FieldChange[]; photos: string[] }
  | { failed: string };

export type RereadRefusal = Extract<
  ReviewRefusal,
  { code: 'unknown_tps' } | { code: 'recap_closed' }
>;

type Ctx = { db: Kysely<Database>; dialect: Dialect };

const closedRefusal = (region: RegionCode, ballot: Ballot): ReviewRefusal => ({
  code: 'recap_closed',
  message: `the ${ballot} recap of ${region} is closed: reopen it first`,
  region,
});

/** The fields whose values differ between two results, in form order. */
export function changedFields(from: CHasil, to: CHasil): FieldChange[] {
  const before = new Map(fieldEntries(from));
  const after = new Map(fieldEntries(to));
  const paths = [...new Set([...before.keys(), ...after.keys()])];
  return paths.flatMap((field) => {
    const a = before.get(field) ?? null;
    const b = after.get(field) ?? null;
    return a === b ? [] : [{ field, from: a, to: b }];
  });
}

/** Runs one review action: refused as a value, or its event written and the TPS reviewed again. */
export async function review(
  ctx: Ctx,
  action: ReviewAction,
  by: { actor: Actor },
  now: Date,
): Promise<Result<ReviewOutcome, ReviewRefusal>> {
  const { tps, ballot, version } = action;
  return writeTransaction(ctx.db, ctx.dialect, async (trx) => {
    await lockTps(trx, ctx.dialect, tps, ballot);
    // The chain's lock now, not at the append: a recap that closes meanwhile (its event is on the
    // chain) cannot slip in between the check below and this action's event.
    await lockChain(trx, ctx.dialect);
    const state = await tpsStatusRow(trx, tps, ballot);
    if (!state)
      return err({ code: 'unknown_tps', message: `TPS ${tps} has no ${ballot} result` } as const);
    if (version !== state.latest_version)
      return err({
        code: 'stale_version',
        message: `version ${version} is not the latest of ${tps} ${ballot} (${state.latest_version}): someone acted first`,
        latest: state.latest_version,
      } as const);
    // Objections and their answers change nothing that counts: a closed recap still takes them.
    if (action.type !== 'object' && action.type !== 'answer_objection') {
      const closed = await closedAbove(trx, tps, ballot);
      if (closed) return err(closedRefusal(closed, ballot));
    }
    const record = await readTpsRecord(trx, tps, ballot);
    const on = { ballot, version };
    let event: NewEvent;
    let correction: SubmissionRecord | undefined;
    switch (action.type) {
      case 'confirm': {
        const holds = record.review.reasons.filter(
          (r) => (r.code === 'rules' || r.code === 'reread') && r.version === version,
        );
        if (holds.length === 0)
          return err({
            code: 'nothing_to_confirm',
            message: `version ${version} of ${tps} ${ballot} is not held: nothing to confirm`,
          } as const);
        event = {
          type: 'result_confirmed',
          tps,
          actor: by.actor,
          details: { ...on, reason: action.reason },
        };
        break;
      }
      case 'correct': {
        const dpt = await trx
          .selectFrom('tps')
          .select('dpt')
          .where('code', '=', tps)
          .executeTakeFirst();
        const breaches = checkRules(action.values, { ballot, registeredDpt: dpt?.dpt ?? null });
        if (breaches.length > 0)
          return err({
            code: 'correction_breaks_rules',
            message: `the corrected values break ${breaches.map((b) => b.rule).join(', ')}`,
            breaches,
          } as const);
        const written = await writeCorrection(trx, tps, ballot, version, action, by.actor, now);
        correction = written.record;
        event = {
          type: 'result_corrected',
          tps,
          actor: by.actor,
          details: {
            ballot,
            version: written.record.version,
            corrects: version,
            id: written.record.id,
            contentHash: written.record.hash,
            chainHash: written.record.chainHash,
            changes: written.changes,
            reason: action.reason,
            reference: action.reference,
          } satisfies EventDetails<'result_corrected'>,
        };
        break;
      }
      case 'request_photo':
        event = {
          type: 'photo_requested',
          tps,
          actor: by.actor,
          details: {
            ...on,
            reason: action.reason,
            ...(action.pages ? { pages: action.pages } : {}),
          },
        };
        break;
      case 'object':
        event = {
          type: 'objection_filed',
          tps,
          actor: by.actor,
          details: {
            ...on,
            text: action.text,
            ...(action.fields ? { fields: action.fields } : {}),
          },
        };
        break;
      case 'answer_objection': {
        const open = record.review.reasons.some(
          (r) => r.code === 'objection' && r.seq === action.objection,
        );
        if (!open)
          return err({
            code: 'unknown_objection',
            message: `no open objection ${action.objection} on ${tps} ${ballot}`,
          } as const);
        event = {
          type: 'objection_answered',
          tps,
          actor: by.actor,
          details: { ...on, objection: action.objection, reason: action.reason },
        };
        break;
      }
    }
    const [stored] = await appendEvents(trx, ctx.dialect, [event], now);
    const after = await refreshReview(trx, ctx.dialect, tps, ballot, state);
    return ok({ event: stored!, review: after, ...(correction ? { correction } : {}) });
  });
}

/** Writes a correction's version row over `version`: its photos, the TPS's chain continued. */
async function writeCorrection(
  trx: Kysely<Database>,
  tps: TpsCode,
  ballot: Ballot,
  version: number,
  action: { values: CHasil },
  actor: Actor,
  now: Date,
): Promise<{ record: SubmissionRecord; changes: FieldChange[] }> {
  const base = await trx
    .selectFrom('submissions')
    .selectAll()
    .where('tps_code', '=', tps)
    .where('ballot', '=', ballot)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
  const place = (column: string) => ({ table: 'submissions' as const, id: base.id, column });
  const photos = jsonColumn(StoredPhotosSchema, base.photos, place('photos'));
  const before = jsonColumn(StoredResultSchema, base.result, place('result'));
  const hash = contentHash({
    tps,
    ballot,
    result: action.values,
    photos,
    kind: 'correction',
    corrects: version,
  });
  const at = now.toISOString();
  const row = {
    id: randomUUID(),
    tps_code: tps,
    ballot,
    version: version + 1,
    content_hash: hash,
    prev_chain_hash: base.chain_hash,
    chain_hash: chainHash(base.chain_hash, hash, actor, at, 'clean'),
    result: JSON.stringify(action.values),
    photos: JSON.stringify(photos),
    status: 'clean',
    flags: '[]',
    uploader: actor,
    received_at: at,
    device_id: null,
    signed_at: null,
    signature: null,
    kind: 'correction',
    corrects: version,
  };
  await trx.insertInto('submissions').values(row).execute();
  return { record: toRecord(row), changes: changedFields(before, action.values) };
}

/** What `recordReread` did: its event, the review after it, and whether it was there before. */
export type RereadRecorded = ReviewOutcome & {
  /**
   * True when the version had a `reread_*` event already: nothing was written, `event` is that
   * earlier one and `review` the TPS's review as it stands.
   */
  already: boolean;
};

/**
 * Records the server's re-read of a version (actor `server`): `reread_agrees`,
 * `reread_disagrees` (the TPS goes to review) or `reread_failed`. Any version may be re-read, not
 * only the latest; under a closed recap a disagreement would change what counts, so it is refused.
 * Once only: a version with a `reread_*` event already gets no second one, and nothing changes.
 */
export async function recordReread(
  ctx: Ctx,
  ref: VersionRef,
  outcome: RereadOutcome,
  now: Date,
): Promise<Result<RereadRecorded, RereadRefusal>> {
  const { tps, ballot, version } = ref;
  return writeTransaction(ctx.db, ctx.dialect, async (trx) => {
    await lockTps(trx, ctx.dialect, tps, ballot);
    // Every re-read of this TPS takes its lock first, so the look below and the write after it
    // are one step: a job JetStream delivers twice (it is at-least-once), two workers, or a
    // catch-up scan that offers a version again all find the first one's event. Checked before
    // the chain's lock, so a repeat holds up no other writer.
    const before = await rereadEventOf(trx, ref);
    if (before) {
      const { review: current } = await readTpsRecord(trx, tps, ballot);
      return ok({ event: before, review: current, already: true });
    }
    // The chain's lock now, not at the append: a recap that closes meanwhile (its event is on the
    // chain) cannot slip in between the check below and this action's event.
    await lockChain(trx, ctx.dialect);
    const state = await tpsStatusRow(trx, tps, ballot);
    if (!state || version < 1 || version > state.latest_version)
      return err({
        code: 'unknown_tps',
        message: `TPS ${tps} has no ${ballot} version ${version}`,
      } as const);
    const closed = await closedAbove(trx, tps, ballot);
    if (closed)
      return err(closedRefusal(closed, ballot) as Extract<ReviewRefusal, { code: 'recap_closed' }>);
    const on = { ballot, version };
    const event: NewEvent =
      'agrees' in outcome
        ? {
            type: 'reread_agrees',
            tps,
            actor: 'server',
            details: { ...on, photos: outcome.photos },
          }
        : 'fields' in outcome
          ? {
              type: 'reread_disagrees',
              tps,
              actor: 'server',
              details: { ...on, photos: outcome.photos, fields: outcome.fields },
            }
          : {
              type: 'reread_failed',
              tps,
              actor: 'server',
              details: { ...on, reason: outcome.failed },
            };
    const [stored] = await appendEvents(trx, ctx.dialect, [event], now);
    const after = await refreshReview(trx, ctx.dialect, tps, ballot, state);
    return ok({ event: stored!, review: after, already: false });
  });
}

/**
 * The `reread_*` event about one version, if any. A TPS has a handful of events (the
 * `events_tps` index), so they are read and their details parsed here rather than in SQL.
 */
async function rereadEventOf(
  trx: Kysely<Database>,
  { tps, ballot, version }: VersionRef,
): Promise<StoredEvent | undefined> {
  const rows = await trx
    .selectFrom('events')
    .selectAll()
    .where('tps_code', '=', tps)
    .where('type', 'in', [...REREAD_EVENTS])
    .orderBy('seq')
    .execute();
  for (const row of rows) {
    const e = versionEventOf(row);
    if (e && e.details.ballot === ballot && e.details.version === version)
      return { ...e, prevHash: row.prev_hash, hash: row.hash };
  }
  return undefined;
}

/** One version as its reviewer sees it. */
export type ReviewedVersion = SubmissionRecord & {
  kind: 'submission' | 'correction';
  corrects: number | null;
  counted: boolean;
};

/** One TPS with its review, every version and every event about them. */
export type TpsReviewView = TpsReview & {
  tps: TpsCode;
  ballot: Ballot;
  /** Newest first. */
  versions: ReviewedVersion[];
  /** Oldest first. */
  events: VersionEvent[];
};

/** One TPS's review from its record (recomputed, not the cache), or undefined without a version. */
export async function tpsReview(
  db: Kysely<Database>,
  tps: TpsCode,
  ballot: Ballot,
): Promise<TpsReviewView | undefined> {
  const record = await readTpsRecord(db, tps, ballot);
  if (record.versions.length === 0) return undefined;
  const rows = await db
    .selectFrom('submissions')
    .selectAll()
    .where('tps_code', '=', tps)
    .where('ballot', '=', ballot)
    .orderBy('version', 'desc')
    .execute();
  return {
    tps,
    ballot,
    ...record.review,
    versions: rows.map((r) => ({
      ...toRecord(r),
      kind: r.kind === 'correction' ? 'correction' : 'submission',
      corrects: r.corrects,
      counted: r.version === record.review.counted,
    })),
    events: record.events,
  };
}

export type ReviewQueueQuery = {
  region: RegionCode;
  ballot: Ballot;
  /** Default: the states that wait for an operator (flagged, in_review). */
  states?: readonly ReviewState[];
  /** Only TPS after this code (the last of the page before). */
  after?: TpsCode;
  limit: number;
};

export type ReviewQueueItem = {
  tps: TpsCode;
  name: string | null;
  state: ReviewState;
  latest: number;
  counted: number | null;
  reasons: ReviewReason[];
};

/**
 * The TPS below a region whose cached review state is one of `states`, by TPS code, at most
 * `limit` after `after`. One range scan of the 0006 index (ballot, review_state, tps_code) per
 * state, each stopped at `limit`, merged here: the cost follows the page, not the region's size.
 */
export async function reviewQueue(
  db: Kysely<Database>,
  q: ReviewQueueQuery,
): Promise<ReviewQueueItem[]> {
  const states = [...new Set(q.states ?? REVIEW_STATES.filter((s) => NEEDS_OPERATOR.has(s)))];
  if (q.limit <= 0 || states.length === 0) return [];
  // Codes below a region share its code and a dot; '/' is the character after '.'.
  const below = q.region === NATION_CODE ? null : { from: `${q.region}.`, to: `${q.region}/` };
  const start = below && (!q.after || q.after < below.from) ? below.from : q.after;
  const pages = await Promise.all(
    states.map((state) => {
      let query = db
        .selectFrom('tps_status')
        .innerJoin('tps', 'tps.code', 'tps_status.tps_code')
        .select([
          'tps_status.tps_code',
          'tps.name',
          'tps_status.review_state',
          'tps_status.review_reasons',
          'tps_status.latest_version',
          'tps_status.counted_version',
        ])
        .where('tps_status.ballot', '=', q.ballot)
        .where('tps_status.review_state', '=', state);
      if (start !== undefined)
        query =
          start === q.after
            ? query.where('tps_status.tps_code', '>', start)
            : query.where('tps_status.tps_code', '>=', start);
      if (below) query = query.where('tps_status.tps_code', '<', below.to);
      return query.orderBy('tps_status.tps_code').limit(q.limit).execute();
    }),
  );
  return pages
    .flat()
    .sort((a, b) => (a.tps_code < b.tps_code ? -1 : a.tps_code > b.tps_code ? 1 : 0))
    .slice(0, q.limit)
    .map((r) => ({
      tps: r.tps_code as TpsCode,
      name: r.name,
      state: r.review_state as ReviewState,
      latest: r.latest_version,
      counted: r.counted_version,
      reasons: JSON.parse(r.review_reasons) as ReviewReason[],
    }));
}

/** A sign-off row with its event (the sign-off helper's recaps.ts and the tests use these). */
export type SignoffRow = {
  region: RegionCode;
  ballot: Ballot;
  actor: Actor;
  at: Date;
};

/**
 * Closes a level's recap inside the caller's transaction: the `recap_closed` event, then its
 * `recap_signoffs` row (seq: the event's), with the signed D.Hasil JSON and its signature. The
 * caller checks first that the level may close (every TPS resolved, every child closed).
 */
export async function closeRecapRow(
  trx: Kysely<Database>,
  dialect: Dialect,
  s: SignoffRow & {
    dhasil: string;
    signature: string;
    /** The sha256 of the totals the D.Hasil states. */
    totals: string;
  },
): Promise<StoredEvent> {
  const head = await trx
    .selectFrom('events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const [event] = await appendEvents(
    trx,
    dialect,
    [
      {
        type: 'recap_closed',
        tps: null,
        actor: s.actor,
        details: {
          region: s.region,
          ballot: s.ballot,
          dhasil: sha256Hex(s.dhasil),
          totals: s.totals,
          chainHead: head
            ? { seq: Number(head.seq), hash: head.hash }
            : { seq: 0, hash: '0'.repeat(64) },
        } satisfies EventDetails<'recap_closed'>,
      },
    ],
    s.at,
  );
  await trx
    .insertInto('recap_signoffs')
    .values({
      seq: event!.seq,
      region_code: s.region,
      ballot: s.ballot,
      action: 'closed',
      at: event!.at,
      actor: s.actor,
      dhasil: s.dhasil,
      signature: s.signature,
    })
    .execute();
  return event!;
}

/** Reopens a closed recap inside the caller's transaction: `recap_reopened` and its row. */
export async function reopenRecapRow(
  trx: Kysely<Database>,
  dialect: Dialect,
  s: SignoffRow & { reason: string },
): Promise<StoredEvent> {
  const [event] = await appendEvents(
    trx,
    dialect,
    [
      {
        type: 'recap_reopened',
        tps: null,
        actor: s.actor,
        details: { region: s.region, ballot: s.ballot, reason: s.reason },
      },
    ],
    s.at,
  );
  await trx
    .insertInto('recap_signoffs')
    .values({
      seq: event!.seq,
      region_code: s.region,
      ballot: s.ballot,
      action: 'reopened',
      at: event!.at,
      actor: s.actor,
      dhasil: null,
      signature: null,
    })
    .execute();
  return event!;
}
