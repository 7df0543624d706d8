// One realistic-sized JPEG for the ingest benchmark, made unique per request by a counter written
// into a JPEG comment (COM) segment right after the start-of-image marker: the file stays a valid,
// complete JPEG (header, all segments, end-of-image marker), and every request has a new sha256.
import sharp from 'sharp';

/** Bytes of the counter field inside the COM segment (decimal ASCII, zero-padded). */
const STAMP_DIGITS = 16;
const COM_TAG = 'rekap-bench:';

export type StampablePhoto = {
  bytes: Buffer;
  /** Where the counter digits start within `bytes`. */
  stampOffset: number;
};

/** Noise that JPEG cannot compress away, a bit like a photographed page's paper grain. */
function noise(width: number, height: number, seed: number): Buffer {
  const raw = Buffer.alloc(width * height);
  let s = seed >>> 0;
  for (let i = 0; i < raw.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    raw[i] = 176 + ((s >>> 16) % 48);
  }
  return raw;
}

/** A grey-noise JPEG of about `targetBytes`, with an empty stamp field. */
export async function makeStampablePhoto(targetBytes = 200 * 1024): Promise<StampablePhoto> {
  const width = 900;
  const height = 1200;
  const raw = noise(width, height, 2024);
  let best: Buffer | undefined;
  for (let quality = 40; quality <= 95; quality += 5) {
    const jpeg = await sharp(raw, { raw: { width, height, channels: 1 } })
      .jpeg({ quality })
      .toBuffer();
    if (!best || Math.abs(jpeg.length - targetBytes) < Math.abs(best.length - targetBytes))
      best = jpeg;
  }
  const jpeg = best!;
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('sharp did not produce a JPEG');
  const payload = Buffer.from(COM_TAG + '0'.repeat(STAMP_DIGITS), 'latin1');
  const com = Buffer.alloc(4 + payload.length);
  com[0] = 0xff;
  com[1] = 0xfe; // COM
  com.writeUInt16BE(2 + payload.length, 2);
  payload.copy(com, 4);
  const bytes = Buffer.concat([jpeg.subarray(0, 2), com, jpeg.subarray(2)]);
  return { bytes, stampOffset: 2 + 4 + COM_TAG.length };
}

/** Writes `n` into the stamp field of a copy of the photo (at `offset` within `target`). */
export function writeStamp(target: Buffer, offset: number, n: number): void {
  target.write(String(n).padStart(STAMP_DIGITS, '0'), offset, STAMP_DIGITS, 'latin1');
}

/** Checks that a stamped copy still decodes fully (run once before a benchmark). */
export async function assertDecodable(bytes: Buffer): Promise<void> {
  const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  if (info.width < 200 || info.height < 200) throw new Error('stamped photo does not decode');
}
