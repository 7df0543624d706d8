// What ties one Rekap process to the others when it runs on many machines (docs/design/scale.md):
// the NATS connection with its streams, the re-read work queue on them, and the event bus that
// tells every API node another one committed. Nothing here holds a number of the count: the
// database does; NATS only carries which version to read again and the news that something moved.
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyBaseLogger } from 'fastify';
import * as z from 'zod';
import { BallotSchema } from '../core/ballots.ts';
import { parseTpsCode, type TpsCode } from '../core/codes.ts';
import type { Store } from '../store/store.ts';
import { CHANGED_TOPIC, ChangedSchema, jetstreamBus, type EventBus } from './bus.ts';
import type { ChangeMarks } from './change-mark.ts';
import { connectNats, ensureStreams, type RekapStreams } from './nats.ts';
import { jetstreamQueue, type JetstreamQueue } from './queue-jetstream.ts';
import type { RereadJob, RereadOutcome } from './reread.ts';

/** A re-read job as it travels on NATS: checked before a worker acts on it. */
export const RereadJobSchema: z.ZodType<RereadJob> = z.object({
  tps: z
    .string()
    .transform((s, ctx) => parseTpsCode(s) ?? (ctx.addIssue({ code: 'custom' }), z.NEVER))
    .pipe(z.custom<TpsCode>()),
  ballot: BallotSchema,
  version: z.number().int().positive(),
});

/** A job's identity: one version of one TPS's ballot, read once (its `Nats-Msg-Id`). */
export const rereadKey = (j: RereadJob): string => `${j.tps}/${j.ballot}/${j.version}`;

/**
 * Records a re-read's outcome. A refusal (the version's recap closed meanwhile) throws, so the job
 * is tried again later; a version already re-read (a redelivery, a second worker) writes nothing
 * and counts as done (review.ts).
 */
export function recordRereadIn(store: Store) {
  return async (job: RereadJob, outcome: RereadOutcome): Promise<void> => {
    const done = await store.recordReread(job.tps, job.ballot, job.version, outcome);
    if (!done.ok) throw new Error(`re-read not recorded: ${done.error.message}`);
  };
}

export type NatsLink = {
  nc: NatsConnection;
  streams: RekapStreams;
  /** Re-read jobs: API nodes enqueue, `rekap worker` processes handle. */
  rereads: JetstreamQueue<RereadJob>;
  bus: EventBus;
  /** This process's name on the bus (its own news is not news to it). */
  node: string;
  /** Ends the queue and the bus, then drains the connection. */
  close(): Promise<void>;
};

export type NatsLinkOptions = {
  /** `nats://h1:p1,h2:p2` (`--queue`). */
  url: string;
  /** `rekap-serve-<host>-<pid>`, `rekap-worker-...`: the connection's and the bus's name. */
  node: string;
  /** Copies of each stream (`--nats-replicas`). */
  replicas: number;
  /** Stream names apart from a deployment's (tests). */
  prefix?: string;
  /** Re-reads this process handles at once (workers). */
  concurrency?: number;
  logger: FastifyBaseLogger;
};

/** Connects, makes or updates the streams, and opens the queue and the bus on them. */
export async function openNatsLink(opts: NatsLinkOptions): Promise<NatsLink> {
  const nc = await connectNats(opts.url, { name: opts.node });
  if (!nc.ok) throw new Error(nc.error.message);
  try {
    const jsm = await jetstreamManager(nc.value, { checkAPI: false });
    const streams = await ensureStreams(jsm, {
      replicas: opts.replicas,
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
    });
    const rereads = jetstreamQueue<RereadJob>(nc.value, {
      kind: 'reread',
      key: rereadKey,
      schema: RereadJobSchema,
      concurrency: opts.concurrency ?? 1,
      // A form is read in about a second; a worker killed mid-job gives it up after this.
      ackWaitMs: 30_000,
      streams,
      onError: (p) => opts.logger.error({ problem: p }, 're-read job problem (NATS)'),
    });
    const bus = jetstreamBus(nc.value, {
      node: opts.node,
      streams,
      onError: (e) => opts.logger.warn({ err: e }, 'event bus problem (NATS)'),
    });
    return {
      nc: nc.value,
      streams,
      rereads,
      bus,
      node: opts.node,
      async close() {
        await rereads.close();
        await bus.close();
        await nc.value.drain().catch(() => undefined);
      },
    };
  } catch (e) {
    await nc.value.close().catch(() => undefined);
    throw e;
  }
}

/** The least time between two `changed` messages of one node: news, not one per commit. */
const NEWS_EVERY_MS = 100;

/**
 * Announces each local commit on the bus, at most every 100 ms (workers' re-read records too).
 * Returns the stop.
 */
export function announceCommits(deps: {
  store: Store;
  bus: EventBus;
  node: string;
  logger: FastifyBaseLogger;
}): () => void {
  const { store, bus, node, logger } = deps;
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  const announce = () => {
    timer = undefined;
    bus
      .publish(CHANGED_TOPIC, { mark: store.localMark(), regions: [], from: node })
      .then(() => {
        if (failing) logger.info('event bus: news of commits flows again');
        failing = false;
      })
      .catch((err: unknown) => {
        // The other nodes' polls still see the commit: later, not never.
        if (!failing) logger.warn({ err }, 'event bus: news of a commit not sent');
        failing = true;
      });
  };
  const unlisten = store.onLocalChange(() => {
    timer ??= setTimeout(announce, NEWS_EVERY_MS);
  });
  return () => {
    if (timer) clearTimeout(timer);
    unlisten();
  };
}

/**
 * Links this node's change marks to the others': its commits are announced (`announceCommits`),
 * and news from another node nudges the marks to poll the database now, so public answers and
 * live streams move within moments. A lost message only delays a mark until the next poll
 * (change-mark.ts). Returns the unlink.
 */
export function linkMarks(deps: {
  store: Store;
  marks: ChangeMarks;
  bus: EventBus;
  node: string;
  logger: FastifyBaseLogger;
}): () => void {
  const { marks, bus, node, logger } = deps;
  const stopAnnouncing = announceCommits(deps);
  const unsubscribe = bus.subscribe(CHANGED_TOPIC, (data, meta) => {
    if (meta.from === node) return;
    if (!ChangedSchema.safeParse(data).success) {
      logger.warn({ from: meta.from }, 'event bus: a changed message of the wrong shape, ignored');
      return;
    }
    marks.nudge();
  });
  return () => {
    stopAnnouncing();
    unsubscribe();
  };
}
