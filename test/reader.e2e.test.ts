// The reader end to end: synthesized phone photos of filled forms (seeded), decoded from JPEG,
// pages found, boxes read by the committed digit model, fields decoded under the arithmetic.
// What must hold whatever the model's accuracy: no crash, every page accounted for, and no field
// silently wrong: a value that differs from what the paper says always carries a flag.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fieldEntries } from '../src/core/chasil.ts';
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { decodePhoto } from '../src/reader/node-image.ts';
import { readForm, type BoxClassifier, type PhotoInput } from '../src/reader/read-form.ts';
import { synthForm } from '../src/synth/photo.ts';

const classifier = await loadDigitClassifier();
const classify: BoxClassifier = (crops) =>
  classifyBoxes(crops, classifier).map((r) => r.probabilities);

async function photos(files: { file: string; data: Buffer }[]): Promise<PhotoInput[]> {
  const out: PhotoInput[] = [];
  for (const f of files) {
    const d = await decodePhoto(f.data);
    if (!d.ok) throw new Error(`${f.file}: ${d.error}`);
    out.push({ name: f.file, image: d.value.image });
  }
  return out;
}

describe('reading synthesized form photos', () => {
  for (const index of [0, 1]) {
    it(`form ${index}: every page found, and no field silently wrong`, async () => {
      const form = await synthForm(2026, index);
      // Pages in shuffled order: the reader must tell them apart itself.
      const reading = readForm(await photos([...form.jpegs].reverse()), { classify });
      const found = reading.pages.filter((p) => p.found).map((p) => (p.found ? p.page : 0));
      expect(found.sort()).toEqual([1, 2, 3]);
      let right = 0;
      for (const [path, truth] of fieldEntries(form.truth.result)) {
        const f = reading.fields[path]!;
        if (f.value === truth) right++;
        else
          expect(
            f.flags.length,
            `${path}: read ${f.value}, paper says ${truth}, unflagged`,
          ).toBeGreaterThan(0);
        expect(f.boxes?.corners).toHaveLength(3);
      }
      expect(reading.verdict === 'clean' ? right : 28).toBe(28);
      console.log(
        `reader e2e form ${index}: ${right}/28 fields right, verdict ${reading.verdict}, rules ${reading.rules.join(',') || 'none'}`,
      );
    });
  }
});

describe('bad input gives a reason, never a crash', () => {
  it('a photo of something else, a blank page, a 1-pixel image', async () => {
    const raw = Buffer.alloc(1200 * 1600);
    for (let i = 0, h = 7; i < raw.length; i++) {
      h = Math.imul(h ^ (h >>> 15), 2246822519) + i;
      raw[i] = h & 255;
    }
    const noise = await sharp(raw, { raw: { width: 1200, height: 1600, channels: 1 } })
      .jpeg()
      .toBuffer();
    const blank = await sharp({
      create: { width: 1200, height: 1600, channels: 3, background: '#f4f4f0' },
    })
      .jpeg()
      .toBuffer();
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const reading = readForm(
      await photos([
        { file: 'noise.jpg', data: noise },
        { file: 'blank.jpg', data: blank },
        { file: 'tiny.png', data: tiny },
      ]),
      { classify },
    );
    expect(reading.pages.map((p) => [p.photo, p.found])).toEqual([
      ['noise.jpg', false],
      ['blank.jpg', false],
      ['tiny.png', false],
    ]);
    for (const p of reading.pages) if (!p.found) expect(p.detail.length).toBeGreaterThan(0);
    expect(reading.verdict).toBe('review');
    expect(reading.result).toBeNull();
    expect(reading.fields['votes.1']!.flags).toContain('page-missing');
  });
  it('a truncated JPEG and a 100-megapixel photo', async () => {
    const form = await synthForm(2026, 0);
    const jpeg = form.jpegs[0]!.data;
    const cut = await decodePhoto(jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    expect(cut).toMatchObject({ ok: false });
    expect(cut.ok ? '' : cut.error).toMatch(/truncated|corrupt/);
    const huge = await sharp({
      create: { width: 12_000, height: 9_000, channels: 3, background: '#fafafa' },
    } as never)
      .jpeg()
      .toBuffer();
    const big = await decodePhoto(huge);
    expect(big.ok).toBe(true);
    if (big.ok) {
      expect(Math.max(big.value.image.width, big.value.image.height)).toBeLessThanOrEqual(3200);
      expect(
        readForm([{ name: 'huge.jpg', image: big.value.image }], { classify }).pages[0],
      ).toMatchObject({ found: false });
    }
    expect(await decodePhoto(Buffer.from('not an image at all'))).toMatchObject({ ok: false });
  });
});
