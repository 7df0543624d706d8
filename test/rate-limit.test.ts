// Rate limits against the real app on SQLite, over real HTTP from 127.0.0.1: with low configured
// limits, 429s per token and per address on writes (submissions, tus uploads, observations),
// enrolment, failed authentication and heavy reads, each with Retry-After and a message naming
// the limit; with the default limits, a field app's whole flow (with retries) and the demo night's
// busiest minute stay far below them. Windows are 10 minutes here, so no test depends on timing.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { demoElection, DEMO_KABUPATEN, DEMO_SEED } from '../src/demo/okutimur.ts';
import { simulateNight } from '../src/demo/results.ts';
import { buildApp } from '../src/server/app.ts';
import type { SecurityOptions } from '../src/server/security.ts';
import { openStore, type Store } from '../src/store/store.ts';
import {
  createUpload,
  enrol,
  sha256,
  signed,
  submitRefs,
  tus,
  type Answer,
} from './support/field.ts';
import { testPhoto } from './support/photos.ts';
import { issueToken } from './support/server.ts';
import { cleanResult } from './support/results.ts';

const DESA = '16.08.01.1007';
const TPS = [1, 2, 3, 4, 5].map((n) => `${DESA}.00${n}`);
const WINDOW = { windowMs: 10 * 60_000 };

type Running = {
  url: string;
  dataDir: string;
  store: Store;
  app: FastifyInstance;
  close(): Promise<void>;
};
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function start(security?: SecurityOptions): Promise<Running> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rekap-ratelimit-'));
  dirs.push(dataDir);
  const store = await openStore({ dataDir });
  await store.loadElection(demoElection());
  const app = await buildApp({ store, ...(security ? { security } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url,
    dataDir,
    store,
    app,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

async function withServer(
  security: SecurityOptions | undefined,
  fn: (s: Running) => Promise<void>,
): Promise<void> {
  const s = await start(security);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

const result = cleanResult;

const photos = new Map<string, Promise<Buffer>>();
const photoOf = (name: string) => {
  if (!photos.has(name)) photos.set(name, testPhoto(name));
  return photos.get(name)!;
};

/** An unsigned submission with one photo in the body. */
async function submit(base: string, tps: string, token: string, v2 = 90): Promise<Response> {
  const form = new FormData();
  form.set('result', JSON.stringify(result(v2)));
  form.append(
    'photo',
    new Blob([new Uint8Array(await photoOf(`rl-${tps}`))], { type: 'image/jpeg' }),
    'c.jpg',
  );
  return fetch(`${base}/api/v1/tps/${tps}/submissions?ballot=ppwp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

const enrolRaw = (base: string, tps: string, token: string, publicKey = 'A'.repeat(43)) =>
  fetch(`${base}/api/v1/kpps/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tps, publicKey }),
  });

const observation = (tps: string) => ({
  tps,
  at: new Date().toISOString(),
  connection: '3g',
  rttMs: 300,
  uploadKbps: 200,
  ok: true,
});
const postObservations = (base: string, tps: string, token: string) =>
  fetch(`${base}/api/v1/signal/observations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify([observation(tps)]),
  });

/** A 429 as the API answers it: the usual error body, a reason naming the limit, Retry-After. */
async function expectLimited(res: Response | Answer, reason: RegExp): Promise<void> {
  const text = res instanceof Response ? await res.text() : res.text;
  expect(res.status, text).toBe(429);
  const body = JSON.parse(text) as { error: string; message: string };
  expect(body.error).toBe('rate_limited');
  expect(body.message).toMatch(reason);
  expect(body.message).toMatch(/retry in \d+ s/);
  const after = Number(res.headers.get('retry-after'));
  expect(after).toBeGreaterThan(0);
  expect(after).toBeLessThanOrEqual(600);
}

const statuses = async (responses: Promise<Response>[]) =>
  Promise.all(
    responses.map(async (p) => {
      const r = await p;
      await r.arrayBuffer();
      return r.status;
    }),
  );

describe('rate limits (low configured limits)', () => {
  it('reproduction: rapid bad-token, enrolment and read requests meet a 429', async () => {
    // Issue 9 sent 4,500 of these and never saw a 429; 60 of each against limits of 20 here.
    await withServer(
      {
        rateLimits: {
          ...WINDOW,
          authFailures: { perAddress: 20 },
          enrolment: { perToken: 20, perAddress: 1000 },
          reads: { perAddress: 20 },
        },
      },
      async (s) => {
        const token = await issueToken(s.store, TPS[0]!);
        const bad: number[] = [];
        for (let i = 0; i < 60; i++) {
          const r = await submit(s.url, TPS[0]!, `bad-${i}`);
          await r.arrayBuffer();
          bad.push(r.status);
        }
        const enrolments = await statuses(
          Array.from({ length: 60 }, () => enrolRaw(s.url, TPS[0]!, token)),
        );
        const reads = await statuses(
          Array.from({ length: 60 }, () => fetch(`${s.url}/api/v1/results/id?ballot=ppwp`)),
        );
        expect(bad.filter((x) => x === 401)).toHaveLength(20);
        expect(bad.filter((x) => x === 429)).toHaveLength(40);
        expect(enrolments.filter((x) => x === 429)).toHaveLength(40);
        expect(reads.filter((x) => x === 200)).toHaveLength(20);
        expect(reads.filter((x) => x === 429)).toHaveLength(40);
      },
    );
  });

  it('failed authentication: per address, across routes; a valid token still gets through', async () => {
    await withServer({ rateLimits: { ...WINDOW, authFailures: { perAddress: 3 } } }, async (s) => {
      const token = await issueToken(s.store, TPS[0]!);
      // Three failures: a bad token, no token, a bad token on tus.
      expect((await submit(s.url, TPS[0]!, 'not-a-token')).status).toBe(401);
      expect((await fetch(`${s.url}/api/v1/kpps/devices`, { method: 'POST' })).status).toBe(401);
      expect((await tus(`${s.url}/api/v1/uploads/`, 'POST', 'nope')).status).toBe(401);
      // Then every request without a valid token is refused before it is checked...
      await expectLimited(
        await submit(s.url, TPS[0]!, 'guess-4'),
        /failed authentications from this address.*at most 3 per 10 minutes/,
      );
      await expectLimited(await enrolRaw(s.url, TPS[0]!, 'guess-5'), /failed authentications/);
      await expectLimited(
        await tus(`${s.url}/api/v1/uploads/`, 'POST', 'guess-6'),
        /failed authentications/,
      );
      await expectLimited(
        await postObservations(s.url, TPS[0]!, 'guess-7'),
        /failed authentications/,
      );
      // ... while an officer with a valid token behind the same address is not locked out.
      expect((await submit(s.url, TPS[0]!, token)).status).toBe(201);
      expect((await postObservations(s.url, TPS[0]!, token)).status).toBe(202);
      // Public reads do not need a token and are not affected.
      expect((await fetch(`${s.url}/api/v1/results/id`)).status).toBe(200);
    });
  });

  it('submissions: per token (one TPS cannot flood), then per address', async () => {
    await withServer(
      { rateLimits: { ...WINDOW, submissions: { perToken: 2, perAddress: 5 } } },
      async (s) => {
        const tokens = await Promise.all(TPS.map((t) => issueToken(s.store, t)));
        expect((await submit(s.url, TPS[0]!, tokens[0]!, 90)).status).toBe(201);
        expect((await submit(s.url, TPS[0]!, tokens[0]!, 90)).status).toBe(200); // duplicate
        await expectLimited(
          await submit(s.url, TPS[0]!, tokens[0]!, 91),
          /too many submissions with this token.*at most 2 per 10 minutes/,
        );
        // Another TPS's token has its own budget; the address's budget (5) is shared.
        expect((await submit(s.url, TPS[1]!, tokens[1]!)).status).toBe(201);
        expect((await submit(s.url, TPS[2]!, tokens[2]!)).status).toBe(201);
        await expectLimited(
          await submit(s.url, TPS[3]!, tokens[3]!),
          /too many submissions from this address.*at most 5 per 10 minutes/,
        );
        // Nothing was stored for the refused ones.
        const tps = (await (await fetch(`${s.url}/api/v1/tps/${TPS[3]}`)).json()) as {
          versions?: unknown[];
        };
        expect(tps.versions ?? []).toHaveLength(0);
      },
    );
  });

  it('enrolment: per token and per address', async () => {
    await withServer(
      { rateLimits: { ...WINDOW, enrolment: { perToken: 2, perAddress: 4 } } },
      async (s) => {
        const [a, b] = await Promise.all([
          issueToken(s.store, TPS[0]!),
          issueToken(s.store, TPS[1]!),
        ]);
        expect((await enrolRaw(s.url, TPS[0]!, a)).status).toBe(400); // not a key: still counted
        await enrol(s.url, a, TPS[0]!);
        await expectLimited(
          await enrolRaw(s.url, TPS[0]!, a),
          /too many enrolments with this token.*at most 2/,
        );
        await enrol(s.url, b, TPS[1]!);
        await expectLimited(
          await enrolRaw(s.url, TPS[1]!, b),
          /too many enrolments from this address.*at most 4/,
        );
      },
    );
  });

  it('tus uploads: limited per token before the route hands the request to tus', async () => {
    await withServer({ rateLimits: { ...WINDOW, uploads: { perToken: 3 } } }, async (s) => {
      const [a, b] = await Promise.all([
        issueToken(s.store, TPS[0]!),
        issueToken(s.store, TPS[1]!),
      ]);
      const photo = await testPhoto('rl-upload');
      const meta = { tps: TPS[0]!, sha256: sha256(photo) };
      const created = await createUpload(s.url, a, photo, meta);
      expect(created.status).toBe(201);
      expect((await tus(created.url, 'HEAD', a)).status).toBe(200);
      expect((await tus(created.url, 'HEAD', a)).status).toBe(200);
      const limited = await tus(created.url, 'PATCH', a, {
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
      });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = JSON.parse(limited.text) as { error: string; message: string };
      expect(body).toMatchObject({ error: 'rate_limited' });
      expect(body.message).toMatch(/too many upload requests with this token.*at most 3/);
      // The refused PATCH moved no byte.
      const id = new URL(created.url).pathname.split('/').pop()!;
      expect((await stat(join(s.dataDir, 'uploads', id))).size).toBe(0);
      const other = await createUpload(s.url, b, await testPhoto('rl-other'), {
        tps: TPS[1]!,
        sha256: sha256(await testPhoto('rl-other')),
      });
      expect(other.status).toBe(201);
    });
  });

  it('signal observations: per token', async () => {
    await withServer({ rateLimits: { ...WINDOW, observations: { perToken: 2 } } }, async (s) => {
      const token = await issueToken(s.store, TPS[0]!);
      expect((await postObservations(s.url, TPS[0]!, token)).status).toBe(202);
      expect((await postObservations(s.url, TPS[0]!, token)).status).toBe(202);
      await expectLimited(
        await postObservations(s.url, TPS[0]!, token),
        /too many observation posts with this token/,
      );
    });
  });

  it('heavy reads: results and TPS, anomalies, observations and photos, per address', async () => {
    await withServer(
      {
        rateLimits: {
          ...WINDOW,
          reads: { perAddress: 3 },
          anomalies: { perAddress: 1 },
          observationsRead: { perAddress: 1 },
          photos: { perAddress: 1 },
        },
      },
      async (s) => {
        const get = (path: string) => fetch(`${s.url}${path}`);
        expect((await get('/api/v1/results/id')).status).toBe(200);
        expect((await get(`/api/v1/tps/${TPS[0]}`)).status).toBe(200);
        expect((await get('/api/v1/results/16.08')).status).toBe(200);
        await expectLimited(
          await get(`/api/v1/tps/${TPS[1]}`),
          /too many result reads from this address.*at most 3 per 10 minutes/,
        );
        expect((await get(`/api/v1/anomalies/${DESA}`)).status).toBe(200);
        await expectLimited(await get(`/api/v1/anomalies/${DESA}`), /too many anomaly reads/);
        expect((await get('/api/v1/signal/observations?region=16.08')).status).toBe(200);
        await expectLimited(
          await get('/api/v1/signal/observations?region=16.08'),
          /too many observation reads/,
        );
        expect((await get(`/api/v1/photos/${'0'.repeat(64)}`)).status).toBe(404);
        await expectLimited(await get(`/api/v1/photos/${'0'.repeat(64)}`), /too many photo reads/);
        // The rest of the API and the pages are not limited.
        for (let i = 0; i < 5; i++) expect((await get('/api/v1/meta')).status).toBe(200);
        expect((await get('/healthz')).status).toBe(200);
      },
    );
  });

  it('per address means per client behind a trusted proxy (X-Forwarded-For)', async () => {
    await withServer(
      { trustProxy: '127.0.0.1', rateLimits: { ...WINDOW, reads: { perAddress: 2 } } },
      async (s) => {
        const from = (ip: string) =>
          fetch(`${s.url}/api/v1/results/id`, { headers: { 'x-forwarded-for': ip } });
        expect((await from('203.0.113.7')).status).toBe(200);
        expect((await from('203.0.113.7')).status).toBe(200);
        await expectLimited(await from('203.0.113.7'), /from this address/);
        expect((await from('198.51.100.9')).status).toBe(200);
        // IPv6 clients are counted per /64, the block one phone or one home holds.
        expect((await from('2001:db8:1:2::1')).status).toBe(200);
        expect((await from('2001:db8:1:2::ffff')).status).toBe(200);
        await expectLimited(await from('2001:db8:1:2:abcd::1'), /from this address/);
      },
    );
  });

  it('rateLimits: false turns every limit off (benchmarks)', async () => {
    await withServer({ rateLimits: false }, async (s) => {
      const codes = await statuses(
        Array.from({ length: 80 }, (_, i) => submit(s.url, TPS[0]!, `bad-${i}`)),
      );
      expect(codes.every((c) => c === 401)).toBe(true);
    });
  });
});

describe('rate limits (defaults)', () => {
  it('a field app flow with retries, and a polling portal, never see a 429', async () => {
    await withServer(undefined, async (s) => {
      const seen = new Map<number, number>();
      const note = (status: number) => seen.set(status, (seen.get(status) ?? 0) + 1);
      for (const tps of TPS) {
        const token = await issueToken(s.store, tps);
        // Enrol; the app's retry after a lost answer enrols the same key again (200).
        const device = await enrol(s.url, token, tps);
        note((await enrolRaw(s.url, tps, token, device.publicKey)).status);
        // Three pages, each sent as a phone does: 64 KB chunks, and after a dropped link a HEAD
        // for the offset before each of the last chunks.
        const hashes: string[] = [];
        for (let page = 1; page <= 3; page++) {
          const photo = await testPhoto(`rl-${tps}-${page}`);
          hashes.push(sha256(photo));
          const up = await createUpload(s.url, token, photo, {
            tps,
            sha256: sha256(photo),
            filename: `p${page}.jpg`,
          });
          note(up.status);
          for (let offset = 0; offset < photo.length;) {
            const end = Math.min(photo.length, offset + 64 * 1024);
            for (let retry = 0; retry < 3; retry++) note((await tus(up.url, 'HEAD', token)).status);
            const r = await tus(
              up.url,
              'PATCH',
              token,
              {
                'content-type': 'application/offset+octet-stream',
                'upload-offset': String(offset),
              },
              photo.subarray(offset, end),
            );
            note(r.status);
            offset = end;
          }
        }
        // The signed submission, resent ten times as if each answer were lost (200: duplicate).
        const sig = await signed(device, tps, result(), hashes);
        for (let i = 0; i < 10; i++) {
          const r = await submitRefs(s.url, token, tps, result(), hashes, {
            deviceId: device.deviceId,
            signedAt: sig.summary.signedAt,
            signature: sig.signature,
          });
          note(r.status);
        }
        // An observation per attempt, and a check that the result is published.
        for (let i = 0; i < 20; i++) {
          note((await postObservations(s.url, tps, token)).status);
          note((await fetch(`${s.url}/api/v1/tps/${tps}?ballot=ppwp`)).status);
        }
      }
      // A portal polling every 5 s for ten minutes, a witness looking at photos and anomalies.
      for (let i = 0; i < 120; i++) note((await fetch(`${s.url}/api/v1/results/16.08`)).status);
      for (let i = 0; i < 20; i++)
        note((await fetch(`${s.url}/api/v1/anomalies/${DESA}?ballot=ppwp`)).status);
      for (let i = 0; i < 20; i++)
        note((await fetch(`${s.url}/api/v1/signal/observations?region=${DESA}`)).status);
      expect(seen.get(429) ?? 0).toBe(0);
      expect(
        [...seen.keys()].every((c) => c < 400),
        JSON.stringify([...seen]),
      ).toBe(true);
    });
  });

  it("stay above the demo night's busiest minute (npm start: one address, 127.0.0.1)", async () => {
    const { DEFAULT_RATE_LIMITS } = await import('../src/server/security.ts');
    // What `rekap serve --demo --simulate` plays: every TPS of the kabupaten over 4 minutes.
    const night = simulateNight(demoElection({ seed: DEMO_SEED }), {
      seed: DEMO_SEED,
      durationMs: 4 * 60_000,
    }).filter((x) => x.tps.startsWith(`${DEMO_KABUPATEN}.`));
    expect(night.length).toBeGreaterThan(2000);
    const window = DEFAULT_RATE_LIMITS.windowMs;
    const times = night.map((x) => x.atMs).sort((a, b) => a - b);
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= window) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    // Five times the busiest minute would still fit from one address (the night retries only
    // what failed); per TPS, six tries of each of its submissions.
    expect(busiest * 5).toBeLessThan(DEFAULT_RATE_LIMITS.submissions.perAddress);
    const perTps = new Map<string, number>();
    for (const x of night) perTps.set(x.tps, (perTps.get(x.tps) ?? 0) + 1);
    expect(Math.max(...perTps.values()) * 6).toBeLessThan(DEFAULT_RATE_LIMITS.submissions.perToken);
    console.log(
      `rate-limit: demo night ${night.length} submissions, busiest ${window / 1000} s: ${busiest}, ` +
        `most per TPS: ${Math.max(...perTps.values())}; default limits ${DEFAULT_RATE_LIMITS.submissions.perAddress}/address, ${DEFAULT_RATE_LIMITS.submissions.perToken}/token`,
    );
  });
});

describe('rate limit settings (rekap serve --rate-limit, --trust-proxy, --hsts)', () => {
  it('reads off, scale, window and per-limit changes, and names a bad part', async () => {
    const { DEFAULT_RATE_LIMITS, parseRateLimitSpec, resolveRateLimits, securityOptions } =
      await import('../src/server/security.ts');
    expect(parseRateLimitSpec('off')).toBe(false);
    const spec = parseRateLimitSpec(
      'scale=10, window=30, submissions.perToken=100, photos=off, reads.perAddress=off',
    );
    if (spec === false || spec instanceof Error) throw new Error(String(spec));
    const limits = resolveRateLimits(spec);
    expect(limits.windowMs).toBe(30_000);
    expect(limits.submissions).toEqual({
      perToken: 100,
      perAddress: DEFAULT_RATE_LIMITS.submissions.perAddress * 10,
    });
    expect(limits.photos).toEqual({});
    expect(limits.reads).toEqual({});
    expect(limits.authFailures).toEqual({ perAddress: 300 });
    expect(resolveRateLimits()).toEqual(DEFAULT_RATE_LIMITS);
    for (const bad of ['nope=3', 'submissions.perToken=-1', 'submissions=5', 'scale=x'])
      expect(parseRateLimitSpec(bad), bad).toBeInstanceOf(Error);
    expect(securityOptions({ trustProxy: 'loopback, 10.0.0.0/8', hsts: '31536000' })).toEqual({
      trustProxy: ['loopback', '10.0.0.0/8'],
      hsts: { maxAgeSeconds: 31_536_000 },
    });
    expect(securityOptions({ hsts: 'off', rateLimit: 'off' })).toEqual({ rateLimits: false });
    expect(securityOptions({ hsts: 'yes' })).toBeInstanceOf(Error);
  });
});
