// Recording a submission: one transaction appends the version, moves the counted pointer of its
// TPS and applies the difference to every total above it. Nothing is updated in place but the
// derived tables, which `rebuildAggregates` can recompute from the submissions alone.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import { canonicalJson } from '../core/canonical.ts';
import type { CHasil } from '../core/chasil.ts';
import { ancestorsOfTps, type TpsCode } from '../core/codes.ts';
import type { RuleBreach } from '../core/rules.ts';
import {
  SubmissionStatusSchema,
  tallyDelta,
  type SubmissionStatus,
  type Tally,
} from '../core/tally.ts';
import { sha256Hex } from './blobs.ts';
import type { Dialect } from './migrations.ts';
import {
  jsonColumn,
  StoredFlagsSchema,
  StoredPhotosSchema,
  StoredResultSchema,
  StoredRowError,
} from './rows.ts';
import type { Database } from './schema.ts';

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

/** The hash that identifies a submission's content: TPS, ballot, the numbers and the photos. */
function contentHash(s: Pick<NewSubmission, 'tps' | 'ballot' | 'result' | 'photos'>): string {
  return sha256Hex(
    canonicalJson({
      tps: s.tps,
      ballot: s.ballot,
      result: s.result,
      photos: s.photos.map((p) => p.sha256).sort(),
    }),
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

export type RecordOutcome = { record: SubmissionRecord; duplicate: boolean; counted: boolean };

export type SubmissionWriter = (s: NewSubmission) => Promise<RecordOutcome>;

/**
 * How submissions are written. PostgreSQL: a transaction each, many at once on the pool. SQLite,
 * which has one writer: group commit. Submissions that arrive while a transaction is being written
 * wait and are written together in the next one, each inside a savepoint of its own, so one that
 * fails fails alone. A quiet server commits each submission at once; a busy one commits many per
 * transaction, which shares the cost of the commit and of the totals' pages they all touch.
 * Every caller is answered only after the transaction holding its submission has committed.
 */
export function submissionWriter(db: Kysely<Database>, dialect: Dialect): SubmissionWriter {
  if (dialect === 'postgres')
    return (s) => db.transaction().execute((trx) => writeSubmission(trx, dialect, s));
  type Pending = {
    s: NewSubmission;
    resolve: (o: RecordOutcome) => void;
    reject: (e: unknown) => void;
  };
  let queue: Pending[] = [];
  let flushing = false;
  const MAX_BATCH = 64;
  const flush = async () => {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_BATCH);
        queue = queue.slice(batch.length);
        const settled: (() => void)[] = [];
        try {
          await db.transaction().execute(async (trx) => {
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
          });
          for (const done of settled) done();
        } catch (e) {
          // The commit itself failed: nothing of this batch is stored.
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

/** Appends one submission inside a transaction: the version, the counted pointer, the totals. */
async function writeSubmission(
  trx: Transaction<Database>,
  dialect: Dialect,
  s: NewSubmission,
): Promise<RecordOutcome> {
  const hash = contentHash(s);
  const status: SubmissionStatus = s.flags.length > 0 ? 'flagged' : 'clean';
  // One writer per TPS and ballot at a time (SQLite has one writer anyway).
  if (dialect === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtext(${`${s.tps}/${s.ballot}`}))`.execute(trx);
  const same = await trx
    .selectFrom('submissions')
    .selectAll()
    .where('tps_code', '=', s.tps)
    .where('ballot', '=', s.ballot)
    .where('content_hash', '=', hash)
    .executeTakeFirst();
  if (same) return { record: toRecord(same), duplicate: true, counted: false };

  const state = await trx
    .selectFrom('tps_status')
    .selectAll()
    .where('tps_code', '=', s.tps)
    .where('ballot', '=', s.ballot)
    .executeTakeFirst();
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
    photos: JSON.stringify(s.photos.map((p) => p.sha256)),
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

  const counted = status === 'clean';
  let before: CHasil | null = null;
  if (counted && state?.counted_id) {
    const old = await trx
      .selectFrom('submissions')
      .select('result')
      .where('id', '=', state.counted_id)
      .executeTakeFirstOrThrow();
    before = jsonColumn(StoredResultSchema, old.result, {
      table: 'submissions',
      id: state.counted_id,
      column: 'result',
    });
  }
  const next = {
    latest_version: version,
    latest_status: status,
    latest_chain_hash: row.chain_hash,
    counted_id: counted ? row.id : (state?.counted_id ?? null),
    counted_version: counted ? version : (state?.counted_version ?? null),
  };
  if (state)
    await trx
      .updateTable('tps_status')
      .set(next)
      .where('tps_code', '=', s.tps)
      .where('ballot', '=', s.ballot)
      .execute();
  else
    await trx
      .insertInto('tps_status')
      .values({ tps_code: s.tps, ballot: s.ballot, ...next })
      .execute();
  if (counted) await applyDelta(trx, dialect, s.tps, s.ballot, tallyDelta(before, s.result));
  // Built from the values just written, not parsed back from their JSON.
  const record: SubmissionRecord = {
    ...recordColumns(row),
    result: s.result,
    photos: s.photos.map((p) => p.sha256),
    status,
    flags: s.flags,
  };
  return { record, duplicate: false, counted };
}

/** Adds a tally difference to the TPS's desa, kecamatan, kabupaten, provinsi and the nation. */
async function applyDelta(
  trx: Transaction<Database>,
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
