// The official 100 dpi renders of the C.HASIL-PPWP pages (../shared/data/forms) and what this
// camera finds on them by its own analysis of the pixels: the digit boxes (hollow squares about
// 19 mm a side, in rows of three), page 2's answer bubbles (small rings in columns of ten below
// each row of boxes) and the four corner markers (solid squares near the page corners).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import sharp from 'sharp';

export type PageNumber = 1 | 2 | 3;
export type Box = { x: number; y: number; w: number; h: number };
/** A render in gray, 0 (ink) to 255 (paper), and what was found on it (render pixels). */
export type Render = {
  page: PageNumber;
  width: number;
  height: number;
  gray: Uint8Array;
  /** Rows of three digit boxes (hundreds, tens, units) in reading order: top to bottom, left to right. */
  boxRows: Box[][];
  /** Page 2 only: for each box row, for each of its three boxes, the bubbles for 0..9. */
  bubbles: Box[][][];
  /** Corner marker centres: top-left, top-right, bottom-right, bottom-left. */
  markers: { x: number; y: number }[];
};

/** Render pixels per millimetre (100 dpi). */
export const RENDER_PX_PER_MM = 100 / 25.4;

export const FORMS_DIR = fileURLToPath(new URL('../../../shared/data/forms/', import.meta.url));

export const renderPath = (page: PageNumber) =>
  join(FORMS_DIR, `C.HASIL-PPWP_page${page}_100dpi.png`);

type Component = { x0: number; y0: number; x1: number; y1: number; n: number };

/** 4-connected components of the pixels darker than `threshold`. */
function components(gray: Uint8Array, w: number, h: number, threshold: number): Component[] {
  const label = new Int32Array(w * h).fill(-1);
  const out: Component[] = [];
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (label[start] !== -1 || gray[start]! >= threshold) continue;
    const c: Component = { x0: w, y0: h, x1: 0, y1: 0, n: 0 };
    const id = out.length;
    out.push(c);
    label[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % w;
      const y = (i - x) / w;
      c.n++;
      if (x < c.x0) c.x0 = x;
      if (x > c.x1) c.x1 = x;
      if (y < c.y0) c.y0 = y;
      if (y > c.y1) c.y1 = y;
      const near = [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, i + w];
      for (const j of near)
        if (j >= 0 && j < w * h && label[j] === -1 && gray[j]! < threshold) {
          label[j] = id;
          stack.push(j);
        }
    }
  }
  return out;
}

const asBox = (c: Component): Box => ({
  x: c.x0,
  y: c.y0,
  w: c.x1 - c.x0 + 1,
  h: c.y1 - c.y0 + 1,
});

/** Hollow, near-square components between `lo` and `hi` px a side with at most `fill` ink. */
function rings(cs: Component[], lo: number, hi: number, fill: number): Box[] {
  return cs
    .map(asBox)
    .filter(
      (b, i) =>
        b.w >= lo &&
        b.w <= hi &&
        b.h >= lo &&
        b.h <= hi &&
        Math.abs(b.w - b.h) <= 0.12 * b.w &&
        cs[i]!.n <= fill * b.w * b.h,
    );
}

/** Boxes grouped into rows of three adjacent boxes of the same height. */
function rowsOfThree(boxes: Box[]): Box[][] {
  const sorted = [...boxes].sort((a, b) => a.y - b.y || a.x - b.x);
  const used = new Set<Box>();
  const rows: Box[][] = [];
  for (const b of sorted) {
    if (used.has(b)) continue;
    const row = [b];
    for (;;) {
      const last = row[row.length - 1]!;
      const next = sorted.find(
        (c) =>
          !used.has(c) &&
          !row.includes(c) &&
          Math.abs(c.y - last.y) <= 6 &&
          c.x > last.x &&
          c.x - (last.x + last.w) < 0.5 * last.w,
      );
      if (!next) break;
      row.push(next);
    }
    if (row.length === 3) {
      for (const r of row) used.add(r);
      rows.push(row);
    }
  }
  // Reading order: rows whose tops agree (a printed table row) left to right, then down.
  return rows.sort((a, b) =>
    Math.abs(a[0]!.y - b[0]!.y) <= 6 ? a[0]!.x - b[0]!.x : a[0]!.y - b[0]!.y,
  );
}

/** The solid dark squares nearest each page corner (the registration markers' centres). */
function cornerMarkers(cs: Component[], w: number, h: number): { x: number; y: number }[] {
  const solid = cs
    .map((c) => ({ c, b: asBox(c) }))
    .filter(
      ({ c, b }) =>
        b.w >= 10 * RENDER_PX_PER_MM &&
        b.w <= 20 * RENDER_PX_PER_MM &&
        Math.abs(b.w - b.h) <= 4 &&
        c.n >= 0.4 * b.w * b.h &&
        c.n <= 0.6 * b.w * b.h,
    );
  const targets = [
    { x: 0, y: 0 },
    { x: w, y: 0 },
    { x: w, y: h },
    { x: 0, y: h },
  ];
  return targets.map((t) => {
    let best = solid[0]!;
    let bestD = Infinity;
    for (const s of solid) {
      const d = Math.hypot(s.b.x + s.b.w / 2 - t.x, s.b.y + s.b.h / 2 - t.y);
      if (d < bestD) [best, bestD] = [s, d];
    }
    // A marker is two squares touching at a corner: take the bounding box of its component.
    return { x: best.b.x + best.b.w / 2, y: best.b.y + best.b.h / 2 };
  });
}

const cache = new Map<PageNumber, Promise<Render>>();

export function loadRender(page: PageNumber): Promise<Render> {
  let r = cache.get(page);
  if (!r) {
    r = analyse(page);
    cache.set(page, r);
  }
  return r;
}

async function analyse(page: PageNumber): Promise<Render> {
  const { data, info } = await sharp(renderPath(page))
    .grayscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const gray = new Uint8Array(data.buffer, data.byteOffset, data.length);
  const { width, height } = info;
  const cs = components(gray, width, height, 128);
  const mm = RENDER_PX_PER_MM;
  const boxRows = rowsOfThree(rings(cs, 16 * mm, 23 * mm, 0.35));
  let bubbles: Box[][][] = [];
  if (page === 2) {
    const small = rings(cs, 5 * mm, 11 * mm, 0.6);
    bubbles = boxRows.map((row, r) => {
      const below = boxRows[r + 1]?.[0]?.y ?? height;
      return row.map((box) =>
        small
          .filter(
            (s) =>
              s.y > box.y + box.h &&
              s.y < below &&
              Math.abs(s.x + s.w / 2 - (box.x + box.w / 2)) < box.w / 3,
          )
          .sort((a, b) => a.y - b.y)
          .slice(0, 10),
      );
    });
  }
  return { page, width, height, gray, boxRows, bubbles, markers: cornerMarkers(cs, width, height) };
}
