// Ballots ("jenis pemilihan") and their contests. Three shapes of contest cover every ballot of the
// 2024 general election and the Pilkada: pairs of candidates, party lists with candidates, and
// individual candidates (DPD).
import * as z from 'zod';

export const BALLOTS = [
  'ppwp',
  'dpr',
  'dpd',
  'dprd_prov',
  'dprd_kabko',
  'pilgub',
  'pilbup',
] as const;
export const BallotSchema = z.enum(BALLOTS);
export type Ballot = z.infer<typeof BallotSchema>;

/** The most voters one TPS may have: 300 in a general election, 600 in a Pilkada. */
export function maxVotersPerTps(ballot: Ballot): number {
  return ballot === 'pilgub' || ballot === 'pilbup' ? 600 : 300;
}

const CandidateNumber = z.number().int().min(1).max(99);

export const PairSchema = z.object({
  number: CandidateNumber,
  names: z.tuple([z.string().min(1), z.string().min(1)]),
  /** Pilkada with a single pair: the empty box ("kotak kosong") is a choice of its own. */
  emptyBox: z.boolean().optional(),
});
export type Pair = z.infer<typeof PairSchema>;

export const PartySchema = z.object({
  number: CandidateNumber,
  name: z.string().min(1),
  candidates: z.array(z.object({ number: CandidateNumber, name: z.string().min(1) })),
});
export type Party = z.infer<typeof PartySchema>;

export const IndividualSchema = z.object({ number: CandidateNumber, name: z.string().min(1) });
export type Individual = z.infer<typeof IndividualSchema>;

export const ContestSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('pair'),
    ballot: BallotSchema,
    scope: z.string(),
    pairs: z.array(PairSchema).min(1),
  }),
  z.object({
    kind: z.literal('party-list'),
    ballot: BallotSchema,
    scope: z.string(),
    parties: z.array(PartySchema).min(1),
  }),
  z.object({
    kind: z.literal('individual'),
    ballot: BallotSchema,
    scope: z.string(),
    candidates: z.array(IndividualSchema).min(1),
  }),
]);
/** One ballot's choices within a region (`scope`: `id` for PPWP, a province for DPD, ...). */
export type Contest = z.infer<typeof ContestSchema>;

/**
 * The keys under which a contest's votes are written and tallied, in form order. Pairs and
 * individuals: their number (`"1"`). Party lists: the party's own votes `"P1"` and each candidate
 * `"P1.C3"`; a party's total is the sum of its keys.
 */
export function voteKeys(contest: Contest): string[] {
  switch (contest.kind) {
    case 'pair': {
      const keys = contest.pairs.map((p) => String(p.number));
      const single = contest.pairs.length === 1 && contest.pairs[0]?.emptyBox;
      return single ? [...keys, 'kosong'] : keys;
    }
    case 'individual':
      return contest.candidates.map((c) => String(c.number));
    case 'party-list':
      return contest.parties.flatMap((p) => [
        `P${p.number}`,
        ...p.candidates.map((c) => `P${p.number}.C${c.number}`),
      ]);
  }
}

/** The 2024 presidential contest (PPWP), with the three pairs in ballot order. */
export const PPWP_2024: Contest = {
  kind: 'pair',
  ballot: 'ppwp',
  scope: 'id',
  pairs: [
    { number: 1, names: ['Anies Rasyid Baswedan', 'Abdul Muhaimin Iskandar'] },
    { number: 2, names: ['Prabowo Subianto', 'Gibran Rakabuming Raka'] },
    { number: 3, names: ['Ganjar Pranowo', 'Mahfud MD'] },
  ],
};
