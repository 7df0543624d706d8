// The map's answers (/api/v1/geo): the polygons of a region's children as a GeoJSON
// FeatureCollection (RFC 7946), and the list of regions that have them. Geometry only: the numbers
// a map colours by come from the region's recap (/api/v1/results/{code}), which the portal has
// already read, so the polygons never change on election night and are cached for an hour.
import * as z from 'zod';
import { named } from './registry.ts';

/** [longitude, latitude], degrees, 5 decimals. */
const PositionSchema = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
/** A closed ring: at least 4 positions, the last equal to the first. */
const RingSchema = z.array(PositionSchema).min(4);

export const GeoGeometrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(RingSchema).min(1) }),
  z.object({
    type: z.literal('MultiPolygon'),
    coordinates: z.array(z.array(RingSchema).min(1)).min(1),
  }),
]);
export type GeoGeometry = z.infer<typeof GeoGeometrySchema>;

export const GeoFeatureSchema = z.object({
  type: z.literal('Feature'),
  properties: z.object({
    code: z.string().meta({ examples: ['16.08.01'] }),
    name: z.string(),
    pt: PositionSchema.describe('A point inside the polygon, for a label or a click.'),
  }),
  geometry: GeoGeometrySchema,
});
export type GeoFeature = z.infer<typeof GeoFeatureSchema>;

export const RegionGeoSchema = named(
  'RegionGeo',
  z.object({
    type: z.literal('FeatureCollection'),
    region: z.string().describe('The region whose children these are.'),
    bbox: z
      .tuple([z.number(), z.number(), z.number(), z.number()])
      .describe('West, south, east, north of all the features.'),
    features: z.array(GeoFeatureSchema),
  }),
  "The polygons of a region's children (kecamatan of a kabupaten, desa of a kecamatan, kabupaten of a provinsi), simplified, as GeoJSON (RFC 7946). Properties: code, name and an inside point; the numbers to colour them by are the region's recap (/api/v1/results/{code}).",
);
export type RegionGeo = z.infer<typeof RegionGeoSchema>;

export const GeoIndexSchema = named(
  'GeoIndex',
  z.object({
    regions: z
      .array(z.string())
      .describe('Regions whose children have polygons: GET /api/v1/geo/{code}.geojson.'),
    source: z.string().describe('Where the polygons come from, and their licence.'),
  }),
  'The regions the map can draw.',
);
export type GeoIndex = z.infer<typeof GeoIndexSchema>;
