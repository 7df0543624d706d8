// The C.Hasil most server tests send (a clean PPWP result of a TPS with a DPT of 100 + 100), and
// the plainest submission a store test records.
import type { CHasil } from '../../src/core/chasil.ts';
import type { TpsCode } from '../../src/core/codes.ts';
import type { NewSubmission } from '../../src/store/submissions.ts';
import { consistentResult, EXAMPLE_PPWP } from '../../src/synth/results.ts';

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

/** A submission as the store takes it: no photos, no flags, from a test uploader, received now. */
export const plainSubmission = (tps: TpsCode, result: CHasil = EXAMPLE_PPWP): NewSubmission => ({
  tps,
  ballot: 'ppwp',
  result,
  photos: [],
  flags: [],
  uploader: 'kpps:test',
  receivedAt: new Date(),
});

/** Submission `v` (0..49) of a long run: a DPT of 150 + 150; 40 + v, 100 and 55 - v votes. */
export const variedResult = (v: number): CHasil =>
  consistentResult({
    dptL: 150,
    dptP: 150,
    votesL: 100,
    votesP: 100,
    invalid: 5,
    votes: { '1': 40 + v, '2': 100, '3': 55 - v },
  });

/**
 * A consistent result for a TPS whose registered DPT is `dpt`: 80% of each sex voted, `invalid`
 * ballots invalid, pairs 01 and 02 take `shares` of the valid votes and 03 the rest.
 */
export function resultForDpt(dpt: number, shares: readonly [number, number], invalid = 5): CHasil {
  const dptL = Math.floor(dpt / 2);
  const votesL = Math.floor(dptL * 0.8);
  const votesP = Math.floor((dpt - dptL) * 0.8);
  const valid = votesL + votesP - invalid;
  const v1 = Math.floor(valid * shares[0]);
  const v2 = Math.floor(valid * shares[1]);
  return consistentResult({
    dptL,
    dptP: dpt - dptL,
    votesL,
    votesP,
    invalid,
    votes: { '1': v1, '2': v2, '3': valid - v1 - v2 },
  });
}
