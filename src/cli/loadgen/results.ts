// The numbers loadgen sends: a clean C.Hasil for any contest (every rule of src/core/rules.ts
// holds, its DPT is the TPS's registered one), different per TPS, ballot and version, so that the
// recap moves the way a real night's does. Production code never loads src/synth, so this is its
// own small builder.
import { maxVotersPerTps, type Ballot } from '../../core/ballots.ts';
import type { CHasil } from '../../core/chasil.ts';
import { checkRules } from '../../core/rules.ts';

/** The DPT used where the election holds none for a TPS (no register to match). */
export const DEFAULT_DPT = 250;

/** FNV-1a of a string: a cheap, stable seed per TPS, ballot and version. */
export function hash32(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A small deterministic generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A clean result for one TPS: `dpt` registered voters (null: DEFAULT_DPT), turnout 70-89%, a few
 * invalid votes, the valid ones spread over `voteKeys`. Throws if a rule would flag it (a bug).
 */
export function cleanResult(
  ballot: Ballot,
  voteKeys: readonly string[],
  dpt: number | null,
  seed: string,
): CHasil {
  const next = rng(hash32(seed));
  const registered = Math.min(dpt ?? DEFAULT_DPT, maxVotersPerTps(ballot));
  const dptL = Math.floor(registered / 2);
  const dptP = registered - dptL;
  const turnout = 0.7 + Math.floor(next() * 20) / 100;
  const votesL = Math.round(dptL * turnout);
  const votesP = Math.round(dptP * turnout);
  const used = votesL + votesP;
  const invalid = Math.min(used, 2 + Math.floor(next() * 9));
  const valid = used - invalid;
  const votes: Record<string, number> = Object.fromEntries(voteKeys.map((k) => [k, 0]));
  const weights = voteKeys.map(() => 0.2 + next());
  const sum = weights.reduce((a, b) => a + b, 0);
  let left = valid;
  voteKeys.forEach((k, i) => {
    const v =
      i === voteKeys.length - 1 ? left : Math.min(left, Math.floor((valid * weights[i]!) / sum));
    votes[k] = v;
    left -= v;
  });
  const received = Math.ceil((registered * 102) / 100);
  const disabledP = Math.min(votesP, Math.floor(next() * 3));
  const result: CHasil = {
    dpt: { l: dptL, p: dptP, total: registered },
    voters: {
      dpt: { l: votesL, p: votesP, total: used },
      dptb: { l: 0, p: 0, total: 0 },
      dpk: { l: 0, p: 0, total: 0 },
      total: { l: votesL, p: votesP, total: used },
    },
    ballots: { received, used, returned: 0, unused: received - used },
    disabled: { l: 0, p: disabledP, total: disabledP },
    votes,
    valid,
    invalid,
    total: used,
  };
  const flags = checkRules(result, { ballot, registeredDpt: dpt });
  if (flags.length > 0)
    throw new Error(
      `loadgen bug: its result for ${seed} breaks ${flags.map((f) => f.rule).join(', ')}`,
    );
  return result;
}

/** A result the server must refuse (422 invalid_result): a count no form's three boxes can hold. */
export function impossibleResult(r: CHasil): CHasil {
  const [first] = Object.keys(r.votes);
  return { ...r, votes: { ...r.votes, [first ?? '1']: 1000 } };
}

/** The same result with one choice's votes raised by one: its sum no longer holds. */
export function wrongSum(r: CHasil): CHasil {
  const [first] = Object.keys(r.votes);
  const k = first ?? '1';
  return { ...r, votes: { ...r.votes, [k]: (r.votes[k] ?? 0) + 1 } };
}
