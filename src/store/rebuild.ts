// Rebuilding the derived tables from the submissions alone, and checking the live ones against a
// recount. The submissions are the record; everything else can be thrown away and made again.
import { sql, type Kysely } from 'kysely';
import { ancestorsOfTps, type TpsCode } from '../core/codes.ts';
import { addTally, emptyTally, tallyOf, type Tally } from '../core/tally.ts';
import { jsonColumn, StoredResultSchema } from './rows.ts';
import type { Database } from './schema.ts';

type Counted = { id: string; version: number; result: string };
type Recount = {
  totals: Map<string, Tally>;
  status: Map<
    string,
    {
      tps: string;
      ballot: string;
      latest: number;
      latestStatus: string;
      latestChain: string;
      counted?: Counted;
    }
  >;
};

const PAGE = 5_000;

/** Streams every submission in order and works out what counts, per TPS and per region. */
async function recountFromSubmissions(
  db: Kysely<Database>,
  onProgress?: (n: number) => void,
): Promise<Recount> {
  const status: Recount['status'] = new Map();
  let after = 0;
  let seen = 0;
  for (;;) {
    const rows = await db
      .selectFrom('submissions')
      .select(['seq', 'id', 'tps_code', 'ballot', 'version', 'status', 'result', 'chain_hash'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const key = `${r.tps_code}/${r.ballot}`;
      const s = status.get(key) ?? {
        tps: r.tps_code,
        ballot: r.ballot,
        latest: 0,
        latestStatus: 'clean',
        latestChain: '',
      };
      if (r.version > s.latest) {
        s.latest = r.version;
        s.latestStatus = r.status;
        s.latestChain = r.chain_hash;
      }
      // The latest clean version counts (tally.ts: countedVersion).
      if (r.status === 'clean' && (!s.counted || r.version > s.counted.version))
        s.counted = { id: r.id, version: r.version, result: r.result };
      status.set(key, s);
    }
    after = rows[rows.length - 1]!.seq;
    seen += rows.length;
    onProgress?.(seen);
  }
  const totals = new Map<string, Tally>();
  for (const s of status.values()) {
    if (!s.counted) continue;
    const t = tallyOf(
      jsonColumn(StoredResultSchema, s.counted.result, {
        table: 'submissions',
        id: s.counted.id,
        column: 'result',
      }),
    );
    for (const region of ancestorsOfTps(s.tps as TpsCode)) {
      const key = `${region}/${s.ballot}`;
      totals.set(key, addTally(totals.get(key) ?? emptyTally(), t));
    }
  }
  return { totals, status };
}

/** Replaces tps_status, recap_totals' counts and recap_votes with a recount of the submissions. */
export async function rebuildAggregates(
  db: Kysely<Database>,
  onProgress?: (n: number) => void,
): Promise<{ submissions: number; tps: number }> {
  let submissions = 0;
  const recount = await recountFromSubmissions(db, (n) => {
    submissions = n;
    onProgress?.(n);
  });
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('tps_status').execute();
    await trx.deleteFrom('recap_votes').execute();
    await trx
      .updateTable('recap_totals')
      .set({ tps_reported: 0, valid: 0, invalid: 0, total: 0 })
      .execute();
    const statusRows = [...recount.status.values()].map((s) => ({
      tps_code: s.tps,
      ballot: s.ballot,
      latest_version: s.latest,
      latest_status: s.latestStatus,
      latest_chain_hash: s.latestChain,
      counted_id: s.counted?.id ?? null,
      counted_version: s.counted?.version ?? null,
    }));
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
  return { submissions, tps: recount.status.size };
}

export type AggregateMismatch = { region: string; ballot: string; live: Tally; recount: Tally };

/** Compares the live totals with a recount from the submissions; empty when they agree. */
export async function checkAggregates(db: Kysely<Database>): Promise<AggregateMismatch[]> {
  const { totals } = await recountFromSubmissions(db);
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
  const same = (a: Tally, b: Tally) => {
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
  };
  for (const [key, t] of live) {
    const r = totals.get(key) ?? emptyTally();
    if (!same(t, r)) {
      const [region, ballot] = key.split('/') as [string, string];
      out.push({ region, ballot, live: t, recount: r });
    }
  }
  return out;
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
