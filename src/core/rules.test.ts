import { describe, expect, it } from 'vitest';
import { PPWP_2024 } from './ballots.ts';
import fc from 'fast-check';
import { fieldEntries, parseCHasil, type CHasil } from './chasil.ts';
import { brokenLinearRules, checkRules, linearRules } from './rules.ts';
import { EXAMPLE_PPWP } from '../synth/results.ts';

const clone = (): CHasil => structuredClone(EXAMPLE_PPWP);
const rulesOf = (r: CHasil, registeredDpt?: number) =>
  checkRules(r, { ballot: 'ppwp', registeredDpt }).map((b) => b.rule);

describe('C.Hasil rules', () => {
  it('finds nothing wrong with the DESIGN.md example', () => {
    expect(rulesOf(clone(), 290)).toEqual([]);
  });
  it('reports each broken rule with Indonesian and English words and the fields', () => {
    const r = clone();
    r.votes['2'] = 130;
    const [breach, ...rest] = checkRules(r, { ballot: 'ppwp' });
    expect(rest).toEqual([]);
    expect(breach?.rule).toBe('votes-sum-valid');
    expect(breach?.fields).toContain('votes.2');
    expect(breach?.message.id).toContain('215');
    expect(breach?.message.en).toContain('214');
  });
  const cases: [string, (r: CHasil) => void][] = [
    [
      'gender-sum',
      (r) => {
        r.dpt.total = 291;
      },
    ],
    [
      'voters-sum',
      (r) => {
        r.voters.total.l = 112;
        r.voters.total.total = 231;
      },
    ],
    [
      'voters-within-dpt',
      (r) => {
        r.voters.dpt.l = 141;
        r.voters.dpt.total = 259;
      },
    ],
    [
      'valid-plus-invalid',
      (r) => {
        r.invalid = 17;
      },
    ],
    [
      'total-equals-used',
      (r) => {
        r.ballots.used = 231;
      },
    ],
    [
      'ballots-balance',
      (r) => {
        r.ballots.unused = 66;
      },
    ],
    [
      'ballots-reserve',
      (r) => {
        r.ballots.received = 300;
        r.ballots.unused = 69;
      },
    ],
    [
      'disabled-within-voters',
      (r) => {
        r.disabled.p = 300;
        r.disabled.total = 300;
      },
    ],
  ];
  it.each(cases)('flags %s', (rule, spoil) => {
    const r = clone();
    spoil(r);
    expect(rulesOf(r)).toContain(rule);
  });
  it('compares DPT with the register and with the per-TPS limit', () => {
    expect(rulesOf(clone(), 280)).toEqual(['dpt-matches-register']);
    const r = clone();
    r.dpt = { l: 200, p: 150, total: 350 };
    expect(rulesOf(r)).toContain('dpt-within-tps-limit');
    expect(checkRules(r, { ballot: 'pilbup' }).map((b) => b.rule)).not.toContain(
      'dpt-within-tps-limit',
    );
  });
});

describe('parseCHasil', () => {
  it('accepts a complete result', () => {
    expect(parseCHasil(clone(), PPWP_2024).ok).toBe(true);
  });
  it('names the field of every problem', () => {
    const bad = clone() as unknown as Record<string, unknown>;
    (bad.votes as Record<string, unknown>)['2'] = 1000;
    (bad.voters as Record<string, Record<string, unknown>>).dpt!.l = 1.5;
    delete bad.invalid;
    bad.extra = 1;
    const parsed = parseCHasil(bad, PPWP_2024);
    expect(parsed.ok).toBe(false);
    const paths = parsed.ok ? [] : parsed.error.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['votes.2', 'voters.dpt.l', 'invalid', '(result)']),
    );
  });
  it('refuses unknown and missing choices', () => {
    const r = clone();
    r.votes = { '1': 54, '2': 129, '4': 31 };
    const parsed = parseCHasil(r, PPWP_2024);
    const paths = parsed.ok ? [] : parsed.error.problems.map((p) => p.path);
    expect(paths).toEqual(['votes.3', 'votes.4']);
  });
  it('refuses negative numbers and strings', () => {
    const r = clone() as unknown as { valid: unknown; invalid: unknown };
    r.valid = -1;
    r.invalid = '16';
    const parsed = parseCHasil(r, PPWP_2024);
    expect(parsed.ok ? [] : parsed.error.problems.map((p) => p.path).sort()).toEqual([
      'invalid',
      'valid',
    ]);
  });
});

describe('linear rules', () => {
  it('break exactly where checkRules breaks, for any numbers', () => {
    const count = fc.integer({ min: 0, max: 999 });
    const g = fc.record({ l: count, p: count, total: count });
    fc.assert(
      fc.property(
        fc.record({
          dpt: g,
          vd: g,
          vb: g,
          vk: g,
          vt: g,
          dis: g,
          b: fc.tuple(count, count, count, count),
          v: fc.tuple(count, count, count),
          inv: count,
          tot: count,
          valid: count,
        }),
        fc.option(fc.integer({ min: 0, max: 400 })),
        (x, registered) => {
          const r: CHasil = {
            dpt: x.dpt,
            voters: { dpt: x.vd, dptb: x.vb, dpk: x.vk, total: x.vt },
            ballots: { received: x.b[0], used: x.b[1], returned: x.b[2], unused: x.b[3] },
            disabled: x.dis,
            votes: { '1': x.v[0], '2': x.v[1], '3': x.v[2] },
            valid: x.valid,
            invalid: x.inv,
            total: x.tot,
          };
          const ctx = { ballot: 'ppwp' as const, registeredDpt: registered };
          const want = new Set(checkRules(r, ctx).map((b) => b.rule));
          const got = new Set(
            brokenLinearRules(linearRules(['1', '2', '3'], ctx), new Map(fieldEntries(r))),
          );
          expect(got).toEqual(want);
        },
      ),
    );
    // Near-consistent forms (one field off by a little) exercise the equalities' edges too.
    fc.assert(
      fc.property(fc.nat(50), (seed) => {
        const r = structuredClone(EXAMPLE_PPWP);
        const entries = fieldEntries(r);
        const [path] = entries[seed % entries.length]!;
        const values = new Map(entries);
        values.set(path, (values.get(path) ?? 0) + 1);
        const ctx = { ballot: 'ppwp' as const, registeredDpt: 290 };
        expect(brokenLinearRules(linearRules(['1', '2', '3'], ctx), values).length).toBeGreaterThan(
          0,
        );
        expect(brokenLinearRules(linearRules(['1', '2', '3'], ctx), new Map(entries))).toEqual([]);
      }),
    );
  });
});
