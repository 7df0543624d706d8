// The sign-off end to end: the real server on SQLite with the demo election, a real Chromium. Every
// TPS of Kecamatan Martapura has a result, one of them flagged. The PPK logs in and tries to close
// the kecamatan's recap: refused, naming the flagged TPS. Once that TPS is confirmed, the PPK
// closes the recap; the page links the signed D.Hasil, whose PDF's extracted text holds the totals
// the public recap shows and the chain head the JSON names.
import { existsSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { checkRules } from '../src/core/rules.ts';
import { consistentResult } from '../src/synth/results.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { operatorLogin } from './support/operator-login.ts';
import { pdfText } from './support/pdf-text.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`recap.e2e: ${CHROMIUM} not found, skipping the browser test.`);

const KECAMATAN = '16.08.01' as RegionCode;
const NEW_PASSWORD = 'Pleno-Kecamatan-2024';

/** A consistent result for a TPS with `dpt` registered voters; `seed` varies the votes. */
function resultFor(dpt: number, seed: number): CHasil {
  const dptL = Math.floor(dpt / 2);
  const votesL = Math.floor(dptL * 0.8);
  const votesP = Math.floor((dpt - dptL) * 0.78);
  const invalid = 2 + (seed % 5);
  const valid = votesL + votesP - invalid;
  const v1 = Math.floor(valid * (0.2 + (seed % 7) / 50));
  const v2 = Math.floor(valid * 0.5);
  return consistentResult({
    dptL,
    dptP: dpt - dptL,
    votesL,
    votesP,
    invalid,
    votes: { '1': v1, '2': v2, '3': valid - v1 - v2 },
  });
}

describe.skipIf(!hasChromium)('sign-off of a kecamatan (real server, real Chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let password = '';
  let flagged: TpsCode;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    const { store } = server;
    const made = await store.accounts.create({ name: 'ppk.pleno', role: 'ppk', region: KECAMATAN });
    if (!made.ok) throw new Error(made.error.message);
    password = made.value.password;
    const tps = await store.tpsBelow(KECAMATAN);
    flagged = tps[3]!;
    for (const [i, code] of tps.entries()) {
      const dpt = (await store.tps(code))?.dpt ?? 250;
      const good = resultFor(dpt, i);
      // One TPS wrote one invalid vote too many: valid + invalid no longer equals the total.
      const result = code === flagged ? { ...good, invalid: good.invalid + 1 } : good;
      await store.recordSubmission({
        tps: code,
        ballot: 'ppwp',
        result,
        photos: [],
        flags: checkRules(result, { ballot: 'ppwp', registeredDpt: dpt }),
        uploader: 'kpps:00000000000000e2',
        receivedAt: new Date(),
      });
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => console.error('operator page error:', e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('refuses while a TPS is flagged, then closes and publishes a D.Hasil whose PDF holds the totals', async () => {
    await operatorLogin(page, server.url, 'ppk.pleno', password, NEW_PASSWORD);

    // The flagged TPS waits in the queue, and the recap is not closed.
    await page.waitForSelector(`#queue li[data-tps="${flagged}"]`);
    await page.waitForSelector('[data-testid="recap-state"][data-state="unofficial-partial"]');
    await page.click('#recap-close');
    await page.click('#recap-close-yes');
    await page.waitForSelector('#recap [role="alert"]');
    expect(await page.textContent('#recap [role="alert"]')).toContain(flagged);
    expect(await page.getAttribute('[data-testid="recap-state"]', 'data-state')).toBe(
      'unofficial-partial',
    );

    // The plenary confirms the flagged TPS as written (here through the store: the review
    // screen's own test is operator.e2e); the page, opened again, closes the recap.
    const account = await server.store.accounts.byName('ppk.pleno');
    const confirmed = await server.store.review(
      {
        type: 'confirm',
        tps: flagged,
        ballot: 'ppwp',
        version: 1,
        reason: 'Pleno: kertas C.Hasil memang tertulis demikian',
      },
      { actor: `account:${account!.id}` },
    );
    expect(confirmed.ok).toBe(true);
    await page.reload();
    await page.waitForSelector('#queue-empty');
    await page.click('#recap-close');
    await page.click('#recap-close-yes');
    await page.waitForSelector('[data-testid="recap-state"][data-state="certified"]');

    // The D.Hasil, as anyone downloads it from the link on the page.
    const pdfHref = await page.getAttribute('#dhasil-pdf', 'href');
    const jsonHref = await page.getAttribute('#dhasil-json', 'href');
    const pdf = new Uint8Array(await (await fetch(`${server.url}${pdfHref}`)).arrayBuffer());
    const signed = (await (await fetch(`${server.url}${jsonHref}`)).json()) as {
      dhasil: { chainHead: { seq: number; hash: string }; totals: { total: number } };
    };
    const text = (await pdfText(pdf)).join('\n');
    const recap = await server.store.regionResult(KECAMATAN, 'ppwp');
    const totals = recap!.totals;
    expect(totals.valid).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`Suara sah / valid\\s+${totals.valid}\\b`));
    expect(text).toMatch(new RegExp(`Jumlah suara / total\\s+${totals.total}\\b`));
    for (const pair of ['1', '2', '3']) expect(text).toContain(String(totals.votes[pair]));
    expect(signed.dhasil.totals.total).toBe(totals.total);
    expect(text).toContain(signed.dhasil.chainHead.hash);
    expect(text).toContain('Martapura');
    // The public portal says the kecamatan is signed off.
    expect(recap!.recap).toBe('certified');
  }, 180_000);
});
