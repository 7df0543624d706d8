// Evaluates a digit model with the TypeScript reader (the code that ships): per-box accuracy on
// real e-ikona crops, x vs 0, MNIST test, and crops/s.
//
//   node bin/run-ts.mjs training/digits/evaluate.ts [--model FILE] [--crops test|all] [--errors]
//   node bin/run-ts.mjs training/digits/evaluate.ts --cross-source FILE [--json OUT]
//       [--train-command "..."] [--note "..."] [--errors]
//
// The first form scores one model (default: the committed src/reader/digits/model.bin) on the
// held-out TPS (`--crops test`, the default) or on all the deduplicated e-ikona crops
// (`--crops all`: only honest for a model that was not trained on that source).
// `--cross-source FILE` scores FILE, a model trained without the e-ikona source (train.py
// --sources mnist,synth), on all its crops and on the held-out TPS, next to the committed model
// on the held-out TPS, and with `--json` writes the figures (dates, sha256 of both files, the
// commands, n, accuracy, top confusions) for the reader benchmark.

import { mnistDir, readIdx } from '../../src/synth/mnist.ts';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyBoxes, type DigitLabel } from '../../src/reader/digits/classify.ts';
import { decodeGrayFile } from '../../src/reader/digits/decode-node.ts';
import { loadDigitClassifier, MODEL_URL } from '../../src/reader/digits/load-node.ts';
import { createDigitClassifier, type DigitClassifier } from '../../src/reader/digits/model.ts';
import type { GrayImage } from '../../src/reader/image.ts';
import { cropClass, realCropSplit } from '../../src/synth/real-crops.ts';

const root = resolve(import.meta.dirname, '../..');
const dataDir = resolve(root, '../shared/data/digits/chasil-eikona');
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
};
const showErrors = args.includes('--errors');
const crossSource = option('--cross-source');
const jsonOut = option('--json');
const trainCommand = option('--train-command');
const note = option('--note');
const cropsOption = option('--crops') ?? 'test';
if (cropsOption !== 'test' && cropsOption !== 'all') throw new Error('--crops: test or all');
if (jsonOut !== undefined && crossSource === undefined)
  throw new Error('--json is written by --cross-source');
const committedFile = fileURLToPath(MODEL_URL);

function inBatches<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(2)}% (${a}/${b})`;
const ratio = (a: number, b: number) => (b ? Math.round((1e6 * a) / b) / 1e6 : null);

type ModelFile = { file: string; sha256: string; bytes: number; dtype: string };

function describeModel(file: string): ModelFile {
  const bytes = readFileSync(file);
  const headerLength = bytes.readUInt32LE(4);
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as {
    dtype?: string;
  };
  return {
    file: relative(root, file),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    dtype: header.dtype ?? 'float32',
  };
}

async function classifierFor(file: string): Promise<DigitClassifier> {
  const committed = await loadDigitClassifier(); // also starts the backend quietly
  return resolve(file) === committedFile
    ? committed
    : createDigitClassifier(new Uint8Array(readFileSync(file)));
}

type Crop = { file: string; tps: string; test: boolean; img: GrayImage; want: DigitLabel };

/** Every deduplicated e-ikona crop, decoded, with its label (zeros sorted as prepare.ts does). */
async function eikonaCrops(): Promise<{ crops: Crop[]; testTps: number; dropped: number }> {
  const split = realCropSplit(readFileSync(join(dataDir, 'labels.csv'), 'utf8'));
  const crops: Crop[] = [];
  for (const crop of split.crops) {
    const img = await decodeGrayFile(join(dataDir, crop.file));
    crops.push({
      file: crop.file,
      tps: crop.tps,
      test: crop.test,
      img,
      want: cropClass(crop, img),
    });
  }
  return { crops, testTps: split.testTps, dropped: split.dropped };
}

type Score = {
  n: number;
  tps: number;
  right: number;
  accuracy: number | null;
  xVs0: { n: number; right: number; accuracy: number | null };
  confident: { threshold: number; n: number; wrong: number; share: number | null };
  /** (true label, read label, count) for the most frequent mistakes. */
  topConfusions: { want: DigitLabel; got: DigitLabel; count: number }[];
  cropsPerSecond: number;
};

function score(name: string, crops: Crop[], classifier: DigitClassifier): Score {
  // Batches of 66, the most digit boxes on one page.
  const t0 = performance.now();
  const got = inBatches(
    crops.map((c) => c.img),
    66,
  ).flatMap((batch) => classifyBoxes(batch, classifier));
  const seconds = (performance.now() - t0) / 1000;
  let right = 0;
  let zx = 0;
  let zxRight = 0;
  let confident = 0;
  let confidentWrong = 0;
  const confusions = new Map<string, number>();
  got.forEach((g, i) => {
    const crop = crops[i]!;
    const ok = g.label === crop.want;
    if (ok) right++;
    else {
      const key = `${crop.want}>${g.label}`;
      confusions.set(key, (confusions.get(key) ?? 0) + 1);
    }
    if (crop.want === '0' || crop.want === 'x') {
      zx++;
      if (ok) zxRight++;
    }
    if (g.confidence >= 0.9) {
      confident++;
      if (!ok) confidentWrong++;
    }
    if (!ok && showErrors)
      console.log(
        `${name}\t${crop.file}\twant ${crop.want}\tgot ${g.label} ${g.confidence.toFixed(3)}`,
      );
  });
  const topConfusions = [...confusions]
    .map(([key, count]) => {
      const [want, got] = key.split('>') as [DigitLabel, DigitLabel];
      return { want, got, count };
    })
    .sort((a, b) => b.count - a.count || (a.want + a.got).localeCompare(b.want + b.got))
    .slice(0, 10);
  return {
    n: got.length,
    tps: new Set(crops.map((c) => c.tps)).size,
    right,
    accuracy: ratio(right, got.length),
    xVs0: { n: zx, right: zxRight, accuracy: ratio(zxRight, zx) },
    confident: {
      threshold: 0.9,
      n: confident,
      wrong: confidentWrong,
      share: ratio(confident, got.length),
    },
    topConfusions,
    cropsPerSecond: Math.round(got.length / seconds),
  };
}

function printScore(title: string, s: Score) {
  console.log(`${title} (${s.tps} TPS): ${pct(s.right, s.n)}`);
  console.log(`  x vs 0 (boxes labelled 0 or x): ${pct(s.xVs0.right, s.xVs0.n)}`);
  console.log(
    `  confidence >= 0.9: ${pct(s.confident.n, s.n)} of boxes, wrong among them ${s.confident.wrong}`,
  );
  console.log(
    `  top confusions (true>read): ${s.topConfusions.map((c) => `${c.want}>${c.got} ${c.count}`).join(', ')}`,
  );
  console.log(`  speed (preprocess + CNN, one core, batches of 66): ${s.cropsPerSecond} crops/s`);
}

function mnistImages(): { images: GrayImage[]; labels: Uint8Array } {
  const images = readIdx(join(mnistDir(), 't10k-images-idx3-ubyte')).bytes;
  const labels = readIdx(join(mnistDir(), 't10k-labels-idx1-ubyte')).bytes;
  return {
    images: Array.from({ length: 10000 }, (_, i): GrayImage => {
      const data = new Uint8Array(784);
      for (let k = 0; k < 784; k++) data[k] = 255 - images[i * 784 + k]!;
      return { width: 28, height: 28, data };
    }),
    labels,
  };
}

function scoreMnist(classifier: DigitClassifier) {
  const { images, labels } = mnistImages();
  const read = inBatches(images, 500).flatMap((batch) => classifyBoxes(batch, classifier));
  const right = read.filter((r, i) => r.label === String(labels[i])).length;
  return { n: read.length, right, accuracy: ratio(right, read.length) };
}

const haveCrops = existsSync(join(dataDir, 'labels.csv'));

if (crossSource === undefined) {
  const file = resolve(option('--model') ?? committedFile);
  const classifier = await classifierFor(file);
  if (haveCrops) {
    const { crops } = await eikonaCrops();
    const chosen = cropsOption === 'all' ? crops : crops.filter((c) => c.test);
    const title = cropsOption === 'all' ? 'real crops, all e-ikona' : 'real crops, held-out TPS';
    printScore(title, score('', chosen, classifier));
  }
  const m = scoreMnist(classifier);
  console.log(`MNIST test: ${pct(m.right, m.n)}`);
} else {
  if (!haveCrops) throw new Error(`--cross-source needs the e-ikona crops at ${dataDir}`);
  const unseenFile = resolve(crossSource);
  const shipped = await classifierFor(committedFile);
  const unseen = await classifierFor(unseenFile);
  const { crops, testTps, dropped } = await eikonaCrops();
  const test = crops.filter((c) => c.test);
  const shippedTest = score('shipped/test', test, shipped);
  const unseenAll = score('no-eikona/all', crops, unseen);
  const unseenTest = score('no-eikona/test', test, unseen);
  const mnist = { shipped: scoreMnist(shipped), noEikona: scoreMnist(unseen) };
  printScore(`shipped model, held-out TPS (in-source)`, shippedTest);
  printScore(`model trained without e-ikona, ALL e-ikona crops (cross-source)`, unseenAll);
  printScore(`model trained without e-ikona, the same held-out TPS`, unseenTest);
  console.log(
    `MNIST test: shipped ${pct(mnist.shipped.right, mnist.shipped.n)}, without e-ikona ${pct(mnist.noEikona.right, mnist.noEikona.n)}`,
  );
  if (jsonOut !== undefined) {
    const evaluateCommand = [
      'node bin/run-ts.mjs training/digits/evaluate.ts',
      ...args.map((a) => (/^[\w./,=:-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)),
    ].join(' ');
    const result = {
      what:
        'Per-box accuracy of the digit-box model on real C.Hasil crops. crossSource: a model ' +
        'trained without the e-ikona source (MNIST + synthetic boxes only), scored on every ' +
        'deduplicated e-ikona crop, a source it never saw. inSource: the shipped model on the ' +
        'held-out TPS of the same source it was trained on (split by TPS).',
      date: new Date().toISOString().slice(0, 10),
      ...(note === undefined ? {} : { note }),
      target: 0.995,
      data: {
        source: 'shared/data/digits/chasil-eikona',
        crops: crops.length,
        duplicatesDropped: dropped,
        tps: new Set(crops.map((c) => c.tps)).size,
        heldOutTps: testTps,
        heldOutCrops: test.length,
      },
      models: {
        shipped: {
          ...describeModel(committedFile),
          trainedOn: 'mnist, synth, eikona (training TPS only)',
        },
        noEikona: { ...describeModel(unseenFile), trainedOn: 'mnist, synth' },
      },
      commands: {
        prepare: 'node bin/run-ts.mjs training/digits/prepare.ts',
        ...(trainCommand === undefined ? {} : { trainNoEikona: trainCommand }),
        evaluate: evaluateCommand,
      },
      crossSource: { model: 'noEikona', crops: 'all e-ikona crops', ...unseenAll },
      inSource: { model: 'shipped', crops: 'held-out TPS', ...shippedTest },
      noEikonaOnHeldOutTps: { model: 'noEikona', crops: 'held-out TPS', ...unseenTest },
      mnistTest: mnist,
    };
    mkdirSync(dirname(resolve(jsonOut)), { recursive: true });
    writeFileSync(resolve(jsonOut), JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${relative(root, resolve(jsonOut))}`);
  }
  unseen.dispose();
}
