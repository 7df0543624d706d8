// The simulated election night of the demo: one C.Hasil PPWP per TPS, drawn from a seed. Turnout,
// voter lists and invalid votes are synthetic but plausible; the valid votes follow each
// kecamatan's real shares (Sirekap real count, src/demo/data/okutimur.json), so a full night lands
// close to the real result. A few forms carry a deliberate arithmetic slip, as real forms do, and
// arrive flagged; some of those are corrected by a later resubmission.
import { voteKeys, type Contest } from '../core/ballots.ts';
import type { CHasil } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import type { ElectionSetup } from '../core/election.ts';
import { okuTimurFacts, sharesOf } from './facts.ts';
import { createRandom, type Random } from '../core/random.ts';

export type SimulatedSubmission = {
  tps: TpsCode;
  result: CHasil;
  /** When it is sent, in milliseconds from the start of the night. */
  atMs: number;
  /** `slip`: the form as written holds an arithmetic mistake; `resubmission`: its correction. */
  note?: 'slip' | 'resubmission';
};

export type NightOptions = {
  seed: number;
  /** Share of TPS whose first form has an arithmetic slip (default 0.02). */
  flaggedShare?: number;
  /** Share of the slipped TPS that send a corrected form later (default 0.6). */
  resubmitShare?: number;
  /** How long the night lasts (default 10 minutes). */
  durationMs?: number;
  /** Vote shares per TPS, keyed like the contest's votes; default: the real shares of its kecamatan. */
  shares?: (tps: TpsCode) => Record<string, number>;
};

export const DEFAULT_NIGHT_MS = 10 * 60_000;

/** How alike the TPS of one kecamatan vote: higher is more alike (Dirichlet concentration). */
const TPS_CONCENTRATION = 500;

/** The real shares of the demo's kecamatan, falling back to the whole kabupaten's. */
function demoShares(): (tps: TpsCode) => Record<string, number> {
  const facts = okuTimurFacts();
  const byKec = new Map(facts.kecamatan.map((k) => [k.code, sharesOf(k)]));
  const sum = (key: 'votes_01' | 'votes_02' | 'votes_03') =>
    facts.kecamatan.reduce((n, k) => n + k[key], 0);
  const all = sharesOf({
    votes_01: sum('votes_01'),
    votes_02: sum('votes_02'),
    votes_03: sum('votes_03'),
  });
  return (tps) => byKec.get(tps.slice(0, 8)) ?? all;
}

function pairContest(election: ElectionSetup): Contest {
  const c = election.contests.find((x) => x.ballot === 'ppwp') ?? election.contests[0];
  if (!c) throw new Error('simulateNight: the election has no contest');
  return c;
}

const gender = (l: number, p: number) => ({ l, p, total: l + p });

/** Draws a Dirichlet around `shares` (concentration `alpha`). */
function dirichlet(rnd: Random, shares: number[], alpha: number): number[] {
  const g = shares.map((s) => (s > 0 ? rnd.gamma(s * alpha) : 0));
  const sum = g.reduce((a, b) => a + b, 0);
  return sum > 0 ? g.map((x) => x / sum) : shares;
}

/** `n` votes spread over the choices one by one (a multinomial draw). */
function multinomial(rnd: Random, n: number, probs: number[]): number[] {
  const out = probs.map(() => 0);
  for (let i = 0; i < n; i++) {
    let u = rnd.next();
    let k = 0;
    while (k < probs.length - 1 && u >= (probs[k] ?? 0)) {
      u -= probs[k] ?? 0;
      k++;
    }
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** A consistent C.Hasil (every rule of rules.ts holds) for one TPS with `dpt` registered voters. */
export function simulateTpsResult(
  rnd: Random,
  dpt: number,
  keys: string[],
  shares: Record<string, number>,
): CHasil {
  const dptL = rnd.binomial(dpt, 0.5);
  const dptP = dpt - dptL;
  const turnout = rnd.uniform(0.75, 0.85);
  const fromDptL = rnd.binomial(dptL, turnout - 0.01);
  const fromDptP = rnd.binomial(dptP, turnout + 0.01);
  const received = Math.ceil(dpt * 1.02);
  const returned = rnd.binomial(2, 0.3);
  // DPTb (moved in) and DPK (ID card only) voters, as many as the ballot papers allow.
  let room = received - returned - fromDptL - fromDptP;
  const take = (n: number) => {
    const k = Math.max(0, Math.min(n, room));
    room -= k;
    return k;
  };
  const dptb = take(rnd.poisson(1.2));
  const dpk = take(rnd.poisson(0.6));
  const dptbL = rnd.binomial(dptb, 0.5);
  const dpkL = rnd.binomial(dpk, 0.5);
  const votersL = fromDptL + dptbL + dpkL;
  const votersP = fromDptP + (dptb - dptbL) + (dpk - dpkL);
  const used = votersL + votersP;
  const invalid = rnd.binomial(used, rnd.uniform(0.02, 0.03));
  const valid = used - invalid;
  const probs = dirichlet(
    rnd,
    keys.map((k) => shares[k] ?? 0),
    TPS_CONCENTRATION,
  );
  const counts = multinomial(rnd, valid, probs);
  const disabled = rnd.binomial(used, 0.006);
  const disabledL = rnd.binomial(disabled, 0.5);
  return {
    dpt: gender(dptL, dptP),
    voters: {
      dpt: gender(fromDptL, fromDptP),
      dptb: gender(dptbL, dptb - dptbL),
      dpk: gender(dpkL, dpk - dpkL),
      total: gender(votersL, votersP),
    },
    ballots: { received, used, returned, unused: received - used - returned },
    disabled: gender(disabledL, disabled - disabledL),
    votes: Object.fromEntries(keys.map((k, i) => [k, counts[i] ?? 0])),
    valid,
    invalid,
    total: used,
  };
}

/** The form as a tired KPPS might write it: one arithmetic mistake that the rules catch. */
export function withSlip(rnd: Random, r: CHasil): CHasil {
  const out = structuredClone(r);
  const kind = rnd.pick(['votes', 'total', 'voters'] as const);
  switch (kind) {
    case 'votes': {
      // One pair's total with its tens and units swapped, or ten off.
      const key = rnd.pick(Object.keys(out.votes));
      const v = out.votes[key] ?? 0;
      const swapped = Math.floor(v / 100) * 100 + (v % 10) * 10 + (Math.floor(v / 10) % 10);
      out.votes[key] = swapped !== v ? swapped : v >= 10 ? v - 10 : v + 10;
      break;
    }
    case 'total':
      // V.C added up wrong.
      out.total = Math.max(0, out.total + (rnd.next() < 0.5 ? -1 : 1) * rnd.int(1, 9));
      if (out.total === r.total) out.total = r.total + 1;
      break;
    case 'voters': {
      // The L + P of all voters (B4) written ten off.
      const t = out.voters.total.total;
      out.voters.total.total = t >= 10 && rnd.next() < 0.5 ? t - 10 : t + 10;
      break;
    }
  }
  return out;
}

/** Beta(2, 3): most TPS report in the first half of the night, a tail comes late. */
function arrival(rnd: Random): number {
  const a = rnd.gamma(2);
  const b = rnd.gamma(3);
  return a / (a + b);
}

/**
 * Every submission of a simulated election night, sorted by `atMs`. Pure and deterministic for a
 * seed. Each TPS sends one form; a `flaggedShare` of them carry an arithmetic slip (`note:
 * 'slip'`), and a `resubmitShare` of those send the correct form later (`note: 'resubmission'`).
 */
export function simulateNight(election: ElectionSetup, opts: NightOptions): SimulatedSubmission[] {
  const contest = pairContest(election);
  const keys = voteKeys(contest);
  const duration = opts.durationMs ?? DEFAULT_NIGHT_MS;
  const sharesFor = opts.shares ?? demoShares();
  const root = createRandom(opts.seed);
  const slipCount = Math.round(election.tps.length * (opts.flaggedShare ?? 0.02));
  const slipRnd = root.fork('slips');
  const slipped = new Set(slipRnd.shuffle(election.tps.map((t) => t.code)).slice(0, slipCount));
  const resubmitShare = opts.resubmitShare ?? 0.6;

  const out: SimulatedSubmission[] = [];
  for (const tps of election.tps) {
    const rnd = root.fork(tps.code);
    const result = simulateTpsResult(rnd, tps.dpt ?? rnd.int(180, 300), keys, sharesFor(tps.code));
    const at = arrival(rnd) * duration * 0.9;
    if (!slipped.has(tps.code)) {
      out.push({ tps: tps.code, result, atMs: Math.round(at) });
      continue;
    }
    out.push({ tps: tps.code, result: withSlip(rnd, result), atMs: Math.round(at), note: 'slip' });
    if (rnd.next() < resubmitShare) {
      const later = at + (duration - at) * rnd.uniform(0.2, 0.9);
      out.push({ tps: tps.code, result, atMs: Math.round(later), note: 'resubmission' });
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs || a.tps.localeCompare(b.tps));
}
