// Hard cases met while benchmarking the reader, kept as fixtures. The synthetic camera is seeded,
// so a case is its series, form and page: the photo is regenerated bit for bit (see
// `npm run form:synth -- --seed 2026`), and these tests say what the reader must make of it.
import { describe, expect, it } from 'vitest';
import { decodePhoto } from '../src/reader/node-image.ts';
import { findPage } from '../src/reader/page/find-page.ts';
import { synthForm } from '../src/synth/photo.ts';

const CASES = [
  // Steep tilt: after downscaling, the far markers are a few pixels wide; found at double resolution.
  { seed: 2026, form: 14, page: 1, what: 'tilted 23 degrees, 2250 x 3000, noisy' },
  { seed: 2026, form: 24, page: 2, what: 'tilted 28 degrees, turned 90, a shadow' },
  { seed: 2026, form: 25, page: 3, what: 'tilted 29 degrees, 1500 x 2000' },
  { seed: 2026, form: 59, page: 1, what: 'tilted 25 degrees, upside down, 1200 x 1600' },
] as const;

describe('reader hard cases (seeded synthetic photos)', () => {
  for (const c of CASES)
    it(`finds page ${c.page} of form ${c.form} (seed ${c.seed}): ${c.what}`, async () => {
      const form = await synthForm(c.seed, c.form);
      const jpeg = form.jpegs.find((j) => j.file === `page${c.page}.jpg`)!;
      const truth = form.truth.pages.find((p) => p.page === c.page)!;
      const photo = await decodePhoto(jpeg.data);
      if (!photo.ok) throw new Error(photo.error);
      const found = findPage(photo.value.image);
      if (!found.ok) throw new Error(`${found.error.reason}: ${found.error.detail}`);
      expect(found.value.pageId).toBe(c.page);
      // The corners land where the camera put the markers.
      found.value.corners.forEach((p, k) => {
        const want = truth.markerCentres[k]!;
        expect(Math.hypot(p.x - want.x, p.y - want.y)).toBeLessThan(4);
      });
    });
});
