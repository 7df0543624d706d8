import { describe, expect, it } from 'vitest';
import {
  CONNECTIVITY_THRESHOLDS as T,
  atTps,
  bearingDeg,
  classifyTps,
  compassPoint,
  distanceKm,
  rateObservation,
  surveyPosition,
  type Observed,
} from './connectivity.ts';

const NOW = new Date('2024-02-14T13:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

/** A send attempt that went through on 4G, well inside every threshold. */
function obs(over: Partial<Observed> = {}): Observed {
  return {
    at: NOW.toISOString(),
    source: 'send',
    connection: '4g',
    rttMs: 200,
    uploadKbps: 2000,
    signalDbm: -80,
    ok: true,
    ...over,
  };
}

// Martapura, OKU Timur, and Palembang (the province's capital), approximately.
const MARTAPURA = { lat: -4.3167, lng: 104.35 };
const PALEMBANG = { lat: -2.9761, lng: 104.7754 };

describe('rating one observation', () => {
  it('is none when it did not go through or there was no connection', () => {
    expect(rateObservation(obs({ ok: false }))).toBe('none');
    expect(rateObservation(obs({ connection: 'none' }))).toBe('none');
    // Failed even on a good connection type: none, not weak.
    expect(rateObservation(obs({ ok: false, connection: 'wifi', rttMs: 50 }))).toBe('none');
  });

  it('is weak on 2G whatever the measures', () => {
    expect(rateObservation(obs({ connection: '2g' }))).toBe('weak');
    expect(rateObservation(obs({ connection: '3g' }))).toBe('good');
  });

  it('is weak above 1,500 ms round trip, good at it', () => {
    expect(rateObservation(obs({ rttMs: T.weakRttMs }))).toBe('good');
    expect(rateObservation(obs({ rttMs: T.weakRttMs + 1 }))).toBe('weak');
  });

  it('is weak below 100 kbit/s upload, good at it', () => {
    expect(rateObservation(obs({ uploadKbps: T.weakUploadKbps }))).toBe('good');
    expect(rateObservation(obs({ uploadKbps: T.weakUploadKbps - 0.5 }))).toBe('weak');
  });

  it('is weak below -105 dBm, good at it', () => {
    expect(rateObservation(obs({ signalDbm: T.weakSignalDbm }))).toBe('good');
    expect(rateObservation(obs({ signalDbm: T.weakSignalDbm - 1 }))).toBe('weak');
  });

  it('does not call a missing measure weak', () => {
    expect(
      rateObservation(
        obs({ rttMs: null, uploadKbps: null, signalDbm: null, connection: 'unknown' }),
      ),
    ).toBe('good');
    const noSignal = obs();
    delete noSignal.signalDbm;
    expect(rateObservation(noSignal)).toBe('good');
  });
});

describe('where an observation was made', () => {
  const tps = MARTAPURA;
  // A degree of latitude is about 111.195 km on the sphere.
  const north = (km: number) => ({ lat: tps.lat + km / 111.195, lng: tps.lng });

  it('a send attempt within 1 km of the TPS counts, farther does not', () => {
    expect(atTps(obs({ ...north(0.99) }), tps)).toBe(true);
    expect(atTps(obs({ ...north(1.01) }), tps)).toBe(false);
    expect(distanceKm(north(1), tps)).toBeCloseTo(1, 3);
  });

  it('a survey observation counts wherever its position says, a send without one counts', () => {
    expect(atTps(obs({ source: 'survey', ...north(5) }), tps)).toBe(true);
    expect(atTps(obs(), tps)).toBe(true);
  });

  it('without a TPS position every observation counts', () => {
    expect(atTps(obs({ ...north(20) }))).toBe(true);
  });

  it('leaves the far observations out of the class', () => {
    const far = obs({ ...north(3) });
    const near = obs({ ok: false, ...north(0.2) });
    const c = classifyTps([far, far, near, near], NOW, tps);
    expect(c).toMatchObject({ class: 'none', score: 0, used: 2, weight: 2 });
  });
});

describe('the class of a TPS', () => {
  it('is good, weak or none by the score thresholds', () => {
    const good = obs();
    const weak = obs({ connection: '2g' });
    const none = obs({ ok: false });
    // Scores: 3 good + 1 none = 0.75 (good); 2 good + 1 weak + 1 none = 0.625 (weak).
    expect(classifyTps([good, good, good, none], NOW).class).toBe('good');
    expect(classifyTps([good, good, good, none], NOW).score).toBe(0.75);
    expect(classifyTps([good, good, weak, none], NOW).class).toBe('weak');
    // 0.35 exactly is weak: 7 weak (3.5) of 10.
    const tenth = [...Array<Observed>(7).fill(weak), ...Array<Observed>(3).fill(none)];
    expect(classifyTps(tenth, NOW).score).toBeCloseTo(0.35, 12);
    expect(classifyTps(tenth, NOW).class).toBe('weak');
    // Just under: 0.3 is none.
    const under = [...Array<Observed>(6).fill(weak), ...Array<Observed>(4).fill(none)];
    expect(classifyTps(under, NOW).class).toBe('none');
    // Just under 0.75: 0.7.
    const almost = [...Array<Observed>(7).fill(good), ...Array<Observed>(3).fill(none)];
    expect(classifyTps(almost, NOW).class).toBe('weak');
  });

  it('follows recency: an old good and a recent none make none', () => {
    const c = classifyTps([obs({ at: ago(28) }), obs({ ok: false, at: ago(0) })], NOW);
    // Weights 1/16 and 1: the score is (1/16) / (17/16) = 1/17.
    expect(c.score).toBeCloseTo(1 / 17, 12);
    expect(c.class).toBe('none');
    expect(c.weight).toBeCloseTo(1 + 1 / 16, 12);
  });

  it('halves the weight every seven days', () => {
    expect(classifyTps([obs({ source: 'survey', at: ago(7) })], NOW).weight).toBe(1);
    expect(classifyTps([obs({ at: ago(14) })], NOW).weight).toBe(0.25);
  });

  it('weighs a survey observation twice a send attempt', () => {
    const c = classifyTps([obs({ source: 'survey' }), obs({ ok: false })], NOW);
    expect(c.weight).toBe(3);
    expect(c.score).toBeCloseTo(2 / 3, 12);
    expect(c.class).toBe('weak');
  });

  it('is unknown when the weight is under 1, known at 1', () => {
    // A single send attempt from four weeks ago (weight 1/16).
    const old = classifyTps([obs({ at: ago(28) })], NOW);
    expect(old).toMatchObject({ class: 'unknown', used: 1 });
    expect(old.weight).toBeCloseTo(1 / 16, 12);
    expect(old.score).toBe(1);
    // One survey observation a week old weighs 1 exactly: known.
    const week = classifyTps([obs({ source: 'survey', at: ago(7) })], NOW);
    expect(week).toMatchObject({ class: 'good', weight: 1 });
    // A single send attempt a day old weighs under 1.
    expect(classifyTps([obs({ at: ago(1) })], NOW).class).toBe('unknown');
    // Two of them do not.
    expect(classifyTps([obs({ at: ago(1) }), obs({ at: ago(1) })], NOW).class).toBe('good');
  });

  it('is unknown with a null score without observations', () => {
    expect(classifyTps([], NOW)).toEqual({ class: 'unknown', score: null, weight: 0, used: 0 });
  });

  it('weighs an observation from the future as one made now', () => {
    const c = classifyTps([obs({ at: new Date(NOW.getTime() + 5 * 60_000).toISOString() })], NOW);
    expect(c.weight).toBe(1);
    expect(c.class).toBe('good');
  });

  it('leaves out an observation whose time cannot be read', () => {
    expect(classifyTps([obs({ at: 'yesterday' }), obs()], NOW)).toMatchObject({
      used: 1,
      weight: 1,
    });
  });
});

describe('the survey position', () => {
  const survey = (lat: number, lng: number, accuracyM?: number): Observed =>
    obs({ source: 'survey', lat, lng, ...(accuracyM === undefined ? {} : { accuracyM }) });

  it('is the median of the accurate survey observations, each coordinate on its own', () => {
    const p = surveyPosition([
      survey(-4.1, 104.1, 10),
      survey(-4.3, 104.5, 100),
      survey(-4.2, 104.2, 30),
      // Too inaccurate, a send attempt, or no accuracy at all: not used.
      survey(-9, 110, 101),
      obs({ lat: -9, lng: 110, accuracyM: 5 }),
      survey(-9, 110),
    ]);
    expect(p).toEqual({ lat: -4.2, lng: 104.2 });
  });

  it('takes the mean of the two middle ones for an even count', () => {
    const p = surveyPosition([survey(-4, 104, 5), survey(-4.2, 104.4, 5)]);
    expect(p?.lat).toBeCloseTo(-4.1, 12);
    expect(p?.lng).toBeCloseTo(104.2, 12);
  });

  it('is undefined without an accurate survey observation', () => {
    expect(surveyPosition([survey(-4, 104, 500), obs()])).toBeUndefined();
    expect(surveyPosition([])).toBeUndefined();
  });
});

describe('geometry', () => {
  it('measures Martapura to Palembang as the haversine formula does', () => {
    // Reference: the spherical law of cosines, with its own constants (mean radius 6,371 km).
    const r = Math.PI / 180;
    const [f1, f2] = [MARTAPURA.lat * r, PALEMBANG.lat * r];
    const dl = (PALEMBANG.lng - MARTAPURA.lng) * r;
    const ref =
      6371 * Math.acos(Math.sin(f1) * Math.sin(f2) + Math.cos(f1) * Math.cos(f2) * Math.cos(dl));
    expect(distanceKm(MARTAPURA, PALEMBANG)).toBeCloseTo(ref, 6);
    // About 155 km as the crow flies.
    expect(distanceKm(MARTAPURA, PALEMBANG)).toBeGreaterThan(150);
    expect(distanceKm(MARTAPURA, PALEMBANG)).toBeLessThan(160);
    expect(distanceKm(PALEMBANG, MARTAPURA)).toBeCloseTo(distanceKm(MARTAPURA, PALEMBANG), 9);
    expect(distanceKm(MARTAPURA, MARTAPURA)).toBe(0);
  });

  it('gives the initial bearing clockwise from north, in [0, 360)', () => {
    const o = { lat: 0, lng: 104 };
    expect(bearingDeg(o, { lat: 1, lng: 104 })).toBeCloseTo(0, 9);
    expect(bearingDeg(o, { lat: 0, lng: 105 })).toBeCloseTo(90, 9);
    expect(bearingDeg(o, { lat: -1, lng: 104 })).toBeCloseTo(180, 9);
    expect(bearingDeg(o, { lat: 0, lng: 103 })).toBeCloseTo(270, 9);
    // Palembang lies north-north-east of Martapura.
    const b = bearingDeg(MARTAPURA, PALEMBANG);
    expect(b).toBeGreaterThan(10);
    expect(b).toBeLessThan(25);
    // Just west of due north: near 360 but never 360.
    const nw = bearingDeg(o, { lat: 1, lng: 104 - 1e-12 });
    expect(nw).toBeGreaterThanOrEqual(0);
    expect(nw).toBeLessThan(360);
    expect(bearingDeg(o, o)).toBe(0);
  });

  it('names eight compass points, each boundary going clockwise', () => {
    const boundaries: [number, string, string][] = [
      [22.5, 'N', 'NE'],
      [67.5, 'NE', 'E'],
      [112.5, 'E', 'SE'],
      [157.5, 'SE', 'S'],
      [202.5, 'S', 'SW'],
      [247.5, 'SW', 'W'],
      [292.5, 'W', 'NW'],
      [337.5, 'NW', 'N'],
    ];
    for (const [deg, before, at] of boundaries) {
      expect(compassPoint(deg - 1e-9)).toBe(before);
      expect(compassPoint(deg)).toBe(at);
    }
    expect(compassPoint(0)).toBe('N');
    expect(compassPoint(359.999)).toBe('N');
    expect(compassPoint(360)).toBe('N');
    expect(compassPoint(-90)).toBe('W');
  });
});
