// The public read API's answers (DESIGN.md section 3, /api/v1): the election, a region's recap,
// one TPS with every version and its photos, and the anomaly engine's findings below a region.
// Defined once here; the store builds these shapes, the server answers them, the portal parses
// them, the OpenAPI document is generated from them and test/contract.test.ts checks real answers
// against that document.
//
// Answers are `z.object`: the document says no other property may appear (so the contract test
// catches a field the server adds without saying), while a client parsing with these schemas drops
// a field it does not know yet instead of failing (a cached field app talking to a newer server).
import * as z from 'zod';
import { FINDING_KINDS, FindingSchema } from '../core/anomaly/types.ts';
import { BallotSchema, ContestSchema } from '../core/ballots.ts';
import { CHasilSchema } from '../core/chasil.ts';
import { REGION_LEVELS } from '../core/codes.ts';
import { RecapStateSchema } from '../core/dhasil.ts';
import { Sha256HexSchema } from '../core/receipt.ts';
import { REVIEW_STATES } from '../core/review.ts';
import { RuleBreachSchema } from '../core/rules.ts';
import { named } from './registry.ts';

export const LevelSchema = z.enum([...REGION_LEVELS, 'tps']);
export type Level = z.infer<typeof LevelSchema>;

export const PlaceRefSchema = named(
  'PlaceRef',
  z.object({
    code: z.string().meta({ examples: ['16.08.01'] }),
    name: z.string(),
    level: LevelSchema,
  }),
  'A region or TPS: its dotted Kemendagri code, its name and its level.',
);
export type PlaceRef = z.infer<typeof PlaceRefSchema>;

export const ProgressSchema = named(
  'Progress',
  z.object({
    tpsReported: z.int().min(0).describe('TPS with a counted result (the same as tpsCounted).'),
    tpsTotal: z.int().min(0),
    tpsWithResult: z.int().min(0).describe('TPS that sent a result, counted or not.'),
    tpsCounted: z.int().min(0).describe('TPS with a version that counts.'),
    tpsFlagged: z
      .int()
      .min(0)
      .describe('TPS whose newest version is held: flagged, or waiting for a new photo.'),
    tpsInReview: z
      .int()
      .min(0)
      .describe('TPS with an open objection (their version still counts).'),
  }),
  'TPS below the place: all of them, those that reported, those counted, those held and those in review (src/core/review.ts).',
);
export type Progress = z.infer<typeof ProgressSchema>;

export const TotalsSchema = named(
  'Totals',
  z.object({
    votes: z
      .record(z.string(), z.int())
      .describe('Valid votes per choice key ("1", "2", ...; party lists "P1", "P1.C3").'),
    valid: z.int(),
    invalid: z.int(),
    total: z.int(),
  }),
  'Sums of the counted results below the place.',
);
export type Totals = z.infer<typeof TotalsSchema>;

/** Whether a TPS has a result, and whether the newest one counts or waits for review. */
export const TpsStatusSchema = z.enum(['none', 'counted', 'flagged']);
export type TpsStatus = z.infer<typeof TpsStatusSchema>;

export const MetaSchema = named(
  'Meta',
  z.object({
    election: z
      .object({ name: z.string(), demo: z.boolean() })
      .nullable()
      .describe('Null before an election is loaded.'),
    contests: z.array(ContestSchema),
  }),
  'The election and its contests.',
);
export type Meta = z.infer<typeof MetaSchema>;

export const RegionChildSchema = PlaceRefSchema.extend({
  progress: ProgressSchema,
  totals: TotalsSchema,
  status: TpsStatusSchema.optional().describe('TPS children only'),
});
export type RegionChild = z.infer<typeof RegionChildSchema>;

export const RegionResultSchema = named(
  'RegionResult',
  PlaceRefSchema.extend({
    ballot: BallotSchema,
    parents: z.array(PlaceRefSchema).describe('From the nation down to the parent.'),
    progress: ProgressSchema,
    totals: TotalsSchema,
    recap: RecapStateSchema.describe(
      "Whether these totals are signed off (NIST 1500-100): `unofficial-partial` until the level's recap is closed, `certified` while closed (its D.Hasil: /api/v1/recap/{code}/{ballot}/dhasil.json), `correction` once reopened, until closed again. A desa shows its kecamatan's.",
    ),
    children: z.array(RegionChildSchema),
  }),
  'Recap of a region: its totals and progress, and those of each child (regions, or the TPS of a desa).',
);
export type RegionResult = z.infer<typeof RegionResultSchema>;

export const FlagSchema = named(
  'Flag',
  RuleBreachSchema,
  'A rule of the form that the numbers break, with the fields involved (src/core/rules.ts).',
);
export type Flag = z.infer<typeof FlagSchema>;

export const PhotoSchema = named(
  'Photo',
  z.object({
    sha256: Sha256HexSchema,
    url: z.string().describe('GET it for the bytes: /api/v1/photos/{sha256}'),
    contentType: z.string(),
    size: z.int().min(0),
    width: z.int().min(0),
    height: z.int().min(0),
  }),
  'One photographed page of the form.',
);
export type Photo = z.infer<typeof PhotoSchema>;

export const SignatureSchema = named(
  'Signature',
  z.object({
    deviceId: z.string(),
    publicKey: z.string().describe('base64url of the raw 32-byte Ed25519 key'),
    signedAt: z.string(),
    signature: z.string().describe('base64url of the 64-byte signature'),
  }),
  "The device's signature of this version's SignedSummary, with the device's public key so that anyone can verify it.",
);
export type Signature = z.infer<typeof SignatureSchema>;

export const SubmissionStatusSchema = z.enum(['clean', 'flagged']);

export const SignerSchema = named(
  'Signer',
  z.object({
    deviceId: z.string(),
    label: z.string().nullable().describe('The label given at enrolment'),
    enrolledAt: z.string().nullable().describe('When the device was enrolled'),
    fingerprint: z
      .string()
      .describe("sha256 (hex) of the device's raw public key: the key's short name"),
    verified: z
      .boolean()
      .describe(
        "The server's check at intake: true when the signature held against the enrolled key (a version whose signature fails is refused, so every stored one held); false when the device's key is no longer on record.",
      ),
  }),
  'The device that signed a version, as the public may know it, and whether its signature held.',
);
export type Signer = z.infer<typeof SignerSchema>;

export const RereadSummarySchema = named(
  'RereadSummary',
  z.object({
    outcome: z.enum(['agrees', 'disagrees', 'failed']),
    at: z.iso.datetime(),
    fields: z
      .array(z.object({ field: z.string(), from: z.int().nullable(), to: z.int().nullable() }))
      .describe(
        'disagrees: each field the reader read, with confidence, otherwise (from: submitted, to: read)',
      ),
    reason: z.string().nullable().describe("failed: the reader's reason (`no-page`, ...)"),
  }),
  "The server's re-read of a version's photos (the newest `reread_*` event about it): agrees (every field it read with confidence is the submitted number), disagrees, or failed.",
);
export type RereadSummary = z.infer<typeof RereadSummarySchema>;

export const TpsVersionSchema = named(
  'TpsVersion',
  z.object({
    id: z.string(),
    tps: z.string(),
    ballot: BallotSchema,
    version: z.int().min(1),
    hash: z.string().describe('sha256 of the canonical JSON of {tps, ballot, result, photos}'),
    prevChainHash: z.string().nullable(),
    chainHash: z
      .string()
      .describe(
        "sha256 over the previous version's chain hash, this hash, uploader, time and status (and the signature of a signed version)",
      ),
    result: CHasilSchema,
    status: SubmissionStatusSchema,
    counted: z.boolean(),
    flags: z.array(FlagSchema),
    uploader: z.string().describe('`kpps:` and the first characters of the token hash'),
    receivedAt: z.iso.datetime(),
    photos: z.array(PhotoSchema),
    signature: SignatureSchema.nullable().describe('Null when unsigned.'),
    signer: SignerSchema.nullable()
      .optional()
      .describe('The signing device, with the result of the check at intake; null when unsigned.'),
    reread: RereadSummarySchema.nullable()
      .optional()
      .describe('Null while not re-read (and for corrections, which have no photo of their own).'),
  }),
  'One version of a TPS result. Nothing is ever overwritten: a resubmission is a new version.',
);
export type TpsVersion = z.infer<typeof TpsVersionSchema>;

/** A result with the paths of a C.Hasil (`votes.2`, `voters.total.l`), null where absent. */
export type NullableResult = { [key: string]: number | null | NullableResult };
export const NullableResultSchema: z.ZodType<NullableResult> = named(
  'NullableResult',
  z.record(
    z.string(),
    z.union([z.int(), z.null(), z.lazy((): z.ZodType<NullableResult> => NullableResultSchema)]),
  ),
  "A result with every path of Rekap's C.Hasil (dpt, voters, ballots, disabled, votes, valid, invalid, total); null where the source has no value (Sirekap has no section II or III, and often leaves fields empty).",
);

export const ExternalSchema = named(
  'External',
  z.object({
    source: z.literal('sirekap'),
    importedAt: z.iso.datetime(),
    result: NullableResultSchema,
  }),
  'The newest result Sirekap published for this TPS, as imported by `rekap import sirekap`. For comparison only: never counted.',
);
export type External = z.infer<typeof ExternalSchema>;

export const FindingRefSchema = named(
  'Finding',
  FindingSchema,
  'One finding of the anomaly engine (src/core/anomaly/types.ts). For review only: it never changes a number.',
);

// What the review made of a TPS, for the public, the KPPS officer and the witnesses (decision 7 of
// docs/design/recap-ladder.md): its state, why it is held, and who corrected it. The reviewers' own
// view (events by seq, objection texts) is src/contract/review.ts.

export const ReviewActorSchema = named(
  'ReviewActor',
  z.object({
    actor: z.string().describe('`account:` and the account id, or `cli` (a command on the server)'),
    name: z
      .string()
      .nullable()
      .describe("The account's login name (public record); null for `cli`."),
    role: z
      .string()
      .nullable()
      .describe('pps, ppk, kpu_kab, kpu_prov, kpu_ri, bawaslu, saksi, admin'),
    region: z.string().nullable().describe("The account's region code."),
  }),
  'Who acted on a TPS result: the operator account, with its role and region.',
);
export type ReviewActor = z.infer<typeof ReviewActorSchema>;

export const PublicReviewReasonSchema = named(
  'PublicReviewReason',
  z.discriminatedUnion('code', [
    z.object({
      code: z.literal('rules'),
      version: z.int(),
      rules: z.array(FlagSchema).describe('Each rule the version breaks, its fields and words.'),
    }),
    z.object({
      code: z.literal('reread'),
      version: z.int(),
      fields: z
        .array(z.string())
        .describe("The fields the server's re-read of the photos read otherwise."),
    }),
    z.object({ code: z.literal('objection'), version: z.int() }),
    z.object({
      code: z.literal('photo_requested'),
      version: z.int(),
      reason: z.string(),
      pages: z.array(z.int()).describe('The pages asked for; empty when not said.'),
      at: z.iso.datetime(),
      by: ReviewActorSchema,
    }),
  ]),
  'Why a TPS is held or waits: rules (its version breaks them), reread (the server read other numbers from the photos), objection (an objection is open; the version keeps counting), photo_requested (an operator asked the KPPS for a new photo).',
);
export type PublicReviewReason = z.infer<typeof PublicReviewReasonSchema>;

export const FieldChangeSchema = z.object({
  field: z.string(),
  from: z.int().nullable(),
  to: z.int().nullable(),
});

export const PublicCorrectionSchema = named(
  'PublicCorrection',
  z.object({
    version: z.int().describe('The version the correction made'),
    corrects: z.int().describe('The version it corrects'),
    at: z.iso.datetime(),
    by: ReviewActorSchema,
    reason: z.string(),
    reference: z.string().describe("The plenary's reference (the minutes' number)."),
    changes: z.array(FieldChangeSchema),
  }),
  "An operator's correction of a version: a new version with other numbers, who made it, when, why and the plenary reference.",
);
export type PublicCorrection = z.infer<typeof PublicCorrectionSchema>;

export const TpsReviewStatusSchema = named(
  'TpsReviewStatus',
  z.object({
    state: z
      .enum(REVIEW_STATES)
      .describe(
        'none (no result), counted, corrected (a correction counts), flagged (the newest version is held: see reasons), in_review (an objection is open), photo_requested (waits for a new photo from the KPPS).',
      ),
    counted: z.int().nullable().describe('The version that counts, if any.'),
    latest: z.int().nullable(),
    reasons: z.array(PublicReviewReasonSchema),
    corrections: z.array(PublicCorrectionSchema).describe('Every correction, newest first.'),
  }),
  "The review's status of a TPS result (src/core/review.ts).",
);
export type TpsReviewStatus = z.infer<typeof TpsReviewStatusSchema>;

export const TIMELINE_TYPES = [
  'submission_received',
  'result_corrected',
  'reread_agrees',
  'reread_disagrees',
  'reread_failed',
  'result_confirmed',
  'photo_requested',
  'objection_filed',
  'objection_answered',
] as const;

export const TimelineEventSchema = named(
  'TimelineEvent',
  z.object({
    seq: z
      .int()
      .describe('The event on the audit chain; 0 for a version stored before versions had events'),
    at: z.iso.datetime(),
    type: z.enum(TIMELINE_TYPES),
    version: z.int(),
    by: ReviewActorSchema,
    reason: z
      .string()
      .nullable()
      .describe(
        "Why (a confirmation's, correction's, photo request's or answer's reason; an objection's text is for the reviewers)",
      ),
    reference: z.string().nullable().describe("A correction's plenary reference"),
    corrects: z.int().nullable().describe('The version a correction corrects'),
    fields: z
      .array(FieldChangeSchema)
      .describe("A correction's changes; a re-read's disagreements"),
  }),
  'One step of the history of a TPS result, from the audit chain: a version received, re-read, confirmed, corrected, objected to, a photo asked for.',
);
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

export const TpsResultSchema = named(
  'TpsResult',
  PlaceRefSchema.extend({
    ballot: BallotSchema,
    parents: z.array(PlaceRefSchema),
    dpt: z.int().nullable().describe('Registered DPT of the TPS'),
    status: TpsStatusSchema,
    counted: z.object({ version: z.int(), submissionId: z.string() }).nullable(),
    review: TpsReviewStatusSchema,
    versions: z.array(TpsVersionSchema).describe('Newest first.'),
    timeline: z
      .array(TimelineEventSchema)
      .optional()
      .describe('Every step of the history, oldest first.'),
    external: ExternalSchema.nullable().describe('Null when nothing was imported.'),
    anomalies: z
      .array(FindingRefSchema)
      .describe(
        "The anomaly engine's per-record findings on the current version (the one that counts, else the newest); empty when there is no result.",
      ),
  }),
  'One TPS: current result, photos, status, flags and every version.',
);
export type TpsResult = z.infer<typeof TpsResultSchema>;

export const RegionAnomaliesSchema = named(
  'RegionAnomalies',
  z.object({
    region: z.string(),
    ballot: BallotSchema,
    tpsAudited: z.int().min(0).describe('TPS below the region with a result'),
    summary: z
      .record(z.enum(FINDING_KINDS), z.int().min(0))
      .describe('TPS with at least one finding of each kind'),
    tps: z.array(
      z.object({
        tps: z.string(),
        version: z.int().describe('The version audited'),
        findings: z.array(FindingRefSchema),
      }),
    ),
  }),
  'Findings per TPS below a region, and a summary by kind.',
);
export type RegionAnomalies = z.infer<typeof RegionAnomaliesSchema>;

export { FINDING_KINDS };
