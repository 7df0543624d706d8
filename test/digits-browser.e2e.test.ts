// The digit classifier in a real Chromium: the same module as in Node, bundled with esbuild, the
// backend's .wasm files served from node_modules as the field app will serve them (wasmPaths),
// and the probabilities equal to Node's.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigitClassifier, MODEL_URL } from '../src/reader/digits/load-node.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`digits-browser.e2e: ${CHROMIUM} not found, skipping`);

const root = resolve(import.meta.dirname, '..');
const WASM_DIR = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const ORIGIN = 'http://rekap.test';

const ENTRY = `
import { createDigitClassifier } from './src/reader/digits/model.ts';
window.classify = async (inputs) => {
  const bytes = new Uint8Array(await (await fetch('/model.bin')).arrayBuffer());
  const classifier = await createDigitClassifier(bytes, { wasmPaths: '/wasm/' });
  return classifier.predict(inputs.map((x) => Float32Array.from(x))).map((p) => Array.from(p));
};
`;

function inputs(): number[][] {
  let seed = 11;
  return Array.from({ length: 8 }, () =>
    Array.from({ length: 784 }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) / 2 ** 24;
    }),
  );
}

describe.skipIf(!hasChromium)('digit classifier in Chromium (wasm backend)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads the .wasm from wasmPaths and gives the probabilities Node gives', async () => {
    const bundle = await build({
      stdin: { contents: ENTRY, resolveDir: root, loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const served: string[] = [];
    await page.route(`${ORIGIN}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname;
      served.push(path);
      if (path === '/')
        return route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><script type="module" src="/app.js"></script>',
        });
      if (path === '/app.js')
        return route.fulfill({
          contentType: 'text/javascript',
          body: bundle.outputFiles[0]!.text,
        });
      if (path === '/model.bin') return route.fulfill({ body: readFileSync(MODEL_URL) });
      if (path.startsWith('/wasm/') && existsSync(join(WASM_DIR, path.slice(6))))
        return route.fulfill({
          contentType: 'application/wasm',
          body: readFileSync(join(WASM_DIR, path.slice(6))),
        });
      return route.fulfill({ status: 404 });
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => 'classify' in window);
    const x = inputs();
    const got = await page.evaluate(
      (xs) =>
        (window as unknown as { classify: (x: number[][]) => Promise<number[][]> }).classify(xs),
      x,
    );
    const node = (await loadDigitClassifier()).predict(x.map((v) => Float32Array.from(v)));
    expect(got).toHaveLength(x.length);
    got.forEach((probs, n) =>
      probs.forEach((p, i) => expect(Math.abs(p - node[n]![i]!)).toBeLessThanOrEqual(1e-5)),
    );
    expect(served.some((p) => p.startsWith('/wasm/') && p.endsWith('.wasm'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
