// The officer sees the server's truth (issue 12, part G), in a real Chromium at 360 x 640 against
// the real server on SQLite: the phone sends a result and the outbox says it counts; the server's
// re-read disagrees and the outbox says flagged, and why; a PPK asks for a new photo and the home
// screen says so, with the button that starts a new capture; the officer photographs, signs and
// sends again, and the server holds a new version that counts, the request answered, the first
// version shown as superseded. A PPK then corrects that version: the outbox says who and why, and
// witness mode, given each receipt, says corrected (with the signed and the counted numbers) and
// superseded.
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { accountActor } from '../src/store/accounts.ts';
import { synthForm, type SynthForm } from '../src/synth/photo.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`field-status.e2e: ${CHROMIUM} not found, skipping the browser test.`);

const TPS = '16.08.01.1007.006' as TpsCode;
const SEED = 43;
const INDEX = 2;

const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((a, k) => (a as Record<string, unknown> | undefined)?.[k], o);

type Jpeg = { file: string; data: Buffer };

/** Photographs `jpegs` through the file input, reads them, and makes every field say the truth. */
async function captureReviewSign(page: Page, form: SynthForm, jpegs: readonly Jpeg[]) {
  await page.waitForSelector('#photo-input', { state: 'attached' });
  await page.setInputFiles(
    '#photo-input',
    jpegs.map((j) => ({ name: j.file, mimeType: 'image/jpeg', buffer: j.data })),
  );
  await page.waitForFunction(() => document.querySelectorAll('li.photo').length === 3, null, {
    timeout: 60_000,
  });
  await page.waitForSelector('#read:not([disabled])');
  await page.click('#read');
  await page.waitForSelector('#sign', { timeout: 90_000 });
  const fields = await page.$$eval('[data-field]', (els) =>
    els.map((e) => ({
      path: e.getAttribute('data-field')!,
      flagged: e.getAttribute('data-flagged') === 'true',
      value: (e.querySelector('input[type=number]') as HTMLInputElement).value,
    })),
  );
  for (const f of fields) {
    const truth = String(get(form.truth.result, f.path));
    if (f.value !== truth) await page.fill(`[data-path="${f.path}"]`, truth);
    else if (f.flagged) await page.check(`[data-confirm="${f.path}"]`);
  }
  await page.waitForSelector('[data-testid="rules-ok"]');
  await page.waitForSelector('#sign:not([disabled])');
  await page.click('#sign');
  await page.waitForSelector('#qr');
  return page.inputValue('#receipt-text');
}

describe.skipIf(!hasChromium)(
  'the field app shows the server status (real server, Chromium)',
  () => {
    let server: TestServer;
    let browser: Browser;
    let context: BrowserContext;
    let form: SynthForm;

    beforeAll(async () => {
      form = await synthForm(SEED, INDEX, { slipRate: 0 });
      server = await startTestServer({ demo: false });
      const election = demoElection();
      const tps = election.tps.find((x) => x.code === TPS);
      if (!tps) throw new Error(`no ${TPS} in the demo election`);
      tps.dpt = form.truth.result.dpt.total;
      await server.store.loadElection(election);
      browser = await launchChromium();
      context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    const published = async () => (await server.store.tpsResult(TPS, 'ppwp'))!;

    it('counted, then flagged and why, then a photo request answered by a new version', async () => {
      const page = await context.newPage();
      page.on('pageerror', (e) => console.error('field app page error:', e.message));
      await page.goto(`${server.url}/kpps/`);
      await page.fill('#tps', TPS);
      await page.fill('#token', await issueToken(server.store, TPS));
      await page.click('#enrol');
      await page.waitForSelector('[data-testid="device"]');

      // Sent online: received by the server, and it counts.
      await page.click('a[href="#/foto"]');
      const receipt1 = await captureReviewSign(page, form, form.jpegs);
      await page.goto(`${server.url}/kpps/#/kirim`);
      const first = '[data-item][data-status="confirmed"] [data-testid="server-status"]';
      await page.waitForSelector(`${first}[data-server-state="counted"]`, { timeout: 90_000 });
      expect(await page.textContent('[data-item] [data-testid="status"]')).toBe('diterima server');
      expect(await page.textContent(first)).toContain('dihitung');
      const v1 = (await published()).versions[0]!;
      expect(v1.version).toBe(1);

      // The server's re-read disagrees: the outbox says flagged, not counted, and names the field.
      const votes1 = form.truth.result.votes['1']!;
      const reread = await server.store.recordReread(TPS, 'ppwp', 1, {
        fields: [{ field: 'votes.1', from: votes1, to: votes1 === 999 ? 998 : votes1 + 1 }],
        photos: v1.photos.map((p) => p.sha256),
      });
      expect(reread.ok).toBe(true);
      await page.waitForSelector(`${first}[data-server-state="flagged"]`, { timeout: 60_000 });
      const flaggedText = await page.textContent(first);
      expect(flaggedText).toContain('ditandai');
      expect(flaggedText).toContain('Pasangan nomor 1');
      expect(flaggedText).toContain('Tidak dihitung');
      expect(flaggedText).not.toContain('dihitung;');
      await page.screenshot({ path: '/tmp/field-outbox-flagged.png', fullPage: true });

      // A PPK asks for a new photo: the home screen says who asks and why, first.
      const made = await server.store.accounts.create({
        name: 'ppk.field',
        role: 'ppk',
        region: '16.08.01' as RegionCode,
      });
      if (!made.ok) throw new Error(made.error.message);
      const asked = await server.store.review(
        {
          type: 'request_photo',
          tps: TPS,
          ballot: 'ppwp',
          version: 1,
          reason: 'halaman 2 buram, foto ulang',
        },
        { actor: accountActor(made.value.account.id) },
      );
      expect(asked.ok).toBe(true);
      await page.goto(`${server.url}/kpps/#/`);
      await page.waitForSelector('[data-testid="photo-request"]', { timeout: 60_000 });
      expect(await page.textContent('[data-testid="photo-request"]')).toContain(
        'PPK meminta foto baru: halaman 2 buram, foto ulang',
      );
      await page.screenshot({ path: '/tmp/field-home-photo-request.png', fullPage: true });

      // The officer photographs the form again (other photos of the same paper), signs and sends.
      const again = await Promise.all(
        form.jpegs.map(async (j) => ({
          file: `ulang-${j.file}`,
          data: await sharp(j.data).modulate({ brightness: 1.04 }).jpeg({ quality: 90 }).toBuffer(),
        })),
      );
      await page.click('#photo-request-start');
      const receipt2 = await captureReviewSign(page, form, again);
      await expect
        .poll(async () => (await published()).versions.length, { timeout: 90_000 })
        .toBe(2);
      const now = await published();
      expect(now.review).toMatchObject({ state: 'counted', counted: 2, latest: 2 });
      expect(now.review.reasons).toEqual([]);

      // The outbox: the new version counts, the first one is superseded; home shows no request.
      await page.goto(`${server.url}/kpps/#/kirim`);
      await page.waitForSelector(
        '[data-testid="server-status"][data-version="2"][data-server-state="counted"]',
        {
          timeout: 60_000,
        },
      );
      await page.waitForSelector(
        '[data-testid="server-status"][data-version="1"][data-server-state="superseded"]',
      );
      await page.goto(`${server.url}/kpps/#/`);
      await page.waitForSelector('[data-testid="tps-status"][data-state="counted"]');
      expect(await page.$('[data-testid="photo-request"]')).toBeNull();

      // The PPK corrects version 2 (a vote moved from pair 1 to pair 2): the outbox says by whom.
      const values = structuredClone(form.truth.result);
      values.votes['1'] = values.votes['1']! - 1;
      values.votes['2'] = values.votes['2']! + 1;
      const corrected = await server.store.review(
        {
          type: 'correct',
          tps: TPS,
          ballot: 'ppwp',
          version: 2,
          values,
          reason: 'salah hitung pasangan 1',
          reference: 'BA-03/PPK/2024',
        },
        { actor: accountActor(made.value.account.id) },
      );
      expect(corrected.ok).toBe(true);
      await page.goto(`${server.url}/kpps/#/kirim`);
      const v2 = '[data-testid="server-status"][data-version="2"]';
      await page.waitForSelector(`${v2}[data-server-state="corrected"]`, { timeout: 60_000 });
      expect(await page.textContent(v2)).toContain(
        'dikoreksi oleh PPK 16.08.01 (ppk.field): salah hitung pasangan 1',
      );

      // Witness mode: each receipt matches its published version, and says where it stands.
      const witness = async (text: string, state: string) => {
        await page.goto(`${server.url}/kpps/#/saksi`);
        await page.fill('#qr-text', text);
        await page.click('#qr-check');
        await page.waitForSelector('[data-testid="published"].ok');
        await page.waitForSelector(`[data-testid="server-status"][data-server-state="${state}"]`);
        return (await page.textContent('[data-testid="server-status"]')) ?? '';
      };
      expect(await witness(receipt2, 'corrected')).toContain('BA-03/PPK/2024');
      await page.screenshot({ path: '/tmp/field-witness-corrected.png', fullPage: true });
      const rows = await page.$$eval('[data-testid="corrected-fields"] tbody tr', (trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-path'),
          ...[...tr.querySelectorAll('td')].map((td) => td.textContent),
        ]),
      );
      expect(rows).toEqual([
        ['votes.1', String(form.truth.result.votes['1']), String(values.votes['1'])],
        ['votes.2', String(form.truth.result.votes['2']), String(values.votes['2'])],
      ]);
      expect(await witness(receipt1, 'superseded')).toContain('diganti oleh versi 2');
      await page.close();
    }, 400_000);
  },
);
