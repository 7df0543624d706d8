// The C.Hasil most server tests send: a clean PPWP result of a TPS with a DPT of 100 + 100.
import type { CHasil } from '../../src/core/chasil.ts';
import { consistentResult } from '../../src/synth/results.ts';

/** Clean: 30, `v2` and 20 votes, 4 invalid; v2 - 18 of the voters are men, 72 women. */
export const cleanResult = (v2 = 90): CHasil =>
  consistentResult({
    dptL: 100,
    dptP: 100,
    votesL: v2 - 18,
    votesP: 72,
    invalid: 4,
    votes: { '1': 30, '2': v2, '3': 20 },
  });
