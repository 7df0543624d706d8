// The portal's live updates end to end (src/web/portal/live.ts, src/server/live.ts): a desa page
// open in a real Chromium, a result submitted through the API, and the page's numbers and its
// "updated at" change without a reload; a stream that fails says "stale since" in a status region.
// At a phone's 360 px and at desktop width.
import { existsSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { resultForDpt } from './support/results.ts';

const hasChromium = existsSync(CHROMIUM);

const id = (n: number) => n.toLocaleString('id-ID');

/** A consistent result whose DPT equals the registered DPT. */
function cleanResult(dpt: number): CHasil {
  return resultForDpt(dpt, [0.35, 0.45], 6);
}

const VIEWPORTS = [
  { name: '360 px', width: 360, height: 740, desa: '16.08.01.1008' },
  { name: 'desktop', width: 1280, height: 900, desa: '16.08.01.1014' },
];

describe.skipIf(!hasChromium)('portal live updates (real server, real Chromium)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const text = async (page: Page, selector: string) =>
    (await page.textContent(selector))?.trim() ?? '';

  for (const vp of VIEWPORTS)
    it(`a submission shows on an open desa page without a reload (${vp.name})`, async () => {
      const page = await browser.newPage({ viewport: { width: vp.width, height: vp.height } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(`${server.url}/#/wilayah/${vp.desa}`);
        await page.waitForSelector(`.heading[data-code="${vp.desa}"]`);
        const status = '[data-testid="live-status"]';
        await page.waitForFunction(
          (sel) =>
            /^Diperbarui pukul \d\d\.\d\d\.\d\d/.test(
              document.querySelector(sel)?.textContent ?? '',
            ),
          status,
        );
        expect(await page.getAttribute(status, 'role')).toBe('status');
        expect(await page.getAttribute(status, 'aria-live')).toBe('polite');
        const before = await text(page, status);
        expect(await text(page, '[data-testid="votes-1"]')).toBe('0');
        await page.evaluate(() => {
          (window as unknown as { notReloaded: boolean }).notReloaded = true;
        });
        // The clock on the status line counts seconds: let one pass, so the new time differs.
        await page.waitForTimeout(1100);

        const tps = `${vp.desa}.001`;
        const info = (await (
          await fetch(`${server.url}/api/v1/tps/${tps}?ballot=ppwp`)
        ).json()) as {
          dpt: number | null;
        };
        const result = cleanResult(info.dpt ?? 250);
        const res = await server.submit(tps, result);
        expect(res.status, await res.clone().text()).toBe(201);

        await page.waitForFunction(
          ([sel, want]) => document.querySelector(sel)?.textContent?.trim() === want,
          ['[data-testid="votes-1"]', id(result.votes['1']!)] as const,
          { timeout: 20_000 },
        );
        expect(await text(page, '[data-testid="valid"]')).toBe(id(result.valid));
        expect(await text(page, status)).not.toBe(before);
        expect(await text(page, status)).toMatch(/^Diperbarui pukul \d\d\.\d\d\.\d\d/);
        expect(
          await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
        ).toBe(true);
        // In English too.
        await page.click('#lang');
        await page.waitForSelector('html[lang="en"]');
        expect(await text(page, status)).toMatch(/^Updated at \d\d:\d\d:\d\d/);
        await page.click('#lang');
        await page.waitForSelector('html[lang="id"]');
        // No sideways scroll at this width.
        expect(
          await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        ).toBe(true);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }, 120_000);

  it('says "stale since" in a status region when the live stream fails, then polls', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    try {
      // The stream cannot be opened (a proxy that refuses it, a server that went away).
      await page.route('**/api/v1/live', (route) => route.abort('connectionrefused'));
      await page.goto(`${server.url}/#/wilayah/16.08.01.1007`);
      await page.waitForSelector('.heading[data-code="16.08.01.1007"]');
      const status = '[data-testid="live-status"]';
      await page.waitForFunction(
        (sel) =>
          /^Tertinggal sejak \d\d\.\d\d/.test(document.querySelector(sel)?.textContent ?? ''),
        status,
        { timeout: 30_000 },
      );
      expect(await page.getAttribute(status, 'role')).toBe('status');
      expect(await page.getAttribute(status, 'aria-live')).toBe('polite');
      // After a few failures in a row it reads by ETag every 15 s instead, and says so.
      await page.waitForFunction(
        (sel) =>
          /diperiksa ulang setiap 15 detik/.test(document.querySelector(sel)?.textContent ?? ''),
        status,
        { timeout: 30_000 },
      );
    } finally {
      await page.close();
    }
  }, 120_000);
});
