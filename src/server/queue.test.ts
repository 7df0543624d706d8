import { describe, expect, it } from 'vitest';
import { memoryQueue } from './queue.ts';

/** A promise and its resolver, to hold a handler until the test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('memoryQueue', () => {
  it('runs jobs in order, one at a time by default', async () => {
    const q = memoryQueue<number>();
    const seen: number[] = [];
    let atOnce = 0;
    let most = 0;
    q.start(async (n) => {
      atOnce++;
      most = Math.max(most, atOnce);
      await new Promise((r) => setImmediate(r));
      seen.push(n);
      atOnce--;
    });
    for (let i = 0; i < 5; i++) expect(await q.enqueue(i)).toBe(true);
    await q.idle();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(1);
    expect(q.stats()).toEqual({ pending: 0, running: 0, done: 5, failed: 0, dropped: 0 });
  });

  it('never runs more than its concurrency at once', async () => {
    const q = memoryQueue<number>({ concurrency: 2 });
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    q.start(async (n) => {
      started.push(n);
      await gates[n]!.opened;
    });
    for (const n of [0, 1, 2]) await q.enqueue(n);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(q.stats()).toMatchObject({ pending: 1, running: 2 });
    gates[1]!.open();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.open();
    gates[2]!.open();
    await q.idle();
    expect(q.stats()).toMatchObject({ pending: 0, running: 0, done: 3 });
  });

  it('counts and reports a handler that throws, and goes on', async () => {
    const errors: [number, unknown][] = [];
    const q = memoryQueue<number>({ onError: (job, e) => errors.push([job, e]) });
    const seen: number[] = [];
    q.start(async (n) => {
      await Promise.resolve();
      if (n === 1) throw new Error('missing blob');
      seen.push(n);
    });
    for (const n of [0, 1, 2]) await q.enqueue(n);
    await q.idle();
    expect(seen).toEqual([0, 2]);
    expect(errors.map(([job, e]) => [job, (e as Error).message])).toEqual([[1, 'missing blob']]);
    expect(q.stats()).toMatchObject({ done: 2, failed: 1 });
  });

  it('idle waits for jobs enqueued before start, and answers at once when empty', async () => {
    const q = memoryQueue<number>();
    await q.idle();
    await q.enqueue(7);
    let idle = false;
    const waiting = q.idle().then(() => (idle = true));
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    const seen: number[] = [];
    q.start(async (n) => {
      await Promise.resolve();
      seen.push(n);
    });
    await waiting;
    expect(seen).toEqual([7]);
  });

  it('refuses a job equal to one pending or running, and takes it again once done', async () => {
    const q = memoryQueue<{ tps: string; v: number }>({ key: (j) => `${j.tps}/${j.v}` });
    const g = gate();
    const seen: string[] = [];
    q.start(async (j) => {
      await g.opened;
      seen.push(`${j.tps}/${j.v}`);
    });
    expect(await q.enqueue({ tps: 'a', v: 1 })).toBe(true); // running
    expect(await q.enqueue({ tps: 'a', v: 2 })).toBe(true); // pending
    expect(await q.enqueue({ tps: 'a', v: 1 })).toBe('duplicate');
    expect(await q.enqueue({ tps: 'a', v: 2 })).toBe('duplicate');
    g.open();
    await q.idle();
    expect(await q.enqueue({ tps: 'a', v: 1 })).toBe(true);
    await q.idle();
    expect(seen).toEqual(['a/1', 'a/2', 'a/1']);
  });

  it('close stops taking jobs, forgets those pending and waits for the running one', async () => {
    const q = memoryQueue<number>();
    const g = gate();
    const seen: number[] = [];
    q.start(async (n) => {
      await g.opened;
      seen.push(n);
    });
    for (const n of [0, 1, 2]) await q.enqueue(n);
    await new Promise((r) => setImmediate(r));
    let closed = false;
    const closing = q.close().then(() => (closed = true));
    expect(await q.enqueue(3)).toBe('closed');
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false); // job 0 is still running
    g.open();
    await closing;
    expect(seen).toEqual([0]);
    expect(q.stats()).toEqual({ pending: 0, running: 0, done: 1, failed: 0, dropped: 3 });
    await q.idle();
  });

  it('a full queue refuses jobs, and a scan of what is still due finds them again', async () => {
    // The database's view, as the catch-up scan sees it: every job not yet done.
    const due = new Set([1, 2, 3, 4, 5]);
    const q = memoryQueue<number>({ maxPending: 2 });
    const refused: number[] = [];
    for (const n of [...due]) if ((await q.enqueue(n)) !== true) refused.push(n);
    expect(refused).toEqual([3, 4, 5]);
    expect(q.stats().dropped).toBe(3);
    q.start(async (n) => {
      await Promise.resolve();
      due.delete(n);
    });
    await q.idle();
    expect([...due]).toEqual([3, 4, 5]);
    // The catch-up: offer every job still due; those the queue holds already are refused.
    for (const n of [...due]) await q.enqueue(n);
    await q.idle();
    expect(due.size).toBe(0);
    expect(q.stats()).toMatchObject({ done: 5, dropped: 3 });
  });

  it('takes or refuses a job before enqueue returns: its promise only carries the answer', async () => {
    const q = memoryQueue<number>();
    const answer = q.enqueue(1);
    expect(q.stats().pending).toBe(1);
    expect(await answer).toBe(true);
    await q.close();
  });

  it('refuses a concurrency that is not a whole number of at least 1', () => {
    expect(() => memoryQueue({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => memoryQueue({ concurrency: 1.5 })).toThrow(/concurrency/);
  });
});
