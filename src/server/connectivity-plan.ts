// The sending-point plan and election night's late list over HTTP (issue 14,
// docs/design/blank-spot-map.md "Interfaces"): GET /api/v1/connectivity/{code}/plan.csv,
// plan.geojson and plan.pdf, one row per TPS of class none or weak with its sending point, made
// from the same connectivity map as GET /api/v1/connectivity/{code} (so its values are the map's,
// and its positions are rounded the same way unless a logged-in operator of the region asks for
// ?exact=1); and GET /api/v1/connectivity/{code}/late, the TPS not yet sent by class and hours
// late and the blank-spot TPS to chase (src/core/late.ts), always from the public positions.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ConnectivityPlanSchema,
  type ConnectivityLate,
  type ConnectivityMap,
  type ConnectivityPlan,
  type PlanRow,
} from '../contract/connectivity.ts';
import { lateReport } from '../core/late.ts';
import type { Ballot } from '../core/ballots.ts';
import type { RegionCode } from '../core/codes.ts';
import type { Result } from '../core/result.ts';
import { csvLine } from '../store/export.ts';
import type { Store } from '../store/store.ts';
import { connectivityCache, connectivityQuery } from './connectivity.ts';
import { connectivityOf } from './connectivity-model.ts';
import type { ApiError } from './errors.ts';
import { sendError } from './errors.ts';
import { renderPlanPdf } from './plan-pdf.ts';

export const PLAN_PATHS = {
  csv: '/api/v1/connectivity/:code/plan.csv',
  geojson: '/api/v1/connectivity/:code/plan.geojson',
  pdf: '/api/v1/connectivity/:code/plan.pdf',
  late: '/api/v1/connectivity/:code/late',
} as const;

type Feature = ConnectivityMap['features'][number];

/** The CSV's header: the plan row's fields, in snake case. */
export const PLAN_CSV_COLUMNS = [
  'tps',
  'name',
  'desa_code',
  'desa_name',
  'kecamatan_code',
  'kecamatan_name',
  'class',
  'score',
  'tps_lat',
  'tps_lng',
  'send_lat',
  'send_lng',
  'distance_km',
  'bearing_deg',
  'direction',
  'travel_minutes',
  'measured_at',
  'measured_by',
] as const;

/** The plan as CSV (RFC 4180: CRLF, quoted where needed), with a header row. */
export function planCsv(rows: readonly PlanRow[]): string {
  return (
    csvLine(PLAN_CSV_COLUMNS) +
    rows
      .map((r) =>
        csvLine([
          r.tps,
          r.name,
          r.desaCode,
          r.desaName,
          r.kecamatanCode,
          r.kecamatanName,
          r.class,
          r.score,
          r.lat,
          r.lng,
          r.sendLat,
          r.sendLng,
          r.distanceKm,
          r.bearingDeg,
          r.direction,
          r.travelMinutes,
          r.measuredAt,
          r.measuredBy,
        ]),
      )
      .join('')
  );
}

/** The plan as GeoJSON: a point per row, and a line from each TPS with a position to its sending
 *  point. */
export function planGeoJson(map: ConnectivityMap, rows: readonly PlanRow[]): ConnectivityPlan {
  const features: ConnectivityPlan['features'] = [];
  for (const r of rows) {
    const at: [number, number] | null = r.lat !== null && r.lng !== null ? [r.lng, r.lat] : null;
    features.push({
      type: 'Feature',
      geometry: at ? { type: 'Point', coordinates: at } : null,
      properties: { kind: 'tps', ...r },
    });
    if (at && r.sendLat !== null && r.sendLng !== null && r.direction !== null)
      features.push({
        type: 'Feature',
        geometry: { type: 'LineString', coordinates: [at, [r.sendLng, r.sendLat]] },
        properties: {
          kind: 'route',
          tps: r.tps,
          distanceKm: r.distanceKm ?? 0,
          direction: r.direction,
          travelMinutes: r.travelMinutes ?? 0,
        },
      });
  }
  return ConnectivityPlanSchema.parse({
    type: 'FeatureCollection',
    region: map.region,
    ballot: map.ballot,
    generatedAt: map.generatedAt,
    exact: map.exact,
    features,
  });
}

/** Election night's late list of a connectivity map at `now`. */
export function lateOf(map: ConnectivityMap, now: Date): ConnectivityLate {
  return {
    region: map.region,
    ballot: map.ballot,
    ...lateReport(
      map.features.map((f: Feature) => f.properties),
      now,
    ),
  };
}

/** The parent code of a TPS or region code (`16.08.01.1001.001` -> `16.08.01.1001`). */
const parentCode = (code: string) => code.slice(0, code.lastIndexOf('.'));

/** The plan's rows of a connectivity map: its TPS of class none or weak, in the map's order. */
export function planRows(map: ConnectivityMap): PlanRow[] {
  const rows: PlanRow[] = [];
  for (const f of map.features) {
    const p = f.properties;
    if (p.class !== 'none' && p.class !== 'weak') continue;
    const s = p.sendingPoint;
    const desaCode = parentCode(p.tps);
    rows.push({
      tps: p.tps,
      name: p.name,
      desaCode,
      desaName: p.desa,
      kecamatanCode: parentCode(desaCode),
      kecamatanName: p.kecamatan,
      class: p.class,
      score: p.score,
      lat: f.geometry ? f.geometry.coordinates[1] : null,
      lng: f.geometry ? f.geometry.coordinates[0] : null,
      sendLat: s?.lat ?? null,
      sendLng: s?.lng ?? null,
      distanceKm: s?.distanceKm ?? null,
      bearingDeg: s?.bearingDeg ?? null,
      direction: s?.direction ?? null,
      travelMinutes: s?.travelMinutes ?? null,
      measuredAt: s?.measuredAt ?? null,
      measuredBy: s?.measuredBy ?? null,
    });
  }
  return rows;
}

type Params = { Params: { code: string } };

export function registerConnectivityPlan(
  app: FastifyInstance,
  deps: { store: Store; clock?: () => Date },
): void {
  const { store } = deps;
  const clock = deps.clock ?? (() => new Date());

  /** The region's map as the request asks for it (exact only for an operator of the region). */
  const mapOf = async (
    req: FastifyRequest,
    code: string,
    forceExact?: false,
  ): Promise<Result<ConnectivityMap, ApiError>> => {
    const q = await connectivityQuery(req, code);
    if (!q.ok) return q;
    return connectivityOf(store, q.value.region, q.value.ballot, {
      now: clock(),
      exact: forceExact ?? q.value.exact,
    });
  };
  const fileName = (map: ConnectivityMap, ext: string) =>
    `rencana-titik-kirim-${map.region}-${map.ballot}.${ext}`;

  app.get<Params>(PLAN_PATHS.csv, async (req, reply) => {
    const map = await mapOf(req, req.params.code);
    if (!map.ok) return sendError(reply, map.error);
    return reply
      .header('cache-control', connectivityCache(map.value.exact))
      .header('vary', 'cookie')
      .header('content-disposition', `attachment; filename="${fileName(map.value, 'csv')}"`)
      .type('text/csv; charset=utf-8; header=present')
      .send(planCsv(planRows(map.value)));
  });

  app.get<Params>(PLAN_PATHS.geojson, async (req, reply) => {
    const map = await mapOf(req, req.params.code);
    if (!map.ok) return sendError(reply, map.error);
    return reply
      .header('cache-control', connectivityCache(map.value.exact))
      .header('vary', 'cookie')
      .header('content-disposition', `attachment; filename="${fileName(map.value, 'geojson')}"`)
      .type('application/geo+json; charset=utf-8')
      .send(JSON.stringify(planGeoJson(map.value, planRows(map.value))));
  });

  app.get<Params>(PLAN_PATHS.pdf, async (req, reply) => {
    const map = await mapOf(req, req.params.code);
    if (!map.ok) return sendError(reply, map.error);
    const region = await regionNamed(store, map.value);
    const pdf = await renderPlanPdf({
      region,
      ballot: map.value.ballot,
      generatedAt: map.value.generatedAt,
      exact: map.value.exact,
      rows: planRows(map.value),
    });
    return reply
      .header('cache-control', connectivityCache(map.value.exact))
      .header('vary', 'cookie')
      .header('content-disposition', `inline; filename="${fileName(map.value, 'pdf')}"`)
      .type('application/pdf')
      .send(Buffer.from(pdf));
  });

  // Always from the public positions: it says no more than the public map does.
  app.get<Params>(PLAN_PATHS.late, async (req, reply) => {
    const map = await mapOf(req, req.params.code, false);
    if (!map.ok) return sendError(reply, map.error);
    return reply.header('cache-control', 'no-cache').send(lateOf(map.value, clock()));
  });
}

/** The region's code and name, for the PDF's header (the map's region and ballot are the
 *  parsed ones of the request). */
async function regionNamed(
  store: Store,
  map: ConnectivityMap,
): Promise<{ code: string; name: string }> {
  const result = await store.regionResult(map.region as RegionCode, map.ballot as Ballot);
  return { code: map.region, name: result?.name ?? map.region };
}
