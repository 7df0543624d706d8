// A quick phone-photo simulator for the page finder's tests: puts a page image (e.g. a 100 dpi
// render of the form) on a table under a pinhole camera with tilt and rotation, then adds uneven
// light, a shadow, blur and noise. Seeded and pure; the JPEG round-trip is left to the caller.

import { mulberry32 } from '../core/random.ts';
import type { GrayImage } from '../reader/image.ts';
import {
  homographyFromPoints,
  invert,
  multiply,
  warpPerspective,
  type Homography,
  type Point,
} from '../reader/page/homography.ts';
import { PAGE_MM } from '../reader/page/layout.ts';

export type FakePhotoOptions = {
  seed: number;
  /** Page rotation in the photo (clockwise degrees); jitter of up to +-8 degrees is added. */
  rotation: 0 | 90 | 180 | 270;
  /** Camera tilt off the page's normal, degrees (default: random up to 30). */
  tiltDeg?: number;
  /** Photo's long side in px (default: random 1500-3000). */
  longSide?: number;
  /** Share of the photo the page spans (default: random 0.7-0.95). */
  fill?: number;
  /** Box-blur radius in px (default: random 0-2). */
  blur?: number;
  /** Gaussian noise sigma (default: random 2-8). */
  noise?: number;
};

export type FakePhoto = { image: GrayImage; pageToPhoto: Homography; tiltDeg: number };

/** `page` covers the whole 600 x 900 mm sheet, at `pxPerMm` (100 dpi renders: 1 / 0.254). */
export function fakePhoto(page: GrayImage, pxPerMm: number, o: FakePhotoOptions): FakePhoto {
  const rnd = mulberry32(o.seed);
  const tilt = ((o.tiltDeg ?? rnd() * 30) * Math.PI) / 180;
  const axis = rnd() * 2 * Math.PI;
  const spin = ((o.rotation + (rnd() * 16 - 8)) * Math.PI) / 180;
  const longSide = Math.round(o.longSide ?? 1500 + rnd() * 1500);
  const shortSide = Math.round((longSide * 3) / 4);
  const landscape = o.rotation === 90 || o.rotation === 270;
  const W = landscape ? longSide : shortSide;
  const Hh = landscape ? shortSide : longSide;
  const fill = o.fill ?? 0.7 + rnd() * 0.25;

  // Pinhole camera: page in the plane z = 0 (centred, mm), turned by `spin`, tilted about `axis`.
  const project = (p: Point): Point => {
    let x = p.x - PAGE_MM.width / 2;
    let y = p.y - PAGE_MM.height / 2;
    [x, y] = [x * Math.cos(spin) - y * Math.sin(spin), x * Math.sin(spin) + y * Math.cos(spin)];
    const ax = Math.cos(axis);
    const ay = Math.sin(axis);
    const along = x * ax + y * ay;
    const across = -x * ay + y * ax;
    const acrossT = across * Math.cos(tilt);
    const z = across * Math.sin(tilt) + 1500;
    const X = along * ax - acrossT * ay;
    const Y = along * ay + acrossT * ax;
    return { x: (1200 * X) / z, y: (1200 * Y) / z };
  };
  const pageCorners: Point[] = [
    { x: 0, y: 0 },
    { x: PAGE_MM.width, y: 0 },
    { x: PAGE_MM.width, y: PAGE_MM.height },
    { x: 0, y: PAGE_MM.height },
  ];
  const proj = pageCorners.map(project);
  const minX = Math.min(...proj.map((p) => p.x));
  const maxX = Math.max(...proj.map((p) => p.x));
  const minY = Math.min(...proj.map((p) => p.y));
  const maxY = Math.max(...proj.map((p) => p.y));
  const s = Math.min((W * fill) / (maxX - minX), (Hh * fill) / (maxY - minY));
  const offX = (W - s * (maxX - minX)) * rnd() - s * minX;
  const offY = (Hh - s * (maxY - minY)) * rnd() - s * minY;
  const photoCorners = proj.map((p) => ({ x: p.x * s + offX, y: p.y * s + offY }));
  const pageToPhoto = homographyFromPoints(pageCorners, photoCorners)!;

  // Photo px -> page image px (pixel centres: mm = (px + 0.5) / pxPerMm).
  const mmToPage = [pxPerMm, 0, -0.5, 0, pxPerMm, -0.5, 0, 0, 1];
  const photoToPage = multiply(mmToPage, invert(pageToPhoto)!);
  const bg = 70 + Math.floor(rnd() * 60);
  const img = warpPerspective(page, photoToPage, W, Hh, bg);

  // Light: a linear gradient (0.55-1.0) plus a soft-edged shadow over part of the frame.
  const g = rnd() * 2 * Math.PI;
  const gx = Math.cos(g);
  const gy = Math.sin(g);
  const span = Math.abs(gx) * W + Math.abs(gy) * Hh;
  const low = 0.55 + rnd() * 0.3;
  const sh = rnd() * 2 * Math.PI;
  const sx = Math.cos(sh);
  const sy = Math.sin(sh);
  const shadowAt = (rnd() - 0.5) * 0.8 * Math.min(W, Hh);
  const shadowDepth = rnd() < 0.5 ? 0.25 + rnd() * 0.25 : 0;
  const soft = 0.05 * Math.min(W, Hh);
  const cx = W / 2;
  const cy = Hh / 2;
  const noise = o.noise ?? 2 + rnd() * 6;
  const d = img.data;
  for (let y = 0; y < Hh; y++) {
    for (let x = 0; x < W; x++) {
      const t = ((x - cx) * gx + (y - cy) * gy) / span + 0.5;
      let f = low + (1 - low) * t;
      const sd = ((x - cx) * sx + (y - cy) * sy - shadowAt) / soft;
      f *= 1 - shadowDepth / (1 + Math.exp(-sd));
      const k = y * W + x;
      d[k] = Math.max(0, Math.min(255, d[k]! * f + gauss(rnd) * noise));
    }
  }
  const blur = o.blur ?? rnd() * 2;
  const r = Math.round(blur);
  const out = r > 0 ? boxBlur(boxBlur(img, r), r) : img;
  return { image: out, pageToPhoto, tiltDeg: (tilt * 180) / Math.PI };
}

function gauss(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
}

/** Separable box blur of radius r. */
export function boxBlur(img: GrayImage, r: number): GrayImage {
  const { width: w, height: h } = img;
  const tmp = new Uint8Array(w * h);
  const out = new Uint8Array(w * h);
  const n = 2 * r + 1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let s = 0;
    for (let x = -r - 1; x < r; x++) s += img.data[row + Math.min(w - 1, Math.max(0, x))]!;
    for (let x = 0; x < w; x++) {
      s += img.data[row + Math.min(w - 1, x + r)]! - img.data[row + Math.max(0, x - r - 1)]!;
      tmp[row + x] = s / n;
    }
  }
  for (let x = 0; x < w; x++) {
    let s = 0;
    for (let y = -r - 1; y < r; y++) s += tmp[Math.min(h - 1, Math.max(0, y)) * w + x]!;
    for (let y = 0; y < h; y++) {
      s += tmp[Math.min(h - 1, y + r) * w + x]! - tmp[Math.max(0, y - r - 1) * w + x]!;
      out[y * w + x] = s / n;
    }
  }
  return { width: w, height: h, data: out };
}
