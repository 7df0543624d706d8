// Screenshots of the KPPS field app along an officer's path, at 360 x 640 (a small phone), for the
// docs: `node bin/run-ts.mjs scripts/field-screenshots.ts [--out docs/field]`. Runs the real server
// (SQLite in a temporary folder) and a headless Chromium; the form is a synthesized one.
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import {
  choosePhotos,
  enrol,
  launchBrowser,
  newPhone,
  openApp,
  outbox,
  photosReady,
  readForm,
  review,
  startFieldServer,
} from '../bench/field-driver.ts';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/field' },
    seed: { type: 'string', default: '41' },
  },
});
const OUT = resolve(import.meta.dirname, '..', args.out);
mkdirSync(OUT, { recursive: true });

const { server, stations } = await startFieldServer([{ seed: Number(args.seed), index: 3 }]);
const station = stations[0]!;
const browser = await launchBrowser();
const shots: string[] = [];
const shot = async (page: Page, name: string) => {
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  shots.push(`${path} (${Math.round(statSync(path).size / 1000)} kB)`);
};

try {
  const context = await newPhone(browser);
  let page = await openApp(context, server.url);

  // 1. Enrol: the TPS code and the token from the KPPS letter.
  await page.waitForSelector('#enrol');
  await page.fill('#tps', station.tps);
  await page.fill('#token', station.token);
  await shot(page, '1-enrol');
  await page.fill('#tps', '');
  await page.fill('#token', '');
  await enrol(page, station);

  // 2. Capture: the three pages chosen, each checked (page number, sharpness) on the phone.
  await choosePhotos(page, station.form);
  await photosReady(page, station.form.jpegs.length);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '2-capture');

  // 3. Review: a flagged field, with its crop of the photo, in view.
  await readForm(page);
  await page.evaluate(() => {
    document.querySelector('[data-flagged="true"]')?.scrollIntoView({ block: 'center' });
  });
  await page.waitForTimeout(200);
  await shot(page, '3-review');
  await review(page, station.form);

  // 4. Sign and queue: the witness receipt's QR code.
  await page.click('#sign');
  await page.waitForSelector('#qr');
  const qrPng = await page.locator('#qr').screenshot();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, '4-receipt');

  // 5. The outbox, once the server has confirmed it.
  await page.goto(`${server.url}/kpps/#/kirim`);
  for (let i = 0; i < 300 && (await outbox(page))[0]?.status !== 'confirmed'; i++)
    await page.waitForTimeout(200);
  await page.reload();
  await page.waitForSelector('[data-item][data-status="confirmed"]');
  await shot(page, '5-outbox');
  await page.close();

  // 6. Witness mode: the receipt's QR, photographed, verified offline and against the server.
  page = await openApp(await newPhone(browser), server.url, '#/saksi');
  await page.setInputFiles('#qr-photo', { name: 'qr.png', mimeType: 'image/png', buffer: qrPng });
  await page.waitForSelector('[data-testid="signature"]');
  await page.waitForSelector('[data-testid="published"].ok', { timeout: 30_000 });
  await page.evaluate(() => {
    // The verdict at the top of the screen, below the app's sticky header.
    document.querySelector('[data-testid="signature"]')?.scrollIntoView({ block: 'start' });
    window.scrollBy(0, -80);
  });
  await shot(page, '6-witness');
  console.log(`field screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}`);
} finally {
  await browser.close();
  await server.close();
}
