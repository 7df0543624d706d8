// Where the review screen's crop of a field comes from in its photo: the reader gives each box's
// corners in photo pixels, clockwise from the box's top-left ON THE PAGE, so the page's own axes
// can be read off them whatever way the phone was held. The crop is drawn in those axes (the
// photo turned and scaled by one affine map), so a page photographed upside down or sideways still
// shows its digits upright: "X83" reads "X83", not "Ɛ8X".
import type { Point } from '../../reader/page/homography.ts';

/** A canvas of `width` x `height` and the map from photo pixels to it (canvas `setTransform` order). */
export type CropPlacement = {
  width: number;
  height: number;
  /** [a, b, c, d, e, f]: photo (x, y) lands at (a x + c y + e, b x + d y + f). */
  transform: [number, number, number, number, number, number];
};

/** Where photo point `p` lands on the crop's canvas. */
export function placeOnCrop(c: CropPlacement, p: Point): Point {
  const [a, b, cc, d, e, f] = c.transform;
  return { x: a * p.x + cc * p.y + e, y: b * p.x + d * p.y + f };
}

/**
 * The crop of a field's boxes (`boxes`: each box's four corners in the photo, clockwise from the
 * page's top-left), `width` pixels wide with `pad` of the field's width around it, turned upright
 * in the page's axes. Null when there is no box, or the first box is degenerate (no area).
 */
export function cropPlacement(
  boxes: readonly (readonly Point[])[],
  width = 150,
  pad = 0.08,
): CropPlacement | null {
  const first = boxes[0];
  const [o, right, , down] = first ?? [];
  if (!o || !right || !down) return null;
  // The page's axes at the first box, in photo pixels: one box width across, one box height down.
  const ux = right.x - o.x;
  const uy = right.y - o.y;
  const vx = down.x - o.x;
  const vy = down.y - o.y;
  const det = ux * vy - uy * vx;
  if (Math.abs(det) < 1e-9) return null;
  // Photo -> page axes (s across, t down, in box units from the first box's top-left).
  const toS = (p: Point) => ((p.x - o.x) * vy - (p.y - o.y) * vx) / det;
  const toT = (p: Point) => (ux * (p.y - o.y) - uy * (p.x - o.x)) / det;
  const pts = boxes.flat();
  const ss = pts.map(toS);
  const ts = pts.map(toT);
  const sSpan = Math.max(...ss) - Math.min(...ss);
  const tSpan = Math.max(...ts) - Math.min(...ts);
  // The pad is a share of the field's width, the same on all four sides (in photo pixels).
  const across = Math.hypot(ux, uy);
  const along = Math.hypot(vx, vy);
  const padPx = pad * sSpan * across;
  const s0 = Math.min(...ss) - padPx / across;
  const t0 = Math.min(...ts) - padPx / along;
  const sAll = sSpan + (2 * padPx) / across;
  const tAll = tSpan + (2 * padPx) / along;
  const kx = width / sAll;
  const height = Math.max(20, Math.round((width * tAll * along) / Math.max(1e-9, sAll * across)));
  const ky = height / tAll;
  // canvas = (kx (s - s0), ky (t - t0)), with s and t affine in the photo point.
  const a = (kx * vy) / det;
  const c = (-kx * vx) / det;
  const b = (-ky * uy) / det;
  const d = (ky * ux) / det;
  const e = -(a * o.x + c * o.y) - kx * s0;
  const f = -(b * o.x + d * o.y) - ky * t0;
  return { width, height, transform: [a, b, c, d, e, f] };
}
