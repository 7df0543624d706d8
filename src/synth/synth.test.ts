import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CHasilSchema, fieldEntries } from '../core/chasil.ts';
import { PPWP_TEMPLATE } from '../reader/template/ppwp.ts';
import { fillForm } from './fill.ts';
import { applyH, homographyFrom4, invertH } from './homography.ts';
import { synthForm } from './photo.ts';
import { createRandom } from '../core/random.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('the synthetic camera', () => {
  it('is deterministic for a seed, and its truth matches the C.Hasil schema', async () => {
    const a = await synthForm(42, 3);
    const b = await synthForm(42, 3);
    expect(a.jpegs.map((j) => md5(j.data))).toEqual(b.jpegs.map((j) => md5(j.data)));
    expect(JSON.stringify(a.truth)).toEqual(JSON.stringify(b.truth));
    const c = await synthForm(42, 4);
    expect(c.jpegs[0]!.data.equals(a.jpegs[0]!.data)).toBe(false);

    expect(CHasilSchema.safeParse(a.truth.result).success).toBe(true);
    expect(a.truth.pages.map((p) => p.page)).toEqual([1, 2, 3]);
    for (const [i, j] of a.jpegs.entries()) {
      const meta = await sharp(j.data).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.width).toBe(a.truth.pages[i]!.width);
      expect(meta.height).toBe(a.truth.pages[i]!.height);
    }
  }, 30_000);

  it('writes every field into its boxes as the truth says', () => {
    const rnd = createRandom(5);
    for (let i = 0; i < 200; i++) {
      const fill = fillForm(rnd.fork(i), { slipRate: 0.5 });
      expect(CHasilSchema.safeParse(fill.result).success).toBe(true);
      expect(CHasilSchema.safeParse(fill.intended).success).toBe(true);
      for (const [path, value] of fieldEntries(fill.result)) {
        const marks = fill.boxes[path]!;
        const digits = marks.map((m) => (m.kind === 'digit' ? m.digit : 0));
        expect(digits[0]! * 100 + digits[1]! * 10 + digits[2]!).toBe(value);
        expect(marks[2].kind).toBe('digit');
      }
      expect(Object.keys(fill.bubbles).sort()).toEqual(['votes.1', 'votes.2', 'votes.3']);
      for (const s of fill.slips) expect(s.written).not.toBe(s.intended);
      if (fill.slips.length === 0) expect(fill.result).toEqual(fill.intended);
    }
  });

  it('records where the page lands in the photo', async () => {
    const { truth } = await synthForm(9, 0);
    for (const p of truth.pages) {
      const [tl, , br] = p.pageCorners;
      const m = p.markerCentres[0]!;
      const fromH = applyH(p.pageToPhoto, {
        x: PPWP_TEMPLATE.pages[0]!.markers[0].x + PPWP_TEMPLATE.pages[0]!.markers[0].w / 2,
        y: PPWP_TEMPLATE.pages[0]!.markers[0].y + PPWP_TEMPLATE.pages[0]!.markers[0].h / 2,
      });
      expect(Math.abs(fromH.x - m.x)).toBeLessThan(0.01);
      expect(Math.hypot(br!.x - tl!.x, br!.y - tl!.y)).toBeGreaterThan(
        0.5 * Math.min(p.width, p.height),
      );
    }
  }, 30_000);

  it('fits and inverts homographies', () => {
    const from = [
      { x: 0, y: 0 },
      { x: 600, y: 0 },
      { x: 600, y: 900 },
      { x: 0, y: 900 },
    ];
    const to = [
      { x: 100, y: 50 },
      { x: 1400, y: 120 },
      { x: 1300, y: 1900 },
      { x: 80, y: 1800 },
    ];
    const h = homographyFrom4(from, to);
    const inv = invertH(h);
    from.forEach((p, i) => {
      const q = applyH(h, p);
      expect(q.x).toBeCloseTo(to[i]!.x, 6);
      expect(q.y).toBeCloseTo(to[i]!.y, 6);
      const back = applyH(inv, q);
      expect(back.x).toBeCloseTo(p.x, 6);
    });
  });

  it('takes about a second a page or less', async () => {
    const started = performance.now();
    await synthForm(1, 1);
    const perPage = (performance.now() - started) / 3;
    // Generous bound: CI machines are slow and shared; typical is well under one second.
    expect(perPage).toBeLessThan(5000);
    expect(PPWP_TEMPLATE.pages).toHaveLength(3);
  }, 30_000);
});
