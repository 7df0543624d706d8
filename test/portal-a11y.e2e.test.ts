// The portal's accessibility and weight, measured in a real Chromium against the real server:
// axe-core (run in the page, under the portal's own Content-Security-Policy) finds no serious or
// critical violation on the nation, a desa, a TPS and the anomalies page, in both languages, at
// phone and desktop width; and the JavaScript a portal page loads stays under 200 KB as it comes
// over the wire (compressed), counted from the browser's own responses.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import { consistentResult } from '../src/synth/results.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const hasChromium = existsSync(CHROMIUM);

const DESA = '16.08.01.1007';
const TPS = (n: number) => `${DESA}.${String(n).padStart(3, '0')}`;

/** The budget of compressed JavaScript a public page loads before the map (issue 13). */
const JS_BUDGET = 200 * 1024;

type AxeResult = {
  violations: { id: string; impact: string | null; help: string; nodes: string[] }[];
};

describe.skipIf(!hasChromium)('portal accessibility and weight (real Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let axeSource = '';

  const cleanFor = async (tps: string): Promise<CHasil> => {
    const dpt = (await server.store.tps(tps as never))?.dpt ?? 250;
    const dptL = Math.floor(dpt / 2);
    const votesL = Math.floor(dptL * 0.8);
    const votesP = Math.floor((dpt - dptL) * 0.8);
    const valid = votesL + votesP - 5;
    const v1 = Math.floor(valid * 0.45);
    const v2 = Math.floor(valid * 0.3);
    return consistentResult({
      dptL,
      dptP: dpt - dptL,
      votesL,
      votesP,
      invalid: 5,
      votes: { '1': v1, '2': v2, '3': valid - v1 - v2 },
    });
  };

  beforeAll(async () => {
    const require = createRequire(import.meta.url);
    axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    server = await startTestServer({ demo: true });
    const ok = await server.submit(TPS(1), await cleanFor(TPS(1)));
    expect(ok.status, await ok.clone().text()).toBe(201);
    const bad = await cleanFor(TPS(2));
    const flagged = await server.submit(TPS(2), { ...bad, valid: bad.valid + 1 });
    expect(flagged.status, await flagged.clone().text()).toBe(201);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** axe-core over the whole page; evaluated by the driver, so the page's CSP stays as served. */
  async function axe(page: Page): Promise<AxeResult> {
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
    return page.evaluate(async () => {
      const w = window as unknown as {
        axe: {
          run(
            ctx: Document,
            opts: object,
          ): Promise<{
            violations: {
              id: string;
              impact: string | null;
              help: string;
              nodes: { target: unknown[]; failureSummary?: string }[];
            }[];
          }>;
        };
      };
      const r = await w.axe.run(document, { resultTypes: ['violations'] });
      return {
        violations: r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => `${String(n.target)}: ${n.failureSummary ?? ''}`),
        })),
      };
    });
  }

  const PAGES = [
    ['nation', '#/', '.heading[data-code="id"]'],
    ['desa', `#/wilayah/${DESA}`, `.heading[data-code="${DESA}"]`],
    ['tps', `#/tps/${TPS(2)}`, `.heading[data-code="${TPS(2)}"]`],
    ['anomalies', `#/anomali/${DESA}`, '[data-testid="issues-flagged"]'],
  ] as const;

  for (const width of [360, 1280])
    it(`has no serious or critical axe violation at ${width} px, in both languages`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const csp: string[] = [];
      page.on('console', (m) => {
        if (/Content.Security.Policy/i.test(m.text())) csp.push(m.text());
      });
      try {
        for (const lang of ['id', 'en'] as const) {
          for (const [name, hash, ready] of PAGES) {
            await page.goto(`${server.url}/${hash}`);
            await page.waitForSelector(ready);
            if ((await page.evaluate(() => document.documentElement.lang)) !== lang) {
              await page.click('#lang');
              await page.waitForFunction((l) => document.documentElement.lang === l, lang);
            }
            const { violations } = await axe(page);
            const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
            expect(bad, `${name} (${lang}, ${width} px): ${JSON.stringify(bad)}`).toEqual([]);
          }
        }
        // The API reference page (server-rendered, no script) too.
        await page.goto(`${server.url}/api/docs`);
        await page.waitForSelector('h1');
        const ref = (await axe(page)).violations.filter(
          (v) => v.impact === 'serious' || v.impact === 'critical',
        );
        expect(ref, `API reference (${width} px): ${JSON.stringify(ref)}`).toEqual([]);
        expect(csp, 'the portal itself breaks no CSP rule').toEqual([]);
      } finally {
        await page.close();
      }
    }, 240_000);

  it('loads less than 200 KB of compressed JavaScript on a portal page', async () => {
    for (const [name, hash, ready] of PAGES) {
      const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
      const page = await context.newPage();
      const scripts: Promise<{ url: string; bytes: number; encoding: string }>[] = [];
      page.on('requestfinished', (req) => {
        if (req.resourceType() !== 'script') return;
        scripts.push(
          (async () => {
            const sizes = await req.sizes();
            const res = await req.response();
            return {
              url: req.url(),
              bytes: sizes.responseBodySize,
              encoding: (await res?.headerValue('content-encoding')) ?? 'identity',
            };
          })(),
        );
      });
      try {
        await page.goto(`${server.url}/${hash}`);
        await page.waitForSelector(ready);
        await page.waitForLoadState('networkidle');
        const loaded = await Promise.all(scripts);
        const total = loaded.reduce((n, s) => n + s.bytes, 0);
        console.log(
          `portal JS on ${name}: ${total} bytes compressed over ${loaded.length} script(s): ${loaded
            .map((s) => `${new URL(s.url).pathname} ${s.bytes} B ${s.encoding}`)
            .join(', ')}`,
        );
        expect(loaded.length, name).toBeGreaterThan(0);
        expect(total, name).toBeLessThan(JS_BUDGET);
        // Compressed on the wire, not merely small.
        for (const s of loaded) expect(s.encoding, s.url).toMatch(/^(br|gzip)$/);
      } finally {
        await context.close();
      }
    }
  }, 180_000);
});
