import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODEL_URL } from './load-node.ts';
import { createDigitClassifier, parseModel, type DigitModel } from './model.ts';

/** The plain definition of the network, written the slow, obvious way, to check the fast one. */
function reference(model: DigitModel, input: Float32Array): number[] {
  let [c, h, w] = model.input;
  let x = Array.from(input);
  const at = (d: number[], ci: number, y: number, xx: number) =>
    y < 0 || xx < 0 || y >= h || xx >= w ? 0 : d[(ci * h + y) * w + xx]!;
  for (const l of model.layers) {
    if (l.type === 'conv') {
      const oh = h + 2 * l.pad - l.kernel + 1;
      const ow = w + 2 * l.pad - l.kernel + 1;
      const out: number[] = [];
      for (let o = 0; o < l.out; o++)
        for (let y = 0; y < oh; y++)
          for (let xx = 0; xx < ow; xx++) {
            let s = l.bias[o]!;
            for (let i = 0; i < l.in; i++)
              for (let ky = 0; ky < l.kernel; ky++)
                for (let kx = 0; kx < l.kernel; kx++)
                  s +=
                    l.weights[((o * l.in + i) * l.kernel + ky) * l.kernel + kx]! *
                    at(x, i, y + ky - l.pad, xx + kx - l.pad);
            out.push(s);
          }
      [c, h, w, x] = [l.out, oh, ow, out];
    } else if (l.type === 'relu') x = x.map((v) => Math.max(0, v));
    else if (l.type === 'maxpool') {
      const oh = Math.floor(h / l.size);
      const ow = Math.floor(w / l.size);
      const out: number[] = [];
      for (let ci = 0; ci < c; ci++)
        for (let y = 0; y < oh; y++)
          for (let xx = 0; xx < ow; xx++) {
            let m = -Infinity;
            for (let dy = 0; dy < l.size; dy++)
              for (let dx = 0; dx < l.size; dx++)
                m = Math.max(m, at(x, ci, y * l.size + dy, xx * l.size + dx));
            out.push(m);
          }
      [h, w, x] = [oh, ow, out];
    } else {
      const out: number[] = [];
      for (let o = 0; o < l.out; o++) {
        let s = l.bias[o]!;
        for (let i = 0; i < l.in; i++) s += l.weights[o * l.in + i]! * x[i]!;
        out.push(s);
      }
      [c, h, w, x] = [l.out, 1, 1, out];
    }
  }
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function random(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) / 2 ** 24;
  };
}

/** An RKDG file, as training/digits/train.py writes it. */
function encodeModel(
  input: [number, number, number],
  classes: string[],
  layers: (Record<string, number | string> & { type: string })[],
  next: () => number,
): Uint8Array {
  const weights: number[] = [];
  const tensor = (length: number) => {
    const ref = { offset: weights.length, length };
    for (let i = 0; i < length; i++) weights.push(next() - 0.5);
    return ref;
  };
  const specs = layers.map((l) => {
    if (l.type === 'conv') {
      const [i, o, k] = [l.in as number, l.out as number, l.kernel as number];
      return { ...l, weights: tensor(o * i * k * k), bias: tensor(o) };
    }
    if (l.type === 'dense')
      return {
        ...l,
        weights: tensor((l.out as number) * (l.in as number)),
        bias: tensor(l.out as number),
      };
    return l;
  });
  const header = new TextEncoder().encode(
    JSON.stringify({ format: 'rekap-digits', version: 1, classes, input, layers: specs }),
  );
  const bytes = new Uint8Array(8 + header.length + 4 * weights.length);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode('RKDG'));
  view.setUint32(4, header.length, true);
  bytes.set(header, 8);
  weights.forEach((w, i) => view.setFloat32(8 + header.length + 4 * i, w, true));
  return bytes;
}

function expectClose(got: Float32Array, want: number[], tolerance: number) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tolerance);
}

describe('digit model forward pass on the wasm backend', () => {
  const committed = readFileSync(MODEL_URL);

  it('equals the network computed the obvious way, on the committed model', async () => {
    const model = parseModel(committed);
    const classifier = await createDigitClassifier(committed);
    const next = random(1);
    const inputs = Array.from({ length: 5 }, () => new Float32Array(784).map(next));
    const got = classifier.predict(inputs);
    inputs.forEach((input, n) => expectClose(got[n]!, reference(model, input), 1e-4));
    classifier.dispose();
  });

  it('equals the obvious way on any stack of its layer types (channels, padding, odd sizes)', async () => {
    // 2 channels of 11 x 9: conv pad 1 -> 11 x 9, pool -> 5 x 4, conv k 2 -> 4 x 3, pool 3 -> 1 x 1.
    const bytes = encodeModel(
      [2, 11, 9],
      ['a', 'b', 'c', 'd', 'e'],
      [
        { type: 'conv', in: 2, out: 3, kernel: 3, pad: 1 },
        { type: 'relu' },
        { type: 'maxpool', size: 2 },
        { type: 'conv', in: 3, out: 4, kernel: 2, pad: 0 },
        { type: 'dense', in: 48, out: 7 },
        { type: 'relu' },
        { type: 'dense', in: 7, out: 5 },
      ],
      random(7),
    );
    const deep = encodeModel(
      [1, 12, 12],
      ['a', 'b', 'c'],
      [
        { type: 'conv', in: 1, out: 4, kernel: 5, pad: 2 },
        { type: 'maxpool', size: 3 },
        { type: 'relu' },
        { type: 'conv', in: 4, out: 2, kernel: 3, pad: 1 },
        { type: 'relu' },
        { type: 'dense', in: 32, out: 3 },
      ],
      random(8),
    );
    for (const file of [bytes, deep]) {
      const model = parseModel(file);
      const classifier = await createDigitClassifier(model);
      const [c, h, w] = model.input;
      const next = random(3);
      const inputs = Array.from({ length: 4 }, () =>
        new Float32Array(c * h * w).map(() => 4 * next() - 2),
      );
      const got = classifier.predict(inputs);
      inputs.forEach((input, n) => expectClose(got[n]!, reference(model, input), 1e-4));
      classifier.dispose();
    }
  });

  it('gives a batch the same results as its crops one by one', async () => {
    const classifier = await createDigitClassifier(committed);
    const next = random(5);
    const inputs = Array.from({ length: 66 }, () => new Float32Array(784).map(next));
    const batch = classifier.predict(inputs);
    expect(batch).toHaveLength(66);
    inputs.forEach((input, n) =>
      expectClose(batch[n]!, Array.from(classifier.predict([input])[0]!), 1e-6),
    );
    expect(classifier.predict([])).toEqual([]);
    expect(() => classifier.predict([new Float32Array(10)])).toThrow(/784 values/);
    classifier.dispose();
  });
});
