// The numbers of form C.Hasil as a KPPS writes them: sections I to V. Every number is written in
// three digit boxes, so every field is an integer 0..999.
import { z } from 'zod';
import { voteKeys, type Contest } from './ballots.ts';

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

export type FieldProblem = { path: string; message: string };

/**
 * Parses an untrusted C.Hasil for `contest`. Problems name the field by its dotted path
 * (`votes.2`, `voters.dpt.l`), so the sender can find it on the form.
 */
export function parseCHasil(
  input: unknown,
  contest: Contest,
): { ok: true; value: CHasil } | { ok: false; problems: FieldProblem[] } {
  const parsed = CHasilSchema.safeParse(input);
  const problems: FieldProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(result)',
        message: describeIssue(issue),
      }));
  const votes = parsed.success ? parsed.data.votes : undefined;
  if (votes) {
    const expected = voteKeys(contest);
    for (const key of expected)
      if (!(key in votes)) problems.push({ path: `votes.${key}`, message: 'missing' });
    for (const key of Object.keys(votes))
      if (!expected.includes(key))
        problems.push({
          path: `votes.${key}`,
          message: `unknown choice (expected ${expected.join(', ')})`,
        });
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, value: parsed.data };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'missing' : `expected ${issue.expected}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'unrecognized_keys':
      return `unknown field(s): ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
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
