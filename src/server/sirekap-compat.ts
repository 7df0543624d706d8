// Sirekap-compatible JSON (docs/sirekap-compat.md): the paths and field names of the public site
// KPU ran in 2024 (pemilu2024.kpu.go.id, whose data came from sirekap-obj-data.kpu.go.id), served
// from Rekap's own rows, so that monitors' existing scrapers work unchanged:
//   GET /pemilu/hhcw/ppwp.json                                  the nation
//   GET /pemilu/hhcw/ppwp/{pr}.json, /{pr}/{kab}.json, ...      a region, by packed codes
//   GET /pemilu/hhcw/ppwp/{pr}/{kab}/{kec}/{desa}/{tps}.json    one TPS
// A TPS answers its counted version (`chart` by Sirekap's pair ids, `administrasi`, `images` as
// links to our photos); a region its totals, progress and a `table` of its children. The numbers
// are those of /api/v1/tps and /api/v1/results (recap.ts), through the same cache and ETag.
import type { FastifyInstance } from 'fastify';
import type { CHasil } from '../core/chasil.ts';
import type { Contest } from '../core/ballots.ts';
import { NATION_CODE, parseRegionCode, parseTpsCode } from '../core/codes.ts';
import { err, ok, type Result } from '../core/result.ts';
import type { RegionChild, RegionResult } from '../contract/results.ts';
import type { SirekapRegion, SirekapRow, SirekapTps } from '../contract/sirekap.ts';
import type { Store } from '../store/store.ts';
import type { TpsResult } from '../store/recap.ts';
import { apiError, sendError, type ApiError } from './errors.ts';
import type { CachedRead } from './public-read.ts';

/** Sirekap's id of the first PPWP pair; the others follow in ballot order (100026, 100027). */
export const SIREKAP_FIRST_PAIR_ID = 100025;

/** Sirekap's `administrasi` keys and the C.Hasil fields they carry, in Sirekap's order. */
export const SIREKAP_ADMINISTRASI: readonly [key: string, field: (r: CHasil) => number][] = [
  ['suara_sah', (r) => r.valid],
  ['suara_total', (r) => r.total],
  ['pemilih_dpt_j', (r) => r.dpt.total],
  ['pemilih_dpt_l', (r) => r.dpt.l],
  ['pemilih_dpt_p', (r) => r.dpt.p],
  ['pengguna_dpt_j', (r) => r.voters.dpt.total],
  ['pengguna_dpt_l', (r) => r.voters.dpt.l],
  ['pengguna_dpt_p', (r) => r.voters.dpt.p],
  ['pengguna_dptb_j', (r) => r.voters.dptb.total],
  ['pengguna_dptb_l', (r) => r.voters.dptb.l],
  ['pengguna_dptb_p', (r) => r.voters.dptb.p],
  ['suara_tidak_sah', (r) => r.invalid],
  ['pengguna_total_j', (r) => r.voters.total.total],
  ['pengguna_total_l', (r) => r.voters.total.l],
  ['pengguna_total_p', (r) => r.voters.total.p],
  ['pengguna_non_dpt_j', (r) => r.voters.dpk.total],
  ['pengguna_non_dpt_l', (r) => r.voters.dpk.l],
  ['pengguna_non_dpt_p', (r) => r.voters.dpk.p],
];

/** Our vote key of each Sirekap pair id: the contest's pairs in ballot order from 100025. */
export function sirekapPairIds(contest: Contest): [id: string, key: string][] {
  if (contest.kind !== 'pair') return [];
  return contest.pairs.map((p, i) => [String(SIREKAP_FIRST_PAIR_ID + i), String(p.number)]);
}

/** Sirekap's time stamps: `2024-02-14 18:44:00`, in WIB (UTC+7). */
export function sirekapTime(at: Date | string): string {
  const t = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return new Date(t + 7 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

const chartOf = (pairs: [string, string][], votes: Record<string, number>) =>
  Object.fromEntries(pairs.map(([id, key]) => [id, votes[key] ?? 0]));

/** The share of TPS reported, in percent with two decimals, as Sirekap's `persen`. */
const persen = (reported: number, total: number) =>
  total === 0 ? 0 : Math.round((reported / total) * 10_000) / 100;

/** A TPS as Sirekap published it: its counted version, or nulls before one counts. */
export function sirekapTps(t: TpsResult, contest: Contest): SirekapTps {
  const counted = t.versions.find((v) => v.counted);
  const pairs = sirekapPairIds(contest);
  if (!counted)
    return {
      mode: 'hhcw',
      chart: null,
      images: [],
      administrasi: null,
      psu: null,
      ts: null,
      status_suara: false,
      status_adm: false,
    };
  return {
    mode: 'hhcw',
    chart: chartOf(pairs, counted.result.votes),
    images: counted.photos.map((p) => p.url),
    administrasi: Object.fromEntries(SIREKAP_ADMINISTRASI.map(([k, f]) => [k, f(counted.result)])),
    psu: null,
    ts: sirekapTime(counted.receivedAt),
    status_suara: true,
    status_adm: true,
  };
}

/** A region as Sirekap published it: its chart, a row per child, and its progress. */
export function sirekapRegion(r: RegionResult, contest: Contest, now: Date): SirekapRegion {
  const pairs = sirekapPairIds(contest);
  const row = (c: RegionChild): SirekapRow => {
    const reported = c.progress.tpsReported > 0;
    // A TPS with nothing counted yet has no numbers (null), as on Sirekap; a region has its sums.
    const numbers =
      c.level === 'tps' && !reported
        ? Object.fromEntries(pairs.map(([id]) => [id, null]))
        : chartOf(pairs, c.totals.votes);
    return {
      psu: 'Reguler',
      ...numbers,
      persen: persen(c.progress.tpsReported, c.progress.tpsTotal),
      status_progress: reported,
    };
  };
  return {
    ts: sirekapTime(now),
    psu: 'Reguler',
    mode: 'hhcw',
    chart: {
      ...chartOf(pairs, r.totals.votes),
      persen: persen(r.progress.tpsReported, r.progress.tpsTotal),
    },
    table: Object.fromEntries(r.children.map((c) => [c.code.replaceAll('.', ''), row(c)])),
    progres: { total: r.progress.tpsTotal, progres: r.progress.tpsReported },
  };
}

/** Packed code lengths from the province down to the TPS. */
const DEPTHS = [2, 4, 6, 10, 13];

/**
 * The place a path below /pemilu/hhcw/ppwp/ names: each segment the packed code of the one
 * before it and one level more (`16/1608/160801.json`), the last ending in `.json`.
 */
export function placeOfPath(rest: string): { kind: 'region' | 'tps'; packed: string } | undefined {
  if (!rest.endsWith('.json')) return undefined;
  const segments = rest.slice(0, -'.json'.length).split('/');
  if (segments.length > DEPTHS.length) return undefined;
  for (const [i, s] of segments.entries()) {
    if (!/^\d+$/.test(s) || s.length !== DEPTHS[i]) return undefined;
    if (i > 0 && !s.startsWith(segments[i - 1]!)) return undefined;
  }
  return {
    kind: segments.length === DEPTHS.length ? 'tps' : 'region',
    packed: segments[segments.length - 1]!,
  };
}

export function registerSirekapCompat(
  app: FastifyInstance,
  deps: { store: Store; cachedRead: CachedRead; clock?: () => Date },
): void {
  const { store, cachedRead } = deps;
  const clock = deps.clock ?? (() => new Date());
  const contest = async (): Promise<Result<Contest, ApiError>> => {
    const c = await store.contest('ppwp');
    return c?.kind === 'pair'
      ? ok(c)
      : err(apiError('unknown_region', 'this election has no PPWP contest of pairs'));
  };
  const region = async (code: string): Promise<Result<object, ApiError>> => {
    const c = await contest();
    if (!c.ok) return c;
    const parsed = parseRegionCode(code);
    const r = parsed && (await store.regionResult(parsed, 'ppwp'));
    return r
      ? ok(sirekapRegion(r, c.value, clock()))
      : err(apiError('unknown_region', `no region ${code} in this election`));
  };

  app.get('/pemilu/hhcw/ppwp.json', (req, reply) =>
    cachedRead(req, reply, 'sirekap/id', () => region(NATION_CODE)),
  );
  app.get<{ Params: { '*': string } }>('/pemilu/hhcw/ppwp/*', async (req, reply) => {
    const place = placeOfPath(req.params['*']);
    if (!place)
      return sendError(
        reply,
        apiError(
          'bad_code',
          `not a Sirekap path: ${req.params['*'].slice(0, 80)} (expected packed codes, each the one before it and more, as 16/1608/160801.json)`,
        ),
      );
    if (place.kind === 'region')
      return cachedRead(req, reply, `sirekap/${place.packed}`, () => region(place.packed));
    const code = parseTpsCode(place.packed);
    if (!code) return sendError(reply, apiError('bad_code', `not a TPS code: ${place.packed}`));
    return cachedRead(req, reply, `sirekap/${place.packed}`, async () => {
      const c = await contest();
      if (!c.ok) return c;
      const t = await store.tpsResult(code, 'ppwp');
      return t
        ? ok(sirekapTps(t, c.value))
        : err(apiError('unknown_tps', `no TPS ${code} in this election`));
    });
  });
}
