// What the review queue at /operator/ asks and gets back (issue 12, docs/design/recap-ladder.md):
// the TPS of a region that need a person, one TPS with everything a reviewer weighs (every
// version, the server's re-read, corrections, objections, the anomaly engine's findings), and the
// review actions. The server validates requests with these schemas, the operator page parses its
// answers with them, and the OpenAPI document is generated from them.
import * as z from 'zod';
import { BallotSchema } from '../core/ballots.ts';
import { CHasilSchema, FIELD_MAX } from '../core/chasil.ts';
import { REVIEW_STATES } from '../core/review.ts';
import { named } from './registry.ts';
import { FindingRefSchema, FlagSchema, PhotoSchema, PlaceRefSchema } from './results.ts';

/** A field of form C.Hasil by its dotted path (`votes.1`, `valid`, `dpt.l`). */
const FieldPath = z.string().min(1).max(40);
const Reason = z.string().trim().min(3).max(2000);

export const ReviewStateSchema = named(
  'ReviewState',
  z.enum(REVIEW_STATES),
  'Where a TPS stands (src/core/review.ts): none (no result), counted, corrected (a correction counts), flagged (its newest version breaks a rule or the re-read disagrees: a person must act), in_review (an objection is open), photo_requested (waits for a new photo from the KPPS).',
);
export type ReviewStateName = z.infer<typeof ReviewStateSchema>;

/** The states that wait for an operator, and the one that waits for the KPPS. */
export const QUEUE_STATES = ['flagged', 'in_review', 'photo_requested'] as const;
export const QueueStateSchema = z.enum(QUEUE_STATES);
export type QueueState = z.infer<typeof QueueStateSchema>;

export const ReviewReasonSchema = named(
  'ReviewReason',
  z.discriminatedUnion('code', [
    z.object({ code: z.literal('rules'), version: z.int(), rules: z.array(z.string()) }),
    z.object({
      code: z.literal('reread'),
      version: z.int(),
      fields: z.array(z.string()),
      seq: z.int(),
    }),
    z.object({ code: z.literal('objection'), version: z.int(), seq: z.int() }),
    z.object({ code: z.literal('photo_requested'), version: z.int(), seq: z.int() }),
  ]),
  'Why a TPS needs a person: rules (the rule codes its version breaks), reread (the fields the server read otherwise), objection (an open objection, by its event seq) or photo_requested (waits for the KPPS).',
);
export type ReviewReasonBody = z.infer<typeof ReviewReasonSchema>;

export const QueueQuerySchema = z.strictObject({
  region: z.string().min(1).max(30),
  ballot: BallotSchema.default('ppwp'),
  state: QueueStateSchema.optional(),
  after: z.string().max(30).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type QueueQuery = z.infer<typeof QueueQuerySchema>;

export const QueueItemSchema = named(
  'QueueItem',
  z.object({
    tps: z.string(),
    name: z.string(),
    state: ReviewStateSchema,
    latest: z.int().nullable().describe('The newest version'),
    counted: z.int().nullable().describe('The version that counts, if any'),
    reasons: z.array(ReviewReasonSchema),
  }),
  'One TPS in the review queue: its state and why it waits.',
);
export type QueueItem = z.infer<typeof QueueItemSchema>;

export const ReviewQueueSchema = named(
  'ReviewQueue',
  z.object({
    region: PlaceRefSchema,
    ballot: BallotSchema,
    states: z.array(QueueStateSchema).describe('The states listed'),
    items: z.array(QueueItemSchema).describe('By TPS code'),
    next: z
      .string()
      .nullable()
      .describe('Pass as `after` for the next page; null on the last page'),
    tpsTotal: z.int().min(0).describe('TPS below the region'),
    missing: z
      .int()
      .min(0)
      .describe(
        'TPS below the region with no counted result yet: nothing received, or only versions that wait for review',
      ),
  }),
  'The TPS below a region that need a person (or wait for a new photo), one page.',
);
export type ReviewQueue = z.infer<typeof ReviewQueueSchema>;

const FieldChangeSchema = z.object({
  field: z.string(),
  from: z.int().nullable(),
  to: z.int().nullable(),
});

const Who = { seq: z.int(), at: z.iso.datetime(), actor: z.string() };

export const ReviewVersionSchema = named(
  'ReviewVersion',
  z.object({
    version: z.int().min(1),
    kind: z.enum(['submission', 'correction']),
    corrects: z.int().nullable().describe('A correction: the version it corrects'),
    status: z.enum(['clean', 'flagged']),
    counted: z.boolean(),
    flags: z.array(FlagSchema),
    uploader: z.string().describe('`kpps:...` for a KPPS, `account:...` for an operator'),
    receivedAt: z.iso.datetime(),
    result: CHasilSchema,
    photos: z.array(PhotoSchema),
  }),
  'One version of a TPS result as the reviewer sees it. Nothing is overwritten: a correction is a new version, with the photos of the version it corrects.',
);
export type ReviewVersionBody = z.infer<typeof ReviewVersionSchema>;

export const RereadSchema = named(
  'Reread',
  z.object({
    ...Who,
    version: z.int(),
    outcome: z.enum(['agrees', 'disagrees', 'failed']),
    fields: z
      .array(FieldChangeSchema)
      .describe('disagrees: each field with the submitted (from) and the read (to) value'),
    reason: z.string().nullable().describe("failed: the reader's reason"),
  }),
  "The server's re-read of a version's photos.",
);

export const ReviewFieldSchema = named(
  'ReviewField',
  z.object({
    path: z.string(),
    submitted: z.int().nullable().describe('What the KPPS submitted (the newest submission)'),
    read: z
      .int()
      .nullable()
      .describe(
        'What the server read: the read value where it differs, the submitted one where the re-read found no other; null when not re-read or unreadable',
      ),
    corrected: z.int().nullable().describe('The newest correction after that submission, if any'),
    differs: z.boolean().describe('The three do not all agree'),
  }),
  'One field of the form, submitted beside read beside corrected.',
);
export type ReviewField = z.infer<typeof ReviewFieldSchema>;

export const PhotoPageSchema = named(
  'PhotoPage',
  z.object({
    sha256: z.string(),
    found: z.boolean().describe('Whether the reader found the form page in the photo'),
    page: z.int().min(1).max(3).nullable().describe('Which page of the form it shows'),
    fields: z.array(z.string()).describe('The fields on that page (each has a zoom crop)'),
    reason: z
      .string()
      .nullable()
      .describe("Not found: the reader's reason (the photo shows whole)"),
  }),
  "Where the form's page is in one photo: the zoom crops of a field's boxes come from it (GET /api/operator/photo/{sha256}/field/{path}.jpg).",
);
export type PhotoPage = z.infer<typeof PhotoPageSchema>;

export const OperatorTpsSchema = named(
  'OperatorTps',
  z.object({
    tps: PlaceRefSchema,
    parents: z.array(PlaceRefSchema),
    ballot: BallotSchema,
    dpt: z.int().nullable(),
    state: ReviewStateSchema,
    latest: z.int().nullable(),
    counted: z.int().nullable(),
    reasons: z.array(ReviewReasonSchema),
    fields: z.array(ReviewFieldSchema).describe('Every field, in form order'),
    versions: z.array(ReviewVersionSchema).describe('Newest first'),
    pages: z
      .array(PhotoPageSchema)
      .describe("The newest version's photos, as the reader found them"),
    rereads: z.array(RereadSchema),
    confirmations: z.array(z.object({ ...Who, version: z.int(), reason: z.string() })),
    corrections: z.array(
      z.object({
        ...Who,
        version: z.int(),
        corrects: z.int(),
        changes: z.array(FieldChangeSchema),
        reason: z.string(),
        reference: z.string(),
      }),
    ),
    photoRequests: z.array(
      z.object({
        ...Who,
        version: z.int(),
        reason: z.string(),
        pages: z.array(z.int()).nullable(),
      }),
    ),
    objections: z.array(
      z.object({
        ...Who,
        version: z.int(),
        text: z.string(),
        fields: z.array(z.string()).nullable(),
        answer: z.object({ ...Who, reason: z.string() }).nullable(),
      }),
    ),
    anomalies: z
      .array(FindingRefSchema)
      .describe("The anomaly engine's findings on the current version (as the public TPS answer)"),
  }),
  'One TPS as its reviewer sees it: every version, the re-read, every review action, the findings.',
);
export type OperatorTps = z.infer<typeof OperatorTpsSchema>;

const OnVersion = {
  version: z.int().min(1).describe('The newest version, the one the operator saw'),
};

export const ConfirmSchema = named(
  'Confirm',
  z.strictObject({ ...OnVersion, reason: Reason }),
  'Confirm the version as written, with the reason.',
);
export const CorrectSchema = named(
  'Correct',
  z.strictObject({
    ...OnVersion,
    changes: z
      .record(FieldPath, z.int().min(0).max(FIELD_MAX))
      .refine((c) => Object.keys(c).length > 0, 'name at least one field')
      .describe('Only the fields that change, by path, with their new values'),
    reason: Reason,
    reference: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe("The plenary's reference (the minutes' number)"),
  }),
  'Correct the version: new values for some fields, the reason and the plenary reference. A new version; the old ones stay.',
);
export const PhotoRequestSchema = named(
  'PhotoRequest',
  z.strictObject({
    ...OnVersion,
    reason: Reason,
    pages: z.array(z.int().min(1).max(3)).max(3).optional(),
  }),
  'Ask the KPPS for a new photo of the form (the field app shows it).',
);
export const ObjectionSchema = named(
  'Objection',
  z.strictObject({ ...OnVersion, text: Reason, fields: z.array(FieldPath).max(50).optional() }),
  'An objection of Bawaslu or a witness to the result.',
);
export const ObjectionAnswerSchema = named(
  'ObjectionAnswer',
  z.strictObject({ ...OnVersion, objection: z.int().min(1), reason: Reason }),
  'An answer to an objection (by its event seq).',
);

export const ReviewDoneSchema = named(
  'ReviewDone',
  z.object({
    tps: z.string(),
    ballot: BallotSchema,
    state: ReviewStateSchema,
    latest: z.int().nullable(),
    counted: z.int().nullable(),
    reasons: z.array(ReviewReasonSchema),
  }),
  'The action was recorded as a new event: where the TPS stands now.',
);
export type ReviewDone = z.infer<typeof ReviewDoneSchema>;
