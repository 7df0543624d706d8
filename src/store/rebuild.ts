// Rebuilding the derived tables from the record (the versions and the events about them), and
// checking the live ones against a recount. Versions and events are the record; everything else
// can be thrown away and made again. Which version counts is the review rule's (core/review.ts).
import { sql, type Kysely } from 'kysely';
import { ancestorsOfTps, type TpsCode } from '../core/codes.ts';
import { reviewTps, type ReviewEvent, type TpsReview } from '../core/review.ts';
import { addTally, emptyTally, tallyOf, type Tally } from '../core/tally.ts';
import { jsonColumn, StoredResultSchema } from './rows.ts';
import type { Database } from './schema.ts';
import {
  reviewEventOf,
  summaryOf,
  VERSION_EVENT_TYPES,
  type TpsStatusRow,
  versionEventOf,
  type VersionSummary,
} from './submissions.ts';

/** A tps_status row as a recount of the record makes it. */
export type RecountedStatus = {
  tps: string;
  ballot: string;
  latest: VersionSummary;
  counted: VersionSummary | undefined;
  review: TpsReview;
};

export type Recount = {
  /** By `region/ballot`. */
  totals: Map<string, Tally>;
  /** By `tps/ballot`. */
  status: Map<string, RecountedStatus>;
  submissions: number;
};

const PAGE = 5_000;

/**
 * Streams every version and every event about one, reviews each TPS (reviewTps) and adds up what
 * counts, per TPS and per region. Memory: a small summary per version and per review event.
 */
export async function recountFromRecord(
  db: Kysely<Database>,
  onProgress?: (n: number) => void,
): Promise<Recount> {
  const versions = new Map<string, { tps: string; ballot: string; list: VersionSummary[] }>();
  const eventsOf = new Map<string, ReviewEvent[]>();
  const seqOf = new Map<string, number>();
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .where('seq', '>', after)
      .where('type', 'in', [...VERSION_EVENT_TYPES])
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const e = versionEventOf(r);
      if (!e) continue;
      if (e.type === 'submission_received' || e.type === 'result_corrected')
        seqOf.set(e.details.id as string, e.seq);
      const re = reviewEventOf(e);
      if (!re) continue;
      const key = `${e.tps}/${e.details.ballot}`;
      const list = eventsOf.get(key) ?? [];
      list.push(re);
      eventsOf.set(key, list);
    }
    after = Number(rows.at(-1)!.seq);
  }
  let seen = 0;
  after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('submissions')
      .select([
        'seq',
        'id',
        'tps_code',
        'ballot',
        'version',
        'kind',
        'status',
        'flags',
        'chain_hash',
      ])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const key = `${r.tps_code}/${r.ballot}`;
      const v = versions.get(key) ?? { tps: r.tps_code, ballot: r.ballot, list: [] };
      v.list.push(summaryOf(r, seqOf.get(r.id) ?? 0));
      versions.set(key, v);
    }
    after = rows.at(-1)!.seq;
    seen += rows.length;
    onProgress?.(seen);
  }
  const status: Recount['status'] = new Map();
  for (const [key, v] of versions) {
    v.list.sort((a, b) => a.version - b.version);
    const review = reviewTps(v.list, eventsOf.get(key) ?? []);
    status.set(key, {
      tps: v.tps,
      ballot: v.ballot,
      latest: v.list.at(-1)!,
      counted: v.list.find((x) => x.version === review.counted),
      review,
    });
  }
  // The counted results, read by id a page at a time.
  const counted = [...status.values()].filter((s) => s.counted);
  const totals = new Map<string, Tally>();
  for (let i = 0; i < counted.length; i += 500) {
    const chunk = counted.slice(i, i + 500);
    const rows = await db
      .selectFrom('submissions')
      .select(['id', 'result'])
      .where(
        'id',
        'in',
        chunk.map((s) => s.counted!.id),
      )
      .execute();
    const resultOf = new Map(rows.map((r) => [r.id, r.result]));
    for (const s of chunk) {
      const id = s.counted!.id;
      const t = tallyOf(
        jsonColumn(StoredResultSchema, resultOf.get(id)!, {
          table: 'submissions',
          id,
          column: 'result',
        }),
      );
      for (const region of ancestorsOfTps(s.tps as TpsCode)) {
        const key = `${region}/${s.ballot}`;
        totals.set(key, addTally(totals.get(key) ?? emptyTally(), t));
      }
    }
  }
  return { totals, status, submissions: seen };
}

/** A recounted TPS as its tps_status row. */
export const statusRowOf = (s: RecountedStatus): TpsStatusRow => ({
  tps_code: s.tps,
  ballot: s.ballot,
  latest_version: s.latest.version,
  latest_status: s.latest.status,
  latest_chain_hash: s.latest.chainHash,
  counted_id: s.counted?.id ?? null,
  counted_version: s.counted?.version ?? null,
  review_state: s.review.state,
  review_reasons: JSON.stringify(s.review.reasons),
});

/** Replaces tps_status, recap_totals' counts and recap_votes with a recount of the record. */
export async function rebuildAggregates(
  db: Kysely<Database>,
  onProgress?: (n: number) => void,
): Promise<{ submissions: number; tps: number }> {
  const recount = await recountFromRecord(db, onProgress);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('tps_status').execute();
    await trx.deleteFrom('recap_votes').execute();
    await trx
      .updateTable('recap_totals')
      .set({ tps_reported: 0, valid: 0, invalid: 0, total: 0 })
      .execute();
    const statusRows = [...recount.status.values()].map(statusRowOf);
    for (let i = 0; i < statusRows.length; i += 500)
      await trx
        .insertInto('tps_status')
        .values(statusRows.slice(i, i + 500))
        .execute();
    const votes: Database['recap_votes'][] = [];
    for (const [key, t] of recount.totals) {
      const [region, ballot] = key.split('/') as [string, string];
      await trx
        .updateTable('recap_totals')
        .set({ tps_reported: t.tpsReported, valid: t.valid, invalid: t.invalid, total: t.total })
        .where('region_code', '=', region)
        .where('ballot', '=', ballot)
        .execute();
      for (const [choice, v] of Object.entries(t.votes))
        votes.push({ region_code: region, ballot, choice, votes: v });
    }
    for (let i = 0; i < votes.length; i += 500)
      await trx
        .insertInto('recap_votes')
        .values(votes.slice(i, i + 500))
        .execute();
  });
  return { submissions: recount.submissions, tps: recount.status.size };
}

export type AggregateMismatch = { region: string; ballot: string; live: Tally; recount: Tally };

/** Compares the live totals with a recount from the record; empty when they agree. */
export async function checkAggregates(db: Kysely<Database>): Promise<AggregateMismatch[]> {
  const { totals } = await recountFromRecord(db);
  const live = new Map<string, Tally>();
  const rows = await db.selectFrom('recap_totals').selectAll().execute();
  for (const r of rows)
    live.set(`${r.region_code}/${r.ballot}`, {
      tpsReported: r.tps_reported,
      valid: r.valid,
      invalid: r.invalid,
      total: r.total,
      votes: {},
    });
  const votes = await db.selectFrom('recap_votes').selectAll().execute();
  for (const v of votes) {
    const t = live.get(`${v.region_code}/${v.ballot}`);
    if (t) t.votes[v.choice] = v.votes;
  }
  const out: AggregateMismatch[] = [];
  for (const [key, t] of live) {
    const r = totals.get(key) ?? emptyTally();
    if (!sameTally(t, r)) {
      const [region, ballot] = key.split('/') as [string, string];
      out.push({ region, ballot, live: t, recount: r });
    }
  }
  return out;
}

/** Two tallies agree; a vote key absent from one is a zero there. */
export function sameTally(a: Tally, b: Tally): boolean {
  if (
    a.tpsReported !== b.tpsReported ||
    a.valid !== b.valid ||
    a.invalid !== b.invalid ||
    a.total !== b.total
  )
    return false;
  const keys = new Set([...Object.keys(a.votes), ...Object.keys(b.votes)]);
  for (const k of keys) if ((a.votes[k] ?? 0) !== (b.votes[k] ?? 0)) return false;
  return true;
}

export const countSubmissions = async (db: Kysely<Database>): Promise<number> =>
  Number(
    (
      await db
        .selectFrom('submissions')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirst()
    )?.n ?? 0,
  );
