// Plane-to-plane projective transforms (homographies) and a bilinear perspective warp.
// A homography is a row-major 3x3 matrix as 9 numbers, mapping (x, y) to
// ((h0 x + h1 y + h2) / w, (h3 x + h4 y + h5) / w) with w = h6 x + h7 y + h8.
// Pixel coordinates put the centre of pixel (i, j) at (i, j).

import type { GrayImage } from '../image.ts';

export type Point = { x: number; y: number };
export type Homography = number[];

/** Solves A x = b (n x n, row-major) by Gaussian elimination with partial pivoting; null if singular. */
function solveLinear(a: number[], b: number[], n: number): number[] | null {
  const m = a.slice();
  const v = b.slice();
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r * n + col]!) > Math.abs(m[piv * n + col]!)) piv = r;
    const p = m[piv * n + col]!;
    if (Math.abs(p) < 1e-12) return null;
    if (piv !== col) {
      for (let c = 0; c < n; c++) {
        const t = m[col * n + c]!;
        m[col * n + c] = m[piv * n + c]!;
        m[piv * n + c] = t;
      }
      const t = v[col]!;
      v[col] = v[piv]!;
      v[piv] = t;
    }
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col]! / p;
      if (f === 0) continue;
      for (let c = col; c < n; c++) m[r * n + c]! -= f * m[col * n + c]!;
      v[r]! -= f * v[col]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = v[r]!;
    for (let c = r + 1; c < n; c++) s -= m[r * n + c]! * x[c]!;
    x[r] = s / m[r * n + r]!;
  }
  return x;
}

/** Similarity that moves the points' centroid to 0 and their mean distance to sqrt(2) (Hartley). */
function normaliser(pts: readonly Point[]): Homography {
  let cx = 0;
  let cy = 0;
  for (const p of pts) {
    cx += p.x;
    cy += p.y;
  }
  cx /= pts.length;
  cy /= pts.length;
  let d = 0;
  for (const p of pts) d += Math.hypot(p.x - cx, p.y - cy);
  d /= pts.length;
  const s = d > 0 ? Math.SQRT2 / d : 1;
  return [s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1];
}

export function multiply(a: Homography, b: Homography): Homography {
  const r = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      r[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  return r;
}

export function invert(h: Homography): Homography | null {
  const [a, b, c, d, e, f, g, k, l] = h as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const A = e * l - f * k;
  const B = -(d * l - f * g);
  const C = d * k - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-15) return null;
  const inv = [
    A,
    -(b * l - c * k),
    b * f - c * e,
    B,
    a * l - c * g,
    -(a * f - c * d),
    C,
    -(a * k - b * g),
    a * e - b * d,
  ];
  return inv.map((v) => v / det);
}

export function apply(h: Homography, p: Point): Point {
  const w = h[6]! * p.x + h[7]! * p.y + h[8]!;
  return { x: (h[0]! * p.x + h[1]! * p.y + h[2]!) / w, y: (h[3]! * p.x + h[4]! * p.y + h[5]!) / w };
}

/**
 * The homography mapping each `from[i]` to `to[i]`, by least squares over 4 or more
 * correspondences (normalised DLT with h8 = 1). Null when degenerate.
 */
export function homographyFromPoints(
  from: readonly Point[],
  to: readonly Point[],
): Homography | null {
  if (from.length < 4 || from.length !== to.length) return null;
  const nf = normaliser(from);
  const nt = normaliser(to);
  const f = from.map((p) => apply(nf, p));
  const t = to.map((p) => apply(nt, p));
  // Normal equations of the 2n x 8 system.
  const ata = new Array<number>(64).fill(0);
  const atb = new Array<number>(8).fill(0);
  for (let i = 0; i < f.length; i++) {
    const { x, y } = f[i]!;
    const { x: u, y: v } = t[i]!;
    const rows: [number[], number][] = [
      [[x, y, 1, 0, 0, 0, -u * x, -u * y], u],
      [[0, 0, 0, x, y, 1, -v * x, -v * y], v],
    ];
    for (const [r, rhs] of rows) {
      for (let a = 0; a < 8; a++) {
        atb[a]! += r[a]! * rhs;
        for (let b = 0; b < 8; b++) ata[a * 8 + b]! += r[a]! * r[b]!;
      }
    }
  }
  const sol = solveLinear(ata, atb, 8);
  if (!sol || sol.some((v) => !Number.isFinite(v))) return null;
  const hn = [...sol, 1];
  const ntInv = invert(nt);
  if (!ntInv) return null;
  const h = multiply(ntInv, multiply(hn, nf));
  const s = h[8]!;
  if (Math.abs(s) < 1e-15) return null;
  return h.map((v) => v / s);
}

/** The affine map fitting three correspondences exactly, as a homography; null when collinear. */
export function affineFromPoints(from: readonly Point[], to: readonly Point[]): Homography | null {
  if (from.length !== 3 || to.length !== 3) return null;
  const a: number[] = [];
  for (const p of from) a.push(p.x, p.y, 1);
  const cx = solveLinear(
    a,
    to.map((p) => p.x),
    3,
  );
  const cy = solveLinear(
    a,
    to.map((p) => p.y),
    3,
  );
  if (!cx || !cy) return null;
  return [...cx, ...cy, 0, 0, 1];
}

/** The 2x2 Jacobian of `h` at `p`, row-major [dx/dX, dx/dY, dy/dX, dy/dY]. */
export function jacobian(h: Homography, p: Point): [number, number, number, number] {
  const w = h[6]! * p.x + h[7]! * p.y + h[8]!;
  const q = apply(h, p);
  return [
    (h[0]! - h[6]! * q.x) / w,
    (h[1]! - h[7]! * q.x) / w,
    (h[3]! - h[6]! * q.y) / w,
    (h[4]! - h[7]! * q.y) / w,
  ];
}

/** Bilinear sample at (x, y) (pixel centres on integers); `outside` beyond the image. */
export function sampleBilinear(img: GrayImage, x: number, y: number, outside = 255): number {
  const { width: w, height: h, data } = img;
  if (!(x > -1 && y > -1 && x < w && y < h)) return outside;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  // No closure here: this runs millions of times a page, and a function made per call (with the
  // name esbuild's keepNames gives it) cost more than the sampling itself.
  const inX0 = x0 >= 0;
  const inX1 = x0 + 1 < w;
  const inY0 = y0 >= 0;
  const inY1 = y0 + 1 < h;
  const k = y0 * w + x0;
  const a = inX0 && inY0 ? data[k]! : outside;
  const b = inX1 && inY0 ? data[k + 1]! : outside;
  const c = inX0 && inY1 ? data[k + w]! : outside;
  const d = inX1 && inY1 ? data[k + w + 1]! : outside;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

/**
 * Warps `src` into an `outW` x `outH` image: output pixel (i, j) takes the source at
 * `apply(h, {x: i, y: j})`, so `h` maps output pixels to source pixels.
 */
export function warpPerspective(
  src: GrayImage,
  h: Homography,
  outW: number,
  outH: number,
  outside = 255,
): GrayImage {
  const out = new Uint8Array(outW * outH);
  const { width: w, height: hgt, data } = src;
  for (let j = 0; j < outH; j++) {
    // Incremental numerators/denominator along the row.
    let nx = h[1]! * j + h[2]!;
    let ny = h[4]! * j + h[5]!;
    let nw = h[7]! * j + h[8]!;
    let o = j * outW;
    for (let i = 0; i < outW; i++, o++) {
      const x = nx / nw;
      const y = ny / nw;
      nx += h[0]!;
      ny += h[3]!;
      nw += h[6]!;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 >= 0 && y0 >= 0 && x0 < w - 1 && y0 < hgt - 1) {
        const fx = x - x0;
        const fy = y - y0;
        const k = y0 * w + x0;
        const top = data[k]! + (data[k + 1]! - data[k]!) * fx;
        const bot = data[k + w]! + (data[k + w + 1]! - data[k + w]!) * fx;
        out[o] = top + (bot - top) * fy + 0.5;
      } else {
        out[o] = sampleBilinear(src, x, y, outside) + 0.5;
      }
    }
  }
  return { width: outW, height: outH, data: out };
}
