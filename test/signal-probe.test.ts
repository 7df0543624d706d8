// The survey's timed upload (POST /api/v1/signal/probe) against the real app on SQLite over HTTP:
// the KPPS token is required, the bytes that arrived are answered and nothing is kept, a body over
// 64 KiB is refused with the limit named, and one TPS may make 60 probes an hour (then 429 with
// Retry-After, counted on a clock the test moves forward).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_MAX_BYTES } from '../src/contract/kpps.ts';
import { NATION_CODE, type TpsCode } from '../src/core/codes.ts';
import { buildApp } from '../src/server/app.ts';
import { hourlyWindow } from '../src/server/signal-probe.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';
import { issueToken } from './support/server.ts';

const HOUR = 3600_000;
let now = Date.parse('2024-02-10T08:00:00Z');
const clock = () => new Date(now);
let dataDir: string;
let store: Store;
let app: FastifyInstance;
let url: string;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rekap-probe-'));
  store = await openStore({ dataDir, clock });
  await store.loadElection(TWO_TPS_ELECTION);
  app = await buildApp({ store, clock, quotas: { probesPerHour: 5 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  tokenA = await issueToken(store, TPS_A);
  tokenB = await issueToken(store, TPS_B);
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function probe(
  body: Uint8Array<ArrayBuffer> | undefined,
  token: string | null,
  type: string | null = 'application/octet-stream',
) {
  const res = await fetch(`${url}/api/v1/signal/probe`, {
    method: 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(type ? { 'content-type': type } : {}),
    },
    ...(body ? { body } : {}),
  });
  return {
    status: res.status,
    headers: res.headers,
    json: (await res.json()) as Record<string, unknown>,
  };
}

const bytes = (n: number): Uint8Array<ArrayBuffer> => new Uint8Array(n).map((_, i) => i % 251);

describe('the survey probe', () => {
  it('answers the bytes received and the server time, uncached, and keeps nothing', async () => {
    const before = await store.observations(NATION_CODE, 100, 100);
    const res = await probe(bytes(32 * 1024), tokenA);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ received: 32 * 1024, at: new Date(now).toISOString() });
    expect(res.headers.get('cache-control')).toBe('no-store');
    // Exactly the limit is allowed; an empty body is 0 bytes.
    expect((await probe(bytes(PROBE_MAX_BYTES), tokenA)).json.received).toBe(PROBE_MAX_BYTES);
    expect((await probe(new Uint8Array(0), tokenA)).json.received).toBe(0);
    expect(await store.observations(NATION_CODE, 100, 100)).toEqual(before);
  });

  it('refuses without a valid token (401), and a body of another type (415)', async () => {
    const none = await probe(bytes(10), null);
    expect(none.status).toBe(401);
    expect(none.json.error).toBe('no_token');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const bad = await probe(bytes(10), 'not-a-token');
    expect(bad.status).toBe(401);
    expect(bad.json.error).toBe('bad_token');
    const json = await probe(new TextEncoder().encode('{"a":1}'), tokenB, 'application/json');
    expect(json.status).toBe(415);
    expect(json.json.message).toContain('application/octet-stream');
  });

  it('refuses a body over 64 KiB with the limit in the message (413), declared or streamed', async () => {
    const declared = await probe(bytes(PROBE_MAX_BYTES + 1), tokenB);
    expect(declared.status).toBe(413);
    expect(declared.json.error).toBe('payload_too_large');
    expect(declared.json.message).toContain(`at most ${PROBE_MAX_BYTES} bytes`);
    // Chunked, without Content-Length: counted as it arrives.
    const chunks = [bytes(40 * 1024), bytes(40 * 1024)];
    const res = await fetch(`${url}/api/v1/signal/probe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenB}`, 'content-type': 'application/octet-stream' },
      body: new ReadableStream({
        pull(c) {
          const next = chunks.shift();
          if (next) c.enqueue(next);
          else c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toContain(
      `at most ${PROBE_MAX_BYTES} bytes`,
    );
  });

  it('allows a TPS its probes an hour, then 429 with Retry-After until the oldest is an hour old', async () => {
    // The probes above (refused ones count too: they were made) are two hours old now. Quota 5.
    now += 2 * HOUR;
    for (let i = 0; i < 5; i++) {
      expect((await probe(bytes(1024), tokenA)).status).toBe(200);
      now += 60_000;
    }
    const refused = await probe(bytes(1024), tokenA);
    expect(refused.status).toBe(429);
    expect(refused.json.error).toBe('quota_exceeded');
    expect(refused.json.message).toContain('probesPerHour');
    // The first of the five was 5 minutes ago: room again in 55 minutes.
    expect(refused.headers.get('retry-after')).toBe(String(55 * 60));
    // Another TPS is not held back by A.
    expect((await probe(bytes(1024), tokenB)).status).toBe(200);
    now += 55 * 60_000;
    expect((await probe(bytes(1024), tokenA)).status).toBe(200);
    expect((await probe(bytes(1024), tokenA)).status).toBe(429);
  });
});

describe('hourlyWindow', () => {
  it('slides: each probe leaves the count an hour after it was made', () => {
    let t = 0;
    const w = hourlyWindow(2, () => new Date(t));
    const tps = TPS_A;
    expect(w.take(tps).ok).toBe(true);
    t = 10 * 60_000;
    expect(w.take(tps).ok).toBe(true);
    t = 20 * 60_000;
    expect(w.take(tps)).toEqual({ ok: false, error: 40 * 60_000 });
    t = HOUR + 1;
    expect(w.take(tps).ok).toBe(true);
    expect(w.take(tps)).toEqual({ ok: false, error: 10 * 60_000 - 1 });
  });

  it('forgets the TPS with nothing in the last hour once many are remembered', () => {
    let t = 0;
    const w = hourlyWindow(60, () => new Date(t));
    const code = (i: number) =>
      `16.08.01.${1000 + Math.floor(i / 1000)}.${String(i % 1000).padStart(3, '0')}` as TpsCode;
    for (let i = 0; i < 10_000; i++) expect(w.take(code(i)).ok).toBe(true);
    expect(w.size()).toBe(10_000);
    t = HOUR + 1;
    expect(w.take(code(0)).ok).toBe(true);
    expect(w.size()).toBe(1);
  });
});
