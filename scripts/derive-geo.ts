// Writes src/demo/data/okutimur-geo.json, the map's polygons (src/server/geo.ts serves them), from
// the OKU Timur boundaries in ../shared/data/geo (see its README: cahyadsn/wilayah_boundaries, MIT).
// Run: node bin/run-ts.mjs scripts/derive-geo.ts [SHARED_DATA_DIR]
// (default: ../shared/data beside the repository root).
//
// Each feature is matched to a region of the demo election (src/demo/okutimur.ts, whose names are
// idn-area-data's): by its Kemendagri code, else by its name among the regions of the same parent.
// Features that match nothing and regions that get no polygon are listed in the output (and
// printed). Rings are simplified with Douglas-Peucker (a tolerance per level, in degrees), then
// quantized to 5 decimals (about 1 m); each feature also gets `pt`, a point inside it (for a
// label or a click), found on the widest inside span of a few horizontal scan lines.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoElection } from '../src/demo/okutimur.ts';
import type { Region } from '../src/core/election.ts';

type Point = [number, number];
type Ring = Point[];
type Geometry =
  { type: 'Polygon'; coordinates: Ring[] } | { type: 'MultiPolygon'; coordinates: Ring[][] };
type SourceFeature = {
  type: 'Feature';
  properties: { code: string; name: string };
  geometry: Geometry;
};

const LEVELS = ['kabupaten', 'kecamatan', 'desa'] as const;
type GeoLevel = (typeof LEVELS)[number];

/** Douglas-Peucker tolerance per level, in degrees (0.0001 degree is about 11 m). */
const TOLERANCE: Record<GeoLevel, number> = {
  kabupaten: 0.0008,
  kecamatan: 0.0005,
  desa: 0.0003,
};
const DECIMALS = 5;

export const GEO_OUT = new URL('../src/demo/data/okutimur-geo.json', import.meta.url);

/** Squared distance from p to the segment a-b. */
function segDist2(p: Point, a: Point, b: Point): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t =
    len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  const x = a[0] + t * dx - p[0];
  const y = a[1] + t * dy - p[1];
  return x * x + y * y;
}

/** Douglas-Peucker on an open polyline (iterative: no recursion depth to worry about). */
function simplifyLine(points: Point[], tolerance: number): Point[] {
  if (points.length <= 2) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  const tol2 = tolerance * tolerance;
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    let worst = -1;
    let worstD = tol2;
    for (let i = from + 1; i < to; i++) {
      const d = segDist2(points[i]!, points[from]!, points[to]!);
      if (d > worstD) {
        worst = i;
        worstD = d;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([from, worst], [worst, to]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

const quant = (v: number) => Number(v.toFixed(DECIMALS));

/**
 * A closed ring simplified and quantized: split at its first point and at the point farthest from
 * it, so that the two halves are open lines; null when fewer than 4 points (a triangle) remain.
 */
function simplifyRing(ring: Ring, tolerance: number): Ring | null {
  const open = ring.slice(0, -1);
  if (open.length < 3) return null;
  let far = 0;
  let farD = -1;
  for (let i = 1; i < open.length; i++) {
    const dx = open[i]![0] - open[0]![0];
    const dy = open[i]![1] - open[0]![1];
    if (dx * dx + dy * dy > farD) {
      far = i;
      farD = dx * dx + dy * dy;
    }
  }
  const first = simplifyLine(open.slice(0, far + 1), tolerance);
  const second = simplifyLine([...open.slice(far), open[0]!], tolerance);
  const joined = [...first, ...second.slice(1)];
  const out: Ring = [];
  for (const [x, y] of joined) {
    const q: Point = [quant(x), quant(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  // `joined` ends with its first point again; quantized, that closes the ring.
  if (out.length < 4) return null;
  const [fx, fy] = out[0]!;
  const [lx, ly] = out[out.length - 1]!;
  if (fx !== lx || fy !== ly) out.push([fx, fy]);
  return out;
}

/** A polygon simplified: the outer ring kept as it is if simplifying would lose it; holes dropped then. */
function simplifyPolygon(rings: Ring[], tolerance: number): Ring[] {
  const [outer, ...holes] = rings;
  if (!outer) return [];
  const o = simplifyRing(outer, tolerance) ?? simplifyRing(outer, 0);
  if (!o) return [];
  return [o, ...holes.map((h) => simplifyRing(h, tolerance)).filter((h): h is Ring => h !== null)];
}

export function simplifyGeometry(g: Geometry, tolerance: number): Geometry {
  if (g.type === 'Polygon')
    return { type: 'Polygon', coordinates: simplifyPolygon(g.coordinates, tolerance) };
  const parts = g.coordinates.map((p) => simplifyPolygon(p, tolerance)).filter((p) => p.length > 0);
  return parts.length === 1
    ? { type: 'Polygon', coordinates: parts[0]! }
    : { type: 'MultiPolygon', coordinates: parts };
}

/** Twice the signed area of a ring (positive: counter-clockwise). */
function ringArea2(r: Ring): number {
  let a = 0;
  for (let i = 0; i + 1 < r.length; i++) a += r[i]![0] * r[i + 1]![1] - r[i + 1]![0] * r[i]![1];
  return a;
}

/**
 * A point inside the polygon (even-odd over all its rings): on a few horizontal lines through the
 * largest part, the middle of the widest span inside.
 */
export function insidePoint(g: Geometry): Point {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  const largest = polygons.reduce((best, p) =>
    Math.abs(ringArea2(p[0]!)) > Math.abs(ringArea2(best[0]!)) ? p : best,
  );
  const ys = largest[0]!.map((p) => p[1]);
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  let best: Point = largest[0]![0]!;
  let bestW = -1;
  const LINES = 15;
  for (let k = 1; k <= LINES; k++) {
    const y = minY + ((maxY - minY) * k) / (LINES + 1);
    const xs: number[] = [];
    for (const ring of largest)
      for (let i = 0; i + 1 < ring.length; i++) {
        const [x1, y1] = ring[i]!;
        const [x2, y2] = ring[i + 1]!;
        if (y1 > y !== y2 > y) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
      }
    xs.sort((a, b) => a - b);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const w = xs[i + 1]! - xs[i]!;
      if (w > bestW) {
        bestW = w;
        best = [quant((xs[i]! + xs[i + 1]!) / 2), quant(y)];
      }
    }
  }
  return best;
}

const normalName = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(/^(kabupaten|kab|kota|kecamatan|kec|desa|kelurahan|kel) /, '')
    .trim();

const parentOf = (code: string) => code.slice(0, code.lastIndexOf('.'));

export type GeoFeature = {
  type: 'Feature';
  properties: { code: string; name: string; pt: Point };
  geometry: Geometry;
};

export type GeoFixture = {
  source: string;
  kabupaten: string;
  levels: Record<GeoLevel, GeoFeature[]>;
  /** Features no region of the election matched: `level code name`. */
  unmatched: string[];
  /** Regions of the election with no polygon. */
  missing: string[];
};

export function deriveGeo(
  sources: Record<GeoLevel, { features: SourceFeature[] }>,
  regions: readonly Region[],
  kabupaten: string,
): GeoFixture {
  const byCode = new Map(regions.map((r) => [r.code as string, r]));
  const matched = new Set<string>();
  const unmatched: string[] = [];
  const levels = {} as Record<GeoLevel, GeoFeature[]>;
  for (const level of LEVELS) {
    const candidates = regions.filter((r) => r.level === level);
    levels[level] = [];
    for (const f of sources[level].features) {
      const { code, name } = f.properties;
      let region = byCode.get(code);
      if (!region || region.level !== level)
        region = candidates.find(
          (r) => parentOf(r.code) === parentOf(code) && normalName(r.name) === normalName(name),
        );
      if (!region || matched.has(region.code)) {
        unmatched.push(`${level} ${code} ${name}`);
        continue;
      }
      matched.add(region.code);
      const geometry = simplifyGeometry(f.geometry, TOLERANCE[level]);
      levels[level].push({
        type: 'Feature',
        properties: { code: region.code, name: region.name, pt: insidePoint(geometry) },
        geometry,
      });
    }
    levels[level].sort((a, b) => (a.properties.code < b.properties.code ? -1 : 1));
  }
  const missing = regions
    .filter((r) => (LEVELS as readonly string[]).includes(r.level) && !matched.has(r.code))
    .map((r) => `${r.level} ${r.code} ${r.name}`);
  return {
    source:
      'Derived by scripts/derive-geo.ts from shared/data/geo/okutimur-{kabupaten,kecamatan,desa}.geojson, ' +
      'converted from cahyadsn/wilayah_boundaries (MIT, (c) 2024 Cahya DSN) at commit ' +
      '3c5a7960f4d227a38489094d84252bdbb3f978a5. Simplified (Douglas-Peucker) and quantized to 5 decimals; ' +
      'the source polygons are themselves heavily simplified: for maps, not for boundaries.',
    kabupaten,
    levels,
    unmatched,
    missing,
  };
}

/** The fixture as written: one feature per line, so that a diff shows which region changed. */
export function fixtureText(fx: GeoFixture): string {
  const level = (l: GeoLevel) =>
    `[\n${fx.levels[l].map((f) => `    ${JSON.stringify(f)}`).join(',\n')}\n  ]`;
  return (
    `{\n  "source": ${JSON.stringify(fx.source)},\n  "kabupaten": ${JSON.stringify(fx.kabupaten)},\n` +
    `  "levels": {\n${LEVELS.map((l) => `  ${JSON.stringify(l)}: ${level(l)}`).join(',\n')}\n  },\n` +
    `  "unmatched": ${JSON.stringify(fx.unmatched)},\n  "missing": ${JSON.stringify(fx.missing)}\n}\n`
  );
}

const points = (g: Geometry) => JSON.stringify(g.coordinates).split('],[').length;

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const dataDir = process.argv[2]
    ? resolve(process.argv[2])
    : fileURLToPath(new URL('../../shared/data/', import.meta.url));
  const read = (level: GeoLevel) =>
    JSON.parse(readFileSync(resolve(dataDir, `geo/okutimur-${level}.geojson`), 'utf8')) as {
      features: SourceFeature[];
    };
  const sources = {
    kabupaten: read('kabupaten'),
    kecamatan: read('kecamatan'),
    desa: read('desa'),
  };
  const election = demoElection();
  const kab = election.regions.find((r) => r.level === 'kabupaten');
  if (!kab) throw new Error('the demo election has no kabupaten');
  const fx = deriveGeo(sources, election.regions, kab.code);
  const text = fixtureText(fx);
  writeFileSync(GEO_OUT, text);
  for (const level of LEVELS) {
    const before = sources[level].features.reduce((n, f) => n + points(f.geometry), 0);
    const after = fx.levels[level].reduce((n, f) => n + points(f.geometry), 0);
    console.log(
      `${level}: ${String(fx.levels[level].length)} of ${String(sources[level].features.length)} features, ${String(before)} -> ${String(after)} points`,
    );
  }
  console.log(
    `unmatched features: ${fx.unmatched.length === 0 ? 'none' : fx.unmatched.join('; ')}`,
  );
  console.log(
    `regions without a polygon: ${fx.missing.length === 0 ? 'none' : fx.missing.join('; ')}`,
  );
  console.log(`wrote ${GEO_OUT.pathname}: ${String(Buffer.byteLength(text))} bytes`);
}
