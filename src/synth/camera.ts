// A phone camera for synthesized pages: perspective (tilt up to about 30 degrees), rotation
// (including 90 and 180), a table around the page, lighting gradient, a shadow, noise, sometimes
// the page partly out of frame. Blur and JPEG are applied by the Node encoder (photo.ts).
import { grayImage, type GrayImage } from '../reader/image.ts';
import { applyH, homographyFrom4, invertH, type Homography, type Point } from './homography.ts';
import type { Random } from '../core/random.ts';

export type CameraShot = {
  width: number;
  height: number;
  /** Page millimetres to photo pixels. */
  pageToPhoto: Homography;
  /** Quarter turn of the page in the photo (clockwise, degrees), before the small tilt. */
  quarterTurn: 0 | 90 | 180 | 270;
  rollDeg: number;
  tiltXDeg: number;
  tiltYDeg: number;
  /** True when part of the page lies outside the photo. */
  cropped: boolean;
  light: { base: number; gx: number; gy: number };
  shadow: { nx: number; ny: number; offset: number; soft: number; depth: number } | null;
  noiseSd: number;
  blurSigma: number;
  jpegQuality: number;
};

const RESOLUTIONS: [number, number][] = [
  [1500, 2000],
  [1200, 1600],
  [2250, 3000],
  [3000, 4000],
];

/** Draws the camera's settings for one photo of a page of `pageMm`. */
export function chooseShot(rnd: Random, pageMm: { w: number; h: number }): CameraShot {
  const quarterTurn = rnd.pick([0, 0, 0, 0, 0, 90, 180, 180, 270] as const);
  const [pw, ph] = rnd.pick(RESOLUTIONS);
  const landscape = quarterTurn === 90 || quarterTurn === 270;
  const width = landscape ? ph : pw;
  const height = landscape ? pw : ph;
  const rollDeg = rnd.normal(0, 5);
  const tilt = rnd.uniform(0, 30);
  const dir = rnd.uniform(0, 2 * Math.PI);
  const tiltXDeg = tilt * Math.cos(dir);
  const tiltYDeg = tilt * Math.sin(dir);

  // Page corners in 3D: centred, rotated, pushed away from a pinhole camera.
  const corners: Point[] = [
    { x: 0, y: 0 },
    { x: pageMm.w, y: 0 },
    { x: pageMm.w, y: pageMm.h },
    { x: 0, y: pageMm.h },
  ];
  const rad = Math.PI / 180;
  const rz = (quarterTurn + rollDeg) * rad;
  const rx = tiltXDeg * rad;
  const ry = tiltYDeg * rad;
  const dist = 1.3 * pageMm.h;
  const projected = corners.map(({ x, y }) => {
    let X = x - pageMm.w / 2;
    let Y = y - pageMm.h / 2;
    let Z = 0;
    [X, Y] = [X * Math.cos(rz) - Y * Math.sin(rz), X * Math.sin(rz) + Y * Math.cos(rz)];
    [Y, Z] = [Y * Math.cos(rx) - Z * Math.sin(rx), Y * Math.sin(rx) + Z * Math.cos(rx)];
    [X, Z] = [X * Math.cos(ry) + Z * Math.sin(ry), -X * Math.sin(ry) + Z * Math.cos(ry)];
    return { x: X / (Z + dist), y: Y / (Z + dist) };
  });
  const xs = projected.map((p) => p.x);
  const ys = projected.map((p) => p.y);
  const bw = Math.max(...xs) - Math.min(...xs);
  const bh = Math.max(...ys) - Math.min(...ys);
  const cropped = rnd.chance(0.1);
  const coverage = cropped ? rnd.uniform(1.02, 1.12) : rnd.uniform(0.72, 0.97);
  const scale = coverage * Math.min(width / bw, height / bh);
  const slackX = width - bw * scale;
  const slackY = height - bh * scale;
  const offX = cropped ? slackX * rnd.uniform(-0.5, 1.5) : slackX * rnd.uniform(0.2, 0.8);
  const offY = cropped ? slackY * rnd.uniform(-0.5, 1.5) : slackY * rnd.uniform(0.2, 0.8);
  const photo = projected.map((p) => ({
    x: (p.x - Math.min(...xs)) * scale + offX,
    y: (p.y - Math.min(...ys)) * scale + offY,
  }));
  return {
    width,
    height,
    pageToPhoto: homographyFrom4(corners, photo),
    quarterTurn,
    rollDeg,
    tiltXDeg,
    tiltYDeg,
    cropped,
    light: {
      base: rnd.uniform(0.7, 1.05),
      gx: rnd.uniform(-0.25, 0.25),
      gy: rnd.uniform(-0.25, 0.25),
    },
    shadow: rnd.chance(0.35)
      ? {
          nx: Math.cos(rnd.uniform(0, 2 * Math.PI)),
          ny: Math.sin(rnd.uniform(0, 2 * Math.PI)),
          offset: rnd.uniform(-0.3, 0.3),
          soft: rnd.uniform(0.01, 0.08),
          depth: rnd.uniform(0.15, 0.45),
        }
      : null,
    noiseSd: rnd.uniform(1, 8),
    blurSigma: rnd.uniform(0.3, 1.6),
    jpegQuality: rnd.int(50, 90),
  };
}

/**
 * Photographs a rendered page (`pxPerMm` pixels per millimetre) with `shot`: warps it into the
 * photo, puts a table around it and applies light, shadow and noise.
 */
export function photograph(
  page: GrayImage,
  pxPerMm: number,
  shot: CameraShot,
  rnd: Random,
): GrayImage {
  const out = grayImage(shot.width, shot.height);
  const [i0, i1, i2, i3, i4, i5, i6, i7, i8] = invertH(shot.pageToPhoto) as [
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
  const table = rnd.uniform(40, 150);
  const noise = new Float32Array(65536);
  for (let i = 0; i < noise.length; i++) noise[i] = rnd.normal(0, shot.noiseSd);
  let n = rnd.int(1, 0x7fffffff);
  const { base, gx, gy } = shot.light;
  const sh = shot.shadow;
  const W = shot.width;
  const H = shot.height;
  const pw = page.width;
  const ph = page.height;
  const src = page.data;
  const dst = out.data;
  // Homography numerators and denominator are linear in x along a row: step them.
  const colLight = new Float32Array(W);
  const colTex = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    colLight[x] = gx * (x / W - 0.5);
    colTex[x] = 15 * Math.sin(x * 0.01);
  }
  const a0 = i0 * pxPerMm;
  const a3 = i3 * pxPerMm;
  for (let y = 0; y < H; y++) {
    const v = y / H - 0.5;
    let nx = (i1 * y + i2) * pxPerMm;
    let ny = (i4 * y + i5) * pxPerMm;
    let dw = i7 * y + i8;
    const rowLight = base + gy * v;
    const rowTex = 10 * Math.sin(y * 0.004);
    for (let x = 0; x < W; x++, nx += a0, ny += a3, dw += i6) {
      const sx = nx / dw - 0.5;
      const sy = ny / dw - 0.5;
      let value: number;
      if (sx < 0 || sy < 0 || sx >= pw - 1 || sy >= ph - 1) value = table + colTex[x]! + rowTex;
      else {
        const xi = sx | 0;
        const yi = sy | 0;
        const fx = sx - xi;
        const fy = sy - yi;
        const i = yi * pw + xi;
        const top = src[i]! + (src[i + 1]! - src[i]!) * fx;
        const bottom = src[i + pw]! + (src[i + pw + 1]! - src[i + pw]!) * fx;
        value = top + (bottom - top) * fy;
      }
      let light = rowLight + colLight[x]!;
      if (sh) {
        const d = ((x / W - 0.5) * sh.nx + v * sh.ny - sh.offset) / sh.soft;
        light *= d < -20 ? 1 : d > 20 ? 1 - sh.depth : 1 - sh.depth / (1 + Math.exp(-d));
      }
      n ^= n << 13;
      n ^= n >>> 17;
      n ^= n << 5;
      const o = value * light + noise[n & 65535]!;
      dst[y * W + x] = o < 0 ? 0 : o > 255 ? 255 : o;
    }
  }
  return out;
}

export { applyH };
