// The page finder on photos simulated from the official 100 dpi renders, and on inputs that are
// not a readable page. It runs on the committed four-grey copy of the renders
// (test/fixtures/forms) always, and on the renders themselves (../shared/data/forms) where they
// are; without them it skips that run, except on CI.

import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../image.ts';
import { mulberry32 } from '../../core/random.ts';
import { fakePhoto } from '../../synth/fake-photo.ts';
import { findPage, rectify } from './find-page.ts';
import { apply } from './homography.ts';
import { MARKERS_MM } from './layout.ts';
import { RENDER_FILE } from '../template/measure-form.ts';
import { readPageId } from './page-id.ts';
import { fixture, sharedData } from '../../../test/fixtures/shared-data.ts';

const SOURCES = [
  { name: 'the four-grey fixture', dir: fixture('forms') },
  { name: 'the 100 dpi renders', dir: sharedData('forms', 'the official form renders') },
];

async function loadGray(file: string): Promise<GrayImage> {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
  };
}

async function jpeg(img: GrayImage, quality: number): Promise<GrayImage> {
  const buf = await sharp(Buffer.from(img.data), {
    raw: { width: img.width, height: img.height, channels: 1 },
  })
    .jpeg({ quality })
    .toBuffer();
  return loadGray(buf as unknown as string);
}

const PX_PER_MM = 1 / 0.254;
const pages = new Map<string, GrayImage>();
async function loadRender(dir: string, page: 1 | 2 | 3): Promise<GrayImage> {
  const file = join(dir, RENDER_FILE(page));
  let img = pages.get(file);
  if (!img) {
    img = await loadGray(file);
    pages.set(file, img);
  }
  return img;
}

// More photos for a measurement: PAGE_TEST_N=200 npx vitest run src/reader/page/find-page.test.ts
const N = Number(process.env.PAGE_TEST_N ?? 12);
const SEED = Number(process.env.PAGE_TEST_SEED ?? 1000);

for (const { name, dir } of SOURCES)
  describe.skipIf(!dir)(`findPage on simulated photos of the official form (${name})`, () => {
    const render = (page: 1 | 2 | 3) => loadRender(dir!, page);

    it('reads the page id of each render as it is', async () => {
      for (const p of [1, 2, 3] as const) {
        const img = await render(p);
        const toPx = [PX_PER_MM, 0, -0.5, 0, PX_PER_MM, -0.5, 0, 0, 1];
        const id = readPageId(img, toPx);
        expect(id.page).toBe(p);
        expect(id.distance).toBe(0);
      }
    });

    it(
      'finds corners, rotation and page in tilted, rotated, shadowed, blurred JPEG photos',
      async () => {
        const rnd = mulberry32(7);
        const errors: number[] = [];
        let rightPage = 0;
        let rightRot = 0;
        let ms = 0;
        const misses: string[] = [];
        for (let i = 0; i < N; i++) {
          const page = (1 + (i % 3)) as 1 | 2 | 3;
          const rotation = ([0, 90, 180, 270] as const)[Math.floor(i / 3) % 4]!;
          const f = fakePhoto(await render(page), PX_PER_MM, { seed: SEED + i, rotation });
          const photo = await jpeg(f.image, 50 + Math.floor(rnd() * 41));
          const t0 = performance.now();
          const r = findPage(photo);
          ms += performance.now() - t0;
          if (!r.ok) {
            misses.push(
              `#${i} p${page} r${rotation} tilt ${f.tiltDeg.toFixed(0)}: ${r.error.reason} ${r.error.detail}`,
            );
            continue;
          }
          const err = Math.max(
            ...r.value.corners.map((c, k) => {
              const t = apply(f.pageToPhoto, MARKERS_MM[k]!);
              return Math.hypot(c.x - t.x, c.y - t.y);
            }),
          );
          errors.push(err);
          if (r.value.pageId === page) rightPage++;
          else misses.push(`#${i} page ${r.value.pageId} for ${page}`);
          if (r.value.rotation === rotation) rightRot++;
          else misses.push(`#${i} rotation ${r.value.rotation} for ${rotation}`);
        }
        errors.sort((a, b) => a - b);
        console.log(
          `findPage: ${errors.length}/${N} found, corner error median ${errors[errors.length >> 1]?.toFixed(2)} px, max ${errors.at(-1)?.toFixed(2)} px; ` +
            `page id ${rightPage}/${N}, rotation ${rightRot}/${N}; ${(ms / N).toFixed(0)} ms/photo\n${misses.join('\n')}`,
        );
        expect(errors.length).toBe(N);
        expect(errors.at(-1)!).toBeLessThan(4);
        expect(rightPage).toBe(N);
        expect(rightRot).toBe(N);
      },
      30_000 + N * 4000,
    );

    it('rectifies the page so the fiducial and markers land where the template says', async () => {
      const f = fakePhoto(await render(2), PX_PER_MM, { seed: 5, rotation: 180, tiltDeg: 20 });
      const r = findPage(f.image);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const flat = rectify(f.image, r.value.homography, 2);
      expect([flat.width, flat.height]).toEqual([1200, 1800]);
      const id = readPageId(flat, [2, 0, -0.5, 0, 2, -0.5, 0, 0, 1]);
      expect(id.page).toBe(2);
    });

    it("finds a marker cut by the photo's edge (a real photo of page 2 did that)", async () => {
      // A photo at 1.7 px/mm, turned a degree, whose bottom edge runs through the
      // bottom-right marker's lower square, as in the Klaten photo of the real-photo corpus.
      const src = await render(2);
      const buf = await sharp(Buffer.from(src.data), {
        raw: { width: src.width, height: src.height, channels: 1 },
      })
        .rotate(1, { background: '#ffffff' })
        .resize({ width: Math.round(src.width * (1.7 / PX_PER_MM)) })
        .png()
        .toBuffer();
      const whole = await loadGray(buf as unknown as string);
      const uncut = findPage(whole);
      expect(uncut.ok).toBe(true);
      if (!uncut.ok) return;
      const [, , br, bl] = uncut.value.corners;
      const square = (1.7 * 14.73) / 2;
      const bottom = Math.round(br.y + 0.4 * square);
      expect(bl.y + square).toBeLessThan(bottom); // the bottom-left marker stays whole
      const cut: GrayImage = {
        width: whole.width,
        height: bottom,
        data: whole.data.slice(0, whole.width * bottom),
      };
      const r = findPage(cut);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.pageId).toBe(2);
      r.value.corners.forEach((c, k) => {
        const u = uncut.value.corners[k]!;
        expect(Math.hypot(c.x - u.x, c.y - u.y)).toBeLessThan(2);
      });
    });

    it('says the page is cut off when half of it is outside the photo', async () => {
      const f = fakePhoto(await render(1), PX_PER_MM, {
        seed: 3,
        rotation: 0,
        tiltDeg: 5,
        blur: 0,
      });
      const { width: w, height: h, data } = f.image;
      const half: GrayImage = { width: w, height: h >> 1, data: data.slice(0, w * (h >> 1)) };
      const r = findPage(half);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.reason).toBe('cut-off');
    });

    it('says the photo is too dark when it is', async () => {
      const f = fakePhoto(await render(3), PX_PER_MM, { seed: 4, rotation: 0 });
      const dark = { ...f.image, data: f.image.data.map((v) => v >> 3) };
      const r = findPage(dark);
      expect(r).toMatchObject({ ok: false, error: { reason: 'too-dark' } });
    });

    it('says the photo is too blurry when the marker edges are smeared', async () => {
      const f = fakePhoto(await render(1), PX_PER_MM, {
        seed: 6,
        rotation: 0,
        longSide: 1600,
        blur: 9,
      });
      const r = findPage(f.image);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['too-blurry', 'not-a-form']).toContain(r.error.reason);
    });
  });
