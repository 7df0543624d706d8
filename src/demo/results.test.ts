import { describe, expect, it } from 'vitest';
import { parseCHasil } from '../core/chasil.ts';
import { checkRules } from '../core/rules.ts';
import { PPWP_2024 } from '../core/ballots.ts';
import { okuTimurFacts, sharesOf } from './facts.ts';
import { demoElection } from './okutimur.ts';
import { createRandom } from '../core/random.ts';
import { DEFAULT_NIGHT_MS, simulateNight, simulateTpsResult, withSlip } from './results.ts';

describe('simulateNight', () => {
  const election = demoElection();
  const registered = new Map(election.tps.map((t) => [t.code, t.dpt]));
  const night = simulateNight(election, { seed: 42 });
  const rulesOf = (s: (typeof night)[number]) =>
    checkRules(s.result, { ballot: 'ppwp', registeredDpt: registered.get(s.tps) ?? null });

  it('sends one form per TPS, plus corrections, sorted by time within the night', () => {
    const first = night.filter((s) => s.note !== 'resubmission');
    expect(first).toHaveLength(2180);
    expect(new Set(first.map((s) => s.tps)).size).toBe(2180);
    for (let i = 1; i < night.length; i++)
      expect(night[i]!.atMs).toBeGreaterThanOrEqual(night[i - 1]!.atMs);
    expect(night[0]!.atMs).toBeGreaterThanOrEqual(0);
    expect(night.at(-1)!.atMs).toBeLessThanOrEqual(DEFAULT_NIGHT_MS);
  });

  it('writes results that pass every rule and the schema, with registered DPT, unless slipped', () => {
    for (const s of night) {
      expect(parseCHasil(s.result, PPWP_2024).ok).toBe(true);
      if (s.note === 'slip') continue;
      expect(rulesOf(s), s.tps).toEqual([]);
    }
  });

  it('has turnout around 75-85%, some DPTb/DPK and disabled voters, 2-3% invalid', () => {
    const sum = (f: (s: (typeof night)[number]) => number) => night.reduce((n, s) => n + f(s), 0);
    const clean = night.filter((s) => s.note !== 'slip');
    const dpt = clean.reduce((n, s) => n + s.result.dpt.total, 0);
    const fromDpt = clean.reduce((n, s) => n + s.result.voters.dpt.total, 0);
    expect(fromDpt / dpt).toBeGreaterThan(0.77);
    expect(fromDpt / dpt).toBeLessThan(0.83);
    expect(sum((s) => s.result.voters.dptb.total)).toBeGreaterThan(1000);
    expect(sum((s) => s.result.voters.dpk.total)).toBeGreaterThan(500);
    expect(sum((s) => s.result.disabled.total)).toBeGreaterThan(1000);
    const invalid = sum((s) => s.result.invalid) / sum((s) => s.result.total);
    expect(invalid).toBeGreaterThan(0.02);
    expect(invalid).toBeLessThan(0.03);
  });

  it('lands within 1.5 points of the real shares in every kecamatan', () => {
    const votes = new Map<string, number[]>();
    for (const s of night) {
      if (s.note === 'slip') continue;
      const v = votes.get(s.tps.slice(0, 8)) ?? [0, 0, 0];
      ['1', '2', '3'].forEach((k, i) => (v[i] = (v[i] ?? 0) + (s.result.votes[k] ?? 0)));
      votes.set(s.tps.slice(0, 8), v);
    }
    const kecamatan = okuTimurFacts().kecamatan;
    expect(votes.size).toBe(kecamatan.length);
    for (const k of kecamatan) {
      const v = votes.get(k.code)!;
      const total = v.reduce((a, b) => a + b, 0);
      const real = sharesOf(k);
      ['1', '2', '3'].forEach((key, i) =>
        expect(
          Math.abs((v[i] ?? 0) / total - (real[key] ?? 0)),
          `${k.code} pair ${key}`,
        ).toBeLessThan(0.015),
      );
    }
  });

  it('slips about 2% of forms; the rules flag every slip; some are corrected later', () => {
    const slips = night.filter((s) => s.note === 'slip');
    const resubmissions = night.filter((s) => s.note === 'resubmission');
    expect(slips.length).toBe(Math.round(2180 * 0.02));
    for (const s of slips) expect(rulesOf(s).length, s.tps).toBeGreaterThan(0);
    expect(resubmissions.length).toBeGreaterThan(0);
    expect(resubmissions.length).toBeLessThan(slips.length);
    for (const r of resubmissions) {
      const slip = slips.find((s) => s.tps === r.tps);
      expect(slip).toBeDefined();
      expect(r.atMs).toBeGreaterThan(slip!.atMs);
      expect(rulesOf(r)).toEqual([]);
    }
  });

  it('honours flaggedShare, resubmitShare and durationMs', () => {
    const n = simulateNight(election, {
      seed: 1,
      flaggedShare: 0.1,
      resubmitShare: 1,
      durationMs: 1000,
    });
    expect(n.filter((s) => s.note === 'slip')).toHaveLength(218);
    expect(n.filter((s) => s.note === 'resubmission')).toHaveLength(218);
    expect(n.at(-1)!.atMs).toBeLessThanOrEqual(1000);
    expect(
      simulateNight(election, { seed: 1, flaggedShare: 0 }).every((s) => s.note === undefined),
    ).toBe(true);
  });

  it('is deterministic for a seed', () => {
    expect(simulateNight(election, { seed: 42 })).toEqual(night);
    expect(simulateNight(election, { seed: 43 })).not.toEqual(night);
  });

  it('always slips visibly, whatever the numbers', () => {
    const rnd = createRandom(5);
    for (let i = 0; i < 2000; i++) {
      const dpt = rnd.int(1, 300);
      const r = simulateTpsResult(rnd, dpt, ['1', '2', '3'], { '1': 0.1, '2': 0.8, '3': 0.1 });
      expect(checkRules(r, { ballot: 'ppwp', registeredDpt: dpt })).toEqual([]);
      expect(
        checkRules(withSlip(rnd, r), { ballot: 'ppwp', registeredDpt: dpt }).length,
      ).toBeGreaterThan(0);
    }
  });
});
