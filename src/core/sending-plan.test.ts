import { describe, expect, it } from 'vitest';
import { bearingDeg, compassPoint, distanceKm, type Observed } from './connectivity.ts';
import { createRandom } from './random.ts';
import {
  PLAN_LIMITS,
  SendingPoints,
  isCandidate,
  travelMinutes,
  type Candidate,
} from './sending-plan.ts';

// OKU Timur's box, roughly.
const BOX = { minLng: 104.1, maxLng: 105.0, minLat: -4.7, maxLat: -3.6 };

function randomCandidates(seed: number, n: number): Candidate[] {
  const rnd = createRandom(seed);
  const out: Candidate[] = [];
  for (let i = 0; i < n; i++)
    out.push({
      lat: rnd.uniform(BOX.minLat, BOX.maxLat),
      lng: rnd.uniform(BOX.minLng, BOX.maxLng),
      at: new Date(Date.UTC(2024, 1, 1) + i * 60_000).toISOString(),
      by: `16.08.01.1001.${String(i % 1000).padStart(3, '0')}`,
      connection: rnd.pick(['4g', '3g', 'wifi']),
    });
  return out;
}

/** The reference: every candidate's distance, the smallest within maxKm. */
function bruteNearest(candidates: Candidate[], at: { lat: number; lng: number }, maxKm: number) {
  let best: { i: number; d: number } | undefined;
  candidates.forEach((c, i) => {
    const d = distanceKm(at, c);
    if (d <= maxKm && (!best || d < best.d)) best = { i, d };
  });
  return best;
}

describe('the nearest sending point', () => {
  const candidates = randomCandidates(14, 4000);
  const points = SendingPoints.of(candidates);
  const rnd = createRandom(1414);
  // Queries a little beyond the candidates' box too, so some have none within reach.
  const queries = Array.from({ length: 1000 }, () => ({
    lat: rnd.uniform(BOX.minLat - 0.5, BOX.maxLat + 0.5),
    lng: rnd.uniform(BOX.minLng - 0.5, BOX.maxLng + 0.5),
  }));

  it('is the one brute force finds (ties: the same distance)', () => {
    expect(points.size).toBe(4000);
    let found = 0;
    for (const q of queries) {
      const got = points.nearest(q);
      const want = bruteNearest(candidates, q, PLAN_LIMITS.maxKm);
      if (!want) {
        expect(got).toBeUndefined();
        continue;
      }
      found++;
      expect(got).toBeDefined();
      expect(got!.distanceKm).toBeCloseTo(want.d, 9);
      const c = candidates[want.i]!;
      if (got!.lat !== c.lat || got!.lng !== c.lng)
        expect(distanceKm(q, got!)).toBeCloseTo(want.d, 9);
      else expect(got).toMatchObject({ at: c.at, by: c.by, connection: c.connection });
    }
    // Most queries lie near some candidate.
    expect(found).toBeGreaterThan(500);
  });

  it('keeps to maxKm: nothing farther, the nearest when within', () => {
    let none = 0;
    for (const q of queries.slice(0, 300)) {
      const want = bruteNearest(candidates, q, 2);
      const got = points.nearest(q, 2);
      if (!want) {
        none++;
        expect(got).toBeUndefined();
      } else {
        expect(got!.distanceKm).toBeLessThanOrEqual(2);
        expect(got!.distanceKm).toBeCloseTo(want.d, 9);
      }
    }
    // With 2 km some queries (those outside the box) have none.
    expect(none).toBeGreaterThan(0);
  });

  it('answers the bearing from the TPS to the point, its compass point and travel', () => {
    const q = queries[0]!;
    const got = points.nearest(q, 1000)!;
    expect(got.bearingDeg).toBeCloseTo(bearingDeg(q, got), 9);
    expect(got.direction).toBe(compassPoint(got.bearingDeg));
    expect(got.travelMinutes).toBeCloseTo(travelMinutes(got.distanceKm), 9);
  });

  it('finds nothing in an empty index', () => {
    const empty = SendingPoints.of([]);
    expect(empty.size).toBe(0);
    expect(empty.nearest({ lat: -4, lng: 104.5 })).toBeUndefined();
  });

  it('answers distance 0 for a point at the TPS itself', () => {
    const c = candidates[7]!;
    const got = points.nearest({ lat: c.lat, lng: c.lng })!;
    expect(got).toMatchObject({ lat: c.lat, lng: c.lng, distanceKm: 0, travelMinutes: 0 });
    expect(got.bearingDeg).toBe(0);
  });

  it('points the way: a candidate due east is E', () => {
    const one = SendingPoints.of([{ lat: -4, lng: 104.6, at: 'x', by: 't', connection: '4g' }]);
    const got = one.nearest({ lat: -4, lng: 104.5 })!;
    expect(got.direction).toBe('E');
    expect(got.distanceKm).toBeCloseTo(11.09, 1);
  });

  it('builds from columns too', () => {
    const lat = Float64Array.from(candidates, (c) => c.lat);
    const lng = Float64Array.from(candidates, (c) => c.lng);
    const cols = SendingPoints.fromColumns({
      lat,
      lng,
      describe: (i) => ({ at: `at ${i}`, by: `by ${i}`, connection: '4g' }),
    });
    for (const q of queries.slice(0, 100)) {
      const a = cols.nearest(q);
      const b = points.nearest(q);
      expect(a?.distanceKm).toBe(b?.distanceKm);
    }
    expect(() =>
      SendingPoints.fromColumns({
        lat,
        lng: lng.subarray(1),
        describe: () => ({ at: '', by: '', connection: '' }),
      }),
    ).toThrow();
  });
});

describe('travel time and candidates', () => {
  it('takes 21 minutes for 5 km (1.4 detour at 20 km/h)', () => {
    expect(travelMinutes(5)).toBeCloseTo(21, 9);
    expect(travelMinutes(0)).toBe(0);
  });

  it('takes good observations with a position accurate to 500 m', () => {
    const o: Observed = {
      at: '2024-02-14T06:00:00Z',
      source: 'send',
      lat: -4.1,
      lng: 104.3,
      accuracyM: 500,
      connection: '4g',
      rttMs: 300,
      uploadKbps: 900,
      ok: true,
    };
    expect(isCandidate(o)).toBe(true);
    expect(isCandidate({ ...o, accuracyM: 501 })).toBe(false);
    const noAccuracy = { ...o };
    delete noAccuracy.accuracyM;
    expect(isCandidate(noAccuracy)).toBe(false);
    const noLat = { ...o };
    delete noLat.lat;
    expect(isCandidate(noLat)).toBe(false);
    expect(isCandidate({ ...o, connection: '2g' })).toBe(false);
    expect(isCandidate({ ...o, ok: false })).toBe(false);
    expect(isCandidate({ ...o, source: 'survey' })).toBe(true);
  });
});
