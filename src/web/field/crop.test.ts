// The review crops are drawn upright in the page's axes, whichever way the phone held the page:
// the field's three digit boxes, photographed upright, upside down, sideways or tilted in
// perspective, land on the crop in the same place, first box on the left, tops at the top.
import { describe, expect, it } from 'vitest';
import { apply, homographyFromPoints, type Point } from '../../reader/page/homography.ts';
import { cropPlacement, placeOnCrop } from './crop.ts';

/** A page of 210 x 297 mm, photographed so that its corners land at `at` (TL, TR, BR, BL). */
const photographed = (at: Point[]) =>
  homographyFromPoints(
    [
      { x: 0, y: 0 },
      { x: 210, y: 0 },
      { x: 210, y: 297 },
      { x: 0, y: 297 },
    ],
    at,
  );

/** Three 8 x 10 mm digit boxes side by side at (100, 150) mm: corners clockwise from top-left. */
const BOXES_MM: Point[][] = [0, 1, 2].map((i) => {
  const x = 100 + i * 9;
  const y = 150;
  return [
    { x, y },
    { x: x + 8, y },
    { x: x + 8, y: y + 10 },
    { x, y: y + 10 },
  ];
});

// The page at 9 px/mm (1890 x 2673 px) in photos of 2100 x 2900 px, or 2900 x 2100 sideways.
const [L, T, R, B] = [100, 100, 1990, 2773];
const VIEWS: Record<string, Point[]> = {
  upright: [
    { x: L, y: T },
    { x: R, y: T },
    { x: R, y: B },
    { x: L, y: B },
  ],
  'upside down': [
    { x: R, y: B },
    { x: L, y: B },
    { x: L, y: T },
    { x: R, y: T },
  ],
  'turned left': [
    { x: T, y: R },
    { x: T, y: L },
    { x: B, y: L },
    { x: B, y: R },
  ],
  'turned right': [
    { x: B, y: L },
    { x: B, y: R },
    { x: T, y: R },
    { x: T, y: L },
  ],
};

/** Upside down and tilted: the far edge shorter, as when the phone leans over the page. */
const TILTED: Point[] = [
  { x: 1850, y: 2800 },
  { x: 180, y: 2700 },
  { x: 300, y: 160 },
  { x: 1720, y: 80 },
];

const boxesIn = (view: Point[]) => {
  const h = photographed(view);
  if (!h) throw new Error('no homography for the view');
  return BOXES_MM.map((b) => b.map((p) => apply(h, p)));
};

const centre = (pts: Point[]) => ({
  x: pts.reduce((s, p) => s + p.x, 0) / pts.length,
  y: pts.reduce((s, p) => s + p.y, 0) / pts.length,
});

describe('cropPlacement', () => {
  const upright = cropPlacement(boxesIn(VIEWS.upright!))!;

  it('frames the boxes with the pad around them, upright', () => {
    expect(upright.width).toBe(150);
    // 26 mm wide, 10 mm tall, 8% of 26 mm on each side: 30.16 x 14.16 mm.
    expect(upright.height).toBe(Math.round((150 * 14.16) / 30.16));
    const pad = (0.08 * 26 * 150) / 30.16;
    const tl = placeOnCrop(upright, boxesIn(VIEWS.upright!)[0]![0]!);
    expect(tl.x).toBeCloseTo(pad, 6);
    // (the height is rounded to whole pixels, so the pad down is a little off.)
    expect(Math.abs(tl.y - pad)).toBeLessThan(0.1);
  });

  for (const [name, view] of Object.entries(VIEWS)) {
    it(`shows a field photographed ${name} as it shows upright`, () => {
      const boxes = boxesIn(view);
      const crop = cropPlacement(boxes)!;
      expect(crop.height).toBe(upright.height);
      boxes.forEach((box, i) =>
        box.forEach((p, j) => {
          const got = placeOnCrop(crop, p);
          const want = placeOnCrop(upright, boxesIn(VIEWS.upright!)[i]![j]!);
          expect(got.x).toBeCloseTo(want.x, 6);
          expect(got.y).toBeCloseTo(want.y, 6);
        }),
      );
    });
  }

  it('shows a field photographed upside down and tilted in perspective the right way up', () => {
    const boxes = boxesIn(TILTED);
    const crop = cropPlacement(boxes)!;
    const on = boxes.map((b) => b.map((p) => placeOnCrop(crop, p)));
    // Left to right, first box first; each box's top above its bottom, its left before its right.
    const xs = on.map((b) => centre(b).x);
    expect(xs[0]).toBeLessThan(xs[1]!);
    expect(xs[1]).toBeLessThan(xs[2]!);
    for (const [tl, tr, br, bl] of on) {
      expect(tl!.y).toBeLessThan(bl!.y);
      expect(tr!.y).toBeLessThan(br!.y);
      expect(tl!.x).toBeLessThan(tr!.x);
      expect(bl!.x).toBeLessThan(br!.x);
    }
    // And the whole field is on the canvas.
    for (const p of on.flat()) {
      expect(p.x).toBeGreaterThanOrEqual(-1);
      expect(p.x).toBeLessThanOrEqual(crop.width + 1);
      expect(p.y).toBeGreaterThanOrEqual(-1);
      expect(p.y).toBeLessThanOrEqual(crop.height + 1);
    }
  });

  it('has no crop without boxes, or for a box with no area', () => {
    expect(cropPlacement([])).toBeNull();
    const p = { x: 5, y: 5 };
    expect(cropPlacement([[p, p, p, p]])).toBeNull();
  });
});
