// The bytes of a generated photo: whole JPEG/PNG/WebP made with sharp (cached), or one that is not
// whole (cut, with an end marker appended, a lying header, another format).
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { mulberry32 } from '../../../src/core/random.ts';
import type { PhotoSpec, ValidPhoto } from '../generators/photos.ts';

const photoCache = new Map<string, Buffer>();

async function validPhotoBytes(p: ValidPhoto): Promise<Buffer> {
  const next = mulberry32(p.seed);
  const raw = Buffer.alloc(p.width * p.height);
  for (let i = 0; i < raw.length; i++) raw[i] = 180 + Math.floor(next() * 60);
  const img = sharp(raw, { raw: { width: p.width, height: p.height, channels: 1 } });
  return p.format === 'jpeg'
    ? img.jpeg({ quality: 70 }).toBuffer()
    : p.format === 'png'
      ? img.png().toBuffer()
      : img.webp({ quality: 70 }).toBuffer();
}

/** Where a JPEG's start-of-scan header ends (the image data begin), and where its SOF is. */
function jpegLayout(b: Buffer): { sof: number; scan: number } {
  let i = 2;
  let sof = -1;
  while (i + 4 <= b.length) {
    const marker = b[i + 1]!;
    const len = b.readUInt16BE(i + 2);
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) sof = i;
    if (marker === 0xda) return { sof, scan: i + 2 + len };
    i += 2 + len;
  }
  throw new Error('no start of scan');
}

function pngChunks(b: Buffer): { type: string; start: number; data: Buffer }[] {
  const out = [];
  for (let i = 8; i + 12 <= b.length;) {
    const len = b.readUInt32BE(i);
    out.push({
      type: b.toString('latin1', i + 4, i + 8),
      start: i,
      data: b.subarray(i + 8, i + 8 + len),
    });
    i += 12 + len;
  }
  return out;
}

const IEND = Buffer.from('0000000049454e44ae426082', 'hex');
const EOI = Buffer.from([0xff, 0xd9]);
/** A whole 1x1 GIF. */
const GIF = Buffer.from(
  '47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b',
  'hex',
);

export async function photoBytes(p: PhotoSpec): Promise<Buffer> {
  const key = JSON.stringify(p);
  const cached = photoCache.get(key);
  if (cached) return cached;
  const bytes = await makePhoto(p);
  if (photoCache.size > 300) photoCache.delete(photoCache.keys().next().value!);
  photoCache.set(key, bytes);
  return bytes;
}

async function makePhoto(p: PhotoSpec): Promise<Buffer> {
  switch (p.kind) {
    case 'valid':
      return validPhotoBytes(p);
    case 'truncated': {
      const b = await photoBytes(p.of);
      return b.subarray(0, Math.max(1, Math.floor((b.length * p.keep) / 1000)));
    }
    case 'jpegHalfEoi': {
      const b = await photoBytes(p.of);
      return Buffer.concat([b.subarray(0, Math.floor(b.length / 2)), EOI]);
    }
    case 'jpegHeaderOnly': {
      const b = await photoBytes(p.of);
      return Buffer.concat([b.subarray(0, jpegLayout(b).scan), EOI]);
    }
    case 'jpegZeroScan': {
      const b = await photoBytes(p.of);
      const { scan } = jpegLayout(b);
      return Buffer.concat([b.subarray(0, scan), Buffer.alloc(b.length - scan - 2), EOI]);
    }
    case 'jpegLiarHeader': {
      const b = Buffer.from(await photoBytes(p.of));
      const { sof } = jpegLayout(b);
      b.writeUInt16BE(7000, sof + 5);
      b.writeUInt16BE(7000, sof + 7);
      return b;
    }
    case 'pngBadZlib': {
      const b = Buffer.from(await photoBytes(p.of));
      const next = mulberry32(p.of.seed + 1);
      for (const c of pngChunks(b))
        if (c.type === 'IDAT') {
          for (let i = 0; i < c.data.length; i++) c.data[i] = Math.floor(next() * 256);
          b.writeUInt32BE(
            crc32(b.subarray(c.start + 4, c.start + 8 + c.data.length)),
            c.start + 8 + c.data.length,
          );
        }
      return b;
    }
    case 'pngCutIend': {
      const b = await photoBytes(p.of);
      return Buffer.concat([b.subarray(0, Math.floor(b.length / 2)), IEND]);
    }
    case 'wrongMagic': {
      const b = Buffer.from(await photoBytes(p.of));
      Buffer.from(p.magic).copy(b, 0);
      return b;
    }
    case 'zero':
      return Buffer.alloc(0);
    case 'tooSmall':
      return photoBytes({ kind: 'valid', format: 'jpeg', width: 120, height: 120, seed: p.seed });
    case 'gif':
      return GIF;
    case 'random': {
      const next = mulberry32(p.seed);
      return Buffer.from(Array.from({ length: p.size }, () => Math.floor(next() * 256)));
    }
    case 'oversize': {
      const b = await photoBytes({
        kind: 'valid',
        format: 'jpeg',
        width: 480,
        height: 480,
        seed: 1,
      });
      return Buffer.concat([
        b.subarray(0, b.length - 2),
        Buffer.alloc(15 * 1024 * 1024 + 1 - b.length),
        EOI,
      ]);
    }
  }
}
