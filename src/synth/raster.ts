// Drawing primitives on a GrayImage (0 black, 255 white). Ink darkens: a pixel keeps the darker of
// its value and the ink, so strokes over printed lines look like pen on paper.
import type { GrayImage } from '../reader/image.ts';

export type Pt = { x: number; y: number };

/** Fills an axis-aligned rectangle (pixel coordinates, fractional edges rounded). */
export function fillRect(
  img: GrayImage,
  x: number,
  y: number,
  w: number,
  h: number,
  value = 0,
): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w));
  const y1 = Math.min(img.height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) {
    const row = yy * img.width;
    for (let xx = x0; xx < x1; xx++) if (img.data[row + xx]! > value) img.data[row + xx] = value;
  }
}

/** A rectangle outline whose outer edge is (x, y, w, h), lines `t` thick, drawn inward. */
export function strokeRect(
  img: GrayImage,
  x: number,
  y: number,
  w: number,
  h: number,
  t: number,
  value = 0,
): void {
  fillRect(img, x, y, w, t, value);
  fillRect(img, x, y + h - t, w, t, value);
  fillRect(img, x, y, t, h, value);
  fillRect(img, x + w - t, y, t, h, value);
}

/** Ink at coverage `a` (0..1) of darkness `ink` onto pixel i. */
function blend(img: GrayImage, i: number, a: number, ink: number): void {
  if (a <= 0) return;
  const v = img.data[i]! * (1 - a) + ink * a;
  if (v < img.data[i]!) img.data[i] = v;
}

/** A ring (circle outline) of outer radius r and thickness t, antialiased. */
export function ring(img: GrayImage, cx: number, cy: number, r: number, t: number, ink = 0): void {
  disc(img, cx, cy, r, ink, r - t);
}

/** A filled disc of radius r (or an annulus when inner > 0), antialiased. */
export function disc(img: GrayImage, cx: number, cy: number, r: number, ink = 0, inner = 0): void {
  const x0 = Math.max(0, Math.floor(cx - r - 1));
  const x1 = Math.min(img.width - 1, Math.ceil(cx + r + 1));
  const y0 = Math.max(0, Math.floor(cy - r - 1));
  const y1 = Math.min(img.height - 1, Math.ceil(cy + r + 1));
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
      const a = Math.min(r + 0.5 - d, inner > 0 ? d - inner + 0.5 : 1, 1);
      blend(img, y * img.width + x, a, ink);
    }
}

/** A polyline stroke of width `t`, antialiased (round caps and joins). */
export function polyline(img: GrayImage, pts: Pt[], t: number, ink = 0): void {
  const r = t / 2;
  for (let k = 0; k + 1 < pts.length; k++) {
    const a = pts[k]!;
    const b = pts[k + 1]!;
    const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - r - 1));
    const x1 = Math.min(img.width - 1, Math.ceil(Math.max(a.x, b.x) + r + 1));
    const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - r - 1));
    const y1 = Math.min(img.height - 1, Math.ceil(Math.max(a.y, b.y) + r + 1));
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len2 = dx * dx + dy * dy || 1;
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5 - a.x;
        const py = y + 0.5 - a.y;
        const u = Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
        const d = Math.hypot(px - u * dx, py - u * dy);
        blend(img, y * img.width + x, Math.min(1, r + 0.5 - d), ink);
      }
  }
}

/**
 * Draws `src` scaled into the rectangle (x, y, w, h) of `dst` (bilinear), darkening only: white in
 * `src` leaves `dst` as it is. `ink` scales how dark the source's black becomes.
 */
export function stamp(
  dst: GrayImage,
  src: GrayImage,
  x: number,
  y: number,
  w: number,
  h: number,
  ink = 0,
): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(dst.width - 1, Math.ceil(x + w));
  const y1 = Math.min(dst.height - 1, Math.ceil(y + h));
  for (let yy = y0; yy <= y1; yy++)
    for (let xx = x0; xx <= x1; xx++) {
      const sx = ((xx + 0.5 - x) / w) * src.width - 0.5;
      const sy = ((yy + 0.5 - y) / h) * src.height - 0.5;
      if (sx < -0.5 || sy < -0.5 || sx > src.width - 0.5 || sy > src.height - 0.5) continue;
      const v = bilinear(src, sx, sy);
      const a = (255 - v) / 255;
      blend(dst, yy * dst.width + xx, a, ink);
    }
}

/** Bilinear sample, white outside. */
export function bilinear(img: GrayImage, x: number, y: number, outside = 255): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const fx = x - xi;
  const fy = y - yi;
  const { width, height, data } = img;
  const at = (xx: number, yy: number) =>
    xx < 0 || yy < 0 || xx >= width || yy >= height ? outside : data[yy * width + xx]!;
  const a = at(xi, yi);
  const b = at(xi + 1, yi);
  const c = at(xi, yi + 1);
  const d = at(xi + 1, yi + 1);
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}
