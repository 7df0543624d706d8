import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TpsCode } from './codes.ts';
import {
  addTally,
  countedVersion,
  emptyTally,
  recount,
  tallyDelta,
  tallyOf,
  type CountableVersion,
} from './tally.ts';
import { consistentResult } from '../synth/results.ts';

const TPS = ['16.08.01.1001.001', '16.08.01.1001.002', '16.08.02.2001.001'] as TpsCode[];

const versionArb = fc.record({
  tps: fc.constantFrom(...TPS),
  status: fc.constantFrom('clean' as const, 'flagged' as const),
  v: fc.tuple(fc.nat(80), fc.nat(80), fc.nat(80)),
});

/** Numbered versions per TPS in arrival order, as the store numbers them. */
function numbered(
  arrivals: { tps: TpsCode; status: 'clean' | 'flagged'; v: [number, number, number] }[],
) {
  const next = new Map<TpsCode, number>();
  return arrivals.map((a): CountableVersion => {
    const version = (next.get(a.tps) ?? 0) + 1;
    next.set(a.tps, version);
    const [v1, v2, v3] = a.v;
    const voters = v1 + v2 + v3 + 3;
    return {
      tps: a.tps,
      version,
      status: a.status,
      result: consistentResult({
        dptL: 150,
        dptP: 150,
        votesL: Math.floor(voters / 2),
        votesP: Math.ceil(voters / 2),
        invalid: 3,
        votes: { '1': v1, '2': v2, '3': v3 },
      }),
    };
  });
}

describe('tally', () => {
  it('the latest clean version counts; flagged ones wait', () => {
    const [a, b, c] = numbered([
      { tps: TPS[0]!, status: 'clean', v: [1, 2, 3] },
      { tps: TPS[0]!, status: 'clean', v: [4, 5, 6] },
      { tps: TPS[0]!, status: 'flagged', v: [7, 8, 9] },
    ]);
    expect(countedVersion([c!, a!, b!])).toBe(b);
    expect(countedVersion([c!])).toBeUndefined();
  });

  it('a recount does not depend on the order in which versions are read', () => {
    fc.assert(
      fc.property(fc.array(versionArb, { maxLength: 30 }), fc.integer(), (arrivals, seed) => {
        const versions = numbered(arrivals);
        const key = (i: number) => Math.imul(i + 1, 2654435761) ^ seed;
        const shuffled = versions
          .map((v, i) => [key(i), v] as const)
          .sort((x, y) => x[0] - y[0])
          .map(([, v]) => v);
        expect(recount(shuffled)).toEqual(recount(versions));
      }),
    );
  });

  it('applying deltas as versions arrive gives the recount, whatever the arrival order', () => {
    fc.assert(
      fc.property(fc.array(versionArb, { maxLength: 30 }), (arrivals) => {
        const versions = numbered(arrivals);
        // The live way: each clean arrival replaces the TPS's counted result by a delta.
        const counted = new Map<TpsCode, CountableVersion>();
        let nation = emptyTally();
        for (const v of versions) {
          if (v.status !== 'clean') continue;
          const before = counted.get(v.tps);
          nation = addTally(nation, tallyDelta(before?.result ?? null, v.result));
          counted.set(v.tps, v);
        }
        const want = recount(versions).get('id' as never) ?? emptyTally();
        expect(nation.tpsReported).toBe(want.tpsReported);
        expect(nation.valid).toBe(want.valid);
        for (const k of ['1', '2', '3']) expect(nation.votes[k] ?? 0).toBe(want.votes[k] ?? 0);
      }),
    );
  });

  it('a delta that replaces a result with itself is zero', () => {
    const r = numbered([{ tps: TPS[0]!, status: 'clean', v: [10, 20, 30] }])[0]!.result;
    expect(tallyDelta(r, r)).toEqual({ ...emptyTally(), votes: { '1': 0, '2': 0, '3': 0 } });
    expect(tallyDelta(null, r)).toEqual(tallyOf(r));
  });
});
