import { describe, expect, it } from 'vitest';
import { grayImage, type GrayImage } from '../image.ts';
import { INPUT_SIZE, preprocessBox } from './preprocess.ts';
import { mulberry32 } from '../../core/random.ts';
import { synthBox } from '../../synth/digit-box.ts';

/** A 44x48 crop: paper 220, a 2-px border at 2 px from the edges, a dotted guide, optional ink. */
function box(ink?: (img: GrayImage) => void): GrayImage {
  const img = grayImage(44, 48, 220);
  const set = (x: number, y: number, v: number) => (img.data[y * img.width + x] = v);
  for (let t = 2; t < 4; t++) {
    for (let x = 2; x < 42; x++) for (const y of [t, 47 - t]) set(x, y, 40);
    for (let y = 2; y < 46; y++) for (const x of [t, 43 - t]) set(x, y, 40);
  }
  for (let y = 8; y < 40; y += 3) for (const x of [14, 29]) set(x, y, 185);
  for (let x = 14; x < 30; x += 3) for (const y of [8, 24, 39]) set(x, y, 185);
  ink?.(img);
  return img;
}

function centreOfMass(input: Float32Array): [number, number] {
  let m = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < INPUT_SIZE; y++)
    for (let x = 0; x < INPUT_SIZE; x++) {
      const v = input[y * INPUT_SIZE + x]!;
      m += v;
      cx += v * x;
      cy += v * y;
    }
  return [cx / m, cy / m];
}

describe('preprocessBox', () => {
  it('removes the border and the dotted guide of an empty box', () => {
    const p = preprocessBox(box());
    expect(p.inkShare).toBe(0);
    expect(p.input.every((v) => v === 0)).toBe(true);
    expect(p.inner.x0).toBeGreaterThanOrEqual(4);
    expect(p.inner.y1).toBeLessThanOrEqual(43);
  });

  it('keeps an off-centre stroke, scaled to 20 px high and centred by mass', () => {
    // A thick vertical bar in the left part of the box, like a "1" written off-centre.
    const p = preprocessBox(
      box((img) => {
        for (let y = 12; y < 36; y++) for (let x = 9; x < 12; x++) img.data[y * img.width + x] = 30;
      }),
    );
    expect(p.inkShare).toBeGreaterThan(0);
    const [cx, cy] = centreOfMass(p.input);
    expect(Math.abs(cx - 13.5)).toBeLessThan(1);
    expect(Math.abs(cy - 13.5)).toBeLessThan(1);
    // Nothing of the border survives: the outer 3 pixels of the 28x28 input are empty.
    for (let y = 0; y < INPUT_SIZE; y++)
      for (let x = 0; x < INPUT_SIZE; x++)
        if (x < 3 || y < 3 || x > 24 || y > 24) expect(p.input[y * INPUT_SIZE + x]).toBe(0);
    let rows = 0;
    for (let y = 0; y < INPUT_SIZE; y++)
      if (p.input.subarray(y * 28, y * 28 + 28).some((v) => v > 0.1)) rows++;
    expect(rows).toBeGreaterThanOrEqual(19);
    expect(rows).toBeLessThanOrEqual(21);
  });

  it('keeps a faint pen stroke that a fixed cut-off would drop (adaptive ink cut)', () => {
    // Pen only 35 grey levels under the paper, as light as the guide dots, with a black border:
    // 0.19 of the border-based contrast span, under the old fixed 0.3 cut-off.
    const p = preprocessBox(
      box((img) => {
        for (let y = 12; y < 36; y++)
          for (let x = 20; x < 23; x++) img.data[y * img.width + x] = 185;
      }),
    );
    expect(p.inkShare).toBeGreaterThan(0);
    let rows = 0;
    for (let y = 0; y < INPUT_SIZE; y++)
      if (p.input.subarray(y * 28, y * 28 + 28).some((v) => v > 0.1)) rows++;
    expect(rows).toBeGreaterThanOrEqual(19);
  });

  it('turns most synthetic empty boxes into empty inputs', () => {
    // The adaptive cut-off (down to 0.15 where nothing inside the box is dark) lets the blotches of
    // the noisiest synthetic empties through (about 1 in 5); the model learns those as `x`.
    const r = mulberry32(7);
    let empty = 0;
    for (let i = 0; i < 100; i++)
      if (preprocessBox(synthBox(r, { kind: 'empty' })).inkShare === 0) empty++;
    expect(empty).toBeGreaterThanOrEqual(75);
  });

  it('survives degenerate images', () => {
    expect(preprocessBox(grayImage(1, 1)).inkShare).toBe(0);
    expect(preprocessBox({ width: 0, height: 0, data: new Uint8Array(0) }).input).toHaveLength(784);
    expect(preprocessBox(grayImage(30, 30, 0)).input).toHaveLength(784);
  });
});
