// Photos: valid JPEG/PNG/WebP (made by the target with sharp) and photos that are not whole.
import fc from 'fast-check';
import type { Expect } from './expect.ts';

export type ValidPhoto = {
  kind: 'valid';
  format: 'jpeg' | 'png' | 'webp';
  width: number;
  height: number;
  seed: number;
};
export type PhotoSpec =
  | ValidPhoto
  /** The first `keep` per mille of a valid photo. */
  | { kind: 'truncated'; of: ValidPhoto; keep: number }
  /** The first half of a JPEG with an end-of-image marker appended. */
  | { kind: 'jpegHalfEoi'; of: ValidPhoto }
  /** A JPEG's headers up to its start of scan, then the end marker: no image data. */
  | { kind: 'jpegHeaderOnly'; of: ValidPhoto }
  /** A JPEG whose scan data are all zero bytes. */
  | { kind: 'jpegZeroScan'; of: ValidPhoto }
  /** A JPEG whose frame header claims 7000x7000 over the data of a small image. */
  | { kind: 'jpegLiarHeader'; of: ValidPhoto }
  /** A PNG whose image data are not zlib. */
  | { kind: 'pngBadZlib'; of: ValidPhoto }
  /** The first half of a PNG with an IEND chunk appended. */
  | { kind: 'pngCutIend'; of: ValidPhoto }
  /** A valid photo with its first bytes replaced. */
  | { kind: 'wrongMagic'; of: ValidPhoto; magic: number[] }
  | { kind: 'zero' }
  /** A valid JPEG below the smallest size a form can be read at. */
  | { kind: 'tooSmall'; seed: number }
  | { kind: 'gif' }
  | { kind: 'random'; size: number; seed: number }
  /** A valid JPEG padded past the photo size limit. */
  | { kind: 'oversize' };

const validPhotoOf = (formats: ValidPhoto['format'][]): fc.Arbitrary<ValidPhoto> =>
  fc.record({
    kind: fc.constant('valid' as const),
    format: fc.constantFrom(...formats),
    width: fc.integer({ min: 200, max: 360 }),
    height: fc.integer({ min: 200, max: 360 }),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  });
export const validPhotoArb = validPhotoOf(['jpeg', 'png', 'webp']);
const validJpeg = validPhotoOf(['jpeg']);
const validPng = validPhotoOf(['png']);

export const brokenPhotoArb: fc.Arbitrary<PhotoSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('truncated' as const),
    of: validPhotoOf(['jpeg', 'png']),
    keep: fc.integer({ min: 1, max: 950 }),
  }),
  fc.record({ kind: fc.constant('jpegHalfEoi' as const), of: validJpeg }),
  fc.record({ kind: fc.constant('jpegHeaderOnly' as const), of: validJpeg }),
  fc.record({ kind: fc.constant('jpegZeroScan' as const), of: validJpeg }),
  fc.record({ kind: fc.constant('jpegLiarHeader' as const), of: validJpeg }),
  fc.record({ kind: fc.constant('pngBadZlib' as const), of: validPng }),
  fc.record({ kind: fc.constant('pngCutIend' as const), of: validPng }),
  fc.record({
    kind: fc.constant('wrongMagic' as const),
    of: validPhotoArb,
    magic: fc.constantFrom<number[]>(
      [0, 0, 0, 0],
      [0x47, 0x49, 0x46, 0x38],
      [0x25, 0x50, 0x44, 0x46],
      [0xff, 0xd8, 0x00, 0x00],
    ),
  }),
  fc.constantFrom<PhotoSpec>({ kind: 'zero' }, { kind: 'gif' }),
  fc.record({ kind: fc.constant('tooSmall' as const), seed: fc.nat(1000) }),
  fc.record({
    kind: fc.constant('random' as const),
    size: fc.integer({ min: 1, max: 40_000 }),
    seed: fc.nat(1_000_000),
  }),
);

/** Mostly broken photos, some whole ones, rarely one past the size limit. */
export const photoArb: fc.Arbitrary<PhotoSpec> = fc.oneof(
  { weight: 3, arbitrary: validPhotoArb },
  { weight: 6, arbitrary: brokenPhotoArb },
  { weight: 1, arbitrary: fc.constant<PhotoSpec>({ kind: 'oversize' }) },
);

export const photoExpect = (p: PhotoSpec): Expect => (p.kind === 'valid' ? 'accept' : 'refuse');
