// One realistic-sized JPEG, made unique per request by a counter written into a JPEG comment (COM)
// segment right after the start-of-image marker: the file stays a valid, complete JPEG (header, all
// segments, end-of-image marker) that the server's full decode check (src/server/photos.ts)
// accepts, and every request has a new sha256 for the price of a copy. Used by `rekap loadgen` and
// by the benchmarks (bench/photo.ts re-exports it).
import sharp from 'sharp';

/** Bytes of the counter field inside the COM segment (decimal ASCII, zero-padded). */
export const STAMP_DIGITS = 16;
const COM_TAG = 'rekap-bench:';
/** The most payload one JPEG segment holds (its length field counts itself: 65535 - 2). */
const MAX_SEGMENT_PAYLOAD = 65_533;

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

function comSegment(payload: Buffer): Buffer {
  const com = Buffer.alloc(4 + payload.length);
  com[0] = 0xff;
  com[1] = 0xfe; // COM
  com.writeUInt16BE(2 + payload.length, 2);
  payload.copy(com, 4);
  return com;
}

/**
 * A grey-noise JPEG of about `targetBytes`, with an empty stamp field. The picture is 900x1200
 * (a form page the server's reader would take), larger for targets beyond what that size gives;
 * what the best quality leaves short of the target is made up with comment segments, which cost
 * the server's decoder nothing, so that any size is cheap to build.
 */
export async function makeStampablePhoto(targetBytes = 200 * 1024): Promise<StampablePhoto> {
  const scale = Math.max(1, Math.sqrt(targetBytes / (400 * 1024)));
  const width = Math.round(900 * scale);
  const height = Math.round(1200 * scale);
  const raw = noise(width, height, 2024);
  let best: Buffer | undefined;
  for (let quality = 40; quality <= 95; quality += 5) {
    const jpeg = await sharp(raw, { raw: { width, height, channels: 1 } })
      .jpeg({ quality })
      .toBuffer();
    const better =
      !best || Math.abs(jpeg.length - targetBytes) < Math.abs(best.length - targetBytes);
    // Never above the target when a smaller one exists: padding can only add bytes.
    if (better && (jpeg.length <= targetBytes || !best)) best = jpeg;
  }
  const jpeg = best!;
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('sharp did not produce a JPEG');
  const stamp = comSegment(Buffer.from(COM_TAG + '0'.repeat(STAMP_DIGITS), 'latin1'));
  const padding: Buffer[] = [];
  let missing = targetBytes - jpeg.length - stamp.length;
  while (missing > 4) {
    const n = Math.min(MAX_SEGMENT_PAYLOAD, missing - 4);
    padding.push(comSegment(Buffer.alloc(n, 0x20)));
    missing -= n + 4;
  }
  const bytes = Buffer.concat([jpeg.subarray(0, 2), stamp, ...padding, jpeg.subarray(2)]);
  return { bytes, stampOffset: 2 + 4 + COM_TAG.length };
}

/** Writes `n` into the stamp field of a copy of the photo (at `offset` within `target`). */
export function writeStamp(target: Buffer, offset: number, n: number): void {
  target.write(String(n).padStart(STAMP_DIGITS, '0'), offset, STAMP_DIGITS, 'latin1');
}

/** Checks that a stamped copy still decodes fully (run once before a load). */
export async function assertDecodable(bytes: Buffer): Promise<void> {
  const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  if (info.width < 200 || info.height < 200) throw new Error('stamped photo does not decode');
}
