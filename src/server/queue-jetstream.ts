// The work queue across machines (issue 15): `Queue<J>` on the JetStream stream `REKAP_WORK`
// (nats.ts). A job is a JSON message on `rekap.work.<kind>` whose `Nats-Msg-Id` is its key, so a
// job offered twice within the stream's duplicate window is stored once. Every process that
// starts the queue pulls from one durable consumer per kind, so the jobs spread over all of them.
// A job is acked once its handler resolved (its outcome is recorded); one whose worker died is
// delivered again after `ack_wait`. Delivery is at least once: a handler may see a job twice (a
// lost ack, a worker that stalled past `ack_wait`), so it must be idempotent, as the re-read is
// (recordReread writes once per version). The database stays the record: a job lost with the
// stream is found again by the catch-up scan.
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import type * as z from 'zod';
import { isSubjectToken, type RekapStreams } from './nats.ts';
import type { Queue, QueueStats, Refusal } from './queue.ts';

/** Something the queue met and went on from; each is told to `onError`. */
export type JetstreamQueueProblem<J> =
  /** The handler threw: the job is given back (nak) and delivered again after a delay. */
  | { type: 'failed'; job: J; error: unknown; deliveries: number }
  /** A message that is not a job of this kind (bad JSON, the schema refused it): terminated. */
  | { type: 'bad_message'; seq: number; error: unknown }
  /** The handler resolved but the ack was not confirmed: the job may be delivered again. */
  | { type: 'unacked'; job: J; error: unknown }
  /** Pulling from the consumer failed (a lost node, no leader yet): tried again shortly. */
  | { type: 'pull'; error: unknown };

export type JetstreamQueueOptions<J> = {
  /** The job's kind: one subject token (`reread`). Names the subject and the durable consumer. */
  kind: string;
  /** The job's identity, its `Nats-Msg-Id`: equal jobs have equal keys. */
  key: (job: J) => string;
  /** Checks each message before the handler sees it (default: any JSON is taken as a job). */
  schema?: z.ZodType<J>;
  /** Jobs this process handles at once. */
  concurrency: number;
  /**
   * How long the server waits for an ack before it delivers the job again. While a handler runs
   * the queue tells the server it is still working (every third of this), so this bounds how long
   * a dead worker holds a job, not how long a job may take.
   */
  ackWaitMs: number;
  /**
   * Deliveries of one job at most (default 5). After that the job stays unhandled until the
   * catch-up scan offers it again (a new message once the duplicate window has passed).
   */
  maxDeliver?: number;
  /** The delay before a failed job is delivered again, doubled each time (default 1 s, 1 min at most). */
  retryDelayMs?: number;
  /** How long `enqueue` waits for the stream's answer (default 5 s), then refuses `unavailable`. */
  publishTimeoutMs?: number;
  onError: (problem: JetstreamQueueProblem<J>) => void;
  /** The streams as `ensureStreams` made them. */
  streams: RekapStreams;
};

export type JetstreamQueueStats = QueueStats & {
  /** Deliveries of a job seen before (by this process). */
  redelivered: number;
  /** Messages terminated as not a job. */
  bad: number;
};

export type JetstreamQueue<J> = Omit<Queue<J>, 'stats'> & {
  stats(): JetstreamQueueStats;
  /** The durable consumer's name (`rekap_work_<kind>`). */
  readonly consumer: string;
};

/** How long one pull waits for a job before it asks again (the client's minimum is 1 s). */
const PULL_EXPIRES_MS = 5_000;

/**
 * `Queue<J>` on JetStream. `enqueue` may be called without `start` (an API node publishes, a
 * worker handles). `close` stops pulling and waits for the running handlers; it leaves the
 * connection open, since the connection is the caller's and is often shared with a bus.
 */
export function jetstreamQueue<J>(
  nc: NatsConnection,
  opts: JetstreamQueueOptions<J>,
): JetstreamQueue<J> {
  if (!isSubjectToken(opts.kind))
    throw new Error(`a job kind is letters, digits, _ and -, not ${JSON.stringify(opts.kind)}`);
  if (!(Number.isInteger(opts.concurrency) && opts.concurrency >= 1))
    throw new Error(
      `queue concurrency must be a whole number of at least 1, not ${opts.concurrency}`,
    );
  if (!(opts.ackWaitMs >= 1000))
    throw new Error(`ackWaitMs is 1000 at least, not ${opts.ackWaitMs}`);
  const subject = `${opts.streams.work.subject}.${opts.kind}`;
  const stream = opts.streams.work.name;
  const durable = `rekap_work_${opts.kind}`;
  const retryDelayMs = opts.retryDelayMs ?? 1000;
  const js: JetStreamClient = jetstream(nc);
  let jsm: Promise<JetStreamManager> | undefined;
  const manager = () => (jsm ??= jetstreamManager(nc, { checkAPI: false }));

  let closed = false;
  let closing: Promise<void> | undefined;
  let started = false;
  const running = new Set<Promise<void>>();
  /** The pulls waiting for a job, closed on `close`. */
  const pulls = new Set<ConsumerMessages>();
  const loops: Promise<void>[] = [];
  const counts = { pending: 0, done: 0, failed: 0, dropped: 0, redelivered: 0, bad: 0 };

  const config: Partial<ConsumerConfig> = {
    durable_name: durable,
    filter_subject: subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(opts.ackWaitMs),
    max_deliver: opts.maxDeliver ?? 5,
    max_ack_pending: 1000,
  };

  /** The durable consumer, created or brought to this configuration, once per queue. */
  let consumer: Promise<Consumer> | undefined;
  const theConsumer = (): Promise<Consumer> => {
    consumer ??= (async () => {
      const m = await manager();
      try {
        await m.consumers.info(stream, durable);
        await m.consumers.update(stream, durable, config);
      } catch (e) {
        if (!/consumer not found/i.test((e as Error).message)) throw e;
        await m.consumers.add(stream, config).catch(async (e2: unknown) => {
          // Another process made it meanwhile.
          if (!/already (exists|in use)/i.test((e2 as Error).message)) throw e2;
          await m.consumers.update(stream, durable, config);
        });
      }
      return js.consumers.get(stream, durable);
    })();
    // A failure (no leader yet) is tried again at the next call.
    consumer.catch(() => (consumer = undefined));
    return consumer;
  };

  const parse = (m: JsMsg): { ok: true; job: J } | { ok: false; error: unknown } => {
    try {
      const data: unknown = m.json();
      if (!opts.schema) return { ok: true, job: data as J };
      const checked = opts.schema.safeParse(data);
      return checked.success
        ? { ok: true, job: checked.data }
        : { ok: false, error: checked.error };
    } catch (e) {
      return { ok: false, error: e };
    }
  };

  const handle = async (m: JsMsg, handler: (job: J) => Promise<void>): Promise<void> => {
    counts.pending = m.info.pending;
    const parsed = parse(m);
    if (!parsed.ok) {
      counts.bad++;
      m.term();
      opts.onError({ type: 'bad_message', seq: m.seq, error: parsed.error });
      return;
    }
    const { job } = parsed;
    const deliveries = m.info.deliveryCount;
    if (deliveries > 1) counts.redelivered++;
    // Still working: the server's timer restarts, so a long job is not delivered to another worker.
    const beat = setInterval(() => {
      try {
        m.working();
      } catch {
        // The connection is gone: the server delivers the job again after ack_wait.
      }
    }, opts.ackWaitMs / 3);
    try {
      await handler(job);
    } catch (error) {
      clearInterval(beat);
      counts.failed++;
      try {
        m.nak(Math.min(retryDelayMs * 2 ** (deliveries - 1), 60_000));
      } catch {
        // As above: redelivered after ack_wait.
      }
      opts.onError({ type: 'failed', job, error, deliveries });
      return;
    }
    clearInterval(beat);
    counts.done++;
    try {
      if (!(await m.ackAck())) throw new Error('the server did not confirm the ack');
    } catch (error) {
      opts.onError({ type: 'unacked', job, error });
    }
  };

  /** One of `concurrency` loops: pull one job, handle it, again, until closed. */
  const loop = async (handler: (job: J) => Promise<void>): Promise<void> => {
    let failures = 0;
    while (!closed) {
      try {
        const c = await theConsumer();
        if (closed) return;
        const batch = await c.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
        pulls.add(batch);
        if (closed) await batch.close();
        // A pull ends by itself after `expires`, except when its requests go to a node that died
        // (the client asks again without end): ended here, and the loop pulls anew.
        const guard = setTimeout(() => batch.stop(), 3 * PULL_EXPIRES_MS);
        try {
          for await (const m of batch) {
            const run = handle(m, handler);
            running.add(run);
            await run.finally(() => running.delete(run));
          }
        } finally {
          clearTimeout(guard);
          pulls.delete(batch);
        }
        failures = 0;
      } catch (error) {
        if (closed) return;
        failures++;
        opts.onError({ type: 'pull', error });
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** failures, 5_000)));
      }
    }
  };

  const enqueue = async (job: J): Promise<true | Refusal> => {
    if (closed) {
      counts.dropped++;
      return 'closed';
    }
    const h = headers();
    h.set('Nats-Msg-Id', opts.key(job));
    try {
      const ack = await js.publish(subject, JSON.stringify(job), {
        headers: h,
        timeout: opts.publishTimeoutMs ?? 5_000,
      });
      return ack.duplicate ? 'duplicate' : true;
    } catch {
      // No quorum, no leader, a timeout, no connection: the database still says the job is due.
      counts.dropped++;
      return 'unavailable';
    }
  };

  return {
    consumer: durable,
    enqueue,
    start(handler) {
      if (started) throw new Error('the queue was started already');
      started = true;
      for (let i = 0; i < opts.concurrency; i++) loops.push(loop(handler));
    },
    async idle() {
      // The server's count, since other processes publish and handle too; polled, as JetStream
      // has no notice of an empty consumer.
      for (;;) {
        if (running.size === 0) {
          try {
            const info = await (await theConsumer()).info();
            counts.pending = info.num_pending;
            if (info.num_pending === 0 && info.num_ack_pending === 0 && running.size === 0) return;
          } catch {
            // No leader for a moment: ask again.
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close() {
      // Once: a second close (the rereader's, then the link's) waits for the first, since an
      // ended pull's close may never settle again.
      closing ??= (async () => {
        closed = true;
        for (const p of pulls) await p.close().catch(() => undefined);
        await Promise.all([...running]);
        await Promise.all(loops);
      })();
      return closing;
    },
    stats: () => ({ ...counts, running: running.size }),
  };
}
