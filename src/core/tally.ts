// Totals of counted results, and the recount that applies the review rule (review.ts) to them.
import * as z from 'zod';
import { ancestorsOfTps, type RegionCode, type TpsCode } from './codes.ts';
import type { CHasil } from './chasil.ts';
import { reviewTps, type ReviewEvent } from './review.ts';

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

/**
 * The minimum of a stored version that counting needs. `kind`, `seq` (the event that recorded it)
 * and `flags` matter only beside review events (review.ts); without them a version is a
 * submission recorded before any review event.
 */
export type CountableVersion = {
  tps: TpsCode;
  version: number;
  status: SubmissionStatus;
  result: CHasil;
  kind?: 'submission' | 'correction';
  seq?: number;
  flags?: readonly string[];
};

/** A review event about one TPS (the events of every TPS, for `recount`). */
export type TpsReviewEvent = ReviewEvent & { tps: TpsCode };

/**
 * The counted version of one TPS, as the review rule says (review.ts `reviewTps`): the latest
 * accepted one. Without review events that is the latest clean version; flagged ones wait.
 */
export function countedVersion<V extends CountableVersion>(
  versions: readonly V[],
  events: readonly ReviewEvent[] = [],
): V | undefined {
  const review = reviewTps(
    versions.map((v) => ({
      version: v.version,
      seq: v.seq ?? 0,
      kind: v.kind ?? 'submission',
      status: v.status,
      flags: v.flags ?? [],
    })),
    events,
  );
  return versions.find((v) => v.version === review.counted);
}

/**
 * The reference recount: totals per region computed from scratch from every stored version and
 * the review events about them. The live aggregates must always equal this.
 */
export function recount(
  versions: readonly CountableVersion[],
  events: readonly TpsReviewEvent[] = [],
): Map<RegionCode, Tally> {
  const byTps = new Map<TpsCode, CountableVersion[]>();
  for (const v of versions) {
    const list = byTps.get(v.tps) ?? [];
    list.push(v);
    byTps.set(v.tps, list);
  }
  const eventsOf = new Map<TpsCode, ReviewEvent[]>();
  for (const e of events) {
    const list = eventsOf.get(e.tps) ?? [];
    list.push(e);
    eventsOf.set(e.tps, list);
  }
  const totals = new Map<RegionCode, Tally>();
  for (const [tps, list] of byTps) {
    const counted = countedVersion(list, eventsOf.get(tps) ?? []);
    if (!counted) continue;
    const t = tallyOf(counted.result);
    for (const region of ancestorsOfTps(tps))
      totals.set(region, addTally(totals.get(region) ?? emptyTally(), t));
  }
  return totals;
}
