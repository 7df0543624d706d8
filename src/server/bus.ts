// News between the processes of one Rekap (issue 15): a commit tells the other API nodes which
// regions moved, so their change marks move and their live pages hear within a moment. News only:
// the numbers never travel here, a lost message only delays a mark until the database poll sees
// the change (change-mark.ts), and a subscriber hears only what is published after it joined.
// In one process it is `memoryBus`; across machines `jetstreamBus`, on the stream `REKAP_EVENTS`.
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
} from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import * as z from 'zod';
import { isSubjectToken, type RekapStreams } from './nats.ts';

/** Who published a message, as the bus knows it (a node's own news can be told from others'). */
export type BusMeta = { from: string | undefined };

/**
 * Ends a subscription when called. `ready` resolves once the subscription hears what is published
 * from then on (on JetStream its consumer exists; tests wait for it before they publish).
 */
export type Unsubscribe = (() => void) & { ready: Promise<void> };

export type EventBus = {
  /**
   * Publishes `data` (JSON) on `topic`; resolves once the bus has it. Rejects when it could not
   * (NATS down): the caller logs and goes on, since the database poll is the truth.
   */
  publish(topic: string, data: unknown): Promise<void>;
  /** Calls `fn` with each message on `topic` published from now on; answers the unsubscribe. */
  subscribe(topic: string, fn: (data: unknown, meta: BusMeta) => void): Unsubscribe;
  /** Ends every subscription; the connection, the caller's, stays open. */
  close(): Promise<void>;
};

/** The topic of the news that a commit changed regions. */
export const CHANGED_TOPIC = 'changed';

/**
 * A `changed` message: the publishing node's change mark after its commit, the regions whose
 * numbers moved (codes, the nation included), and the node that committed.
 */
export const ChangedSchema = z.object({
  mark: z.number().int().nonnegative(),
  regions: z.array(z.string()),
  from: z.string(),
});
export type Changed = z.infer<typeof ChangedSchema>;

const checkTopic = (topic: string) => {
  if (!isSubjectToken(topic))
    throw new Error(`a bus topic is letters, digits, _ and -, not ${JSON.stringify(topic)}`);
};

/**
 * The bus in this process: `publish` calls each subscriber of the topic in turn, before it
 * resolves; a subscriber that throws is reported to `onError` and the others still hear.
 */
export function memoryBus(
  opts: { node?: string; onError?: (topic: string, error: unknown) => void } = {},
): EventBus {
  const subscribers = new Map<string, Set<(data: unknown, meta: BusMeta) => void>>();
  let closed = false;
  return {
    publish(topic, data) {
      checkTopic(topic);
      if (closed) return Promise.reject(new Error('the bus is closed'));
      // A copy, as the message would be on NATS: no subscriber shares the publisher's object.
      const copy: unknown = JSON.parse(JSON.stringify(data ?? null));
      for (const fn of subscribers.get(topic) ?? []) {
        try {
          fn(structuredClone(copy), { from: opts.node });
        } catch (e) {
          opts.onError?.(topic, e);
        }
      }
      return Promise.resolve();
    },
    subscribe(topic, fn) {
      checkTopic(topic);
      const set = subscribers.get(topic) ?? new Set();
      subscribers.set(topic, set);
      const entry = (data: unknown, meta: BusMeta) => fn(data, meta);
      set.add(entry);
      return Object.assign(() => void set.delete(entry), { ready: Promise.resolve() });
    },
    close() {
      closed = true;
      subscribers.clear();
      return Promise.resolve();
    },
  };
}

export type JetstreamBusOptions = {
  /** This node's name: sent with each message (header `Rekap-Node`), and in its consumers' names. */
  node: string;
  /** The streams as `ensureStreams` made them. */
  streams: RekapStreams;
  /** Told of what the bus met and went on from: a subscriber that threw, a lost consumer. */
  onError?: (topic: string, error: unknown) => void;
};

const NODE_HEADER = 'Rekap-Node';
/** Each pull's life; the server's idle heartbeat is half of it. */
const PULL_EXPIRES_MS = 5_000;
const HEARTBEAT_MS = PULL_EXPIRES_MS / 2;

/**
 * The bus on `REKAP_EVENTS`: `publish` goes to `rekap.events.<topic>`; each subscription reads
 * with an ordered consumer of its own (no acks, in memory on the server), starting after the
 * stream's last message when it subscribes. When its consumer is lost with a node, the client
 * library makes a new one where it stopped; when that fails too, the bus subscribes again after
 * the last message it saw, and goes on.
 */
export function jetstreamBus(nc: NatsConnection, opts: JetstreamBusOptions): EventBus {
  const js: JetStreamClient = jetstream(nc);
  const prefix = opts.node.replace(/[^A-Za-z0-9_-]/g, '_');
  let closed = false;
  const subscriptions = new Set<{ stop: () => Promise<void> }>();

  const subscribe = (topic: string, fn: (data: unknown, meta: BusMeta) => void) => {
    checkTopic(topic);
    const subject = `${opts.streams.events.subject}.${topic}`;
    let stopped = false;
    let current: ConsumerMessages | undefined;
    /** The stream sequence of the last message seen, to go on after it. */
    let lastSeq: number | undefined;
    let wake: () => void = () => {};
    let isReady!: () => void;
    const ready = new Promise<void>((r) => (isReady = r));

    const run = async () => {
      let failures = 0;
      while (!stopped && !closed) {
        try {
          // "New" as a start sequence: one past the stream's last message now, or past the last
          // seen. The library's own recovery starts where it stopped only from a sequence.
          const start =
            lastSeq ??
            (
              await (
                await jetstreamManager(nc, { checkAPI: false })
              ).streams.info(opts.streams.events.name)
            ).state.last_seq;
          const c = await js.consumers.get(opts.streams.events.name, {
            name_prefix: `${prefix}_${topic}_${Math.floor(Math.random() * 1e9)}`,
            filter_subjects: subject,
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: start + 1,
          });
          lastSeq = start;
          if (stopped || closed) return;
          const messages = await c.consume({ max_messages: 100, expires: PULL_EXPIRES_MS });
          current = messages;
          isReady();
          // The library makes the consumer again when it is lost, but not while its requests to a
          // dead node time out (after a reconnect it asks, without end). So a watchdog: no message
          // and no server heartbeat for three heartbeats, and the bus subscribes anew itself.
          let heard = Date.now();
          void (async () => {
            for await (const s of messages.status()) if (s.type === 'heartbeat') heard = Date.now();
          })().catch(() => undefined);
          const watchdog = setInterval(() => {
            if (Date.now() - heard > 3 * HEARTBEAT_MS) messages.stop();
          }, HEARTBEAT_MS);
          failures = 0;
          try {
            for await (const m of messages) {
              heard = Date.now();
              lastSeq = m.seq;
              let data: unknown;
              try {
                data = m.json();
              } catch (e) {
                opts.onError?.(topic, e);
                continue;
              }
              try {
                fn(data, { from: m.headers?.get(NODE_HEADER) || undefined });
              } catch (e) {
                opts.onError?.(topic, e);
              }
            }
          } finally {
            clearInterval(watchdog);
          }
          current = undefined;
        } catch (e) {
          current = undefined;
          if (stopped || closed) return;
          failures++;
          opts.onError?.(topic, e);
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, Math.min(200 * 2 ** failures, 5_000));
          });
        }
      }
    };
    const done = run();
    const sub = {
      stop: async () => {
        stopped = true;
        wake();
        await current?.close().catch(() => undefined);
        await done;
      },
    };
    subscriptions.add(sub);
    return Object.assign(
      () => {
        subscriptions.delete(sub);
        void sub.stop();
      },
      { ready },
    );
  };

  return {
    async publish(topic, data) {
      checkTopic(topic);
      if (closed) throw new Error('the bus is closed');
      const h = headers();
      h.set(NODE_HEADER, opts.node);
      await js.publish(`${opts.streams.events.subject}.${topic}`, JSON.stringify(data ?? null), {
        headers: h,
      });
    },
    subscribe,
    async close() {
      closed = true;
      const subs = [...subscriptions];
      subscriptions.clear();
      await Promise.all(subs.map((s) => s.stop()));
    },
  };
}
