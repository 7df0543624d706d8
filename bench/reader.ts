// Reader benchmarks (`npm run bench:reader [-- --forms N] [--workers N]`):
//  - per-box accuracy of the digit model on the held-out real C.Hasil crops (split by TPS);
//  - on N synthesized forms (seeded photos, `npm run form:synth`): the share of fields read right,
//    flagged, and wrong without a flag; the share of forms sent to review; time per page in Node.
// Writes bench/results/reader.json and bench/results/READER.md.
import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { classifyBoxes, type DigitLabel } from '../src/reader/digits/classify.ts';
import { decodeGrayFile } from '../src/reader/digits/decode-node.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { preprocessBox } from '../src/reader/digits/preprocess.ts';
import type { FormRecord } from './reader-worker.ts';
import { cleanZeroLabel, realCropSplit, X_LABEL } from '../src/synth/real-crops.ts';

const { values: args } = parseArgs({
  options: {
    forms: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '2026' },
    workers: { type: 'string' },
  },
});
const FORMS = Number(args.forms);
const SEED = Number(args.seed);
const root = resolve(import.meta.dirname, '..');
const model = await loadDigitClassifier();

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

// 2. Synthesized forms, read by one worker process per core (bench/reader-worker.ts).
const WORKERS = Math.max(1, Math.min(Number(args.workers ?? cpus().length), FORMS));
const records: FormRecord[] = [];
const started = performance.now();
await Promise.all(
  Array.from(
    { length: WORKERS },
    (_, w) =>
      new Promise<void>((done, fail) => {
        const child = fork(
          join(root, 'bin/run-ts.mjs'),
          [
            join(root, 'bench/reader-worker.ts'),
            ...['--worker', w, '--workers', WORKERS, '--forms', FORMS, '--seed', SEED].map(String),
          ],
          { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
        );
        child.on('message', (rec: FormRecord) => {
          records.push(rec);
          if (records.length % 25 === 0 || records.length === FORMS) {
            const t = sum((r) => r.fields);
            const secs = (performance.now() - started) / 1000;
            console.log(
              `synth forms: ${records.length}/${FORMS} (${secs.toFixed(0)} s), fields right ${sum((r) => r.right)}/${t}, flagged ${sum((r) => r.flagged)}, silently wrong ${sum((r) => r.silentlyWrong.length)}`,
            );
          }
        });
        child.on('error', fail);
        child.on('exit', (code) =>
          code === 0 ? done() : fail(new Error(`reader worker ${w} exited with ${code}`)),
        );
      }),
  ),
);
records.sort((x, y) => x.index - y.index);
function sum(f: (r: FormRecord) => number, rs = records): number {
  return rs.reduce((a, r) => a + f(r), 0);
}
const fields = sum((r) => r.fields);
const right = sum((r) => r.right);
const flagged = sum((r) => r.flagged);
const flaggedRight = sum((r) => r.flaggedRight);
const silent = records.flatMap((r) => r.silentlyWrong);
/** Wrong fields in forms whose verdict was clean: what would be published with no person looking. */
const wrongInClean = records.filter((r) => !r.review).flatMap((r) => r.silentlyWrong);
const pageFails = records.flatMap((r) => r.pageFails);
const failReasons: Record<string, number> = {};
for (const f of pageFails) {
  const key = `${f.reason}${f.cutOff ? ' (page cut off by the camera)' : ''}`;
  failReasons[key] = (failReasons[key] ?? 0) + 1;
}
const share = (rs: FormRecord[]) => ({
  forms: rs.length,
  toReview: rs.filter((r) => r.review).length,
  share: rs.length ? rs.filter((r) => r.review).length / rs.length : 0,
});
const allFound = records.filter((r) => r.pageFails.length === 0);
const review = {
  all: share(records),
  /** Every page found, no slip and no bubble blackened for another digit: the reader's own share. */
  cleanOnPaper: share(allFound.filter((r) => !r.slip && !r.wrongBubble)),
  withSlip: share(records.filter((r) => r.slip)),
  withWrongBubble: share(records.filter((r) => r.wrongBubble && !r.slip)),
  withPageMissing: share(records.filter((r) => r.pageFails.length > 0)),
};
const pageMs = records.flatMap((r) => r.msPerPage).sort((a, b) => a - b);
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
    digits: 'MNIST test split (never trained on); X marks drawn as strokes',
    pages: FORMS * 3,
    pagesFound: FORMS * 3 - pageFails.length,
    pagesNotFound: failReasons,
    fields,
    right,
    flagged,
    flaggedRight,
    silentlyWrong: silent.length,
    silentlyWrongPer10000: (silent.length / fields) * 10_000,
    wrongInFormsPassedClean: wrongInClean.length,
    review,
    examplesSilentlyWrong: silent.slice(0, 20),
  },
  msPerPage: { p50: q(0.5), p90: q(0.9), max: q(1), workers: WORKERS },
};
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const reviewRow = (name: string, s: ReturnType<typeof share>, target = '') =>
  `| forms sent to review: ${name} | ${pct(s.share)} (${s.toReview} of ${s.forms}) | ${target} |`;
const md = `# Reader benchmark

${result.machine.cpus}, Node ${result.machine.node}. Regenerate with \`npm run bench:reader -- --forms ${FORMS}\`
(${WORKERS} worker processes, one form at a time each; time per page is measured inside a worker).

Synthesized forms: seed ${SEED}, digits from ${result.synth.digits}. On purpose, ${pct(review.withSlip.forms / FORMS)} of the
forms carry an arithmetic slip and ${pct(records.filter((r) => r.wrongBubble).length / FORMS)} a bubble blackened for another digit somewhere: both are
the paper saying something wrong, and must go to review. The camera cuts off part of some pages.

| measure | value | target |
| --- | --: | --: |
| digit boxes right, held-out real crops | ${'accuracy' in realCrops ? `${pct(realCrops.accuracy)} (${realCrops.right}/${realCrops.boxes})` : realCrops.skipped} | ≥ 99.5% |
| pages found | ${result.synth.pagesFound}/${FORMS * 3} | |
${Object.entries(failReasons)
  .map(([k, n]) => `| pages not found: ${k} | ${n} | |`)
  .join('\n')}
| fields read right | ${pct(right / fields)} (${right}/${fields}) | |
| fields flagged for a person | ${pct(flagged / fields)} (${flagged}, of which ${flaggedRight} were right) | |
| fields wrong without a flag | ${silent.length} (${result.synth.silentlyWrongPer10000.toFixed(1)} in 10,000) | ≤ 1 in 10,000 |
| of which in forms passed clean (published with no person looking) | ${wrongInClean.length} | |
${reviewRow('all', review.all)}
${reviewRow('clean on paper, every page found', review.cleanOnPaper, '≤ 5%')}
${reviewRow('with an arithmetic slip', review.withSlip, '100%')}
${reviewRow('with a wrong bubble', review.withWrongBubble)}
${reviewRow('with a page not found', review.withPageMissing, '100%')}
| time per page, Node, one core (decode JPEG + find + read + arithmetic) | p50 ${q(0.5)} ms, p90 ${q(0.9)} ms | ≤ 300 ms |
`;
writeFileSync(join(root, 'bench/results/reader.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(root, 'bench/results/READER.md'), md);
console.log(md);
