// Reader benchmarks (`npm run bench:reader [-- --forms N]`):
//  - per-box accuracy of the digit model on the held-out real C.Hasil crops (split by TPS);
//  - on N synthesized forms (seeded photos, `rekap form synth`): the share of fields read right,
//    flagged, and wrong without a flag; the share of forms sent to review; time per page in Node.
// Writes bench/results/reader.json and bench/results/READER.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fieldEntries } from '../src/core/chasil.ts';
import { classifyBoxes, type DigitLabel } from '../src/reader/digits/classify.ts';
import { decodeGrayFile } from '../src/reader/digits/decode-node.ts';
import { loadDigitModel } from '../src/reader/digits/load-node.ts';
import { preprocessBox } from '../src/reader/digits/preprocess.ts';
import { decodePhoto } from '../src/reader/node-image.ts';
import { readForm, type BoxClassifier, type PhotoInput } from '../src/reader/read-form.ts';
import { synthForm } from '../src/reader/synth/photo.ts';
import { cleanZeroLabel, realCropSplit, X_LABEL } from '../training/digits/real-crops.ts';

const { values: args } = parseArgs({
  options: { forms: { type: 'string', default: '100' }, seed: { type: 'string', default: '2026' } },
});
const FORMS = Number(args.forms);
const SEED = Number(args.seed);
const root = resolve(import.meta.dirname, '..');
const model = loadDigitModel();
const classify: BoxClassifier = (crops) => classifyBoxes(crops, model).map((r) => r.probabilities);

// 1. Real crops.
let realCrops: { boxes: number; right: number; accuracy: number } | { skipped: string };
const dataDir = resolve(root, '../shared/data/digits/chasil-eikona');
if (existsSync(join(dataDir, 'labels.csv'))) {
  const test = realCropSplit(readFileSync(join(dataDir, 'labels.csv'), 'utf8')).crops.filter(
    (c) => c.test,
  );
  let right = 0;
  for (const crop of test) {
    const img = await decodeGrayFile(join(dataDir, crop.file));
    const label = crop.zeroGuess ? cleanZeroLabel(preprocessBox(img), crop.zeroGuess) : crop.label;
    const want: DigitLabel = label === X_LABEL ? 'x' : (String(label) as DigitLabel);
    if (classifyBoxes([img], model)[0]!.label === want) right++;
  }
  realCrops = { boxes: test.length, right, accuracy: right / test.length };
  console.log(
    `real crops: ${right}/${test.length} boxes right (${((100 * right) / test.length).toFixed(2)}%)`,
  );
} else realCrops = { skipped: `no ${dataDir}` };

// 2. Synthesized forms.
let fields = 0;
let right = 0;
let flagged = 0;
let silentWrong = 0;
let flaggedRight = 0;
let review = 0;
let pagesFound = 0;
const pageMs: number[] = [];
const silent: string[] = [];
for (let i = 0; i < FORMS; i++) {
  const form = await synthForm(SEED, i);
  const photos: PhotoInput[] = [];
  for (const j of form.jpegs) {
    const t0 = performance.now();
    const d = await decodePhoto(j.data);
    if (d.ok) photos.push({ name: j.file, image: d.image });
    pageMs.push(performance.now() - t0); // decoding, counted per page
  }
  const t0 = performance.now();
  const reading = readForm(photos, { classify });
  const per = (performance.now() - t0) / photos.length;
  for (let k = pageMs.length - photos.length; k < pageMs.length; k++) pageMs[k]! += per;
  pagesFound += reading.pages.filter((p) => p.found).length;
  if (reading.verdict === 'review') review++;
  for (const [path, truth] of fieldEntries(form.truth.result)) {
    const f = reading.fields[path]!;
    fields++;
    const isFlagged = f.flags.length > 0;
    if (f.value === truth) right++;
    if (isFlagged) flagged++;
    if (isFlagged && f.value === truth) flaggedRight++;
    if (!isFlagged && f.value !== truth) {
      silentWrong++;
      silent.push(`form ${i} ${path}: read ${f.value}, paper ${truth}`);
    }
  }
  if ((i + 1) % 10 === 0 || i + 1 === FORMS)
    console.log(
      `synth forms: ${i + 1}/${FORMS}, fields right ${right}/${fields}, flagged ${flagged}, silently wrong ${silentWrong}`,
    );
}
pageMs.sort((a, b) => a - b);
const q = (p: number) =>
  Math.round(pageMs[Math.min(pageMs.length - 1, Math.floor(p * pageMs.length))] ?? 0);
const result = {
  date: new Date().toISOString(),
  machine: {
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  realCrops,
  synth: {
    seed: SEED,
    forms: FORMS,
    pages: FORMS * 3,
    pagesFound,
    fields,
    right,
    flagged,
    flaggedRight,
    silentlyWrong: silentWrong,
    silentlyWrongPer10000: (silentWrong / fields) * 10_000,
    formsToReview: review / FORMS,
    examplesSilentlyWrong: silent.slice(0, 20),
  },
  msPerPage: { p50: q(0.5), p90: q(0.9), max: q(1) },
};
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const md = `# Reader benchmark

${result.machine.cpus}, Node ${result.machine.node}. Regenerate with \`npm run bench:reader -- --forms ${FORMS}\`.

| measure | value | target |
| --- | --: | --: |
| digit boxes right, held-out real crops | ${'accuracy' in realCrops ? `${pct(realCrops.accuracy)} (${realCrops.right}/${realCrops.boxes})` : realCrops.skipped} | ≥ 99.5% |
| synthesized forms (seed ${SEED}) | ${FORMS} forms, ${pagesFound}/${FORMS * 3} pages found | |
| fields read right | ${pct(right / fields)} (${right}/${fields}) | |
| fields flagged for a person | ${pct(flagged / fields)} (${flagged}, of which ${flaggedRight} were right) | |
| fields wrong without a flag | ${silentWrong} (${result.synth.silentlyWrongPer10000.toFixed(1)} in 10,000) | ≤ 1 in 10,000 |
| forms sent to review | ${pct(review / FORMS)} | ≤ 5% |
| time per page, Node, one core (decode + find + read + decode arithmetic) | p50 ${q(0.5)} ms, p90 ${q(0.9)} ms | ≤ 300 ms |
`;
writeFileSync(join(root, 'bench/results/reader.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(root, 'bench/results/READER.md'), md);
console.log(md);
