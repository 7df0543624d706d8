// Generators of hostile requests for the HTTP API, shared by the property suite (test/hostile/)
// and the benchmark that counts outcomes at scale (bench/hostile.ts). This file puts the families
// together; generators/ holds one file per kind of request and its building blocks.
//
// A generated case is plain data: what to send, described symbolically ("the token of another
// TPS", "a JPEG cut in half with an end marker appended", "the result with votes.__proto__
// added"), and what the server must do with it: accept, refuse, or either (the issue leaves the
// choice to the server). The target (target.ts) turns a case into bytes on a real connection
// against a real server; the descriptions stay small, so a shrunk counterexample reads well.
import fc from 'fast-check';
import { enrolArb, enrolExpect, type EnrolSpec } from './generators/enrolment.ts';
import type { Expect } from './generators/expect.ts';
import {
  observationsArb,
  observationsExpect,
  type ObservationsSpec,
} from './generators/observations.ts';
import { readArb, readExpect, type ReadSpec } from './generators/reads.ts';
import {
  addressedSubmissionArb,
  multipartSubmissionArb,
  photoSubmissionArb,
  resultSubmissionArb,
  signedSubmissionArb,
  submissionExpect,
  submissionLabel,
  type SubmissionSpec,
} from './generators/submissions.ts';
import { tusArb, tusExpect, type TusSpec } from './generators/tus.ts';

export type RequestSpec = SubmissionSpec | ReadSpec | TusSpec | ObservationsSpec | EnrolSpec;

export type HostileCase = {
  family: Family;
  /** What the case tries, in a few words (for tallies). */
  what: string;
  expect: Expect;
  spec: RequestSpec;
};

export const FAMILIES = [
  'results',
  'multipart',
  'photos',
  'codes',
  'tokens',
  'signed',
  'reads',
  'tus',
  'observations',
  'enrolment',
] as const;
export type Family = (typeof FAMILIES)[number];

export function expectOf(spec: RequestSpec): Expect {
  switch (spec.type) {
    case 'submission':
      return submissionExpect(spec);
    case 'read':
      return readExpect(spec);
    case 'tus':
      return tusExpect(spec);
    case 'observations':
      return observationsExpect(spec);
    case 'enrol':
      return enrolExpect(spec);
  }
}

export function labelOf(spec: RequestSpec): string {
  switch (spec.type) {
    case 'submission':
      return submissionLabel(spec);
    case 'read':
      return `${spec.route} ${spec.code.kind}`;
    case 'tus':
      return `${spec.op}${spec.auth.kind === 'own' ? '' : ` auth:${spec.auth.kind}`}`;
    case 'observations':
      return `${spec.body.kind}${spec.auth.kind === 'own' ? '' : ` auth:${spec.auth.kind}`}`;
    case 'enrol':
      return spec.body.kind === 'raw'
        ? 'raw'
        : `key:${spec.body.key?.kind ?? 'none'} label:${spec.body.label.kind}`;
  }
}

const caseOf =
  (family: Family) =>
  (spec: RequestSpec): HostileCase => ({
    family,
    what: labelOf(spec),
    expect: expectOf(spec),
    spec,
  });

/** Each family's generator of cases. */
export const familyArbs: Record<Family, fc.Arbitrary<HostileCase>> = {
  results: resultSubmissionArb.map(caseOf('results')),
  multipart: multipartSubmissionArb.map(caseOf('multipart')),
  photos: photoSubmissionArb.map(caseOf('photos')),
  codes: addressedSubmissionArb
    .map((s) => ({ ...s, auth: { kind: 'own' as const } }))
    .map(caseOf('codes')),
  tokens: addressedSubmissionArb
    .map((s) => ({ ...s, tps: { kind: 'own' as const }, query: null }))
    .map(caseOf('tokens')),
  signed: signedSubmissionArb.map(caseOf('signed')),
  reads: readArb.map(caseOf('reads')),
  tus: tusArb.map(caseOf('tus')),
  observations: observationsArb.map(caseOf('observations')),
  enrolment: enrolArb.map(caseOf('enrolment')),
};
