// Checking an uploaded photo before it is kept: a whole, decodable image of a sensible size.
import { imageSize } from 'image-size';

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
 * Reads the image's header (dimensions and format) and checks that the file is whole: a JPEG's
 * segments chain from its start to the image data and it ends with the end-of-image marker, a PNG
 * ends with IEND, a WebP is as long as its RIFF header says. A full decode of every photo would cost
 * ~20 ms each at ingest; the reader decodes every photo anyway when it re-reads the form.
 */
export function checkPhoto(bytes: Buffer): PhotoCheck {
  if (bytes.length === 0) return { ok: false, reason: 'empty file' };
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch (e) {
    return { ok: false, reason: `not a decodable image (${(e as Error).message})` };
  }
  const format = size.type === 'jpg' ? 'jpeg' : (size.type ?? 'unknown');
  const type = TYPES[format];
  if (!type)
    return { ok: false, reason: `unsupported image format ${format} (use JPEG, PNG or WebP)` };
  const swap = (size.orientation ?? 1) >= 5;
  const width = (swap ? size.height : size.width) ?? 0;
  const height = (swap ? size.width : size.height) ?? 0;
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
  if (format === 'jpeg' && !jpegSegmentsChain(bytes))
    return { ok: false, reason: 'not a decodable image (broken JPEG structure)' };
  if (!complete(bytes, format))
    return { ok: false, reason: 'image is truncated (the upload was cut off)' };
  return { ok: true, contentType: type, width, height };
}

/** Walks a JPEG's marker segments from SOI to the start of scan; false if any is cut or malformed. */
function jpegSegmentsChain(b: Buffer): boolean {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return false;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xda) return true; // start of scan: the image data follows
    if (marker === 0xd9) return false; // end of image before any image data
    if (marker >= 0xd0 && marker <= 0xd7) return false;
    i += 2 + b.readUInt16BE(i + 2);
  }
  return false;
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
