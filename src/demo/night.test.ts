import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TpsCode } from '../core/codes.ts';
import { EXAMPLE_PPWP } from '../synth/results.ts';
import { runNight } from './night.ts';
import type { SimulatedSubmission } from './results.ts';

type Recorded = { method: string; url: string; auth: string | undefined; form: FormData };

const tps = (n: number) => `16.08.01.1007.${String(n).padStart(3, '0')}` as TpsCode;
const sub = (n: number, atMs: number): SimulatedSubmission => ({
  tps: tps(n),
  result: EXAMPLE_PPWP,
  atMs,
});

async function readForm(req: IncomingMessage): Promise<FormData> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new Response(Buffer.concat(chunks), {
    headers: { 'content-type': req.headers['content-type'] ?? '' },
  }).formData();
}

describe('runNight', () => {
  let server: Server;
  let baseUrl: string;
  const requests: Recorded[] = [];
  const tries = new Map<string, number>();

  beforeAll(async () => {
    // TPS 001: 503 once, then 201 clean. 002: 201 flagged. 003: 422. 004: 429 once, then 200.
    server = createServer((req, res) => {
      void (async () => {
        const form = await readForm(req);
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          auth: req.headers.authorization,
          form,
        });
        const code = /\/tps\/([\d.]+)\//.exec(req.url ?? '')?.[1] ?? '';
        const n = (tries.get(code) ?? 0) + 1;
        tries.set(code, n);
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const ok = (status: 'clean' | 'flagged') => ({
          id: `s-${code}`,
          hash: 'h',
          version: 1,
          status,
          flags: [],
        });
        if (code === tps(1) && n === 1) return reply(503, { error: 'busy' });
        if (code === tps(1)) return reply(201, ok('clean'));
        if (code === tps(2)) return reply(201, ok('flagged'));
        if (code === tps(3)) return reply(422, { error: 'invalid_result' });
        if (code === tps(4) && n === 1) return reply(429, { error: 'slow down' });
        return reply(200, ok('clean'));
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts each form with its photo and token, retries 5xx/429, never 4xx', async () => {
    const tokens = new Map<string, string>([1, 2, 3, 4].map((n) => [tps(n), `token-${String(n)}`]));
    const logs: string[] = [];
    const report = await runNight({
      baseUrl: `${baseUrl}/`,
      tokens,
      submissions: [sub(1, 0), sub(2, 5), sub(3, 10), sub(4, 15), sub(5, 20)],
      retryBaseMs: 5,
      log: (m) => logs.push(m),
    });
    expect(report).toEqual({ sent: 4, accepted: 3, flagged: 1, failed: 2 });
    expect(tries.get(tps(1))).toBe(2);
    expect(tries.get(tps(2))).toBe(1);
    expect(tries.get(tps(3))).toBe(1);
    expect(tries.get(tps(4))).toBe(2);
    expect(tries.has(tps(5))).toBe(false);
    expect(logs.some((m) => m.includes('tidak ada token'))).toBe(true);
    expect(logs.at(-1)).toBe('malam pemilu simulasi: 5/5 TPS terkirim, 1 ditandai, 2 gagal');

    for (const r of requests) {
      expect(r.method).toBe('POST');
      const code = /\/tps\/([\d.]+)\//.exec(r.url)?.[1] ?? '';
      expect(r.url).toBe(`/api/v1/tps/${code}/submissions?ballot=ppwp`);
      expect(r.auth).toBe(`Bearer ${tokens.get(code) ?? ''}`);
      const result = r.form.get('result');
      expect(typeof result).toBe('string');
      expect(JSON.parse(result as string)).toEqual(EXAMPLE_PPWP);
      const photos = r.form.getAll('photo');
      expect(photos).toHaveLength(1);
      const photo = photos[0] as File;
      expect(photo.name).toBe('c-hasil-1.jpg');
      expect(photo.type).toBe('image/jpeg');
      const meta = await sharp(Buffer.from(await photo.arrayBuffer())).metadata();
      expect(meta.format).toBe('jpeg');
    }
  });

  it('gives up after its attempts on a server that stays down', async () => {
    const down = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${String((down.address() as AddressInfo).port)}`;
    try {
      const report = await runNight({
        baseUrl: url,
        tokens: new Map([[tps(1), 't']]),
        submissions: [sub(1, 0)],
        attempts: 3,
        retryBaseMs: 1,
        photos: () => Promise.resolve([Buffer.from('not really a jpeg')]),
      });
      expect(report).toEqual({ sent: 1, accepted: 0, flagged: 0, failed: 1 });
    } finally {
      await new Promise<void>((resolve) => down.close(() => resolve()));
    }
  });

  it('stops cleanly when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const report = await runNight({
      baseUrl,
      tokens: new Map([
        [tps(7), 't'],
        [tps(8), 't'],
      ]),
      submissions: [sub(7, 0), sub(8, 60_000)],
      photos: () => Promise.resolve([Buffer.from('x')]),
      log: (m) => {
        if (m.startsWith('malam pemilu simulasi: 1/2')) controller.abort();
      },
      signal: controller.signal,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report).toEqual({ sent: 1, accepted: 1, flagged: 0, failed: 0 });
  });
});
