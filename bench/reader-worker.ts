// One worker of the reader benchmark (started by bench/reader.ts, one per core): synthesizes forms
// number `worker`, `worker + workers`, ... of the series, reads each, and sends one record per
// form to the parent. Time per page is measured here, in a process of its own on its own core.
import { parseArgs } from 'node:util';
import { fieldEntries } from '../src/core/chasil.ts';
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { decodePhoto } from '../src/reader/node-image.ts';
import { readForm, type BoxClassifier, type PhotoInput } from '../src/reader/read-form.ts';
import { mnistHandwriting } from '../src/synth/mnist.ts';
import { synthForm } from '../src/synth/photo.ts';

/** What the benchmark keeps of one synthesized form. */
export type FormRecord = {
  index: number;
  /** Pages not found, with the reason, and whether the camera had cut the page off. */
  pageFails: { page: number; reason: string; cutOff: boolean }[];
  /** The paper itself is wrong: an arithmetic slip, or a bubble blackened for another digit. */
  slip: boolean;
  wrongBubble: boolean;
  fields: number;
  right: number;
  flagged: number;
  flaggedRight: number;
  /** Fields on found pages whose value differs from the paper with no flag. */
  silentlyWrong: string[];
  review: boolean;
  msPerPage: number[];
};

const { values: a } = parseArgs({
  options: {
    worker: { type: 'string' },
    workers: { type: 'string' },
    forms: { type: 'string' },
    seed: { type: 'string' },
  },
});
const [worker, workers, forms, seed] = [a.worker, a.workers, a.forms, a.seed].map(Number) as [
  number,
  number,
  number,
  number,
];
const model = await loadDigitClassifier();
const classify: BoxClassifier = (crops) => classifyBoxes(crops, model).map((r) => r.probabilities);
const digitSource = mnistHandwriting();

for (let i = worker; i < forms; i += workers) {
  const form = await synthForm(seed, i, { digitSource });
  const photos: PhotoInput[] = [];
  const decodeMs: number[] = [];
  for (const j of form.jpegs) {
    const t0 = performance.now();
    const d = await decodePhoto(j.data);
    if (d.ok) photos.push({ name: j.file, image: d.value.image });
    decodeMs.push(performance.now() - t0);
  }
  const t0 = performance.now();
  const reading = readForm(photos, { classify });
  const perPage = (performance.now() - t0) / Math.max(1, photos.length);
  const rec: FormRecord = {
    index: i,
    pageFails: reading.pages.flatMap((p) => {
      if (p.found) return [];
      const truth = form.truth.pages.find((t) => t.file === p.photo);
      return [{ page: truth?.page ?? 0, reason: p.reason, cutOff: truth?.camera.cropped ?? false }];
    }),
    slip: form.truth.slips.length > 0,
    wrongBubble: Object.values(form.truth.bubbles).some((cols) =>
      cols.some((c) => c.state === 'wrong'),
    ),
    fields: 0,
    right: 0,
    flagged: 0,
    flaggedRight: 0,
    silentlyWrong: [],
    review: reading.verdict === 'review',
    msPerPage: decodeMs.map((ms) => ms + perPage),
  };
  for (const [path, truth] of fieldEntries(form.truth.result)) {
    const f = reading.fields[path]!;
    const flagged = f.flags.length > 0;
    rec.fields++;
    if (f.value === truth) rec.right++;
    if (flagged) rec.flagged++;
    if (flagged && f.value === truth) rec.flaggedRight++;
    if (!flagged && f.value !== truth)
      rec.silentlyWrong.push(`form ${i} ${path}: read ${f.value}, paper ${truth}`);
  }
  process.send!(rec);
}
