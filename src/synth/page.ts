// Draws one page of the form from its template (no scan of the official form is needed at run
// time): white page, corner markers, page-ID fiducial, digit boxes (with the dotted guides on page
// 2), bubbles and a few table frames, then writes a FormFill into it.
import { grayImage, type GrayImage } from '../reader/image.ts';
import type { PageTemplate, Rect } from '../reader/template/types.ts';
import type { FormFill } from './fill.ts';
import type { DigitLabel, DigitSource } from './handwriting.ts';
import type { Random } from '../core/random.ts';
import { disc, fillRect, polyline, ring, stamp, strokeRect } from './raster.ts';

export type PageRenderOptions = {
  /** Pixels per millimetre of the rendered page. */
  pxPerMm: number;
  pageSizeMm: { w: number; h: number };
  boxLineMm: number;
};

const GUIDE_GREY = 190;

/** The printed, empty page. */
export function drawBlankPage(page: PageTemplate, o: PageRenderOptions): GrayImage {
  const s = o.pxPerMm;
  const img = grayImage(Math.round(o.pageSizeMm.w * s), Math.round(o.pageSizeMm.h * s));
  const r = (rect: Rect) => [rect.x * s, rect.y * s, rect.w * s, rect.h * s] as const;

  page.markers.forEach((m, i) => {
    const [x, y, w, h] = r(m);
    const tlbr = page.markerDiagonals[i] === 'tl-br';
    fillRect(img, x + (tlbr ? 0 : w / 2), y, w / 2, h / 2);
    fillRect(img, x + (tlbr ? w / 2 : 0), y + h / 2, w / 2, h / 2);
  });

  const [fx, fy, fw] = r(page.pageId.rect);
  const mod = fw / 8;
  for (let row = 0; row < 8; row++)
    for (let col = 0; col < 8; col++) {
      const border = row === 0 || col === 0 || row === 7 || col === 7;
      if (border || page.pageId.bits[row - 1]![col - 1] === 1)
        fillRect(img, fx + col * mod, fy + row * mod, mod + 0.5, mod + 0.5);
    }

  const t = Math.max(1, o.boxLineMm * s);
  for (const f of page.fields) {
    // A table cell around each triple, like the form's grid.
    const first = f.boxes[0];
    const last = f.boxes[2];
    const pad = 3;
    const bottom = Math.max(first.y + first.h, ...(f.bubbles?.flat().map((b) => b.y + b.h) ?? []));
    strokeRect(
      img,
      (first.x - pad) * s,
      (first.y - pad) * s,
      (last.x + last.w - first.x + 2 * pad) * s,
      (bottom - first.y + 2 * pad) * s,
      Math.max(1, 0.3 * s),
    );
    for (const b of f.boxes) strokeRect(img, ...r(b), t);
    for (const g of f.guides ?? []) drawGuide(img, g, s);
    f.bubbles?.forEach((col) =>
      col.forEach((b, digit) => {
        const cx = (b.x + b.w / 2) * s;
        const cy = (b.y + b.h / 2) * s;
        ring(img, cx, cy, (b.w / 2) * s, Math.max(1, 0.25 * s));
        drawTinyDigit(img, digit, cx, cy, b.w * 0.45 * s);
      }),
    );
  }
  return img;
}

/** The light-grey dotted "8" (two stacked rectangles) that page 2's boxes carry. */
function drawGuide(img: GrayImage, g: Rect, s: number): void {
  const step = 1.1;
  const dot = (x: number, y: number) => fillRect(img, x * s, y * s, 0.45 * s, 0.45 * s, GUIDE_GREY);
  const mid = g.y + g.h / 2;
  for (const y of [g.y, mid, g.y + g.h - 0.45])
    for (let x = g.x; x <= g.x + g.w - 0.4; x += step) dot(x, y);
  for (const x of [g.x, g.x + g.w - 0.45])
    for (let y = g.y; y <= g.y + g.h - 0.4; y += step) dot(x, y);
}

const TINY: Record<number, [number, number][]> = {
  0: [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
    [0, 0],
  ],
  1: [
    [0.5, 0],
    [0.5, 1],
  ],
  2: [
    [0, 0],
    [1, 0],
    [1, 0.5],
    [0, 0.5],
    [0, 1],
    [1, 1],
  ],
  3: [
    [0, 0],
    [1, 0],
    [1, 0.5],
    [0.2, 0.5],
    [1, 0.5],
    [1, 1],
    [0, 1],
  ],
  4: [
    [0, 0],
    [0, 0.5],
    [1, 0.5],
    [1, 0],
    [1, 1],
  ],
  5: [
    [1, 0],
    [0, 0],
    [0, 0.5],
    [1, 0.5],
    [1, 1],
    [0, 1],
  ],
  6: [
    [1, 0],
    [0, 0],
    [0, 1],
    [1, 1],
    [1, 0.5],
    [0, 0.5],
  ],
  7: [
    [0, 0],
    [1, 0],
    [0.4, 1],
  ],
  8: [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
    [0, 0],
    [0, 0.5],
    [1, 0.5],
  ],
  9: [
    [1, 0.5],
    [0, 0.5],
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ],
};

function drawTinyDigit(img: GrayImage, digit: number, cx: number, cy: number, h: number): void {
  const w = h * 0.55;
  polyline(
    img,
    TINY[digit]!.map(([u, v]) => ({ x: cx - w / 2 + u * w, y: cy - h / 2 + v * h })),
    Math.max(1, h * 0.12),
  );
}

/** Writes the fill into a drawn page: digits and crosses in the boxes, bubbles blackened. */
export function writeFill(
  img: GrayImage,
  page: PageTemplate,
  fill: FormFill,
  o: PageRenderOptions,
  digits: DigitSource,
  rnd: Random,
): void {
  const s = o.pxPerMm;
  const pen = rnd.uniform(0, 60);
  for (const f of page.fields) {
    const marks = fill.boxes[f.path];
    if (!marks) throw new Error(`no fill for ${f.path}`);
    f.boxes.forEach((b, i) => {
      const m = marks[i]!;
      if (m.kind === 'blank') return;
      const label: DigitLabel = m.kind === 'x' ? 'x' : (String(m.digit) as DigitLabel);
      const ink = digits(label, rnd);
      // Writers stay mostly inside the box, a little off centre, sometimes over the border.
      const size = rnd.uniform(0.7, 0.95);
      const w = b.w * size * (label === 'x' ? rnd.uniform(0.9, 1.1) : rnd.uniform(0.75, 0.95));
      const h = b.h * size;
      const x = b.x + (b.w - w) / 2 + rnd.normal(0, 0.8);
      const y = b.y + (b.h - h) / 2 + rnd.normal(0, 0.8);
      stamp(img, ink, x * s, y * s, w * s, h * s, pen);
    });
    const cols = fill.bubbles[f.path];
    f.bubbles?.forEach((col, i) => {
      for (const digit of cols?.[i]?.filled ?? []) {
        const b = col[digit]!;
        const ink = 255 * (1 - cols![i]!.darkness);
        // A filled bubble is scribbled: a disc a little off centre, not always covering the ring.
        disc(
          img,
          (b.x + b.w / 2 + rnd.normal(0, 0.3)) * s,
          (b.y + b.h / 2 + rnd.normal(0, 0.3)) * s,
          (b.w / 2) * s * rnd.uniform(0.75, 1.05),
          ink,
        );
      }
    });
  }
}
