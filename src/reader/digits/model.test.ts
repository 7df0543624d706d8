import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODEL_URL } from './load-node.ts';
import { createDigitClassifier, halfToFloat, parseModel, type DigitModel } from './model.ts';

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

/**
 * The binary16 bits of a value that float16 holds exactly (the test's weights are chosen so):
 * throws on any other, so a test cannot pass by rounding here.
 */
function halfBits(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === 0) return sign;
  const e = Math.floor(Math.log2(a));
  const [exponent, fraction] = e < -14 ? [0, a / 2 ** -24] : [e + 15, (a / 2 ** e - 1) * 1024];
  if (!Number.isInteger(fraction) || exponent > 30) throw new Error(`${v} is not a float16 value`);
  return sign | (exponent << 10) | fraction;
}

/**
 * An RKDG file, as training/digits/train.py writes it: weights in `dtype` (float32 without a
 * dtype field when it is left out, as files were before float16). Weights are multiples of 2^-10
 * in [-0.5, 0.5), which float16 holds exactly, so both dtypes encode the same model.
 */
function encodeModel(
  input: [number, number, number],
  classes: string[],
  layers: (Record<string, number | string> & { type: string })[],
  next: () => number,
  dtype?: string,
): Uint8Array {
  const weights: number[] = [];
  const tensor = (length: number) => {
    const ref = { offset: weights.length, length };
    for (let i = 0; i < length; i++) weights.push(Math.floor(next() * 1024) / 1024 - 0.5);
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
    JSON.stringify({ format: 'rekap-digits', version: 1, dtype, classes, input, layers: specs }),
  );
  const size = dtype === 'float16' ? 2 : 4;
  const bytes = new Uint8Array(8 + header.length + size * weights.length);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode('RKDG'));
  view.setUint32(4, header.length, true);
  bytes.set(header, 8);
  const start = 8 + header.length;
  weights.forEach((w, i) =>
    size === 2
      ? view.setUint16(start + 2 * i, halfBits(w), true)
      : view.setFloat32(start + 4 * i, w, true),
  );
  return bytes;
}

type LayerSpecs = Parameters<typeof encodeModel>[2];

const SMALL_NET: LayerSpecs = [
  { type: 'conv', in: 1, out: 2, kernel: 3, pad: 1 },
  { type: 'relu' },
  { type: 'maxpool', size: 2 },
  { type: 'dense', in: 18, out: 3 },
];

function weightsOf(model: DigitModel): number[] {
  return model.layers.flatMap((l) =>
    l.type === 'conv' || l.type === 'dense' ? [...l.weights, ...l.bias] : [],
  );
}

function expectClose(got: Float32Array, want: number[], tolerance: number) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tolerance);
}

describe('float16 weights', () => {
  it('reads binary16 bits as their exact values', () => {
    const cases: [number, number][] = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125], // the float16 nearest 1/3
      [0x3bff, 1 - 2 ** -11], // the largest value under 1
      [0x0400, 2 ** -14], // the smallest normal
      [0x03ff, 1023 * 2 ** -24], // the largest subnormal
      [0x0001, 2 ** -24], // the smallest subnormal
      [0x7bff, 65504], // the largest finite
      [0x0000, 0],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    for (const [bits, value] of cases) {
      expect(halfToFloat(bits)).toBe(value);
      if (Number.isFinite(value)) expect(halfBits(value)).toBe(bits);
    }
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('parses a float16 file to the same weights as the float32 file of the same model', () => {
    const encode = (dtype?: string) =>
      encodeModel([1, 6, 6], ['a', 'b', 'c'], SMALL_NET, random(11), dtype);
    const half = encode('float16');
    const single = encode('float32');
    expect(half.length).toBeLessThan(single.length);
    const weights = weightsOf(parseModel(half));
    expect(weights).toHaveLength(2 * 9 + 2 + 18 * 3 + 3);
    expect(weights).toEqual(weightsOf(parseModel(single)));
    expect(weights).toEqual(weightsOf(parseModel(encode())));
    expect(new Set(weights).size).toBeGreaterThan(50); // not all one value
  });

  it('refuses an unknown weight dtype, and a float16 file cut short', () => {
    const bad = encodeModel([1, 6, 6], ['a', 'b', 'c'], SMALL_NET, random(11), 'bfloat16');
    expect(() => parseModel(bad)).toThrow(
      /unsupported weight dtype bfloat16 \(float32 or float16\)/,
    );
    const half = encodeModel([1, 6, 6], ['a', 'b', 'c'], SMALL_NET, random(11), 'float16');
    expect(() => parseModel(half.subarray(0, half.length - 2))).toThrow(/tensor size/);
  });

  it('is the format of the committed model, half the float32 file', () => {
    const bytes = readFileSync(MODEL_URL);
    const header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(8, 8 + bytes.readUInt32LE(4))),
    ) as { dtype?: string };
    expect(header.dtype).toBe('float16');
    expect(bytes.length).toBeLessThan(230_000);
  });
});

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
