import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
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

const reasonOf = (r: ReturnType<typeof checkPhoto>) => (r.ok ? 'accepted' : r.reason);

describe('checkPhoto', () => {
  it.each(['jpeg', 'png', 'webp'] as const)('accepts a whole %s with its size', async (format) => {
    expect(checkPhoto(await image(format))).toEqual({
      ok: true,
      contentType: `image/${format}`,
      width: 400,
      height: 600,
    });
  });
  it.each(['jpeg', 'png', 'webp'] as const)('refuses a truncated %s', async (format) => {
    const whole = await image(format);
    const r = checkPhoto(whole.subarray(0, Math.floor(whole.length * 0.7)));
    expect(r.ok).toBe(false);
  });
  it('refuses a JPEG whose segments do not chain', async () => {
    const jpeg = Buffer.from(await image('jpeg'));
    jpeg.writeUInt16BE(0xffff, 4); // the first segment's length now runs past the data
    expect(checkPhoto(jpeg)).toMatchObject({ ok: false });
  });
  it('refuses text, an empty file, a GIF, a 1-pixel image and a 100-megapixel one', async () => {
    expect(checkPhoto(Buffer.from('hello, this is not a photo'))).toMatchObject({ ok: false });
    expect(checkPhoto(Buffer.alloc(0))).toEqual({ ok: false, reason: 'empty file' });
    const gif = await sharp({
      create: { width: 300, height: 300, channels: 3, background: '#fff' },
    })
      .gif()
      .toBuffer();
    expect(reasonOf(checkPhoto(gif))).toContain('unsupported image format gif');
    expect(reasonOf(checkPhoto(await image('png', 1, 1)))).toContain('too small');
    expect(reasonOf(checkPhoto(pngHeader(12_000, 9_000)))).toContain('too large');
    expect(checkPhoto(pngHeader(1_000, 1_500))).toMatchObject({ ok: true });
  });
});
