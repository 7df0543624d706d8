// The blank-spot map's answers (issue 14, docs/design/blank-spot-map.md): each TPS of a region
// with its connectivity class (src/core/connectivity.ts), its last observation, its sending point
// (the nearest observed point with good signal, src/core/sending-plan.ts) and whether its result
// has arrived; the plan rows the communications office and the PPK print; and, on election night,
// the TPS not yet sent by class and hours late.
import * as z from 'zod';
import { named } from './registry.ts';

export const CONNECTIVITY_CLASSES = ['good', 'weak', 'none', 'unknown'] as const;
export const ConnectivityClassSchema = z
  .enum(CONNECTIVITY_CLASSES)
  .describe(
    'good: results go through at the TPS; weak: they go, slowly or not always; none: a blank spot, results must be carried to a sending point; unknown: too few recent observations to say.',
  );
export type ConnectivityClassName = z.infer<typeof ConnectivityClassSchema>;

/** [longitude, latitude], degrees. */
const PointSchema = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);

export const SendingPointSchema = z
  .object({
    lat: z.number(),
    lng: z.number(),
    distanceKm: z.number().min(0).describe('As the crow flies, from the TPS.'),
    bearingDeg: z.number().min(0).lt(360).describe('From the TPS, clockwise from north.'),
    direction: z
      .enum(['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'])
      .describe('The bearing as one of eight compass points.'),
    travelMinutes: z
      .number()
      .min(0)
      .describe(
        'Expected time to get there (src/core/sending-plan.ts travelMinutes: the crow-flies distance times a detour factor, at a rural travel speed).',
      ),
    measuredAt: z.string().describe('When the observation with good signal was made.'),
    measuredBy: z.string().describe('The TPS whose phone made it.'),
    connection: z.string(),
  })
  .describe('The nearest observed point with good signal.');
export type SendingPoint = z.infer<typeof SendingPointSchema>;

export const LastObservationSchema = z.object({
  at: z.string(),
  source: z.enum(['send', 'survey']),
  connection: z.string(),
  rttMs: z.number().nullable(),
  uploadKbps: z.number().nullable(),
  signalDbm: z.number().nullable(),
  ok: z.boolean(),
});

export const TpsConnectivitySchema = z.object({
  tps: z.string().meta({ examples: ['16.08.01.1001.001'] }),
  name: z.string(),
  desa: z.string(),
  kecamatan: z.string(),
  class: ConnectivityClassSchema,
  score: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe('Recency-weighted mean of the observations rated good (1), weak (0.5), none (0).'),
  observations: z.int().min(0).describe('Observations at the TPS that the class rests on.'),
  positionSource: z
    .enum(['registry', 'survey', 'synthetic'])
    .nullable()
    .describe(
      'registry: given with the election; survey: the median of the survey observations made at the TPS; synthetic: the demo placed it inside its desa.',
    ),
  lastObservation: LastObservationSchema.nullable(),
  sendingPoint: SendingPointSchema.nullable().describe(
    'For a TPS of class none or weak: where to send from. Null when no good point lies within reach.',
  ),
  upload: z.object({
    sent: z.boolean().describe('Whether a result of this ballot has arrived.'),
    receivedAt: z.string().nullable(),
  }),
});
export type TpsConnectivity = z.infer<typeof TpsConnectivitySchema>;

export const ConnectivityCountsSchema = z.object({
  good: z.int().min(0),
  weak: z.int().min(0),
  none: z.int().min(0),
  unknown: z.int().min(0),
});
export type ConnectivityCounts = z.infer<typeof ConnectivityCountsSchema>;

export const ConnectivityMapSchema = named(
  'ConnectivityMap',
  z.object({
    type: z.literal('FeatureCollection'),
    region: z.string(),
    ballot: z.string(),
    generatedAt: z.string(),
    exact: z
      .boolean()
      .describe(
        'False on the public answer: positions rounded to 0.01 degree (about 1.1 km). True only for a logged-in operator who asked with ?exact=1.',
      ),
    counts: ConnectivityCountsSchema,
    desa: z
      .array(
        z.object({
          code: z.string(),
          name: z.string(),
          tps: z.int().min(0),
          counts: ConnectivityCountsSchema,
          blankShare: z.number().min(0).max(1).describe('Share of its TPS of class none.'),
        }),
      )
      .describe('Each desa below the region, for shading its polygon.'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        geometry: z.object({ type: z.literal('Point'), coordinates: PointSchema }).nullable(),
        properties: TpsConnectivitySchema,
      }),
    ),
  }),
  'The TPS of a region as GeoJSON points (RFC 7946; geometry null where no position is known), each with its connectivity class, last observation, sending point and upload status.',
);
export type ConnectivityMap = z.infer<typeof ConnectivityMapSchema>;

export const LateBucketSchema = z.enum(['lt1', '1to2', '2to4', 'gt4']);
export type LateBucket = z.infer<typeof LateBucketSchema>;

export const ConnectivityLateSchema = named(
  'ConnectivityLate',
  z.object({
    region: z.string(),
    ballot: z.string(),
    now: z.string(),
    expectedAt: z
      .string()
      .nullable()
      .describe(
        'When a TPS of the region was expected to have sent: the median time its TPS with results sent theirs (null before half have).',
      ),
    notSent: z
      .record(ConnectivityClassSchema, z.record(LateBucketSchema, z.int().min(0)))
      .describe('TPS not yet sent, by class and by hours late (lt1, 1to2, 2to4, gt4).'),
    raised: z
      .array(
        z.object({
          tps: z.string(),
          name: z.string(),
          class: ConnectivityClassSchema,
          hoursLate: z.number().min(0),
          sendingPoint: SendingPointSchema.nullable(),
          reason: z.string().describe('Why it is raised, in Bahasa Indonesia.'),
        }),
      )
      .describe(
        'Blank-spot TPS (class none) later than the expected time plus the travel to their sending point and back.',
      ),
  }),
  'Election night: the TPS of a region that have not sent, by connectivity class and hours late, and the blank-spot TPS to chase.',
);
export type ConnectivityLate = z.infer<typeof ConnectivityLateSchema>;

// The plan (GET /api/v1/connectivity/{code}/plan.csv, plan.geojson, plan.pdf): one row per TPS of
// class none or weak, with its sending point; the CSV's columns are these fields, in this order.
const nullableNumber = z.number().nullable();
export const PlanRowSchema = z.object({
  tps: z.string(),
  name: z.string(),
  desaCode: z.string(),
  desaName: z.string(),
  kecamatanCode: z.string(),
  kecamatanName: z.string(),
  class: z.enum(['none', 'weak']),
  score: nullableNumber,
  lat: nullableNumber.describe('The TPS; rounded to 0.01 degree unless exact.'),
  lng: nullableNumber,
  sendLat: nullableNumber.describe('The sending point; null when none lies within reach.'),
  sendLng: nullableNumber,
  distanceKm: nullableNumber,
  bearingDeg: nullableNumber,
  direction: SendingPointSchema.shape.direction.nullable(),
  travelMinutes: nullableNumber,
  measuredAt: z.string().nullable(),
  measuredBy: z.string().nullable(),
});
export type PlanRow = z.infer<typeof PlanRowSchema>;

export const ConnectivityPlanSchema = named(
  'ConnectivityPlan',
  z.object({
    type: z.literal('FeatureCollection'),
    region: z.string(),
    ballot: z.string(),
    generatedAt: z.string(),
    exact: z.boolean(),
    features: z.array(
      z.union([
        z.object({
          type: z.literal('Feature'),
          geometry: z.object({ type: z.literal('Point'), coordinates: PointSchema }).nullable(),
          properties: PlanRowSchema.extend({ kind: z.literal('tps') }),
        }),
        z.object({
          type: z.literal('Feature'),
          geometry: z.object({
            type: z.literal('LineString'),
            coordinates: z.tuple([PointSchema, PointSchema]),
          }),
          properties: z.object({
            kind: z.literal('route'),
            tps: z.string(),
            distanceKm: z.number(),
            direction: SendingPointSchema.shape.direction,
            travelMinutes: z.number(),
          }),
        }),
      ]),
    ),
  }),
  'The sending-point plan as GeoJSON (RFC 7946): a point per TPS of class none or weak (geometry null where no position is known) with its plan row, and a line from each to its sending point.',
);
export type ConnectivityPlan = z.infer<typeof ConnectivityPlanSchema>;
