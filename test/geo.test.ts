// The map's polygons (src/server/geo.ts) against the real app: every region of the demo election
// has one (or is listed as missing by the derivation), the answers are valid GeoJSON whose inside
// points are inside, they are cached by ETag, and the committed fixture is what
// scripts/derive-geo.ts makes from ../shared/data/geo.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeoIndexSchema, RegionGeoSchema, type GeoGeometry } from '../src/contract/geo.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { EXAMPLE_PPWP } from '../src/synth/results.ts';
import { GEO_FIXTURE, loadGeoFixture } from '../src/server/geo.ts';
import { deriveGeo, fixtureText } from '../scripts/derive-geo.ts';
import { sharedData } from './fixtures/shared-data.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const SHARED_GEO = sharedData('geo', 'the OKU Timur boundaries');

type Pos = [number, number];

/** Even-odd point in polygon over every ring of every part. */
function inside(g: GeoGeometry, [x, y]: Pos): boolean {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  let odd = false;
  for (const rings of polygons)
    for (const ring of rings)
      for (let i = 0; i + 1 < ring.length; i++) {
        const [x1, y1] = ring[i]!;
        const [x2, y2] = ring[i + 1]!;
        if (y1 > y !== y2 > y && x < x1 + ((y - y1) * (x2 - x1)) / (y2 - y1)) odd = !odd;
      }
  return odd;
}

/** Twice the signed area (positive: counter-clockwise). */
const area2 = (ring: Pos[]) =>
  ring.slice(0, -1).reduce((a, p, i) => a + p[0] * ring[i + 1]![1] - ring[i + 1]![0] * p[1], 0);

const election = demoElection();
const regionsAt = (level: string) => election.regions.filter((r) => r.level === level);
const parentOf = (code: string) => code.slice(0, code.lastIndexOf('.'));
const fixture = loadGeoFixture();

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ demo: true, web: false });
});
afterAll(async () => {
  await server?.close();
});

async function geo(code: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/v1/geo/${code}.geojson`, { headers });
  return { res, body: res.status === 200 ? RegionGeoSchema.parse(await res.json()) : null };
}

describe('GET /api/v1/geo', () => {
  it('lists the regions whose children have polygons: the provinsi, the kabupaten, its kecamatan', async () => {
    const res = await fetch(`${server.url}/api/v1/geo`);
    expect(res.status).toBe(200);
    const index = GeoIndexSchema.parse(await res.json());
    expect(index.regions).toEqual(
      ['16', '16.08', ...regionsAt('kecamatan').map((r) => r.code)].sort(),
    );
    expect(index.source).toMatch(/wilayah_boundaries.*MIT/);
  });

  it('has a polygon for every kecamatan and desa of the demo, or lists it as missing', async () => {
    // The derivation matched every feature and every region (its report: nothing left over).
    expect(fixture.unmatched).toEqual([]);
    const missing = new Set(fixture.missing.map((m) => m.split(' ')[1]));
    const kab = regionsAt('kabupaten')[0]!;
    const parents = [kab.code, ...regionsAt('kecamatan').map((r) => r.code)];
    const drawn = new Map<string, string>();
    for (const parent of parents) {
      const { res, body } = await geo(parent);
      expect(res.status, parent).toBe(200);
      for (const f of body!.features) {
        expect(parentOf(f.properties.code)).toBe(parent);
        drawn.set(f.properties.code, f.properties.name);
      }
    }
    const want = [...regionsAt('kecamatan'), ...regionsAt('desa')];
    expect(want.length).toBe(20 + 312);
    for (const r of want) {
      if (missing.has(r.code)) continue;
      expect(drawn.get(r.code), `${r.level} ${r.code}`).toBe(r.name);
    }
    expect(drawn.size + missing.size).toBe(want.length);
    // Nothing drawn that the election does not hold.
    const held = new Set(want.map((r) => r.code as string));
    for (const code of drawn.keys()) expect(held.has(code), code).toBe(true);
  });

  it('answers valid GeoJSON: closed rings, outer rings counter-clockwise, inside points inside, a bbox around all', async () => {
    for (const parent of ['16', '16.08', '16.08.01', '16.08.14', '16.08.18']) {
      const { body } = await geo(parent);
      expect(body!.type).toBe('FeatureCollection');
      expect(body!.region).toBe(parent);
      const [w, s, e, n] = body!.bbox;
      for (const f of body!.features) {
        const polygons =
          f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
        for (const [outer, ...holes] of polygons) {
          for (const ring of [outer!, ...holes]) {
            expect(ring.length).toBeGreaterThanOrEqual(4);
            expect(ring[0]).toEqual(ring[ring.length - 1]);
            for (const [x, y] of ring) {
              expect(x >= w && x <= e && y >= s && y <= n).toBe(true);
              // Five decimals at most.
              expect(Math.abs(x * 1e5 - Math.round(x * 1e5))).toBeLessThan(1e-6);
            }
          }
          expect(area2(outer!), f.properties.code).toBeGreaterThan(0);
          for (const hole of holes) expect(area2(hole)).toBeLessThan(0);
        }
        expect(inside(f.geometry, f.properties.pt), `${f.properties.code} pt`).toBe(true);
      }
    }
  });

  it('is cached by an ETag of its bytes: 304 on a match, an hour fresh, compressed when asked', async () => {
    const { res } = await geo('16.08');
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    expect(res.headers.get('cache-control')).toMatch(/public, max-age=3600/);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"geo-/);
    const again = await geo('16.08', { 'if-none-match': etag! });
    expect(again.res.status).toBe(304);
    // A submission changes the store, not the polygons: the same ETag after it.
    const tps = '16.08.01.1007.001';
    const submitted = await server.submit(tps, EXAMPLE_PPWP);
    expect(submitted.status).toBeLessThan(300);
    expect((await geo('16.08', { 'if-none-match': etag! })).res.status).toBe(304);
    const other = await geo('16.08.01');
    expect(other.res.headers.get('etag')).not.toBe(etag);
    // Node's fetch decompresses; the raw header says it came packed.
    const packed = await fetch(`${server.url}/api/v1/geo/16.08.01.geojson`, {
      headers: { 'accept-encoding': 'br' },
    });
    expect(packed.headers.get('content-encoding')).toBe('br');
    expect(RegionGeoSchema.parse(await packed.json()).features.length).toBeGreaterThan(5);
  });

  it('refuses in the API error shape: 404 for a region without polygons, 400 for a bad code', async () => {
    for (const code of ['id', '16.08.01.1007', '31.71']) {
      const res = await fetch(`${server.url}/api/v1/geo/${code}.geojson`);
      expect(res.status, code).toBe(404);
      const body = (await res.json()) as { error: string; text: { id: string; en: string } };
      expect(body.error).toBe('not_found');
      expect(body.text.id.length).toBeGreaterThan(0);
    }
    for (const file of ['16.08', 'nope.geojson', '16.08.json']) {
      const res = await fetch(`${server.url}/api/v1/geo/${file}`);
      expect(res.status, file).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('bad_code');
    }
  });
});

describe.skipIf(!SHARED_GEO)('scripts/derive-geo.ts on ../shared/data/geo', () => {
  it('makes exactly the committed fixture, well under 1 MB', () => {
    const read = (level: string) =>
      JSON.parse(readFileSync(join(SHARED_GEO!, `okutimur-${level}.geojson`), 'utf8')) as {
        features: never[];
      };
    const derived = deriveGeo(
      { kabupaten: read('kabupaten'), kecamatan: read('kecamatan'), desa: read('desa') },
      election.regions,
      '16.08',
    );
    const committed = readFileSync(GEO_FIXTURE, 'utf8');
    expect(fixtureText(derived)).toBe(committed);
    expect(Buffer.byteLength(committed)).toBeLessThan(500_000);
  });
});
