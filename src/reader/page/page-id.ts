// Tells which page of the C.HASIL-PPWP form a rectified photo shows, from the 8 x 8 page-ID
// fiducial beside the header (a black border of one module around 6 x 6 data bits; printed
// codes 101, 102, 103). The bits were read from the official renders (page-id.test.ts checks
// them against ../shared/data/forms); the fiducial's dictionary itself is not decoded.

import type { GrayImage } from '../image.ts';
import { apply, sampleBilinear, type Homography } from './homography.ts';
import { FIDUCIAL_MM } from './layout.ts';

export type PageNumber = 1 | 2 | 3;

/** Rows top to bottom, '1' = black module, in page orientation. */
export const PAGE_ID_BITS: Record<PageNumber, readonly string[]> = {
  1: [
    '11111111',
    '11110001',
    '11001011',
    '11110001',
    '11101111',
    '10110001',
    '11000101',
    '11111111',
  ],
  2: [
    '11111111',
    '11101011',
    '11101101',
    '10011011',
    '11001101',
    '10100111',
    '10100111',
    '11111111',
  ],
  3: [
    '11111111',
    '11100011',
    '10100011',
    '10110101',
    '11101001',
    '10111111',
    '11110101',
    '11111111',
  ],
};

export type PageIdReading = {
  /** The nearest page, or null when no page is within `maxDistance` bits. */
  page: PageNumber | null;
  /** Mismatched modules (of 64) to the nearest page, and to the runner-up. */
  distance: number;
  runnerUp: number;
  /** The 8 x 8 modules as read, '1' = black. */
  bits: string[];
  /** Mean gray of the light modules minus that of the dark ones (0..255). */
  contrast: number;
};

/**
 * Reads the fiducial through `h` (page mm -> image px). Each module is the mean of a 3 x 3 grid of
 * samples in its middle; the threshold is the midpoint between the two clusters of module values.
 */
export function readPageId(img: GrayImage, h: Homography, maxDistance = 8): PageIdReading {
  const { x: fx, y: fy, module: m, modules: n } = FIDUCIAL_MM;
  const vals: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (const oy of [0.3, 0.5, 0.7])
        for (const ox of [0.3, 0.5, 0.7]) {
          const p = apply(h, { x: fx + (c + ox) * m, y: fy + (r + oy) * m });
          s += sampleBilinear(img, p.x, p.y);
        }
      vals.push(s / 9);
    }
  }
  // Two-means threshold.
  let t = (Math.min(...vals) + Math.max(...vals)) / 2;
  let lo = 0;
  let hi = 0;
  for (let it = 0; it < 10; it++) {
    const dark = vals.filter((v) => v < t);
    const light = vals.filter((v) => v >= t);
    if (!dark.length || !light.length) break;
    lo = dark.reduce((a, b) => a + b, 0) / dark.length;
    hi = light.reduce((a, b) => a + b, 0) / light.length;
    t = (lo + hi) / 2;
  }
  const bits: string[] = [];
  for (let r = 0; r < n; r++)
    bits.push(
      vals
        .slice(r * n, r * n + n)
        .map((v) => (v < t ? '1' : '0'))
        .join(''),
    );
  const dists = ([1, 2, 3] as const)
    .map((p) => ({ p, d: hamming(bits, PAGE_ID_BITS[p]) }))
    .sort((a, b) => a.d - b.d);
  const best = dists[0]!;
  return {
    page: best.d <= maxDistance ? best.p : null,
    distance: best.d,
    runnerUp: dists[1]!.d,
    bits,
    contrast: Math.max(0, hi - lo),
  };
}

function hamming(a: readonly string[], b: readonly string[]): number {
  let d = 0;
  for (let r = 0; r < a.length; r++)
    for (let c = 0; c < a[r]!.length; c++) if (a[r]![c] !== b[r]?.[c]) d++;
  return d;
}
