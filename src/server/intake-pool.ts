// The intake pool (issue 15, docs/design/scale.md section 1): the CPU work of a submission that
// needs nothing but its bytes, each photo's sha256 and check and the device signature's Ed25519
// check (intake-worker.ts), runs on worker threads (piscina), so that the request thread keeps to
// what only it can do: read the multipart stream from its socket, look up the TPS and the device,
// apply the rules and hand the submission to the one writer.
//
// The photos travel without a copy: each one's ArrayBuffer is transferred to the worker and moved
// back with the verdicts, so the bytes the worker hashed are the bytes the store writes. With no
// threads (`workers: 0`) the same function runs on the request thread, as before the pool.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import {
  examine,
  type IntakeAnswer,
  type IntakeTask,
  type IntakeVerdicts,
} from './intake-worker.ts';

export type IntakeOptions = {
  /**
   * Worker threads. Default: the number of cores minus one (the request thread keeps one), at
   * least one. 0: everything runs on the request thread (tiny machines, simple tests).
   */
  workers?: number;
};

/** The verdicts, and the photos' bytes as Buffers. */
export type Examined = IntakeVerdicts & { photos: Buffer[] };

export type IntakePool = {
  /** Worker threads (0: inline). */
  readonly workers: number;
  /**
   * Hashes and checks a submission's photos and, if given, its signature. The photos' buffers
   * are handed over: those given are emptied when they go to a worker, and the answer's `photos`
   * are the same bytes, to be used from then on.
   */
  examine(task: IntakeTask): Promise<Examined>;
  /** Waits for the tasks under way, then stops the threads; later calls are refused. */
  close(): Promise<void>;
};

/** The default number of threads: the cores minus the request thread's, at least one. */
export const defaultIntakeWorkers = (): number => Math.max(1, availableParallelism() - 1);

// Built (dist/src, bin/build.mjs) this module is JavaScript and the worker's .js lies beside it;
// from the sources (vitest, tsx scripts) it is TypeScript, and the worker needs tsx's loader. Node
// 20 applies an `--import` of a data: URL in a worker's execArgv (not `--import tsx` itself, see
// reread.ts), so the worker registers tsx before it loads the entry.
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const WORKER_ENTRY = new URL(
  FROM_SOURCES ? './intake-worker.ts' : './intake-worker.js',
  import.meta.url,
);
const TSX_REGISTER = FROM_SOURCES
  ? `data:text/javascript,${encodeURIComponent(
      `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register();`,
    )}`
  : '';

/**
 * A buffer whose ArrayBuffer it alone uses, so that transferring it empties nothing else. A small
 * Buffer lies in Node's shared pool, and a view may be part of a larger read: those are copied.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const b = bytes.buffer;
  if (b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength)
    return bytes as Uint8Array<ArrayBuffer>;
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function intakePool(opts: IntakeOptions = {}): IntakePool {
  const workers = opts.workers ?? defaultIntakeWorkers();
  if (!Number.isInteger(workers) || workers < 0)
    throw new Error(`intake workers must be a whole number, 0 or more (got ${workers})`);
  let closed = false;
  const refuseClosed = () => Promise.reject(new Error('the intake pool is closed'));

  if (workers === 0)
    return {
      workers,
      examine: async (task) =>
        closed ? refuseClosed() : { ...(await examine(task)), photos: task.photos.map(asBuffer) },
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };

  // Started on the first submission, not with the app: a server (or a test) that takes none
  // starts no threads.
  let pool: Piscina | undefined;
  const start = () =>
    new Piscina({
      filename: WORKER_ENTRY.href,
      ...(FROM_SOURCES ? { execArgv: ['--import', TSX_REGISTER] } : {}),
      // Every thread at once and for good: a submission never waits for a thread to start.
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: Infinity,
      // A task waits on the decode (libvips, on libuv's threads) part of its time: a second task
      // per thread hashes its photos meanwhile.
      concurrentTasksPerWorker: 2,
    });
  return {
    workers,
    async examine(task) {
      if (closed) return refuseClosed();
      const photos = task.photos.map(ownBuffer);
      pool ??= start();
      const answer = (await pool.run(
        { ...task, photos },
        { transferList: photos.map((p) => p.buffer) },
      )) as IntakeAnswer;
      return { ...answer, photos: answer.photos.map(asBuffer) };
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool?.close();
    },
  };
}
