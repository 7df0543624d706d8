// One worker of the reader benchmark (forked by bench/reader.ts, one per core): takes the forms
// it is sent (bench/reader-sources.ts), reads each as `rekap form read` does and grades it
// (bench/reader-grade.ts), and sends back one graded record per form. Time is measured here, in
// a process of its own, one page at a time: decoding the JPEG, then `readForm` on that page alone;
// the whole form is then read at once for the grading (its time is kept too).
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { decodePhoto } from '../src/reader/node-image.ts';
import { readForm, type BoxClassifier, type PhotoInput } from '../src/reader/read-form.ts';
import type { DigitSource } from '../src/synth/handwriting.ts';
import { mnistHandwriting } from '../src/synth/mnist.ts';
import { findPage } from '../src/reader/page/find-page.ts';
import { gradeForm, type FormGrade, type PageTiming, type Point } from './reader-grade.ts';
import { formPhotos, type Job } from './reader-sources.ts';

/** Parent to worker: the forms to read. Worker to parent: one message per form, then `done`. */
export type WorkerMessage = { index: number; grade: FormGrade } | { done: true };

const model = await loadDigitClassifier();
const classify: BoxClassifier = (crops) => classifyBoxes(crops, model).map((r) => r.probabilities);
let digits: DigitSource | undefined;
const digitSource = () => (digits ??= mnistHandwriting());

async function read(job: Job): Promise<FormGrade> {
  const form = await formPhotos(job, { digitSource });
  const photos: PhotoInput[] = [];
  const timing: PageTiming[] = [];
  const located: Record<string, Point[]> = {};
  for (const p of form.photos) {
    const t0 = performance.now();
    const d = await decodePhoto(p.jpeg);
    const decodeMs = performance.now() - t0;
    if (!d.ok) continue;
    const photo = { name: p.name, image: d.value.image };
    photos.push(photo);
    const t1 = performance.now();
    readForm([photo], { classify });
    const readMs = performance.now() - t1;
    if (!form.truth.photos.find((t) => t.name === p.name)?.markers) {
      timing.push({ decodeMs, readMs });
      continue;
    }
    // Where the truth knows the markers, the page finder apart: where it put them, and its time.
    const t2 = performance.now();
    const found = findPage(photo.image);
    timing.push({ decodeMs, readMs, findMs: performance.now() - t2 });
    if (found.ok) located[p.name] = found.value.corners;
  }
  const t0 = performance.now();
  const reading = readForm(photos, { classify });
  const formMs = performance.now() - t0;
  return gradeForm(job.source, form.group, form.id, reading, form.truth, timing, formMs, located);
}

process.on('message', (jobs: { index: number; job: Job }[]) => {
  void (async () => {
    for (const { index, job } of jobs)
      process.send!({ index, grade: await read(job) } satisfies WorkerMessage);
    process.send!({ done: true } satisfies WorkerMessage, () => process.disconnect());
  })();
});
