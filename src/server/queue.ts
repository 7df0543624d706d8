// Background work off the request path, behind one small interface: the embedded default runs it
// in this process with a bounded worker (`memoryQueue`, below); across machines the same interface
// is a JetStream work queue (queue-jetstream.ts). A queue is never the record of what must be done:
// the database is. A job refused because the queue is full or unreachable, or lost when the
// process or a NATS node stops, is found again by whoever fills the queue from the database (the
// re-read's catch-up scan), so the queue may drop work, loudly.

export type QueueStats = {
  /** Jobs waiting for a worker. */
  pending: number;
  /** Jobs a worker is on now. */
  running: number;
  /** Jobs whose handler returned. */
  done: number;
  /** Jobs whose handler threw (each is logged by the caller's `onError`). */
  failed: number;
  /** Jobs refused: the pending list was full, or the queue was closing. */
  dropped: number;
};

/**
 * Why `enqueue` did not take a job (the job is not lost: the database still says it is due).
 * `unavailable`: the queue's server did not confirm it (no quorum, a timeout, no connection).
 */
export type Refusal = 'full' | 'closed' | 'duplicate' | 'unavailable';

export type Queue<J> = {
  /**
   * Hands a job to the queue: true once taken (on JetStream: stored by the stream); a refusal
   * otherwise, never a rejection. A job equal (by `key`) to one the queue holds is refused as
   * `duplicate`: the submission path and the catch-up scan may both offer the same job.
   */
  enqueue(job: J): Promise<true | Refusal>;
  /** Starts the workers with the handler. Once: a second call is a bug. */
  start(handler: (job: J) => Promise<void>): void;
  /** Resolves once nothing is pending or running (tests; the end of a catch-up). */
  idle(): Promise<void>;
  /** Stops taking jobs, forgets those pending, and waits for those running to finish. */
  close(): Promise<void>;
  stats(): QueueStats;
};

export type MemoryQueueOptions<J> = {
  /**
   * Jobs run at once (default 1). The re-read is CPU-bound: on a 2-core machine one worker leaves
   * a core for the requests.
   */
  concurrency?: number;
  /** Jobs kept waiting at most (default 10,000); more are refused as `full`. */
  maxPending?: number;
  /** Identifies equal jobs (default: JSON of the job). */
  key?: (job: J) => string;
  /** Told of each job whose handler threw; the queue goes on with the next one. */
  onError?: (job: J, error: unknown) => void;
};

/**
 * The in-process queue: first in, first out, `concurrency` jobs at once, at most `maxPending`
 * waiting. A handler that throws is counted and reported, never rethrown. `enqueue` takes or
 * refuses the job before it returns; its promise only carries the answer.
 */
export function memoryQueue<J>(opts: MemoryQueueOptions<J> = {}): Queue<J> {
  const concurrency = opts.concurrency ?? 1;
  const maxPending = opts.maxPending ?? 10_000;
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw new Error(`queue concurrency must be a whole number of at least 1, not ${concurrency}`);
  if (!(Number.isInteger(maxPending) && maxPending >= 0))
    throw new Error(`queue maxPending must be a whole number, not ${maxPending}`);
  const keyOf = opts.key ?? ((job: J) => JSON.stringify(job));
  const pending: { job: J; key: string }[] = [];
  /** Keys of the jobs pending or running. */
  const present = new Set<string>();
  const running = new Set<Promise<void>>();
  let handler: ((job: J) => Promise<void>) | undefined;
  let closed = false;
  let done = 0;
  let failed = 0;
  let dropped = 0;
  let waiters: (() => void)[] = [];

  const settleIdle = () => {
    if (pending.length > 0 || running.size > 0) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };

  const pump = () => {
    while (handler && !closed && running.size < concurrency && pending.length > 0) {
      const { job, key } = pending.shift()!;
      const run = handler;
      const p: Promise<void> = (async () => {
        try {
          await run(job);
          done++;
        } catch (e) {
          failed++;
          opts.onError?.(job, e);
        }
      })().finally(() => {
        running.delete(p);
        present.delete(key);
        pump();
        settleIdle();
      });
      running.add(p);
    }
  };

  const take = (job: J): true | Refusal => {
    if (closed) {
      dropped++;
      return 'closed';
    }
    const key = keyOf(job);
    if (present.has(key)) return 'duplicate';
    if (pending.length >= maxPending) {
      dropped++;
      return 'full';
    }
    pending.push({ job, key });
    present.add(key);
    pump();
    return true;
  };

  return {
    enqueue: (job) => Promise.resolve(take(job)),
    start(h) {
      if (handler) throw new Error('the queue was started already');
      handler = h;
      pump();
    },
    idle() {
      // Before `start`, pending jobs wait for a worker: idle only once they have run.
      if (pending.length === 0 && running.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      closed = true;
      dropped += pending.length;
      for (const { key } of pending.splice(0)) present.delete(key);
      await Promise.all([...running]);
      settleIdle();
    },
    stats: () => ({ pending: pending.length, running: running.size, done, failed, dropped }),
  };
}
