// The signal map page (/peta/, issue 14) end to end: the real server on SQLite with the demo
// election, survey observations posted through the API with KPPS tokens (a blank-spot TPS, a weak
// one and a good one a few km away, whose good signal is the others' sending point), and a real
// Chromium with WebGL on SwiftShader. A click on the blank-spot TPS, on the map or in the list,
// opens the panel with its class and its sending point (distance and direction in words); the
// kecamatan filter reads that kecamatan; at 360 px nothing scrolls sideways; axe-core finds no
// serious or critical violation; no request leaves Rekap and the CSP is never violated.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectivityMap, TpsConnectivity } from '../src/contract/connectivity.ts';
import type { RegionGeo } from '../src/contract/geo.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { CHROMIUM } from './support/chromium.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`peta.e2e: ${CHROMIUM} not found, skipping`);

/** Headless Chromium with WebGL drawn by SwiftShader (as test/portal-map.e2e.test.ts). */
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
const KECAMATAN = '16.08.01';
const OTHER_KECAMATAN = '16.08.02';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const DIRECTION_ID: Record<string, string> = {
  N: 'utara',
  NE: 'timur laut',
  E: 'timur',
  SE: 'tenggara',
  S: 'selatan',
  SW: 'barat daya',
  W: 'barat',
  NW: 'barat laut',
};

type Seen = { responses: string[]; console: string[] };
type Roles = { blank: string; weak: string; good: string };

describe.skipIf(!hasChromium)(
  'the signal map page (real server, Chromium with SwiftShader)',
  () => {
    let server: TestServer;
    let browser: Browser;
    let roles: Roles;
    /** The kecamatan's answer, as the page reads it. */
    let answer: ConnectivityMap;

    /** Survey observations of `tps` at [lng, lat], an hour ago. */
    async function survey(tps: string, at: [number, number], o: Record<string, unknown>) {
      const token = await issueToken(server.store, tps);
      const when = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
      const body = [60, 50].map((m) => ({
        tps,
        at: when(m),
        lat: at[1],
        lng: at[0],
        accuracyM: 8,
        source: 'survey',
        ...o,
      }));
      const res = await fetch(`${server.url}/api/v1/signal/observations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      expect(res.status, await res.clone().text()).toBe(202);
    }

    beforeAll(async () => {
      server = await startTestServer({ demo: true });
      // Three TPS of three desa of Martapura, each at its desa's inside point.
      const geo = (await (
        await fetch(`${server.url}/api/v1/geo/${KECAMATAN}.geojson`)
      ).json()) as RegionGeo;
      const pt = new Map(geo.features.map((f) => [f.properties.code, f.properties.pt]));
      const firstOf = new Map<string, string>();
      for (const t of demoElection().tps) {
        const desa = t.code.split('.').slice(0, 4).join('.');
        if (t.code.startsWith(`${KECAMATAN}.`) && pt.has(desa) && !firstOf.has(desa))
          firstOf.set(desa, t.code);
      }
      const [blank, weak, good] = [...firstOf.values()];
      expect(good).toBeDefined();
      roles = { blank: blank!, weak: weak!, good: good! };
      const where = (tps: string) => pt.get(tps.split('.').slice(0, 4).join('.'))!;
      await survey(roles.blank, where(roles.blank), {
        connection: 'none',
        ok: false,
        rttMs: null,
        uploadKbps: null,
      });
      await survey(roles.weak, where(roles.weak), {
        connection: '2g',
        ok: true,
        rttMs: 2400,
        uploadKbps: 40,
      });
      await survey(roles.good, where(roles.good), {
        connection: '4g',
        ok: true,
        rttMs: 90,
        uploadKbps: 4000,
        signalDbm: -80,
      });
      const res = await fetch(`${server.url}/api/v1/connectivity/${KECAMATAN}?ballot=ppwp`);
      expect(res.status, await res.clone().text()).toBe(200);
      answer = (await res.json()) as ConnectivityMap;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGL_ARGS });
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    const tpsOf = (code: string): TpsConnectivity =>
      answer.features.find((f) => f.properties.tps === code)!.properties;

    async function open(
      width: number,
      path: string,
    ): Promise<{ context: BrowserContext; page: Page; seen: Seen }> {
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
      const page = await context.newPage();
      await page.goto(`${server.url}${path}`);
      return { context, page, seen };
    }

    /** Whatever the page did: nothing outside Rekap, no CSP violation, no error. */
    async function clean(page: Page, seen: Seen): Promise<void> {
      const origin = new URL(server.url).origin;
      expect(seen.responses.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual(
        [],
      );
      expect(
        await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations),
      ).toEqual([]);
      expect(
        seen.console.filter((l) => /content security policy|refused to|^error/i.test(l)),
      ).toEqual([]);
    }

    const noSideScroll = (page: Page) =>
      page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

    /** axe-core's serious and critical violations over the page (run from the test, outside the
     * page's CSP). */
    async function axeSerious(page: Page): Promise<string[]> {
      if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
      return page.evaluate(async () => {
        const { axe } = window as unknown as {
          axe: {
            run(
              el: Document,
            ): Promise<{ violations: { id: string; impact: string | null; nodes: unknown[] }[] }>;
          };
        };
        const out = await axe.run(document);
        return out.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`);
      });
    }

    /** The distance and direction the panel must say for `code`, from the API's answer. */
    function expectedSending(code: string): string {
      const s = tpsOf(code).sendingPoint!;
      const km = s.distanceKm.toLocaleString('id-ID', {
        minimumFractionDigits: 1,
        maximumFractionDigits: 1,
      });
      return `${km} km ke arah ${DIRECTION_ID[s.direction]}`;
    }

    it('the API classes the three TPS and gives the blank spot the good TPS as its sending point', () => {
      expect(tpsOf(roles.blank).class).toBe('none');
      expect(tpsOf(roles.weak).class).toBe('weak');
      expect(tpsOf(roles.good).class).toBe('good');
      expect(tpsOf(roles.blank).sendingPoint).toMatchObject({ measuredBy: roles.good });
      expect(tpsOf(roles.blank).sendingPoint!.distanceKm).toBeGreaterThan(0.5);
    });

    it('at desktop width: the filter, the map drawn, and a click on the blank-spot TPS opens its panel', async () => {
      const { context, page, seen } = await open(1280, '/peta/');
      // The kabupaten first: every kecamatan in the filter.
      const summary = page.locator('[data-testid="summary"]');
      await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toMatch(/\d+ TPS: /);
      const filter = page.locator('[data-testid="kecamatan-filter"]');
      expect(await filter.inputValue()).toBe(KABUPATEN);
      expect(await filter.locator('option').count()).toBe(21);
      expect(seen.responses.some((u) => u.includes(`/api/v1/connectivity/${KABUPATEN}?`))).toBe(
        true,
      );
      const kabupatenSummary = await summary.textContent();

      // The kecamatan: its answer, its counts in words, the hash.
      await filter.selectOption(KECAMATAN);
      await page.waitForURL(new RegExp(`/peta/#/${KECAMATAN.replaceAll('.', '\\.')}$`));
      const c = answer.counts;
      const total = c.good + c.weak + c.none + c.unknown;
      const n = (x: number) => x.toLocaleString('id-ID');
      await expect
        .poll(() => summary.textContent())
        .toContain(
          `${n(total)} TPS: ${n(c.good)} baik · ${n(c.weak)} lemah · ${n(c.none)} blank spot · ${n(c.unknown)} belum diketahui`,
        );
      expect(await summary.textContent()).not.toBe(kabupatenSummary);
      expect(seen.responses.some((u) => u.includes(`/api/v1/connectivity/${KECAMATAN}?`))).toBe(
        true,
      );
      // The blank-spot list holds the blank spot, and not the others.
      const list = page.locator('[data-testid="tps-list"]');
      await expect.poll(() => list.locator(`[data-tps="${roles.blank}"]`).count()).toBe(1);
      expect(await list.locator(`[data-tps="${roles.good}"]`).count()).toBe(0);
      expect(await list.locator(`[data-tps="${roles.blank}"]`).textContent()).toContain(
        expectedSending(roles.blank),
      );

      // The map, drawn; a click at the blank spot's point opens its panel.
      await page.waitForSelector('[data-testid="map-box"][data-map-ready="true"] canvas', {
        timeout: 120_000,
      });
      expect(await page.getAttribute('[data-testid="map-box"]', 'aria-hidden')).toBe('true');
      await page.locator('[data-testid="map-box"]').scrollIntoViewIfNeeded();
      const at = await page.evaluate<{ x: number; y: number } | null>(
        `import('/peta/peta-map.js').then((m) => m.pointOfTps(${JSON.stringify(roles.blank)}))`,
      );
      expect(at).not.toBeNull();
      await page.mouse.move(at!.x, at!.y);
      await page.mouse.click(at!.x, at!.y);
      const panel = page.locator('[data-testid="tps-panel"]');
      await expect.poll(() => panel.locator('h2').textContent()).toContain(roles.blank);
      expect(await panel.getAttribute('aria-live')).toBe('polite');
      expect(await panel.locator('[data-testid="panel-class"]').textContent()).toBe(
        'Blank spot / tidak ada sinyal',
      );
      expect(await panel.locator('[data-testid="sending-words"]').textContent()).toBe(
        expectedSending(roles.blank),
      );
      const sendingText = await panel.locator('[data-field="sending"]').textContent();
      expect(sendingText).toContain(`diukur oleh TPS ${roles.good}`);
      expect(sendingText).toMatch(/perkiraan perjalanan \d+ menit/);
      expect(await panel.locator('[data-field="observations"]').textContent()).toBe(
        String(tpsOf(roles.blank).observations),
      );
      expect(await panel.locator('[data-field="last"]').textContent()).toContain(
        'tidak ada sinyal',
      );
      expect(await panel.locator('[data-field="upload"]').textContent()).toBe('Hasil belum masuk');

      if (process.env.PETA_SHOT_WIDE)
        await page.screenshot({ path: process.env.PETA_SHOT_WIDE, fullPage: true });
      // Another kecamatan: the map is fitted to it and the panel empties.
      await filter.selectOption(OTHER_KECAMATAN);
      await expect.poll(() => panel.textContent()).toContain('Pilih TPS di peta atau di daftar');
      expect(await page.locator('h1').textContent()).toContain(':');
      // The notes and the plan downloads.
      expect(await page.locator('[data-testid="rounding-note"]').textContent()).toContain('1 km');
      expect(await page.locator('[data-testid="synthetic-note"]').textContent()).toContain(
        'sintetis',
      );
      expect(await page.getAttribute('[data-testid="plan-csv"]', 'href')).toBe(
        `/api/v1/connectivity/${OTHER_KECAMATAN}/plan.csv`,
      );
      expect(await page.getAttribute('[data-testid="plan-pdf"]', 'href')).toBe(
        `/api/v1/connectivity/${OTHER_KECAMATAN}/plan.pdf`,
      );
      expect(await axeSerious(page)).toEqual([]);
      await clean(page, seen);
      await context.close();
    }, 300_000);

    it('at 360 px: usable from the list without the map, no sideways scroll, in both languages', async () => {
      const { context, page, seen } = await open(360, `/peta/#/${KECAMATAN}`);
      const list = page.locator('[data-testid="tps-list"]');
      const row = list.locator(`[data-tps="${roles.blank}"]`);
      await row.waitFor({ timeout: 60_000 });
      expect(await page.locator('[data-testid="kecamatan-filter"]').inputValue()).toBe(KECAMATAN);
      // The map waits for a press; nothing of MapLibre is loaded until then.
      await page.locator('[data-testid="map-show"]').waitFor();
      expect(seen.responses.filter((u) => /peta-map\.js|portal-map-worker\.js/.test(u))).toEqual(
        [],
      );
      expect(await noSideScroll(page)).toBe(true);

      // By keyboard: the row's button opens the panel and the focus moves to it.
      await row.focus();
      await page.keyboard.press('Enter');
      const panel = page.locator('[data-testid="tps-panel"]');
      await expect.poll(() => panel.locator('h2').textContent()).toContain(roles.blank);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('panel-title');
      expect(await row.getAttribute('aria-pressed')).toBe('true');
      expect(await panel.locator('[data-testid="panel-class"]').textContent()).toBe(
        'Blank spot / tidak ada sinyal',
      );
      expect(await panel.locator('[data-testid="sending-words"]').textContent()).toBe(
        expectedSending(roles.blank),
      );
      expect(await noSideScroll(page)).toBe(true);
      expect(await axeSerious(page)).toEqual([]);

      // The weak TPS, from the list with weak signal shown too.
      await page.locator('[data-testid="list-filter"]').selectOption('noneWeak');
      await list.locator(`[data-tps="${roles.weak}"]`).click();
      await expect
        .poll(() => panel.locator('[data-testid="panel-class"]').textContent())
        .toBe('Sinyal lemah');
      // In English, and the map on request.
      await page.click('#lang');
      await expect
        .poll(() => panel.locator('[data-testid="panel-class"]').textContent())
        .toBe('Weak signal');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await list.locator(`[data-tps="${roles.blank}"]`).click();
      await expect
        .poll(() => panel.locator('[data-testid="panel-class"]').textContent())
        .toBe('Blank spot / no signal');
      expect(await panel.locator('[data-testid="sending-words"]').textContent()).toMatch(
        /^\d+\.\d km to the (north|south|east|west|north-east|north-west|south-east|south-west)$/,
      );
      await page.locator('[data-testid="map-show"]').click();
      await page.waitForSelector('[data-testid="map-box"][data-map-ready="true"] canvas', {
        timeout: 120_000,
      });
      expect(await noSideScroll(page)).toBe(true);
      expect(await axeSerious(page)).toEqual([]);
      if (process.env.PETA_SHOT)
        await page.screenshot({ path: process.env.PETA_SHOT, fullPage: true });
      await clean(page, seen);
      await context.close();
    }, 300_000);
  },
);
