// The server reads every submitted photo again, with the same reader library the phone runs, off
// the request path, and compares what it reads with the numbers the KPPS sent. A field read with
// confidence (no flag) that differs from the submitted value is a disagreement: the version is
// held for a person (src/core/review.ts). Fields the reader was unsure of are not: the rules and
// the officer's own review on the phone cover those, and a guess must not hold a result.
//
// Jobs go through a Queue (queue.ts). The database is the record of what is due: a version with
// no `reread_*` event is found again by the catch-up scan, at start and every few minutes, so a
// job refused by a full queue or lost at a restart is read later, never silently skipped.
//
// The reading itself (decoding the photos, finding the pages, the digit classifier) runs on a
// worker thread (reread-worker.ts, started by `workerReader`): this thread only fetches the blobs,
// posts their bytes, compares and records. Measured with perf_hooks' monitorEventLoopDelay on this
// thread during the re-read of a 3-page form (synthForm 2026/0, warm, 2 shared cores under a load
// of about 8): read on this thread as before, the longest delay was 0.49-1.04 s (2.3-2.6 s on the
// first form, with the reader's code not yet compiled); read on the worker, 40-57 ms, against a
// floor of 29 ms with nothing being read on the same loaded machine.
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { Ballot, Contest } from '../core/ballots.ts';
import { fieldEntries, type CHasil } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import type { FieldResult, PageReport } from '../reader/read-form.ts';
import type { Store } from '../store/store.ts';
import { memoryQueue, type Queue, type QueueStats } from './queue.ts';
import type { ReadAnswer, ReadRequest } from './reread-worker.ts';

/** One version of one TPS result to read again. */
export type RereadJob = { tps: TpsCode; ballot: Ballot; version: number };

/** The ballots whose form the reader knows (its templates: src/reader/template/). */
export const REREAD_BALLOTS: readonly Ballot[] = ['ppwp'];

/** A field whose confident reading differs from the submitted value. */
export type FieldChange = { field: string; from: number | null; to: number | null };

/** What a re-read found, as the store records it (one `reread_*` event). */
export type RereadOutcome =
  | { agrees: true; photos: string[] }
  | { fields: FieldChange[]; photos: string[] }
  | { failed: string };

/** The reader's part of a reading that the comparison looks at. */
export type ReadingForComparison = {
  pages: readonly PageReport[];
  fields: Readonly<Record<string, Pick<FieldResult, 'value' | 'flags'>>>;
};

/**
 * Compares the submitted numbers with a reading of their photos. No page found: `failed` with the
 * reader's reason for the first photo (`no-page`, `not-a-form`, ...). No field read with
 * confidence: `failed` as `nothing-confident`, since agreeing on nothing is not an agreement.
 * Otherwise each confident field that differs, in form order, or `agrees`.
 */
export function compareReading(
  submitted: CHasil,
  reading: ReadingForComparison,
  photos: string[],
): RereadOutcome {
  if (!reading.pages.some((p) => p.found)) {
    const first = reading.pages.find((p) => !p.found);
    return { failed: first && !first.found ? first.reason : 'no-photo' };
  }
  const fields: FieldChange[] = [];
  let confident = 0;
  for (const [field, from] of fieldEntries(submitted)) {
    const read = reading.fields[field];
    if (!read || read.value === null || read.flags.length > 0) continue;
    confident++;
    if (read.value !== from) fields.push({ field, from, to: read.value });
  }
  if (confident === 0) return { failed: 'nothing-confident' };
  return fields.length > 0 ? { fields, photos } : { agrees: true, photos };
}

/** A reading of one version's photos, and the thread that read it. */
export type Reading = ReadingForComparison & { thread: number };

/** Reads a version's photos: decodes them and reads the form, off the main thread by default. */
export type FormReader = {
  /**
   * The pages and fields read from these photo bytes (in the order sent). Rejects when the reading
   * could not be done at all (an error in the reader, a worker that stopped): the job is failed.
   */
  read(
    photos: readonly Uint8Array[],
    opts: { registeredDpt: number | null; contest?: Contest },
  ): Promise<Reading>;
  /** Stops the reader: a reading under way is rejected, and so is every later one. */
  close(): Promise<void>;
};

export type WorkerReaderOptions = {
  /** Told when the worker fails or stops by itself (it is started again for the next job). */
  logger?: FastifyBaseLogger;
  /**
   * The worker's module (default: reread-worker beside this file). Tests give one that wraps it to
   * make it crash.
   */
  entry?: URL;
};

/** The worker reader, and how many workers it has started (one more after each that died). */
export type WorkerReader = FormReader & { starts(): number };

// Built (dist/src, bin/build.mjs) this module is JavaScript and starts the worker's .js beside it;
// from the sources (vitest, tsx scripts) it is TypeScript, and the worker needs tsx's loader.
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const WORKER_ENTRY = new URL(
  FROM_SOURCES ? './reread-worker.ts' : './reread-worker.js',
  import.meta.url,
);
/** tsx's API, found from here (the worker's code is evaluated, with no module to resolve from). */
const TSX_API = FROM_SOURCES ? import.meta.resolve('tsx/esm/api') : '';

/**
 * A reader on one long-lived worker thread (reread-worker.ts), started on the first reading, so a
 * form read (about half a second of pixel work a form here) never holds up a request. The worker
 * loads the digit model once. An error inside the worker rejects that reading only; a worker that
 * exits rejects the readings sent to it, and the next reading starts a new one.
 */
export function workerReader(opts: WorkerReaderOptions = {}): WorkerReader {
  const entry = opts.entry ?? WORKER_ENTRY;
  type Waiting = { resolve: (r: Reading) => void; reject: (e: Error) => void };
  let current: { worker: Worker; waiting: Map<number, Waiting>; exited: Promise<void> } | undefined;
  let nextId = 1;
  let starts = 0;
  let closed = false;

  const start = () => {
    const worker = FROM_SOURCES
      ? new Worker(
          // Node 20 does not apply `--import tsx` given in a worker's execArgv to its modules; tsx's
          // register() called inside the worker does.
          `import(${JSON.stringify(TSX_API)}).then(({ register }) => {
            register();
            return import(${JSON.stringify(entry.href)});
          });`,
          { eval: true },
        )
      : new Worker(entry);
    starts++;
    const waiting = new Map<number, Waiting>();
    let crash: Error | undefined;
    worker.on('message', (answer: ReadAnswer) => {
      const w = waiting.get(answer.id);
      if (!w) return;
      waiting.delete(answer.id);
      // An idle worker must not keep the process alive (a script that ends, a test's last file).
      if (waiting.size === 0) worker.unref();
      if ('reading' in answer) w.resolve({ ...answer.reading, thread: answer.thread });
      else {
        const e = new Error(`the re-read worker failed: ${answer.error.message}`);
        if (answer.error.stack) e.stack = `${e.message}\n(in the worker) ${answer.error.stack}`;
        w.reject(e);
      }
    });
    // An uncaught error ends the worker: 'exit' follows and fails what it was reading.
    worker.on('error', (e) => {
      crash = e;
    });
    const exited = new Promise<void>((resolve) =>
      worker.on('exit', (code) => {
        if (current?.worker === worker) current = undefined;
        const why = `the re-read worker stopped (exit code ${code}${crash ? `: ${crash.message}` : ''})`;
        if (!closed)
          opts.logger?.error(
            { err: crash, code, jobs: waiting.size },
            `${why}: its job failed, the next one starts a new worker`,
          );
        for (const w of waiting.values()) w.reject(new Error(why, { cause: crash }));
        waiting.clear();
        resolve();
      }),
    );
    current = { worker, waiting, exited };
    return current;
  };

  return {
    read(photos, o) {
      if (closed) return Promise.reject(new Error('the re-read worker is closed'));
      const { worker, waiting } = current ?? start();
      const id = nextId++;
      // Each photo is copied into an ArrayBuffer of its own and that one is transferred, not the
      // caller's: a Buffer's ArrayBuffer is often Node's shared pool or a larger read, and
      // transferring it would empty every other view on it.
      const buffers = photos.map((p) => {
        const b = new ArrayBuffer(p.byteLength);
        new Uint8Array(b).set(p);
        return b;
      });
      const request: ReadRequest = {
        id,
        photos: buffers,
        registeredDpt: o.registeredDpt,
        ...(o.contest ? { contest: o.contest } : {}),
      };
      return new Promise<Reading>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage(request, buffers);
      });
    },
    async close() {
      closed = true;
      const c = current;
      if (!c) return;
      await c.worker.terminate();
      await c.exited;
    },
    starts: () => starts,
  };
}

export type RereadStats = QueueStats & {
  /** Jobs passed over: a ballot the reader cannot read, a correction, or read before. */
  skipped: number;
};

export type Rereader = {
  /** Offers a version just recorded; a refusal is fine (the catch-up scan finds it). */
  offer(job: RereadJob): void;
  /** Looks for versions not re-read yet and offers them; answers how many the queue took. */
  catchUp(): Promise<number>;
  /** Resolves once the queue is empty and no catch-up is under way (tests). */
  idle(): Promise<void>;
  /** Stops the scans, takes no more jobs, waits for the one being read, then stops the reader. */
  close(): Promise<void>;
  stats(): RereadStats;
};

export type RereaderDeps = {
  store: Store;
  logger: FastifyBaseLogger;
  /** Records the outcome: `store.recordReread` (the `reread_*` event, the review, the totals). */
  record: (job: RereadJob, outcome: RereadOutcome) => Promise<unknown>;
  /** Default: the in-process queue with `concurrency` workers. */
  queue?: Queue<RereadJob>;
  /**
   * Jobs the default queue handles at once (default 1). The one worker reads their forms one after
   * another, so more than one only overlaps fetching a version's blobs with reading another's.
   */
  concurrency?: number;
  /**
   * Default: `workerReader`, one worker thread with the committed digit model, started on the
   * first job. The rereader closes it on close.
   */
  reader?: FormReader;
  /** How often the catch-up scan runs after the first one at start (default 5 minutes). */
  catchUpEveryMs?: number;
  /** Versions one scan offers at most (default 1,000). */
  scanLimit?: number;
};

/**
 * Hands a new version to a re-read queue: this process's own, or the workers' on NATS (an API node
 * of many, app.ts). Not awaited: the request that recorded the version answers without waiting
 * for the queue. A refusal is logged; the version stays due in the database, and a catch-up scan
 * reads it. `enqueue` answers refusals rather than rejecting; the catch is for a bug in it.
 */
export function offerReread(
  queue: Pick<Queue<RereadJob>, 'enqueue'>,
  logger: FastifyBaseLogger,
  job: RereadJob,
): void {
  queue.enqueue(job).then(
    (taken) => {
      if (taken === 'full' || taken === 'unavailable')
        logger.warn(
          { ...job, refused: taken },
          're-read queue refused the job: the catch-up scan will read this version',
        );
    },
    (err: unknown) => logger.error({ err, ...job }, 're-read enqueue failed'),
  );
}

/**
 * The re-read, started: the queue's worker runs, the first catch-up scan is under way, and the
 * next ones follow every `catchUpEveryMs`.
 */
export function startRereader(deps: RereaderDeps): Rereader {
  const { store, logger } = deps;
  const queue =
    deps.queue ??
    memoryQueue<RereadJob>({
      concurrency: deps.concurrency ?? 1,
      key: (j) => `${j.tps}/${j.ballot}/${j.version}`,
      onError: (job, err) => logger.error({ err, ...job }, 're-read failed: will retry at a scan'),
    });
  const reader = deps.reader ?? workerReader({ logger });
  let skipped = 0;

  // On this thread: the database, the blobs, the comparison and the record. The decoding and the
  // reading (the pixel work) are the reader's, on its worker thread.
  async function reread(job: RereadJob): Promise<void> {
    if (!REREAD_BALLOTS.includes(job.ballot)) {
      skipped++;
      return;
    }
    const v = await store.versionToReread(job.tps, job.ballot, job.version);
    if (!v) throw new Error(`no version ${job.version} of TPS ${job.tps} ${job.ballot}`);
    if (v.kind === 'correction' || v.reread) {
      skipped++;
      return;
    }
    // Only bytes that match their sha256 come back (blobs.ts); a missing or damaged blob throws,
    // and the job is counted as failed and tried again at the next scan.
    const bytes: Uint8Array[] = [];
    for (const p of v.photos) bytes.push(await store.blobs.get(p.location, p.sha256));
    const contest = await store.contest(job.ballot);
    const reading = await reader.read(bytes, {
      registeredDpt: v.dpt,
      ...(contest ? { contest } : {}),
    });
    const outcome = compareReading(
      v.result,
      reading,
      v.photos.map((p) => p.sha256),
    );
    await deps.record(job, outcome);
    const line = {
      ...job,
      thread: reading.thread,
      ...('agrees' in outcome
        ? { reread: 'agrees' }
        : 'fields' in outcome
          ? { reread: 'disagrees', fields: outcome.fields.map((f) => f.field) }
          : { reread: 'failed', reason: outcome.failed }),
    };
    // A disagreement sends a TPS to review: worth a line. An agreement or a photo the reader
    // cannot use (every one of the demo's stand-in photos) is on the record as its event.
    if ('fields' in outcome) logger.info(line, 're-read');
    else logger.debug(line, 're-read');
  }
  queue.start(reread);

  // The scan starts where the oldest version still waiting was found last time, or after the
  // newest submission it looked at when none was waiting (store/reread.ts).
  let cursor = 0;
  let scanning: Promise<number> | undefined;
  let closed = false;
  const scanLimit = deps.scanLimit ?? 1000;
  const catchUp = (): Promise<number> => {
    scanning ??= (async () => {
      try {
        const { versions, scannedTo } = await store.versionsAwaitingReread(scanLimit, {
          ballots: REREAD_BALLOTS,
          after: cursor,
        });
        cursor = versions[0] ? versions[0].seq - 1 : scannedTo;
        let taken = 0;
        for (const v of versions)
          if ((await queue.enqueue({ tps: v.tps, ballot: v.ballot, version: v.version })) === true)
            taken++;
        if (taken > 0) logger.info({ versions: taken }, 're-read catch-up: versions queued');
        return taken;
      } finally {
        scanning = undefined;
      }
    })();
    return scanning;
  };
  const scan = () => {
    if (closed) return;
    catchUp().catch((err: unknown) => logger.error({ err }, 're-read catch-up scan failed'));
  };
  scan();
  const timer = setInterval(scan, deps.catchUpEveryMs ?? 5 * 60_000);
  timer.unref();

  return {
    offer: (job) => offerReread(queue, logger, job),
    catchUp,
    async idle() {
      while (scanning) await scanning.catch(() => undefined);
      await queue.idle();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await scanning?.catch(() => undefined);
      await queue.close();
      await reader.close();
    },
    stats: () => ({ ...queue.stats(), skipped }),
  };
}
