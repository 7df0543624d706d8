// Finds the form's corner markers in a grayscale photo. Each marker is two solid dark squares
// touching at one corner, like a 2x2 checkerboard. Method: adaptive threshold against the local
// mean (integral image), 4-connected components, then either a pair of similar square blobs whose
// centres sit one square-diagonal apart, or one bow-tie blob (the two squares merged by blur).
// Every candidate is then checked on the gray image: the two dark quadrants darker than the two
// light ones.

import type { GrayImage } from '../image.ts';
import { sampleBilinear, type Point } from './homography.ts';

export type MarkerCandidate = {
  /** Centre (the point where the two squares touch), in image pixels. */
  x: number;
  y: number;
  /** Side of one dark square, in pixels (the marker is about twice that). */
  square: number;
  /** Direction of the dark diagonal, radians in [0, pi): from one dark square's centre to the other's. */
  angle: number;
  /** Contrast between the light and dark quadrants, 0..1 of the local range. Higher is surer. */
  score: number;
};

/** Box-filter downscale by an integer factor (area average). */
export function downscale(img: GrayImage, factor: number): GrayImage {
  if (factor <= 1) return img;
  const w = Math.floor(img.width / factor);
  const h = Math.floor(img.height / factor);
  const out = new Uint8Array(w * h);
  const acc = new Uint32Array(w);
  const n = factor * factor;
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      const row = (y * factor + dy) * img.width;
      for (let x = 0, sx = row; x < w; x++) {
        let s = 0;
        for (let dx = 0; dx < factor; dx++, sx++) s += img.data[sx]!;
        acc[x]! += s;
      }
    }
    for (let x = 0; x < w; x++) out[y * w + x] = (acc[x]! + (n >> 1)) / n;
  }
  return { width: w, height: h, data: out };
}

/** Pixels darker than the mean of a (2r+1)^2 window by more than `frac` of it (and 6 levels). */
function adaptiveThreshold(img: GrayImage, r: number, frac = 0.15): Uint8Array {
  const { width: w, height: h, data } = img;
  const iw = w + 1;
  const integral = new Float64Array(iw * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += data[y * w + x]!;
      integral[(y + 1) * iw + x + 1] = integral[y * iw + x + 1]! + row;
    }
  }
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const sum =
        integral[y1 * iw + x1]! -
        integral[y0 * iw + x1]! -
        integral[y1 * iw + x0]! +
        integral[y0 * iw + x0]!;
      const mean = sum / ((y1 - y0) * (x1 - x0));
      if (data[y * w + x]! < mean - Math.max(6, frac * mean)) mask[y * w + x] = 1;
    }
  }
  return mask;
}

type Blob = {
  area: number;
  cx: number;
  cy: number;
  /** Covariance eigenvalues (l1 >= l2) and the major axis angle. */
  l1: number;
  l2: number;
  theta: number;
  /** Pixel covariance [vxx, vxy, vyy]. */
  cov: [number, number, number];
  touchesEdge: boolean;
};

/** 4-connected components of a 0/1 mask with their moments. */
export function components(
  mask: Uint8Array,
  w: number,
  h: number,
  minArea: number,
  maxArea: number,
): Blob[] {
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const blobs: Blob[] = [];
  let next = 1;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    let sp = 0;
    stack[sp++] = start;
    labels[start] = next;
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    let edge = false;
    while (sp > 0) {
      const p = stack[--sp]!;
      const x = p % w;
      const y = (p - x) / w;
      n++;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) edge = true;
      if (x > 0 && mask[p - 1] && !labels[p - 1]) {
        labels[p - 1] = next;
        stack[sp++] = p - 1;
      }
      if (x < w - 1 && mask[p + 1] && !labels[p + 1]) {
        labels[p + 1] = next;
        stack[sp++] = p + 1;
      }
      if (y > 0 && mask[p - w] && !labels[p - w]) {
        labels[p - w] = next;
        stack[sp++] = p - w;
      }
      if (y < h - 1 && mask[p + w] && !labels[p + w]) {
        labels[p + w] = next;
        stack[sp++] = p + w;
      }
    }
    next++;
    if (n < minArea || n > maxArea) continue;
    const cx = sx / n;
    const cy = sy / n;
    const vxx = sxx / n - cx * cx + 1 / 12;
    const vyy = syy / n - cy * cy + 1 / 12;
    const vxy = sxy / n - cx * cy;
    const tr = vxx + vyy;
    const disc = Math.sqrt(Math.max(0, ((vxx - vyy) * (vxx - vyy)) / 4 + vxy * vxy));
    blobs.push({
      area: n,
      cx,
      cy,
      l1: tr / 2 + disc,
      l2: tr / 2 - disc,
      theta: 0.5 * Math.atan2(2 * vxy, vxx - vyy),
      cov: [vxx, vxy, vyy],
      touchesEdge: edge,
    });
  }
  return blobs;
}

/**
 * Checks the checkerboard pattern around `c`: `du` runs from the centre to one dark square's
 * centre, `dv` to one light square's centre (perpendicular to `du` and as long when the marker
 * is seen straight on; slanted when perspective shears it). Returns the normalised contrast (0
 * when the pattern fails).
 */
function patternScore(img: GrayImage, c: Point, du: Point, dv: Point, minContrast = 20): number {
  const dark: number[] = [];
  const light: number[] = [];
  for (const f of [0.55, 0.8, 1.05]) {
    for (const s of [1, -1]) {
      dark.push(sampleBilinear(img, c.x + s * f * du.x, c.y + s * f * du.y));
      light.push(sampleBilinear(img, c.x + s * f * dv.x, c.y + s * f * dv.y));
    }
  }
  // Off-axis samples inside each quadrant, to reject bars and lines.
  for (const s of [1, -1]) {
    for (const t of [0.45, -0.45]) {
      dark.push(
        sampleBilinear(img, c.x + s * (0.8 * du.x + t * dv.x), c.y + s * (0.8 * du.y + t * dv.y)),
      );
      light.push(
        sampleBilinear(img, c.x + s * (0.8 * dv.x + t * du.x), c.y + s * (0.8 * dv.y + t * du.y)),
      );
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return checkerScore(
    { max: Math.max(...dark), mean: mean(dark) },
    { min: Math.min(...light), mean: mean(light) },
    minContrast,
  );
}

/**
 * A marker's checkerboard verdict from samples of its dark and light squares: 0 unless every dark
 * sample is darker than every light one and their means differ by `minContrast` grey levels;
 * else the gap between the lightest dark and the darkest light sample, over the light mean.
 */
export function checkerScore(
  dark: { max: number; mean: number },
  light: { min: number; mean: number },
  minContrast = 20,
): number {
  if (dark.max >= light.min || light.mean - dark.mean < minContrast) return 0;
  return (light.min - dark.max) / Math.max(1, light.mean);
}

/** The direction of `v` as an angle in [0, pi): a diagonal has no sign. */
export function halfTurnAngle(v: Point): number {
  let angle = Math.atan2(v.y, v.x);
  if (angle < 0) angle += Math.PI;
  if (angle >= Math.PI) angle -= Math.PI;
  return angle;
}

/**
 * Where the light squares are, from the dark squares' half-diagonal `du` and their shape (the
 * blobs' pixel covariance, [vxx, vxy, vyy]). A square mapped by an affine J has covariance
 * proportional to M = J J^T; the light half-diagonal dv is then M^-1-orthogonal to du and as long
 * in that metric. Straight on (M a multiple of I) this is du turned 90 degrees.
 */
function lightDiagonal(du: Point, cov: readonly [number, number, number]): Point {
  const [a, b, d] = cov;
  const det = a * d - b * b;
  if (!(det > 0)) return { x: -du.y, y: du.x };
  // q = M^-1 du; dv is along q turned 90 degrees, scaled so dv' M^-1 dv = du' M^-1 du.
  const qx = (d * du.x - b * du.y) / det;
  const qy = (-b * du.x + a * du.y) / det;
  const vx = -qy;
  const vy = qx;
  const norm = (x: number, y: number) => (x * (d * x - b * y) + y * (-b * x + a * y)) / det;
  const t = Math.sqrt(norm(du.x, du.y) / Math.max(1e-12, norm(vx, vy)));
  const dv = { x: t * vx, y: t * vy };
  // Beyond what a page tilted under 45 degrees can do to a square: keep the straight-on guess.
  const ratio = Math.hypot(dv.x, dv.y) / Math.hypot(du.x, du.y);
  const cos =
    Math.abs(dv.x * du.x + dv.y * du.y) / (Math.hypot(dv.x, dv.y) * Math.hypot(du.x, du.y));
  return ratio > 0.4 && ratio < 2.5 && cos < 0.8 ? dv : { x: -du.y, y: du.x };
}

/** Slants of the light half-diagonal tried when it cannot be measured: [angle from du, length ratio]. */
const LIGHT_SLANTS = [60, 75, 105, 120].flatMap((deg) =>
  [0.75, 1, 1.33].map((r) => [(deg * Math.PI) / 180, r] as const),
);

/** The best pattern score over straight-on and slanted light squares. */
function searchLight(img: GrayImage, c: Point, du: Point, minContrast?: number): number {
  let best = patternScore(img, c, du, { x: -du.y, y: du.x }, minContrast);
  if (best > 0.3) return best;
  for (const [a, r] of LIGHT_SLANTS) {
    const cos = Math.cos(a) * r;
    const sin = Math.sin(a) * r;
    const dv = { x: du.x * cos - du.y * sin, y: du.x * sin + du.y * cos };
    best = Math.max(best, patternScore(img, c, du, dv, minContrast));
  }
  return best;
}

export type MarkerOptions = {
  /** Smallest dark-square side to look for, in pixels. */
  minSquare?: number;
  /** Largest dark-square side to look for, in pixels. */
  maxSquare?: number;
  /** Adaptive-threshold window radius, in pixels. */
  radius?: number;
  /** How much darker than the local mean a pixel must be, as a fraction of it. */
  frac?: number;
  /** Least difference of the light and dark quadrants' mean gray. */
  minContrast?: number;
};

/** Candidate corner markers in `img`, best first. */
export function findMarkers(img: GrayImage, opts: MarkerOptions = {}): MarkerCandidate[] {
  const { width: w, height: h } = img;
  const minSquare = opts.minSquare ?? 3;
  const maxSquare = opts.maxSquare ?? Math.max(8, Math.min(w, h) / 8);
  const radius = opts.radius ?? Math.max(7, Math.round(Math.min(w, h) / 25));
  const mask = adaptiveThreshold(img, radius, opts.frac ?? 0.15);
  const blobs = components(
    mask,
    w,
    h,
    Math.max(4, minSquare * minSquare * 0.6),
    2.6 * maxSquare * maxSquare,
  );
  const raw: MarkerCandidate[] = [];
  /** A candidate centred at `c`, `du` from there to one dark square's centre. */
  const consider = (c: Point, du: Point, square: number, dv: Point | 'search') => {
    const score =
      dv === 'search'
        ? searchLight(img, c, du, opts.minContrast)
        : patternScore(img, c, du, dv, opts.minContrast);
    if (score <= 0) return;
    const angle = halfTurnAngle(du);
    raw.push({ x: c.x, y: c.y, square, angle, score });
  };

  // Square-like blobs: similar spread in every direction, compact (J = (l1 + l2) / area ~ 1/6).
  const squares: Blob[] = [];
  for (const b of blobs) {
    if (b.touchesEdge) continue;
    const j = (b.l1 + b.l2) / b.area;
    if (
      b.l2 > 0 &&
      b.l1 / b.l2 < 2 &&
      j > 0.13 &&
      j < 0.24 &&
      b.area <= maxSquare * maxSquare * 1.3
    )
      squares.push(b);
    // A bow-tie: two squares merged (by blur, or a bridge of threshold); major/minor ~ 7, J ~ 1/3
    // when they touch, more when blur has eaten their cores apart.
    const ratio = b.l2 > 0 ? b.l1 / b.l2 : Infinity;
    if (ratio > 2.2 && ratio < 24 && j > 0.17 && j < 0.75) {
      const s = Math.sqrt(b.area / 2);
      if (s < minSquare || s > maxSquare) continue;
      // Half the distance between the two squares' centres, along the blob's major axis.
      const d = Math.min(Math.max(Math.sqrt(Math.max(0, b.l1 - b.l2)), 0.6 * s), 1.3 * s);
      const du = { x: d * Math.cos(b.theta), y: d * Math.sin(b.theta) };
      // Second moments cannot tell a sheared pair from a longer one, so where the light squares
      // are is searched: perpendicular first, then slanted as perspective makes them.
      consider({ x: b.cx, y: b.cy }, du, s, 'search');
    }
  }
  // Pairs of squares touching diagonally: a spatial grid for neighbours, searched within 2.4 sides.
  const cell = 8;
  const gw = Math.ceil(w / cell) + 1;
  const grid = new Map<number, number[]>();
  squares.forEach((b, i) => {
    const k = Math.floor(b.cy / cell) * gw + Math.floor(b.cx / cell);
    const list = grid.get(k);
    if (list) list.push(i);
    else grid.set(k, [i]);
  });
  squares.forEach((a, i) => {
    const reach = Math.ceil((2.4 * Math.sqrt(a.area) * 1.35) / cell);
    const gx = Math.floor(a.cx / cell);
    const gy = Math.floor(a.cy / cell);
    for (let yy = gy - reach; yy <= gy + reach; yy++) {
      for (let xx = gx - reach; xx <= gx + reach; xx++) {
        for (const jdx of grid.get(yy * gw + xx) ?? []) {
          if (jdx <= i) continue;
          const b = squares[jdx]!;
          const ar = a.area / b.area;
          if (ar > 1.8 || ar < 1 / 1.8) continue;
          const s = Math.sqrt((a.area + b.area) / 2);
          if (s < minSquare || s > maxSquare) continue;
          const dx = b.cx - a.cx;
          const dy = b.cy - a.cy;
          const dist = Math.hypot(dx, dy);
          // 1.41 s when the squares touch; blur and a strict threshold shrink the dark cores.
          if (dist < 1.1 * s || dist > 2.4 * s) continue;
          const du = { x: dx / 2, y: dy / 2 };
          const cov = [0, 1, 2].map((k) => (a.cov[k]! + b.cov[k]!) / 2) as Blob['cov'];
          consider({ x: (a.cx + b.cx) / 2, y: (a.cy + b.cy) / 2 }, du, s, lightDiagonal(du, cov));
        }
      }
    }
  });
  // One candidate per place: keep the best within a square's side.
  raw.sort((a, b) => b.score - a.score);
  const out: MarkerCandidate[] = [];
  for (const c of raw) {
    if (out.some((o) => Math.hypot(o.x - c.x, o.y - c.y) < Math.max(o.square, c.square))) continue;
    out.push(c);
  }
  return out;
}

/**
 * Refines a marker centre to sub-pixel precision on `img` by the saddle-point condition used for
 * checkerboard corners: at the true centre q, every gradient g(p) near q is orthogonal to p - q.
 * `half` is the window half-size (about 0.6 of a square's side).
 */
export function refineCentre(img: GrayImage, start: Point, half: number, iterations = 6): Point {
  let q = { ...start };
  const r = Math.max(2, Math.round(half));
  const sigma2 = 2 * (r * 0.6) * (r * 0.6);
  for (let it = 0; it < iterations; it++) {
    let a = 0;
    let b = 0;
    let c = 0;
    let bx = 0;
    let by = 0;
    const qx = Math.round(q.x);
    const qy = Math.round(q.y);
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        const x = qx + dx;
        const y = qy + dy;
        if (x < 1 || y < 1 || x >= img.width - 1 || y >= img.height - 1) continue;
        const k = y * img.width + x;
        const gx = (img.data[k + 1]! - img.data[k - 1]!) / 2;
        const gy = (img.data[k + img.width]! - img.data[k - img.width]!) / 2;
        const ww = Math.exp(-((x - q.x) ** 2 + (y - q.y) ** 2) / sigma2);
        const gxx = gx * gx * ww;
        const gxy = gx * gy * ww;
        const gyy = gy * gy * ww;
        a += gxx;
        b += gxy;
        c += gyy;
        bx += gxx * x + gxy * y;
        by += gxy * x + gyy * y;
      }
    }
    const det = a * c - b * b;
    if (!(Math.abs(det) > 1e-9)) break;
    const nx = (c * bx - b * by) / det;
    const ny = (a * by - b * bx) / det;
    if (
      !Number.isFinite(nx) ||
      !Number.isFinite(ny) ||
      Math.hypot(nx - start.x, ny - start.y) > half
    )
      break;
    const moved = Math.hypot(nx - q.x, ny - q.y);
    q = { x: nx, y: ny };
    if (moved < 0.02) break;
  }
  return q;
}
