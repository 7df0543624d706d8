// The geometry of a paper form, in millimetres from the top-left corner of the printed page.
import * as z from 'zod';

export const RectSchema = z.strictObject({
  x: z.number(),
  y: z.number(),
  w: z.number(),
  h: z.number(),
});
/** An axis-aligned rectangle in millimetres: top-left corner, width and height. */
export type Rect = z.infer<typeof RectSchema>;

/** Which two quadrants of a corner marker are black: top-left + bottom-right, or top-right + bottom-left. */
export const MarkerDiagonalSchema = z.enum(['tl-br', 'tr-bl']);

const Boxes = z.tuple([RectSchema, RectSchema, RectSchema]);

export const FieldTemplateSchema = z.strictObject({
  /** Dotted path in the C.Hasil result (`voters.dpt.l`, `votes.2`, `valid`). */
  path: z.string(),
  /** Hundreds, tens, units: the outer edge of each printed box. */
  boxes: Boxes,
  /** Page 2 only: the light-grey dotted "8" inside each box, for the writer to trace. */
  guides: z.tuple([RectSchema, RectSchema, RectSchema]).optional(),
  /** Page 2 only: per box, the bubbles for 0..9 (outer edge of each printed circle). */
  bubbles: z.array(z.array(RectSchema).length(10)).length(3).optional(),
});
export type FieldTemplate = z.infer<typeof FieldTemplateSchema>;

export const PageTemplateSchema = z.strictObject({
  page: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  /** Corner markers clockwise from the top left: TL, TR, BR, BL. */
  markers: z.tuple([RectSchema, RectSchema, RectSchema, RectSchema]),
  markerDiagonals: z.tuple([
    MarkerDiagonalSchema,
    MarkerDiagonalSchema,
    MarkerDiagonalSchema,
    MarkerDiagonalSchema,
  ]),
  /**
   * The page-ID fiducial: 8x8 modules, a black border around 6x6 data bits. `bits[row][col]` is
   * 1 for a black module, rows top to bottom, read with the page upright. `code` is the printed
   * page code next to it (101, 102, 103).
   */
  pageId: z.strictObject({
    rect: RectSchema,
    code: z.string(),
    bits: z.array(z.array(z.union([z.literal(0), z.literal(1)])).length(6)).length(6),
  }),
  fields: z.array(FieldTemplateSchema),
});
export type PageTemplate = z.infer<typeof PageTemplateSchema>;

export const FormTemplateSchema = z.strictObject({
  ballot: z.literal('ppwp'),
  /** Where the numbers came from, and how they were measured. */
  source: z.string(),
  pageSizeMm: z.strictObject({ w: z.number(), h: z.number() }),
  /** Thickness of a digit box's printed border. */
  boxLineMm: z.number(),
  pages: z.array(PageTemplateSchema),
});
export type FormTemplate = z.infer<typeof FormTemplateSchema>;
