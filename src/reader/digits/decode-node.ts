// Node-only: decode an image file (JPEG, PNG, ...) to a GrayImage with sharp.
import sharp from 'sharp';
import { toGray, type GrayImage } from '../image.ts';

export async function decodeGrayFile(file: string): Promise<GrayImage> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const channels =
    info.channels === 1 || info.channels === 3 || info.channels === 4 ? info.channels : 3;
  return toGray(data, info.width, info.height, channels);
}
