// Photos that are not whole, as a hostile or broken client sends them (issue 9, finding 5). Each
// passes a header-only check (its format, size and end marker look right) and fails a full decode.
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { testPhoto } from './photos.ts';

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([length, typed, crc]);
}

/** The PNG's chunks: type, where the chunk starts and its data length. */
function pngChunks(png: Buffer): { type: string; start: number; length: number }[] {
  const out = [];
  for (let i = 8; i + 8 <= png.length;) {
    const length = png.readUInt32BE(i);
    out.push({ type: png.toString('latin1', i + 4, i + 8), start: i, length });
    i += 12 + length;
  }
  return out;
}

/** Where a JPEG's entropy-coded data starts (just after its start-of-scan header). */
function scanStart(jpeg: Buffer): number {
  for (let i = 2; i + 4 <= jpeg.length;) {
    const marker = jpeg[i + 1]!;
    const length = jpeg.readUInt16BE(i + 2);
    if (marker === 0xda) return i + 2 + length;
    i += 2 + length;
  }
  throw new Error('no start of scan');
}

const EOI = Buffer.from([0xff, 0xd9]);

/** A PNG whose IDAT holds bytes that are not zlib (with a correct CRC, so only decoding tells). */
export async function pngNotZlib(label = 'png-not-zlib'): Promise<Buffer> {
  const png = await sharp(await testPhoto(label))
    .png()
    .toBuffer();
  const chunks = pngChunks(png);
  const ihdr = chunks.find((c) => c.type === 'IHDR')!;
  const idatBytes = chunks.filter((c) => c.type === 'IDAT').reduce((n, c) => n + c.length, 0);
  const garbage = Buffer.alloc(idatBytes);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
  return Buffer.concat([
    png.subarray(0, 8),
    png.subarray(ihdr.start, ihdr.start + 12 + ihdr.length),
    pngChunk('IDAT', garbage),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The first half of a JPEG with the end-of-image marker appended: a cut upload made to look whole. */
async function jpegHalfWithEnd(label = 'jpeg-half'): Promise<Buffer> {
  const jpeg = await testPhoto(label);
  return Buffer.concat([jpeg.subarray(0, Math.floor(jpeg.length / 2)), EOI]);
}

/** Every header segment of a JPEG up to its scan header, then the end marker: no image data. */
export async function jpegHeaderOnly(label = 'jpeg-header-only'): Promise<Buffer> {
  const jpeg = await testPhoto(label);
  return Buffer.concat([jpeg.subarray(0, scanStart(jpeg)), EOI]);
}

/** A JPEG whose entropy-coded data is all zero bytes (same length as the real data). */
export async function jpegZeroScan(label = 'jpeg-zero-scan'): Promise<Buffer> {
  const jpeg = await testPhoto(label);
  const start = scanStart(jpeg);
  return Buffer.concat([jpeg.subarray(0, start), Buffer.alloc(jpeg.length - start - 2), EOI]);
}

/** A 400x300 JPEG whose frame header claims 7000x7000 (49 megapixels, under the pixel limit). */
export async function jpegClaims7000(label = 'jpeg-7000'): Promise<Buffer> {
  const jpeg = Buffer.from(await testPhoto(label, { width: 400, height: 300 }));
  for (let i = 2; i + 9 <= jpeg.length;) {
    const marker = jpeg[i + 1]!;
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      jpeg.writeUInt16BE(7000, i + 5); // height
      jpeg.writeUInt16BE(7000, i + 7); // width
      return jpeg;
    }
    i += 2 + jpeg.readUInt16BE(i + 2);
  }
  throw new Error('no frame header');
}

/** The first half of a WebP with its RIFF and VP8 lengths rewritten to match: looks whole. */
async function webpHalf(label = 'webp-half'): Promise<Buffer> {
  const webp = await sharp(await testPhoto(label))
    .webp()
    .toBuffer();
  const half = Buffer.from(webp.subarray(0, Math.floor(webp.length / 2) & ~1));
  half.writeUInt32LE(half.length - 8, 4); // RIFF size
  half.writeUInt32LE(half.length - 20, 16); // the one 'VP8 ' chunk's size
  return half;
}

/** Each photo of finding 5, by a name for test titles. */
export async function badPhotos(): Promise<[string, Buffer][]> {
  return [
    ['a PNG whose IDAT is not zlib', await pngNotZlib()],
    ['a JPEG cut in half with FFD9 appended', await jpegHalfWithEnd()],
    ['a header-only JPEG', await jpegHeaderOnly()],
    ['a JPEG whose scan is all zero bytes', await jpegZeroScan()],
    ['a JPEG whose header says 7000x7000 over 400x300 of data', await jpegClaims7000()],
    ['a WebP cut in half with its lengths rewritten', await webpHalf()],
  ];
}
