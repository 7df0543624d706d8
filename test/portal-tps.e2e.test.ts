// The TPS page end to end, as a citizen or a journalist reads it: a signed version with a slip
// on paper (the server's re-read of the photo agrees with it), then its correction by the PPK.
// The real server on SQLite with the demo election, driven by a real Chromium: the signature
// block (device, key, "terverifikasi"), the breach said once in words and "on paper", not as a
// misread; a photo opened zoomed and closed with Esc; the whole history as a timeline in order
// with reasons and signers; Bahasa Indonesia without English rule words or field paths, the
// English switch, and no sideways scroll at 360 px and on a desktop.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { accountActor } from '../src/store/accounts.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { enrol, sha256, signed } from './support/field.ts';
import { testPhoto } from './support/photos.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';
import { resultForDpt } from './support/results.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`portal-tps.e2e: ${CHROMIUM} not found, skipping`);

const TPS = '16.08.01.1007.004' as TpsCode;
const DEVICE_LABEL = 'HP KPPS Empat';

function result(dpt: number): CHasil {
  return resultForDpt(dpt, [0.35, 0.4]);
}

/** Words of the form's rules and fields in English that must not be on the Indonesian page. */
const ENGLISH = /\b(valid|invalid|ballots?|used|misread|votes?|voters|rule|breach|total says)\b/i;
/** A field path as the API writes it (`ballots.used`, `voters.total`). */
const PATH = /\b[a-z]+\.[a-z]+\b/;

describe.skipIf(!hasChromium)('the TPS page (real server, real Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const text = async (selector: string) => (await page.textContent(selector))?.trim() ?? '';
  const viewText = () => page.evaluate(() => document.getElementById('view')?.innerText ?? '');
  const noSideScroll = async (width: number) =>
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      width,
    );
  /** axe-core's serious and critical violations on the page as it stands. */
  const axe = async (): Promise<string[]> => {
    if (!(await page.evaluate(() => 'axe' in window)))
      await page.evaluate(
        await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'),
      );
    return page.evaluate(async () => {
      const w = window as unknown as {
        axe: {
          run(d: Document): Promise<{ violations: { id: string; impact: string | null }[] }>;
        };
      };
      const r = await w.axe.run(document);
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => v.id);
    });
  };
  const open = async (hash: string) => {
    await page.goto(`${server.url}/${hash}`);
    await page.waitForSelector(`.heading[data-code="${TPS}"]`);
  };

  it('shows the signature, the breach on paper, zoomable photos and the timeline', async () => {
    const store = server.store;
    const dpt = (await store.tps(TPS))?.dpt ?? 250;
    const good = result(dpt);
    // The KPPS wrote V.A one too high: the pairs add up to one less. The photo says so too.
    const slip: CHasil = { ...good, valid: good.valid + 1, total: good.total };
    const token = await issueToken(store, TPS);
    const device = await enrol(server.url, token, TPS, DEVICE_LABEL);
    const photo = await testPhoto(TPS);
    const s = await signed(device, TPS, slip, [sha256(photo)]);
    const form = new FormData();
    form.set('result', JSON.stringify(slip));
    form.append('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'c.jpg');
    form.set(
      'signature',
      JSON.stringify({
        deviceId: device.deviceId,
        signedAt: s.summary.signedAt,
        signature: s.signature,
      }),
    );
    const res = await fetch(`${server.url}/api/v1/tps/${TPS}/submissions?ballot=ppwp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    // The server's re-read of the photo read the submitted numbers, with confidence.
    const reread = await store.recordReread(TPS, 'ppwp', 1, {
      agrees: true,
      photos: [sha256(photo)],
    });
    expect(reread.ok).toBe(true);

    // The API: the signature's device facts, the re-read, the engine's finding on paper.
    const api = (await (await fetch(`${server.url}/api/v1/tps/${TPS}?ballot=ppwp`)).json()) as {
      versions: { signer: Record<string, unknown> | null; reread: { outcome: string } }[];
      anomalies: { kind: string; check: string }[];
    };
    expect(api.versions[0]?.signer).toMatchObject({
      deviceId: device.deviceId,
      label: DEVICE_LABEL,
      verified: true,
    });
    expect(api.versions[0]?.reread.outcome).toBe('agrees');
    expect(api.anomalies.some((f) => f.check === 'on-paper')).toBe(true);
    expect(api.anomalies.some((f) => f.kind === 'misread')).toBe(false);

    // The page: the signature, verified.
    await open(`#/tps/${TPS}`);
    const sig = await text('[data-testid="signature"]');
    expect(sig).toContain('terverifikasi');
    expect(sig).toContain(DEVICE_LABEL);
    expect(await text('[data-testid="sig-device"]')).toBe(device.deviceId);
    // Each breach once, in words (V.A breaks two rules); the engine says "on paper", not misread.
    const flags = await page.$$eval('[data-testid="flags"] li', (els) =>
      els.map((e) => e.getAttribute('data-rule')),
    );
    expect(flags).toEqual(['votes-sum-valid', 'valid-plus-invalid']);
    expect(await text('[data-testid="flags"]')).toContain('suara sah (V.A) tertulis');
    await page.waitForSelector('[data-testid="anomalies"] [data-kind="paper"]');
    expect(await text('[data-testid="anomalies"]')).toContain('di atas kertas');
    expect(await page.$('[data-testid="anomalies"] [data-kind="misread"]')).toBeNull();
    for (const rule of flags)
      expect(await page.$(`[data-testid="anomalies"] [data-check="${rule}"]`)).toBeNull();
    expect(await page.getAttribute('[data-testid="reading"]', 'data-outcome')).toBe('agrees');

    // A photo, with its sha256, opens zoomed, zooms with +, and closes with Esc.
    expect(await text('[data-testid="photo-sha"]')).toContain(sha256(photo).slice(0, 12));
    const img = page.locator('.photos img').first();
    expect(Number(await img.getAttribute('width'))).toBeGreaterThan(0);
    expect(Number(await img.getAttribute('height'))).toBeGreaterThan(0);
    await page.click('.photos a[data-zoom]');
    await page.waitForSelector('dialog.zoom[open]');
    expect(await page.getAttribute('dialog.zoom', 'data-scale')).toBe('1');
    await page.keyboard.press('+');
    expect(Number(await page.getAttribute('dialog.zoom', 'data-scale'))).toBeGreaterThan(1);
    await page.click('dialog.zoom [data-action="in"]');
    expect(Number(await page.getAttribute('dialog.zoom', 'data-scale'))).toBeGreaterThan(2);
    await page.keyboard.press('-');
    expect(await axe()).toEqual([]);
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog.zoom', { state: 'detached' });

    // The PPK corrects the slip at the plenary: version 2 counts.
    const ppk = await store.accounts.create({
      name: 'ppk-martapura',
      role: 'ppk',
      region: '16.08.01' as RegionCode,
    });
    if (!ppk.ok) throw new Error(ppk.error.message);
    const corrected = await store.review(
      {
        type: 'correct',
        tps: TPS,
        ballot: 'ppwp',
        version: 1,
        values: good,
        reason: 'salah tulis suara sah di formulir',
        reference: 'BA-04/PPK/2024',
      },
      { actor: accountActor(ppk.value.account.id) },
    );
    expect(corrected.ok).toBe(true);

    // The timeline: received (signed by the device), re-read, corrected (who, why, minutes),
    // in time order, the counted version marked.
    await open(`#/tps/${TPS}`);
    await page.waitForSelector('[data-testid="timeline"] li[data-type="result_corrected"]');
    const steps = await page.$$eval('[data-testid="timeline"] li', (els) =>
      els.map((e) => `${e.getAttribute('data-type')}:${e.getAttribute('data-version')}`),
    );
    expect(steps).toEqual(['submission_received:1', 'reread_agrees:1', 'result_corrected:2']);
    const first = await text('[data-testid="timeline"] li[data-type="submission_received"]');
    expect(first).toContain(DEVICE_LABEL);
    expect(first).toContain('ditandai');
    const fix = await text('[data-testid="timeline"] li[data-type="result_corrected"]');
    expect(fix).toContain('v2 mengoreksi v1');
    expect(fix).toContain('salah tulis suara sah di formulir');
    expect(fix).toContain('BA-04/PPK/2024');
    expect(fix).toContain('PPK 16.08.01 (ppk-martapura)');
    expect(fix).toContain('suara sah');
    expect(
      await page.getAttribute('[data-testid="timeline"] li[data-counted]', 'data-version'),
    ).toBe('2');
    // The correction is no device's: the signature block says who made it.
    expect(await text('[data-testid="signature"]')).toContain('Koreksi oleh PPK');

    // Version 1, in Indonesian: no English rule words, no field paths.
    await open(`#/tps/${TPS}/v/1`);
    await page.waitForSelector('[data-testid="flags"] li');
    const idText = await viewText();
    expect(idText).not.toMatch(ENGLISH);
    expect(idText).not.toMatch(PATH);
    expect(await text('[data-testid="signature"]')).toContain('terverifikasi');
    await noSideScroll(1280);
    expect(await axe()).toEqual([]);
    await page.screenshot({ path: '/tmp/portal-tps-v1.png', fullPage: true });

    // English.
    await page.click('#lang');
    await page.waitForSelector('html[lang="en"]');
    expect(await text('#timeline-title')).toBe('Full history');
    expect(await text('[data-testid="signature"]')).toContain('verified');
    expect(await text('[data-testid="flags"]')).toContain('valid votes (V.A) says');
    const enText = await viewText();
    expect(enText).not.toMatch(PATH);
    // (The PPK's reason is quoted as written, in Indonesian.)
    expect(enText).not.toMatch(/\b(tertulis|ditandatangani|terverifikasi)\b/);
    await page.click('#lang');
    await page.waitForSelector('html[lang="id"]');

    // A phone.
    await page.setViewportSize({ width: 360, height: 740 });
    await open(`#/tps/${TPS}`);
    await page.waitForSelector('[data-testid="timeline"]');
    await noSideScroll(360);
    expect(await axe()).toEqual([]);
    await page.click('.photos a[data-zoom]');
    await page.waitForSelector('dialog.zoom[open]');
    await noSideScroll(360);
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog.zoom', { state: 'detached' });
    await page.screenshot({ path: '/tmp/portal-tps-360.png', fullPage: true });
    expect(errors).toEqual([]);
  });
});
