// The audit trail: one append-only `events` table for everything Rekap records (the catalogue is
// src/contract/events.ts), in which each event's hash covers the one before it, so no event can be
// changed, dropped or slipped in unseen. Each action writes its events in the same transaction as
// its change.
import { sql, type Kysely } from 'kysely';
import * as z from 'zod';
import { canonicalJson } from '../core/canonical.ts';
import type { TpsCode } from '../core/codes.ts';
import { err, ok, type Result } from '../core/result.ts';
import { EVENT_TYPES, type EventType } from '../contract/events.ts';
import { sha256Hex } from './blobs.ts';
import type { Dialect } from './migrations.ts';
import { jsonColumn } from './rows.ts';
import type { Database } from './schema.ts';

/** `events.details`: an object of the event's own fields (canonical JSON). */
const EventDetailsSchema = z.record(z.string(), z.unknown());

// The catalogue lives in the contract (src/contract/events.ts), with each type's details schema.
export { EVENT_TYPES, type EventType };

/** Who acted: `cli`, `server`, the uploader id of a KPPS token, or `account:` and an id. */
export type Actor = string;

export type NewEvent = {
  type: EventType;
  tps: TpsCode | null;
  actor: Actor;
  details: Record<string, unknown>;
};

export type StoredEvent = NewEvent & {
  seq: number;
  at: string;
  prevHash: string | null;
  hash: string;
};

/** The hash of an event: sha256 of the canonical JSON of all its fields but the hash. */
function eventHash(e: Omit<StoredEvent, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      seq: e.seq,
      at: e.at,
      type: e.type,
      tps: e.tps,
      actor: e.actor,
      details: e.details,
      prevHash: e.prevHash,
    }),
  );
}

/**
 * Checks a run of events: consecutive sequence numbers, each hash right, each linked to the one
 * before. Without `after`, the run must start at the first event ever (seq 1, no previous hash).
 * The number of events checked, or the first that breaks the chain and why.
 */
export function verifyEventChain(
  events: readonly StoredEvent[],
  after: { seq: number; hash: string } | null = null,
): Result<number, { seq: number; reason: string }> {
  let prev = after;
  for (const e of events) {
    const seq = (prev?.seq ?? 0) + 1;
    if (e.seq !== seq) return err({ seq: e.seq, reason: `expected event ${seq} here` });
    if (e.prevHash !== (prev?.hash ?? null))
      return err({ seq: e.seq, reason: 'not linked to the event before it' });
    if (eventHash(e) !== e.hash)
      return err({ seq: e.seq, reason: 'its hash does not match its content' });
    prev = e;
  }
  return ok(events.length);
}

export type EventLog = (e: NewEvent) => void;

/**
 * Runs `change` as one write transaction. SQLite: the transaction takes the write lock at its
 * start (`begin immediate`), so that a command run beside the server waits its turn instead of
 * failing on a snapshot that went stale. PostgreSQL: a plain transaction; `appendEvents` takes the
 * chain's lock when it appends, and `lockChain` takes it earlier for a change that must hold still.
 */
export async function writeTransaction<T>(
  db: Kysely<Database>,
  dialect: Dialect,
  change: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (dialect === 'postgres') return db.transaction().execute(change);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const value = await change(conn);
      await sql`commit`.execute(conn);
      return value;
    } catch (e) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw e;
    }
  });
}

/**
 * The chain has one writer at a time: the next event needs the head the last one left. On
 * PostgreSQL the events table is locked until the transaction ends (exclusive mode lets readers
 * on, and taking it again in the same transaction costs nothing). SQLite has one writer anyway.
 * Every writer that also touches the totals takes this lock before their row locks, never after,
 * so the two cannot deadlock.
 */
export async function lockChain(trx: Kysely<Database>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`lock table events in exclusive mode`.execute(trx);
}

/**
 * Runs a credential change in one transaction and appends the events it logged, chained. Changes
 * run one at a time, so every check made inside `change` (the device cap) holds until the commit:
 * the chain is locked first (see `writeTransaction` and `lockChain`).
 */
export async function withEvents<T>(
  db: Kysely<Database>,
  dialect: Dialect,
  now: Date,
  change: (trx: Kysely<Database>, log: EventLog) => Promise<T>,
): Promise<T> {
  return writeTransaction(db, dialect, async (trx) => {
    await lockChain(trx, dialect);
    const logged: NewEvent[] = [];
    const value = await change(trx, (e) => logged.push(e));
    await appendEvents(trx, dialect, logged, now);
    return value;
  });
}

/**
 * Appends events at the head of the chain, inside the caller's transaction (which it locks, see
 * `lockChain`), and answers them as stored, with their sequence numbers and hashes.
 */
export async function appendEvents(
  trx: Kysely<Database>,
  dialect: Dialect,
  events: readonly NewEvent[],
  now: Date | string,
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  await lockChain(trx, dialect);
  const last = await trx
    .selectFrom('events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let prev = last ? { seq: Number(last.seq), hash: last.hash } : null;
  const at = typeof now === 'string' ? now : now.toISOString();
  const rows: Database['events'][] = [];
  const stored: StoredEvent[] = [];
  for (const e of events) {
    // A details object its type's schema refuses is a bug in the caller: nothing is written.
    const parsed = EVENT_TYPES[e.type].details.safeParse(e.details);
    if (!parsed.success)
      throw new Error(`event ${e.type}: details do not fit the catalogue: ${parsed.error.message}`);
    const unhashed = { ...e, seq: (prev?.seq ?? 0) + 1, at, prevHash: prev?.hash ?? null };
    const hash = eventHash(unhashed);
    rows.push({
      seq: unhashed.seq,
      at,
      type: e.type,
      tps_code: e.tps,
      actor: e.actor,
      details: canonicalJson(e.details),
      prev_hash: unhashed.prevHash,
      hash,
    });
    stored.push({ ...unhashed, hash });
    prev = { seq: unhashed.seq, hash };
  }
  for (let i = 0; i < rows.length; i += 500)
    await trx
      .insertInto('events')
      .values(rows.slice(i, i + 500))
      .execute();
  return stored;
}

export type EventQuery = {
  tps?: TpsCode;
  /** Only events after this sequence number. */
  afterSeq?: number;
  /** At most this many, oldest first (default 10,000). */
  limit?: number;
};

export async function listEvents(db: Kysely<Database>, q: EventQuery = {}): Promise<StoredEvent[]> {
  let query = db
    .selectFrom('events')
    .selectAll()
    .where('seq', '>', q.afterSeq ?? 0)
    .orderBy('seq')
    .limit(q.limit ?? 10_000);
  if (q.tps) query = query.where('tps_code', '=', q.tps);
  const rows = await query.execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: r.at,
    type: r.type as EventType,
    tps: r.tps_code as TpsCode | null,
    actor: r.actor,
    details: jsonColumn(EventDetailsSchema, r.details, {
      table: 'events',
      id: Number(r.seq),
      column: 'details',
    }),
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}
