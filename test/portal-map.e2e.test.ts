// The portal's map end to end: the real server on SQLite with the demo election, a real Chromium
// with WebGL on SwiftShader (software; only this test asks for it). At desktop width the map loads
// with a kabupaten page and a click on a kecamatan opens that kecamatan, as its table row does; at
// 360 px nothing of MapLibre is fetched until "Tampilkan peta" is pressed, and the page's
// JavaScript stays under its 200 KB compressed budget. No request leaves Rekap, and the page's
// Content-Security-Policy is never violated.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { CHasil } from '../src/core/chasil.ts';
import { EXAMPLE_PPWP } from '../src/synth/results.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { CHROMIUM } from './support/chromium.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { resultForDpt } from './support/results.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`portal-map.e2e: ${CHROMIUM} not found, skipping`);

/** Headless Chromium with WebGL drawn by SwiftShader (the usual test flags turn the GPU off). */
const WEBGL_ARGS = [
  '--headless',
  '--no-sandbox',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const KABUPATEN = '16.08';
const KECAMATAN = '16.08.03';
/** Its TPS with a counted result where pair 02 leads; 16.08.20 has none. */
const COUNTED_TPS = '16.08.03.2001.002';
const EMPTY_KECAMATAN = '16.08.20';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A consistent result for a TPS of `dpt` voters, pair 02 far ahead. */
function pairTwoAhead(dpt: number): CHasil {
  return resultForDpt(dpt, [0.15, 0.7]);
}
/** The page's JavaScript before the map, compressed (issue 13). */
const JS_BUDGET = 200 * 1024;

type Seen = { responses: string[]; console: string[] };

describe.skipIf(!hasChromium)('the portal map (real server, Chromium with SwiftShader)', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    // Some counted results, so that some kecamatan are coloured by a leading pair.
    for (const tps of ['16.08.01.1007.001', '16.08.03.2001.001'])
      expect((await server.submit(tps, EXAMPLE_PPWP)).status).toBeLessThan(300);
    const registered = (await (
      await fetch(`${server.url}/api/v1/tps/${COUNTED_TPS}?ballot=ppwp`)
    ).json()) as { dpt: number | null };
    const counted = await server.submit(COUNTED_TPS, pairTwoAhead(registered.dpt ?? 250));
    expect(counted.status, await counted.clone().text()).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGL_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(width: number): Promise<{ context: BrowserContext; page: Page; seen: Seen }> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const seen: Seen = { responses: [], console: [] };
    context.on('response', (r) => seen.responses.push(r.url()));
    context.on('console', (m) => seen.console.push(`${m.type()}: ${m.text()}`));
    context.on('weberror', (e) => seen.console.push(`error: ${e.error().message}`));
    await context.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    return { context, page: await context.newPage(), seen };
  }

  const violations = (page: Page) =>
    page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
  const policyLines = (seen: Seen) =>
    seen.console.filter((l) => /content security policy|refused to/i.test(l));
  const isMapFile = (url: string) => /\/portal-map(-worker)?\.js$/.test(url);

  /** Compressed bytes of the scripts the page loaded (Resource Timing: the encoded body). */
  const scriptBytes = (page: Page) =>
    page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname.endsWith('.js'))
        .map((e) => ({
          url: new URL(e.name).pathname,
          bytes: (e as PerformanceResourceTiming).encodedBodySize,
        })),
    );

  /** Where the map draws child `code` (the chunk's test hook; a string, so that the test runner
   * leaves its import() alone). */
  const pointOf = (page: Page, code: string) =>
    page.evaluate<{ x: number; y: number } | null>(
      `import('/portal-map.js').then((m) => m.pointOf(${JSON.stringify(code)}))`,
    );

  /** The colour drawn at a point of the page, [r, g, b]. */
  async function pixel(page: Page, at: { x: number; y: number }): Promise<number[]> {
    const png = await page.screenshot({
      clip: { x: Math.round(at.x), y: Math.round(at.y), width: 1, height: 1 },
    });
    const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return [...data.subarray(0, 3)];
  }

  it('at desktop width draws the kabupaten at once, and a click on a kecamatan opens it', async () => {
    const { context, page, seen } = await open(1280);
    await page.goto(`${server.url}/#/wilayah/${KABUPATEN}`);
    await page.waitForSelector(`.heading[data-code="${KABUPATEN}"]`);
    await page.waitForSelector('[data-testid="map-box"][data-map-ready="true"] canvas', {
      timeout: 120_000,
    });
    // Beside the table, not in place of it: the rows and their links are there too.
    expect(await page.locator(`table.children a[href="#/wilayah/${KECAMATAN}"]`).count()).toBe(1);
    await expect
      .poll(() => page.locator('[data-testid="map-legend"] li').count())
      .toBeGreaterThanOrEqual(2);
    // The drawing is hidden from assistive technology and takes no focus.
    expect(await page.getAttribute('[data-testid="map-box"]', 'aria-hidden')).toBe('true');
    expect(await page.getAttribute('[data-testid="map-box"] canvas', 'tabindex')).toBe('-1');
    const box = await page.locator('[data-testid="map-box"]').boundingBox();
    const table = await page.locator('table.children').boundingBox();
    // Side by side at this width.
    expect(box!.x).toBeGreaterThan(table!.x + table!.width - 1);

    await page.locator('[data-testid="map-box"]').scrollIntoViewIfNeeded();
    // Coloured from the recap: pair 02's orange where it leads, grey where nothing is counted.
    const empty = await pointOf(page, EMPTY_KECAMATAN);
    const [er, eg, eb] = await pixel(page, empty!);
    expect(Math.max(er!, eg!, eb!) - Math.min(er!, eg!, eb!)).toBeLessThan(30);
    const point = await pointOf(page, KECAMATAN);
    const [r, , b] = await pixel(page, point!);
    expect(r! - b!).toBeGreaterThan(60);
    // A result counted while the page is open recolours its kecamatan, polygons not fetched again.
    const geoFetches = seen.responses.filter((u) => u.includes('.geojson')).length;
    const late = demoElection().tps.find((t) => t.code.startsWith(`${EMPTY_KECAMATAN}.`))!;
    const lateRes = await server.submit(late.code, pairTwoAhead(late.dpt ?? 250));
    expect(lateRes.status, await lateRes.clone().text()).toBe(201);
    await expect
      .poll(
        async () => {
          const [lr, , lb] = await pixel(page, (await pointOf(page, EMPTY_KECAMATAN))!);
          return lr! - lb!;
        },
        { timeout: 60_000 },
      )
      .toBeGreaterThan(60);
    expect(seen.responses.filter((u) => u.includes('.geojson')).length).toBe(geoFetches);
    // The panel passes axe (run from the test, outside the page's CSP).
    await page.evaluate(AXE);
    const axe = await page.evaluate(async () => {
      const { axe } = window as unknown as {
        axe: { run(el: string): Promise<{ violations: { id: string; impact: string }[] }> };
      };
      const out = await axe.run('[data-testid="map-panel"]');
      return out.violations.map((v) => `${v.id} (${v.impact})`);
    });
    expect(axe).toEqual([]);
    expect(point).not.toBeNull();
    await page.mouse.move(point!.x, point!.y);
    await page.mouse.click(point!.x, point!.y);
    await page.waitForSelector(`.heading[data-code="${KECAMATAN}"]`);
    expect(new URL(page.url()).hash).toBe(`#/wilayah/${KECAMATAN}`);
    // The kecamatan's own map: its desa.
    await page.waitForSelector('[data-testid="map-box"][data-map-ready="true"] canvas', {
      timeout: 120_000,
    });

    const origin = new URL(server.url).origin;
    expect(seen.responses.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual(
      [],
    );
    expect(seen.responses.some((u) => u.endsWith('/api/v1/geo/16.08.geojson'))).toBe(true);
    expect(seen.responses.some((u) => u.endsWith(`/api/v1/geo/${KECAMATAN}.geojson`))).toBe(true);
    expect(await violations(page)).toEqual([]);
    expect(policyLines(seen)).toEqual([]);
    await context.close();
  }, 240_000);

  it('at 360 px fetches nothing of the map until "Tampilkan peta" is pressed', async () => {
    const { context, page, seen } = await open(360);
    await page.goto(`${server.url}/#/wilayah/${KABUPATEN}`);
    await page.waitForSelector(`.heading[data-code="${KABUPATEN}"]`);
    const show = page.locator('[data-testid="map-show"]');
    await show.waitFor({ timeout: 60_000 });
    expect(await show.textContent()).toBe('Tampilkan peta');
    // In English on the switch, and back.
    await page.click('#lang');
    await expect.poll(() => show.textContent()).toBe('Show map');
    await page.click('#lang');
    await expect.poll(() => show.textContent()).toBe('Tampilkan peta');
    await page.waitForLoadState('networkidle');
    expect(seen.responses.filter(isMapFile)).toEqual([]);
    expect(seen.responses.some((u) => u.includes('.geojson'))).toBe(false);
    // No sideways scroll at 360 px with the panel on the page.
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    const before = await scriptBytes(page);
    const total = before.reduce((n, s) => n + s.bytes, 0);
    console.log(
      `portal-map.e2e: JavaScript before the map at 360 px: ${before.map((s) => `${s.url} ${s.bytes} B`).join(', ')}; total ${total} B`,
    );
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(JS_BUDGET);

    await show.click();
    await page.waitForSelector('[data-testid="map-box"][data-map-ready="true"] canvas', {
      timeout: 120_000,
    });
    expect(seen.responses.filter(isMapFile).length).toBe(2);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    if (process.env.MAP_SHOT) await page.screenshot({ path: process.env.MAP_SHOT, fullPage: true });
    const after = await scriptBytes(page);
    const map = after.filter((s) => s.url === '/portal-map.js')[0];
    console.log(`portal-map.e2e: the map chunk: ${map?.bytes ?? 0} B compressed`);
    // The mode switch recolours without fetching the polygons again.
    const geoFetches = seen.responses.filter((u) => u.includes('.geojson')).length;
    await page.click('button[data-mode="progress"]');
    expect(await page.getAttribute('button[data-mode="progress"]', 'aria-pressed')).toBe('true');
    expect(seen.responses.filter((u) => u.includes('.geojson')).length).toBe(geoFetches);
    expect(await violations(page)).toEqual([]);
    expect(policyLines(seen)).toEqual([]);
    await context.close();
  }, 240_000);
});
