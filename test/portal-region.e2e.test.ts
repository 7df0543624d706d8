// The portal's region pages in a real Chromium against the real server (SQLite, demo election):
// progress that tells reported, counted and flagged apart; the flagged TPS listed with links; the
// search box (a packed TPS code, a desa name); the anomalies page; the progress chart; numbers in
// the page's language; and no sideways scroll at 360 px, on the page or inside the table's card.
import { existsSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionResult } from '../src/contract/results.ts';
import { consistentResult } from '../src/synth/results.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const hasChromium = existsSync(CHROMIUM);

const KEC = '16.08.01';
const DESA = '16.08.01.1007';
const TPS = (n: number) => `${DESA}.${String(n).padStart(3, '0')}`;

describe.skipIf(!hasChromium)('portal region pages (real server, real Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let desaName = '';
  let desaTps = 0;
  let nationTotal = 0;

  /** A consistent result whose DPT is the TPS's registered DPT. */
  const cleanFor = async (tps: string): Promise<CHasil> => {
    const dpt = (await server.store.tps(tps as never))?.dpt ?? 250;
    const dptL = Math.floor(dpt / 2);
    const votesL = Math.floor(dptL * 0.8);
    const votesP = Math.floor((dpt - dptL) * 0.8);
    const valid = votesL + votesP - 5;
    const v1 = Math.floor(valid * 0.4);
    const v2 = Math.floor(valid * 0.35);
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
    server = await startTestServer({ demo: true });
    for (const n of [1, 2]) {
      const res = await server.submit(TPS(n), await cleanFor(TPS(n)));
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const bad = await cleanFor(TPS(3));
    const res = await server.submit(TPS(3), { ...bad, total: bad.total - 8 });
    expect(res.status, await res.clone().text()).toBe(201);
    const kec = (await (
      await fetch(`${server.url}/api/v1/results/${KEC}?ballot=ppwp`)
    ).json()) as RegionResult;
    const desa = kec.children.find((c) => c.code === DESA)!;
    desaName = desa.name;
    desaTps = desa.progress.tpsTotal;
    const nation = (await (
      await fetch(`${server.url}/api/v1/results/id?ballot=ppwp`)
    ).json()) as RegionResult;
    nationTotal = nation.progress.tpsTotal;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error('portal page error:', e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const text = async (selector: string) => (await page.textContent(selector))?.trim() ?? '';
  const drill = async (href: string, code: string) => {
    await page.click(`#view .children a[href="${href}"]`);
    await page.waitForSelector(`.heading[data-code="${code}"]`);
  };
  const id = (n: number) => n.toLocaleString('id-ID');
  const en = (n: number) => n.toLocaleString('en');

  it('drills down from the nation to a TPS, with reported, counted and flagged apart', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('.heading[data-code="id"]');
    await page.waitForSelector('[data-testid="flagged"] li');
    expect(await text('[data-testid="progress-reported"]')).toBe(
      `3 dari ${id(nationTotal)} TPS melapor`,
    );
    expect(await text('[data-testid="progress-counted"]')).toBe('2');
    expect(await text('[data-testid="progress-flagged"]')).toBe('1');
    expect(await text('[data-testid="progress-in-review"]')).toBe('0');
    // The flagged TPS, listed with a link, from the nation down.
    expect(
      await page.getAttribute(`[data-testid="flagged"] li[data-code="${TPS(3)}"] a`, 'href'),
    ).toBe(`#/tps/${TPS(3)}`);
    // The chart of the night, with its table.
    await page.waitForSelector('[data-testid="chart"] svg rect');
    expect(
      await page.$$eval('[data-testid="chart"] tbody tr', (rows) => rows.length),
    ).toBeGreaterThan(0);
    // The footer's way to the API reference.
    expect(await page.getAttribute('[data-testid="api-docs"]', 'href')).toBe('/api/docs');

    await drill('#/wilayah/16', '16');
    await drill('#/wilayah/16.08', '16.08');
    await drill(`#/wilayah/${KEC}`, KEC);
    // The desa's row: 3 of its TPS reported, 2 counted, 1 flagged.
    expect(await text(`tr[data-code="${DESA}"] .col-progress`)).toBe(
      `3/${id(desaTps)} melapor · 2 dihitung · 1 ditandai`,
    );
    await drill(`#/wilayah/${DESA}`, DESA);
    expect(await text('[data-testid="progress-reported"]')).toBe(
      `3 dari ${id(desaTps)} TPS melapor`,
    );
    expect(await text('[data-testid="progress-count"]')).toBe(`2 dari ${id(desaTps)} TPS`);
    expect(await text(`tr[data-code="${TPS(3)}"] .badge`)).toBe('Ditandai');
    await page.waitForSelector(`[data-testid="flagged"] li[data-code="${TPS(3)}"]`);
    await drill(`#/tps/${TPS(1)}`, TPS(1));
  });

  it('opens the anomalies page of a region: flagged and late TPS, with links', async () => {
    await page.goto(`${server.url}/#/wilayah/${DESA}`);
    await page.waitForSelector(`.heading[data-code="${DESA}"]`);
    await page.click('[data-testid="anomalies-link"]');
    await page.waitForSelector('[data-testid="issues-flagged"]');
    expect(
      await page.getAttribute(`[data-testid="issues-flagged"] li[data-code="${TPS(3)}"] a`, 'href'),
    ).toBe(`#/tps/${TPS(3)}`);
    expect(await text('[data-testid="issues-late-total"]')).toBe(id(desaTps - 3));
    await page.waitForSelector(`[data-testid="issues-late"] li[data-code="${TPS(4)}"]`);
    expect(await text('[data-testid="issues-corrections-total"]')).toBe('0');
    // In one language: no raw field paths, no English on the Indonesian page.
    const body = await text('#view');
    expect(body).not.toMatch(/ballots\.|votes\.|valid \+|flagged|late\b/);
    await page.click(`[data-testid="issues-late"] li[data-code="${TPS(4)}"] a`);
    await page.waitForSelector(`.heading[data-code="${TPS(4)}"]`);
  });

  it('searches by packed TPS code and by desa name, from the box on every page', async () => {
    await page.goto(`${server.url}/#/wilayah/16.08`);
    await page.waitForSelector('.heading[data-code="16.08"]');
    // A packed code and Enter: straight to that TPS.
    await page.fill('#search-q', TPS(2).replaceAll('.', ''));
    await page.press('#search-q', 'Enter');
    await page.waitForSelector(`.heading[data-code="${TPS(2)}"]`);
    // A desa's name, typed in lower case: the desa among the results, then a click.
    await page.fill('#search-q', desaName.toLowerCase());
    await page.waitForSelector(`.search-hit[data-code="${DESA}"]`);
    expect(await text('#search-status')).toMatch(/hasil untuk/);
    await page.click(`.search-hit[data-code="${DESA}"]`);
    await page.waitForSelector(`.heading[data-code="${DESA}"]`);
    expect(await page.$('.search-hit')).toBeNull();
    // The label names the box; the keyboard reaches it.
    expect(await text('label[for="search-q"]')).toBe('Cari TPS, desa atau kecamatan');
  });

  it('writes numbers in the page language after the English switch', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('.heading[data-code="id"]');
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await text('[data-testid="progress-reported"]')).toBe(
      `3 of ${en(nationTotal)} polling stations reported`,
    );
    if (nationTotal >= 1000) expect(await text('[data-testid="progress-reported"]')).toContain(',');
    const valid = Number((await text('[data-testid="valid"]')).replace(/,/g, ''));
    expect(await text('[data-testid="valid"]')).toBe(en(valid));
    expect(await text('label[for="search-q"]')).toBe(
      'Search a polling station, village or district',
    );
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'id');
    expect(await text('[data-testid="progress-reported"]')).toBe(
      `3 dari ${id(nationTotal)} TPS melapor`,
    );
  });

  it('needs no sideways scroll at 360 px, not even inside the table card', async () => {
    const phone = await browser.newPage({ viewport: { width: 360, height: 740 } });
    try {
      for (const [hash, code] of [
        ['#/', 'id'],
        [`#/wilayah/${KEC}`, KEC],
        [`#/wilayah/${DESA}`, DESA],
        [`#/anomali/${DESA}`, DESA],
      ] as const) {
        await phone.goto(`${server.url}/${hash}`);
        await phone.waitForSelector(`.heading[data-code="${code}"]`);
        expect(
          await phone.evaluate(() => document.scrollingElement!.scrollWidth),
          hash,
        ).toBeLessThanOrEqual(360);
        const overflow = await phone.$$eval('.table-wrap', (els) =>
          els
            .filter((e) => e.closest('details:not([open])') === null)
            .map((e) => e.scrollWidth - e.clientWidth),
        );
        for (const o of overflow) expect(o, hash).toBeLessThanOrEqual(1);
        // The pairs stay in view: each pair cell sits inside the screen.
        const right = await phone.$$eval('.children td.col-pair', (cells) =>
          Math.max(0, ...cells.map((c) => c.getBoundingClientRect().right)),
        );
        expect(right, hash).toBeLessThanOrEqual(360);
        await phone.screenshot({
          path: `/tmp/portal-region-360-${hash.replace(/\W+/g, '-')}.png`,
          fullPage: true,
        });
      }
    } finally {
      await phone.close();
    }
  });
});
