import { describe, expect, it } from 'vitest';
import { SignalObservationSchema } from '../contract/kpps.ts';
import { classifyTps, distanceKm, type ConnectivityClass } from '../core/connectivity.ts';
import { SendingPoints, isCandidate } from '../core/sending-plan.ts';
import { demoElection } from './okutimur.ts';
import {
  demoDesaArea,
  demoSignalSurvey,
  demoTpsPositions,
  insideArea,
  type DemoObservation,
} from './survey.ts';

const setup = demoElection();
const positions = demoTpsPositions(setup);
const now = new Date('2026-11-20T09:00:00Z');
const survey = demoSignalSurvey(setup, positions, { now });
const DAY_MS = 24 * 60 * 60 * 1000;

const byTps = new Map<string, DemoObservation[]>();
for (const o of survey) byTps.set(o.tps, [...(byTps.get(o.tps) ?? []), o]);
const positionOf = new Map(positions.map((p) => [p.tps as string, p]));
const classOf = new Map<string, ConnectivityClass>(
  setup.tps.map((t) => [
    t.code,
    classifyTps(byTps.get(t.code) ?? [], now, positionOf.get(t.code)).class,
  ]),
);

describe('demoTpsPositions', () => {
  it('places every one of the 2,180 TPS inside its own desa polygon', () => {
    expect(positions).toHaveLength(2180);
    expect(positions.map((p) => p.tps)).toEqual(setup.tps.map((t) => t.code));
    const outside = positions.filter((p) => {
      const area = demoDesaArea(p.tps.slice(0, p.tps.lastIndexOf('.')));
      return !area || !insideArea(area, p);
    });
    expect(outside).toEqual([]);
  });

  it('is the same for a seed and different for another', () => {
    expect(demoTpsPositions(setup)).toEqual(positions);
    expect(demoTpsPositions(setup, { seed: 2024 })).toEqual(positions);
    const other = demoTpsPositions(setup, { seed: 7 });
    expect(other.filter((p, i) => p.lat === positions[i]?.lat)).toHaveLength(0);
  });

  it('spreads the TPS of a desa, more of them near its centre than at its edge', () => {
    expect(new Set(positions.map((p) => `${p.lat},${p.lng}`)).size).toBe(2180);
    // Over all desa: the TPS nearer the desa's centre than half the way to its farthest TPS
    // outnumber what an even spread over the polygon would put there (a quarter of the area).
    let near = 0;
    const desa = new Map<string, typeof positions>();
    for (const p of positions) {
      const d = p.tps.slice(0, p.tps.lastIndexOf('.'));
      desa.set(d, [...(desa.get(d) ?? []), p]);
    }
    for (const [code, ps] of desa) {
      const pt = demoDesaArea(code)?.pt;
      if (!pt) throw new Error(code);
      const far = Math.max(...ps.map((p) => distanceKm(p, pt)));
      near += ps.filter((p) => distanceKm(p, pt) < far / 2).length;
    }
    expect(near / positions.length).toBeGreaterThan(0.4);
  });
});

describe('demoSignalSurvey', () => {
  it('gives classes in the demo design: good 60-70%, weak 20-30%, none 3-6%, no unknown', () => {
    const share = (c: ConnectivityClass) =>
      [...classOf.values()].filter((x) => x === c).length / setup.tps.length;
    expect(share('good')).toBeGreaterThanOrEqual(0.6);
    expect(share('good')).toBeLessThanOrEqual(0.7);
    expect(share('weak')).toBeGreaterThanOrEqual(0.2);
    expect(share('weak')).toBeLessThanOrEqual(0.3);
    expect(share('none')).toBeGreaterThanOrEqual(0.03);
    expect(share('none')).toBeLessThanOrEqual(0.06);
    expect(share('unknown')).toBe(0);
  });

  it('makes 2 to 4 survey observations per TPS, at it, 3 to 10 days before now', () => {
    const wrong: string[] = [];
    for (const t of setup.tps) {
      const own = (byTps.get(t.code) ?? []).filter((o) => o.source === 'survey');
      const p = positionOf.get(t.code);
      if (!p || own.length < 2 || own.length > 4) wrong.push(`${t.code}: ${own.length} surveyed`);
      for (const o of own)
        if (!p || distanceKm(o, p) > 0.2 || o.accuracyM < 5 || o.accuracyM > 30)
          wrong.push(`${t.code}: surveyed away from it or inaccurately`);
    }
    for (const o of survey) {
      const age = now.getTime() - Date.parse(o.at);
      if (!(age > 2 * DAY_MS && age < 11 * DAY_MS)) wrong.push(`${o.tps}: made at ${o.at}`);
    }
    expect(wrong).toEqual([]);
  });

  it('has every observation pass the API validation', () => {
    const refused = survey
      .map((o) => SignalObservationSchema.safeParse(o))
      .filter((r) => !r.success)
      .map((r) => r.error?.issues[0]);
    expect(refused).toEqual([]);
    // Signal strength where a native survey tool measured it, never on a send attempt.
    expect(survey.some((o) => o.signalDbm !== undefined)).toBe(true);
    expect(survey.filter((o) => o.source === 'send' && o.signalDbm !== undefined)).toEqual([]);
  });

  it('sends from away from the blank-spot TPS only, toward a good point a few km off', () => {
    const senders = new Set(survey.filter((o) => o.source === 'send').map((o) => o.tps as string));
    expect(senders.size).toBeGreaterThan(0);
    for (const tps of senders) {
      expect(classOf.get(tps)).toBe('none');
      const sends = (byTps.get(tps) ?? []).filter((o) => o.source === 'send');
      const last = sends.at(-1);
      expect(last && isCandidate(last)).toBe(true);
      const p = positionOf.get(tps);
      if (!p || !last) throw new Error(tps);
      expect(distanceKm(last, p)).toBeGreaterThan(1.2);
      expect(distanceKm(last, p)).toBeLessThan(10);
    }
  });

  it('gives every blank-spot TPS a good point within 30 km', () => {
    const points = SendingPoints.of(survey.filter(isCandidate).map((o) => ({ ...o, by: o.tps })));
    const blank = setup.tps.filter((t) => classOf.get(t.code) === 'none');
    expect(blank.length).toBeGreaterThan(0);
    const without = blank.filter((t) => {
      const p = positionOf.get(t.code);
      return !p || !points.nearest(p);
    });
    expect(without).toEqual([]);
  });

  it('is the same for a seed and a time, and refuses a time before 2024', () => {
    expect(demoSignalSurvey(setup, positions, { now, seed: 2024 })).toEqual(survey);
    expect(demoSignalSurvey(setup, positions, { now, seed: 9 })).not.toEqual(survey);
    expect(() =>
      demoSignalSurvey(setup, positions, { now: new Date('2024-01-05T00:00:00Z') }),
    ).toThrow(/2024/);
  });
});
