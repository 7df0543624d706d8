// Recording a submission: one transaction appends the version and its `submission_received` event
// to the chain, reviews the TPS again (src/core/review.ts: which version counts, whether it needs a
// person), moves its counted pointer and applies the difference to every total above it. Nothing
// is updated in place but the derived tables, which `rebuildAggregates` can recompute from the
// versions and the events alone. Review actions (review.ts) end the same way: `refreshReview`.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import { canonicalJson } from '../core/canonical.ts';
import type { CHasil } from '../core/chasil.ts';
import { ancestorsOfTps, type TpsCode } from '../core/codes.ts';
import { reviewTps, type ReviewEvent, type TpsReview } from '../core/review.ts';
import type { RuleBreach } from '../core/rules.ts';
import { EVENT_TYPES, type EventType } from '../contract/events.ts';
import {
  SubmissionStatusSchema,
  tallyDelta,
  type SubmissionStatus,
  type Tally,
} from '../core/tally.ts';
import { sha256Hex } from './blobs.ts';
import { appendEvents, lockChain, writeTransaction } from './events.ts';
import type { Dialect } from './migrations.ts';
import {
  jsonColumn,
  StoredFlagsSchema,
  StoredPhotosSchema,
  StoredResultSchema,
  StoredRowError,
} from './rows.ts';
import type { Database } from './schema.ts';
import { closedAbove, RecapClosedError } from './signoffs.ts';

export type PhotoRecord = {
  sha256: string;
  location: string;
  size: number;
  contentType: string;
  width: number;
  height: number;
};

export type NewSubmission = {
  tps: TpsCode;
  ballot: Ballot;
  result: CHasil;
  photos: PhotoRecord[];
  flags: RuleBreach[];
  /** Who sent it: `kpps:` and the first characters of the token's hash (never the token). */
  uploader: string;
  receivedAt: Date;
  /** The enrolled device's signature of the summary (src/core/receipt.ts), when signed. */
  signature?: StoredSignature | null;
};

/** A submission's signature as stored; the device's public key is in `devices`. */
export type StoredSignature = { deviceId: string; signedAt: string; signature: string };

export type SubmissionRecord = {
  id: string;
  tps: TpsCode;
  ballot: Ballot;
  version: number;
  hash: string;
  prevChainHash: string | null;
  chainHash: string;
  result: CHasil;
  photos: string[];
  status: SubmissionStatus;
  flags: RuleBreach[];
  uploader: string;
  receivedAt: string;
  signature: StoredSignature | null;
};

/**
 * The hash that identifies a version's content: TPS, ballot, the numbers and the photos; a
 * correction's also covers its kind and the version it corrects, so that it can never collide with
 * a submission of the same numbers and photos (the unique (tps, ballot, content_hash)).
 */
export function contentHash(s: {
  tps: string;
  ballot: string;
  result: CHasil;
  photos: readonly string[];
  kind?: 'submission' | 'correction';
  corrects?: number | null;
}): string {
  const photos = [...s.photos].sort();
  return sha256Hex(
    canonicalJson(
      s.kind === 'correction'
        ? {
            tps: s.tps,
            ballot: s.ballot,
            result: s.result,
            photos,
            kind: s.kind,
            corrects: s.corrects,
          }
        : { tps: s.tps, ballot: s.ballot, result: s.result, photos },
    ),
  );
}

/**
 * Each version's chain hash covers the one before it, so history cannot be rewritten unseen. A
 * signed version's chain also covers its device, signing time and signature (so a signature
 * cannot be stripped or swapped unseen); an unsigned one hashes exactly as before migration 0002.
 */
export function chainHash(
  prev: string | null,
  hash: string,
  uploader: string,
  at: string,
  status: string,
  signature?: StoredSignature | null,
): string {
  const fields = [prev ?? '', hash, uploader, at, status];
  if (signature) fields.push(signature.deviceId, signature.signedAt, signature.signature);
  return sha256Hex(fields.join('\n'));
}

/** `counted`: whether the new version counts now (a flagged one waits for review). */
export type RecordOutcome = { record: SubmissionRecord; duplicate: boolean; counted: boolean };

export type SubmissionWriter = (s: NewSubmission) => Promise<RecordOutcome>;

/**
 * How submissions are written: group commit, on both engines. Submissions that arrive while a
 * transaction is being written wait and are written together in the next one, each inside a
 * savepoint of its own, so one that fails fails alone. A quiet server commits each submission at
 * once; a busy one commits many per transaction, which shares the cost of the commit (its WAL
 * flush) and of the totals' rows they all touch. Every caller is answered only after the
 * transaction holding its submission has committed.
 *
 * Each submission appends an event to the one chain, which has one writer at a time. On SQLite
 * that costs nothing more (one writer already). On PostgreSQL several processes write at once, and
 * a batch holds the chain's lock from its first event to its commit: so it takes every TPS lock it
 * needs first, in one sorted order, and the chain's lock after them. Every other writer takes a
 * TPS lock before the chain's too (review.ts), so no two can wait on each other in a cycle.
 */
export function submissionWriter(db: Kysely<Database>, dialect: Dialect): SubmissionWriter {
  type Pending = {
    s: NewSubmission;
    resolve: (o: RecordOutcome) => void;
    reject: (e: unknown) => void;
  };
  let queue: Pending[] = [];
  let flushing = false;
  const MAX_BATCH = 64;
  const writeBatch = async (trx: Kysely<Database>, batch: Pending[]) => {
    const settled: (() => void)[] = [];
    // One alone needs no savepoint: if it fails, the transaction rolls back with it.
    if (batch.length === 1) {
      const outcome = await writeSubmission(trx, dialect, batch[0]!.s);
      settled.push(() => batch[0]!.resolve(outcome));
      return settled;
    }
    if (dialect === 'postgres') {
      const keys = new Map(batch.map((p) => [`${p.s.tps}/${p.s.ballot}`, p.s]));
      for (const key of [...keys.keys()].sort()) {
        const { tps, ballot } = keys.get(key)!;
        await lockTps(trx, dialect, tps, ballot);
      }
      await lockChain(trx, dialect);
    }
    for (const p of batch) {
      await sql`savepoint submission`.execute(trx);
      try {
        const outcome = await writeSubmission(trx, dialect, p.s);
        await sql`release submission`.execute(trx);
        settled.push(() => p.resolve(outcome));
      } catch (e) {
        await sql`rollback to submission`.execute(trx);
        await sql`release submission`.execute(trx);
        settled.push(() => p.reject(e));
      }
    }
    return settled;
  };
  const flush = async () => {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_BATCH);
        queue = queue.slice(batch.length);
        try {
          const settled = await writeTransaction(db, dialect, (trx) => writeBatch(trx, batch));
          for (const done of settled) done();
        } catch (e) {
          // The commit itself failed (or the only submission in it): nothing of this batch is stored.
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      flushing = false;
    }
  };
  return (s) =>
    new Promise<RecordOutcome>((resolve, reject) => {
      queue.push({ s, resolve, reject });
      if (!flushing) void flush();
    });
}

/** Appends one submission inside a transaction: the version, its event, the review, the totals. */
async function writeSubmission(
  trx: Kysely<Database>,
  dialect: Dialect,
  s: NewSubmission,
): Promise<RecordOutcome> {
  const photoHashes = s.photos.map((p) => p.sha256);
  const hash = contentHash({ ...s, photos: photoHashes });
  const status: SubmissionStatus = s.flags.length > 0 ? 'flagged' : 'clean';
  await lockTps(trx, dialect, s.tps, s.ballot);
  const same = await trx
    .selectFrom('submissions')
    .selectAll()
    .where('tps_code', '=', s.tps)
    .where('ballot', '=', s.ballot)
    .where('content_hash', '=', hash)
    .executeTakeFirst();
  if (same) return { record: toRecord(same), duplicate: true, counted: false };

  const state = await tpsStatusRow(trx, s.tps, s.ballot);
  const version = (state?.latest_version ?? 0) + 1;
  const at = s.receivedAt.toISOString();
  const prevChain = state?.latest_chain_hash ?? null;
  const row = {
    id: randomUUID(),
    tps_code: s.tps,
    ballot: s.ballot,
    version,
    content_hash: hash,
    prev_chain_hash: prevChain,
    chain_hash: chainHash(prevChain, hash, s.uploader, at, status, s.signature),
    result: JSON.stringify(s.result),
    photos: JSON.stringify(photoHashes),
    status,
    flags: JSON.stringify(s.flags),
    uploader: s.uploader,
    received_at: at,
    device_id: s.signature?.deviceId ?? null,
    signed_at: s.signature?.signedAt ?? null,
    signature: s.signature?.signature ?? null,
    kind: 'submission',
    corrects: null,
  };
  if (s.photos.length > 0)
    await trx
      .insertInto('photos')
      .values(
        s.photos.map((p) => ({
          sha256: p.sha256,
          size: p.size,
          content_type: p.contentType,
          width: p.width,
          height: p.height,
          location: p.location,
          created_at: at,
        })),
      )
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
  await trx.insertInto('submissions').values(row).execute();
  await appendEvents(
    trx,
    dialect,
    [
      {
        type: 'submission_received',
        tps: s.tps,
        actor: s.uploader,
        details: {
          ballot: s.ballot,
          version,
          id: row.id,
          contentHash: hash,
          chainHash: row.chain_hash,
          status,
          flags: s.flags.map((f) => f.rule),
        },
      },
    ],
    at,
  );
  // A closed recap above the TPS refuses it (asked under the chain lock the event took, so a
  // close cannot slip in between): the whole transaction (savepoint) rolls back, and the phone
  // keeps the result until the level is reopened.
  const closed = await closedAbove(trx, s.tps, s.ballot);
  if (closed) throw new RecapClosedError(closed, s.ballot);
  const review = await refreshReview(trx, dialect, s.tps, s.ballot, state);
  // Built from the values just written, not parsed back from their JSON.
  const record: SubmissionRecord = {
    ...recordColumns(row),
    result: s.result,
    photos: photoHashes,
    status,
    flags: s.flags,
  };
  return { record, duplicate: false, counted: review.counted === version };
}

/**
 * One writer per TPS and ballot at a time (SQLite has one writer anyway): every change to its
 * versions, its review events and its tps_status row takes this first.
 */
export async function lockTps(
  trx: Kysely<Database>,
  dialect: Dialect,
  tps: TpsCode,
  ballot: Ballot,
): Promise<void> {
  if (dialect === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtext(${`${tps}/${ballot}`}))`.execute(trx);
}

/** A tps_status row as read or written (the review columns plain text, not generated). */
export type TpsStatusRow = Omit<Database['tps_status'], 'review_state' | 'review_reasons'> & {
  review_state: string;
  review_reasons: string;
};

export const tpsStatusRow = async (
  db: Kysely<Database>,
  tps: TpsCode,
  ballot: Ballot,
): Promise<TpsStatusRow | undefined> =>
  await db
    .selectFrom('tps_status')
    .selectAll()
    .where('tps_code', '=', tps)
    .where('ballot', '=', ballot)
    .executeTakeFirst();

/** The event types that name a version of a TPS result (the review reads them). */
export const VERSION_EVENT_TYPES = [
  'submission_received',
  'result_corrected',
  'reread_agrees',
  'reread_disagrees',
  'reread_failed',
  'result_confirmed',
  'photo_requested',
  'objection_filed',
  'objection_answered',
] as const satisfies readonly EventType[];
export type VersionEventType = (typeof VERSION_EVENT_TYPES)[number];
const isVersionEventType = (t: string): t is VersionEventType =>
  (VERSION_EVENT_TYPES as readonly string[]).includes(t);

/** A stored event about a version, its details parsed with its type's schema. */
export type VersionEvent = {
  seq: number;
  at: string;
  type: VersionEventType;
  tps: TpsCode;
  actor: string;
  details: Record<string, unknown> & { ballot: string; version: number };
};

/** Parses an event row about a version, or undefined for any other type. Bad details throw. */
export function versionEventOf(row: {
  seq: number;
  at: string;
  type: string;
  tps_code: string | null;
  actor: string;
  details: string;
}): VersionEvent | undefined {
  if (!isVersionEventType(row.type) || row.tps_code === null) return undefined;
  const details = jsonColumn(EVENT_TYPES[row.type].details, row.details, {
    table: 'events',
    id: Number(row.seq),
    column: 'details',
  }) as VersionEvent['details'];
  return {
    seq: Number(row.seq),
    at: row.at,
    type: row.type,
    tps: row.tps_code as TpsCode,
    actor: row.actor,
    details,
  };
}

/** The review rule's view of an event (review.ts), or undefined for one it does not weigh. */
export function reviewEventOf(e: VersionEvent): ReviewEvent | undefined {
  const { seq } = e;
  const version = e.details.version;
  switch (e.type) {
    case 'reread_disagrees':
      return {
        seq,
        type: e.type,
        version,
        fields: (e.details.fields as { field: string }[]).map((f) => f.field),
      };
    case 'result_confirmed':
    case 'photo_requested':
    case 'objection_filed':
      return { seq, type: e.type, version };
    case 'objection_answered':
      return { seq, type: e.type, version, objection: e.details.objection as number };
    case 'submission_received':
    case 'result_corrected':
    case 'reread_agrees':
    case 'reread_failed':
      return undefined;
  }
}

/** A version as the review reads it. */
export type VersionSummary = {
  id: string;
  version: number;
  kind: 'submission' | 'correction';
  status: SubmissionStatus;
  /** The rule codes it breaks. */
  flags: string[];
  chainHash: string;
  /** The event that recorded it (0 for one stored before versions had events). */
  seq: number;
};

/** A version row's kind; anything else in the column is a stored row that does not fit. */
export function kindOf(row: { id: string; kind: string }): 'submission' | 'correction' {
  if (row.kind === 'submission' || row.kind === 'correction') return row.kind;
  throw new StoredRowError(
    { table: 'submissions', id: row.id, column: 'kind' },
    `not a kind: ${row.kind}`,
  );
}

/** Every version of a TPS result and every event about them, as stored, and their review. */
export type TpsRecord = {
  versions: VersionSummary[];
  events: VersionEvent[];
  review: TpsReview;
};

export async function readTpsRecord(
  db: Kysely<Database>,
  tps: TpsCode,
  ballot: Ballot,
): Promise<TpsRecord> {
  const rows = await db
    .selectFrom('submissions')
    .select(['id', 'version', 'kind', 'status', 'flags', 'chain_hash'])
    .where('tps_code', '=', tps)
    .where('ballot', '=', ballot)
    .orderBy('version')
    .execute();
  const eventRows = await db
    .selectFrom('events')
    .selectAll()
    .where('tps_code', '=', tps)
    .where('type', 'in', [...VERSION_EVENT_TYPES])
    .orderBy('seq')
    .execute();
  const events = eventRows.flatMap((r) => {
    const e = versionEventOf(r);
    return e && e.details.ballot === ballot ? [e] : [];
  });
  const seqOf = new Map<string, number>();
  for (const e of events)
    if (e.type === 'submission_received' || e.type === 'result_corrected')
      seqOf.set(e.details.id as string, e.seq);
  const versions = rows.map((r) => summaryOf(r, seqOf.get(r.id) ?? 0));
  const review = reviewTps(
    versions,
    events.flatMap((e) => reviewEventOf(e) ?? []),
  );
  return { versions, events, review };
}

/** A version row as the review reads it, with the seq of the event that recorded it. */
export function summaryOf(
  r: {
    id: string;
    version: number;
    kind: string;
    status: string;
    flags: string;
    chain_hash: string;
  },
  seq: number,
): VersionSummary {
  const status = SubmissionStatusSchema.safeParse(r.status);
  if (!status.success)
    throw new StoredRowError(
      { table: 'submissions', id: r.id, column: 'status' },
      `not a status: ${r.status}`,
    );
  return {
    id: r.id,
    version: r.version,
    kind: kindOf(r),
    status: status.data,
    flags: jsonColumn(StoredFlagsSchema, r.flags, {
      table: 'submissions',
      id: r.id,
      column: 'flags',
    }).map((f) => f.rule),
    chainHash: r.chain_hash,
    seq,
  };
}

/**
 * Reviews a TPS again from its versions and events (after a new version or a review event, inside
 * the same transaction and under its `lockTps`), writes its tps_status row (the latest version,
 * the counted one, the review state and reasons) and applies the difference between the result
 * that counted before and the one that counts now to every total above it.
 */
export async function refreshReview(
  trx: Kysely<Database>,
  dialect: Dialect,
  tps: TpsCode,
  ballot: Ballot,
  prior: TpsStatusRow | undefined,
): Promise<TpsReview> {
  const { versions, review } = await readTpsRecord(trx, tps, ballot);
  const latest = versions.at(-1);
  if (!latest) throw new Error(`no version of ${tps} ${ballot} to review`);
  const counted = versions.find((v) => v.version === review.counted);
  const next = {
    latest_version: latest.version,
    latest_status: latest.status,
    latest_chain_hash: latest.chainHash,
    counted_id: counted?.id ?? null,
    counted_version: counted?.version ?? null,
    review_state: review.state,
    review_reasons: JSON.stringify(review.reasons),
  };
  if (prior)
    await trx
      .updateTable('tps_status')
      .set(next)
      .where('tps_code', '=', tps)
      .where('ballot', '=', ballot)
      .execute();
  else
    await trx
      .insertInto('tps_status')
      .values({ tps_code: tps, ballot, ...next })
      .execute();
  const before = prior?.counted_id ?? null;
  const after = counted?.id ?? null;
  if (before !== after)
    await applyDelta(
      trx,
      dialect,
      tps,
      ballot,
      tallyDelta(await resultOf(trx, before), await resultOf(trx, after)),
    );
  return review;
}

/** The result of a version row, by id (null for none). */
export async function resultOf(db: Kysely<Database>, id: string | null): Promise<CHasil | null> {
  if (id === null) return null;
  const row = await db
    .selectFrom('submissions')
    .select('result')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return jsonColumn(StoredResultSchema, row.result, { table: 'submissions', id, column: 'result' });
}

/** Adds a tally difference to the TPS's desa, kecamatan, kabupaten, provinsi and the nation. */
async function applyDelta(
  trx: Kysely<Database>,
  dialect: Dialect,
  tps: TpsCode,
  ballot: Ballot,
  delta: Tally,
): Promise<void> {
  const regions = ancestorsOfTps(tps);
  // PostgreSQL: take the row locks of the totals in one fixed order first, so that concurrent
  // submissions, which share their kecamatan, kabupaten and the nation, cannot deadlock. The
  // vote rows of a region are only written by the holder of its totals row.
  if (dialect === 'postgres')
    await trx
      .selectFrom('recap_totals')
      .select('region_code')
      .where('region_code', 'in', regions)
      .where('ballot', '=', ballot)
      .orderBy('region_code')
      .forUpdate()
      .execute();
  await trx
    .updateTable('recap_totals')
    .set((eb) => ({
      tps_reported: eb('tps_reported', '+', delta.tpsReported),
      valid: eb('valid', '+', delta.valid),
      invalid: eb('invalid', '+', delta.invalid),
      total: eb('total', '+', delta.total),
    }))
    .where('region_code', 'in', regions)
    .where('ballot', '=', ballot)
    .execute();
  const choices = Object.keys(delta.votes).sort();
  if (choices.length === 0) return;
  await trx
    .insertInto('recap_votes')
    .values(
      regions.flatMap((region) =>
        choices.map((choice) => ({
          region_code: region,
          ballot,
          choice,
          votes: delta.votes[choice] ?? 0,
        })),
      ),
    )
    .onConflict((oc) =>
      oc
        .columns(['region_code', 'ballot', 'choice'])
        .doUpdateSet((eb) => ({ votes: eb('recap_votes.votes', '+', eb.ref('excluded.votes')) })),
    )
    .execute();
}

type SubmissionRow = Omit<Database['submissions'], 'seq'>;

/** The columns of a submission row that need no parsing. */
function recordColumns(
  row: SubmissionRow,
): Omit<SubmissionRecord, 'result' | 'photos' | 'status' | 'flags'> {
  return {
    id: row.id,
    tps: row.tps_code as TpsCode,
    ballot: row.ballot as Ballot,
    version: row.version,
    hash: row.content_hash,
    prevChainHash: row.prev_chain_hash,
    chainHash: row.chain_hash,
    uploader: row.uploader,
    receivedAt: row.received_at,
    signature:
      row.device_id && row.signed_at && row.signature
        ? { deviceId: row.device_id, signedAt: row.signed_at, signature: row.signature }
        : null,
  };
}

/** A stored submission row as a record, every JSON column parsed with its schema (rows.ts). */
export function toRecord(row: SubmissionRow): SubmissionRecord {
  const place = (column: string) => ({ table: 'submissions' as const, id: row.id, column });
  const status = SubmissionStatusSchema.safeParse(row.status);
  if (!status.success) throw new StoredRowError(place('status'), `not a status: ${row.status}`);
  return {
    ...recordColumns(row),
    result: jsonColumn(StoredResultSchema, row.result, place('result')),
    photos: jsonColumn(StoredPhotosSchema, row.photos, place('photos')),
    status: status.data,
    flags: jsonColumn(StoredFlagsSchema, row.flags, place('flags')),
  };
}
