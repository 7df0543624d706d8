// Every check of one record as linear arithmetic over its fields: the form's rules
// (`linearRules`) and the impossible values (more votes than voters, than DPT + 2%, than a TPS
// may have). A check whose fields are not all present is skipped; the record is then incomplete.
import { maxVotersPerTps, type Ballot } from '../ballots.ts';
import { linearRules } from '../rules.ts';
import type { Text } from '../rules.ts';

export type Constraint = {
  id: string;
  category: 'rule' | 'impossible';
  terms: [path: string, coef: number][];
  kind: 'eq' | 'le';
  constant: number;
};

/** ceil(n × 1.02): the ballots a TPS gets (DPT plus the 2% reserve). */
const withReserve = (n: number): number => Math.floor((n * 102 + 99) / 100);

/** The checks for a contest, before filtering on the fields a record has. */
export function constraintsFor(
  ballot: Ballot,
  voteKeys: readonly string[],
  hasBallots: boolean,
): Constraint[] {
  const out: Constraint[] = linearRules(voteKeys, { ballot }).map((r) => ({
    id: r.id,
    category: 'rule',
    terms: r.terms,
    kind: r.kind,
    constant: r.constant ?? 0,
  }));
  // V.C = II.used = B4: where the source has no section II (Sirekap), V.C = B4 directly.
  if (!hasBallots)
    out.push({
      id: 'total-equals-voters',
      category: 'rule',
      kind: 'eq',
      terms: [
        ['total', 1],
        ['voters.total.total', -1],
      ],
      constant: 0,
    });
  const limit = maxVotersPerTps(ballot);
  const votes = voteKeys.map((k): [string, number] => [`votes.${k}`, 1]);
  for (const k of voteKeys)
    out.push({
      id: 'votes-over-tps-limit',
      category: 'impossible',
      kind: 'le',
      terms: [[`votes.${k}`, 1]],
      constant: -limit,
    });
  const sums: [string, [string, number][]][] = [
    ['votes', votes],
    ['valid', [['valid', 1]]],
    ['total', [['total', 1]]],
  ];
  for (const [name, terms] of sums) {
    out.push({
      id: `${name}-over-tps-limit`,
      category: 'impossible',
      kind: 'le',
      terms,
      constant: -withReserve(limit),
    });
    // 100 x - 102 dpt <= 99  <=>  x <= ceil(1.02 dpt)
    out.push({
      id: `${name}-over-dpt-reserve`,
      category: 'impossible',
      kind: 'le',
      terms: [...terms.map(([p, c]): [string, number] => [p, 100 * c]), ['dpt.total', -102]],
      constant: -99,
    });
    out.push({
      id: `${name}-over-voters`,
      category: 'impossible',
      kind: 'le',
      terms: [...terms, ['voters.total.total', -1]],
      constant: 0,
    });
  }
  return out;
}

/** sum(coef × value) + constant, or undefined when a field is missing. */
export function evaluate(
  c: Constraint,
  get: (path: string) => number | null | undefined,
): number | undefined {
  let s = c.constant;
  for (const [p, coef] of c.terms) {
    const v = get(p);
    if (v == null) return undefined;
    s += coef * v;
  }
  return s;
}

export const broken = (c: Constraint, s: number): boolean => (c.kind === 'eq' ? s !== 0 : s > 0);

const NAMES: Record<string, Text> = {
  'gender-sum': { id: 'L + P = jumlah', en: 'male + female = total' },
  'voters-sum': {
    id: 'DPT + DPTb + DPK = pengguna hak pilih',
    en: 'DPT + DPTb + DPK = all voters',
  },
  'voters-within-dpt': { id: 'pemilih DPT ≤ DPT', en: 'DPT voters ≤ DPT' },
  'votes-sum-valid': { id: 'jumlah suara pasangan = suara sah', en: 'votes of all pairs = valid' },
  'valid-plus-invalid': { id: 'sah + tidak sah = jumlah', en: 'valid + invalid = total' },
  'total-equals-used': { id: 'jumlah suara = surat suara digunakan', en: 'total = ballots used' },
  'used-equals-voters': { id: 'surat suara digunakan = pengguna', en: 'ballots used = voters' },
  'total-equals-voters': { id: 'jumlah suara = pengguna hak pilih', en: 'total votes = voters' },
  'ballots-balance': { id: 'neraca surat suara', en: 'ballot papers balance' },
  'ballots-reserve': { id: 'surat suara ≤ DPT + 2%', en: 'ballots ≤ DPT + 2%' },
  'disabled-within-voters': { id: 'disabilitas ≤ pengguna', en: 'disabled ≤ voters' },
  'dpt-within-tps-limit': { id: 'DPT ≤ batas per TPS', en: 'DPT ≤ TPS limit' },
  'dpt-matches-register': { id: 'DPT = DPT terdaftar', en: 'DPT = registered DPT' },
};

/** A reason in both languages: the check, and the sides as the record has them. */
export function describe(c: Constraint, get: (path: string) => number | null | undefined): Text {
  const side = (sign: 1 | -1) =>
    c.terms
      .filter(([, coef]) => Math.sign(coef) === sign)
      .map(([p, coef]) => `${Math.abs(coef) === 1 ? '' : `${Math.abs(coef)}×`}${p} ${get(p)}`)
      .join(' + ');
  const lhs = side(1);
  const rhs = [side(-1), c.constant ? String(-c.constant) : ''].filter(Boolean).join(' + ');
  const op = c.kind === 'eq' ? '≠' : '>';
  const formula = `${lhs} ${op} ${rhs || '0'}`;
  const name = NAMES[c.id];
  if (name) return { id: `${name.id}: ${formula}`, en: `${name.en}: ${formula}` };
  const limit = c.id.split('-over-')[1] ?? '';
  const scale = limit === 'dpt-reserve' ? 100 : 1;
  const x = c.terms.reduce(
    (a, [p, coef]) => (coef > 0 ? a + (coef / scale) * (get(p) ?? 0) : a),
    0,
  );
  const cap =
    limit === 'dpt-reserve'
      ? withReserve(get('dpt.total') ?? 0)
      : limit === 'voters'
        ? (get('voters.total.total') ?? 0)
        : -c.constant;
  const paths = c.terms.filter(([, coef]) => coef > 0).map(([p]) => p);
  const label = paths.length === 1 ? `${paths[0]} ${x}` : `${paths.join(' + ')} = ${x}`;
  const id: Record<string, string> = {
    'tps-limit': `melebihi batas satu TPS (${cap})`,
    'dpt-reserve': `melebihi DPT + 2% (${cap})`,
    voters: `melebihi jumlah pengguna hak pilih (${cap})`,
  };
  const en: Record<string, string> = {
    'tps-limit': `more than one TPS can have (${cap})`,
    'dpt-reserve': `more than DPT + 2% (${cap})`,
    voters: `more than the voters who voted (${cap})`,
  };
  return { id: `${label} ${id[limit] ?? limit}`, en: `${label}: ${en[limit] ?? limit}` };
}
