// The public side's live stream and its in-memory change mark (src/server/live.ts,
// change-mark.ts, public-read.ts): a submission is told on GET /api/v1/live with a new mark; the
// heartbeat and the stale/fresh events; a cached read asks the store nothing once warm; the
// cached compressed bodies decode to the same JSON; the cap on open streams.
import Fastify, { type FastifyInstance } from 'fastify';
import { get, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATION_CODE, type RegionCode } from '../src/core/codes.ts';
import { err, ok } from '../src/core/result.ts';
import { changeMarks, type ChangeMarks } from '../src/server/change-mark.ts';
import { apiError } from '../src/server/errors.ts';
import { liveStreamCap, registerLive } from '../src/server/live.ts';
import { publicReads } from '../src/server/public-read.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { storeBackends, TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';
import { plainSubmission, variedResult, resultForDpt } from './support/results.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type SseEvent = { id?: string; event: string; data: Record<string, unknown> };

/** An open event stream: its events and comments as they come, parsed. */
class Stream {
  events: SseEvent[] = [];
  comments: string[] = [];
  private waiters: (() => void)[] = [];
  private constructor(
    readonly res: Response,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string): Promise<Stream> {
    const abort = new AbortController();
    const res = await fetch(url, { signal: abort.signal });
    const s = new Stream(res, abort);
    if (res.ok) void s.read();
    return s;
  }

  private async read() {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of this.res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          this.parse(block);
        }
      }
    } catch {
      // aborted
    }
    this.wake();
  }

  private parse(block: string) {
    const e: Partial<SseEvent> & { dataText?: string } = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) e.id = line.slice(4);
      else if (line.startsWith('event: ')) e.event = line.slice(7);
      else if (line.startsWith('data: ')) e.dataText = line.slice(6);
    }
    if (e.event && e.dataText !== undefined)
      this.events.push({
        ...(e.id ? { id: e.id } : {}),
        event: e.event,
        data: JSON.parse(e.dataText) as Record<string, unknown>,
      });
    this.wake();
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits (up to `ms`) until `test` holds of what has come. */
  async until(test: () => boolean, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() > deadline)
        throw new Error(`no ${what} in ${ms} ms; had ${JSON.stringify(this.events)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  event(name: string, after = 0): SseEvent | undefined {
    return this.events.slice(after).find((e) => e.event === name);
  }

  close() {
    this.abort.abort();
  }
}

/** GET with an Accept-Encoding, the body as sent (fetch would decode it). */
function rawGet(url: string, acceptEncoding: string) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((res, rej) => {
    get(url, { headers: { 'accept-encoding': acceptEncoding } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () =>
        res({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }),
      );
      r.on('error', rej);
    }).on('error', rej);
  });
}

/** A clean result for a TPS whose registered DPT is `dpt`. */
function cleanFor(dpt: number) {
  return resultForDpt(dpt, [0.3, 0.5]);
}

describe('GET /api/v1/live on the real app', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ web: false });
  }, 60_000);
  afterAll(() => server.close());

  it('says the mark on connect, and a new one after a submission', async () => {
    const s = await Stream.open(`${server.url}/api/v1/live`);
    try {
      expect(s.res.status).toBe(200);
      expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(s.res.headers.get('cache-control')).toMatch(/no-cache/);
      expect(s.res.headers.get('x-accel-buffering')).toBe('no');
      await s.until(() => s.event('hello') !== undefined, 'hello event');
      const hello = s.event('hello')!;
      expect(hello.id).toBe('1');
      expect(typeof hello.data.mark).toBe('string');
      expect(Number.isNaN(Date.parse(hello.data.time as string))).toBe(false);
      expect(hello.data.stale).toBeNull();
      // The results' ETag is the same mark.
      const before = await fetch(`${server.url}/api/v1/results/16.08.01.1007?ballot=ppwp`);
      expect(before.headers.get('etag')).toBe(`"${hello.data.mark as string}"`);

      const tps = '16.08.01.1007.001';
      const dpt = (await server.store.tps(tps as never))!.dpt!;
      expect((await server.submit(tps, cleanFor(dpt))).status).toBe(201);
      await s.until(() => s.event('change') !== undefined, 'change event');
      const change = s.event('change')!;
      expect(change.data.mark).not.toBe(hello.data.mark);
      expect(Number(change.id)).toBeGreaterThan(Number(hello.id));
      // A page told of the change re-reads by its ETag and gets the new answer.
      const after = await fetch(`${server.url}/api/v1/results/16.08.01.1007?ballot=ppwp`, {
        headers: { 'if-none-match': before.headers.get('etag')! },
      });
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).toBe(`"${change.data.mark as string}"`);
    } finally {
      s.close();
    }
  });

  it('keeps each compressed body of a cached answer, which decodes to the same JSON', async () => {
    const path = '/api/v1/results/16.08?ballot=ppwp';
    const plain = await rawGet(server.url + path, 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    expect(plain.body.length).toBeGreaterThan(1024);
    const json = JSON.parse(plain.body.toString('utf8')) as unknown;
    const gz1 = await rawGet(server.url + path, 'gzip');
    const gz2 = await rawGet(server.url + path, 'gzip, deflate');
    expect(gz1.headers['content-encoding']).toBe('gzip');
    expect(gz1.headers.etag).toBe(plain.headers.etag);
    expect(gz2.body.equals(gz1.body)).toBe(true);
    expect(JSON.parse(gunzipSync(gz1.body).toString('utf8'))).toEqual(json);
    const br = await rawGet(server.url + path, 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    expect(JSON.parse(brotliDecompressSync(br.body).toString('utf8'))).toEqual(json);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(doc.paths['/api/v1/live']).toBeDefined();
  });
});

/** A store that stands in for one whose database may stop answering. */
function flakyStore(): { store: Store; fail: (on: boolean) => void; bumpExternal: () => void } {
  let failing = false;
  let external = 0;
  const store = {
    changeMark: () =>
      failing ? Promise.reject(new Error('database gone')) : Promise.resolve(`0.${external}`),
    localMark: () => 0,
    quickMark: () => undefined,
    onLocalChange: () => () => undefined,
  } as unknown as Store;
  return { store, fail: (on) => void (failing = on), bumpExternal: () => void external++ };
}

async function liveApp(marks: ChangeMarks, o: Partial<Parameters<typeof registerLive>[1]> = {}) {
  const app = Fastify({ logger: false });
  registerLive(app, { marks, ...o });
  app.addHook('onClose', () => marks.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api/v1/live`;
  return { app, url };
}

describe('the stream, with short intervals', () => {
  it('sends a heartbeat, and says when its data is behind and when it is not', async () => {
    const flaky = flakyStore();
    const times = [new Date('2024-02-14T13:00:00Z')];
    let t = 0;
    const clock = () => new Date(times[0]!.getTime() + t++ * 1000);
    const marks = changeMarks(flaky.store, { pollMs: 25, clock });
    const { app, url } = await liveApp(marks, { heartbeatMs: 40, minIntervalMs: 10 });
    const s = await Stream.open(url);
    try {
      await s.until(() => s.event('heartbeat') !== undefined, 'heartbeat event');
      // Another process writes: the poll sees it, the stream tells it.
      flaky.bumpExternal();
      await s.until(() => s.event('change') !== undefined, 'change event');
      expect(s.event('change')!.data.mark).toBe('0.1');
      // The poll fails: stale, since the last good poll.
      flaky.fail(true);
      await s.until(() => s.event('stale') !== undefined, 'stale event');
      const stale = s.event('stale')!;
      expect(Date.parse(stale.data.since as string)).toBeGreaterThanOrEqual(times[0]!.getTime());
      expect(marks.staleSince()?.toISOString()).toBe(stale.data.since);
      // A stream opened now is told at once.
      const late = await Stream.open(url);
      await late.until(() => late.event('hello') !== undefined, 'hello event');
      expect(late.event('hello')!.data.stale).toBe(stale.data.since);
      late.close();
      // The poll answers again: fresh.
      flaky.bumpExternal();
      flaky.fail(false);
      await s.until(() => s.event('fresh') !== undefined, 'fresh event');
      expect(s.event('fresh')!.data.mark).toBe('0.2');
      expect(marks.staleSince()).toBeNull();
      // Every event has its own, increasing id.
      const ids = s.events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      s.close();
      await app.close();
    }
  }, 60_000);

  it('coalesces a burst of changes into one event a second at most', async () => {
    const flaky = flakyStore();
    const marks = changeMarks(flaky.store, { pollMs: 5 });
    const { app, url } = await liveApp(marks, { minIntervalMs: 60_000 });
    const s = await Stream.open(url);
    try {
      await s.until(() => s.event('hello') !== undefined, 'hello event');
      flaky.bumpExternal();
      await s.until(() => s.event('change') !== undefined, 'change event');
      // More changes within the interval: none is told until it has passed.
      for (let i = 0; i < 5; i++) {
        flaky.bumpExternal();
        await new Promise((r) => setTimeout(r, 30));
      }
      expect(s.events.filter((e) => e.event === 'change')).toHaveLength(1);
    } finally {
      s.close();
      await app.close();
    }
  }, 60_000);

  it('refuses a stream beyond the cap with 503, and closes open ones when the app closes', async () => {
    const flaky = flakyStore();
    const marks = changeMarks(flaky.store, { pollMs: 1000 });
    const { app, url } = await liveApp(marks, { maxStreams: 1 });
    const s = await Stream.open(url);
    await s.until(() => s.event('hello') !== undefined, 'hello event');
    const second = await fetch(url);
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBeTruthy();
    expect(((await second.json()) as { error: string }).error).toBe('server_busy');
    // Closing the app ends the open stream (it must not wait for the client).
    await app.close();
    s.close();
    // The app's cap: half the server's connections, so pages never take the submitters' ones.
    expect(liveStreamCap(500)).toBe(250);
    expect(liveStreamCap(100_000)).toBe(10_000);
    expect(liveStreamCap(1)).toBe(1);
  }, 60_000);
});

for (const backend of storeBackends('live')) {
  describe(`cached public reads on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    let store: Store;
    const calls = { changeMark: 0, regionResult: 0 };
    let app: FastifyInstance;
    let marks: ChangeMarks;

    beforeAll(async () => {
      opened = await backend.open();
      if (!opened) return;
      await opened.store.loadElection(TWO_TPS_ELECTION);
      // The store, counting the questions a read may ask it.
      store = new Proxy(opened.store, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown;
          if (typeof v !== 'function') return v;
          const f = (v as (...a: unknown[]) => unknown).bind(target);
          if (prop === 'changeMark' || prop === 'regionResult')
            return (...a: unknown[]) => {
              calls[prop]++;
              return f(...a);
            };
          return f;
        },
      });
      // No poll in this test's time: only the first mark asks the store.
      marks = changeMarks(store, { pollMs: 3_600_000 });
      const cachedRead = publicReads(store, { marks });
      app = Fastify({ logger: false });
      app.get<{ Params: { code: string } }>('/r/:code', (req, reply) =>
        cachedRead(req, reply, `r/${req.params.code}`, async () => {
          const r = await store.regionResult(req.params.code as RegionCode, 'ppwp');
          return r ? ok(r) : err(apiError('unknown_region', 'no such region'));
        }),
      );
    }, 60_000);
    afterAll(async () => {
      marks?.close();
      await app?.close();
      await opened?.store.close();
      await opened?.cleanup();
    });

    it('asks the store nothing once warm, and once more after a write of its own', async (ctx) => {
      if (!opened) return ctx.skip();
      const first = await app.inject({ url: `/r/${NATION_CODE}` });
      expect(first.statusCode).toBe(200);
      expect(calls).toEqual({ changeMark: 1, regionResult: 1 });
      const etag = first.headers.etag as string;
      // Many readers, at once and one after another: the same bytes, no query.
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const r = await app.inject({ url: `/r/${NATION_CODE}` });
          expect(r.body).toBe(first.body);
        }),
      );
      expect(
        (await app.inject({ url: `/r/${NATION_CODE}`, headers: { 'if-none-match': etag } }))
          .statusCode,
      ).toBe(304);
      expect(calls).toEqual({ changeMark: 1, regionResult: 1 });
      // A write of this process: the mark moves at once, with no query; the next read reads.
      await opened.store.recordSubmission(plainSubmission(TPS_A, variedResult(1)));
      const after = await app.inject({
        url: `/r/${NATION_CODE}`,
        headers: { 'if-none-match': etag },
      });
      expect(after.statusCode).toBe(200);
      expect(after.headers.etag).not.toBe(etag);
      // Concurrent misses of one answer share one read.
      await opened.store.recordSubmission(plainSubmission(TPS_B, variedResult(2)));
      await Promise.all(Array.from({ length: 20 }, () => app.inject({ url: `/r/${NATION_CODE}` })));
      expect(calls).toEqual({ changeMark: 1, regionResult: 3 });
    });

    /** A second store on the same database, as another process (`rekap kpps-token`) opens it. */
    const otherProcess = (o: { dataDir: string; dbUrl?: string | undefined }) =>
      openStore({ dataDir: o.dataDir, ...(o.dbUrl ? { dbUrl: o.dbUrl } : {}), writePhotos: false });

    it('sees the writes of another process (SQLite at once, PostgreSQL by the poll)', async (ctx) => {
      if (!opened) return ctx.skip();
      const other = await otherProcess(opened);
      const polled = changeMarks(store, { pollMs: 20 });
      try {
        const m0 = await polled.mark();
        const changes: string[] = [];
        polled.subscribe((e) => {
          if (e.type === 'change') changes.push(e.mark);
        });
        await other.recordSubmission(plainSubmission(TPS_A, variedResult(3)));
        if (backend.name === 'sqlite') expect(polled.current()).not.toBe(m0);
        const deadline = Date.now() + 20_000;
        while (changes.length === 0 && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        expect(changes.length).toBeGreaterThan(0);
        expect(polled.current()).not.toBe(m0);
      } finally {
        polled.close();
        await other.close();
      }
    });

    it('sees another process’s writes that are not submissions (the event chain)', async (ctx) => {
      if (!opened) return ctx.skip();
      const other = await otherProcess(opened);
      try {
        const m0 = await store.changeMark();
        // A review, a re-read, a sign-off or a token: each is an event, none a submission.
        await other.issueTokens([TPS_A]);
        expect(await store.changeMark()).not.toBe(m0);
      } finally {
        await other.close();
      }
    });
  });
}
