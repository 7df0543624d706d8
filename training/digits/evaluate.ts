// Evaluates the committed digit model with the TypeScript reader (the code that ships):
// per-box accuracy on the held-out real crops (split by TPS), x vs 0, MNIST test, and crops/s.
//
//   node bin/run-ts.mjs training/digits/evaluate.ts [--errors]

import { mnistDir, readIdx } from '../../src/synth/mnist.ts';
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { classifyBoxes, type DigitLabel } from '../../src/reader/digits/classify.ts';
import { decodeGrayFile } from '../../src/reader/digits/decode-node.ts';
import { loadDigitClassifier } from '../../src/reader/digits/load-node.ts';
import { preprocessBox } from '../../src/reader/digits/preprocess.ts';
import type { GrayImage } from '../../src/reader/image.ts';
import { cleanZeroLabel, realCropSplit, X_LABEL } from '../../src/synth/real-crops.ts';

const root = resolve(import.meta.dirname, '../..');
const dataDir = resolve(root, '../shared/data/digits/chasil-eikona');
const showErrors = process.argv.includes('--errors');
const model = await loadDigitClassifier();

function inBatches<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(2)}% (${a}/${b})`;

if (existsSync(join(dataDir, 'labels.csv'))) {
  const split = realCropSplit(readFileSync(join(dataDir, 'labels.csv'), 'utf8'));
  const test = split.crops.filter((c) => c.test);
  const imgs: GrayImage[] = [];
  const want: DigitLabel[] = [];
  for (const crop of test) {
    const img = await decodeGrayFile(join(dataDir, crop.file));
    const label = crop.zeroGuess ? cleanZeroLabel(preprocessBox(img), crop.zeroGuess) : crop.label;
    imgs.push(img);
    want.push(label === X_LABEL ? 'x' : (String(label) as DigitLabel));
  }
  // Batches of 66, the most digit boxes on one page.
  const t0 = performance.now();
  const got = inBatches(imgs, 66).flatMap((batch) => classifyBoxes(batch, model));
  const seconds = (performance.now() - t0) / 1000;
  let right = 0;
  let zx = 0;
  let zxRight = 0;
  let confident = 0;
  let confidentWrong = 0;
  got.forEach((g, i) => {
    const ok = g.label === want[i];
    if (ok) right++;
    if (want[i] === '0' || want[i] === 'x') {
      zx++;
      if (ok) zxRight++;
    }
    if (g.confidence >= 0.9) {
      confident++;
      if (!ok) confidentWrong++;
    }
    if (!ok && showErrors)
      console.log(`${test[i]!.file}\twant ${want[i]}\tgot ${g.label} ${g.confidence.toFixed(3)}`);
  });
  console.log(`real crops, held-out TPS (${split.testTps} TPS): ${pct(right, got.length)}`);
  console.log(`  x vs 0 (boxes labelled 0 or x): ${pct(zxRight, zx)}`);
  console.log(
    `  confidence >= 0.9: ${pct(confident, got.length)} of boxes, wrong among them ${confidentWrong}`,
  );
  console.log(
    `  speed (preprocess + CNN, one core, batches of 66): ${(got.length / seconds).toFixed(0)} crops/s`,
  );
}

const images = readIdx(join(mnistDir(), 't10k-images-idx3-ubyte')).bytes;
const labels = readIdx(join(mnistDir(), 't10k-labels-idx1-ubyte')).bytes;
const n = 10000;
const mnist = Array.from({ length: n }, (_, i): GrayImage => {
  const data = new Uint8Array(784);
  for (let k = 0; k < 784; k++) data[k] = 255 - images[i * 784 + k]!;
  return { width: 28, height: 28, data };
});
const read = inBatches(mnist, 500).flatMap((batch) => classifyBoxes(batch, model));
const right = read.filter((r, i) => r.label === String(labels[i])).length;
console.log(`MNIST test: ${pct(right, n)}`);
