// The demo's TPS positions and its simulated signal survey (issue 14, docs/design/blank-spot-map.md).
// Both are SYNTHETIC. Each TPS of OKU Timur is placed at a seeded point inside its real desa
// polygon (src/demo/data/okutimur-geo.json), more of them near the desa's centre; and a survey
// like the one the communications office made before the 2024 count is simulated from a made-up
// but believable geography:
//
// - each kecamatan's town (its kelurahan, or the desa nearest the kecamatan's centre) has a tower,
//   Martapura, the kabupaten's seat, a stronger one; towers also stand along "roads" joining the
//   towns (the shortest tree that joins them, and a few more links);
// - signal falls with the distance to the nearest tower (4G near it, then 3G, 2G, nothing), shaded
//   per desa (plantation, swamp, river valley) and per TPS;
// - a few clusters of desa far from the towns are true blank spots (no signal at all), each desa
//   with a good point a few km away toward its town (a hill, a market), where the officers walk
//   out to send: their attempts on the way and the one that goes through are the send
//   observations. Nothing else sends (the survey is days before the election).
//
// Per TPS, 2 to 4 survey observations 3 to 10 days before `now`, at the TPS (jittered by a few
// metres, accuracy 5-30 m); signal strength (dBm) where the surveyor carried a native survey tool.
// Pure and seeded: the same seed and `now` give the same answer. Under the design's thresholds
// (src/core/connectivity.ts) about two thirds of the TPS come out good, a quarter weak and one in
// twenty a blank spot.
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { RegionCode, TpsCode } from '../core/codes.ts';
import { distanceKm, type Connection, type LatLng } from '../core/connectivity.ts';
import type { ElectionSetup } from '../core/election.ts';
import { createRandom, type Random } from '../core/random.ts';
import { DEMO_SEED } from './okutimur.ts';

export const DEMO_GEO_URL = new URL('./data/okutimur-geo.json', import.meta.url);

const Position = z.tuple([z.number(), z.number()]);
const Ring = z.array(Position).min(4);
const GeoFeatureSchema = z.object({
  properties: z.object({ code: z.string(), name: z.string(), pt: Position }),
  geometry: z.discriminatedUnion('type', [
    z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) }),
    z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1)) }),
  ]),
});
const DemoGeoSchema = z.object({
  levels: z.object({ kecamatan: z.array(GeoFeatureSchema), desa: z.array(GeoFeatureSchema) }),
});

/** A region's polygon as the demo uses it: rings of [lng, lat], each polygon's outer ring first. */
type Area = {
  code: string;
  name: string;
  /** The region's centre as the geo file gives it. */
  pt: LatLng;
  /** Every ring of every polygon: a point is inside when an odd number of them enclose it. */
  rings: [number, number][][];
  bbox: { minLng: number; maxLng: number; minLat: number; maxLat: number };
};

function toArea(f: z.infer<typeof GeoFeatureSchema>): Area {
  const polygons =
    f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  const rings = polygons.flat();
  const bbox = { minLng: Infinity, maxLng: -Infinity, minLat: Infinity, maxLat: -Infinity };
  for (const ring of rings)
    for (const [lng, lat] of ring) {
      bbox.minLng = Math.min(bbox.minLng, lng);
      bbox.maxLng = Math.max(bbox.maxLng, lng);
      bbox.minLat = Math.min(bbox.minLat, lat);
      bbox.maxLat = Math.max(bbox.maxLat, lat);
    }
  const [lng, lat] = f.properties.pt;
  return { code: f.properties.code, name: f.properties.name, pt: { lat, lng }, rings, bbox };
}

type DemoGeo = { kecamatan: Map<string, Area>; desa: Map<string, Area> };
let cachedGeo: DemoGeo | undefined;

/** The committed polygons of OKU Timur's kecamatan and desa, validated once. */
function demoGeo(): DemoGeo {
  if (!cachedGeo) {
    const { levels } = DemoGeoSchema.parse(JSON.parse(readFileSync(DEMO_GEO_URL, 'utf8')));
    const byCode = (fs: z.infer<typeof GeoFeatureSchema>[]) =>
      new Map(fs.map((f) => [f.properties.code, toArea(f)]));
    cachedGeo = { kecamatan: byCode(levels.kecamatan), desa: byCode(levels.desa) };
  }
  return cachedGeo;
}

/** Whether the point lies inside the area (even-odd rule over all its rings, so holes and the
 *  parts of a multipolygon both count right). */
export function insideArea(area: Pick<Area, 'rings'>, p: LatLng): boolean {
  let inside = false;
  for (const ring of area.rings)
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i] as [number, number];
      const [xj, yj] = ring[j] as [number, number];
      if (yi > p.lat !== yj > p.lat && p.lng < ((xj - xi) * (p.lat - yi)) / (yj - yi) + xi)
        inside = !inside;
    }
  return inside;
}

/** The polygon of a demo desa (for tests and the map's checks); undefined for an unknown code. */
export function demoDesaArea(
  code: string,
): Pick<Area, 'code' | 'name' | 'pt' | 'rings'> | undefined {
  return demoGeo().desa.get(code);
}

export type DemoTpsPosition = { tps: TpsCode; lat: number; lng: number };

function desaOf(tps: TpsCode): RegionCode {
  return tps.slice(0, tps.lastIndexOf('.')) as RegionCode;
}

/** Rounds to 6 decimals (about 0.1 m), as a phone's fix reads. */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A seeded point inside the area: half of the draws around its centre (normal, a quarter of the
 *  box's size), half anywhere in its box; each kept only when it falls inside the polygon. */
function pointIn(area: Area, rnd: Random): LatLng {
  const { minLng, maxLng, minLat, maxLat } = area.bbox;
  const sdLng = (maxLng - minLng) / 4;
  const sdLat = (maxLat - minLat) / 4;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const near = attempt < 200 && rnd.chance(0.5);
    const p = near
      ? { lat: rnd.normal(area.pt.lat, sdLat), lng: rnd.normal(area.pt.lng, sdLng) }
      : { lat: rnd.uniform(minLat, maxLat), lng: rnd.uniform(minLng, maxLng) };
    const q = { lat: round6(p.lat), lng: round6(p.lng) };
    if (insideArea(area, q)) return q;
  }
  throw new Error(`demo: no point found inside the polygon of desa ${area.code}`);
}

/**
 * A synthetic position for every TPS of the demo election: a seeded point inside its desa's
 * polygon, spread over the desa with more near its centre. Deterministic for a seed (default
 * DEMO_SEED). Throws when a desa of the election has no polygon in the geo file.
 */
export function demoTpsPositions(
  setup: ElectionSetup,
  opts: { seed?: number } = {},
): DemoTpsPosition[] {
  const geo = demoGeo();
  const rnd = createRandom(opts.seed ?? DEMO_SEED).fork('tps-positions');
  return setup.tps.map((t) => {
    const desa = desaOf(t.code);
    const area = geo.desa.get(desa);
    if (!area)
      throw new Error(`demo: desa ${desa} of TPS ${t.code} has no polygon in the geo file`);
    return { tps: t.code, ...pointIn(area, rnd) };
  });
}

/** One observation of the simulated survey: the shape `POST /api/v1/signal/observations` takes
 *  (src/contract/kpps.ts SignalObservationSchema) and the store records. */
export type DemoObservation = {
  tps: TpsCode;
  at: string;
  lat: number;
  lng: number;
  accuracyM: number;
  connection: Connection;
  rttMs: number | null;
  uploadKbps: number | null;
  bytes: number;
  ok: boolean;
  source: 'send' | 'survey';
  signalDbm?: number;
};

/** The numbers of the simulated geography, in one place. */
export const SURVEY_MODEL = {
  /** Signal next to a town's tower (dBm); Martapura's is stronger by `seatBoostDb`. */
  towerDbm: -62,
  seatBoostDb: 4,
  /** Towers along the roads stand farther from the houses than the town's: this many km more. */
  roadOffsetKm: 1.5,
  /** Far from every town and road the tall towers of the neighbouring kabupaten still reach
   *  (2G, slowly): a TPS's signal never falls below this (dBm). */
  floorDbm: -111,
  /** dB lost per decade of distance (1 + km). */
  lossPerDecade: 50.5,
  /** Shading of a desa (terrain, plantations) and of a TPS within it: normal, sd in dB. */
  desaShadeSd: 4,
  tpsShadeSd: 2.5,
  /** One reading varies around its TPS's mean by this (sd, dB). */
  readingSd: 4,
  /** Links added to the tree of roads: the shortest ones not in it. */
  extraRoads: 4,
  /** Blank-spot clusters: how many, how many TPS in all (share), and how far from a town their
   *  first desa lies at least (km). */
  blankClusters: 4,
  blankShare: 0.032,
  blankMinTownKm: 6,
  /** A cluster starts at least this far (km) from the desa of the clusters made before it. */
  blankApartKm: 10,
  /** Only desa at most this many km across are blank (their TPS are within a walk of its good
   *  point). */
  blankMaxDesaKm: 8,
  /** A blank desa's good point lies this far from the middle of its TPS toward its town (km),
   *  and at least `goodPointAwayKm` from each of them. */
  goodPointKm: { min: 2.5, max: 5 },
  goodPointAwayKm: 1.5,
  /** The survey was made this many days before `now`. */
  surveyDaysBefore: { min: 3, max: 10 },
} as const;

const M = SURVEY_MODEL;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Flat projection around OKU Timur (km): good to a fraction of a percent over a kabupaten. */
const KM_PER_DEG_LAT = 110.57;
const kmPerDegLng = (lat: number) => 111.32 * Math.cos((lat * Math.PI) / 180);

/** Distance from p to the segment ab, km (flat projection at p's latitude). */
function segmentKm(p: LatLng, a: LatLng, b: LatLng): number {
  const kx = kmPerDegLng(p.lat);
  const ax = (a.lng - p.lng) * kx;
  const ay = (a.lat - p.lat) * KM_PER_DEG_LAT;
  const bx = (b.lng - p.lng) * kx;
  const by = (b.lat - p.lat) * KM_PER_DEG_LAT;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

type Town = { kecamatan: string; at: LatLng; boostDb: number };

/** Each kecamatan's town: the kelurahan whose centre lies nearest the kecamatan's (only
 *  Martapura, the kabupaten's seat, has kelurahan), or else the desa nearest it. */
function towns(geo: DemoGeo): Town[] {
  const out: Town[] = [];
  for (const kec of geo.kecamatan.values()) {
    const desa = [...geo.desa.values()].filter((d) => d.code.startsWith(`${kec.code}.`));
    // A kelurahan's own number starts with 1 (1001-1999), a desa's with 2.
    const kelurahan = desa.filter((d) => d.code.slice(d.code.lastIndexOf('.') + 1).startsWith('1'));
    const pool = kelurahan.length > 0 ? kelurahan : desa;
    let best: Area | undefined;
    for (const d of pool)
      if (!best || distanceKm(d.pt, kec.pt) < distanceKm(best.pt, kec.pt)) best = d;
    out.push({
      kecamatan: kec.code,
      at: best ? best.pt : kec.pt,
      boostDb: kec.code === '16.08.01' ? M.seatBoostDb : 0,
    });
  }
  return out;
}

/** The roads: the shortest tree joining the towns (Prim), and the shortest few links besides. */
function roads(ts: Town[]): [LatLng, LatLng][] {
  const out: [LatLng, LatLng][] = [];
  const used = new Set<string>();
  const inTree = new Set<number>([0]);
  while (inTree.size < ts.length) {
    let best: [number, number, number] | undefined;
    for (const i of inTree)
      for (let j = 0; j < ts.length; j++) {
        if (inTree.has(j)) continue;
        const d = distanceKm((ts[i] as Town).at, (ts[j] as Town).at);
        if (!best || d < best[2]) best = [i, j, d];
      }
    if (!best) break;
    inTree.add(best[1]);
    used.add(`${Math.min(best[0], best[1])}-${Math.max(best[0], best[1])}`);
    out.push([(ts[best[0]] as Town).at, (ts[best[1]] as Town).at]);
  }
  const others: [number, number, number][] = [];
  for (let i = 0; i < ts.length; i++)
    for (let j = i + 1; j < ts.length; j++)
      if (!used.has(`${i}-${j}`))
        others.push([i, j, distanceKm((ts[i] as Town).at, (ts[j] as Town).at)]);
  others.sort((a, b) => a[2] - b[2]);
  for (const [i, j] of others.slice(0, M.extraRoads))
    out.push([(ts[i] as Town).at, (ts[j] as Town).at]);
  return out;
}

/** The mean signal at a point from the towers of the towns and the roads (dBm), before shading. */
function towerDbm(p: LatLng, ts: Town[], rs: [LatLng, LatLng][]): number {
  const loss = (km: number) => M.lossPerDecade * Math.log10(1 + km);
  let best = -Infinity;
  for (const t of ts) best = Math.max(best, M.towerDbm + t.boostDb - loss(distanceKm(p, t.at)));
  for (const [a, b] of rs)
    best = Math.max(best, M.towerDbm - loss(segmentKm(p, a, b) + M.roadOffsetKm));
  return best;
}

function nearestTown(p: LatLng, ts: Town[]): Town {
  let best = ts[0] as Town;
  for (const t of ts) if (distanceKm(p, t.at) < distanceKm(p, best.at)) best = t;
  return best;
}

/** The point `km` from `from` toward `to` (flat projection). */
function toward(from: LatLng, to: LatLng, km: number): LatLng {
  const total = distanceKm(from, to);
  const f = total === 0 ? 0 : Math.min(1, km / total);
  return { lat: from.lat + (to.lat - from.lat) * f, lng: from.lng + (to.lng - from.lng) * f };
}

/** The larger side of an area's box, km. */
function spanKm(area: Area): number {
  const { minLng, maxLng, minLat, maxLat } = area.bbox;
  return Math.max(
    (maxLng - minLng) * kmPerDegLng((minLat + maxLat) / 2),
    (maxLat - minLat) * KM_PER_DEG_LAT,
  );
}

/**
 * The blank spots: clusters of neighbouring desa far from any town, together about `blankShare`
 * of the TPS. Each starts at a seeded desa at least `blankMinTownKm` from its town and takes its
 * nearest neighbours until it has its share. Only desa at most `blankMaxDesaKm` across take
 * part, so that each of their TPS lies within a walk of the desa's good point. The blank desa.
 */
function blankDesa(
  geo: DemoGeo,
  ts: Town[],
  tpsPerDesa: Map<string, number>,
  totalTps: number,
  rnd: Random,
): Set<string> {
  const desa = [...geo.desa.values()].filter(
    (d) => tpsPerDesa.has(d.code) && spanKm(d) <= M.blankMaxDesaKm,
  );
  const far = desa.filter((d) => distanceKm(d.pt, nearestTown(d.pt, ts).at) >= M.blankMinTownKm);
  const perCluster = (M.blankShare * totalTps) / M.blankClusters;
  const taken = new Set<string>();
  let clusters = 0;
  for (const start of rnd.shuffle(far)) {
    if (clusters >= M.blankClusters) break;
    // Apart from the clusters already made, so each is a place of its own.
    if ([...taken].some((d) => distanceKm((geo.desa.get(d) as Area).pt, start.pt) < M.blankApartKm))
      continue;
    clusters++;
    let count = 0;
    const byDistance = desa
      .filter((d) => !taken.has(d.code))
      .sort((a, b) => distanceKm(a.pt, start.pt) - distanceKm(b.pt, start.pt));
    for (const d of byDistance) {
      const n = tpsPerDesa.get(d.code) ?? 0;
      if (count >= perCluster) break;
      // A desa that would overshoot the share by far is left to its neighbours.
      if (count > 0 && count + n > perCluster * 1.3) continue;
      taken.add(d.code);
      count += n;
    }
  }
  return taken;
}

/**
 * A blank desa's good point (a hill, a market by the road): a few km (`goodPointKm`) from the
 * middle of its TPS toward the nearest town, and farther when that would lie within
 * `goodPointAwayKm` of one of its TPS (within 1 km a send counts as made at the TPS).
 */
function goodPoint(tps: readonly LatLng[], ts: Town[], rnd: Random): LatLng {
  const centre = {
    lat: tps.reduce((s, p) => s + p.lat, 0) / tps.length,
    lng: tps.reduce((s, p) => s + p.lng, 0) / tps.length,
  };
  const town = nearestTown(centre, ts).at;
  let km = rnd.uniform(M.goodPointKm.min, M.goodPointKm.max);
  let point = toward(centre, town, km);
  while (km < M.goodPointKm.max * 2 && tps.some((p) => distanceKm(p, point) < M.goodPointAwayKm)) {
    km += 0.5;
    point = toward(centre, town, km);
  }
  return point;
}

/** What a phone reads at a signal of `dbm`: the connection, whether the probe went through, its
 *  round trip and upload. */
function reading(
  dbm: number,
  rnd: Random,
): Pick<DemoObservation, 'connection' | 'ok' | 'rttMs' | 'uploadKbps'> {
  let connection: Connection;
  let pOk: number;
  if (dbm >= -95) {
    connection = rnd.chance(0.9) ? '4g' : '3g';
    pOk = 0.99;
  } else if (dbm >= -104) {
    connection = rnd.chance(0.4) ? '4g' : '3g';
    pOk = 0.97;
  } else if (dbm >= -112) {
    connection = rnd.chance(0.4) ? '3g' : '2g';
    pOk = 0.99;
  } else if (dbm >= -120) {
    connection = '2g';
    pOk = 0.95;
  } else if (dbm >= -124) {
    connection = '2g';
    pOk = 0.6;
  } else {
    connection = 'none';
    pOk = 0;
  }
  if (!rnd.chance(pOk)) return { connection, ok: false, rttMs: null, uploadKbps: null };
  // Below -100 dBm every 5 dB doubles the round trip and halves the upload (retransmissions).
  const fade = Math.pow(2, Math.max(0, -100 - dbm) / 5);
  const [rtt, up] =
    connection === '4g'
      ? [rnd.uniform(50, 180), rnd.uniform(1500, 12000)]
      : connection === '3g'
        ? [rnd.uniform(150, 450), rnd.uniform(300, 2000)]
        : [rnd.uniform(500, 1200), rnd.uniform(20, 90)];
  return {
    connection,
    ok: true,
    rttMs: Math.round(Math.min(rtt * fade, 60_000)),
    uploadKbps: Math.max(1, Math.round(up / fade)),
  };
}

/** A point `sdM` metres (normal, per axis) around p. */
function jitter(p: LatLng, sdM: number, rnd: Random): LatLng {
  return {
    lat: round6(p.lat + rnd.normal(0, sdM) / (KM_PER_DEG_LAT * 1000)),
    lng: round6(p.lng + rnd.normal(0, sdM) / (kmPerDegLng(p.lat) * 1000)),
  };
}

/** The survey's probe: 64 KiB up when it went through. */
const PROBE_BYTES = 64 * 1024;

/**
 * The simulated survey of the demo's TPS (see the head of this file): 2 to 4 survey observations
 * per TPS at its position, made 3 to 10 days before `now`, and, for the TPS of the blank spots,
 * the send attempts of their officers on the way to their desa's good point and at it.
 * Deterministic for a seed and `now`. Every time lies between `now` minus 11 days and `now`
 * minus 2 days; `now` must be in 2024 or later (the server refuses earlier observations).
 */
export function demoSignalSurvey(
  setup: ElectionSetup,
  positions: readonly DemoTpsPosition[],
  opts: { seed?: number; now: Date },
): DemoObservation[] {
  const nowMs = opts.now.getTime();
  if (!(nowMs - (M.surveyDaysBefore.max + 1) * DAY_MS >= Date.parse('2024-01-01T00:00:00+09:00')))
    throw new Error('demo: the survey needs `now` in 2024 or later');
  const geo = demoGeo();
  const rnd = createRandom(opts.seed ?? DEMO_SEED).fork('signal-survey');
  const ts = towns(geo);
  const rs = roads(ts);
  const at = new Map(positions.map((p) => [p.tps, p]));
  const tpsPerDesa = new Map<string, number>();
  for (const t of setup.tps) {
    const d = desaOf(t.code);
    tpsPerDesa.set(d, (tpsPerDesa.get(d) ?? 0) + 1);
  }
  const blank = blankDesa(geo, ts, tpsPerDesa, setup.tps.length, rnd.fork('blank'));
  const hills = rnd.fork('good-points');
  const goodPoints = new Map<string, LatLng>();
  for (const d of [...blank].sort()) {
    const own = positions.filter((p) => desaOf(p.tps) === d);
    if (own.length > 0) goodPoints.set(d, goodPoint(own, ts, hills));
  }
  const desaShade = new Map<string, number>();
  for (const d of [...tpsPerDesa.keys()].sort()) desaShade.set(d, rnd.normal(0, M.desaShadeSd));
  // Per desa: whether its surveyor carried a native tool that reads signal strength.
  const toolOf = new Map<string, boolean>();
  for (const d of [...tpsPerDesa.keys()].sort()) toolOf.set(d, rnd.chance(0.6));

  const out: DemoObservation[] = [];
  for (const t of setup.tps) {
    const p = at.get(t.code);
    if (!p) continue;
    const desa = desaOf(t.code);
    const hill = goodPoints.get(desa);
    const mean = hill
      ? -130
      : Math.max(
          M.floorDbm,
          towerDbm(p, ts, rs) + (desaShade.get(desa) ?? 0) + rnd.normal(0, M.tpsShadeSd),
        );
    const day = rnd.uniform(M.surveyDaysBefore.min, M.surveyDaysBefore.max);
    const start = nowMs - day * DAY_MS + rnd.uniform(8, 16) * 3_600_000 - 12 * 3_600_000;
    const n = rnd.int(2, 4);
    let time = start;
    for (let i = 0; i < n; i++) {
      const dbm = mean + rnd.normal(0, M.readingSd);
      const r = reading(dbm, rnd);
      const accuracyM = rnd.int(5, 30);
      out.push({
        tps: t.code,
        at: new Date(Math.round(time)).toISOString(),
        ...jitter(p, accuracyM / 2, rnd),
        accuracyM,
        ...r,
        bytes: r.ok ? PROBE_BYTES : 0,
        source: 'survey',
        ...(toolOf.get(desa) ? { signalDbm: Math.round(Math.max(-150, Math.min(-20, dbm))) } : {}),
      });
      time += rnd.uniform(2, 20) * 60_000;
    }
    if (!hill) continue;
    // The officer walks out toward the good point and tries to send on the way: nothing at first,
    // perhaps a weak 2G halfway, then 4G at the hill.
    const trip = distanceKm(p, hill);
    const tries = rnd.int(1, 2);
    for (let i = 1; i <= tries; i++) {
      time += rnd.uniform(5, 15) * 60_000;
      const pos = jitter(toward(p, hill, (trip * i) / (tries + 1)), 20, rnd);
      const weak = i === tries && rnd.chance(0.4);
      out.push({
        tps: t.code,
        at: new Date(Math.round(time)).toISOString(),
        ...pos,
        accuracyM: rnd.int(8, 60),
        connection: weak ? '2g' : 'none',
        rttMs: weak ? rnd.int(1800, 4000) : null,
        uploadKbps: weak ? rnd.int(15, 60) : null,
        bytes: weak ? rnd.int(2000, 20000) : 0,
        ok: weak,
        source: 'send',
      });
    }
    time += rnd.uniform(5, 20) * 60_000;
    out.push({
      tps: t.code,
      at: new Date(Math.round(time)).toISOString(),
      ...jitter(hill, 40, rnd),
      accuracyM: rnd.int(5, 40),
      connection: '4g',
      rttMs: rnd.int(60, 250),
      uploadKbps: rnd.int(1500, 8000),
      bytes: rnd.int(20_000, 400_000),
      ok: true,
      source: 'send',
    });
  }
  return out;
}
