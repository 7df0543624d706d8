// Checking an uploaded photo before it is kept: a whole, decodable image of a sensible size.
import sharp, { type Metadata } from 'sharp';

export type PhotoCheck =
  { ok: true; contentType: string; width: number; height: number } | { ok: false; reason: string };

export const PHOTO_LIMITS = {
  /** Bytes per photo. A phone's full-resolution JPEG is 3-8 MB; the field app sends ~400 KB. */
  maxBytes: 15 * 1024 * 1024,
  /** Pixels per photo (about a 48-megapixel sensor). */
  maxPixels: 50_000_000,
  minSide: 200,
  maxPhotos: 10,
};

const TYPES: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/**
 * Reads the image's header and checks that the file is complete. A full decode of every photo
 * would cost ~20 ms each; the reader decodes them anyway when it re-reads the form.
 */
export async function checkPhoto(bytes: Buffer): Promise<PhotoCheck> {
  if (bytes.length === 0) return { ok: false, reason: 'empty file' };
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: PHOTO_LIMITS.maxPixels }).metadata();
  } catch (e) {
    return { ok: false, reason: `not a decodable image (${(e as Error).message})` };
  }
  const type = meta.format ? TYPES[meta.format] : undefined;
  if (!type)
    return {
      ok: false,
      reason: `unsupported image format ${meta.format ?? 'unknown'} (use JPEG, PNG or WebP)`,
    };
  const { width = 0, height = 0 } = meta;
  if (width * height > PHOTO_LIMITS.maxPixels)
    return {
      ok: false,
      reason: `image too large: ${width}x${height} pixels (at most ${PHOTO_LIMITS.maxPixels})`,
    };
  if (Math.min(width, height) < PHOTO_LIMITS.minSide)
    return {
      ok: false,
      reason: `image too small to read a form: ${width}x${height} pixels (at least ${PHOTO_LIMITS.minSide} on each side)`,
    };
  if (!complete(bytes, meta.format ?? ''))
    return { ok: false, reason: 'image is truncated (the upload was cut off)' };
  return { ok: true, contentType: type, width, height };
}

function complete(b: Buffer, format: string): boolean {
  switch (format) {
    case 'jpeg': {
      // The end-of-image marker FFD9, allowing a little trailing padding some phones add.
      const tail = b.subarray(Math.max(0, b.length - 64));
      for (let i = tail.length - 2; i >= 0; i--)
        if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
      return false;
    }
    case 'png':
      return b.includes(Buffer.from('IEND'), Math.max(0, b.length - 64));
    case 'webp':
      return b.length >= 8 && b.readUInt32LE(4) + 8 <= b.length;
    default:
      return true;
  }
}
