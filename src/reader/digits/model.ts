// The digit model: parsing the weights file, and the forward pass on TensorFlow.js's WebAssembly
// backend (XNNPACK kernels), the same code in Node and in the browser. No file access here: see
// load-node.ts for Node.
//
// File format (written by training/digits/train.py): "RKDG", a little-endian u32 header length,
// a JSON header of that many bytes ({ format, version, dtype, classes, input, layers }, each
// weighted layer naming { offset, length } in weights), then the little-endian weights: IEEE
// float16 when dtype is "float16" (what train.py writes), float32 when it is "float32" or absent
// (the files written before dtype existed). Either way they are read into Float32Arrays. Layouts
// are PyTorch's: conv weights [out][in][k][k], dense weights [out][in], the input of the first
// dense layer flattened in C, H, W order.

import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

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

/** How the weights are stored; a file without the field holds float32. */
export type WeightDtype = 'float32' | 'float16';
const BYTES_PER_WEIGHT: Record<WeightDtype, number> = { float32: 4, float16: 2 };

type Header = {
  format: string;
  version: number;
  dtype?: string;
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
  const dtype = header.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float16')
    throw new Error(`digit model: unsupported weight dtype ${dtype} (float32 or float16)`);
  const dataStart = 8 + headerLength;
  const floats = Math.floor((bytes.byteLength - dataStart) / BYTES_PER_WEIGHT[dtype]);
  // Copy into an aligned buffer, reading little-endian regardless of the platform.
  const data = new Float32Array(floats);
  if (dtype === 'float32')
    for (let i = 0; i < floats; i++) data[i] = view.getFloat32(dataStart + 4 * i, true);
  else
    for (let i = 0; i < floats; i++) data[i] = halfToFloat(view.getUint16(dataStart + 2 * i, true));
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

/**
 * An IEEE 754 half-precision value (binary16 bits) as a number, exactly: 1 sign bit, 5 exponent
 * bits (bias 15), 10 fraction bits; exponent 0 is zero or subnormal, 31 is infinity or NaN.
 */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** A model made ready to run: class probabilities for a batch of inputs, synchronously. */
export type DigitClassifier = {
  classes: string[];
  /** [channels, height, width] */
  input: [number, number, number];
  /**
   * Class probabilities (softmax of the logits) for each input, one forward pass for the whole
   * batch. Each input holds channels * height * width values in C, H, W order.
   */
  predict(inputs: readonly Float32Array[]): Float32Array[];
  /** Frees the weights held by the backend. */
  dispose(): void;
};

export type ClassifierOptions = {
  /**
   * Where the backend's .wasm files are, as a URL or path prefix ending in '/'. In Node leave it
   * out: they are read from node_modules/@tensorflow/tfjs-backend-wasm/dist/. In the browser,
   * serve (and precache, for offline use) tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm
   * and tfjs-backend-wasm-threaded-simd.wasm from that package's dist/ folder and pass their
   * folder, e.g. '/assets/tfjs/'. Only the first call's value counts: the backend is set up once.
   */
  wasmPaths?: string;
};

let backendReady: Promise<void> | undefined;

/** Starts TensorFlow.js on its wasm backend, once per process or page. */
function wasmBackend(wasmPaths: string | undefined): Promise<void> {
  backendReady ??= (async () => {
    if (wasmPaths !== undefined) setWasmPaths(wasmPaths);
    if (!(await tf.setBackend('wasm')))
      throw new Error('digit model: the wasm backend failed to start');
  })();
  return backendReady;
}

type Step =
  | { type: 'conv'; filter: tf.Tensor4D; bias: tf.Tensor1D; pad: number; relu: boolean }
  | { type: 'dense'; weights: tf.Tensor2D; bias: tf.Tensor1D; relu: boolean; flatten: boolean }
  | { type: 'relu' }
  | { type: 'maxpool'; size: number };

/**
 * Builds the network from a parsed model (any sequence of its layer types) on the wasm backend.
 * Tensors run in NHWC, the layout TensorFlow.js's kernels take; a relu right after a conv or
 * dense layer is fused into it.
 */
export async function createDigitClassifier(
  bytesOrModel: Uint8Array | DigitModel,
  options: ClassifierOptions = {},
): Promise<DigitClassifier> {
  const model = bytesOrModel instanceof Uint8Array ? parseModel(bytesOrModel) : bytesOrModel;
  await wasmBackend(options.wasmPaths);
  const [c, h, w] = model.input;
  const size = c * h * w;
  const steps: Step[] = [];
  let flattened = false;
  model.layers.forEach((l, i) => {
    const relu = model.layers[i + 1]?.type === 'relu';
    switch (l.type) {
      case 'conv': {
        // [out][in][k][k] -> [k][k][in][out]
        const filter = tf.tidy(() =>
          tf.transpose(tf.tensor4d(l.weights, [l.out, l.in, l.kernel, l.kernel]), [2, 3, 1, 0]),
        );
        steps.push({ type: 'conv', filter, bias: tf.tensor1d(l.bias), pad: l.pad, relu });
        break;
      }
      case 'dense':
        steps.push({
          type: 'dense',
          // [out][in] -> [in][out]. (The wasm backend's fused matMul with transposeB adds the bias
          // to the wrong outputs in tfjs 4.22, so the weights are transposed once here instead.)
          weights: tf.tidy(() => tf.transpose(tf.tensor2d(l.weights, [l.out, l.in]))),
          bias: tf.tensor1d(l.bias),
          relu,
          flatten: !flattened,
        });
        flattened = true;
        break;
      case 'relu': {
        const previous = model.layers[i - 1]?.type;
        if (previous !== 'conv' && previous !== 'dense') steps.push(l);
        break;
      }
      case 'maxpool':
        steps.push(l);
        break;
    }
  });
  const held = steps.flatMap((s): tf.Tensor[] =>
    s.type === 'conv' ? [s.filter, s.bias] : s.type === 'dense' ? [s.weights, s.bias] : [],
  );
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    let t: tf.Tensor = x;
    for (const s of steps) {
      switch (s.type) {
        case 'conv':
          t = tf.fused.conv2d({
            x: t as tf.Tensor4D,
            filter: s.filter,
            strides: 1,
            pad: s.pad,
            bias: s.bias,
            activation: s.relu ? 'relu' : 'linear',
          });
          break;
        case 'dense': {
          // Flatten NHWC as PyTorch does NCHW: channels first.
          const a = s.flatten ? tf.reshape(tf.transpose(t, [0, 3, 1, 2]), [t.shape[0], -1]) : t;
          t = tf.fused.matMul({
            a,
            b: s.weights,
            bias: s.bias,
            activation: s.relu ? 'relu' : 'linear',
          });
          break;
        }
        case 'relu':
          t = tf.relu(t);
          break;
        case 'maxpool':
          t = tf.maxPool(t as tf.Tensor4D, s.size, s.size, 'valid');
          break;
      }
    }
    return t as tf.Tensor2D;
  };
  return {
    classes: model.classes,
    input: model.input,
    predict(inputs) {
      if (inputs.length === 0) return [];
      const batch = new Float32Array(inputs.length * size);
      inputs.forEach((input, i) => {
        if (input.length !== size) throw new Error(`digit model: input must have ${size} values`);
        batch.set(input, i * size);
      });
      const probs = tf.tidy(() =>
        tf.softmax(
          forward(tf.transpose(tf.tensor4d(batch, [inputs.length, c, h, w]), [0, 2, 3, 1])),
        ),
      );
      const data = probs.dataSync() as Float32Array;
      probs.dispose();
      const classes = model.classes.length;
      return inputs.map((_, i) => data.slice(i * classes, (i + 1) * classes));
    },
    dispose() {
      held.forEach((t) => t.dispose());
    },
  };
}
