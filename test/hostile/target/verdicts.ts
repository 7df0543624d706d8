// What the hostile suite judges a case by (the kinds of violation), one case's outcome, and the
// tallies of many cases for bench/hostile.ts and the suite.
import type { HostileCase } from '../generators.ts';

export const VIOLATIONS = [
  /** A 5xx answer. */
  'server_error',
  /** 503 with a documented reason (storage_full, server_busy): the suite should not cause it. */
  'unavailable',
  /** The server stopped answering /healthz. */
  'crash',
  /** A request that must be refused was accepted (2xx). */
  'accepted_refusable',
  /** A valid request was not accepted. */
  'refused_valid',
  /** A refused request left something behind (a row, photo bytes, a partial upload). */
  'stored_when_refused',
  /** The error body is not JSON `{ error, message }` with a snake_case `error`. */
  'bad_error_body',
  /** An answer shows a file path, a database URL, an SQLSTATE or a stack. */
  'internal_detail',
  /** An error answer so large that it must echo the input. */
  'echo',
  /** An accepted request that the public API does not show. */
  'not_visible',
  /** No answer (the server waited for bytes that were never going to come). */
  'no_answer',
  /** A type error reported as "missing", or an error that does not name the field. */
  'vague_message',
] as const;
export type ViolationKind = (typeof VIOLATIONS)[number];
export type Violation = { kind: ViolationKind; detail: string };

export type Outcome = {
  /** The HTTP status, or how the connection ended without one. */
  status: number | 'closed' | 'timeout';
  error?: string;
  violations: Violation[];
};

/** What a run of many cases gave, for the tallies of bench/hostile.ts and the suite. */
export type Tally = {
  inputs: number;
  byExpect: Record<string, number>;
  statuses: Record<string, number>;
  violations: Partial<Record<ViolationKind, number>>;
  /** Per family: inputs, inputs with any violation, and each kind of violation. */
  byFamily: Record<
    string,
    { inputs: number; violations: number; kinds: Partial<Record<ViolationKind, number>> }
  >;
  examples: {
    kind: ViolationKind;
    family: string;
    what: string;
    status: string;
    detail: string;
    /** The generated case, as JSON (cut at 1,500 characters). */
    request: string;
  }[];
};

export const newTally = (): Tally => ({
  inputs: 0,
  byExpect: {},
  statuses: {},
  violations: {},
  byFamily: {},
  examples: [],
});

export function record(t: Tally, c: HostileCase, o: Outcome, maxExamples = 3): void {
  t.inputs++;
  t.byExpect[c.expect] = (t.byExpect[c.expect] ?? 0) + 1;
  t.statuses[String(o.status)] = (t.statuses[String(o.status)] ?? 0) + 1;
  const fam = (t.byFamily[c.family] ??= { inputs: 0, violations: 0, kinds: {} });
  fam.inputs++;
  if (o.violations.length > 0) fam.violations++;
  for (const v of o.violations) {
    t.violations[v.kind] = (t.violations[v.kind] ?? 0) + 1;
    fam.kinds[v.kind] = (fam.kinds[v.kind] ?? 0) + 1;
    if (t.examples.filter((e) => e.kind === v.kind && e.family === c.family).length < maxExamples)
      t.examples.push({
        kind: v.kind,
        family: c.family,
        what: c.what,
        status: String(o.status),
        detail: v.detail.slice(0, 400),
        request: JSON.stringify(c.spec).slice(0, 1500),
      });
  }
}
