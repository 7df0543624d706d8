import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { badPhotos, jpegClaims7000, pngNotZlib } from '../../test/support/bad-photos.ts';
import { testPhoto } from '../../test/support/photos.ts';
import { checkPhoto } from './photos.ts';

const image = (format: 'jpeg' | 'png' | 'webp', width = 400, height = 600) =>
  sharp({ create: { width, height, channels: 3, background: { r: 240, g: 240, b: 235 } } })
    .toFormat(format)
    .toBuffer();

/** A PNG that only claims its size: signature, IHDR, IEND. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4);
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8;
  ihdr[17] = 2;
  const iend = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, iend]);
}

const reasonOf = async (bytes: Buffer) => {
  const r = await checkPhoto(bytes);
  return r.ok ? 'accepted' : r.error;
};

describe('checkPhoto', () => {
  it.each(['jpeg', 'png', 'webp'] as const)('accepts a whole %s with its size', async (format) => {
    expect(await checkPhoto(await image(format))).toEqual({
      ok: true,
      value: { contentType: `image/${format}`, width: 400, height: 600 },
    });
  });
  it('gives the size as shown, after the EXIF orientation', async () => {
    const rotated = await sharp(await testPhoto('rotated', { width: 600, height: 400 }))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    expect(await checkPhoto(rotated)).toMatchObject({
      ok: true,
      value: { width: 400, height: 600 },
    });
  });
  it.each(['jpeg', 'png', 'webp'] as const)('refuses a truncated %s', async (format) => {
    const whole = await image(format);
    const r = await checkPhoto(whole.subarray(0, Math.floor(whole.length * 0.7)));
    expect(r.ok).toBe(false);
  });
  it('refuses a JPEG whose segments do not chain', async () => {
    const jpeg = Buffer.from(await image('jpeg'));
    jpeg.writeUInt16BE(0xffff, 4); // the first segment's length now runs past the data
    expect(await checkPhoto(jpeg)).toMatchObject({ ok: false });
  });
  it('refuses text, an empty file, a GIF, a 1-pixel image and a 100-megapixel one', async () => {
    expect(await checkPhoto(Buffer.from('hello, this is not a photo'))).toMatchObject({
      ok: false,
    });
    expect(await checkPhoto(Buffer.alloc(0))).toEqual({ ok: false, error: 'empty file' });
    const gif = await sharp({
      create: { width: 300, height: 300, channels: 3, background: '#fff' },
    })
      .gif()
      .toBuffer();
    expect(await reasonOf(gif)).toContain('unsupported image format gif');
    expect(await reasonOf(await image('png', 1, 1))).toContain('too small');
    expect(await reasonOf(pngHeader(12_000, 9_000))).toContain('too large');
  });

  // Finding 5 of issue 9: each of these passed the header checks and was accepted.
  describe('decodes every photo fully: a photo that is not whole is refused', async () => {
    const photos = await badPhotos();
    it.each(photos)('%s', async (_name, bytes) => {
      const r = await checkPhoto(bytes);
      expect(r).toMatchObject({ ok: false });
      expect(r.ok ? '' : r.error).toMatch(/^not a whole image \(.+\)/);
    });
  });
  it('names what the decoder found, without internal detail', async () => {
    expect(await reasonOf(await pngNotZlib())).toBe(
      'not a whole image (its data does not decode: libpng read error)',
    );
    expect(await reasonOf(await jpegClaims7000())).toBe(
      'not a whole image (its data does not decode: Corrupt JPEG data: premature end of data segment)',
    );
  });
  it('refuses a PNG that is only a header', async () => {
    expect(await reasonOf(pngHeader(1_000, 1_500))).toMatch(/^not a whole image/);
  });
});
