// The portal's region reads beside the recap (issue 13): the TPS below a region that need a
// person (flagged, in review), the region's anomalies page (those, corrections, late TPS), the
// search by code or name, and the TPS reported by hour. Defined once here, answered by
// src/server/portal-routes.ts, parsed by the portal, and generated into the OpenAPI document.
import * as z from 'zod';
import { BallotSchema } from '../core/ballots.ts';
import { REVIEW_STATES } from '../core/review.ts';
import { LevelSchema, PlaceRefSchema } from './results.ts';
import { named } from './registry.ts';

export const AttentionTpsSchema = named(
  'AttentionTps',
  z.object({
    code: z.string().meta({ examples: ['16.08.01.1007.003'] }),
    name: z.string(),
    desa: PlaceRefSchema.describe('The desa the TPS is in.'),
    state: z
      .enum(REVIEW_STATES)
      .describe(
        'flagged (the newest version is held), photo_requested (waits for a new photo), in_review (an objection is open; the counted version keeps counting).',
      ),
    latest: z.int().min(1).describe('The newest version.'),
    counted: z.int().nullable().describe('The version that counts, if any.'),
  }),
  'A TPS below a region that waits for a person: held (flagged, photo requested) or in review.',
);
export type AttentionTps = z.infer<typeof AttentionTpsSchema>;

export const RegionFlaggedSchema = named(
  'RegionFlagged',
  z.object({
    region: z.string(),
    ballot: BallotSchema,
    total: z.int().min(0).describe('All such TPS below the region (the list may stop earlier).'),
    tps: z.array(AttentionTpsSchema).describe('In code order, at most `limit`.'),
    limit: z.int().min(1),
  }),
  'The TPS below a region that are flagged, wait for a photo or are in review.',
);
export type RegionFlagged = z.infer<typeof RegionFlaggedSchema>;

export const CorrectionRefSchema = named(
  'CorrectionRef',
  z.object({
    tps: z.string(),
    version: z.int().describe('The version the correction made.'),
    corrects: z.int().describe('The version it corrects.'),
    at: z.iso.datetime(),
    reason: z.string(),
    fields: z.int().min(0).describe('How many numbers it changed.'),
  }),
  "An operator's correction of a TPS result below the region.",
);

export const LateTpsSchema = named(
  'LateTps',
  z.object({
    code: z.string(),
    name: z.string(),
    desa: PlaceRefSchema,
    siblingsReported: z.int().min(1).describe('TPS of the same desa that have a result.'),
    siblingsTotal: z.int().min(1).describe('All TPS of the desa, this one included.'),
  }),
  'A TPS with no result yet while other TPS of its desa have sent theirs.',
);

export const RegionIssuesSchema = named(
  'RegionIssues',
  z.object({
    region: z.string(),
    ballot: BallotSchema,
    limit: z.int().min(1).describe('Each list holds at most this many entries.'),
    flagged: RegionFlaggedSchema.shape.tps,
    flaggedTotal: z.int().min(0),
    corrections: z.array(CorrectionRefSchema).describe('Newest first.'),
    correctionsTotal: z.int().min(0),
    late: z.array(LateTpsSchema).describe('In code order.'),
    lateTotal: z.int().min(0),
  }),
  "A region's anomalies page: the TPS that wait for a person, the corrections made, and the TPS that are late (no result while their desa's others reported).",
);
export type RegionIssues = z.infer<typeof RegionIssuesSchema>;

export const SearchHitSchema = named(
  'SearchHit',
  PlaceRefSchema.extend({
    parents: z
      .array(PlaceRefSchema)
      .describe('From the provinsi down to the parent (the nation left out).'),
  }),
  'A region or TPS that matches a search.',
);
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchResultSchema = named(
  'SearchResult',
  z.object({
    q: z.string(),
    exact: z
      .boolean()
      .describe('The query is the code of a TPS or region: the one hit is that place.'),
    hits: z.array(SearchHitSchema),
  }),
  'Places matching a search by TPS or region code (dotted or packed) or by name (case and accents ignored; prefixes first).',
);
export type SearchResult = z.infer<typeof SearchResultSchema>;

export const ProgressHourSchema = z.object({
  hour: z.iso.datetime().describe('The start of the hour (UTC).'),
  reported: z.int().min(0).describe('TPS whose first accepted submission came in this hour.'),
  cumulative: z.int().min(0).describe('TPS with a submission by the end of this hour.'),
});

export const ProgressByHourSchema = named(
  'ProgressByHour',
  z.object({
    region: z.string(),
    level: LevelSchema,
    ballot: BallotSchema,
    tpsTotal: z.int().min(0),
    hours: z
      .array(ProgressHourSchema)
      .describe('Hours with at least one first submission, in order.'),
  }),
  'TPS below a region reported by hour: each TPS counted once, in the hour of its first accepted submission.',
);
export type ProgressByHour = z.infer<typeof ProgressByHourSchema>;
