// The portal's region reads beside the recap (issue 13): how many TPS below a region reported,
// count, are held or in review (one grouped query per region read), the TPS that wait for a
// person, corrections and late TPS (the anomalies page), the search by code or name, and the TPS
// reported by hour. Plain Kysely, the same on SQLite and PostgreSQL.
import { sql, type Kysely } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import {
  regionLevel,
  NATION_CODE,
  parentRegion,
  parseRegionCode,
  parseTpsCode,
  type RegionCode,
  type RegionLevel,
} from '../core/codes.ts';
import type { ReviewState } from '../core/review.ts';
import type {
  AttentionTps,
  ProgressByHour,
  RegionFlagged,
  RegionIssues,
  SearchHit,
  SearchResult,
} from '../contract/portal.ts';
import type { PlaceRef, Progress } from '../contract/results.ts';
import type { Database } from './schema.ts';
import { versionEventOf } from './submissions.ts';

/** The counts of a Progress beside tpsTotal, for a region or a TPS. */
export type ProgressCounts = Omit<Progress, 'tpsReported' | 'tpsTotal'>;

export const noCounts = (): ProgressCounts => ({
  tpsWithResult: 0,
  tpsCounted: 0,
  tpsFlagged: 0,
  tpsInReview: 0,
});

/** Review states whose newest version is held until a person (or the KPPS) acts. */
const HELD: ReviewState[] = ['flagged', 'photo_requested'];
const ATTENTION: ReviewState[] = ['flagged', 'photo_requested', 'in_review'];

/**
 * The state a tps_status row stands for: its cached review state, or (a row written before the
 * review, 0006, holds '') what its latest status says.
 */
export function stateOf(reviewState: string | null, latestStatus: string | null): ReviewState {
  if (latestStatus === null) return 'none';
  if (reviewState) return reviewState as ReviewState;
  return latestStatus === 'clean' ? 'counted' : 'flagged';
}

/** The counts of one TPS from its status row (none when it has none). */
export function tpsCounts(
  latestStatus: string | null | undefined,
  reviewState: string | null | undefined,
  countedId: string | null | undefined,
): ProgressCounts {
  if (!latestStatus) return noCounts();
  const state = stateOf(reviewState ?? null, latestStatus);
  return {
    tpsWithResult: 1,
    tpsCounted: countedId ? 1 : 0,
    tpsFlagged: HELD.includes(state) ? 1 : 0,
    tpsInReview: state === 'in_review' ? 1 : 0,
  };
}

/** Dotted length of the codes one level below `code` (the nation's children are provinsi: 2). */
function childLength(code: RegionCode): number {
  if (code === NATION_CODE) return 2;
  const level = regionLevel(code);
  return code.length + (level === 'kecamatan' ? 5 : level === 'desa' ? 4 : 3);
}

/** The TPS below `code` (all of them for the nation): `tps.code LIKE 'code.%'`. */
const below = (code: RegionCode) => `${code}.%`;

/** Counts in SQL: held (with the pre-0006 rule), in review, counted, with a result. */
const heldSql = sql<number>`sum(case when tps_status.review_state in ('flagged', 'photo_requested') or (tps_status.review_state = '' and tps_status.latest_status <> 'clean') then 1 else 0 end)`;
const inReviewSql = sql<number>`sum(case when tps_status.review_state = 'in_review' then 1 else 0 end)`;
const countedSql = sql<number>`sum(case when tps_status.counted_id is not null then 1 else 0 end)`;

/**
 * The counts of the region and of each of its children (by child code), from one grouped query
 * over the TPS below it.
 */
export async function progressCounts(
  db: Kysely<Database>,
  code: RegionCode,
  ballot: Ballot,
): Promise<{ region: ProgressCounts; children: Map<string, ProgressCounts> }> {
  const len = childLength(code);
  // Only the TPS with a status row (those that reported) are read: the totals come from the
  // recap's aggregates, so early in the night this touches few rows.
  let q = db
    .selectFrom('tps_status')
    .where('tps_status.ballot', '=', ballot)
    .select([
      sql<string>`substr(tps_status.tps_code, 1, ${sql.lit(len)})`.as('child'),
      (eb) => eb.fn.countAll<number>().as('with_result'),
      countedSql.as('counted'),
      heldSql.as('held'),
      inReviewSql.as('in_review'),
    ])
    .groupBy(sql`substr(tps_status.tps_code, 1, ${sql.lit(len)})`);
  if (code !== NATION_CODE) q = q.where('tps_status.tps_code', 'like', below(code));
  const rows = await q.execute();
  const region = noCounts();
  const children = new Map<string, ProgressCounts>();
  for (const r of rows) {
    const c: ProgressCounts = {
      tpsWithResult: Number(r.with_result ?? 0),
      tpsCounted: Number(r.counted ?? 0),
      tpsFlagged: Number(r.held ?? 0),
      tpsInReview: Number(r.in_review ?? 0),
    };
    children.set(r.child, c);
    region.tpsWithResult += c.tpsWithResult;
    region.tpsCounted += c.tpsCounted;
    region.tpsFlagged += c.tpsFlagged;
    region.tpsInReview += c.tpsInReview;
  }
  return { region, children };
}

/** The level of region `code` in this election; undefined when it has no such region. */
async function levelIn(db: Kysely<Database>, code: RegionCode): Promise<RegionLevel | undefined> {
  const row = await db
    .selectFrom('regions')
    .select('level')
    .where('code', '=', code)
    .executeTakeFirst();
  return row?.level as RegionLevel | undefined;
}

/** The most entries one list of the flagged or anomalies answer holds. */
export const ATTENTION_LIMIT = 500;

/** The TPS below `code` that are held or in review, in code order, at most `limit`. */
export async function regionFlagged(
  db: Kysely<Database>,
  code: RegionCode,
  ballot: Ballot,
  limit = ATTENTION_LIMIT,
): Promise<RegionFlagged | undefined> {
  if (!(await levelIn(db, code))) return undefined;
  const { rows, total } = await attention(db, code, ballot, limit);
  return { region: code, ballot, total, tps: rows, limit };
}

async function attention(
  db: Kysely<Database>,
  code: RegionCode,
  ballot: Ballot,
  limit: number,
): Promise<{ rows: AttentionTps[]; total: number }> {
  let q = db
    .selectFrom('tps_status')
    .innerJoin('tps', 'tps.code', 'tps_status.tps_code')
    .leftJoin('regions', 'regions.code', 'tps.desa_code')
    .where('tps_status.ballot', '=', ballot)
    .where((eb) =>
      eb.or([
        eb('tps_status.review_state', 'in', ATTENTION),
        eb.and([
          eb('tps_status.review_state', '=', ''),
          eb('tps_status.latest_status', '<>', 'clean'),
        ]),
      ]),
    );
  if (code !== NATION_CODE) q = q.where('tps.code', 'like', below(code));
  const [rows, count] = await Promise.all([
    q
      .select([
        'tps.code',
        'tps.name',
        'tps.desa_code',
        'regions.name as desa_name',
        'tps_status.review_state',
        'tps_status.latest_status',
        'tps_status.latest_version',
        'tps_status.counted_version',
      ])
      .orderBy('tps.code')
      .limit(limit)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
  ]);
  return {
    total: Number(count?.n ?? 0),
    rows: rows.map((r) => ({
      code: r.code,
      name: r.name,
      desa: { code: r.desa_code, name: r.desa_name ?? r.desa_code, level: 'desa' },
      state: stateOf(r.review_state, r.latest_status),
      latest: r.latest_version,
      counted: r.counted_version,
    })),
  };
}

/** A region's anomalies page: the TPS that wait for a person, corrections and late TPS. */
export async function regionIssues(
  db: Kysely<Database>,
  code: RegionCode,
  ballot: Ballot,
  limit = ATTENTION_LIMIT,
): Promise<RegionIssues | undefined> {
  if (!(await levelIn(db, code))) return undefined;
  const flagged = await attention(db, code, ballot, limit);
  // Corrections: the record's result_corrected events below the region, newest first.
  let ev = db
    .selectFrom('events')
    .selectAll()
    .where('type', '=', 'result_corrected')
    .where('tps_code', 'is not', null);
  if (code !== NATION_CODE) ev = ev.where('tps_code', 'like', below(code));
  const events = (await ev.orderBy('seq', 'desc').execute()).flatMap((r) => {
    const e = versionEventOf(r);
    return e && e.type === 'result_corrected' && e.details.ballot === ballot ? [e] : [];
  });
  const corrections = events.slice(0, limit).map((e) => ({
    tps: e.tps,
    version: e.details.version,
    corrects: e.details.corrects as number,
    at: e.at,
    reason: e.details.reason as string,
    fields: (e.details.changes as unknown[]).length,
  }));
  // Late: no result while another TPS of the same desa has one.
  let perDesa = db
    .selectFrom('tps')
    .leftJoin('tps_status', (j) =>
      j.onRef('tps_status.tps_code', '=', 'tps.code').on('tps_status.ballot', '=', ballot),
    )
    .select([
      'tps.desa_code',
      (eb) => eb.fn.countAll<number>().as('total'),
      (eb) => eb.fn.count<number>('tps_status.tps_code').as('reported'),
    ])
    .groupBy('tps.desa_code');
  if (code !== NATION_CODE) perDesa = perDesa.where('tps.code', 'like', below(code));
  const desas = (await perDesa.execute())
    .map((d) => ({ code: d.desa_code, total: Number(d.total), reported: Number(d.reported) }))
    .filter((d) => d.reported > 0 && d.reported < d.total);
  const lateAll: RegionIssues['late'] = [];
  const byDesa = new Map(desas.map((d) => [d.code, d]));
  let lateTotal = 0;
  for (const d of desas) lateTotal += d.total - d.reported;
  if (desas.length > 0) {
    let missing = db
      .selectFrom('tps')
      .leftJoin('tps_status', (j) =>
        j.onRef('tps_status.tps_code', '=', 'tps.code').on('tps_status.ballot', '=', ballot),
      )
      .leftJoin('regions', 'regions.code', 'tps.desa_code')
      .select(['tps.code', 'tps.name', 'tps.desa_code', 'regions.name as desa_name'])
      .where('tps_status.tps_code', 'is', null)
      .orderBy('tps.code');
    if (code !== NATION_CODE) missing = missing.where('tps.code', 'like', below(code));
    for (const r of await missing.execute()) {
      const d = byDesa.get(r.desa_code);
      if (!d) continue;
      lateAll.push({
        code: r.code,
        name: r.name,
        desa: { code: r.desa_code, name: r.desa_name ?? r.desa_code, level: 'desa' },
        siblingsReported: d.reported,
        siblingsTotal: d.total,
      });
      if (lateAll.length >= limit) break;
    }
  }
  return {
    region: code,
    ballot,
    limit,
    flagged: flagged.rows,
    flaggedTotal: flagged.total,
    corrections,
    correctionsTotal: events.length,
    late: lateAll,
    lateTotal,
  };
}

/** TPS below `code` by the hour of their first accepted submission. */
export async function progressByHour(
  db: Kysely<Database>,
  code: RegionCode,
  ballot: Ballot,
): Promise<ProgressByHour | undefined> {
  const level = await levelIn(db, code);
  if (!level) return undefined;
  let first = db
    .selectFrom('submissions')
    .select(['tps_code', (eb) => eb.fn.min<string>('received_at').as('first_at')])
    .where('ballot', '=', ballot)
    .groupBy('tps_code');
  if (code !== NATION_CODE) first = first.where('tps_code', 'like', below(code));
  const rows = await db
    .selectFrom(first.as('f'))
    .select([
      sql<string>`substr(f.first_at, 1, 13)`.as('hour'),
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .groupBy(sql`substr(f.first_at, 1, 13)`)
    .orderBy(sql`substr(f.first_at, 1, 13)`)
    .execute();
  let total = db.selectFrom('tps').select((eb) => eb.fn.countAll<number>().as('n'));
  if (code !== NATION_CODE) total = total.where('code', 'like', below(code));
  const tpsTotal = Number((await total.executeTakeFirst())?.n ?? 0);
  let cumulative = 0;
  const hours = rows.map((r) => {
    cumulative += Number(r.n);
    return {
      hour: new Date(`${r.hour}:00:00Z`).toISOString(),
      reported: Number(r.n),
      cumulative,
    };
  });
  return { region: code, level, ballot, tpsTotal, hours };
}

// ---- search ----

/** Lower case, accents and punctuation dropped: `Sukarami` and `sukarámi` read the same. */
export function normalizeName(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

type IndexEntry = { code: string; name: string; level: RegionLevel; norm: string };
type SearchIndex = { size: number; entries: IndexEntry[]; byCode: Map<string, IndexEntry> };

const indexes = new WeakMap<Kysely<Database>, SearchIndex>();

/** The regions' names, normalized, kept while the number of regions stays the same. */
async function searchIndex(db: Kysely<Database>): Promise<SearchIndex> {
  const count = await db
    .selectFrom('regions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  const size = Number(count?.n ?? 0);
  const cached = indexes.get(db);
  if (cached && cached.size === size) return cached;
  const rows = await db.selectFrom('regions').select(['code', 'name', 'level']).execute();
  const entries = rows.map((r) => ({
    code: r.code,
    name: r.name,
    level: r.level as RegionLevel,
    norm: normalizeName(r.name),
  }));
  const index = { size, entries, byCode: new Map(entries.map((e) => [e.code, e])) };
  indexes.set(db, index);
  return index;
}

const LEVEL_ORDER: Record<string, number> = {
  nasional: 0,
  provinsi: 1,
  kabupaten: 2,
  kecamatan: 3,
  desa: 4,
};

/** The parents of a region code from the index, from the provinsi down (the nation left out). */
function parentsIn(index: SearchIndex, code: RegionCode | undefined): PlaceRef[] {
  const out: PlaceRef[] = [];
  for (let p = code; p && p !== NATION_CODE; p = parentRegion(p)) {
    const e = index.byCode.get(p);
    if (e) out.unshift({ code: e.code, name: e.name, level: e.level });
  }
  return out;
}

export const SEARCH_LIMIT = 20;
/** The longest search query taken (longer ones are cut). */
export const SEARCH_MAX_LENGTH = 100;

/**
 * Places matching `q`: a TPS or region code (dotted or packed) gives that place; otherwise the
 * regions whose name starts with `q`, then those with a word starting with it, then those
 * containing it, higher levels first, at most `limit`.
 */
export async function searchPlaces(
  db: Kysely<Database>,
  q: string,
  limit = SEARCH_LIMIT,
): Promise<SearchResult> {
  const query = q.trim();
  const index = await searchIndex(db);
  const tpsCode = parseTpsCode(query);
  if (tpsCode) {
    const tps = await db
      .selectFrom('tps')
      .select(['code', 'name', 'desa_code'])
      .where('code', '=', tpsCode)
      .executeTakeFirst();
    if (tps)
      return {
        q: query,
        exact: true,
        hits: [
          {
            code: tps.code,
            name: tps.name,
            level: 'tps',
            parents: parentsIn(index, tps.desa_code as RegionCode),
          },
        ],
      };
  }
  const regionCode = /^[\d.]+$/.test(query) ? parseRegionCode(query) : undefined;
  const region = regionCode ? index.byCode.get(regionCode) : undefined;
  if (region)
    return {
      q: query,
      exact: true,
      hits: [
        {
          code: region.code,
          name: region.name,
          level: region.level,
          parents: parentsIn(index, parentRegion(region.code as RegionCode)),
        },
      ],
    };
  const needle = normalizeName(query);
  if (needle.length < 2) return { q: query, exact: false, hits: [] };
  const scored: { e: IndexEntry; score: number }[] = [];
  for (const e of index.entries) {
    if (e.level === 'nasional') continue;
    const at = e.norm.indexOf(needle);
    if (at < 0) continue;
    const score = at === 0 ? 0 : e.norm[at - 1] === ' ' ? 1 : 2;
    scored.push({ e, score });
  }
  scored.sort(
    (a, b) =>
      a.score - b.score ||
      (LEVEL_ORDER[a.e.level] ?? 9) - (LEVEL_ORDER[b.e.level] ?? 9) ||
      a.e.norm.localeCompare(b.e.norm) ||
      a.e.code.localeCompare(b.e.code),
  );
  const hits: SearchHit[] = scored.slice(0, limit).map(({ e }) => ({
    code: e.code,
    name: e.name,
    level: e.level,
    parents: parentsIn(index, parentRegion(e.code as RegionCode)),
  }));
  return { q: query, exact: false, hits };
}
