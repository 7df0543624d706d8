// Node only: a photo file (or bytes) decoded to a GrayImage for the reader, with clear reasons for
// what cannot be read. Large photos are shrunk as they are decoded: the reader needs a few pixels
// per millimetre of the form, not a phone's full 50 megapixels.
import sharp from 'sharp';
import { err, ok, type Result } from '../core/result.ts';
import { toGray, type GrayImage } from './image.ts';

/** Longest side kept; a 600 x 900 mm page then has ~3.5 px/mm, ample for 15 mm digit boxes. */
const READ_MAX_SIDE = 3200;
/** Pixels accepted before decoding at all (about 200 megapixels). */
const MAX_INPUT_PIXELS = 200_000_000;

/** The photo for the reader, and the size it was taken at. */
export type DecodedPhoto = { image: GrayImage; original: { width: number; height: number } };

/** The decoded photo, or why it cannot be read (for people: `no such file`, `image too large`...). */
export async function decodePhoto(input: string | Buffer): Promise<Result<DecodedPhoto, string>> {
  try {
    const img = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated' });
    const meta = await img.metadata();
    const { data, info } = await img
      .rotate() // EXIF orientation, as the phone meant it
      .resize({
        width: READ_MAX_SIDE,
        height: READ_MAX_SIDE,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .grayscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return ok({
      image: toGray(data, info.width, info.height, 1),
      original: { width: meta.width ?? info.width, height: meta.height ?? info.height },
    });
  } catch (e) {
    const message = (e as Error).message;
    const reason = /pixel limit/i.test(message)
      ? `image too large (over ${MAX_INPUT_PIXELS / 1e6} megapixels)`
      : /truncated|premature end|corrupt/i.test(message)
        ? `image is truncated or corrupt (${message})`
        : /unsupported image format|Input file contains unsupported/i.test(message)
          ? 'not an image (unsupported or unknown format)'
          : /no such file|ENOENT|missing/i.test(message)
            ? `no such file`
            : `cannot decode the image (${message})`;
    return err(reason);
  }
}
