// What the anomaly engine reads and what it reports. A record is the numbers of one TPS as some
// source published them (Rekap's own current result, or Sirekap's JSON): any field may be missing.
// A finding never changes a number; a misread proposal is a suggestion for a reviewer.
import type { Ballot } from '../ballots.ts';
import * as z from 'zod';
import { TextSchema } from '../rules.ts';

export type AuditRecord = {
  /** Dotted TPS code (`31.01.01.1003.008`). */
  tps: string;
  ballot: Ballot;
  /** The vote keys of the contest (`1`, `2`, `3` for PPWP 2024). */
  voteKeys: readonly string[];
  /**
   * Field path (`votes.2`, `voters.total.total`, as in `fieldEntries`) -> value, or null where the
   * source has the field but left it empty. Fields the source never carries are absent.
   */
  values: Readonly<Record<string, number | null>>;
  /** Identities of the photos (sha256 or URL); null entries are missing photos. */
  photos?: readonly (string | null)[];
  /**
   * What a reader of the photos made of each field, where one read them (Rekap's own results:
   * the server's re-read): the value it read and whether it was sure. A field the reader read
   * with confidence as the submitted value is what the paper says: a breach through it is a
   * breach on paper, not a misreading. Absent: nothing is known of the photos.
   */
  reading?: Readonly<Record<string, FieldReading>>;
};

/** One field as a reader of the photo read it. */
export type FieldReading = {
  /** The value read; null where the reader read nothing. */
  value: number | null;
  /** Read with confidence (no flag of the reader). */
  sure: boolean;
};

export const FINDING_KINDS = [
  'rule',
  'impossible',
  'incomplete',
  'misread',
  'outlier',
  'duplicate',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** How a proposed value relates to the value as read. */
export const MisreadHowSchema = z.enum([
  /** One digit box differs. */
  'digit',
  /** The leading box(es) became 0: an X or blank box read as a digit (62 read as 962). */
  'leading',
  /** The other fields determine the value, but it is not one box away from the reading. */
  'determined',
]);
export type MisreadHow = z.infer<typeof MisreadHowSchema>;

export const MisreadAlternativeSchema = z.object({
  field: z.string(),
  value: z.int(),
  how: MisreadHowSchema,
  weight: z.number(),
});
export type MisreadAlternative = z.infer<typeof MisreadAlternativeSchema>;

const fields = z.array(z.string());

/** One finding. The wire shape of the API too (src/contract), so it is a schema. */
export const FindingSchema = z.union([
  // Before the general rule shape, which would take it (and drop `values` and `breaks`).
  z.object({
    kind: z.literal('rule'),
    check: z.literal('on-paper'),
    /** The fields the broken checks go through that the photo plainly shows as submitted. */
    fields,
    /** Their values, as written and as read (the same). */
    values: z.array(z.int()),
    /** The checks the record breaks. */
    breaks: z.array(z.string()),
    message: TextSchema,
  }),
  z.object({ kind: z.literal('rule'), check: z.string(), fields, message: TextSchema }),
  z.object({ kind: z.literal('impossible'), check: z.string(), fields, message: TextSchema }),
  z.object({
    kind: z.literal('incomplete'),
    check: z.literal('missing-fields'),
    fields,
    message: TextSchema,
  }),
  z.object({
    kind: z.literal('misread'),
    check: z.literal('single-field'),
    field: z.string(),
    read: z.int(),
    proposed: z.int(),
    how: MisreadHowSchema,
    /** 0..1: this proposal's share of the weight of every single change that fits. */
    confidence: z.number().min(0).max(1),
    alternatives: z.array(MisreadAlternativeSchema),
    /** The change fixes the field's own checks only; other breaches of the record remain. */
    partial: z.boolean(),
    message: TextSchema,
  }),
  z.object({
    kind: z.literal('misread'),
    check: z.literal('constraint'),
    /** Several fields are wrong at once; the other fields fix only their sum. */
    fields,
    read: z.array(z.int()),
    sum: z.int(),
    message: TextSchema,
  }),
  z.object({
    kind: z.literal('outlier'),
    check: z.string(),
    scope: z.enum(['desa', 'kecamatan']),
    value: z.number(),
    /** Distance from the other TPS of the scope, in their standard deviations (with a floor). */
    score: z.number(),
    peers: z.int(),
    message: TextSchema,
  }),
  z.object({
    kind: z.literal('duplicate'),
    check: z.enum(['same-numbers', 'same-photo']),
    others: z.array(z.string()),
    message: TextSchema,
  }),
]);
export type Finding = z.infer<typeof FindingSchema>;
