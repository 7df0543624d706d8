// Camera 2 against its own truth: the same seed gives the same photo, the truth's corners and
// markers are where the page is in the photo, each condition changes what it claims to, and the
// boxes it fills were found on the render (22 rows on page 1, 3 on pages 2 and 3).
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/fixtures/shared-data.ts';
import { photograph, type Photo } from './camera.ts';
import { CONDITIONS, type Condition } from './conditions.ts';
import { mapPoint } from './geometry.ts';
import { loadRender } from './render.ts';

const forms = sharedData('forms/C.HASIL-PPWP_page2_100dpi.png', 'the official form renders');

/** A small, fast condition: the photo's size is what costs. */
const small = (over: Partial<Condition> = {}): Condition => ({
  ...CONDITIONS[0]!,
  photo: { width: 600, height: 850 },
  ...over,
});

async function gray(p: Photo) {
  const { data, info } = await sharp(p.jpeg)
    .grayscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { at: (x: number, y: number) => data[Math.round(y) * info.width + Math.round(x)]!, info };
}

/** Mean gray of a (2r+1)^2 patch. */
const patch = (g: Awaited<ReturnType<typeof gray>>, x: number, y: number, r = 2) => {
  let s = 0;
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) s += g.at(x + dx, y + dy);
  return s / (2 * r + 1) ** 2;
};

describe.skipIf(!forms)('camera 2', () => {
  it('finds the boxes, bubbles and corner markers on the renders by itself', async () => {
    const [p1, p2, p3] = await Promise.all([loadRender(1), loadRender(2), loadRender(3)]);
    expect(p1.boxRows).toHaveLength(22);
    expect(p2.boxRows).toHaveLength(3);
    expect(p3.boxRows).toHaveLength(3);
    expect(p2.bubbles.flat().map((col) => col.length)).toEqual(new Array(9).fill(10));
    // The markers sit about 47 mm and 65 mm in from the page's corners (4 px/mm at 100 dpi).
    expect(p1.markers[0]!.x).toBeCloseTo(186, -1);
    expect(p1.markers[0]!.y).toBeCloseTo(256, -1);
    expect(p1.markers[2]!.x).toBeGreaterThan(p1.width - 200);
  });

  it('gives the same photo for the same seed, and another for another seed', async () => {
    const c = small({ tilt: [10, 20], folds: [1, 1] });
    const [a, b, other] = await Promise.all([
      photograph(2, c, 5),
      photograph(2, c, 5),
      photograph(2, c, 6),
    ]);
    expect(a.jpeg.equals(b.jpeg)).toBe(true);
    expect(a.truth).toEqual(b.truth);
    expect(a.jpeg.equals(other.jpeg)).toBe(false);
    expect(other.truth.corners).not.toEqual(a.truth.corners);
  });

  it('puts the corner markers where the truth says, in every quarter turn', async () => {
    for (const q of [0, 1, 2, 3] as const) {
      const p = await photograph(1, small({ quarters: [q], tilt: [15, 25], noise: [0, 0] }), 11);
      const g = await gray(p);
      const turn = Math.abs(((p.truth.rotation - q * 90 + 540) % 360) - 180);
      expect(turn).toBeLessThanOrEqual(3);
      for (const m of p.truth.markers) {
        // A marker is two dark squares touching at its centre: dark a little up-left and
        // down-right of it in page terms, paper a little outside the marker.
        expect(m.x).toBeGreaterThan(0);
        expect(m.y).toBeGreaterThan(0);
        expect(m.x).toBeLessThan(p.truth.width);
        expect(m.y).toBeLessThan(p.truth.height);
      }
      // Page mm -> photo: the marker squares (3.7 mm from the centre, on the dark diagonal) are
      // dark, the paper 12 mm further out is light.
      const H = p.truth.homography;
      for (const [mx, my] of [
        [47.4, 65.1],
        [553.0, 65.1],
        [553.0, 875.1],
        [47.4, 875.1],
      ] as const) {
        const centre = mapPoint(H, { x: mx, y: my });
        const truthMarker = p.truth.markers.find(
          (t) => Math.hypot(t.x - centre.x, t.y - centre.y) < 3,
        );
        expect(truthMarker, `marker at ${mx},${my} mm`).toBeDefined();
        const ink = mapPoint(H, { x: mx - 3.7, y: my - 3.7 });
        const ink2 = mapPoint(H, { x: mx + 3.7, y: my + 3.7 });
        const paper = mapPoint(H, { x: mx - 3.7, y: my + 3.7 });
        expect(patch(g, ink.x, ink.y, 1)).toBeLessThan(90);
        expect(patch(g, ink2.x, ink2.y, 1)).toBeLessThan(90);
        expect(patch(g, paper.x, paper.y, 1)).toBeGreaterThan(150);
      }
      // The paper's corners: just inside is paper, outside the page is the table.
      const [tl, , br] = p.truth.corners;
      const mid = { x: (tl!.x + br!.x) / 2, y: (tl!.y + br!.y) / 2 };
      const inward = (c: { x: number; y: number }, t: number) => ({
        x: c.x + (mid.x - c.x) * t,
        y: c.y + (mid.y - c.y) * t,
      });
      for (const c of p.truth.corners) {
        const inside = inward(c, 0.03);
        expect(patch(g, inside.x, inside.y)).toBeGreaterThan(180);
        const outside = inward(c, -0.03);
        if (
          outside.x > 3 &&
          outside.y > 3 &&
          outside.x < g.info.width - 3 &&
          outside.y < g.info.height - 3
        )
          expect(patch(g, outside.x, outside.y)).toBeLessThan(160);
      }
    }
  });

  it('changes what each condition says it changes', async () => {
    const mean = async (p: Photo) => (await sharp(p.jpeg).stats()).channels[0]!.mean;
    const sharpness = async (p: Photo) => (await sharp(p.jpeg).stats()).sharpness;
    const base = small({ noise: [0, 0], tilt: [0, 0], roll: [0, 0] });
    const plain = await photograph(3, base, 3);
    const grey = await photograph(3, { ...base, paper: [0.6, 0.6] }, 3);
    expect(await mean(grey)).toBeLessThan((await mean(plain)) - 20);
    const blurred = await photograph(3, { ...base, blur: [2.5, 2.5] }, 3);
    expect(await sharpness(blurred)).toBeLessThan(await sharpness(plain));
    const jpeg60 = await photograph(3, { ...base, jpegQuality: 60 }, 3);
    expect(jpeg60.jpeg.length).toBeLessThan(plain.jpeg.length);
    const low = await photograph(
      3,
      { ...base, photo: { width: 1000, height: 1500 }, fill: [0.92, 0.92] },
      3,
    );
    expect(low.truth.pxPerMm).toBeGreaterThan(1.4);
    expect(low.truth.pxPerMm).toBeLessThan(1.65);
    const tilted = await photograph(3, { ...base, tilt: [35, 35] }, 3);
    expect(tilted.truth.drawn.tilt).toBe(35);
    const [a, b, c, d] = tilted.truth.corners;
    const side = (p: typeof a, q: typeof a) => Math.hypot(p!.x - q!.x, p!.y - q!.y);
    // Perspective: opposite sides of the page no longer match.
    expect(
      Math.max(
        side(a, b) / side(d, c),
        side(b, c) / side(a, d),
        side(d, c) / side(a, b),
        side(a, d) / side(b, c),
      ),
    ).toBeGreaterThan(1.1);
    const folded = await photograph(3, { ...base, folds: [2, 2] }, 3);
    expect(folded.truth.drawn.folds).toBe(2);
    expect(folded.jpeg.equals(plain.jpeg)).toBe(false);
    const shadowed = await photograph(
      3,
      { ...base, gradient: [0.5, 0.5], shadow: { chance: 1, depth: [0.5, 0.5] } },
      3,
    );
    expect(await mean(shadowed)).toBeLessThan((await mean(plain)) - 15);
    const screen = await photograph(3, { ...base, screen: true }, 3);
    expect(screen.truth.drawn.screen).toBe(true);
    expect(screen.jpeg.equals(plain.jpeg)).toBe(false);
  });

  it('writes the numbers of one consistent form across its pages, or none when blank', async () => {
    const c = small();
    const [p1, p2, p3, blank] = await Promise.all([
      photograph(1, c, 21),
      photograph(2, c, 21),
      photograph(3, c, 21),
      photograph(2, c, 21, { fill: false }),
    ]);
    const v = { ...p1.truth.values, ...p2.truth.values, ...p3.truth.values };
    expect(Object.keys(v)).toHaveLength(28);
    expect(v['votes.1']! + v['votes.2']! + v['votes.3']!).toBe(v.valid);
    expect(v.valid! + v.invalid!).toBe(v.total);
    expect(v.total).toBe(v['ballots.used']);
    expect(v['voters.total.total']).toBe(v['ballots.used']);
    expect(blank.truth.values).toBeUndefined();
    expect(blank.jpeg.equals(p2.jpeg)).toBe(false);
  });
});
