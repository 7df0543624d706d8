// The numbers written on one form, drawn from the seed so that the form adds up (the form's own
// arithmetic: L + P = total, DPT + DPTb + DPK = voters, ballots balance, votes sum to valid...),
// and which printed box row holds which number. Field names are the C.Hasil's (src/core).
import type { Rng } from './rng.ts';

/** Which printed box row holds which number: the form's pages as core lists them. */
export { PPWP_PAGE_FIELDS as PAGE_FIELDS } from '../../src/core/chasil.ts';

/** A consistent form: every field of the three pages. */
export function formValues(r: Rng): Record<string, number> {
  const v: Record<string, number> = {};
  const set = (path: string, n: number) => (v[path] = n);
  const dptL = r.int(60, 150);
  const dptP = r.int(60, 150);
  set('dpt.l', dptL);
  set('dpt.p', dptP);
  set('dpt.total', dptL + dptP);
  const sums = { l: 0, p: 0 };
  for (const [row, lo, hi] of [
    ['voters.dpt', 0.6, 1],
    ['voters.dptb', 0, 0.04],
    ['voters.dpk', 0, 0.04],
  ] as const) {
    const l =
      row === 'voters.dpt' ? Math.round(dptL * r.range(lo, hi)) : r.int(0, Math.round(hi * 100));
    const p =
      row === 'voters.dpt' ? Math.round(dptP * r.range(lo, hi)) : r.int(0, Math.round(hi * 100));
    set(`${row}.l`, l);
    set(`${row}.p`, p);
    set(`${row}.total`, l + p);
    sums.l += l;
    sums.p += p;
  }
  const voters = sums.l + sums.p;
  set('voters.total.l', sums.l);
  set('voters.total.p', sums.p);
  set('voters.total.total', voters);
  const reserve = Math.ceil(1.02 * (dptL + dptP));
  const received = Math.max(voters, reserve - r.int(0, 2));
  const returned = r.int(0, Math.min(4, received - voters));
  set('ballots.received', received);
  set('ballots.used', voters);
  set('ballots.returned', returned);
  set('ballots.unused', received - voters - returned);
  const disL = r.int(0, Math.min(4, sums.l));
  const disP = r.int(0, Math.min(4, sums.p));
  set('disabled.l', disL);
  set('disabled.p', disP);
  set('disabled.total', disL + disP);
  const invalid = r.int(0, Math.min(8, voters));
  const valid = voters - invalid;
  const a = Math.round(valid * r.range(0.1, 0.6));
  const b = Math.round((valid - a) * r.range(0.2, 0.8));
  set('votes.1', a);
  set('votes.2', b);
  set('votes.3', valid - a - b);
  set('valid', valid);
  set('invalid', invalid);
  set('total', voters);
  return v;
}
