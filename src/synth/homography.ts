// The synthetic camera uses the reader's own projective geometry (page/homography.ts), under the
// names it was written with; the two differ only in failing loudly on a degenerate camera.
import {
  apply,
  homographyFromPoints,
  invert,
  type Homography,
  type Point,
} from '../reader/page/homography.ts';

export type { Homography, Point };
export const applyH = apply;

export function homographyFrom4(from: Point[], to: Point[]): Homography {
  const h = homographyFromPoints(from, to);
  if (!h) throw new Error('synth: degenerate camera (no homography through these points)');
  return h;
}

export function invertH(h: Homography): Homography {
  const inv = invert(h);
  if (!inv) throw new Error('synth: camera homography is not invertible');
  return inv;
}
