// Measures the form template from a 100 dpi render of the official PDF: finds the corner markers,
// the page-ID fiducial, the digit boxes and (page 2) the bubbles by their printed lines. Used by
// scripts/measure-template.ts to write ppwp.json, and by the test that re-measures it.
import type { GrayImage } from '../image.ts';
import type { FieldTemplate, PageTemplate, Rect } from './types.ts';
import { PPWP_PAGE_FIELDS } from '../../core/chasil.ts';

/** Millimetres per pixel of a 100 dpi render. */
const MM_PER_PX_100DPI = 25.4 / 100;
const DARK = 128;

type Box = { x0: number; y0: number; x1: number; y1: number; count: number };

/** Bounding boxes of the 4-connected dark components. */
function darkComponents(img: GrayImage, dark = DARK): Box[] {
  const { width, height, data } = img;
  const seen = new Uint8Array(width * height);
  const out: Box[] = [];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < data.length; start++) {
    if (seen[start] || data[start]! >= dark) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    const b: Box = { x0: width, y0: height, x1: -1, y1: -1, count: 0 };
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      b.count++;
      if (x < b.x0) b.x0 = x;
      if (x > b.x1) b.x1 = x;
      if (y < b.y0) b.y0 = y;
      if (y > b.y1) b.y1 = y;
      const push = (j: number) => {
        if (!seen[j] && data[j]! < dark) {
          seen[j] = 1;
          stack[top++] = j;
        }
      };
      if (x > 0) push(i - 1);
      if (x < width - 1) push(i + 1);
      if (y > 0) push(i - width);
      if (y < height - 1) push(i + width);
    }
    out.push(b);
  }
  return out;
}

const w = (b: Box) => b.x1 - b.x0 + 1;
const h = (b: Box) => b.y1 - b.y0 + 1;
const round = (v: number) => Math.round(v * 1000) / 1000;

function toMm(b: Box, scale: number): Rect {
  return {
    x: round(b.x0 * scale),
    y: round(b.y0 * scale),
    w: round(w(b) * scale),
    h: round(h(b) * scale),
  };
}

function darkBounds(
  img: GrayImage,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  dark = DARK,
): Box {
  const b: Box = { x0: x1, y0: y1, x1: x0 - 1, y1: y0 - 1, count: 0 };
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++)
      if (img.data[y * img.width + x]! < dark) {
        b.count++;
        if (x < b.x0) b.x0 = x;
        if (x > b.x1) b.x1 = x;
        if (y < b.y0) b.y0 = y;
        if (y > b.y1) b.y1 = y;
      }
  return b;
}

function meanIn(img: GrayImage, x0: number, y0: number, x1: number, y1: number): number {
  let s = 0;
  let n = 0;
  for (let y = Math.round(y0); y <= Math.round(y1); y++)
    for (let x = Math.round(x0); x <= Math.round(x1); x++) {
      s += img.data[y * img.width + x]!;
      n++;
    }
  return n ? s / n : 255;
}

/** The field paths in the order the boxes appear (rows top to bottom, groups left to right). */

export type MeasureOptions = { mmPerPx?: number };

/** Measures one page of the plano form from its upright render. Throws when the render is not as expected. */
export function measurePage(
  img: GrayImage,
  page: 1 | 2 | 3,
  opts: MeasureOptions = {},
): { page: PageTemplate; boxLineMm: number } {
  const scale = opts.mmPerPx ?? MM_PER_PX_100DPI;
  const px = (mm: number) => Math.round(mm / scale);
  const comps = darkComponents(img);

  // Corner markers: the dark bounds within a window around each expected corner.
  const win = px(12);
  const expected: [number, number][] = [
    [px(46.5), px(65.3)],
    [px(552.6), px(65.3)],
    [px(552.6), px(874.2)],
    [px(46.5), px(874.2)],
  ];
  const markerBoxes = expected.map(([cx, cy]) => {
    const b = darkBounds(img, cx - win, cy - win, cx + win, cy + win);
    const size = Math.max(w(b), h(b));
    if (size < px(12) || size > px(17) || Math.abs(w(b) - h(b)) > 3)
      throw new Error(`page ${page}: no corner marker near (${cx}, ${cy}) px`);
    return b;
  });
  const diagonal = (b: Box): 'tl-br' | 'tr-bl' => {
    const q = w(b) / 4;
    return meanIn(img, b.x0 + q - 2, b.y0 + q - 2, b.x0 + q + 2, b.y0 + q + 2) < DARK
      ? 'tl-br'
      : 'tr-bl';
  };

  // Page-ID fiducial: 8x8 modules.
  const fid = comps.find(
    (b) =>
      Math.abs(w(b) - h(b)) <= 3 &&
      w(b) >= px(28) &&
      w(b) <= px(36) &&
      Math.abs(b.x0 - px(494)) < px(10) &&
      Math.abs(b.y0 - px(107)) < px(10),
  );
  if (!fid) throw new Error(`page ${page}: page-ID fiducial not found`);
  const mod = w(fid) / 8;
  const moduleDark = (r: number, c: number) => {
    const cx = fid.x0 + (c + 0.5) * mod;
    const cy = fid.y0 + (r + 0.5) * mod;
    return meanIn(img, cx - 3, cy - 3, cx + 3, cy + 3) < DARK ? 1 : 0;
  };
  for (let i = 0; i < 8; i++)
    if (!moduleDark(0, i) || !moduleDark(7, i) || !moduleDark(i, 0) || !moduleDark(i, 7))
      throw new Error(`page ${page}: fiducial border is not solid`);
  const bits = Array.from({ length: 6 }, (_, r) =>
    Array.from({ length: 6 }, (_, c) => moduleDark(r + 1, c + 1)),
  );

  // Digit boxes: hollow squares 15..25 mm, thin compared with their size.
  const isBox = (b: Box) =>
    w(b) >= px(15) &&
    w(b) <= px(25) &&
    Math.abs(w(b) - h(b)) <= px(3) &&
    b.count < w(b) * h(b) * 0.3;
  const boxes = comps.filter(isBox).sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
  const rows: Box[][] = [];
  for (const b of boxes) {
    const row = rows.at(-1);
    if (row && Math.abs(row[0]!.y0 - b.y0) < px(3)) row.push(b);
    else rows.push([b]);
  }
  const groups: Box[][] = [];
  for (const row of rows) {
    row.sort((a, b) => a.x0 - b.x0);
    if (row.length % 3 !== 0) throw new Error(`page ${page}: a row of ${row.length} boxes`);
    for (let i = 0; i < row.length; i += 3) groups.push(row.slice(i, i + 3));
  }
  const paths = PPWP_PAGE_FIELDS[page];
  if (groups.length !== paths.length)
    throw new Error(`page ${page}: found ${groups.length} box triples, expected ${paths.length}`);

  // Box border thickness, from the first box: dark run along its middle row.
  const lineWidth = (b: Box) => {
    const y = Math.round((b.y0 + b.y1) / 2);
    let x = b.x0;
    while (img.data[y * img.width + x]! < DARK) x++;
    return x - b.x0;
  };

  const fields: FieldTemplate[] = groups.map((g, i) => {
    const field: FieldTemplate = {
      path: paths[i]!,
      boxes: [toMm(g[0]!, scale), toMm(g[1]!, scale), toMm(g[2]!, scale)],
    };
    if (page === 2) {
      const guides = g.map((b) => {
        const t = lineWidth(b) + 2;
        const gb = darkBounds(img, b.x0 + t, b.y0 + t, b.x1 - t, b.y1 - t, 235);
        if (gb.count === 0) throw new Error(`page 2: no dotted guide in a box of ${paths[i]}`);
        return toMm(gb, scale);
      });
      field.guides = [guides[0]!, guides[1]!, guides[2]!];
      field.bubbles = g.map((b) => {
        const col = comps
          .filter(
            (c) =>
              c.x0 >= b.x0 - px(3) &&
              c.x1 <= b.x1 + px(3) &&
              c.y0 > b.y1 &&
              c.y0 < b.y1 + px(110) &&
              w(c) >= px(5) &&
              w(c) <= px(10) &&
              Math.abs(w(c) - h(c)) <= 3,
          )
          .sort((a, c) => a.y0 - c.y0);
        if (col.length !== 10)
          throw new Error(`page 2: found ${col.length} bubbles under a box of ${paths[i]}`);
        return col.map((c) => toMm(c, scale));
      });
    }
    return field;
  });

  const boxLineMm = round(lineWidth(groups[0]![0]!) * scale);
  const template: PageTemplate = {
    page,
    markers: [
      toMm(markerBoxes[0]!, scale),
      toMm(markerBoxes[1]!, scale),
      toMm(markerBoxes[2]!, scale),
      toMm(markerBoxes[3]!, scale),
    ],
    markerDiagonals: [
      diagonal(markerBoxes[0]!),
      diagonal(markerBoxes[1]!),
      diagonal(markerBoxes[2]!),
      diagonal(markerBoxes[3]!),
    ],
    pageId: { rect: toMm(fid, scale), code: `10${page}`, bits },
    fields,
  };
  return { page: template, boxLineMm };
}
