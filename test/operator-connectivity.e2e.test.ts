// Election night's late list on the review page (issue 14), end to end: the real server on SQLite
// with a small election whose TPS have positions and surveys, driven by a real Chromium. A PPK of
// Martapura logs in and sees, beside its queue, the TPS not yet sent counted by signal class and
// hours late, and the blank-spot TPS raised with its sending point; when that TPS sends, the next
// minute's refresh takes it off the list. A KPU officer of the province is told the list is made
// per kabupaten.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { checkRules } from '../src/core/rules.ts';
import { buildApp } from '../src/server/app.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { buildWebAssets } from '../src/web/assets.ts';
import { REGIONS_TO_MARTAPURA } from './support/backends.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { operatorLogin } from './support/operator-login.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`operator-connectivity.e2e: ${CHROMIUM} not found, skipping the browser test.`);

const DESA = '16.08.01.1001' as RegionCode;
const tps = (n: number) => `${DESA}.${String(n).padStart(3, '0')}` as TpsCode;
/** A blank spot whose officer found good signal 4 km away. */
const BLANK = tps(1);
/** Good signal; both send, 3 and 2 hours ago. */
const SENT_1 = tps(2);
const SENT_2 = tps(3);
/** Weak signal; not sent, but not raised (only blank spots are). */
const WEAK = tps(4);

const ELECTION: ElectionSetup = {
  name: 'late list test',
  demo: false,
  regions: [...REGIONS_TO_MARTAPURA, { code: DESA, name: 'Sukamaju', level: 'desa' }],
  tps: [BLANK, SENT_1, SENT_2, WEAK].map((code, i) => ({ code, name: `TPS ${i + 1}`, dpt: null })),
  contests: [PPWP_2024],
};

const AT_BLANK = { lat: -4.10432, lng: 104.20187 };
const SENDING_POINT = { lat: -4.12345, lng: 104.23456 };
const AT_GOOD = { lat: -4.13071, lng: 104.19822 };
const good = { connection: '4g', rttMs: 180, uploadKbps: 2400, ok: true };
const none = { connection: 'none', rttMs: null, uploadKbps: null, ok: false };
const weak = { connection: '2g', rttMs: 1500, uploadKbps: 120, ok: true };
const PASSWORD = 'Malam-pemilu-Martapura';

describe.skipIf(!hasChromium)('the late list on the review page (real server, Chromium)', () => {
  let dataDir = '';
  let store: Store;
  let app: FastifyInstance;
  let url = '';
  let browser: Browser;
  let page: Page;
  const passwords = new Map<string, string>();
  const start = Date.now();
  const ago = (hours: number) => new Date(start - hours * 3600_000).toISOString();

  const send = async (code: TpsCode, hoursAgo: number) => {
    const result = consistentResult({
      dptL: 100,
      dptP: 100,
      votesL: 50,
      votesP: 50,
      invalid: 2,
      votes: { '1': 30, '2': 30, '3': 38 },
    });
    const photo = await store.putPhoto(Buffer.from(`late list photo ${code}`), {
      contentType: 'image/jpeg',
      width: 10,
      height: 10,
    });
    await store.recordSubmission({
      tps: code,
      ballot: 'ppwp',
      result,
      photos: [photo],
      flags: checkRules(result, { ballot: 'ppwp' }),
      uploader: 'kpps:0123456789abcdef',
      receivedAt: new Date(ago(hoursAgo)),
    });
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rekap-late-e2e-'));
    store = await openStore({ dataDir });
    await store.loadElection(ELECTION);
    app = await buildApp({ store, webAssets: await buildWebAssets() });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const observations: Record<string, Record<string, unknown>[]> = {
      [BLANK]: [
        { at: ago(30), source: 'survey', ...AT_BLANK, accuracyM: 15, ...none },
        { at: ago(29), source: 'survey', ...AT_BLANK, accuracyM: 15, ...none },
        { at: ago(28), source: 'send', ...SENDING_POINT, accuracyM: 20, ...good },
      ],
      [SENT_1]: [{ at: ago(26), source: 'survey', ...AT_GOOD, accuracyM: 10, ...good }],
      [SENT_2]: [{ at: ago(26), source: 'survey', ...AT_GOOD, accuracyM: 10, ...good }],
      [WEAK]: [
        { at: ago(25), source: 'send', ...weak },
        { at: ago(24), source: 'send', ...weak },
      ],
    };
    for (const t of await store.issueTokens([BLANK, SENT_1, SENT_2, WEAK])) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/signal/observations',
        headers: { authorization: `Bearer ${t.token}` },
        payload: observations[t.tps]!.map((o) => ({ tps: t.tps, ...o })),
      });
      expect(res.statusCode, res.body).toBe(202);
    }
    expect(await store.setTpsPositions([{ tps: BLANK, ...AT_BLANK, source: 'registry' }])).toBe(1);
    await send(SENT_1, 3);
    await send(SENT_2, 2);
    for (const [name, role, region] of [
      ['ppk.martapura', 'ppk', '16.08.01'],
      ['kpu.sumsel', 'kpu_prov', '16'],
    ] as const) {
      const made = await store.accounts.create({ name, role, region: region as RegionCode });
      if (!made.ok) throw new Error(made.error.message);
      passwords.set(name, made.value.password);
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => console.error('operator page error:', e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const cell = (cls: string, bucket: string) =>
    page.textContent(`#late-table tr[data-class="${cls}"] td[data-bucket="${bucket}"]`);

  it('counts the TPS not sent by class and hours late, raises the blank spot, and refreshes', async () => {
    // The page's clock is installed first, so that the minute's refresh can be run at once.
    await page.clock.install();
    await operatorLogin(page, url, 'ppk.martapura', passwords.get('ppk.martapura')!, PASSWORD);
    await page.waitForSelector('#late-table');

    // Half have sent (3 and 2 hours ago): expected 2.5 hours ago; both others are 2-4 hours late.
    expect(await page.textContent('[data-testid="late-expected"]')).toMatch(/median/);
    expect(await cell('none', '2to4')).toBe('1');
    expect(await cell('weak', '2to4')).toBe('1');
    expect(await cell('good', 'total')).toBe('0');
    expect(await page.textContent('#late-table caption')).toMatch(/^2 TPS belum mengirim/);

    // The blank spot is raised with its sending point in words: the nearest good signal, the
    // other TPS's survey 3.3 km south between the public (rounded) positions, 14 minutes away.
    const raised = await page.$$eval('#late-raised li', (els) =>
      els.map((e) => ({ tps: e.getAttribute('data-tps'), text: e.textContent ?? '' })),
    );
    expect(raised.map((r) => r.tps)).toEqual([BLANK]);
    expect(raised[0]!.text).toMatch(/terlambat 2,5 jam/);
    expect(raised[0]!.text).toMatch(/Titik kirim: 3,3 km ke arah selatan, 14 menit/);
    expect(await page.getAttribute('#late-map', 'href')).toBe('/peta/#/16.08.01');
    await page.screenshot({ path: '/tmp/operator-late.png', fullPage: true });

    // The blank spot's result arrives; the next minute's read takes it off the list.
    await send(BLANK, 0);
    await page.clock.runFor(61_000);
    await page.waitForSelector('#late-none-raised');
    expect(await cell('none', 'total')).toBe('0');
    expect(await cell('weak', '2to4')).toBe('1');
  });

  it("tells a province's officer that the list is made per kabupaten", async () => {
    const other = await browser.newPage({ viewport: { width: 360, height: 800 } });
    try {
      page = other;
      await operatorLogin(page, url, 'kpu.sumsel', passwords.get('kpu.sumsel')!, PASSWORD);
      await page.waitForSelector('#late');
      expect(await page.textContent('#late')).toMatch(/per kabupaten/);
      expect(await page.$('#late-table')).toBeNull();
      expect(await page.getAttribute('#late-map', 'href')).toBe('/peta/#/16');
    } finally {
      await other.close();
    }
  });
});
