// Box-aware preprocessing of one digit-box crop into the 28x28 input of the digit model.
//
// Crops of C.Hasil digit boxes show the printed box border (often with paper or a neighbouring box
// outside it), a light-grey dotted guide inside, and pen strokes that are frequently light and
// blurred. The same function prepares the training data (training/digits/prepare.ts) and the
// crops at inference, so the model sees exactly what it was trained on.
//
// Steps: (1) contrast-normalise to an ink map in [0, 1] (paper 0, darkest ink 1); (2) find the
// border as the innermost long straight dark line in the outer band of each side and crop inside
// it; (3) re-normalise inside the box, drop faint pixels (under a cut-off adapted to the darkest
// ink in the box) and small specks (the dotted guide);
// (4) like MNIST: fit the ink's bounding box into 20x20 keeping its aspect ratio, then put its
// centre of mass at the centre of a 28x28 canvas. Output: Float32Array(784), 0 = paper, 1 = ink.

import type { GrayImage } from '../image.ts';

export const INPUT_SIZE = 28;
const FIT = 20;

export type Preprocessed = {
  /** 28x28 ink map, row-major, 0 = paper, 1 = ink. */
  input: Float32Array;
  /** Share of the inner box area covered by ink (0 for an empty box). */
  inkShare: number;
  /** The inner box area that was kept, in crop pixels. */
  inner: { x0: number; y0: number; x1: number; y1: number };
};

/** Percentile (0..1) of a set of byte values, by histogram. */
function percentile(values: Uint8Array, p: number): number {
  const hist = new Uint32Array(256);
  for (const v of values) hist[v]!++;
  const target = Math.min(values.length - 1, Math.floor(p * values.length));
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc > target) return v;
  }
  return 255;
}

/** Ink map in [0,1] from gray values, given paper and ink levels. */
function inkMap(img: GrayImage, paper: number, ink: number): Float32Array {
  const span = Math.max(paper - ink, 48);
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = (paper - img.data[i]!) / span;
    out[i] = v <= 0 ? 0 : v >= 1 ? 1 : v;
  }
  return out;
}

/**
 * Positions along one axis of the innermost border line from each side. `profile[k]` is the share
 * of dark pixels in line k (a row or column), smoothed over its neighbours to tolerate slight
 * tilt. Returns the first kept index from the start and the last kept index from the end.
 */
function borderCut(profile: Float32Array, band: number, strong: number): [number, number] {
  const n = profile.length;
  let lo = 0;
  for (let k = 0; k < band; k++) if (profile[k]! >= strong) lo = k + 1;
  let hi = n - 1;
  for (let k = n - 1; k >= n - band; k--) if (profile[k]! >= strong) hi = k - 1;
  // One more line of margin where a border was found: its anti-aliased edge.
  if (lo > 0) lo = Math.min(lo + 1, n - 1);
  if (hi < n - 1) hi = Math.max(hi - 1, 0);
  if (hi - lo < n * 0.3) return [0, n - 1];
  return [lo, hi];
}

function lineProfiles(mask: Uint8Array, w: number, h: number): [Float32Array, Float32Array] {
  const rows = new Float32Array(h);
  const cols = new Float32Array(w);
  // A pixel counts for a row if it or a vertical neighbour is dark (tilt tolerance), same for cols.
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const here = mask[y * w + x]!;
      const up = y > 0 ? mask[(y - 1) * w + x]! : 0;
      const down = y < h - 1 ? mask[(y + 1) * w + x]! : 0;
      if (here || up || down) rows[y]!++;
      const left = x > 0 ? mask[y * w + x - 1]! : 0;
      const right = x < w - 1 ? mask[y * w + x + 1]! : 0;
      if (here || left || right) cols[x]!++;
    }
  }
  for (let y = 0; y < h; y++) rows[y]! /= w;
  for (let x = 0; x < w; x++) cols[x]! /= h;
  return [rows, cols];
}

/** Zero out 8-connected components of `mask` smaller than `minArea` pixels, in `ink` too. */
function dropSpecks(ink: Float32Array, mask: Uint8Array, w: number, h: number, minArea: number) {
  const label = new Int32Array(w * h).fill(-1);
  const stack: number[] = [];
  const members: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (!mask[start] || label[start] !== -1) continue;
    stack.push(start);
    label[start] = start;
    members.length = 0;
    while (stack.length) {
      const p = stack.pop()!;
      members.push(p);
      const px = p % w;
      const py = (p - px) / w;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx;
          if (nx < 0 || nx >= w) continue;
          const q = ny * w + nx;
          if (mask[q] && label[q] === -1) {
            label[q] = start;
            stack.push(q);
          }
        }
      }
    }
    if (members.length < minArea) for (const p of members) ink[p] = 0;
  }
}

/** The value at (x, y) of a float map, 0 outside. */
function at(map: Float32Array, w: number, h: number, x: number, y: number): number {
  return x < 0 || y < 0 || x >= w || y >= h ? 0 : map[y * w + x]!;
}

/** Bilinear sample of a float map, 0 outside. */
function sample(map: Float32Array, w: number, h: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  return (
    (at(map, w, h, x0, y0) * (1 - fx) + at(map, w, h, x0 + 1, y0) * fx) * (1 - fy) +
    (at(map, w, h, x0, y0 + 1) * (1 - fx) + at(map, w, h, x0 + 1, y0 + 1) * fx) * fy
  );
}

/** Area-average resample of a float map region to dw x dh (downscaling and upscaling). */
function resample(
  map: Float32Array,
  w: number,
  h: number,
  x0: number,
  y0: number,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Float32Array {
  const out = new Float32Array(dw * dh);
  // Supersample each destination pixel on a grid fine enough to average the source area.
  const sx = Math.max(1, Math.ceil(sw / dw)) * 2;
  const sy = Math.max(1, Math.ceil(sh / dh)) * 2;
  for (let j = 0; j < dh; j++) {
    for (let i = 0; i < dw; i++) {
      let acc = 0;
      for (let b = 0; b < sy; b++) {
        const y = y0 + ((j + (b + 0.5) / sy) * sh) / dh - 0.5;
        for (let a = 0; a < sx; a++) {
          const x = x0 + ((i + (a + 0.5) / sx) * sw) / dw - 0.5;
          acc += sample(map, w, h, x, y);
        }
      }
      out[j * dw + i] = acc / (sx * sy);
    }
  }
  return out;
}

/**
 * The ink cut-off inside the box, adapted to the crop: half the ink level of the darkest 1% of the
 * box, between 0.15 and 0.3. A dark pen keeps the old fixed 0.3 (the dotted guide and grey noise
 * go); a light pen, whose darkest pixels are only 0.3-0.5 of the border-based contrast span, is no
 * longer wiped out (the box then read as `x`). The 0.15 floor keeps paper noise of an empty box out
 * in most cases; what survives in a noisy empty box is learnt as `x` from the synthetic empties.
 */
function inkCut(ink: Float32Array): number {
  const hist = new Uint32Array(101);
  for (const v of ink) hist[Math.round(v * 100)]!++;
  const target = Math.floor(ink.length * 0.01);
  let acc = 0;
  let top = 0;
  for (let k = 100; k >= 0; k--) {
    acc += hist[k]!;
    if (acc > target) {
      top = k / 100;
      break;
    }
  }
  return Math.min(0.3, Math.max(0.15, 0.5 * top));
}

export function preprocessBox(img: GrayImage): Preprocessed {
  const { width: w, height: h } = img;
  const input = new Float32Array(INPUT_SIZE * INPUT_SIZE);
  if (w < 4 || h < 4 || img.data.length < w * h) {
    return { input, inkShare: 0, inner: { x0: 0, y0: 0, x1: w - 1, y1: h - 1 } };
  }

  // 1. Border: dark lines relative to the whole crop's paper level.
  const paper = percentile(img.data, 0.75);
  const darkest = percentile(img.data, 0.01);
  const whole = inkMap(img, paper, darkest);
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) mask[i] = whole[i]! > 0.4 ? 1 : 0;
  const [rows, cols] = lineProfiles(mask, w, h);
  const [y0, y1] = borderCut(rows, Math.ceil(h * 0.25), 0.7);
  const [x0, x1] = borderCut(cols, Math.ceil(w * 0.25), 0.7);
  const iw = x1 - x0 + 1;
  const ih = y1 - y0 + 1;

  // 2. Inside the box: paper and ink levels of the inner area only.
  const inner: GrayImage = { width: iw, height: ih, data: new Uint8Array(iw * ih) };
  for (let y = 0; y < ih; y++)
    inner.data.set(img.data.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + iw), y * iw);
  const innerPaper = percentile(inner.data, 0.6);
  const innerInk = Math.min(percentile(inner.data, 0.01), percentile(img.data, 0.02));
  // A faint box (nothing much darker than the paper) is normalised against a minimum contrast, so
  // that noise in an empty box does not become "ink".
  const span = Math.max(innerPaper - innerInk, 60);
  const ink = inkMap(inner, innerPaper, innerPaper - span);
  // 3. Suppress the dotted guide and faint noise: low values go, small specks go.
  const cut = inkCut(ink);
  const innerMask = new Uint8Array(iw * ih);
  for (let i = 0; i < ink.length; i++) {
    const v = ink[i]!;
    if (v < cut) ink[i] = 0;
    else {
      ink[i] = Math.min(1, (v - cut) / 0.5);
      innerMask[i] = 1;
    }
  }
  dropSpecks(ink, innerMask, iw, ih, Math.max(4, Math.round(iw * ih * 0.006)));

  // 4. Bounding box and centre of mass.
  let bx0 = iw;
  let by0 = ih;
  let bx1 = -1;
  let by1 = -1;
  let mass = 0;
  let inked = 0;
  for (let y = 0; y < ih; y++) {
    for (let x = 0; x < iw; x++) {
      const v = ink[y * iw + x]!;
      if (v <= 0) continue;
      mass += v;
      inked++;
      if (x < bx0) bx0 = x;
      if (x > bx1) bx1 = x;
      if (y < by0) by0 = y;
      if (y > by1) by1 = y;
    }
  }
  const innerBox = { x0, y0, x1, y1 };
  if (mass < 1) return { input, inkShare: 0, inner: innerBox };
  const bw = bx1 - bx0 + 1;
  const bh = by1 - by0 + 1;
  const scale = FIT / Math.max(bw, bh);
  const dw = Math.max(1, Math.round(bw * scale));
  const dh = Math.max(1, Math.round(bh * scale));
  const fitted = resample(ink, iw, ih, bx0, by0, bw, bh, dw, dh);
  let cx = 0;
  let cy = 0;
  let m = 0;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const v = fitted[y * dw + x]!;
      m += v;
      cx += v * x;
      cy += v * y;
    }
  }
  const ox = Math.round(INPUT_SIZE / 2 - 0.5 - (m > 0 ? cx / m : dw / 2));
  const oy = Math.round(INPUT_SIZE / 2 - 0.5 - (m > 0 ? cy / m : dh / 2));
  for (let y = 0; y < dh; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= INPUT_SIZE) continue;
    for (let x = 0; x < dw; x++) {
      const tx = x + ox;
      if (tx < 0 || tx >= INPUT_SIZE) continue;
      input[ty * INPUT_SIZE + tx] = fitted[y * dw + x]!;
    }
  }
  let peak = 0;
  for (const v of input) if (v > peak) peak = v;
  if (peak > 0) for (let i = 0; i < input.length; i++) input[i] = Math.min(1, input[i]! / peak);
  return { input, inkShare: inked / (iw * ih), inner: innerBox };
}
