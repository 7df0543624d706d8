// The open-data exports' rows (docs/open-data.md): the counted result of every TPS, and the recap
// of every region at one level, read in keyset pages (TPS or region code order) so that an export
// of the whole nation (823,000 TPS) never holds more than one page in memory. They are derived
// from the same stored rows as the portal's answers (recap.ts): a TPS's tps_status row and its
// counted version, and the recap aggregates.
import type { Kysely } from 'kysely';
import { voteKeys, type Ballot, type Contest } from '../core/ballots.ts';
import type { CdfUnit } from '../core/cdf.ts';
import { fieldEntries, fieldPaths, type CHasil } from '../core/chasil.ts';
import {
  packed,
  REGION_LEVELS,
  type RegionCode,
  type RegionLevel,
  type TpsCode,
} from '../core/codes.ts';
import type { RecapState } from '../core/dhasil.ts';
import { REVIEW_STATES, type ReviewState } from '../core/review.ts';
import type { Signature, TpsStatus } from '../contract/results.ts';
import { jsonColumn, StoredFlagsSchema, StoredPhotosSchema, StoredResultSchema } from './rows.ts';
import type { Database } from './schema.ts';

/** Rows per page unless the caller says otherwise. */
export const EXPORT_BATCH = 1000;

/** One TPS: where it is, its status, and its counted version (all null without one). */
export type TpsExportRow = {
  /** Dotted Kemendagri code (`16.08.01.1001.001`) and the packed form (`1608011001001`). */
  code: string;
  packed: string;
  provinsi: string;
  kabupaten: string;
  kecamatan: string;
  desa: string;
  desaCode: string;
  name: string;
  /** The registered DPT of the TPS (null when the election files gave none). */
  dpt: number | null;
  /** As in the portal's lists: `none`, `counted` or `flagged`. */
  status: TpsStatus;
  /** The review's state (src/core/review.ts), as the TPS page's `review.state`. */
  review: ReviewState;
  countedVersion: number | null;
  latestVersion: number | null;
  /** The counted version's C.Hasil, every field. */
  result: CHasil | null;
  /** The rule ids the counted version breaks. */
  flags: string[];
  /** The sha256 of each photographed page of the counted version. */
  photos: string[];
  /** The counted version's content hash and chain hash. */
  hash: string | null;
  chainHash: string | null;
  uploader: string | null;
  receivedAt: string | null;
  signature: Signature | null;
};

/** One region at one level: its recap totals and progress, and whether they are signed off. */
export type RegionExportRow = {
  code: string;
  packed: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
  tpsTotal: number;
  tpsReported: number;
  votes: Record<string, number>;
  valid: number;
  invalid: number;
  total: number;
  recap: RecapState;
  /** With `children: true`: the codes of its child regions, or of a desa's TPS, in code order. */
  children?: string[];
};

/** A page: the rows after `after` (a code), at most `limit` (default 1,000, at most 10,000). */
export type PageQuery = { after?: string; limit?: number; children?: boolean };

/**
 * The short status of a TPS in lists, as the portal's (recap.ts): `counted` when what it sent
 * counts and no one needs to act, `none` without a result, else `flagged`.
 */
function badge(latestStatus: string | null, reviewState: string | null): TpsStatus {
  if (!latestStatus) return 'none';
  if (!reviewState) return latestStatus === 'clean' ? 'counted' : 'flagged';
  return reviewState === 'counted' || reviewState === 'corrected' ? 'counted' : 'flagged';
}

/** The review's state as the TPS page tells it (recap.ts publicReview). */
function reviewOf(latestStatus: string | null, reviewState: string | null): ReviewState {
  if (!latestStatus) return 'none';
  if (reviewState && (REVIEW_STATES as readonly string[]).includes(reviewState))
    return reviewState as ReviewState;
  // A row written before the review existed (0006) holds no state: its status says as much.
  return latestStatus === 'clean' ? 'counted' : 'flagged';
}

const pageSize = (limit: number | undefined) =>
  Math.max(1, Math.min(limit ?? EXPORT_BATCH, 10_000));

/** One page of TPS rows in code order, after `after` (a dotted TPS code): one query. */
export async function tpsExportRows(
  db: Kysely<Database>,
  ballot: Ballot,
  q: PageQuery = {},
): Promise<TpsExportRow[]> {
  let query = db
    .selectFrom('tps')
    .leftJoin('regions as d', 'd.code', 'tps.desa_code')
    .leftJoin('regions as kc', 'kc.code', 'd.parent_code')
    .leftJoin('regions as kb', 'kb.code', 'kc.parent_code')
    .leftJoin('regions as pv', 'pv.code', 'kb.parent_code')
    .leftJoin('tps_status', (j) =>
      j.onRef('tps_status.tps_code', '=', 'tps.code').on('tps_status.ballot', '=', ballot),
    )
    .leftJoin('submissions as s', 's.id', 'tps_status.counted_id')
    .leftJoin('devices', 'devices.id', 's.device_id')
    .select([
      'tps.code',
      'tps.name',
      'tps.dpt',
      'tps.desa_code',
      'd.name as desa',
      'kc.name as kecamatan',
      'kb.name as kabupaten',
      'pv.name as provinsi',
      'tps_status.latest_status',
      'tps_status.latest_version',
      'tps_status.review_state',
      'tps_status.counted_version',
      's.id',
      's.result',
      's.photos',
      's.flags',
      's.content_hash',
      's.chain_hash',
      's.uploader',
      's.received_at',
      's.device_id',
      's.signed_at',
      's.signature',
      'devices.public_key',
    ])
    .orderBy('tps.code')
    .limit(pageSize(q.limit));
  if (q.after) query = query.where('tps.code', '>', q.after);
  const rows = await query.execute();
  return rows.map((r): TpsExportRow => {
    const place = (column: string) => ({ table: 'submissions' as const, id: r.id ?? '', column });
    const counted = r.id != null && r.result != null;
    return {
      code: r.code,
      packed: packed(r.code as TpsCode),
      provinsi: r.provinsi ?? '',
      kabupaten: r.kabupaten ?? '',
      kecamatan: r.kecamatan ?? '',
      desa: r.desa ?? '',
      desaCode: r.desa_code,
      name: r.name,
      dpt: r.dpt,
      status: badge(r.latest_status ?? null, r.review_state ?? null),
      review: reviewOf(r.latest_status ?? null, r.review_state ?? null),
      countedVersion: counted ? (r.counted_version ?? null) : null,
      latestVersion: r.latest_version ?? null,
      result: counted ? jsonColumn(StoredResultSchema, r.result!, place('result')) : null,
      flags:
        counted && r.flags
          ? jsonColumn(StoredFlagsSchema, r.flags, place('flags')).map((f) => f.rule)
          : [],
      photos: counted && r.photos ? jsonColumn(StoredPhotosSchema, r.photos, place('photos')) : [],
      hash: counted ? (r.content_hash ?? null) : null,
      chainHash: counted ? (r.chain_hash ?? null) : null,
      uploader: counted ? (r.uploader ?? null) : null,
      receivedAt: counted ? (r.received_at ?? null) : null,
      signature:
        counted && r.device_id && r.signed_at && r.signature
          ? {
              deviceId: r.device_id,
              publicKey: r.public_key ?? '',
              signedAt: r.signed_at,
              signature: r.signature,
            }
          : null,
    };
  });
}

/** One page of the regions of one level in code order, after `after`: three queries. */
export async function regionExportRows(
  db: Kysely<Database>,
  ballot: Ballot,
  level: RegionLevel,
  q: PageQuery = {},
): Promise<RegionExportRow[]> {
  let query = db
    .selectFrom('regions')
    .leftJoin('recap_totals', (j) =>
      j
        .onRef('recap_totals.region_code', '=', 'regions.code')
        .on('recap_totals.ballot', '=', ballot),
    )
    .select([
      'code',
      'name',
      'parent_code',
      'tps_total',
      'tps_reported',
      'valid',
      'invalid',
      'total',
    ])
    .where('level', '=', level)
    .orderBy('code')
    .limit(pageSize(q.limit));
  if (q.after) query = query.where('code', '>', q.after);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const codes = rows.map((r) => r.code);
  const votes = await db
    .selectFrom('recap_votes')
    .select(['region_code', 'choice', 'votes'])
    .where('ballot', '=', ballot)
    .where('region_code', 'in', codes)
    .execute();
  const votesBy = new Map<string, Record<string, number>>();
  for (const v of votes) {
    const m = votesBy.get(v.region_code) ?? {};
    m[v.choice] = v.votes;
    votesBy.set(v.region_code, m);
  }
  // A desa has no recap of its own: it shows its kecamatan's (recaps.ts recapState).
  const ownOf = (r: (typeof rows)[number]) =>
    level === 'desa' ? (r.parent_code ?? r.code) : r.code;
  const owners = [...new Set(rows.map(ownOf))];
  const signoffs = await db
    .selectFrom('recap_signoffs')
    .select(['region_code', 'action', 'seq'])
    .where('ballot', '=', ballot)
    .where('region_code', 'in', owners)
    .orderBy('seq')
    .execute();
  const lastAction = new Map<string, string>();
  for (const s of signoffs) lastAction.set(s.region_code, s.action);
  const stateOf = (action: string | undefined): RecapState =>
    !action ? 'unofficial-partial' : action === 'closed' ? 'certified' : 'correction';
  const childrenOf = new Map<string, string[]>();
  if (q.children) {
    const children =
      level === 'desa'
        ? await db
            .selectFrom('tps')
            .select(['code', 'desa_code as parent'])
            .where('desa_code', 'in', codes)
            .orderBy('code')
            .execute()
        : await db
            .selectFrom('regions')
            .select(['code', 'parent_code as parent'])
            .where('parent_code', 'in', codes)
            .orderBy('code')
            .execute();
    for (const c of children) {
      if (!c.parent) continue;
      const list = childrenOf.get(c.parent) ?? [];
      list.push(c.code);
      childrenOf.set(c.parent, list);
    }
  }
  return rows.map((r) => ({
    code: r.code,
    packed: packed(r.code as RegionCode),
    name: r.name,
    level,
    parentCode: r.parent_code,
    tpsTotal: r.tps_total ?? 0,
    tpsReported: r.tps_reported ?? 0,
    votes: votesBy.get(r.code) ?? {},
    valid: r.valid ?? 0,
    invalid: r.invalid ?? 0,
    total: r.total ?? 0,
    recap: stateOf(lastAction.get(ownOf(r))),
    ...(q.children ? { children: childrenOf.get(r.code) ?? [] } : {}),
  }));
}

/** What the page generators read from: the Store's methods of the same names. */
export type ExportSource = {
  tpsExportRows(ballot: Ballot, q?: PageQuery): Promise<TpsExportRow[]>;
  regionExportRows(ballot: Ballot, level: RegionLevel, q?: PageQuery): Promise<RegionExportRow[]>;
};

/**
 * Every TPS of the election in code order, one page (`batch` rows, default 1,000) at a time: the
 * next page is read only when the consumer asks for it, so memory holds one page. Each page is
 * one query (one snapshot); an export read while results arrive mixes pages read at different
 * moments, and the export's ETag names the change mark at its start.
 */
export async function* tpsExportPages(
  source: Pick<ExportSource, 'tpsExportRows'>,
  ballot: Ballot,
  opts: { batch?: number } = {},
): AsyncGenerator<TpsExportRow[], void, undefined> {
  const limit = pageSize(opts.batch);
  let after: string | undefined;
  for (;;) {
    const page = await source.tpsExportRows(ballot, { ...(after ? { after } : {}), limit });
    if (page.length === 0) return;
    yield page;
    if (page.length < limit) return;
    after = page[page.length - 1]!.code;
  }
}

/** Every region of one level in code order, page by page (as tpsExportPages). */
export async function* regionExportPages(
  source: Pick<ExportSource, 'regionExportRows'>,
  ballot: Ballot,
  level: RegionLevel,
  opts: { batch?: number; children?: boolean } = {},
): AsyncGenerator<RegionExportRow[], void, undefined> {
  const limit = pageSize(opts.batch);
  let after: string | undefined;
  for (;;) {
    const page = await source.regionExportRows(ballot, level, {
      ...(after ? { after } : {}),
      limit,
      ...(opts.children ? { children: true } : {}),
    });
    if (page.length === 0) return;
    yield page;
    if (page.length < limit) return;
    after = page[page.length - 1]!.code;
  }
}

/**
 * The reporting units of a CDF report (src/core/cdf.ts), from the nation down, level by level,
 * then every TPS: each call reads them anew, a page at a time.
 */
export function cdfUnits(
  source: ExportSource,
  ballot: Ballot,
  opts: { batch?: number } = {},
): () => AsyncIterable<CdfUnit[]> {
  return async function* () {
    for (const level of REGION_LEVELS)
      for await (const page of regionExportPages(source, ballot, level, {
        ...opts,
        children: true,
      }))
        yield page.map((r): CdfUnit => ({
          code: r.code,
          name: r.name,
          level: r.level,
          children: r.children ?? [],
          tpsReported: r.tpsReported,
          tpsTotal: r.tpsTotal,
          recap: r.recap,
          counted: true,
          votes: r.votes,
          invalid: r.invalid,
          total: r.total,
        }));
    for await (const page of tpsExportPages(source, ballot, opts))
      yield page.map((t): CdfUnit => ({
        code: t.code,
        name: t.name,
        level: 'tps',
        children: [],
        tpsReported: t.status === 'none' ? 0 : 1,
        tpsTotal: 1,
        counted: t.result !== null,
        votes: t.result?.votes ?? {},
        invalid: t.result?.invalid ?? 0,
        total: t.result?.total ?? 0,
        votersRegistered: t.dpt,
        votersParticipated: t.result?.voters.total.total ?? null,
      }));
  };
}

// CSV (RFC 4180): a header row, then one line per TPS or region, CRLF line ends; a cell with a
// comma, a quote or a line break is quoted, its quotes doubled. Lists (flags, photos) are joined
// with spaces. Empty cells: no value (a TPS without a counted version).

/** One CSV cell. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line, with its CRLF. */
export const csvLine = (cells: readonly (string | number | null | undefined)[]): string =>
  `${cells.map(csvCell).join(',')}\r\n`;

const TPS_LEADING = [
  'code',
  'packed',
  'provinsi',
  'kabupaten',
  'kecamatan',
  'desa',
  'name',
  'dpt_registered',
  'status',
  'review',
  'counted_version',
  'latest_version',
] as const;
const TPS_TRAILING = [
  'flags',
  'photos',
  'hash',
  'chain_hash',
  'uploader',
  'received_at',
  'device_id',
  'public_key',
  'signed_at',
  'signature',
] as const;

const pathsOf = new WeakMap<Contest, string[]>();
/** The C.Hasil fields' dotted paths for a contest, in form order (computed once per contest). */
function resultPaths(contest: Contest): string[] {
  let paths = pathsOf.get(contest);
  if (!paths) pathsOf.set(contest, (paths = fieldPaths(voteKeys(contest))));
  return paths;
}

/** The TPS export's columns for a contest: the C.Hasil fields by their dotted paths (`votes.1`). */
export const tpsCsvColumns = (contest: Contest): string[] => [
  ...TPS_LEADING,
  ...resultPaths(contest),
  ...TPS_TRAILING,
];

/** One TPS row as the cells of tpsCsvColumns. */
export function tpsCsvCells(row: TpsExportRow, contest: Contest): (string | number | null)[] {
  const fields = row.result ? new Map(fieldEntries(row.result)) : undefined;
  return [
    row.code,
    row.packed,
    row.provinsi,
    row.kabupaten,
    row.kecamatan,
    row.desa,
    row.name,
    row.dpt,
    row.status,
    row.review,
    row.countedVersion,
    row.latestVersion,
    ...resultPaths(contest).map((p) => fields?.get(p) ?? null),
    row.flags.join(' '),
    row.photos.join(' '),
    row.hash,
    row.chainHash,
    row.uploader,
    row.receivedAt,
    row.signature?.deviceId ?? null,
    row.signature?.publicKey ?? null,
    row.signature?.signedAt ?? null,
    row.signature?.signature ?? null,
  ];
}

/** The region export's columns for a contest. */
export const regionCsvColumns = (contest: Contest): string[] => [
  'code',
  'packed',
  'name',
  'level',
  'parent_code',
  'tps_total',
  'tps_reported',
  ...voteKeys(contest).map((k) => `votes.${k}`),
  'valid',
  'invalid',
  'total',
  'recap',
];

export function regionCsvCells(row: RegionExportRow, contest: Contest): (string | number | null)[] {
  return [
    row.code,
    row.packed,
    row.name,
    row.level,
    row.parentCode,
    row.tpsTotal,
    row.tpsReported,
    ...voteKeys(contest).map((k) => row.votes[k] ?? 0),
    row.valid,
    row.invalid,
    row.total,
    row.recap,
  ];
}
