// The digit model: parsing the weights file and the forward pass, in plain TypeScript (Float32Array
// loops), so it runs unchanged in Node and in the browser. No file access here: see load-node.ts.
//
// File format (written by training/digits/train.py): "RKDG", a little-endian u32 header length,
// a JSON header of that many bytes ({ format, version, classes, input, layers }, each weighted
// layer naming { offset, length } in floats), then the float32 little-endian weights.

export type TensorRef = { offset: number; length: number };

type ConvSpec = {
  type: 'conv';
  in: number;
  out: number;
  kernel: number;
  pad: number;
  weights: TensorRef;
  bias: TensorRef;
};
type DenseSpec = { type: 'dense'; in: number; out: number; weights: TensorRef; bias: TensorRef };
type LayerSpec = ConvSpec | DenseSpec | { type: 'relu' } | { type: 'maxpool'; size: number };

export type Layer =
  | {
      type: 'conv';
      in: number;
      out: number;
      kernel: number;
      pad: number;
      weights: Float32Array;
      bias: Float32Array;
    }
  | { type: 'dense'; in: number; out: number; weights: Float32Array; bias: Float32Array }
  | { type: 'relu' }
  | { type: 'maxpool'; size: number };

export type DigitModel = {
  classes: string[];
  /** [channels, height, width] */
  input: [number, number, number];
  layers: Layer[];
};

type Header = {
  format: string;
  version: number;
  classes: string[];
  input: [number, number, number];
  layers: LayerSpec[];
};

/** Parse a model file. Throws on a malformed file (a bug or a corrupt checkout, not user input). */
export function parseModel(bytes: Uint8Array): DigitModel {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'RKDG') throw new Error('digit model: not an RKDG file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)),
  ) as Header;
  if (header.format !== 'rekap-digits' || header.version !== 1)
    throw new Error(`digit model: unsupported format ${header.format} v${header.version}`);
  const dataStart = 8 + headerLength;
  const floats = (bytes.byteLength - dataStart) >> 2;
  // Copy into an aligned buffer, reading little-endian regardless of the platform.
  const data = new Float32Array(floats);
  for (let i = 0; i < floats; i++) data[i] = view.getFloat32(dataStart + 4 * i, true);
  const tensor = (ref: TensorRef, expected: number): Float32Array => {
    if (ref.length !== expected || ref.offset + ref.length > floats)
      throw new Error('digit model: tensor size does not match its layer');
    return data.subarray(ref.offset, ref.offset + ref.length);
  };
  const layers = header.layers.map((l): Layer => {
    switch (l.type) {
      case 'conv':
        return {
          ...l,
          weights: tensor(l.weights, l.out * l.in * l.kernel * l.kernel),
          bias: tensor(l.bias, l.out),
        };
      case 'dense':
        return { ...l, weights: tensor(l.weights, l.out * l.in), bias: tensor(l.bias, l.out) };
      case 'relu':
        return l;
      case 'maxpool':
        return l;
    }
  });
  return { classes: header.classes, input: header.input, layers };
}

type Tensor = { c: number; h: number; w: number; data: Float32Array };

/**
 * Convolution as one matrix product: the input's patches are laid out once (im2col, zero padding
 * included), then each output channel is a dot product with each patch. Tight inner loops over
 * contiguous memory: several times faster in JavaScript than sliding the kernel.
 */
function conv(t: Tensor, l: Extract<Layer, { type: 'conv' }>): Tensor {
  const { h, w } = t;
  const k = l.kernel;
  const oh = h + 2 * l.pad - k + 1;
  const ow = w + 2 * l.pad - k + 1;
  const patch = l.in * k * k;
  const positions = oh * ow;
  const cols = new Float32Array(positions * patch);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      let o = (y * ow + x) * patch;
      for (let i = 0; i < l.in; i++) {
        const src = i * h * w;
        for (let ky = 0; ky < k; ky++) {
          const sy = y + ky - l.pad;
          for (let kx = 0; kx < k; kx++, o++) {
            const sx = x + kx - l.pad;
            cols[o] = sy >= 0 && sy < h && sx >= 0 && sx < w ? t.data[src + sy * w + sx]! : 0;
          }
        }
      }
    }
  const out = new Float32Array(l.out * positions);
  const wts = l.weights;
  for (let o = 0; o < l.out; o++) {
    const wo = o * patch;
    const bias = l.bias[o]!;
    const plane = o * positions;
    for (let p = 0; p < positions; p++) {
      const cp = p * patch;
      let acc = bias;
      for (let j = 0; j < patch; j++) acc += wts[wo + j]! * cols[cp + j]!;
      out[plane + p] = acc;
    }
  }
  return { c: l.out, h: oh, w: ow, data: out };
}

function maxpool(t: Tensor, size: number): Tensor {
  const oh = Math.floor(t.h / size);
  const ow = Math.floor(t.w / size);
  const out = new Float32Array(t.c * oh * ow);
  for (let c = 0; c < t.c; c++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let m = -Infinity;
        for (let dy = 0; dy < size; dy++)
          for (let dx = 0; dx < size; dx++) {
            const v = t.data[(c * t.h + y * size + dy) * t.w + x * size + dx]!;
            if (v > m) m = v;
          }
        out[(c * oh + y) * ow + x] = m;
      }
    }
  }
  return { c: t.c, h: oh, w: ow, data: out };
}

function dense(t: Tensor, l: Extract<Layer, { type: 'dense' }>): Tensor {
  const out = new Float32Array(l.out);
  for (let o = 0; o < l.out; o++) {
    let acc = l.bias[o]!;
    const row = o * l.in;
    for (let i = 0; i < l.in; i++) acc += l.weights[row + i]! * t.data[i]!;
    out[o] = acc;
  }
  return { c: l.out, h: 1, w: 1, data: out };
}

/** Class probabilities (softmax of the logits) for one input of the model's input shape. */
export function predict(model: DigitModel, input: Float32Array): Float32Array {
  const [c, h, w] = model.input;
  if (input.length !== c * h * w)
    throw new Error(`digit model: input must have ${c * h * w} values`);
  let t: Tensor = { c, h, w, data: input };
  for (const l of model.layers) {
    switch (l.type) {
      case 'conv':
        t = conv(t, l);
        break;
      case 'dense':
        t = dense(t, l);
        break;
      case 'relu': {
        const d = new Float32Array(t.data.length);
        for (let i = 0; i < d.length; i++) d[i] = t.data[i]! > 0 ? t.data[i]! : 0;
        t = { ...t, data: d };
        break;
      }
      case 'maxpool':
        t = maxpool(t, l.size);
        break;
    }
  }
  const logits = t.data;
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const probs = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += probs[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < probs.length; i++) probs[i]! /= sum;
  return probs;
}
