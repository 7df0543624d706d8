// The field app's signal survey (issue 14), in a real Chromium at 360 x 640 against the real
// server on SQLite: the officer enrols, opens "Survei sinyal" and measures once with signal (the
// server then holds a survey observation with the phone's position, a round trip and an upload
// speed measured against POST /api/v1/signal/probe) and once with none (kept on the phone, said
// so, and sent once the signal is back), all read back through GET /api/v1/signal/observations.
// The screen has no serious or critical axe-core violation.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegionCode } from '../src/core/codes.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`field-survey.e2e: ${CHROMIUM} not found, skipping.`);

const TPS = '16.08.01.1007.001';
const DESA = '16.08.01.1007';
const HERE = { latitude: -4.052731, longitude: 104.213468, accuracy: 9 };

type PublicObservation = {
  tps: string;
  source?: string;
  lat?: number;
  lng?: number;
  accuracyM?: number;
  connection: string;
  rttMs: number | null;
  uploadKbps: number | null;
  ok: boolean;
};

describe.skipIf(!hasChromium)('the field app signal survey (real server, Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let axeSource = '';

  beforeAll(async () => {
    axeSource = await readFile(
      createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
      'utf8',
    );
    server = await startTestServer();
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 360, height: 640 },
      geolocation: HERE,
      permissions: ['geolocation'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const surveys = async (): Promise<PublicObservation[]> => {
    const res = await fetch(`${server.url}/api/v1/signal/observations?region=${DESA}`);
    const body = (await res.json()) as { observations: PublicObservation[] };
    return body.observations.filter((o) => o.source === 'survey');
  };

  /** Serious or critical axe-core violations of the page, as `id: help` lines. */
  async function axeViolations(page: Page): Promise<string[]> {
    await page.evaluate(axeSource);
    return page.evaluate(async () => {
      const w = window as unknown as {
        axe: {
          run(
            ctx: Document,
            opts: object,
          ): Promise<{ violations: { id: string; impact: string | null; help: string }[] }>;
        };
      };
      const r = await w.axe.run(document, { resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.help}`);
    });
  }

  it('measures with signal and without, queues the one without, and sends both', async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('field app page error:', e.message));
    await page.goto(`${server.url}/kpps/`);
    await page.fill('#tps', TPS);
    await page.fill('#token', await issueToken(server.store, TPS));
    await page.click('#enrol');
    await page.waitForSelector('[data-testid="device"]');

    // The home screen has the entry; the survey opens with nothing measured yet.
    await page.click('a[href="#/survei"]');
    await page.waitForSelector('#survey-measure');
    expect(await page.textContent('#survey-waiting')).toBe('Belum ada pengukuran.');
    expect(await page.getAttribute('#survey-status', 'aria-live')).toBe('polite');
    // Nothing wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      360,
    );

    // With signal: measured, kept, and sent.
    await page.click('#survey-measure');
    await page.waitForSelector('[data-testid="survey-item"][data-ok="true"][data-sent="true"]', {
      timeout: 60_000,
    });
    expect(await page.textContent('#survey-status')).toMatch(
      /^Sinyal baik: 4G, [\d.]+ ms, [\d.]+ kbit\/s$/,
    );
    expect(await page.textContent('#survey-waiting')).toBe('Semua pengukuran sudah terkirim.');
    expect(await page.textContent('[data-testid="survey-item"]')).toContain('lokasi ±9 m');
    const [online] = await surveys();
    // Published to about a kilometre (the store keeps the phone's fix).
    expect(online).toMatchObject({
      tps: TPS,
      source: 'survey',
      lat: -4.05,
      lng: 104.21,
      connection: '4g',
      ok: true,
    });
    expect(online!.rttMs).toEqual(expect.any(Number));
    expect(online!.uploadKbps).toBeGreaterThan(0);
    const stored = await server.store.observations(DESA as RegionCode, 10, 10);
    expect(stored.find((o) => o.source === 'survey')).toMatchObject({
      lat: -4.05273,
      lng: 104.21347,
      accuracyM: 9,
      bytes: 32 * 1024,
    });

    expect(await axeViolations(page)).toEqual([]);

    // No signal: kept on the phone, said so, and waiting.
    await context.setOffline(true);
    await page.click('#survey-measure');
    await page.waitForSelector('[data-testid="survey-item"][data-ok="false"]');
    expect(await page.textContent('#survey-status')).toBe(
      'Tidak ada sinyal — tersimpan, akan dikirim nanti',
    );
    expect(await page.textContent('#survey-waiting')).toBe('1 pengukuran menunggu dikirim.');
    expect(await page.getAttribute('#survey-waiting', 'data-waiting')).toBe('1');
    expect(await surveys()).toHaveLength(1);

    // The signal is back: the one kept is sent, with its position and no times.
    await context.setOffline(false);
    await page.waitForSelector('#survey-waiting[data-waiting="0"]', { timeout: 60_000 });
    await expect.poll(async () => (await surveys()).length, { timeout: 30_000 }).toBe(2);
    const offline = (await surveys())[1];
    expect(offline).toMatchObject({
      source: 'survey',
      lat: -4.05,
      lng: 104.21,
      connection: 'none',
      rttMs: null,
      uploadKbps: null,
      ok: false,
    });
    expect(await page.$$eval('[data-testid="survey-item"]', (els) => els.length)).toBe(2);
    expect(await page.textContent('#survey-advice')).toMatch(/^Sudah 2 pengukuran, pada 1 dari 3/);
    // The status of the last measurement says it was sent.
    expect(await page.textContent('#survey-status')).toBe('Tidak ada sinyal — terkirim');
    await page.close();
  });

  it('without permission for the position, measures anyway and says so', async () => {
    const bare = await browser.newContext({ viewport: { width: 360, height: 640 } });
    try {
      const page = await bare.newPage();
      await page.goto(`${server.url}/kpps/`);
      await page.fill('#tps', TPS);
      await page.fill('#token', await issueToken(server.store, TPS));
      await page.click('#enrol');
      await page.waitForSelector('[data-testid="device"]');
      await page.goto(`${server.url}/kpps/#/survei`);
      await page.click('#survey-measure');
      await page.waitForSelector('[data-testid="survey-item"][data-ok="true"]', {
        timeout: 60_000,
      });
      expect(await page.textContent('#survey-note')).toMatch(/^Lokasi tidak diizinkan/);
      expect(await page.textContent('[data-testid="survey-item"]')).toContain('tanpa lokasi');
    } finally {
      await bare.close();
    }
  });
});
