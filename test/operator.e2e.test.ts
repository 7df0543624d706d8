// The review queue end to end: the real server on SQLite with the demo election, driven by a real
// Chromium. A PPK of Martapura logs in (and changes its one-time password), sees the flagged TPS
// of its kecamatan and no other, opens one with its photo's zoom crops and the server's re-read
// beside the submitted numbers, corrects one field with only the keyboard, confirms another as
// written, and asks for a new photo of a third; a PPK of another kecamatan is refused.
import { existsSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { synthForm } from '../src/synth/photo.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { resultForDpt } from './support/results.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`operator.e2e: ${CHROMIUM} not found, skipping the browser tests.`);

const DESA = '16.08.01.1007';
const TO_CORRECT = `${DESA}.001` as TpsCode;
const TO_CONFIRM = `${DESA}.002` as TpsCode;
const TO_PHOTO = `${DESA}.003` as TpsCode;
const CLEAN = `${DESA}.004` as TpsCode;
const ELSEWHERE = '16.08.02.2001.001' as TpsCode;
const NEW_PASSWORD = 'Pleno-Martapura-2024';

/** A consistent result whose DPT equals the registered DPT. */
function cleanResult(dpt: number): CHasil {
  return resultForDpt(dpt, [0.4, 0.35]);
}

/** The same result with one invalid vote too many: valid + invalid no longer equals the total. */
const oneInvalidTooMany = (r: CHasil): CHasil => ({ ...r, invalid: r.invalid + 1 });

describe.skipIf(!hasChromium)('review queue (real server, real Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const passwords = new Map<string, string>();
  const results = new Map<TpsCode, CHasil>();

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    const { store } = server;
    for (const [name, region] of [
      ['ppk.martapura', '16.08.01'],
      ['ppk.buaymadang', '16.08.02'],
    ] as const) {
      const made = await store.accounts.create({ name, role: 'ppk', region: region as RegionCode });
      if (!made.ok) throw new Error(made.error.message);
      passwords.set(name, made.value.password);
    }
    // A photographed page 3 of the form (V.A, V.B, V.C), in which the reader finds the page.
    const form = await synthForm(7, 1);
    const page3 = form.jpegs.find((j) => j.file === 'page3.jpg')!.data;
    for (const tps of [TO_CORRECT, TO_CONFIRM, TO_PHOTO, CLEAN, ELSEWHERE]) {
      const dpt = (await store.tps(tps))?.dpt ?? 250;
      const good = cleanResult(dpt);
      const sent = tps === CLEAN ? good : oneInvalidTooMany(good);
      results.set(tps, good);
      const res = await server.submit(tps, sent, tps === TO_CORRECT ? page3 : undefined);
      expect(res.status, await res.clone().text()).toBe(201);
    }
    // The server's re-read of TO_CORRECT read the invalid votes as the KPPS should have written.
    const v1 = await store.tpsResult(TO_CORRECT, 'ppwp');
    const good = results.get(TO_CORRECT)!;
    await store.recordReread(TO_CORRECT, 'ppwp', 1, {
      fields: [{ field: 'invalid', from: good.invalid + 1, to: good.invalid }],
      photos: v1!.versions[0]!.photos.map((p) => p.sha256),
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.error('operator page error:', e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const text = async (selector: string) => (await page.textContent(selector))?.trim() ?? '';
  const queueCodes = () =>
    page.$$eval('#queue li[data-tps]', (els) => els.map((e) => e.getAttribute('data-tps')));
  /** Moves the queue's selection to `code` with j and k only. */
  const selectInQueue = async (code: string) => {
    const codes = await queueCodes();
    const want = codes.indexOf(code);
    expect(want, `${code} in the queue`).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < codes.length; i++) await page.keyboard.press('k');
    for (let i = 0; i < want; i++) await page.keyboard.press('j');
    expect(await page.getAttribute(`#q-${want}`, 'aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`q-${want}`);
  };

  it('logs in, reviews, corrects by keyboard, confirms, asks for a photo', async () => {
    await page.goto(`${server.url}/operator/`);
    await page.waitForSelector('#login-form');
    await page.fill('#login-name', 'ppk.martapura');
    await page.fill('#login-password', passwords.get('ppk.martapura')!);
    await page.keyboard.press('Enter');
    // The one-time password must be changed first; the current one is already filled in.
    await page.waitForSelector('#password-form');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('new-password');
    await page.keyboard.type(NEW_PASSWORD);
    await page.keyboard.press('Enter');

    // The queue: the flagged TPS of Martapura, not the clean one, not Buay Madang's.
    await page.waitForSelector('#queue');
    const codes = await queueCodes();
    expect(codes).toEqual(expect.arrayContaining([TO_CORRECT, TO_CONFIRM, TO_PHOTO]));
    expect(codes).not.toContain(CLEAN);
    expect(codes).not.toContain(ELSEWHERE);
    expect(codes.every((c) => c?.startsWith('16.08.01.'))).toBe(true);
    expect(await text('[data-testid="missing"]')).toMatch(/TPS belum punya hasil yang terhitung/);
    await page.screenshot({ path: '/tmp/operator-queue.png', fullPage: true });

    // Open the TPS to correct: submitted beside read, and the zoom crops of its fields.
    await selectInQueue(TO_CORRECT);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.tps[data-tps="${TO_CORRECT}"]`);
    const good = results.get(TO_CORRECT)!;
    const row = (path: string, col: string) =>
      text(`#fields tr[data-field="${path}"] td[data-col="${col}"]`);
    expect(await row('invalid', 'submitted')).toBe(String(good.invalid + 1));
    expect(await row('invalid', 'read')).toBe(String(good.invalid));
    expect(await page.getAttribute('#fields tr[data-field="invalid"]', 'class')).toContain(
      'differs',
    );
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('figure.crop[data-field="invalid"] img');
      return !!img && img.complete && img.naturalWidth > 0 && img.naturalWidth < 600;
    });
    await page.screenshot({ path: '/tmp/operator-tps.png', fullPage: true });

    // Correct V.B with only the keyboard: e, the reason, Tab, the reference, Tab to the field.
    await page.keyboard.press('e');
    await page.waitForSelector('#action-form[data-mode="correct"]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('reason');
    await page.keyboard.type('Salah tulis V.B; dibetulkan dalam pleno');
    await page.keyboard.press('Tab');
    await page.keyboard.type('BA-PPK/16.08.01/017');
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      const at = await page.evaluate(
        () => (document.activeElement as HTMLElement | null)?.dataset.field,
      );
      if (at === 'invalid') break;
    }
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.field)).toBe(
      'invalid',
    );
    // A value that breaks the rules cannot be sent; the right one can.
    await page.keyboard.type('99');
    await page.waitForSelector('#send[disabled]');
    expect(await text('#rules-check')).toContain('melanggar aturan');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type(String(good.invalid));
    await page.waitForSelector('#send:not([disabled])');
    expect(await text('#rules-check')).toContain('Semua aturan terpenuhi');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (tps) => document.querySelector('#notice')?.textContent?.includes(`TPS ${tps} dikoreksi`),
      TO_CORRECT,
    );
    // The next TPS opens by itself.
    await page.waitForFunction(
      (tps) => document.querySelector('.tps')?.getAttribute('data-tps') !== tps,
      TO_CORRECT,
    );

    // The public TPS answer counts the correction, and the version read stays beside it.
    const pub = (await (
      await fetch(`${server.url}/api/v1/tps/${TO_CORRECT}?ballot=ppwp`)
    ).json()) as {
      counted: { version: number } | null;
      versions: { version: number; result: CHasil; counted: boolean }[];
    };
    expect(pub.counted?.version).toBe(2);
    expect(pub.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(pub.versions[0]!.result.invalid).toBe(good.invalid);
    expect(pub.versions[1]!.result.invalid).toBe(good.invalid + 1);

    // Back to the queue (Esc): the corrected TPS has left it.
    await page.keyboard.press('Escape');
    await page.waitForSelector('#queue');
    expect(await queueCodes()).not.toContain(TO_CORRECT);

    // A simple confirm, timed from the queue on screen to the confirmation done, by keyboard.
    await selectInQueue(TO_CONFIRM);
    const started = performance.now();
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.tps[data-tps="${TO_CONFIRM}"]`);
    await page.keyboard.press('c');
    await page.waitForSelector('#action-form[data-mode="confirm"]');
    await page.keyboard.type('Sesuai C.Hasil plano');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (tps) => document.querySelector('#notice')?.textContent?.includes(`TPS ${tps} dikonfirmasi`),
      TO_CONFIRM,
    );
    console.log(
      `operator.e2e: queue shown -> simple confirm done by keyboard in ${Math.round(performance.now() - started)} ms`,
    );
    const confirmed = (await (
      await fetch(`${server.url}/api/v1/tps/${TO_CONFIRM}?ballot=ppwp`)
    ).json()) as {
      counted: { version: number } | null;
    };
    expect(confirmed.counted?.version).toBe(1);

    // Ask the KPPS of the third for a new photo.
    await page.keyboard.press('Escape');
    await page.waitForSelector('#queue');
    await selectInQueue(TO_PHOTO);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.tps[data-tps="${TO_PHOTO}"]`);
    await page.keyboard.press('f');
    await page.waitForSelector('#action-form[data-mode="photo-request"]');
    await page.keyboard.type('Foto buram, angka V.B tidak terbaca');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (tps) => document.querySelector('#notice')?.textContent?.includes(`TPS ${tps}`),
      TO_PHOTO,
    );
    await page.keyboard.press('Escape');
    await page.waitForSelector('#queue');
    await page.selectOption('#state-filter', 'photo_requested');
    await page.waitForFunction(
      (tps) => !!document.querySelector(`#queue li[data-tps="${tps}"]`),
      TO_PHOTO,
    );
    expect(await text(`#queue li[data-tps="${TO_PHOTO}"] .badge`)).toBe('Foto baru diminta');

    // A phone-sized screen still fits.
    await page.setViewportSize({ width: 360, height: 640 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      360,
    );
    await page.screenshot({ path: '/tmp/operator-queue-360.png', fullPage: true });
  }, 120_000);

  it('a PPK of another kecamatan cannot open the TPS (403)', async () => {
    const login = await fetch(`${server.url}/api/operator/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ppk.buaymadang', password: passwords.get('ppk.buaymadang') }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';', 1)[0])
      .join('; ');
    const { csrf } = (await login.json()) as { csrf: string };
    const changed = await fetch(`${server.url}/api/operator/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({
        current: passwords.get('ppk.buaymadang'),
        next: 'Pleno-BuayMadang-24',
      }),
    });
    expect(changed.status).toBe(200);
    const res = await fetch(`${server.url}/api/operator/tps/${TO_PHOTO}/ppwp`, {
      headers: { cookie },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('outside_region');
  });
});
