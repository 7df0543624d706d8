// NATS JetStream for Rekap across machines (issue 15, docs/design/scale.md): the connection and
// the two streams. `REKAP_WORK` carries jobs (queue-jetstream.ts): work-queue retention, so a job
// is removed once acked, and a two-minute duplicate window, so a job offered twice (the
// submission path and a catch-up scan) is stored once. `REKAP_EVENTS` carries news (bus.ts): kept
// an hour, read by each API node from where it joined. Neither is the record: the database is.
import {
  connect,
  nanos,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import {
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { err, ok, type Result } from '../core/result.ts';

/** The streams' names and subject roots, as ensured (`prefix` keeps tests apart from a deployment). */
export type RekapStreams = {
  /** Jobs: subjects `<work.subject>.<kind>`. */
  work: { name: string; subject: string };
  /** News: subjects `<events.subject>.<topic>`. */
  events: { name: string; subject: string };
};

/** One token of a subject or a stream name: letters, digits, `_` and `-`. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Whether `s` can be one token of a subject (a job's kind, a bus topic, a prefix). */
export const isSubjectToken = (s: string): boolean => TOKEN.test(s);

/**
 * The streams' names and subjects: `REKAP_WORK` on `rekap.work.>`, `REKAP_EVENTS` on
 * `rekap.events.>`; with a prefix `t1`, `t1_REKAP_WORK` on `t1.rekap.work.>` and so on. Two
 * streams on one server may not share subjects, so the prefix goes in both.
 */
export function rekapStreams(prefix?: string): RekapStreams {
  if (prefix !== undefined && !isSubjectToken(prefix))
    throw new Error(`a stream prefix is letters, digits, _ and -, not ${JSON.stringify(prefix)}`);
  const name = (n: string) => (prefix ? `${prefix}_${n}` : n);
  const subject = (s: string) => (prefix ? `${prefix}.${s}` : s);
  return {
    work: { name: name('REKAP_WORK'), subject: subject('rekap.work') },
    events: { name: name('REKAP_EVENTS'), subject: subject('rekap.events') },
  };
}

export type NatsUrlProblem = { code: 'bad_nats_url'; message: string };
export type NatsUnavailable = { code: 'nats_unavailable'; message: string };

/**
 * The servers of a `--queue` URL: `nats://h1:4222,nats://h2:4222` or `nats://h1:4222,h2:4222`
 * (the scheme may be left off after the first), as `host:port` (port 4222 when none is given).
 */
export function natsServers(url: string): Result<string[], NatsUrlProblem> {
  const parts = url
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) return err({ code: 'bad_nats_url', message: 'no NATS server given' });
  const servers: string[] = [];
  for (const part of parts) {
    const withScheme = /^[a-z]+:\/\//i.test(part) ? part : `nats://${part}`;
    let u: URL;
    try {
      u = new URL(withScheme);
    } catch {
      return err({ code: 'bad_nats_url', message: `not a NATS server: ${JSON.stringify(part)}` });
    }
    if (u.protocol !== 'nats:' && u.protocol !== 'tls:')
      return err({
        code: 'bad_nats_url',
        message: `a NATS server is nats://host:port, not ${JSON.stringify(part)}`,
      });
    if (!u.hostname || (u.pathname !== '' && u.pathname !== '/'))
      return err({ code: 'bad_nats_url', message: `not a NATS server: ${JSON.stringify(part)}` });
    servers.push(`${u.hostname}:${u.port || '4222'}`);
  }
  return ok(servers);
}

export type ConnectNatsOptions = {
  /** The connection's name, as the servers list it (`rekap-serve-<host>`, `rekap-worker-1`). */
  name: string;
  /** Extra client options (tests: a shorter reconnect wait). */
  client?: Partial<NodeConnectionOptions>;
};

/**
 * Connects to any of the servers of `url`. Once connected, the client reconnects by itself, to
 * any server of the cluster, for as long as the process runs: a lost node is a pause, not an end.
 */
export async function connectNats(
  url: string,
  opts: ConnectNatsOptions,
): Promise<Result<NatsConnection, NatsUrlProblem | NatsUnavailable>> {
  const servers = natsServers(url);
  if (!servers.ok) return servers;
  try {
    const nc = await connect({
      servers: servers.value,
      name: opts.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      ...opts.client,
    });
    return ok(nc);
  } catch (e) {
    return err({
      code: 'nats_unavailable',
      message: `no NATS server of ${servers.value.join(', ')} answered: ${(e as Error).message}`,
    });
  }
}

export type EnsureStreamsOptions = {
  /** Copies of each stream: 1 on one server, 3 on a 3-node cluster (`--nats-replicas`). */
  replicas: number;
  /** Names and subjects apart from a deployment's (tests, CI); see `rekapStreams`. */
  prefix?: string;
  /**
   * How long to keep trying while the cluster has no leader or no quorum yet (default 30 s): a
   * node that starts beside a cluster that starts too waits for it.
   */
  retryForMs?: number;
};

/** Each stream's configuration (`ensureStreams` creates it, or updates one there already). */
export function streamConfigs(
  streams: RekapStreams,
  replicas: number,
): (Partial<StreamConfig> & { name: string })[] {
  return [
    {
      name: streams.work.name,
      subjects: [`${streams.work.subject}.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(2 * 60_000),
      num_replicas: replicas,
      discard: DiscardPolicy.Old,
    },
    {
      name: streams.events.name,
      subjects: [`${streams.events.subject}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(60 * 60_000),
      num_replicas: replicas,
      discard: DiscardPolicy.Old,
    },
  ];
}

const isNotFound = (e: unknown) => /stream not found/i.test((e as Error).message);

/**
 * Creates `REKAP_WORK` and `REKAP_EVENTS`, or updates them to this configuration (the replicas
 * may change; a retention policy cannot, and a stream made with another one is an error).
 * Retries while the cluster elects its leaders, up to `retryForMs`, then throws the last error.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  opts: EnsureStreamsOptions,
): Promise<RekapStreams> {
  if (!(Number.isInteger(opts.replicas) && opts.replicas >= 1 && opts.replicas <= 5))
    throw new Error(`stream replicas are 1 to 5, not ${opts.replicas}`);
  const streams = rekapStreams(opts.prefix);
  const until = Date.now() + (opts.retryForMs ?? 30_000);
  for (const config of streamConfigs(streams, opts.replicas)) {
    for (let attempt = 0; ; attempt++) {
      try {
        let exists = true;
        try {
          await jsm.streams.info(config.name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
          exists = false;
        }
        if (exists) await jsm.streams.update(config.name, config);
        else await jsm.streams.add(config);
        break;
      } catch (e) {
        if (Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 2000)));
      }
    }
  }
  return streams;
}

/** Deletes the streams (tests, after their run); one already gone is fine. */
export async function deleteStreams(jsm: JetStreamManager, streams: RekapStreams): Promise<void> {
  for (const name of [streams.work.name, streams.events.name])
    await jsm.streams.delete(name).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
}
