// The work queue and the event bus on NATS JetStream (src/server/queue-jetstream.ts, bus.ts,
// nats.ts), on the server at 127.0.0.1:4222 and on a cluster of three nodes started here, one of
// which is killed. Each run makes streams of its own (a prefix) and deletes them after.
// JetStream delivers at least once: the handlers here count deliveries by key, and a job is
// "handled" the first time its key is seen, as the re-read's record is written once per version.
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { jetstreamBus, memoryBus, type EventBus } from '../src/server/bus.ts';
import {
  connectNats,
  deleteStreams,
  ensureStreams,
  natsServers,
  rekapStreams,
  type RekapStreams,
} from '../src/server/nats.ts';
import { jetstreamQueue, type JetstreamQueueProblem } from '../src/server/queue-jetstream.ts';
import {
  NATS_URL,
  natsAvailable,
  natsServerBinaryAvailable,
  startNatsCluster,
  type NatsCluster,
} from './support/nats-cluster.ts';

const Job = z.object({ id: z.string() });
type Job = z.infer<typeof Job>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const prefix = () => `t${process.pid}_${Math.floor(Math.random() * 1e9)}`;

async function connect(url: string, name: string): Promise<NatsConnection> {
  const c = await connectNats(url, { name, client: { reconnectTimeWait: 200 } });
  if (!c.ok) throw new Error(c.error.message);
  return c.value;
}

/** Waits until `check` holds, asking every `everyMs` (the test's timeout bounds it). */
async function until(check: () => boolean | Promise<boolean>, everyMs = 50): Promise<void> {
  while (!(await check())) await sleep(everyMs);
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('NATS URLs', () => {
  it('takes servers with or without the scheme after the first, and refuses others', () => {
    expect(natsServers('nats://h1:4223,nats://h2:4224')).toEqual({
      ok: true,
      value: ['h1:4223', 'h2:4224'],
    });
    expect(natsServers('nats://h1:4223, h2:4224,h3')).toEqual({
      ok: true,
      value: ['h1:4223', 'h2:4224', 'h3:4222'],
    });
    expect(natsServers('http://h1:80')).toMatchObject({
      ok: false,
      error: { code: 'bad_nats_url' },
    });
    expect(natsServers(' , ')).toMatchObject({ ok: false, error: { code: 'bad_nats_url' } });
  });

  it('names streams and subjects apart with a prefix', () => {
    expect(rekapStreams()).toEqual({
      work: { name: 'REKAP_WORK', subject: 'rekap.work' },
      events: { name: 'REKAP_EVENTS', subject: 'rekap.events' },
    });
    expect(rekapStreams('ci1').work).toEqual({ name: 'ci1_REKAP_WORK', subject: 'ci1.rekap.work' });
    expect(() => rekapStreams('a.b')).toThrow(/prefix/);
  });
});

describe('memoryBus', () => {
  it('each subscriber of a topic hears each message, as a copy, and not after unsubscribing', async () => {
    const bus = memoryBus({ node: 'n1' });
    const a: unknown[] = [];
    const b: unknown[] = [];
    const unA = bus.subscribe('changed', (d, meta) => a.push([d, meta.from]));
    bus.subscribe('changed', (d) => b.push(d));
    bus.subscribe('other', () => a.push('wrong topic'));
    const sent = { mark: 1, regions: ['16'], from: 'n1' };
    await bus.publish('changed', sent);
    unA();
    await bus.publish('changed', { mark: 2, regions: [], from: 'n1' });
    expect(a).toEqual([[sent, 'n1']]);
    expect(b).toEqual([sent, { mark: 2, regions: [], from: 'n1' }]);
    expect(b[0]).not.toBe(sent);
    await bus.close();
  });
});

describe('on NATS JetStream (one server)', () => {
  let nc: NatsConnection | undefined;
  let jsm: JetStreamManager;
  let streams: RekapStreams;
  const others: NatsConnection[] = [];
  beforeAll(async () => {
    if (!(await natsAvailable())) return;
    nc = await connect(NATS_URL, 'rekap-test');
    jsm = await jetstreamManager(nc);
    streams = await ensureStreams(jsm, { replicas: 1, prefix: prefix() });
  });
  afterAll(async () => {
    if (!nc) return;
    await deleteStreams(jsm, streams);
    for (const o of others) await o.close();
    await nc.close();
  });
  const another = async (name: string) => {
    const c = await connect(NATS_URL, name);
    others.push(c);
    return c;
  };
  const problems: JetstreamQueueProblem<Job>[] = [];
  const queueOn = (c: NatsConnection, kind: string, more: { ackWaitMs?: number } = {}) =>
    jetstreamQueue<Job>(c, {
      kind,
      key: (j) => j.id,
      schema: Job,
      concurrency: 2,
      ackWaitMs: more.ackWaitMs ?? 30_000,
      retryDelayMs: 100,
      onError: (p) => problems.push(p),
      streams,
    });

  it('makes the streams as configured, and again without complaint', async (ctx) => {
    if (!nc) return ctx.skip('NATS not available');
    const work = await jsm.streams.info(streams.work.name);
    expect(work.config).toMatchObject({
      subjects: [`${streams.work.subject}.>`],
      retention: 'workqueue',
      storage: 'file',
      duplicate_window: 120_000_000_000,
      num_replicas: 1,
    });
    const events = await jsm.streams.info(streams.events.name);
    expect(events.config).toMatchObject({ retention: 'limits', max_age: 3_600_000_000_000 });
    await ensureStreams(jsm, { replicas: 1, prefix: streams.work.name.split('_REKAP')[0] });
  });

  it('runs an enqueued job once, acks it, and is idle after', async (ctx) => {
    if (!nc) return ctx.skip('NATS not available');
    const q = queueOn(nc, 'once');
    const seen: string[] = [];
    q.start(async (j) => {
      await sleep(10);
      seen.push(j.id);
    });
    expect(await q.enqueue({ id: 'a' })).toBe(true);
    await q.idle();
    expect(seen).toEqual(['a']);
    const info = await jsm.consumers.info(streams.work.name, q.consumer);
    expect(info).toMatchObject({ num_pending: 0, num_ack_pending: 0 });
    // Work-queue retention: the acked job is gone from the stream.
    expect((await jsm.streams.info(streams.work.name)).state.messages).toBe(0);
    expect(q.stats()).toMatchObject({ done: 1, failed: 0, running: 0, redelivered: 0 });
    await q.close();
    expect(await q.enqueue({ id: 'b' })).toBe('closed');
  });

  it('stores a job offered twice under one key once: duplicate, and one run', async (ctx) => {
    if (!nc) return ctx.skip('NATS not available');
    const q = queueOn(nc, 'dup');
    expect(await q.enqueue({ id: 'k1' })).toBe(true);
    expect(await q.enqueue({ id: 'k1' })).toBe('duplicate');
    const seen: string[] = [];
    q.start((j) => {
      seen.push(j.id);
      return Promise.resolve();
    });
    await q.idle();
    expect(seen).toEqual(['k1']);
    await q.close();
  });

  it('delivers a job again after its handler threw, and it then succeeds', async (ctx) => {
    if (!nc) return ctx.skip('NATS not available');
    const q = queueOn(nc, 'retry');
    let runs = 0;
    q.start(async () => {
      await sleep(5);
      runs++;
      if (runs === 1) throw new Error('blob not there yet');
    });
    expect(await q.enqueue({ id: 'r1' })).toBe(true);
    await q.idle();
    expect(runs).toBe(2);
    expect(q.stats()).toMatchObject({ done: 1, failed: 1, redelivered: 1 });
    expect(problems.filter((p) => p.type === 'failed')).toEqual([
      expect.objectContaining({ job: { id: 'r1' }, deliveries: 1 }),
    ]);
    await q.close();
  });

  it('terminates a message that is not a job, and reports it', async (ctx) => {
    if (!nc) return ctx.skip('NATS not available');
    const q = queueOn(nc, 'bad');
    const seen: string[] = [];
    q.start((j) => {
      seen.push(j.id);
      return Promise.resolve();
    });
    const js = jsm.jetstream();
    await js.publish(`${streams.work.subject}.bad`, JSON.stringify({ nope: 1 }));
    await js.publish(`${streams.work.subject}.bad`, 'not json');
    expect(await q.enqueue({ id: 'good' })).toBe(true);
    await q.idle();
    expect(seen).toEqual(['good']);
    expect(q.stats().bad).toBe(2);
    expect(problems.filter((p) => p.type === 'bad_message')).toHaveLength(2);
    await q.close();
  });

  it('gives the job of a worker that stopped without acking to another after ack_wait', async (ctx) => {
    if (!nc) return ctx.skip('NATS not available');
    const ncA = await another('rekap-test-a');
    const ncB = await another('rekap-test-b');
    const a = queueOn(ncA, 'dead', { ackWaitMs: 2000 });
    const held = gate();
    const started = gate();
    a.start(async () => {
      started.open();
      await held.opened;
    });
    expect(await queueOn(nc, 'dead', { ackWaitMs: 2000 }).enqueue({ id: 'd1' })).toBe(true);
    await started.opened;
    // The worker's process is gone, as with kill -9: its connection closes mid-job, no ack.
    await ncA.close();
    const b = queueOn(ncB, 'dead', { ackWaitMs: 2000 });
    const onB: number[] = [];
    b.start(() => {
      onB.push(1);
      return Promise.resolve();
    });
    await until(() => onB.length > 0);
    await b.idle();
    expect(onB).toHaveLength(1);
    expect(b.stats()).toMatchObject({ done: 1, redelivered: 1 });
    held.open();
    await a.close();
    await b.close();
  }, 60_000);

  it('the bus: two subscribers on two connections both hear a message, with its node', async (ctx) => {
    if (!nc) return ctx.skip('NATS not available');
    const busA = jetstreamBus(await another('rekap-bus-a'), { node: 'api-a', streams });
    const busB = jetstreamBus(await another('rekap-bus-b'), { node: 'api-b', streams });
    const pub = jetstreamBus(nc, { node: 'api-1', streams });
    // Published before the subscriptions: not heard (they start at new messages).
    await pub.publish('changed', { mark: 0, regions: [], from: 'api-1' });
    const heardA: unknown[] = [];
    const heardB: unknown[] = [];
    const subs = [
      busA.subscribe('changed', (d, m) => heardA.push([d, m.from])),
      busB.subscribe('changed', (d, m) => heardB.push([d, m.from])),
    ];
    await Promise.all(subs.map((s) => s.ready));
    const changed = { mark: 7, regions: ['16', '16.08'], from: 'api-1' };
    await pub.publish('changed', changed);
    await pub.publish('elsewhere', { ignored: true });
    await until(() => heardA.length > 0 && heardB.length > 0);
    expect(heardA).toEqual([[changed, 'api-1']]);
    expect(heardB).toEqual([[changed, 'api-1']]);
    await Promise.all([busA.close(), busB.close(), pub.close()]);
  });
});

describe('on a 3-node NATS cluster, one node killed', () => {
  let cluster: NatsCluster | undefined;
  const conns: NatsConnection[] = [];
  let streams: RekapStreams;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    if (!natsServerBinaryAvailable()) return;
    cluster = await startNatsCluster(3);
    const admin = await connect(cluster.url, 'rekap-cluster-admin');
    conns.push(admin);
    // No account check: the cluster may not have elected its meta leader yet.
    jsm = await jetstreamManager(admin, { checkAPI: false });
    // The cluster elects its meta leader first: ensureStreams retries until it can.
    streams = await ensureStreams(jsm, { replicas: 3, prefix: prefix(), retryForMs: 60_000 });
    await until(async () => {
      try {
        const info = await jsm.streams.info(streams.work.name);
        return Boolean(info.cluster?.leader) && (info.cluster?.replicas?.length ?? 0) === 2;
      } catch {
        return false;
      }
    }, 200);
  }, 120_000);
  afterAll(async () => {
    for (const c of conns) await c.close().catch(() => undefined);
    await cluster?.stop();
  });

  it('handles 50 jobs, each once by key, through the loss of the stream leader; the bus goes on', async (ctx) => {
    if (!cluster) return ctx.skip('nats-server not available');
    const c = cluster;
    const producerNc = await connect(c.url, 'rekap-cluster-api');
    const workerNcs = [
      await connect(c.url, 'rekap-cluster-w1'),
      await connect(c.url, 'rekap-cluster-w2'),
    ];
    conns.push(producerNc, ...workerNcs);
    const deliveries = new Map<string, number>();
    const handled = new Set<string>();
    const problems: JetstreamQueueProblem<Job>[] = [];
    const options = {
      kind: 'cluster',
      key: (j: Job) => j.id,
      schema: Job,
      concurrency: 2,
      ackWaitMs: 2000,
      retryDelayMs: 100,
      onError: (p: JetstreamQueueProblem<Job>) => problems.push(p),
      streams,
    };
    const producer = jetstreamQueue<Job>(producerNc, options);
    const workers = workerNcs.map((w) => jetstreamQueue<Job>(w, options));
    for (const w of workers)
      w.start(async (j) => {
        deliveries.set(j.id, (deliveries.get(j.id) ?? 0) + 1);
        await sleep(20);
        // The handler's own dedupe, as recordReread's: the first time a key is seen it counts.
        handled.add(j.id);
      });

    // The bus's subscribers, before the kill.
    const buses: EventBus[] = workerNcs.map((w, i) => jetstreamBus(w, { node: `w${i}`, streams }));
    const heard: number[][] = [[], []];
    const subs = buses.map((b, i) =>
      b.subscribe('changed', (d) => heard[i]!.push((d as { mark: number }).mark)),
    );
    await Promise.all(subs.map((s) => s.ready));

    // A refusal (no leader for a moment) is offered again, as the catch-up scan would.
    const offer = async (id: string) => {
      for (;;) {
        const taken = await producer.enqueue({ id });
        if (taken === true || taken === 'duplicate') return;
        await sleep(200);
      }
    };
    for (let i = 0; i < 20; i++) await offer(`job-${i}`);
    const leader = (await jsm.streams.info(streams.work.name)).cluster?.leader ?? 'rekap-n0';
    const killed = Number(/rekap-n(\d)/.exec(leader)?.[1] ?? 0);
    await c.kill(killed);
    for (let i = 20; i < 50; i++) await offer(`job-${i}`);

    await until(() => handled.size === 50, 100);
    await Promise.all(workers.map((w) => w.idle()));
    expect(handled.size).toBe(50);
    for (let i = 0; i < 50; i++) expect(deliveries.get(`job-${i}`)).toBeGreaterThanOrEqual(1);
    const runs = [...deliveries.values()].reduce((a, b) => a + b, 0);
    console.info(
      `cluster: 50 jobs, ${runs} handler runs (${runs - 50} redeliveries), node ${leader} killed; ` +
        `problems: ${problems.map((p) => p.type).join(', ') || 'none'}`,
    );

    // The bus after the kill: news published now reaches both subscribers. A message published
    // while a consumer is being made again may be lost (news only), so it is sent until heard.
    const firstAfter = 1000;
    let mark = firstAfter;
    const heardAfter = () => heard.every((h) => h.some((m) => m >= firstAfter));
    const pub = jetstreamBus(producerNc, { node: 'api', streams });
    while (!heardAfter()) {
      await pub.publish('changed', { mark: mark++, regions: ['16'], from: 'api' }).catch(() => {});
      await sleep(300);
    }
    expect(heardAfter()).toBe(true);

    await Promise.all([...workers.map((w) => w.close()), producer.close()]);
    await Promise.all([...buses.map((b) => b.close()), pub.close()]);
    await deleteStreams(jsm, streams).catch(() => undefined);
  }, 180_000);
});
