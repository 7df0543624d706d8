// Builds the digit model's training and test tensors with the same TypeScript preprocessing the
// reader uses at inference (src/reader/digits/preprocess.ts). Python (train.py) only reads them.
//
//   node bin/run-ts.mjs training/digits/prepare.ts [OUT_DIR]   (default training/digits/.cache)
//
// Writes OUT_DIR/data.bin: per sample 784 bytes (28x28 ink, 255 = ink), 1 byte label (0-9, 10 = x),
// 1 byte set (see SETS); and OUT_DIR/meta.json (counts, the real-crop split, relabelled zeros).

import { mnistDir, readIdx } from '../../src/synth/mnist.ts';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { preprocessBox, type Preprocessed } from '../../src/reader/digits/preprocess.ts';
import { mulberry32 } from '../../src/core/random.ts';
import { synthBox, type BoxInk } from '../../src/synth/digit-box.ts';
import { decodeGrayFile } from '../../src/reader/digits/decode-node.ts';
import { realCropSplit, cleanZeroLabel, X_LABEL } from '../../src/synth/real-crops.ts';
import type { GrayImage } from '../../src/reader/image.ts';

const SETS = {
  mnistTrain: 0, // MNIST train, plain or drawn into a synthetic box
  realTrain: 1, // real C.Hasil crops, train TPS
  synthTrain: 2, // synthetic X marks, empty boxes, segment-shaped digits
  realTest: 3, // real C.Hasil crops, held-out TPS
  mnistTest: 4, // MNIST test, plain
  realVal: 5, // real C.Hasil crops, training TPS in the validation bucket (model selection)
} as const;

const root = resolve(import.meta.dirname, '../..');
const outDir = resolve(process.argv[2] ?? join(root, 'training/digits/.cache'));
const dataDir = resolve(root, '../shared/data/digits/chasil-eikona');
const mnist = mnistDir();

const samples: Uint8Array[] = [];
const push = (p: Preprocessed, label: number, set: number) => {
  const row = new Uint8Array(786);
  for (let i = 0; i < 784; i++) row[i] = Math.round(p.input[i]! * 255);
  row[784] = label;
  row[785] = set;
  samples.push(row);
};

/** MNIST as a box crop without a box: inverted (0 = black ink on white). */
function plainMnist(pixels: Uint8Array): GrayImage {
  const data = new Uint8Array(784);
  for (let i = 0; i < 784; i++) data[i] = 255 - pixels[i]!;
  return { width: 28, height: 28, data };
}

/** Thicker (max filter) or thinner (min filter) strokes. */
function morph(pixels: Uint8Array, grow: boolean): Uint8Array {
  const out = new Uint8Array(784);
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) {
      let v = pixels[y * 28 + x]!;
      for (const [dx, dy] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ] as const) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || yy < 0 || xx > 27 || yy > 27) continue;
        const n = pixels[yy * 28 + xx]!;
        v = grow ? Math.max(v, n) : Math.min(v, n);
      }
      out[y * 28 + x] = v;
    }
  return out;
}

const t0 = Date.now();
const r = mulberry32(20240214);

// MNIST train: 30% plain, 70% drawn into a synthetic box.
const trainImgs = readIdx(join(mnist, 'train-images-idx3-ubyte'));
const trainLabels = readIdx(join(mnist, 'train-labels-idx1-ubyte'));
for (let i = 0; i < trainImgs.dims[0]!; i++) {
  let pixels = trainImgs.bytes.subarray(i * 784, (i + 1) * 784);
  const label = trainLabels.bytes[i]!;
  const m = r();
  if (m < 0.2) pixels = morph(pixels, true);
  else if (m < 0.3) pixels = morph(pixels, false);
  const img = r() < 0.3 ? plainMnist(pixels) : synthBox(r, { kind: 'mnist', pixels });
  push(preprocessBox(img), label, SETS.mnistTrain);
}
const testImgs = readIdx(join(mnist, 't10k-images-idx3-ubyte'));
const testLabels = readIdx(join(mnist, 't10k-labels-idx1-ubyte'));
for (let i = 0; i < testImgs.dims[0]!; i++) {
  const pixels = testImgs.bytes.subarray(i * 784, (i + 1) * 784);
  push(preprocessBox(plainMnist(pixels)), testLabels.bytes[i]!, SETS.mnistTest);
}
console.log(`mnist done ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// Synthetic X marks, empty boxes and segment-shaped digits.
const synth: [BoxInk, number, number][] = [
  [{ kind: 'x' }, X_LABEL, 6000],
  [{ kind: 'empty' }, X_LABEL, 1500],
  ...Array.from({ length: 10 }, (_, d): [BoxInk, number, number] => [
    { kind: 'segments', digit: d },
    d,
    600,
  ]),
];
for (const [ink, label, count] of synth)
  for (let k = 0; k < count; k++) push(preprocessBox(synthBox(r, ink)), label, SETS.synthTrain);
console.log(`synthetic done ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// Real crops, split by TPS.
const meta: Record<string, unknown> = {};
if (existsSync(join(dataDir, 'labels.csv'))) {
  const split = realCropSplit(readFileSync(join(dataDir, 'labels.csv'), 'utf8'));
  const relabelled: { file: string; guess: string; label: string }[] = [];
  const counts = {
    train: 0,
    val: 0, // of train
    test: 0,
    trainTps: split.trainTps,
    testTps: split.testTps,
    dropped: split.dropped,
  };
  for (const crop of split.crops) {
    const p = preprocessBox(await decodeGrayFile(join(dataDir, crop.file)));
    let label = crop.label;
    if (crop.zeroGuess) {
      label = cleanZeroLabel(p, crop.zeroGuess);
      const guessLabel = crop.zeroGuess === 'x_mark' ? X_LABEL : 0;
      if (label !== guessLabel)
        relabelled.push({
          file: crop.file,
          guess: crop.zeroGuess,
          label: label === X_LABEL ? 'x' : '0',
        });
    }
    push(p, label, crop.test ? SETS.realTest : crop.val ? SETS.realVal : SETS.realTrain);
    counts[crop.test ? 'test' : 'train']++;
    if (crop.val) counts.val++;
  }
  meta.real = counts;
  meta.relabelledZeros = relabelled;
  console.log(
    `real crops done ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    counts,
    `relabelled zeros: ${relabelled.length}`,
  );
} else {
  console.warn(`no real crops at ${dataDir}: training on MNIST and synthetic boxes only`);
}

mkdirSync(outDir, { recursive: true });
const all = new Uint8Array(samples.length * 786);
samples.forEach((s, i) => all.set(s, i * 786));
writeFileSync(join(outDir, 'data.bin'), all);
meta.sets = SETS;
meta.samples = samples.length;
writeFileSync(join(outDir, 'meta.json'), JSON.stringify(meta, null, 1));
console.log(
  `wrote ${samples.length} samples to ${outDir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
