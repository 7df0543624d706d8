// Totals of counted results, and the rule that decides which version of a TPS result counts.
import * as z from 'zod';
import { ancestorsOfTps, type RegionCode, type TpsCode } from './codes.ts';
import type { CHasil } from './chasil.ts';

export type Tally = {
  tpsReported: number;
  valid: number;
  invalid: number;
  total: number;
  votes: Record<string, number>;
};

export const emptyTally = (): Tally => ({
  tpsReported: 0,
  valid: 0,
  invalid: 0,
  total: 0,
  votes: {},
});

/** The contribution of one counted TPS result. */
export function tallyOf(result: CHasil): Tally {
  return {
    tpsReported: 1,
    valid: result.valid,
    invalid: result.invalid,
    total: result.total,
    votes: { ...result.votes },
  };
}

/** a + sign * b, as a new tally. Vote keys that reach zero are kept (a zero is a reported number). */
export function addTally(a: Tally, b: Tally, sign: 1 | -1 = 1): Tally {
  const votes = { ...a.votes };
  for (const [k, v] of Object.entries(b.votes)) votes[k] = (votes[k] ?? 0) + sign * v;
  return {
    tpsReported: a.tpsReported + sign * b.tpsReported,
    valid: a.valid + sign * b.valid,
    invalid: a.invalid + sign * b.invalid,
    total: a.total + sign * b.total,
    votes,
  };
}

/** What replacing the counted result `before` with `after` changes in every total above the TPS. */
export function tallyDelta(before: CHasil | null, after: CHasil | null): Tally {
  const a = after ? tallyOf(after) : emptyTally();
  return before ? addTally(a, tallyOf(before), -1) : a;
}

export const SubmissionStatusSchema = z.enum(['clean', 'flagged']);
export type SubmissionStatus = z.infer<typeof SubmissionStatusSchema>;

/** The minimum of a stored submission that counting needs. */
export type CountableVersion = {
  tps: TpsCode;
  version: number;
  status: SubmissionStatus;
  result: CHasil;
};

/** The counted version of one TPS: the latest clean one. Flagged versions wait for review. */
export function countedVersion<V extends CountableVersion>(versions: readonly V[]): V | undefined {
  let best: V | undefined;
  for (const v of versions)
    if (v.status === 'clean' && (!best || v.version > best.version)) best = v;
  return best;
}

/**
 * The reference recount: totals per region computed from scratch from every stored version.
 * The live aggregates must always equal this.
 */
export function recount(versions: readonly CountableVersion[]): Map<RegionCode, Tally> {
  const byTps = new Map<TpsCode, CountableVersion[]>();
  for (const v of versions) {
    const list = byTps.get(v.tps) ?? [];
    list.push(v);
    byTps.set(v.tps, list);
  }
  const totals = new Map<RegionCode, Tally>();
  for (const [tps, list] of byTps) {
    const counted = countedVersion(list);
    if (!counted) continue;
    const t = tallyOf(counted.result);
    for (const region of ancestorsOfTps(tps))
      totals.set(region, addTally(totals.get(region) ?? emptyTally(), t));
  }
  return totals;
}
