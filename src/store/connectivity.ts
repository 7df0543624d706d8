// What the blank-spot map (issue 14, docs/design/blank-spot-map.md) reads: where each TPS is
// (tps_positions: the registry's point, or the demo's synthetic one), and, for a kabupaten or a
// region below it, everything the model (src/server/connectivity-model.ts) needs in one snapshot:
// the TPS with their desa and kecamatan names, their positions, every signal observation made by
// their phones, and when each TPS's first result of a ballot arrived.
//
// Sized for a kabupaten (OKU Timur: 2,180 TPS, ~20,000 observations): five queries, the
// observations read in keyset pages by seq, so no page costs more than the one before it.
import type { Kysely } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import {
  NATION_CODE,
  parentRegion,
  regionContains,
  type RegionCode,
  type RegionLevel,
  type TpsCode,
} from '../core/codes.ts';
import type { Connection, Observed } from '../core/connectivity.ts';
import type { Database } from './schema.ts';

export type TpsPositionSource = 'registry' | 'synthetic';

export type TpsPosition = { lat: number; lng: number; source: TpsPositionSource };

export type NewTpsPosition = TpsPosition & { tps: TpsCode };

/** Rows written per statement (5 values each). */
const POSITION_BATCH = 500;

/** A TPS code `setTpsPositions` was given that the election does not hold. */
export class UnknownTpsError extends Error {
  constructor(readonly codes: TpsCode[]) {
    super(
      `no TPS ${codes.slice(0, 10).join(', ')}${codes.length > 10 ? ` (and ${codes.length - 10} more)` : ''} in this election: positions are set only for TPS it holds`,
    );
    this.name = 'UnknownTpsError';
  }
}

/** Why a position cannot be one, or undefined. */
function badPosition(p: NewTpsPosition): string | undefined {
  if (!Number.isFinite(p.lat) || p.lat < -90 || p.lat > 90) return `lat ${p.lat}`;
  if (!Number.isFinite(p.lng) || p.lng < -180 || p.lng > 180) return `lng ${p.lng}`;
  if (p.source !== 'registry' && p.source !== 'synthetic') return `source ${String(p.source)}`;
  return undefined;
}

/**
 * Sets the position of each TPS (inserted, or replacing the one it had), all or nothing. Throws
 * UnknownTpsError naming the codes the election does not hold, and an Error for a position that
 * is not one; nothing is written then. Answers the rows written.
 */
export async function setTpsPositions(
  db: Kysely<Database>,
  positions: readonly NewTpsPosition[],
  now: Date,
): Promise<number> {
  for (const p of positions) {
    const bad = badPosition(p);
    if (bad) throw new Error(`TPS ${p.tps}: not a position: ${bad}`);
  }
  // The last position given for a TPS wins, as a second call would.
  const byTps = new Map(positions.map((p) => [p.tps, p]));
  const setAt = now.toISOString();
  const rows = [...byTps.values()].map((p) => ({
    tps_code: p.tps,
    lat: p.lat,
    lng: p.lng,
    source: p.source,
    set_at: setAt,
  }));
  await db.transaction().execute(async (trx) => {
    const codes = [...byTps.keys()];
    const known = new Set<string>();
    for (let i = 0; i < codes.length; i += POSITION_BATCH) {
      const found = await trx
        .selectFrom('tps')
        .select('code')
        .where('code', 'in', codes.slice(i, i + POSITION_BATCH))
        .execute();
      for (const r of found) known.add(r.code);
    }
    const unknown = codes.filter((c) => !known.has(c));
    if (unknown.length > 0) throw new UnknownTpsError(unknown);
    for (let i = 0; i < rows.length; i += POSITION_BATCH)
      await trx
        .insertInto('tps_positions')
        .values(rows.slice(i, i + POSITION_BATCH))
        .onConflict((oc) =>
          oc.column('tps_code').doUpdateSet((eb) => ({
            lat: eb.ref('excluded.lat'),
            lng: eb.ref('excluded.lng'),
            source: eb.ref('excluded.source'),
            set_at: eb.ref('excluded.set_at'),
          })),
        )
        .execute();
  });
  return rows.length;
}

/** `code like 'R.%'` reaches the TPS below R (and, for the nation, every one). */
const below = (region: RegionCode) => `${region}.%`;

/** The positions of the TPS below a region (the nation: all), by TPS code. */
export async function tpsPositionsBelow(
  db: Kysely<Database>,
  region: RegionCode,
): Promise<Map<TpsCode, TpsPosition>> {
  let q = db.selectFrom('tps_positions').select(['tps_code', 'lat', 'lng', 'source']);
  if (region !== NATION_CODE) q = q.where('tps_code', 'like', below(region));
  const out = new Map<TpsCode, TpsPosition>();
  for (const r of await q.orderBy('tps_code').execute())
    if (regionContains(region, r.tps_code as TpsCode))
      out.set(r.tps_code as TpsCode, {
        lat: r.lat,
        lng: r.lng,
        source: r.source as TpsPositionSource,
      });
  return out;
}

export type NamedRegion = { code: RegionCode; name: string };

export type ConnectivityTps = {
  code: TpsCode;
  name: string;
  desa: NamedRegion;
  kecamatan: NamedRegion;
};

export type ConnectivityInputs = {
  region: RegionCode;
  /** The region, its ancestors below the nation and every region below it, by code. */
  regions: Map<RegionCode, { name: string; level: RegionLevel }>;
  /** The TPS below the region, in code order. */
  tps: ConnectivityTps[];
  positions: Map<TpsCode, TpsPosition>;
  /** Every observation of each TPS's phones, in the order received (seq); TPS without: absent. */
  observations: Map<TpsCode, Observed[]>;
  /** When each TPS's first result of the ballot (a KPPS submission) arrived; absent: none yet. */
  firstReceived: Map<TpsCode, string>;
};

/** Observations read per query. */
export const OBSERVATION_PAGE = 5000;

/**
 * Everything the connectivity model needs of a region (a kabupaten or below; the caller bounds
 * it), or undefined when the election has no such region. Run it in a snapshot (store.ts) so the
 * parts agree.
 */
export async function connectivityInputs(
  db: Kysely<Database>,
  region: RegionCode,
  ballot: Ballot,
): Promise<ConnectivityInputs | undefined> {
  if (region === NATION_CODE) throw new Error('connectivityInputs: a region below the nation');
  // The region, its ancestors (a desa's kecamatan) and every region below it, for the names.
  const up: string[] = [];
  for (let r: RegionCode | undefined = region; r && r !== NATION_CODE; r = parentRegion(r))
    up.push(r);
  const regions = await db
    .selectFrom('regions')
    .select(['code', 'name', 'level'])
    .where((eb) => eb.or([eb('code', 'in', up), eb('code', 'like', below(region))]))
    .orderBy('code')
    .execute();
  if (!regions.some((r) => r.code === region)) return undefined;
  const known = new Map<RegionCode, { name: string; level: RegionLevel }>();
  for (const r of regions)
    if (up.includes(r.code) || regionContains(region, r.code as RegionCode))
      known.set(r.code as RegionCode, { name: r.name, level: r.level as RegionLevel });
  const named = (code: string): NamedRegion => ({
    code: code as RegionCode,
    name: known.get(code as RegionCode)?.name ?? code,
  });

  const tpsRows = await db
    .selectFrom('tps')
    .select(['code', 'name', 'desa_code'])
    .where('code', 'like', below(region))
    .orderBy('code')
    .execute();
  const tps = tpsRows
    .filter((t) => regionContains(region, t.code as TpsCode))
    .map((t) => ({
      code: t.code as TpsCode,
      name: t.name,
      desa: named(t.desa_code),
      kecamatan: named(t.desa_code.slice(0, t.desa_code.lastIndexOf('.'))),
    }));

  const positions = await tpsPositionsBelow(db, region);

  const observations = new Map<TpsCode, Observed[]>();
  let after = 0;
  for (;;) {
    const page = await db
      .selectFrom('signal_observations')
      .select([
        'seq',
        'tps_code',
        'at',
        'lat',
        'lng',
        'accuracy_m',
        'connection',
        'rtt_ms',
        'upload_kbps',
        'ok',
        'source',
        'signal_dbm',
      ])
      .where('tps_code', 'like', below(region))
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(OBSERVATION_PAGE)
      .execute();
    for (const r of page) {
      const code = r.tps_code as TpsCode;
      if (!regionContains(region, code)) continue;
      const o: Observed = {
        at: r.at,
        source: r.source === 'survey' ? 'survey' : 'send',
        connection: r.connection as Connection,
        rttMs: r.rtt_ms,
        uploadKbps: r.upload_kbps,
        signalDbm: r.signal_dbm,
        ok: r.ok === 1,
      };
      if (r.lat !== null && r.lng !== null) {
        o.lat = r.lat;
        o.lng = r.lng;
      }
      if (r.accuracy_m !== null) o.accuracyM = r.accuracy_m;
      const list = observations.get(code);
      if (list) list.push(o);
      else observations.set(code, [o]);
    }
    if (page.length < OBSERVATION_PAGE) break;
    after = Number(page[page.length - 1]!.seq);
  }

  const first = await db
    .selectFrom('submissions')
    .select(['tps_code', (eb) => eb.fn.min<string>('received_at').as('first_at')])
    .where('ballot', '=', ballot)
    .where('kind', '=', 'submission')
    .where('tps_code', 'like', below(region))
    .groupBy('tps_code')
    .execute();
  const firstReceived = new Map<TpsCode, string>();
  for (const r of first)
    if (regionContains(region, r.tps_code as TpsCode))
      firstReceived.set(r.tps_code as TpsCode, r.first_at);

  return {
    region,
    regions: known,
    tps,
    positions,
    observations,
    firstReceived,
  };
}
