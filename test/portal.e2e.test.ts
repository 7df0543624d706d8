// The public portal end to end: the real server on SQLite with the demo election, driven by a real
// Chromium. Results go in through the submission API; the test then reads them the way a citizen
// would, by clicking from the nation down to one TPS.
import { existsSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import { checkRules } from '../src/core/rules.ts';
import { consistentResult } from '../src/core/testing.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `portal.e2e: ${CHROMIUM} not found, skipping the browser tests (install Debian's chromium package).`,
  );

const DESA = '16.08.01.1007';
const CLEAN_TPS = `${DESA}.001`;
const FLAGGED_TPS = `${DESA}.002`;

const id = (n: number) => n.toLocaleString('id-ID');

/** A consistent result whose DPT equals the registered DPT, with votes in given shares. */
function cleanResult(dpt: number, shares: [number, number]): CHasil {
  const dptL = Math.floor(dpt / 2);
  const votesL = Math.floor(dptL * 0.8);
  const votesP = Math.floor((dpt - dptL) * 0.8);
  const invalid = 7;
  const valid = votesL + votesP - invalid;
  const v1 = Math.floor(valid * shares[0]);
  const v2 = Math.floor(valid * shares[1]);
  return consistentResult({
    dptL,
    dptP: dpt - dptL,
    votesL,
    votesP,
    invalid,
    votes: { '1': v1, '2': v2, '3': valid - v1 - v2 },
  });
}

const sum = (results: CHasil[], key: string) =>
  results.reduce((a, r) => a + (r.votes[key] ?? 0), 0);

describe('portal browser prerequisites', () => {
  it.runIf(!hasChromium && !!process.env.CI)('has Chromium on CI', () => {
    expect.fail(`${CHROMIUM} is missing; CI must install Debian's chromium package`);
  });
});

describe.skipIf(!hasChromium)('public portal (real server, real Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error('portal page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const registeredDpt = async (tps: string): Promise<number> => {
    const res = await fetch(`${server.url}/api/v1/tps/${tps}?ballot=ppwp`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { dpt: number | null };
    return body.dpt ?? 250;
  };

  const submitOk = async (tps: string, result: CHasil) => {
    const res = await server.submit(tps, result);
    expect(res.status, await res.clone().text()).toBe(201);
  };

  /** Clicks the link to `code` and waits until its view is on screen. */
  const drill = async (href: string, code: string) => {
    await page.click(`#view a[href="${href}"]`);
    await page.waitForSelector(`.heading[data-code="${code}"]`);
  };

  const text = async (selector: string) => (await page.textContent(selector))?.trim() ?? '';

  const expectTotals = async (results: CHasil[]) => {
    for (const key of ['1', '2', '3'])
      expect(await text(`[data-testid="votes-${key}"]`)).toBe(id(sum(results, key)));
    expect(await text('[data-testid="valid"]')).toBe(id(results.reduce((a, r) => a + r.valid, 0)));
    expect(await text('[data-testid="invalid"]')).toBe(
      id(results.reduce((a, r) => a + r.invalid, 0)),
    );
  };

  it('drills down to a TPS, shows numbers, photo, flags, English, and refreshes by itself', async () => {
    const dpt1 = await registeredDpt(CLEAN_TPS);
    const dpt2 = await registeredDpt(FLAGGED_TPS);
    const clean = cleanResult(dpt1, [0.3, 0.55]);
    const good2 = cleanResult(dpt2, [0.4, 0.35]);
    // Written with a wrong V.A: the pairs add up to one vote less.
    const flagged: CHasil = { ...good2, valid: good2.valid + 1 };
    const breaches = checkRules(flagged, { ballot: 'ppwp', registeredDpt: dpt2 });
    const sumBreach = breaches.find((b) => b.rule === 'votes-sum-valid');
    expect(sumBreach).toBeDefined();
    await submitOk(CLEAN_TPS, clean);
    await submitOk(FLAGGED_TPS, flagged);

    // The nation, with the DEMO banner.
    await page.goto(`${server.url}/`);
    await page.waitForSelector('.heading[data-code="id"]');
    await page.waitForSelector('#demo:not([hidden])');
    expect(await text('#demo')).toContain('DEMO');
    await expectTotals([clean]);

    // Down the ladder by clicking: provinsi, kabupaten, kecamatan, desa.
    await drill('#/wilayah/16', '16');
    await drill('#/wilayah/16.08', '16.08');
    await expectTotals([clean]);
    await drill('#/wilayah/16.08.01', '16.08.01');
    await drill(`#/wilayah/${DESA}`, DESA);
    await expectTotals([clean]);
    expect(await text('[data-testid="progress-count"]')).toMatch(/^1 dari [\d.]+ TPS$/);
    expect(await text(`tr[data-code="${CLEAN_TPS}"] .badge`)).toBe('Dihitung');
    expect(await text(`tr[data-code="${FLAGGED_TPS}"] .badge`)).toBe('Ditandai');
    await page.screenshot({ path: '/tmp/portal-desa.png', fullPage: true });

    // The clean TPS: every number as submitted, and the photo.
    await drill(`#/tps/${CLEAN_TPS}`, CLEAN_TPS);
    const field = (path: string) => text(`[data-field="${path}"]`);
    expect(await field('dpt.total')).toBe(id(clean.dpt.total));
    expect(await field('voters.total.total')).toBe(id(clean.voters.total.total));
    expect(await field('ballots.received')).toBe(id(clean.ballots.received));
    expect(await field('ballots.unused')).toBe(id(clean.ballots.unused));
    for (const key of ['1', '2', '3'])
      expect(await field(`votes.${key}`)).toBe(id(clean.votes[key] ?? -1));
    expect(await field('valid')).toBe(id(clean.valid));
    expect(await field('invalid')).toBe(id(clean.invalid));
    expect(await field('total')).toBe(id(clean.total));
    expect(await text('[data-testid="flags"]')).toContain('Semua pemeriksaan aritmetika terpenuhi');
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.photos img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    await page.screenshot({ path: '/tmp/portal-tps-clean.png', fullPage: true });

    // The flagged TPS: its broken rule, in Indonesian and then in English.
    await page.goBack();
    await page.waitForSelector(`.heading[data-code="${DESA}"]`);
    await drill(`#/tps/${FLAGGED_TPS}`, FLAGGED_TPS);
    expect(await text('.status-line .badge')).toBe('Ditandai');
    expect(await text('[data-testid="flags"]')).toContain(sumBreach!.message.id);
    expect(await page.getAttribute('[data-field="valid"]', 'class')).toContain('bad');

    await page.click('#lang');
    await page.waitForSelector('html[lang="en"]');
    expect(await text('[data-testid="flags"]')).toContain(sumBreach!.message.en);
    expect(await text('[data-testid="flags"] h3')).toBe('Broken rules');
    expect(await text('.status-line .badge')).toBe('Flagged');
    expect(await text('#lang')).toBe('Bahasa Indonesia');
    // The choice is remembered.
    await page.reload();
    await page.waitForSelector(`.heading[data-code="${FLAGGED_TPS}"]`);
    expect(await text('#history-title')).toBe('Version history');
    await page.screenshot({ path: '/tmp/portal-tps-flagged-en.png', fullPage: true });
    await page.click('#lang');
    await page.waitForSelector('html[lang="id"]');

    // Auto-refresh: a corrected v2 for the flagged TPS shows up on the desa page without a reload.
    await page.click(`.crumbs a[href="#/wilayah/${DESA}"]`);
    await page.waitForSelector(`.heading[data-code="${DESA}"]`);
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
      window.scrollTo(0, 300);
    });
    await submitOk(FLAGGED_TPS, good2);
    await page.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.textContent?.trim() === want,
      [`tr[data-code="${FLAGGED_TPS}"] .badge`, 'Dihitung'] as const,
      { timeout: 15_000 },
    );
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBe(300);
    await expectTotals([clean, good2]);
    expect(await text('[data-testid="progress-count"]')).toMatch(/^2 dari [\d.]+ TPS$/);

    // The history keeps v1 and shows that v2 replaced it and counts.
    await drill(`#/tps/${FLAGGED_TPS}`, FLAGGED_TPS);
    expect(await text('tr[data-version="2"]')).toContain('dihitung');
    expect(await text('tr[data-version="2"]')).toContain('menggantikan v1');
    expect(await text('tr[data-version="1"]')).toContain('Ditandai');
    expect(await text('tr[data-version="1"]')).toContain('digantikan v2');
    await page.click('tr[data-version="1"] a');
    await page.waitForSelector('tr[data-version="1"].current');
    expect(await text('[data-testid="flags"]')).toContain(sumBreach!.message.id);

    // An unknown region says so.
    await page.goto(`${server.url}/#/wilayah/99.99`);
    await page.waitForSelector('.message');
    expect(await text('#view-title')).toBe('Wilayah atau TPS tidak ditemukan.');

    // A phone-sized screen.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${server.url}/#/wilayah/${DESA}`);
    await page.waitForSelector(`.heading[data-code="${DESA}"]`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      360,
    );
    await page.screenshot({ path: '/tmp/portal-desa-360.png', fullPage: true });
  });
});
