// Bodies and connections a hostile or broken client sends (issue 9, findings 4 and 6), against the
// real app on SQLite over real sockets: multipart without a boundary, cut before its closing
// boundary or with a malformed part header is a 400 `malformed_multipart` (it was a 500); a body
// over the limit is a 413 before it is read (a Content-Length) or as soon as it passes the limit
// (chunked); the memory all requests hold is bounded (503 `server_busy`); a slow body or header is
// cut off; a connection cap keeps the server's own descriptors free while it goes on answering.
// Limits are small here (buildApp's `limits`) so that the tests stay light and quick.
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoElection } from '../src/demo/okutimur.ts';
import { buildApp } from '../src/server/app.ts';
import type { ServerLimits } from '../src/server/limits.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { testPhoto } from './support/photos.ts';
import { createUpload, sha256, tus } from './support/field.ts';
import { rawConnection, writeSome } from './support/raw-connection.ts';
import { issueToken } from './support/server.ts';
import { cleanResult } from './support/results.ts';

const result = () => cleanResult(86);

type Server = {
  url: string;
  port: number;
  store: Store;
  app: FastifyInstance;
  /** A fresh token of a TPS, and the submission path of that TPS. */
  tps(n: number): Promise<{ token: string; path: string }>;
  close(): Promise<void>;
};

async function startServer(limits: Partial<ServerLimits> = {}): Promise<Server> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rekap-bodies-'));
  const store = await openStore({ dataDir });
  await store.loadElection(demoElection());
  const app = await buildApp({ store, limits });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const codes = await store.tpsBelow('16.08' as never);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    app,
    async tps(n) {
      const code = codes[n]!;
      return { token: await issueToken(store, code), path: `/api/v1/tps/${code}/submissions` };
    },
    async close() {
      await app.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const BOUNDARY = 'rekap-test-4f1c9d';
const partHead = (name: string, file?: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"` +
  (file ? `; filename="${file}"\r\nContent-Type: image/jpeg` : '') +
  '\r\n\r\n';
const CLOSE = `\r\n--${BOUNDARY}--\r\n`;
/** A whole multipart body: the result, then each photo. */
const multipart = (photos: Buffer[]) =>
  Buffer.concat([
    Buffer.from(`${partHead('result')}${JSON.stringify(result())}\r\n`),
    ...photos.flatMap((p, i) => [
      Buffer.from(`${i > 0 ? '\r\n' : ''}${partHead('photo', `p${i}.jpg`)}`),
      p,
    ]),
    Buffer.from(CLOSE),
  ]);

/** A JPEG of full-range noise (it does not compress): about 2 MB at 1800x1400. */
function noisyPhoto(width: number, height: number, seed: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height);
  let h = seed;
  for (let i = 0; i < raw.length; i++) {
    h = (Math.imul(h ^ (h >>> 13), 1274126177) + 1) | 0;
    raw[i] = h >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels: 1 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Status line and JSON body of a raw HTTP answer. */
function parseAnswer(raw: string): { status: number; headers: string; json: unknown } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
  const [headers = '', body = ''] = raw.split('\r\n\r\n');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = body;
  }
  return { status, headers: headers.toLowerCase(), json };
}

/** Sends a request with these headers and body bytes (at once), and reads the whole answer. */
async function send(
  server: Server,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string,
): Promise<ReturnType<typeof parseAnswer>> {
  const c = rawConnection(server.port);
  const head =
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  await writeSome(c.socket, head);
  await writeSome(c.socket, body);
  return parseAnswer(await c.closed);
}

describe('malformed multipart is a 400 naming the problem, not a 500', () => {
  let server: Server;
  let auth: Record<string, string>;
  let path: string;
  beforeAll(async () => {
    server = await startServer();
    const t = await server.tps(0);
    auth = { authorization: `Bearer ${t.token}` };
    path = t.path;
  });
  afterAll(() => server.close());
  const withLength = (body: string | Buffer, type = `multipart/form-data; boundary=${BOUNDARY}`) =>
    send(
      server,
      path,
      { ...auth, 'content-type': type, 'content-length': String(body.length) },
      body,
    );

  it('without a boundary', async () => {
    const body = multipart([await testPhoto('no-boundary')]);
    const r = await withLength(body, 'multipart/form-data');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'malformed_multipart' });
    expect((r.json as { message: string }).message).toContain('no boundary');
  });

  it('cut inside a photo, before its closing boundary', async () => {
    const whole = multipart([await testPhoto('cut-photo')]);
    const r = await withLength(whole.subarray(0, whole.length - CLOSE.length - 500));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'malformed_multipart' });
    expect((r.json as { message: string }).message).toContain('closing boundary');
  });

  it('cut after a whole photo, before its closing boundary', async () => {
    const whole = multipart([await testPhoto('cut-end')]);
    const r = await withLength(whole.subarray(0, whole.length - CLOSE.length));
    expect(r).toMatchObject({ status: 400, json: { error: 'malformed_multipart' } });
  });

  it('cut inside the result part', async () => {
    const r = await withLength(`${partHead('result')}{"dpt":`);
    expect(r).toMatchObject({ status: 400, json: { error: 'malformed_multipart' } });
  });

  it('a part whose header has no Content-Disposition', async () => {
    const body = `${partHead('result')}${JSON.stringify(result())}\r\n--${BOUNDARY}\r\nContent-Type: image/jpeg\r\n\r\nxyz${CLOSE}`;
    const r = await withLength(body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'malformed_multipart' });
    expect((r.json as { message: string }).message).toContain('malformed header');
  });

  it('a part with no Content-Disposition after a photo (the parser skips it, then stalls)', async () => {
    const photo = await testPhoto('skipped-part');
    const body = Buffer.concat([
      multipart([photo]).subarray(0, -CLOSE.length),
      Buffer.from(`\r\n--${BOUNDARY}\r\nContent-Type: image/jpeg\r\n\r\n`),
      photo,
      Buffer.from(CLOSE),
    ]);
    const r = await withLength(body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'malformed_multipart' });
    expect((r.json as { message: string }).message).toContain('malformed header');
  });

  it('a photo over the photo limit is a 413 payload_too_large', async () => {
    const body = multipart([Buffer.alloc(16 * 1024 * 1024, 0xab)]);
    const r = await withLength(body);
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ error: 'payload_too_large' });
    expect((r.json as { message: string }).message).toContain('photo 1');
  });

  it('a result part over 64 KB is a 413 payload_too_large', async () => {
    const body = `${partHead('result')}${' '.repeat(70 * 1024)}{}${CLOSE}`;
    const r = await withLength(body);
    expect(r).toMatchObject({ status: 413, json: { error: 'payload_too_large' } });
  });

  it('a whole body still gets in', async () => {
    const r = await withLength(multipart([await testPhoto('whole')]));
    expect(r.status).toBe(201);
  });
});

describe('a body over the submission limit', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ submissionBytes: 2 * 1024 * 1024 });
  });
  afterAll(() => server.close());

  it('is refused on its Content-Length, before the body is sent', async () => {
    const { token, path } = await server.tps(1);
    const c = rawConnection(server.port);
    await writeSome(
      c.socket,
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\n` +
        `Content-Length: ${150 * 1024 * 1024}\r\n\r\n${partHead('photo', 'big.jpg')}`,
    );
    // Nothing more is sent: the answer must come without the other 150 MB.
    const r = parseAnswer(await c.closed);
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ error: 'payload_too_large' });
    expect(r.headers).toContain('connection: close');
  });

  it('is cut off with 413 when a chunked body passes the limit, and the rest is not read', async () => {
    const { token, path } = await server.tps(2);
    const c = rawConnection(server.port);
    await writeSome(
      c.socket,
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = (b: Buffer | string) =>
      Buffer.concat([
        Buffer.from(`${b.length.toString(16)}\r\n`),
        Buffer.from(b),
        Buffer.from('\r\n'),
      ]);
    await writeSome(c.socket, chunk(partHead('photo', 'big.jpg')));
    // Up to 60 MB, 256 KB at a time, until the server answers.
    let sent = 0;
    const piece = chunk(Buffer.alloc(256 * 1024, 0x5a));
    while (sent < 60 * 1024 * 1024 && c.answer() === '' && !c.socket.destroyed) {
      await writeSome(c.socket, piece);
      sent += 256 * 1024;
    }
    const r = parseAnswer(await c.closed);
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ error: 'payload_too_large' });
    expect(sent).toBeLessThan(60 * 1024 * 1024);
  });
});

describe('the memory all requests hold together is bounded', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({
      // A photo counts twice (its pieces, then the buffer they are joined into): 2 x 2.1 MB fits.
      bufferedBytes: 4.5 * 1024 * 1024,
      submissionBytes: 8 * 1024 * 1024,
      busyRetryAfterS: 7,
    });
  });
  afterAll(() => server.close());

  it('answers 503 server_busy with Retry-After while others hold the budget, and gives it back', async () => {
    const [big, medium] = await Promise.all([noisyPhoto(1800, 1400, 1), noisyPhoto(1600, 1200, 2)]);
    expect(big.length).toBeGreaterThan(1.9 * 1024 * 1024);
    expect(medium.length).toBeGreaterThan(1.2 * 1024 * 1024);
    const a = await server.tps(3);
    const b = await server.tps(4);
    const submit = (t: { token: string; path: string }, photo: Buffer) => {
      const body = multipart([photo]);
      return send(
        server,
        t.path,
        {
          authorization: `Bearer ${t.token}`,
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': String(body.length),
        },
        body,
      );
    };

    // A sends 3.3 MB of a 6 MB photo and waits: the server holds those bytes.
    const holder = rawConnection(server.port);
    const body = multipart([Buffer.concat([big, Buffer.alloc(6 * 1024 * 1024 - big.length)])]);
    await writeSome(
      holder.socket,
      `POST ${a.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${a.token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    await writeSome(holder.socket, body.subarray(0, 3.3 * 1024 * 1024));
    await sleep(300);

    // B's 1.4 MB do not fit beside them.
    const busy = await submit(b, medium);
    expect(busy.status).toBe(503);
    expect(busy.json).toMatchObject({ error: 'server_busy' });
    expect(busy.headers).toContain('retry-after: 7');

    // A gives up; its bytes go back, and B gets in, then a body of nearly the whole budget.
    holder.socket.destroy();
    await holder.closed;
    await sleep(300);
    expect((await submit(b, medium)).status).toBe(201);
    expect((await submit(a, big)).status).toBe(201);
  });
});

describe('slow clients are cut off', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({
      headersTimeoutMs: 1_500,
      requestTimeoutMs: 2_500,
      timeoutCheckMs: 100,
      minBodyBytesPerS: 0,
    });
  });
  afterAll(() => server.close());

  it('a body at a few bytes a second, after the request timeout (408)', async () => {
    const { token, path } = await server.tps(5);
    const c = rawConnection(server.port);
    await writeSome(
      c.socket,
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 100000\r\n\r\n`,
    );
    const body = partHead('result');
    // 4 bytes a second, for at most a minute (the test's own limit, far above the server's).
    for (let i = 0; i < 240 && !c.socket.destroyed; i++) {
      await writeSome(c.socket, body.charAt(i % body.length));
      await sleep(250);
    }
    const r = parseAnswer(await c.closed);
    expect(r.status).toBe(408);
    expect(r.json).toMatchObject({ error: 'request_timeout' });
  });

  it('headers at a few bytes a second, after the headers timeout (408)', async () => {
    const c = rawConnection(server.port);
    const head = 'GET /api/v1/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(1000);
    for (let i = 0; i < head.length && !c.socket.destroyed; i++) {
      await writeSome(c.socket, head.charAt(i));
      await sleep(250);
    }
    const r = parseAnswer(await c.closed);
    expect(r.status).toBe(408);
    expect(r.json).toMatchObject({ error: 'request_timeout' });
  });
});

describe('a body slower than the minimum rate is cut off after the grace time', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({
      minBodyBytesPerS: 1_000,
      bodyGraceMs: 1_000,
      timeoutCheckMs: 100,
    });
  });
  afterAll(() => server.close());

  it('408 request_timeout naming the rate, long before the request timeout', async () => {
    const { token, path } = await server.tps(6);
    const c = rawConnection(server.port);
    await writeSome(
      c.socket,
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 100000\r\n\r\n`,
    );
    for (let i = 0; i < 240 && !c.socket.destroyed; i++) {
      await writeSome(c.socket, 'x');
      await sleep(250);
    }
    const r = parseAnswer(await c.closed);
    expect(r.status).toBe(408);
    expect(r.json).toMatchObject({ error: 'request_timeout' });
    expect((r.json as { message: string }).message).toContain('too slowly');
  });

  it('a body that arrives at once is not touched', async () => {
    const { token, path } = await server.tps(7);
    const body = multipart([await testPhoto('fast')]);
    const r = await send(
      server,
      path,
      {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(body.length),
      },
      body,
    );
    expect(r.status).toBe(201);
  });
});

describe('a connection cap', () => {
  const CAP = 20;
  let server: Server;
  beforeAll(async () => {
    server = await startServer({
      maxConnections: CAP,
      headersTimeoutMs: 4_000,
      requestTimeoutMs: 4_000,
      timeoutCheckMs: 100,
      keepAliveTimeoutMs: 60_000,
    });
  });
  afterAll(() => server.close());

  it('refuses connections over the cap, keeps answering on open ones, and frees slots as slow ones are cut off', async () => {
    // A client that was connected before the slow ones came.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${server.url}${path}`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get('/api/v1/meta')).toBe(200);

    // Slow header senders, more than the cap allows.
    const slow = Array.from({ length: CAP + 10 }, () => rawConnection(server.port));
    const trickle = Promise.all(
      slow.map(async (c) => {
        const head = 'GET /api/v1/meta HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(400);
        for (let i = 0; i < head.length && !c.socket.destroyed; i++) {
          await writeSome(c.socket, head.charAt(i));
          await sleep(200);
        }
      }),
    );
    await sleep(1_000);
    // The connected client is still answered while the slow ones hold every other slot.
    for (let i = 0; i < 5; i++) expect(await get('/api/v1/meta')).toBe(200);
    expect(await get(`/api/v1/tps/${(await server.store.tpsBelow('16.08' as never))[0]}`)).toBe(
      200,
    );

    const answers = await Promise.all(slow.map((c) => c.closed));
    await trickle;
    const refused = answers.filter((a) => a === '').length;
    const timedOut = answers.filter((a) => parseAnswer(a).status === 408).length;
    // The connections over the cap were closed unanswered; the rest were cut off by the timeout.
    expect(refused).toBeGreaterThanOrEqual(10);
    expect(refused + timedOut).toBe(slow.length);
    agent.destroy();

    // And new connections get in again.
    const res = await fetch(`${server.url}/api/v1/meta`);
    expect(res.status).toBe(200);
  });
});

describe('tus PATCH bodies are bounded by the upload length too', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  const patchHead = (url: string, token: string, extra: string) =>
    `PATCH ${new URL(url).pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
    `Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n${extra}\r\n`;

  it('a Content-Length past the declared length is refused before the body is read', async () => {
    const { token } = await server.tps(8);
    const code = (await server.store.tpsBelow('16.08' as never))[8]!;
    const photo = await testPhoto('tus-bounded');
    const created = await createUpload(server.url, token, photo, {
      tps: code,
      sha256: sha256(photo),
    });
    expect(created.status).toBe(201);
    const c = rawConnection(server.port);
    await writeSome(
      c.socket,
      patchHead(created.url, token, `Content-Length: ${150 * 1024 * 1024}\r\n`),
    );
    await writeSome(c.socket, photo);
    const answered = await Promise.race([c.closed, sleep(20_000).then(() => c.answer())]);
    c.socket.destroy();
    expect(parseAnswer(answered).status).toBe(413);
  });

  it('a chunked body past the declared length is cut at that length', async () => {
    const { token } = await server.tps(9);
    const code = (await server.store.tpsBelow('16.08' as never))[9]!;
    const photo = await testPhoto('tus-chunked');
    const created = await createUpload(server.url, token, photo, {
      tps: code,
      sha256: sha256(photo),
    });
    const c = rawConnection(server.port);
    await writeSome(c.socket, patchHead(created.url, token, 'Transfer-Encoding: chunked\r\n'));
    const junk = Buffer.alloc(64 * 1024, 0x33);
    const chunk = Buffer.concat([
      Buffer.from(`${junk.length.toString(16)}\r\n`),
      junk,
      Buffer.from('\r\n'),
    ]);
    for (let i = 0; i < 160 && c.answer() === '' && !c.socket.destroyed; i++)
      await writeSome(c.socket, chunk);
    await Promise.race([c.closed, sleep(10_000)]);
    c.socket.destroy();
    // Whatever tus answered, it holds no more than the declared length.
    const head = await tus(created.url, 'HEAD', token);
    expect(Number(head.headers.get('upload-offset') ?? 0)).toBeLessThanOrEqual(photo.length);
    expect(head.headers.get('upload-length')).toBe(String(photo.length));
  });
});
