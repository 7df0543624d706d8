// The map's polygons (docs/design/public-side.md, "The map"): GET /api/v1/geo/{code}.geojson is the
// children of a region as a GeoJSON FeatureCollection (a provinsi's kabupaten, a kabupaten's
// kecamatan, a kecamatan's desa), and GET /api/v1/geo the regions that have them. The polygons are
// the committed fixture src/demo/data/okutimur-geo.json (scripts/derive-geo.ts derives it from
// ../shared/data/geo: OKU Timur, the demo's kabupaten).
//
// Geometry only, on purpose: polygons do not change on election night, the numbers do. Served
// apart, the polygons (tens of KB) are fetched once and kept by the browser or a CDN for an hour
// (an ETag of their bytes, not of the store's change mark), while the numbers that colour them come
// from the region's recap, which the portal reads and refreshes anyway (/api/v1/results/{code}:
// a few KB, revalidated every 5 s). Merged, every change of any TPS would send the polygons again.
// The answers do not depend on the store: a region this election does not hold, or one with no
// polygons, is a 404.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import {
  GeoFeatureSchema,
  type GeoFeature,
  type GeoIndex,
  type RegionGeo,
} from '../contract/geo.ts';
import { parentRegion, parseRegionCode } from '../core/codes.ts';
import { chooseEncoding, encodedAsset } from './asset-encoding.ts';
import { apiError, sendError } from './errors.ts';

/** The committed polygons. */
export const GEO_FIXTURE = new URL('../demo/data/okutimur-geo.json', import.meta.url);

/** Polygons change only with a new release: an hour fresh, a day more while revalidating. */
export const GEO_CACHE = 'public, max-age=3600, stale-while-revalidate=86400';

const GEOJSON = 'application/geo+json; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

const FixtureSchema = z.object({
  source: z.string(),
  kabupaten: z.string(),
  levels: z.record(z.string(), z.array(GeoFeatureSchema)),
  unmatched: z.array(z.string()),
  missing: z.array(z.string()),
});
export type GeoFixture = z.infer<typeof FixtureSchema>;

/** One prepared answer: its bytes, their ETag and their compressed forms. */
type Prepared = { body: Buffer; etag: string; encoded: ReturnType<typeof encodedAsset> };

function prepare(value: object): Prepared {
  const body = Buffer.from(JSON.stringify(value));
  const etag = `"geo-${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, etag, encoded: encodedAsset(body) };
}

function bboxOf(features: GeoFeature[]): [number, number, number, number] {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) {
    const polygons =
      f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    for (const polygon of polygons)
      for (const [x, y] of polygon[0] ?? []) {
        w = Math.min(w, x);
        e = Math.max(e, x);
        s = Math.min(s, y);
        n = Math.max(n, y);
      }
  }
  return [w, s, e, n];
}

/** The fixture's features grouped by their parent region: region code -> its children's polygons. */
export function childrenByRegion(fixture: GeoFixture): Map<string, RegionGeo> {
  const groups = new Map<string, GeoFeature[]>();
  for (const features of Object.values(fixture.levels))
    for (const f of features) {
      const parent = parseRegionCode(f.properties.code);
      const up = parent ? parentRegion(parent) : undefined;
      if (!up) continue;
      groups.set(up, [...(groups.get(up) ?? []), f]);
    }
  return new Map(
    [...groups].map(([region, features]) => [
      region,
      { type: 'FeatureCollection', region, bbox: bboxOf(features), features },
    ]),
  );
}

export function loadGeoFixture(url: URL = GEO_FIXTURE): GeoFixture {
  return FixtureSchema.parse(JSON.parse(readFileSync(url, 'utf8')));
}

/** `16.08.geojson` -> the region code, or undefined. */
const codeOfFile = (file: string) =>
  file.endsWith('.geojson') ? parseRegionCode(file.slice(0, -'.geojson'.length)) : undefined;

export function registerGeo(app: FastifyInstance, opts: { fixture?: URL } = {}): void {
  // Read and grouped on first ask: a server that never draws a map never parses the polygons.
  let prepared: { index: Prepared; regions: Map<string, Prepared> } | undefined;
  const geo = () => {
    if (!prepared) {
      const fixture = loadGeoFixture(opts.fixture);
      const byRegion = childrenByRegion(fixture);
      const index: GeoIndex = { regions: [...byRegion.keys()].sort(), source: fixture.source };
      prepared = {
        index: prepare(index),
        regions: new Map([...byRegion].map(([code, fc]) => [code, prepare(fc)])),
      };
    }
    return prepared;
  };

  const send = async (req: FastifyRequest, reply: FastifyReply, p: Prepared, type: string) => {
    reply
      .header('etag', p.etag)
      .header('cache-control', GEO_CACHE)
      .header('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === p.etag) return reply.code(304).send();
    reply.type(type);
    const encoding = chooseEncoding(req.headers['accept-encoding']);
    const packed = encoding ? await p.encoded(encoding) : null;
    return packed ? reply.header('content-encoding', encoding).send(packed) : reply.send(p.body);
  };

  app.get('/api/v1/geo', (req, reply) => send(req, reply, geo().index, JSON_TYPE));

  app.get<{ Params: { file: string } }>('/api/v1/geo/:file', (req, reply) => {
    const code = codeOfFile(req.params.file);
    if (!code)
      return sendError(
        reply,
        apiError('bad_code', `not a region code followed by .geojson: ${req.params.file}`),
      );
    const p = geo().regions.get(code);
    if (!p)
      return sendError(
        reply,
        apiError('not_found', `no polygons for the children of region ${code}`),
      );
    return send(req, reply, p, GEOJSON);
  });
}
