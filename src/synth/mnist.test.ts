import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mnistHandwriting, mnistTestDigits, readIdx } from './mnist.ts';
import { createRandom } from '../core/random.ts';

describe('MNIST test digits as handwriting for the synthetic camera', () => {
  const digits = mnistTestDigits();

  it('holds all 10,000 test digits (minus blank ones) by label, cropped to their ink', () => {
    let total = 0;
    for (let d = 0; d <= 9; d++) {
      const list = digits.get(d)!;
      expect(list.length).toBeGreaterThan(800);
      total += list.length;
    }
    expect(total).toBeGreaterThan(9_990);
    const one = digits.get(1)![0]!;
    expect(one.width).toBe(one.height); // centred in a square: a 1 stays narrow
    expect(one.width).toBeLessThanOrEqual(28);
    // Black ink on white: the border is paper, the middle has ink.
    expect(one.data[0]).toBe(255);
    expect(Math.min(...one.data)).toBeLessThan(60);
  });

  it('draws digits from MNIST and X marks as strokes, the same for the same seed', () => {
    const source = mnistHandwriting(digits);
    const a = source('7', createRandom(5));
    const b = source('7', createRandom(5));
    expect(a).toBe(b);
    expect(digits.get(7)).toContain(a);
    const x = source('x', createRandom(5));
    // A cross: ink where the strokes meet, in the middle.
    expect(x.data[(x.height >> 1) * x.width + (x.width >> 1)]).toBeLessThan(128);
  });

  it('refuses a file that is not IDX, and a truncated one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rekap-idx-'));
    try {
      await writeFile(join(dir, 'bad'), 'hello world');
      expect(() => readIdx(join(dir, 'bad'))).toThrow(/not an unsigned-byte IDX file/);
      await writeFile(join(dir, 'short'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 9, 1, 2]));
      expect(() => readIdx(join(dir, 'short'))).toThrow(/truncated/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
