// Checking an uploaded photo before it counts: a whole image of a sensible size. The header is read
// first (format, size, structure: cheap, and it refuses most bad files before any decoding), then
// every photo is decoded fully, so that a file that only looks whole (cut and patched, a header
// over no data, a scan of zeros) never counts as evidence.
import { imageSize } from 'image-size';
import sharp from 'sharp';
import { err, ok, type Result } from '../core/result.ts';

/** What a photo that passed is kept with. */
export type PhotoOk = { contentType: string; width: number; height: number };
/** A photo that passed, or the reason it did not (for people). */
export type PhotoCheck = Result<PhotoOk, string>;

export const PHOTO_LIMITS = {
  /** Bytes per photo. A phone's full-resolution JPEG is 3-8 MB; the field app sends ~400 KB. */
  maxBytes: 15 * 1024 * 1024,
  /** Pixels per photo (about a 48-megapixel sensor); also sharp's `limitInputPixels`. */
  maxPixels: 50_000_000,
  minSide: 200,
  maxPhotos: 10,
};

const TYPES: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/**
 * The check a photo passes before it is kept: `checkPhotoHeader`, then a full decode
 * (`decodesWhole`). The decode runs in libvips on libuv's thread pool, not on the event loop.
 */
export async function checkPhoto(bytes: Buffer): Promise<PhotoCheck> {
  const header = checkPhotoHeader(bytes);
  if (!header.ok) return header;
  const problem = await decodesWhole(bytes);
  return problem ? err(`not a whole image (${problem})`) : header;
}

/**
 * Reads the image's header (dimensions and format) and checks that the file looks whole: a JPEG's
 * segments chain from its start to the image data and it ends with the end-of-image marker, a PNG
 * ends with IEND, a WebP is as long as its RIFF header says. Only a decode tells whether the data
 * in between is whole.
 */
export function checkPhotoHeader(bytes: Buffer): PhotoCheck {
  if (bytes.length === 0) return err('empty file');
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch (e) {
    return err(`not a decodable image (${(e as Error).message})`);
  }
  const format = size.type === 'jpg' ? 'jpeg' : (size.type ?? 'unknown');
  const type = TYPES[format];
  if (!type) return err(`unsupported image format ${format} (use JPEG, PNG or WebP)`);
  const swap = (size.orientation ?? 1) >= 5;
  const width = (swap ? size.height : size.width) ?? 0;
  const height = (swap ? size.width : size.height) ?? 0;
  if (width * height > PHOTO_LIMITS.maxPixels)
    return err(`image too large: ${width}x${height} pixels (at most ${PHOTO_LIMITS.maxPixels})`);
  if (Math.min(width, height) < PHOTO_LIMITS.minSide)
    return err(
      `image too small to read a form: ${width}x${height} pixels (at least ${PHOTO_LIMITS.minSide} on each side)`,
    );
  if (format === 'jpeg' && !jpegSegmentsChain(bytes))
    return err('not a decodable image (broken JPEG structure)');
  if (!complete(bytes, format)) return err('image is truncated (the upload was cut off)');
  return ok({ contentType: type, width, height });
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

/**
 * Decodes the whole image and answers what the decoder found wrong, or undefined. `failOn:
 * 'warning'` is what catches a JPEG cut and patched with an end marker, a header over no data, a
 * scan of zero bytes or a frame header larger than its data: libjpeg only warns "premature end of
 * data segment" for those, and fills the rest with grey ('truncated' and 'error' let them pass). A
 * PNG whose data is not zlib fails at every level. It is also sharp's recommended level for
 * untrusted input. The cost: a camera JPEG that libjpeg warns about for a harmless reason
 * (extraneous bytes before a marker) is refused too; the field app re-encodes every photo, so
 * its photos never carry such warnings.
 *
 * JPEG and WebP are decoded at 1/8 scale (shrink-on-load): libjpeg still reads every entropy-coded
 * byte, so every bad photo above is still caught, at about a third of a full decode's cost for a
 * 3000x4000 phone photo and without allocating its full-size pixels (see bench/photo-decode.ts).
 */
async function decodesWhole(bytes: Buffer): Promise<string | undefined> {
  await decodeSlot();
  try {
    const image = sharp(bytes, {
      failOn: 'warning',
      limitInputPixels: PHOTO_LIMITS.maxPixels,
      sequentialRead: true,
    });
    const { width } = imageSize(bytes);
    await image
      .resize({ width: Math.max(1, Math.ceil((width ?? 8) / 8)), kernel: 'nearest' })
      .raw()
      .toBuffer();
    return undefined;
  } catch (e) {
    return `its data does not decode: ${decoderMessage(e)}`;
  } finally {
    releaseDecodeSlot();
  }
}

/** libvips' first line without its loader's prefix ("VipsJpeg: ", "vipspng: "). */
function decoderMessage(e: unknown): string {
  const line = ((e as Error).message ?? String(e)).split('\n')[0]!.trim();
  return line.replace(/^[A-Za-z0-9]+:\s*/, '').slice(0, 200);
}

/**
 * Decodes at once, at most: one fewer than libuv's thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), so that file reads and writes of the photo store always find
 * a free thread however many photos arrive together.
 */
const DECODES_AT_ONCE = Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1);
let decoding = 0;
const waiting: (() => void)[] = [];
function decodeSlot(): Promise<void> {
  if (decoding < DECODES_AT_ONCE) {
    decoding++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve));
}
function releaseDecodeSlot(): void {
  const next = waiting.shift();
  if (next) next();
  else decoding--;
}
