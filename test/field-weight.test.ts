// The field app's loading, as built: what the service worker precaches, what index.html preloads,
// and what stays out of the first screen (bench/field-weight.ts measures the bytes).
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFieldApp, type PrecacheEntry } from '../src/web/field-assets.ts';
import type { WebAsset } from '../src/web/bundle.ts';

const WEB = fileURLToPath(new URL('../src/web/', import.meta.url));

let assets: Map<string, WebAsset>;
let precache: PrecacheEntry[];
beforeAll(async () => {
  ({ assets, precache } = await buildFieldApp(WEB));
}, 60_000);

const preloads = () =>
  [
    ...assets
      .get('/kpps/index.html')!
      .body.toString('utf8')
      .matchAll(/<link rel="modulepreload" href="([^"]+)"/g),
  ].map((m) => m[1]!);

describe('field app loading', () => {
  it('precaches every script, the model and both single-thread wasm files, and nothing unserved', () => {
    const urls = precache.map((e) => e.url);
    for (const url of assets.keys())
      if (url.endsWith('.js') && url !== '/kpps/sw.js') expect(urls, url).toContain(url);
    expect(urls).toContain('/kpps/model.bin');
    expect(urls.filter((u) => u.endsWith('.wasm')).sort()).toEqual([
      '/kpps/wasm/tfjs-backend-wasm-simd.wasm',
      '/kpps/wasm/tfjs-backend-wasm.wasm',
    ]);
    for (const url of urls) expect(assets.has(url), url).toBe(true);
  });

  it('the service worker keeps one wasm file per browser, chosen by the SIMD test tfjs runs', () => {
    const sw = assets.get('/kpps/sw.js')!.body.toString('utf8');
    expect(sw).toContain('validate');
    expect(sw).toContain('tfjs-backend-wasm\\.wasm$');
    expect(sw).toContain('tfjs-backend-wasm-simd\\.wasm$');
  });

  it('the reader bundle leaves the threaded tfjs loader out', () => {
    const reader = assets.get('/kpps/reader.js')!.body.toString('utf8');
    expect(reader).toContain('the threaded wasm backend is not bundled');
  });

  it('index.html preloads the app and its static chunks, and no screen loaded later', () => {
    const first = preloads();
    expect(first).toContain('/kpps/start.js');
    for (const url of first) expect(assets.has(url), url).toBe(true);
    const firstJs = ['/kpps/app.js', ...first].map((u) => assets.get(u)!.body.toString('utf8'));
    // jsqr (witness mode) and qrcode (receipts) are in chunks loaded when those screens open;
    // the reader and TensorFlow.js are in the worker's reader.js.
    for (const js of firstJs) {
      expect(js).not.toContain('jsQR');
      expect(js).not.toContain('tfjs');
    }
    const lazy = [...assets.keys()].filter(
      (u) => /^\/kpps\/chunk-.*\.js$/.test(u) && !first.includes(u),
    );
    expect(lazy.length).toBeGreaterThan(0);
  });
});
