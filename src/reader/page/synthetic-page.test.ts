// The page finder on a page drawn here (markers, fiducial, clutter), so the core logic is tested
// without ../shared.

import { describe, expect, it } from 'vitest';
import { grayImage, type GrayImage } from '../image.ts';
import { mulberry32 } from '../../core/random.ts';
import { fakePhoto } from '../../synth/fake-photo.ts';
import { findPage } from './find-page.ts';
import { apply, homographyFromPoints, invert } from './homography.ts';
import { FIDUCIAL_MM, MARKER_MM, MARKERS_MM, PAGE_MM } from './layout.ts';
import { findMarkers } from './markers.ts';
import { PAGE_ID_BITS, type PageNumber } from './page-id.ts';

const PPM = 2;

function fillMm(img: GrayImage, x0: number, y0: number, x1: number, y1: number, v = 0) {
  for (let y = Math.round(y0 * PPM); y < Math.round(y1 * PPM); y++)
    for (let x = Math.round(x0 * PPM); x < Math.round(x1 * PPM); x++)
      img.data[y * img.width + x] = v;
}

/** A blank page with the four markers, the page-ID fiducial and some box-like clutter. */
function drawPage(page: PageNumber): GrayImage {
  const img = grayImage(PAGE_MM.width * PPM, PAGE_MM.height * PPM, 245);
  const h = MARKER_MM / 2;
  for (const c of MARKERS_MM) {
    fillMm(img, c.x - h, c.y - h, c.x, c.y);
    fillMm(img, c.x, c.y, c.x + h, c.y + h);
  }
  const { x, y, module: m } = FIDUCIAL_MM;
  PAGE_ID_BITS[page].forEach((row, r) =>
    [...row].forEach((b, c) => {
      if (b === '1') fillMm(img, x + c * m, y + r * m, x + (c + 1) * m, y + (r + 1) * m);
    }),
  );
  const rnd = mulberry32(page);
  for (let i = 0; i < 60; i++) {
    // Outlined boxes like the digit boxes, and text-like bars.
    const bx = 80 + rnd() * 420;
    const by = 180 + rnd() * 620;
    fillMm(img, bx, by, bx + 18, by + 0.8);
    fillMm(img, bx, by + 17.2, bx + 18, by + 18);
    fillMm(img, bx, by, bx + 0.8, by + 18);
    fillMm(img, bx + 17.2, by, bx + 18, by + 18);
    fillMm(img, bx + 25, by + 5, bx + 25 + rnd() * 60, by + 7.5);
  }
  return img;
}

describe('homography', () => {
  it('maps four points onto four points and inverts', () => {
    const from = [
      { x: 0, y: 0 },
      { x: 600, y: 0 },
      { x: 600, y: 900 },
      { x: 0, y: 900 },
    ];
    const to = [
      { x: 112, y: 90 },
      { x: 1700, y: 260 },
      { x: 1500, y: 2700 },
      { x: 40, y: 2500 },
    ];
    const H = homographyFromPoints(from, to)!;
    from.forEach((p, i) => {
      const q = apply(H, p);
      expect(q.x).toBeCloseTo(to[i]!.x, 6);
      expect(q.y).toBeCloseTo(to[i]!.y, 6);
      const back = apply(invert(H)!, q);
      expect(back.x).toBeCloseTo(p.x, 6);
    });
  });
});

describe('findMarkers', () => {
  it('finds the four drawn markers with their dark diagonal', () => {
    const img = drawPage(1);
    // The fiducial's own checker-like module pairs may show up too; the markers must be there.
    const cands = findMarkers(img);
    for (const c of MARKERS_MM) {
      const m = cands.find((k) => Math.hypot(k.x - c.x * PPM, k.y - c.y * PPM) < 3);
      expect(m).toBeDefined();
      expect(Math.abs(m!.angle - Math.PI / 4)).toBeLessThan(0.15);
    }
  });
});

describe('findPage on a drawn page', () => {
  for (const rotation of [0, 90, 180, 270] as const) {
    it(`finds the corners, page and rotation ${rotation}`, () => {
      const page = (1 + ((rotation / 90) % 3)) as PageNumber;
      const f = fakePhoto(drawPage(page), PPM, { seed: 11 + rotation, rotation, longSide: 1800 });
      const r = findPage(f.image);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.rotation).toBe(rotation);
      expect(r.value.pageId).toBe(page);
      r.value.corners.forEach((c, i) => {
        const t = apply(f.pageToPhoto, MARKERS_MM[i]!);
        expect(Math.hypot(c.x - t.x, c.y - t.y)).toBeLessThan(3);
      });
    });
  }

  it('says a corner is hidden when a marker inside the photo is covered', () => {
    const img = drawPage(2);
    const c = MARKERS_MM[3];
    fillMm(img, c.x - 10, c.y - 10, c.x + 10, c.y + 10, 245);
    const f = fakePhoto(img, PPM, { seed: 9, rotation: 90, longSide: 1800 });
    const r = findPage(f.image);
    expect(r).toMatchObject({ ok: false, error: { reason: 'corner-hidden' } });
    if (!r.ok) expect(r.error.detail).toContain('bottom-left');
  });

  it('recovers a faint marker from the other three', () => {
    const img = drawPage(1);
    const c = MARKERS_MM[2];
    // A faint, grey marker (as under glare), which the first pass's threshold misses.
    const h = MARKER_MM / 2;
    fillMm(img, c.x - h, c.y - h, c.x, c.y, 195);
    fillMm(img, c.x, c.y, c.x + h, c.y + h, 195);
    const f = fakePhoto(img, PPM, { seed: 4, rotation: 0, longSide: 1800, tiltDeg: 10 });
    const r = findPage(f.image);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const t = apply(f.pageToPhoto, c);
    expect(Math.hypot(r.value.corners[2].x - t.x, r.value.corners[2].y - t.y)).toBeLessThan(3);
  });

  it('says cut-off when a corner is outside the photo', () => {
    const f = fakePhoto(drawPage(3), PPM, {
      seed: 2,
      rotation: 0,
      tiltDeg: 0,
      longSide: 1800,
      fill: 0.9,
    });
    const tr = apply(f.pageToPhoto, MARKERS_MM[1]);
    const w = Math.floor(tr.x - 20);
    const { image } = f;
    const crop: GrayImage = {
      width: w,
      height: image.height,
      data: new Uint8Array(w * image.height),
    };
    for (let y = 0; y < image.height; y++)
      crop.data.set(image.data.subarray(y * image.width, y * image.width + w), y * w);
    expect(findPage(crop)).toMatchObject({ ok: false, error: { reason: 'cut-off' } });
    expect(invert([1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeTruthy();
  });
});
