// The template of the official C.HASIL-PPWP plano form (600 x 900 mm, 3 pages), measured from
// KPU's PDF by scripts/measure-template.ts and committed as ppwp.json: no file access at run time,
// so the same code serves the browser and Node.
import measured from './ppwp.json' with { type: 'json' };
import { FormTemplateSchema, type FormTemplate, type Rect } from './types.ts';

export type { FormTemplate, PageTemplate, FieldTemplate, Rect } from './types.ts';

/** Validated once at load: a malformed committed JSON is a bug, so it throws. */
export const PPWP_TEMPLATE: FormTemplate = FormTemplateSchema.parse(measured);

/** The template of one page (1..3). */
/** Centre of a rectangle. */
export function centre(r: Rect): { x: number; y: number } {
  return { x: r.x + r.w / 2, y: r.y + r.h / 2 };
}

/**
 * Which page a decoded 6x6 fiducial pattern is, trying all four rotations; null when none is
 * within `maxErrors` bits. `rotation` is how far the observed grid had to be turned clockwise to
 * match the upright page.
 */
export function pageForBits(
  bits: number[][],
  maxErrors = 2,
): { page: 1 | 2 | 3; rotation: 0 | 90 | 180 | 270; errors: number } | null {
  let best: { page: 1 | 2 | 3; rotation: 0 | 90 | 180 | 270; errors: number } | null = null;
  let grid = bits;
  for (const rotation of [0, 90, 180, 270] as const) {
    for (const p of PPWP_TEMPLATE.pages) {
      let errors = 0;
      for (let r = 0; r < 6; r++)
        for (let c = 0; c < 6; c++) if ((grid[r]?.[c] ?? -1) !== p.pageId.bits[r]![c]) errors++;
      if (errors <= maxErrors && (!best || errors < best.errors))
        best = { page: p.page, rotation, errors };
    }
    // Rotate the observed grid 90 degrees clockwise for the next try.
    grid = grid[0]!.map((_, c) => grid.map((row) => row[c]!).reverse());
  }
  return best;
}
