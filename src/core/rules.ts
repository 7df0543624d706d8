// The arithmetic that holds on a correct C.Hasil (DESIGN.md section 1). A form can still break a
// rule on paper: the numbers are kept as written, the breach is reported in words a KPPS officer
// understands, and the result is routed to review. Nothing here changes a number.
import * as z from 'zod';
import { maxVotersPerTps, type Ballot } from './ballots.ts';
import type { CHasil } from './chasil.ts';

export const RULE_IDS = [
  'gender-sum',
  'voters-sum',
  'voters-within-dpt',
  'votes-sum-valid',
  'valid-plus-invalid',
  'total-equals-used',
  'used-equals-voters',
  'ballots-balance',
  'ballots-reserve',
  'disabled-within-voters',
  'dpt-within-tps-limit',
  'dpt-matches-register',
] as const;
export const RuleIdSchema = z.enum(RULE_IDS);
export type RuleId = z.infer<typeof RuleIdSchema>;

/** Words for people, in Bahasa Indonesia first and English. */
export const TextSchema = z.object({ id: z.string(), en: z.string() });
export type Text = z.infer<typeof TextSchema>;

export const RuleBreachSchema = z.object({
  rule: RuleIdSchema,
  /** The fields involved, as dotted paths. */
  fields: z.array(z.string()),
  message: TextSchema,
});
export type RuleBreach = z.infer<typeof RuleBreachSchema>;

export type RuleContext = {
  ballot: Ballot;
  /** The DPT of this TPS in the voter register, when known. */
  registeredDpt?: number | null;
};

const fmt = (n: number) => String(n);

/** Every rule this result breaks; empty when the form is consistent. */
export function checkRules(r: CHasil, ctx: RuleContext): RuleBreach[] {
  const out: RuleBreach[] = [];
  const rows = [
    ['dpt', r.dpt, 'DPT', 'DPT'],
    ['voters.dpt', r.voters.dpt, 'pemilih DPT yang memilih', 'DPT voters who voted'],
    ['voters.dptb', r.voters.dptb, 'pemilih DPTb', 'DPTb voters'],
    ['voters.dpk', r.voters.dpk, 'pemilih DPK', 'DPK voters'],
    ['voters.total', r.voters.total, 'jumlah pengguna hak pilih', 'all voters who voted'],
    ['disabled', r.disabled, 'pemilih disabilitas', 'voters with disabilities'],
  ] as const;
  for (const [path, g, id, en] of rows) {
    if (g.l + g.p !== g.total)
      out.push({
        rule: 'gender-sum',
        fields: [`${path}.l`, `${path}.p`, `${path}.total`],
        message: {
          id: `Jumlah ${id}: laki-laki ${fmt(g.l)} + perempuan ${fmt(g.p)} = ${fmt(g.l + g.p)}, tetapi tertulis ${fmt(g.total)}.`,
          en: `${en}: male ${fmt(g.l)} + female ${fmt(g.p)} = ${fmt(g.l + g.p)}, but the total says ${fmt(g.total)}.`,
        },
      });
  }
  for (const k of ['l', 'p', 'total'] as const) {
    const sum = r.voters.dpt[k] + r.voters.dptb[k] + r.voters.dpk[k];
    if (sum !== r.voters.total[k])
      out.push({
        rule: 'voters-sum',
        fields: [`voters.dpt.${k}`, `voters.dptb.${k}`, `voters.dpk.${k}`, `voters.total.${k}`],
        message: {
          id: `Pengguna hak pilih (${k.toUpperCase()}): DPT + DPTb + DPK = ${fmt(sum)}, tetapi jumlahnya tertulis ${fmt(r.voters.total[k])}.`,
          en: `Voters (${k}): DPT + DPTb + DPK = ${fmt(sum)}, but their total says ${fmt(r.voters.total[k])}.`,
        },
      });
    if (r.voters.dpt[k] > r.dpt[k])
      out.push({
        rule: 'voters-within-dpt',
        fields: [`voters.dpt.${k}`, `dpt.${k}`],
        message: {
          id: `Pemilih DPT yang memilih (${fmt(r.voters.dpt[k])}) lebih banyak dari DPT (${fmt(r.dpt[k])}).`,
          en: `More DPT voters voted (${fmt(r.voters.dpt[k])}) than the DPT lists (${fmt(r.dpt[k])}).`,
        },
      });
  }
  const votesSum = Object.values(r.votes).reduce((a, b) => a + b, 0);
  if (votesSum !== r.valid)
    out.push({
      rule: 'votes-sum-valid',
      fields: [...Object.keys(r.votes).map((k) => `votes.${k}`), 'valid'],
      message: {
        id: `Jumlah suara sah semua pasangan/calon = ${fmt(votesSum)}, tetapi suara sah (V.A) tertulis ${fmt(r.valid)}.`,
        en: `The votes of all choices add up to ${fmt(votesSum)}, but valid votes (V.A) says ${fmt(r.valid)}.`,
      },
    });
  if (r.valid + r.invalid !== r.total)
    out.push({
      rule: 'valid-plus-invalid',
      fields: ['valid', 'invalid', 'total'],
      message: {
        id: `Suara sah ${fmt(r.valid)} + tidak sah ${fmt(r.invalid)} = ${fmt(r.valid + r.invalid)}, tetapi jumlahnya (V.C) tertulis ${fmt(r.total)}.`,
        en: `Valid ${fmt(r.valid)} + invalid ${fmt(r.invalid)} = ${fmt(r.valid + r.invalid)}, but the total (V.C) says ${fmt(r.total)}.`,
      },
    });
  if (r.total !== r.ballots.used)
    out.push({
      rule: 'total-equals-used',
      fields: ['total', 'ballots.used'],
      message: {
        id: `Jumlah suara (${fmt(r.total)}) tidak sama dengan surat suara yang digunakan (${fmt(r.ballots.used)}).`,
        en: `Total votes (${fmt(r.total)}) differ from the ballot papers used (${fmt(r.ballots.used)}).`,
      },
    });
  if (r.ballots.used !== r.voters.total.total)
    out.push({
      rule: 'used-equals-voters',
      fields: ['ballots.used', 'voters.total.total'],
      message: {
        id: `Surat suara yang digunakan (${fmt(r.ballots.used)}) tidak sama dengan jumlah pengguna hak pilih (${fmt(r.voters.total.total)}).`,
        en: `Ballot papers used (${fmt(r.ballots.used)}) differ from the number of voters (${fmt(r.voters.total.total)}).`,
      },
    });
  const b = r.ballots;
  if (b.used + b.returned + b.unused !== b.received)
    out.push({
      rule: 'ballots-balance',
      fields: ['ballots.received', 'ballots.used', 'ballots.returned', 'ballots.unused'],
      message: {
        id: `Surat suara diterima ${fmt(b.received)}, tetapi digunakan + dikembalikan + tidak digunakan = ${fmt(b.used + b.returned + b.unused)}.`,
        en: `${fmt(b.received)} ballot papers received, but used + returned + unused = ${fmt(b.used + b.returned + b.unused)}.`,
      },
    });
  const reserveMax = Math.floor((r.dpt.total * 102 + 99) / 100); // ceil(DPT × 1.02), in integers
  if (b.received > reserveMax)
    out.push({
      rule: 'ballots-reserve',
      fields: ['ballots.received', 'dpt.total'],
      message: {
        id: `Surat suara diterima (${fmt(b.received)}) melebihi DPT + 2% cadangan (${fmt(reserveMax)}).`,
        en: `Ballot papers received (${fmt(b.received)}) exceed DPT + the 2% reserve (${fmt(reserveMax)}).`,
      },
    });
  if (r.disabled.total > r.voters.total.total)
    out.push({
      rule: 'disabled-within-voters',
      fields: ['disabled.total', 'voters.total.total'],
      message: {
        id: `Pemilih disabilitas (${fmt(r.disabled.total)}) lebih banyak dari seluruh pengguna hak pilih (${fmt(r.voters.total.total)}).`,
        en: `More voters with disabilities (${fmt(r.disabled.total)}) than voters in all (${fmt(r.voters.total.total)}).`,
      },
    });
  const limit = maxVotersPerTps(ctx.ballot);
  if (r.dpt.total > limit)
    out.push({
      rule: 'dpt-within-tps-limit',
      fields: ['dpt.total'],
      message: {
        id: `DPT ${fmt(r.dpt.total)} melebihi batas ${fmt(limit)} pemilih per TPS.`,
        en: `DPT ${fmt(r.dpt.total)} exceeds the limit of ${fmt(limit)} voters per TPS.`,
      },
    });
  if (ctx.registeredDpt != null && r.dpt.total !== ctx.registeredDpt)
    out.push({
      rule: 'dpt-matches-register',
      fields: ['dpt.total'],
      message: {
        id: `DPT di formulir (${fmt(r.dpt.total)}) berbeda dari DPT terdaftar untuk TPS ini (${fmt(ctx.registeredDpt)}).`,
        en: `The form's DPT (${fmt(r.dpt.total)}) differs from the registered DPT of this TPS (${fmt(ctx.registeredDpt)}).`,
      },
    });
  return out;
}

/** A rule as arithmetic over field paths: sum(coef * value) + constant = 0 (`eq`) or <= 0 (`le`). */
export type LinearRule = {
  id: RuleId;
  terms: [path: string, coef: number][];
  kind: 'eq' | 'le';
  constant?: number;
};

/**
 * The same rules as `checkRules`, written as linear arithmetic over the fields, for the reader's
 * decoder (which weighs every reading of a form against them). A property test keeps the two
 * descriptions in agreement.
 */
export function linearRules(voteKeys: readonly string[], ctx: RuleContext): LinearRule[] {
  const rules: LinearRule[] = [];
  for (const row of ['dpt', 'voters.dpt', 'voters.dptb', 'voters.dpk', 'voters.total', 'disabled'])
    rules.push({
      id: 'gender-sum',
      kind: 'eq',
      terms: [
        [`${row}.l`, 1],
        [`${row}.p`, 1],
        [`${row}.total`, -1],
      ],
    });
  for (const k of ['l', 'p', 'total']) {
    rules.push({
      id: 'voters-sum',
      kind: 'eq',
      terms: [
        [`voters.dpt.${k}`, 1],
        [`voters.dptb.${k}`, 1],
        [`voters.dpk.${k}`, 1],
        [`voters.total.${k}`, -1],
      ],
    });
    rules.push({
      id: 'voters-within-dpt',
      kind: 'le',
      terms: [
        [`voters.dpt.${k}`, 1],
        [`dpt.${k}`, -1],
      ],
    });
  }
  rules.push({
    id: 'votes-sum-valid',
    kind: 'eq',
    terms: [...voteKeys.map((k): [string, number] => [`votes.${k}`, 1]), ['valid', -1]],
  });
  rules.push({
    id: 'valid-plus-invalid',
    kind: 'eq',
    terms: [
      ['valid', 1],
      ['invalid', 1],
      ['total', -1],
    ],
  });
  rules.push({
    id: 'total-equals-used',
    kind: 'eq',
    terms: [
      ['total', 1],
      ['ballots.used', -1],
    ],
  });
  rules.push({
    id: 'used-equals-voters',
    kind: 'eq',
    terms: [
      ['ballots.used', 1],
      ['voters.total.total', -1],
    ],
  });
  rules.push({
    id: 'ballots-balance',
    kind: 'eq',
    terms: [
      ['ballots.used', 1],
      ['ballots.returned', 1],
      ['ballots.unused', 1],
      ['ballots.received', -1],
    ],
  });
  // received <= ceil(1.02 * dpt)  <=>  100 received - 102 dpt <= 99 (integers).
  rules.push({
    id: 'ballots-reserve',
    kind: 'le',
    terms: [
      ['ballots.received', 100],
      ['dpt.total', -102],
    ],
    constant: -99,
  });
  rules.push({
    id: 'disabled-within-voters',
    kind: 'le',
    terms: [
      ['disabled.total', 1],
      ['voters.total.total', -1],
    ],
  });
  rules.push({
    id: 'dpt-within-tps-limit',
    kind: 'le',
    terms: [['dpt.total', 1]],
    constant: -maxVotersPerTps(ctx.ballot),
  });
  if (ctx.registeredDpt != null)
    rules.push({
      id: 'dpt-matches-register',
      kind: 'eq',
      terms: [['dpt.total', 1]],
      constant: -ctx.registeredDpt,
    });
  return rules;
}

/** The ids of the linear rules that `values` (field path -> number) break. */
export function brokenLinearRules(
  rules: readonly LinearRule[],
  values: ReadonlyMap<string, number>,
): RuleId[] {
  return rules
    .filter((r) => {
      const s = r.terms.reduce(
        (a, [path, coef]) => a + coef * (values.get(path) ?? 0),
        r.constant ?? 0,
      );
      return r.kind === 'eq' ? s !== 0 : s > 0;
    })
    .map((r) => r.id);
}
