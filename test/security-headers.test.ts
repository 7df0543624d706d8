// Security headers on every answer of the real app: the portal's and the KPPS field app's pages and
// assets, the API's answers, its errors and 404s, tus's hijacked answers and a 429. The KPPS app
// holds the token and the device's signing key, so no page may be framed, no script may run that
// the server did not serve, and nothing may be sniffed into a script.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoElection } from '../src/demo/okutimur.ts';
import { buildApp } from '../src/server/app.ts';
import type { SecurityOptions } from '../src/server/security.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { buildWebAssets, type WebAsset } from '../src/web/assets.ts';
import { tusMetadata } from './support/field.ts';
import { issueToken } from './support/server.ts';
import { testPhoto } from './support/photos.ts';

const TPS = '16.08.01.1007.001';

type Running = { url: string; store: Store; app: FastifyInstance; close(): Promise<void> };
const dirs: string[] = [];

async function start(
  security: SecurityOptions | undefined,
  webAssets?: Map<string, WebAsset>,
): Promise<Running> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rekap-headers-'));
  dirs.push(dataDir);
  const store = await openStore({ dataDir });
  await store.loadElection(demoElection());
  const app = await buildApp({
    store,
    ...(webAssets ? { webAssets } : {}),
    ...(security ? { security } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url,
    store,
    app,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** The Content-Security-Policy as directive -> its sources. */
function csp(headers: Headers): Map<string, string[]> {
  const raw = headers.get('content-security-policy') ?? '';
  return new Map(
    raw
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!.toLowerCase(), sources]),
  );
}

/** What every answer must carry, whatever it is. */
function expectSecurityHeaders(what: string, headers: Headers): void {
  const policy = csp(headers);
  expect(policy.size, `${what}: Content-Security-Policy`).toBeGreaterThan(0);
  expect(policy.get('default-src'), what).toEqual(["'self'"]);
  expect(policy.get('frame-ancestors'), what).toEqual(["'none'"]);
  expect(policy.get('object-src'), what).toEqual(["'none'"]);
  expect(policy.get('base-uri'), what).toEqual(["'none'"]);
  expect(policy.get('worker-src'), what).toEqual(["'self'"]);
  const scripts = policy.get('script-src') ?? [];
  expect(scripts, what).toContain("'self'");
  expect(scripts, what).toContain("'wasm-unsafe-eval'");
  expect(scripts, what).not.toContain("'unsafe-inline'");
  expect(scripts, what).not.toContain("'unsafe-eval'");
  expect(policy.get('style-src') ?? [], what).not.toContain("'unsafe-inline'");
  expect(policy.has('upgrade-insecure-requests'), `${what}: plain http by default`).toBe(false);
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('x-frame-options'), what).toBe('DENY');
  expect(headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(headers.get('cross-origin-opener-policy'), what).toBe('same-origin');
  expect(headers.get('strict-transport-security'), `${what}: no HSTS on plain http`).toBeNull();
}

let web: Running;
let token: string;

beforeAll(async () => {
  web = await start(undefined, await buildWebAssets());
  token = await issueToken(web.store, TPS);
}, 120_000);

afterAll(async () => {
  await web?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('security headers', () => {
  it('on every page and asset of the portal and the field app', async () => {
    const paths = [
      '/',
      '/index.html',
      '/portal.js',
      '/styles.css',
      '/favicon.svg',
      '/kpps',
      '/kpps/',
      '/kpps/index.html',
      '/kpps/app.js',
      '/kpps/reader.js',
      '/kpps/sw.js',
      '/kpps/styles.css',
      '/kpps/manifest.webmanifest',
      '/kpps/icon.svg',
      '/kpps/model.bin',
      '/kpps/wasm/tfjs-backend-wasm.wasm',
      '/kpps/wasm/tfjs-backend-wasm-simd.wasm',
    ];
    for (const path of paths) {
      const res = await fetch(`${web.url}${path}`);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
      expectSecurityHeaders(path, res.headers);
    }
  });

  it('on API answers, errors, 401s, 404s and a HEAD', async () => {
    const requests: [string, RequestInit, number][] = [
      ['/healthz', {}, 200],
      ['/api/openapi.json', {}, 200],
      ['/api/v1/meta', {}, 200],
      ['/api/v1/results/id?ballot=ppwp', {}, 200],
      ['/api/v1/results/id?ballot=ppwp', { method: 'HEAD' }, 200],
      [`/api/v1/tps/${TPS}?ballot=ppwp`, {}, 200],
      ['/api/v1/anomalies/16.08.01.1007?ballot=ppwp', {}, 200],
      ['/api/v1/signal/observations?region=16.08', {}, 200],
      ['/api/v1/results/not-a-code', {}, 400],
      ['/api/v1/results/id?ballot=nope', {}, 400],
      ['/api/v1/photos/00', {}, 404],
      ['/no/such/page', {}, 404],
      [`/api/v1/tps/${TPS}/submissions?ballot=ppwp`, { method: 'POST' }, 401],
      [
        `/api/v1/tps/${TPS}/submissions?ballot=ppwp`,
        { method: 'POST', headers: { authorization: 'Bearer nope' } },
        401,
      ],
      [
        '/api/v1/kpps/devices',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{"tps": 1',
        },
        400,
      ],
    ];
    for (const [path, init, status] of requests) {
      const res = await fetch(`${web.url}${path}`, init);
      expect(res.status, `${init.method ?? 'GET'} ${path}`).toBe(status);
      await res.arrayBuffer();
      expectSecurityHeaders(`${init.method ?? 'GET'} ${path}`, res.headers);
    }
  });

  it('on the hijacked tus answers (created, offset, refused) and on a served photo', async () => {
    const photo = await testPhoto('headers');
    const sha = (await import('./support/field.ts')).sha256(photo);
    const created = await fetch(`${web.url}/api/v1/uploads/`, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${token}`,
        'upload-length': String(photo.length),
        'upload-metadata': tusMetadata({ tps: TPS, sha256: sha }),
      },
    });
    expect(created.status).toBe(201);
    expectSecurityHeaders('tus POST', created.headers);
    const location = new URL(created.headers.get('location')!, web.url).href;
    const patched = await fetch(location, {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${token}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
      },
      body: new Uint8Array(photo),
    });
    expect(patched.status).toBe(204);
    expectSecurityHeaders('tus PATCH', patched.headers);
    const head = await fetch(location, {
      method: 'HEAD',
      headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${token}` },
    });
    expectSecurityHeaders('tus HEAD', head.headers);
    const refused = await fetch(`${web.url}/api/v1/uploads/`, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${token}`,
        'upload-length': '10',
        'upload-metadata': tusMetadata({ tps: 'nope', sha256: sha }),
      },
    });
    expect(refused.status).toBe(400);
    expectSecurityHeaders('tus refusal', refused.headers);

    // A photo is public evidence: other sites may show it (<img>), so it is not same-origin only.
    const served = await fetch(`${web.url}/api/v1/photos/${sha}`);
    expect(served.status).toBe(200);
    await served.arrayBuffer();
    expectSecurityHeaders('photo', served.headers);
    expect(served.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    // Everything else is same-origin only.
    const meta = await fetch(`${web.url}/api/v1/meta`);
    await meta.arrayBuffer();
    expect(meta.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  it('on a 429, and HSTS (with upgrade-insecure-requests) only when asked for', async () => {
    const limited = await start({
      rateLimits: { reads: { perAddress: 1 } },
      hsts: { maxAgeSeconds: 86_400 },
    });
    try {
      const first = await fetch(`${limited.url}/api/v1/results/id`);
      await first.arrayBuffer();
      const second = await fetch(`${limited.url}/api/v1/results/id`);
      expect(second.status).toBe(429);
      await second.arrayBuffer();
      for (const [what, res] of [
        ['200', first],
        ['429', second],
      ] as const) {
        expect(res.headers.get('strict-transport-security'), what).toBe('max-age=86400');
        expect(csp(res.headers).has('upgrade-insecure-requests'), what).toBe(true);
        expect(csp(res.headers).get('frame-ancestors'), what).toEqual(["'none'"]);
        expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
      }
    } finally {
      await limited.close();
    }
  });
});
