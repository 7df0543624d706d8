// What the server's re-read (src/server/reread.ts) needs from the store: the versions still
// waiting for it, and one version's numbers and photos. Whether a version was re-read is not kept
// anywhere but in the events: a `reread_*` event about it (tps_code, details.ballot and
// details.version) is the record, so nothing here can drift from the chain.
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import type { CHasil } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import type { Dialect } from './migrations.ts';
import { jsonColumn, StoredPhotosSchema, StoredResultSchema } from './rows.ts';
import type { Database } from './schema.ts';
import type { PhotoRecord } from './submissions.ts';

export const REREAD_EVENTS = ['reread_agrees', 'reread_disagrees', 'reread_failed'] as const;

export type AwaitingVersion = { seq: number; tps: TpsCode; ballot: Ballot; version: number };

export type AwaitingReread = {
  /** Oldest first (by submission seq). */
  versions: AwaitingVersion[];
  /**
   * The newest submission seq the scan looked up to. When `versions` is empty, every version up
   * to it had its re-read (or is not to be read), so the next scan may start after it.
   */
  scannedTo: number;
};

/**
 * True when a `reread_*` event names the submission row `s`. The join goes through the
 * `events_tps` index (tps_code, seq): a TPS has a handful of events, so each probe reads a few
 * rows and parses their details, whatever the size of the chain.
 */
function rereadEventExists(dialect: Dialect) {
  const detail = (key: string) =>
    dialect === 'postgres'
      ? sql<string>`(e.details::jsonb ->> ${sql.lit(key)})`
      : sql<string>`json_extract(e.details, ${sql.lit(`$.${key}`)})`;
  // Compared as text on PostgreSQL, so a details object of another shape never breaks a cast.
  const version =
    dialect === 'postgres' ? sql`cast(s.version as text)` : sql.ref<number>('s.version');
  return sql<SqlBool>`exists (
    select 1 from events e
    where e.tps_code = s.tps_code
      and e.type in (${sql.join(REREAD_EVENTS.map((t) => sql.lit(t)))})
      and ${detail('ballot')} = s.ballot
      and ${detail('version')} = ${version}
  )`;
}

/**
 * KPPS versions of these ballots with no `reread_*` event, after submission seq `after`, at most
 * `limit`. The scan walks the submissions by their primary key from `after` and probes the events
 * of each row's TPS, stopping at `limit` rows found: a caller that starts each scan at the first
 * version it found waiting last time (or after `scannedTo`) reads each submission row about once
 * while the re-read keeps up, instead of the whole table every few minutes. Corrections
 * (kind `correction`) are an operator's numbers, not a photo's: never waiting.
 */
export async function versionsAwaitingReread(
  db: Kysely<Database>,
  dialect: Dialect,
  limit: number,
  opts: { ballots: readonly Ballot[]; after?: number },
): Promise<AwaitingReread> {
  const after = opts.after ?? 0;
  const top = await db
    .selectFrom('submissions')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  const scannedTo = top?.seq == null ? after : Math.max(after, Number(top.seq));
  if (opts.ballots.length === 0 || scannedTo <= after) return { versions: [], scannedTo };
  const rows = await db
    .selectFrom('submissions as s')
    .select(['s.seq', 's.tps_code', 's.ballot', 's.version'])
    .where('s.seq', '>', after)
    .where('s.seq', '<=', scannedTo)
    .where('s.kind', '=', 'submission')
    .where('s.ballot', 'in', [...opts.ballots])
    .where((eb) => eb.not(rereadEventExists(dialect)))
    .orderBy('s.seq')
    .limit(limit)
    .execute();
  return {
    versions: rows.map((r) => ({
      seq: Number(r.seq),
      tps: r.tps_code as TpsCode,
      ballot: r.ballot as Ballot,
      version: r.version,
    })),
    scannedTo,
  };
}

/** One version as the re-read needs it. */
export type VersionToReread = {
  kind: 'submission' | 'correction';
  result: CHasil;
  /** In page order, as submitted. */
  photos: PhotoRecord[];
  /** The registered DPT of the TPS, for the reader's rules. */
  dpt: number | null;
  /** Whether a `reread_*` event is about this version already. */
  reread: boolean;
};

export async function versionToReread(
  db: Kysely<Database>,
  dialect: Dialect,
  tps: TpsCode,
  ballot: Ballot,
  version: number,
): Promise<VersionToReread | undefined> {
  const row = await db
    .selectFrom('submissions as s')
    .innerJoin('tps', 'tps.code', 's.tps_code')
    .select(['s.id', 's.kind', 's.result', 's.photos', 'tps.dpt'])
    .select(rereadEventExists(dialect).as('reread'))
    .where('s.tps_code', '=', tps)
    .where('s.ballot', '=', ballot)
    .where('s.version', '=', version)
    .executeTakeFirst();
  if (!row) return undefined;
  const place = (column: string) => ({ table: 'submissions' as const, id: row.id, column });
  const hashes = jsonColumn(StoredPhotosSchema, row.photos, place('photos'));
  const stored =
    hashes.length === 0
      ? []
      : await db.selectFrom('photos').selectAll().where('sha256', 'in', hashes).execute();
  const by = new Map(stored.map((p) => [p.sha256, p]));
  const photos: PhotoRecord[] = [];
  for (const h of hashes) {
    const p = by.get(h);
    // A submission names only photos stored before it (submissions.ts): a missing row is damage.
    if (!p) throw new Error(`submission ${row.id} names photo ${h}, which is not in photos`);
    photos.push({
      sha256: p.sha256,
      location: p.location,
      size: p.size,
      contentType: p.content_type,
      width: p.width,
      height: p.height,
    });
  }
  return {
    kind: row.kind === 'correction' ? 'correction' : 'submission',
    result: jsonColumn(StoredResultSchema, row.result, place('result')),
    photos,
    dpt: row.dpt,
    // SQLite answers 0 or 1, PostgreSQL a boolean.
    reread: Boolean(row.reread),
  };
}
