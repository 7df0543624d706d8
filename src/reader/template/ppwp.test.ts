import { describe, expect, it } from 'vitest';
import { fieldEntries } from '../../core/chasil.ts';
import { EXAMPLE_PPWP } from '../../synth/results.ts';
import { measureForm } from './measure-form.ts';
import { PPWP_TEMPLATE, pageForBits } from './ppwp.ts';
import type { Rect } from './types.ts';
import { fixture, sharedData } from '../../../test/fixtures/shared-data.ts';

// The renders of the official form: the committed four-grey copy, and the renders themselves
// (../shared/data/forms) where they are.
const SOURCES = [
  { name: 'the four-grey fixture', dir: fixture('forms') },
  { name: 'the 100 dpi renders', dir: sharedData('forms', 'the official form renders') },
];
const { w: PAGE_W, h: PAGE_H } = PPWP_TEMPLATE.pageSizeMm;
const MM = 0.254; // one pixel of the 100 dpi render

const inside = (r: Rect) => r.x >= 0 && r.y >= 0 && r.x + r.w <= PAGE_W && r.y + r.h <= PAGE_H;
const overlap = (a: Rect, b: Rect) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('the PPWP plano template', () => {
  it('has every field of the C.Hasil schema exactly once', () => {
    const expected = fieldEntries(EXAMPLE_PPWP)
      .map(([path]) => path)
      .sort();
    const paths = PPWP_TEMPLATE.pages.flatMap((p) => p.fields.map((f) => f.path)).sort();
    expect(paths).toEqual(expected);
  });

  it('puts sections I-III on page 1, IV on page 2 and V on page 3', () => {
    const count = PPWP_TEMPLATE.pages.map((p) => p.fields.length);
    expect(count).toEqual([22, 3, 3]);
    expect(PPWP_TEMPLATE.pages[1]!.fields.map((f) => f.path)).toEqual([
      'votes.1',
      'votes.2',
      'votes.3',
    ]);
  });

  it('has boxes and bubbles inside the page, ordered and not overlapping', () => {
    for (const page of PPWP_TEMPLATE.pages) {
      const rects: Rect[] = [page.pageId.rect, ...page.markers];
      for (const f of page.fields) {
        expect(f.boxes[0].x).toBeLessThan(f.boxes[1].x);
        expect(f.boxes[1].x).toBeLessThan(f.boxes[2].x);
        for (const b of f.boxes) expect(b.w).toBeGreaterThan(15);
        rects.push(...f.boxes, ...(f.bubbles?.flat() ?? []));
        if (page.page === 2) {
          expect(f.bubbles).toHaveLength(3);
          f.bubbles!.forEach((col, i) => {
            expect(col).toHaveLength(10);
            for (let d = 1; d < 10; d++) expect(col[d]!.y).toBeGreaterThan(col[d - 1]!.y);
            for (const b of col)
              expect(Math.abs(b.x + b.w / 2 - (f.boxes[i]!.x + f.boxes[i]!.w / 2))).toBeLessThan(2);
          });
        } else expect(f.bubbles).toBeUndefined();
      }
      for (const r of rects) expect(inside(r)).toBe(true);
      for (let i = 0; i < rects.length; i++)
        for (let j = i + 1; j < rects.length; j++)
          expect(overlap(rects[i]!, rects[j]!)).toBe(false);
    }
  });

  it('has the corner markers where the renders put them (x 157-214 / 2148-2205 px, y 227-284 / 3416-3473 px)', () => {
    for (const page of PPWP_TEMPLATE.pages) {
      const [tl, tr, br, bl] = page.markers;
      for (const m of page.markers) {
        expect(m.w).toBeCloseTo(14.7, 0);
        expect(m.h).toBeCloseTo(14.7, 0);
      }
      expect(tl.x).toBeCloseTo(157 * MM, 0);
      expect(tr.x).toBeCloseTo(2148 * MM, 0);
      expect(br.y).toBeCloseTo(3416 * MM, 0);
      expect(bl.y).toBeCloseTo(3416 * MM, 0);
      expect(tl.y).toBeCloseTo(227 * MM, 0);
      expect(page.pageId.rect.x).toBeCloseTo(1945 * MM, 0);
      expect(page.pageId.rect.y).toBeCloseTo(422 * MM, 0);
    }
  });

  it('tells the pages apart by their fiducial, in any rotation', () => {
    const rotate = (g: number[][]) => g[0]!.map((_, c) => g.map((row) => row[c]!).reverse());
    for (const page of PPWP_TEMPLATE.pages) {
      let g: number[][] = page.pageId.bits;
      for (let k = 0; k < 4; k++) {
        expect(pageForBits(g, 0)?.page).toBe(page.page);
        g = rotate(g);
      }
    }
    // The patterns are far apart under every rotation, so a few wrong bits do not confuse them.
    for (const a of PPWP_TEMPLATE.pages)
      for (const b of PPWP_TEMPLATE.pages) {
        if (a === b) continue;
        let g: number[][] = b.pageId.bits;
        for (let k = 0; k < 4; k++) {
          const d = g.flat().filter((v, i) => v !== a.pageId.bits.flat()[i]).length;
          expect(d).toBeGreaterThanOrEqual(6);
          g = rotate(g);
        }
      }
    // A pattern's own other rotations must not look like the upright page either.
    for (const p of PPWP_TEMPLATE.pages) {
      let g: number[][] = rotate(p.pageId.bits);
      for (let k = 1; k < 4; k++) {
        const d = g.flat().filter((v, i) => v !== p.pageId.bits.flat()[i]).length;
        expect(d).toBeGreaterThanOrEqual(6);
        g = rotate(g);
      }
    }
  });

  for (const { name, dir } of SOURCES)
    it.skipIf(!dir)(
      `matches a fresh measurement of ${name} within 0.5 mm`,
      async () => {
        const fresh = await measureForm(dir!);
        const flat = (t: typeof PPWP_TEMPLATE) =>
          t.pages.flatMap((p) => [
            p.pageId.rect,
            ...p.markers,
            ...p.fields.flatMap((f) => [...f.boxes, ...(f.bubbles?.flat() ?? [])]),
          ]);
        const a = flat(PPWP_TEMPLATE);
        const b = flat(fresh);
        expect(b).toHaveLength(a.length);
        a.forEach((r, i) => {
          for (const k of ['x', 'y', 'w', 'h'] as const)
            expect(Math.abs(r[k] - b[i]![k])).toBeLessThanOrEqual(0.5);
        });
        expect(fresh.pages.map((p) => p.pageId.bits)).toEqual(
          PPWP_TEMPLATE.pages.map((p) => p.pageId.bits),
        );
        expect(fresh.pages.map((p) => p.fields.map((f) => f.path))).toEqual(
          PPWP_TEMPLATE.pages.map((p) => p.fields.map((f) => f.path)),
        );
      },
      60_000,
    );
});
