// Synthetic C.Hasil digit-box crops: a printed box border (sometimes with a neighbouring box's edge
// outside it), the light dotted guide, and ink that is an MNIST digit, a segment-shaped digit
// traced along the guide, an X mark, or nothing. Seeded, so training data and tests reproduce.
// Used to augment MNIST toward real crops and to test the preprocessing.

import type { GrayImage } from '../reader/image.ts';
import { DIGIT_SEGMENTS } from '../core/seven-segment.ts';

/** Seeded draws in [0, 1): the project's one generator, `mulberry32` of core/random.ts. */
export type Rng = () => number;

const between = (r: Rng, lo: number, hi: number) => lo + (hi - lo) * r();

export type BoxInk =
  | { kind: 'mnist'; pixels: Uint8Array } // 28x28, 255 = ink (MNIST's own convention)
  | { kind: 'segments'; digit: number }
  | { kind: 'x' }
  | { kind: 'empty' };

type Canvas = { w: number; h: number; ink: Float32Array }; // darkness 0..1 per pixel

function stroke(
  c: Canvas,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  width: number,
  dark: number,
) {
  const r = width / 2;
  const minX = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
  const maxX = Math.min(c.w - 1, Math.ceil(Math.max(ax, bx) + r + 1));
  const minY = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
  const maxY = Math.min(c.h - 1, Math.ceil(Math.max(ay, by) + r + 1));
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy || 1;
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
      const d = Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
      const cover = Math.max(0, Math.min(1, r + 0.5 - d));
      const i = y * c.w + x;
      c.ink[i] = Math.max(c.ink[i]!, cover * dark);
    }
  }
}

// Seven segments on a unit rectangle: a top, b top-right, c bottom-right, d bottom, e bottom-left,
// f top-left, g middle. Officers tracing the dotted guide write digits this way.
const SEGMENTS: Record<string, [number, number, number, number]> = {
  a: [0, 0, 1, 0],
  b: [1, 0, 1, 0.5],
  c: [1, 0.5, 1, 1],
  d: [0, 1, 1, 1],
  e: [0, 0.5, 0, 1],
  f: [0, 0, 0, 0.5],
  g: [0, 0.5, 1, 0.5],
};

/** A synthetic box crop with the given ink. */
export function synthBox(r: Rng, content: BoxInk): GrayImage {
  const w = Math.round(between(r, 34, 54));
  const h = Math.round(w * between(r, 0.9, 1.35));
  const c: Canvas = { w, h, ink: new Float32Array(w * h) };
  const paper = between(r, 140, 240);
  const margin = Math.round(between(r, 0, 5));
  const border = between(r, 1, 3.2);
  const borderDark = between(r, 0.35, 1);
  const bx0 = margin;
  const by0 = Math.round(between(r, 0, 5));
  const bx1 = w - 1 - Math.round(between(r, 0, 5));
  const by1 = h - 1 - Math.round(between(r, 0, 5));
  const tilt = between(r, -1.2, 1.2);
  stroke(c, bx0, by0 + tilt, bx1, by0 - tilt, border, borderDark);
  stroke(c, bx0, by1 + tilt, bx1, by1 - tilt, border, borderDark);
  stroke(c, bx0 - tilt, by0, bx0 + tilt, by1, border, borderDark);
  stroke(c, bx1 - tilt, by0, bx1 + tilt, by1, border, borderDark);
  // A neighbouring box's edge in a loose crop.
  if (r() < 0.15) {
    const x = r() < 0.5 ? Math.max(0, bx0 - 3) : Math.min(w - 1, bx1 + 3);
    if (Math.abs(x - bx0) > 1 && Math.abs(x - bx1) > 1)
      stroke(c, x, 0, x, h - 1, border, borderDark);
  }
  // Inner box and the dotted guide.
  const ix0 = bx0 + border + 1;
  const iy0 = by0 + border + 1;
  const ix1 = bx1 - border - 1;
  const iy1 = by1 - border - 1;
  const iw = ix1 - ix0;
  const ih = iy1 - iy0;
  const gx0 = ix0 + iw * between(r, 0.25, 0.35);
  const gx1 = ix0 + iw * between(r, 0.65, 0.75);
  const gy0 = iy0 + ih * between(r, 0.08, 0.18);
  const gy1 = iy0 + ih * between(r, 0.82, 0.92);
  if (r() < 0.85) {
    const dotDark = between(r, 0.08, 0.35);
    const step = between(r, 2, 3.5);
    for (const gx of [gx0, gx1])
      for (let y = gy0; y <= gy1; y += step) stroke(c, gx, y, gx, y, 0.8, dotDark);
    for (const gy of [gy0, (gy0 + gy1) / 2, gy1])
      for (let x = gx0; x <= gx1; x += step) stroke(c, x, gy, x, gy, 0.8, dotDark);
  }
  const pen = between(r, 1, 2.8);
  const penDark = between(r, 0.6, 1);
  const jitter = () => between(r, -0.06, 0.06);
  switch (content.kind) {
    case 'empty':
      break;
    case 'x': {
      // Corner to corner of the box, or a smaller X around the guide.
      const big = r() < 0.5;
      const [ax0, ay0, ax1, ay1] = big
        ? [ix0 - 1, iy0 - 1, ix1 + 1, iy1 + 1]
        : [
            ix0 + iw * between(r, 0.05, 0.3),
            iy0 + ih * between(r, 0.05, 0.2),
            ix1 - iw * between(r, 0.05, 0.3),
            iy1 - ih * between(r, 0.05, 0.2),
          ];
      const sw = ax1 - ax0;
      const sh = ay1 - ay0;
      stroke(
        c,
        ax0 + sw * jitter(),
        ay0 + sh * jitter(),
        ax1 + sw * jitter(),
        ay1 + sh * jitter(),
        pen,
        penDark,
      );
      stroke(
        c,
        ax1 + sw * jitter(),
        ay0 + sh * jitter(),
        ax0 + sw * jitter(),
        ay1 + sh * jitter(),
        pen,
        penDark,
      );
      break;
    }
    case 'segments': {
      const sx0 = gx0 + iw * between(r, -0.12, 0.05);
      const sx1 = gx1 + iw * between(r, -0.05, 0.12);
      const sy0 = gy0 + ih * between(r, -0.05, 0.05);
      const sy1 = gy1 + ih * between(r, -0.05, 0.05);
      const mid = between(r, 0.4, 0.6);
      const map = (u: number, v: number): [number, number] => [
        sx0 + u * (sx1 - sx0) + iw * jitter() * 0.5,
        sy0 + (v === 0.5 ? mid : v) * (sy1 - sy0) + ih * jitter() * 0.5,
      ];
      const segs = DIGIT_SEGMENTS[content.digit]!;
      // Variants seen on real forms: a 1 as one centred stroke, a 4 open at the top.
      if (content.digit === 1 && r() < 0.7) {
        const x = (sx0 + sx1) / 2 + iw * jitter();
        stroke(c, x, sy0, x + iw * jitter(), sy1, pen, penDark);
        break;
      }
      for (const s of segs) {
        if (content.digit === 7 && s === 'a' && r() < 0.2) continue;
        const [u0, v0, u1, v1] = SEGMENTS[s]!;
        const [p0x, p0y] = map(u0, v0);
        const [p1x, p1y] = map(u1, v1);
        stroke(c, p0x, p0y, p1x, p1y, pen, penDark);
      }
      break;
    }
    case 'mnist': {
      // Fit the digit's bounding box to 55-90% of the inner height, placed with some jitter.
      let mx0 = 28;
      let my0 = 28;
      let mx1 = -1;
      let my1 = -1;
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++)
          if (content.pixels[y * 28 + x]! > 40) {
            mx0 = Math.min(mx0, x);
            mx1 = Math.max(mx1, x);
            my0 = Math.min(my0, y);
            my1 = Math.max(my1, y);
          }
      if (mx1 < 0) break;
      const dh = ih * between(r, 0.55, 0.9);
      const s = dh / (my1 - my0 + 1);
      const sx = s * between(r, 0.8, 1.25);
      const dw = Math.min(iw * 0.95, (mx1 - mx0 + 1) * sx);
      const sxEff = dw / (mx1 - mx0 + 1);
      const ox = ix0 + (iw - dw) / 2 + iw * jitter();
      const oy = iy0 + (ih - dh) / 2 + ih * jitter();
      const gain = penDark * between(r, 1, 1.6);
      for (let y = Math.max(0, Math.floor(oy)); y < Math.min(h, Math.ceil(oy + dh)); y++) {
        for (let x = Math.max(0, Math.floor(ox)); x < Math.min(w, Math.ceil(ox + dw)); x++) {
          const u = mx0 + (x - ox) / sxEff;
          const v = my0 + (y - oy) / s;
          const ui = Math.floor(u);
          const vi = Math.floor(v);
          if (ui < 0 || vi < 0 || ui >= 27 || vi >= 27) continue;
          const fu = u - ui;
          const fv = v - vi;
          const p = (xx: number, yy: number) => content.pixels[yy * 28 + xx]! / 255;
          const val =
            (p(ui, vi) * (1 - fu) + p(ui + 1, vi) * fu) * (1 - fv) +
            (p(ui, vi + 1) * (1 - fu) + p(ui + 1, vi + 1) * fu) * fv;
          const i = y * w + x;
          c.ink[i] = Math.max(c.ink[i]!, Math.min(1, val * gain) * penDark);
        }
      }
      break;
    }
  }
  // Blur, lighting gradient, noise; then to gray bytes.
  let ink = c.ink;
  const blurs = r() < 0.5 ? 0 : r() < 0.6 ? 1 : 2;
  for (let b = 0; b < blurs; b++) ink = boxBlur(ink, w, h);
  const contrast = between(r, 0.55, 0.95) * paper;
  const gx = between(r, -20, 20);
  const gy = between(r, -20, 20);
  const noise = between(r, 0, 10);
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const light = paper + (gx * (x - w / 2)) / w + (gy * (y - h / 2)) / h;
      const v = light - contrast * ink[y * w + x]! + noise * (r() + r() + r() - 1.5);
      data[y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width: w, height: h, data };
}

function boxBlur(src: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w) continue;
          acc += src[yy * w + xx]!;
          n++;
        }
      }
      out[y * w + x] = acc / n;
    }
  }
  return out;
}
