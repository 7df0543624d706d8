// The blank-spot map's model (issue 14, docs/design/blank-spot-map.md): each TPS of a region with
// its position, its connectivity class (src/core/connectivity.ts), its last observation, its
// sending point (src/core/sending-plan.ts) and whether its result of the ballot has arrived, and
// per desa the counts that shade its polygon. The map route (connectivity.ts), the plan exports
// and election night's late list all start from this one answer.
//
// Recomputed on each call from the stored observations and the time: nothing is cached or stored.
// A kabupaten is the largest region it answers for (2,000-odd TPS); above it the answer would be
// hundreds of thousands of points that help nobody. Sending points come from the observations of
// the whole kabupaten that holds the region: the nearest good signal may lie across a kecamatan
// or desa border.
//
// Public answers (`exact` false) round every position, the TPS's and the sending point's, to
// 0.01 degree as the public observations are (signal.ts publicPosition), and the distance, bearing
// and travel time are those between the rounded points: no figure of the answer is more precise
// than its positions, so none gives back where an officer's phone was.
import {
  atTps,
  bearingDeg,
  classifyTps,
  compassPoint,
  distanceKm,
  surveyPosition,
  type LatLng,
  type Observed,
} from '../core/connectivity.ts';
import {
  isCandidate,
  SendingPoints,
  travelMinutes,
  type Candidate,
  type SendingPointFound,
} from '../core/sending-plan.ts';
import type { Ballot } from '../core/ballots.ts';
import { regionContains, regionLevel, type RegionCode } from '../core/codes.ts';
import { err, ok, type Result } from '../core/result.ts';
import type {
  ConnectivityClassName,
  ConnectivityCounts,
  ConnectivityMap,
  SendingPoint,
  TpsConnectivity,
} from '../contract/connectivity.ts';
import type { ConnectivityInputs } from '../store/connectivity.ts';
import type { Store } from '../store/store.ts';
import { apiError, type ApiError } from './errors.ts';
import { publicPosition } from './signal.ts';

export type ConnectivityOptions = {
  /** The time the classes are computed at (observations lose weight with age). */
  now: Date;
  /** Exact positions (a logged-in operator of the region); false: rounded to 0.01 degree. */
  exact: boolean;
};

/** One feature of the map: a TPS's point (or none) and its properties. */
export type ConnectivityFeature = ConnectivityMap['features'][number];

const noCounts = (): ConnectivityCounts => ({ good: 0, weak: 0, none: 0, unknown: 0 });

/** The kabupaten that holds a region of kabupaten level or below (`16.08.01.1001` -> `16.08`). */
export const kabupatenOf = (region: RegionCode): RegionCode =>
  region.split('.').slice(0, 2).join('.') as RegionCode;

/**
 * Why a region is too large for the map (nasional, provinsi), or undefined. The code is a parsed
 * region code.
 */
export function tooLarge(region: RegionCode): ApiError | undefined {
  const level = regionLevel(region);
  if (level !== 'nasional' && level !== 'provinsi') return undefined;
  return apiError(
    'region_too_large',
    `${region} is a ${level}: the connectivity map is drawn for a kabupaten or a region below it (choose a kabupaten, kecamatan or desa)`,
  );
}

/** A public position: rounded as the public observations are. */
const shown = (p: LatLng, exact: boolean): LatLng => {
  if (exact) return { lat: p.lat, lng: p.lng };
  const r = publicPosition({ lat: p.lat, lng: p.lng });
  return { lat: r.lat, lng: r.lng };
};

/** The sending point as the answer gives it, measured from the TPS's point as shown. */
function sendingPointOf(from: LatLng, found: SendingPointFound, exact: boolean): SendingPoint {
  const at = shown(found, exact);
  const d = exact ? found.distanceKm : distanceKm(from, at);
  const bearing = exact ? found.bearingDeg : d === 0 ? 0 : bearingDeg(from, at);
  return {
    lat: at.lat,
    lng: at.lng,
    distanceKm: d,
    bearingDeg: bearing,
    direction: compassPoint(bearing),
    travelMinutes: exact ? found.travelMinutes : travelMinutes(d),
    measuredAt: found.at,
    measuredBy: found.by,
    connection: found.connection,
  };
}

/** The newest of the observations made at the TPS, or undefined. */
function lastAtTps(observations: readonly Observed[], position?: LatLng): Observed | undefined {
  let last: Observed | undefined;
  let lastMs = -Infinity;
  for (const o of observations) {
    if (!atTps(o, position)) continue;
    const t = Date.parse(o.at);
    if (t >= lastMs) {
      last = o;
      lastMs = t;
    }
  }
  return last;
}

/** The good-signal points of every TPS of the inputs, indexed once (only when some TPS asks). */
function candidatesOf(inputs: ConnectivityInputs): SendingPoints {
  const candidates: Candidate[] = [];
  for (const [tps, observations] of inputs.observations)
    for (const o of observations)
      if (isCandidate(o))
        candidates.push({
          lat: o.lat as number,
          lng: o.lng as number,
          at: o.at,
          by: tps,
          connection: o.connection,
        });
  return SendingPoints.of(candidates);
}

/**
 * The connectivity map of a region (kabupaten, kecamatan or desa) for a ballot: a GeoJSON
 * FeatureCollection of its TPS (ConnectivityMap, src/contract/connectivity.ts) with the counts per
 * class overall and per desa. Refuses a region above kabupaten (`region_too_large`) and one the
 * election does not hold (`unknown_region`).
 */
export async function connectivityOf(
  store: Store,
  region: RegionCode,
  ballot: Ballot,
  { now, exact }: ConnectivityOptions,
): Promise<Result<ConnectivityMap, ApiError>> {
  const large = tooLarge(region);
  if (large) return err(large);
  const inputs = await store.connectivityInputs(kabupatenOf(region), ballot);
  if (!inputs?.regions.has(region))
    return err(apiError('unknown_region', `no region ${region} in this election`));
  let points: SendingPoints | undefined;
  const counts = noCounts();
  const byDesa = new Map<string, { tps: number; counts: ConnectivityCounts }>();
  const features: ConnectivityFeature[] = [];
  for (const t of inputs.tps) {
    if (!regionContains(region, t.code)) continue;
    const observations = inputs.observations.get(t.code) ?? [];
    const registered = inputs.positions.get(t.code);
    const surveyed = registered ? undefined : surveyPosition(observations);
    const position: LatLng | undefined = registered ?? surveyed;
    const positionSource = registered ? registered.source : surveyed ? 'survey' : null;
    const c = classifyTps(observations, now, position);
    const cls: ConnectivityClassName = c.class;
    const point = position ? shown(position, exact) : undefined;
    let sendingPoint: SendingPoint | null = null;
    if (position && point && (cls === 'none' || cls === 'weak')) {
      points ??= candidatesOf(inputs);
      const found = points.nearest(position);
      if (found) sendingPoint = sendingPointOf(point, found, exact);
    }
    const last = lastAtTps(observations, position);
    const receivedAt = inputs.firstReceived.get(t.code) ?? null;
    const properties: TpsConnectivity = {
      tps: t.code,
      name: t.name,
      desa: t.desa.name,
      kecamatan: t.kecamatan.name,
      class: cls,
      score: c.score === null ? null : Math.min(1, Math.max(0, c.score)),
      observations: c.used,
      positionSource,
      lastObservation: last
        ? {
            at: last.at,
            source: last.source,
            connection: last.connection,
            rttMs: last.rttMs,
            uploadKbps: last.uploadKbps,
            signalDbm: last.signalDbm ?? null,
            ok: last.ok,
          }
        : null,
      sendingPoint,
      upload: { sent: receivedAt !== null, receivedAt },
    };
    features.push({
      type: 'Feature',
      geometry: point ? { type: 'Point', coordinates: [point.lng, point.lat] } : null,
      properties,
    });
    counts[cls]++;
    let d = byDesa.get(t.desa.code);
    if (!d) byDesa.set(t.desa.code, (d = { tps: 0, counts: noCounts() }));
    d.tps++;
    d.counts[cls]++;
  }
  const desa: ConnectivityMap['desa'] = [];
  for (const [code, r] of inputs.regions) {
    if (r.level !== 'desa' || !regionContains(region, code)) continue;
    const d = byDesa.get(code) ?? { tps: 0, counts: noCounts() };
    desa.push({
      code,
      name: r.name,
      tps: d.tps,
      counts: d.counts,
      blankShare: d.tps === 0 ? 0 : d.counts.none / d.tps,
    });
  }
  desa.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return ok({
    type: 'FeatureCollection',
    region,
    ballot,
    generatedAt: now.toISOString(),
    exact,
    counts,
    desa,
    features,
  });
}
