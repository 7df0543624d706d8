// Builders of valid C.Hasil results for tests and benchmarks (test tooling: production never
// imports src/synth).
import type { CHasil } from '../core/chasil.ts';

export type ResultShape = {
  dptL: number;
  dptP: number;
  votesL: number;
  votesP: number;
  invalid: number;
  /** Valid votes per choice; must add up to votesL + votesP - invalid. */
  votes: Record<string, number>;
  dptbL?: number;
  dpkP?: number;
  returned?: number;
  disabledP?: number;
};

/** A consistent C.Hasil (every rule holds) from a few numbers. */
export function consistentResult(s: ResultShape): CHasil {
  const dptbL = s.dptbL ?? 0;
  const dpkP = s.dpkP ?? 0;
  const fromDptL = s.votesL - dptbL;
  const fromDptP = s.votesP - dpkP;
  const used = s.votesL + s.votesP;
  const received = Math.ceil((s.dptL + s.dptP) * 1.02);
  const returned = Math.min(s.returned ?? 0, received - used);
  const disabledP = Math.min(s.disabledP ?? 0, s.votesP);
  return {
    dpt: { l: s.dptL, p: s.dptP, total: s.dptL + s.dptP },
    voters: {
      dpt: { l: fromDptL, p: fromDptP, total: fromDptL + fromDptP },
      dptb: { l: dptbL, p: 0, total: dptbL },
      dpk: { l: 0, p: dpkP, total: dpkP },
      total: { l: s.votesL, p: s.votesP, total: used },
    },
    ballots: { received, used, returned, unused: received - used - returned },
    disabled: { l: 0, p: disabledP, total: disabledP },
    votes: { ...s.votes },
    valid: used - s.invalid,
    invalid: s.invalid,
    total: used,
  };
}

/** The example of DESIGN.md section 3. */
export const EXAMPLE_PPWP: CHasil = {
  dpt: { l: 140, p: 150, total: 290 },
  voters: {
    dpt: { l: 110, p: 118, total: 228 },
    dptb: { l: 1, p: 0, total: 1 },
    dpk: { l: 0, p: 1, total: 1 },
    total: { l: 111, p: 119, total: 230 },
  },
  ballots: { received: 296, used: 230, returned: 1, unused: 65 },
  disabled: { l: 0, p: 1, total: 1 },
  votes: { '1': 54, '2': 129, '3': 31 },
  valid: 214,
  invalid: 16,
  total: 230,
};
