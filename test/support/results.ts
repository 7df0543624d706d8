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
