// The numbers of form C.Hasil as a KPPS writes them: sections I to V. Every number is written in
// three digit boxes, so every field is an integer 0..999.
import * as z from 'zod';
import { PPWP_2024, voteKeys, type Contest } from './ballots.ts';
import {
  describeIssue,
  describeValue,
  pathText,
  problemCollector,
  type Problems,
} from './problems.ts';
import { err, ok, type Result } from './result.ts';

export const FIELD_MAX = 999;
const Count = z.number().int().min(0).max(FIELD_MAX);
const ByGender = z.strictObject({ l: Count, p: Count, total: Count });

export const CHasilSchema = z.strictObject({
  /** I.A: the permanent voter list of this TPS. */
  dpt: ByGender,
  /** I.B: voters who used their vote, from DPT (B1), DPTb (B2), DPK (B3) and all (B4). */
  voters: z.strictObject({ dpt: ByGender, dptb: ByGender, dpk: ByGender, total: ByGender }),
  /** II: ballot papers received (with the 2% reserve), used, returned damaged or miscast, unused. */
  ballots: z.strictObject({ received: Count, used: Count, returned: Count, unused: Count }),
  /** III: voters with disabilities who voted. */
  disabled: ByGender,
  /** IV: valid votes per choice, keyed as `voteKeys` of the contest says. */
  votes: z.record(z.string(), Count),
  /** V.A, V.B, V.C. */
  valid: Count,
  invalid: Count,
  total: Count,
});
export type CHasil = z.infer<typeof CHasilSchema>;

export type { FieldProblem } from './problems.ts';

/** How a field that is not a count is described: `expected an integer 0..999, got the string "214"`. */
const COUNT_EXPECTED = `an integer 0..${FIELD_MAX}`;

/** A count's issues in one wording (zod gives a 1e300 two issues: not safe, and over 999). */
function describeCountIssue(issue: z.core.$ZodIssue): string | undefined {
  const numeric =
    (issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int')) ||
    ((issue.code === 'too_big' || issue.code === 'too_small') &&
      (issue.origin === 'number' || issue.origin === 'int'));
  if (!numeric) return undefined;
  return issue.input === undefined
    ? 'missing'
    : `expected ${COUNT_EXPECTED}, got ${describeValue(issue.input)}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses an untrusted C.Hasil for `contest`. Problems name the field by its dotted path
 * (`votes.2`, `voters.dpt.l`), so the sender can find it on the form, and say what was expected
 * and what came. At most MAX_PROBLEMS are listed (`omitted` counts the rest); every echoed key is
 * bounded (problems.ts).
 */
export function parseCHasil(input: unknown, contest: Contest): Result<CHasil, Problems> {
  const parsed = CHasilSchema.safeParse(input, { reportInput: true });
  const out = problemCollector();
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      out.add(pathText(issue.path, '(result)'), describeCountIssue(issue) ?? describeIssue(issue));
  // The choices are checked on the input's own keys: zod's record drops a `__proto__` key (JSON.parse
  // makes it an own key) without a word, and a key the contest does not know must be refused by name.
  const votes = isRecord(input) && isRecord(input.votes) ? input.votes : undefined;
  if (votes) {
    const expected = voteKeys(contest);
    for (const key of expected)
      if (!Object.hasOwn(votes, key)) out.add(pathText(['votes', key]), 'missing');
    const unknown = `unknown choice (expected ${expected.join(', ')})`;
    for (const key of Object.keys(votes))
      if (!expected.includes(key)) out.add(pathText(['votes', key]), unknown);
  }
  if (!parsed.success || out.size > 0) return err(out.done());
  return ok(parsed.data);
}

/** Every numeric field with its dotted path, in form order. */
export function fieldEntries(result: CHasil): [string, number][] {
  const rows: [string, number][] = [];
  const gender = (prefix: string, g: { l: number; p: number; total: number }) =>
    rows.push([`${prefix}.l`, g.l], [`${prefix}.p`, g.p], [`${prefix}.total`, g.total]);
  gender('dpt', result.dpt);
  for (const k of ['dpt', 'dptb', 'dpk', 'total'] as const) gender(`voters.${k}`, result.voters[k]);
  for (const k of ['received', 'used', 'returned', 'unused'] as const)
    rows.push([`ballots.${k}`, result.ballots[k]]);
  gender('disabled', result.disabled);
  for (const [k, v] of Object.entries(result.votes)) rows.push([`votes.${k}`, v]);
  rows.push(['valid', result.valid], ['invalid', result.invalid], ['total', result.total]);
  return rows;
}

/** Every field's dotted path for a contest with these vote keys (`voteKeys`), in form order. */
export function fieldPaths(votes: readonly string[]): string[] {
  const g = { l: 0, p: 0, total: 0 };
  const zero: CHasil = {
    dpt: g,
    voters: { dpt: g, dptb: g, dpk: g, total: g },
    ballots: { received: 0, used: 0, returned: 0, unused: 0 },
    disabled: g,
    votes: Object.fromEntries(votes.map((k) => [k, 0])),
    valid: 0,
    invalid: 0,
    total: 0,
  };
  return fieldEntries(zero).map(([path]) => path);
}

/**
 * The three pages of form C.HASIL-PPWP and the fields each holds, in the order they are printed:
 * page 1 sections I to III, page 2 the pairs' votes (IV), page 3 the valid, invalid and total (V).
 */
export const PPWP_PAGE_FIELDS: Readonly<Record<1 | 2 | 3, readonly string[]>> = (() => {
  const all = fieldPaths(voteKeys(PPWP_2024));
  const page3 = ['valid', 'invalid', 'total'];
  const votes = all.filter((p) => p.startsWith('votes.'));
  return { 1: all.filter((p) => !votes.includes(p) && !page3.includes(p)), 2: votes, 3: page3 };
})();
