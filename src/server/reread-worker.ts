// The server's re-read, the CPU-bound part: a worker thread (started by reread.ts) that decodes the
// photos and reads the form, so the server's event loop keeps answering requests meanwhile. It is
// given a version's photo bytes and answers the reading's pages and fields, nothing else: fetching
// the blobs, comparing with the submitted numbers and recording the outcome stay on the main thread.
//
// Jobs are read one at a time, in the order they came. A job that throws is answered as an error
// (the main thread counts the job as failed); the worker goes on with the next one.
import { parentPort, threadId } from 'node:worker_threads';
import type { Contest } from '../core/ballots.ts';
import { classifyBoxes } from '../reader/digits/classify.ts';
import { loadDigitClassifier } from '../reader/digits/load-node.ts';
import { decodePhoto } from '../reader/node-image.ts';
import {
  readForm,
  type BoxClassifier,
  type FieldResult,
  type PageReport,
  type PhotoInput,
} from '../reader/read-form.ts';

/** What the main thread posts: one version's photos, their ArrayBuffers transferred. */
export type ReadRequest = {
  id: number;
  photos: ArrayBuffer[];
  registeredDpt: number | null;
  contest?: Contest;
};

/** The part of a reading that the comparison looks at (reread.ts's `ReadingForComparison`). */
export type WorkerReading = {
  pages: PageReport[];
  fields: Record<string, Pick<FieldResult, 'value' | 'flags'>>;
};

/** What the worker answers, with its thread id (the logs say which thread read a version). */
export type ReadAnswer =
  | { id: number; thread: number; reading: WorkerReading }
  | { id: number; thread: number; error: { message: string; stack?: string } };

const port = parentPort;
if (!port) throw new Error('reread-worker runs as a worker thread: reread.ts starts it');

// The committed digit model, loaded once for the worker's life on its first job; a failed load is
// that job's error, and the next job tries again.
let classifier: Promise<BoxClassifier> | undefined;
const loadClassifier = (): Promise<BoxClassifier> => {
  classifier ??= loadDigitClassifier().then(
    (model): BoxClassifier =>
      (crops) =>
        classifyBoxes(crops, model).map((r) => r.probabilities),
    (e: unknown) => {
      classifier = undefined;
      throw e;
    },
  );
  return classifier;
};

async function read(job: ReadRequest): Promise<WorkerReading> {
  const classify = await loadClassifier();
  const inputs: PhotoInput[] = [];
  const unreadable: PageReport[] = [];
  for (const [i, bytes] of job.photos.entries()) {
    const decoded = await decodePhoto(Buffer.from(bytes));
    const name = `photo ${i + 1}`;
    if (decoded.ok) inputs.push({ name, image: decoded.value.image });
    else
      unreadable.push({ photo: name, found: false, reason: 'not-a-form', detail: decoded.error });
  }
  const reading = readForm(inputs, {
    classify,
    registeredDpt: job.registeredDpt,
    ...(job.contest ? { contest: job.contest } : {}),
  });
  // Only what the comparison looks at goes back: the boxes' corners and channels stay here.
  const fields: WorkerReading['fields'] = Object.fromEntries(
    Object.entries(reading.fields).map(([path, f]) => [path, { value: f.value, flags: f.flags }]),
  );
  return { pages: [...unreadable, ...reading.pages], fields };
}

// One job at a time: a job that arrives while another waits for a photo's decode is read after it.
let previous: Promise<void> = Promise.resolve();
port.on('message', (job: ReadRequest) => {
  previous = previous.then(async () => {
    let answer: ReadAnswer;
    try {
      answer = { id: job.id, thread: threadId, reading: await read(job) };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      answer = {
        id: job.id,
        thread: threadId,
        error: { message: error.message, ...(error.stack ? { stack: error.stack } : {}) },
      };
    }
    port.postMessage(answer);
  });
});
