// Where the page's registration marks are, in millimetres from the top-left of the 600 x 900 mm
// C.HASIL-PPWP sheet. Measured from the 100 dpi renders in ../shared/data/forms (pixel i covers
// [i, i + 1) there, so mm = (i + 0.5) * 0.254 for a pixel centre); the same on all three pages.

import type { Point } from './homography.ts';

export const PAGE_MM = { width: 600, height: 900 } as const;

/** Marker centres (where the two squares touch): top-left, top-right, bottom-right, bottom-left. */
export const MARKERS_MM: readonly [Point, Point, Point, Point] = [
  { x: 47.244, y: 65.024 },
  { x: 552.958, y: 65.024 },
  { x: 552.958, y: 875.03 },
  { x: 47.244, y: 875.03 },
];

/** Outer side of a marker (two squares of half that side), mm. */
export const MARKER_MM = 14.73;

/**
 * In page orientation both dark squares of every marker lie on the top-left to bottom-right
 * diagonal (direction (1, 1)).
 */
export const MARKER_DARK_DIAGONAL: Point = { x: Math.SQRT1_2, y: Math.SQRT1_2 };

/** The page-ID fiducial: 8 x 8 modules of 4 mm, outer top-left corner at (x, y). */
export const FIDUCIAL_MM = {
  x: 1945 * 0.254,
  y: 422 * 0.254,
  module: (126 * 0.254) / 8,
  modules: 8,
} as const;
