// The KPPS field app end to end: the real server on SQLite, a real Chromium at 360 x 640, behind a
// small proxy that can cut a photo upload mid-way. Enrol, photograph three synthesized pages
// through the file input, read them on the "phone", correct the flagged fields, sign and queue with
// no signal, close the app and open it again (from the service worker's precache), come back
// online: the upload resumes where it was cut, the server holds exactly one signed version, the
// recap counts it, and the witness receipt's QR code verifies in witness mode.
import { existsSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoElection } from '../src/demo/okutimur.ts';
import { synthForm, type SynthForm } from '../src/synth/photo.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `field-app.e2e: ${CHROMIUM} not found, skipping the browser tests (install Debian's chromium package).`,
  );

const TPS = '16.08.01.1007.004';
/** A TPS whose register lists other voters than the form: the phone must say so, as the server does. */
const OTHER_TPS = '16.08.01.1007.005';
const DESA = '16.08.01.1007';
const SEED = 41;
const INDEX = 3;

describe('field app browser prerequisites', () => {
  it.runIf(!hasChromium && !!process.env.CI)('has Chromium on CI', () => {
    expect.fail(`${CHROMIUM} is missing; CI must install Debian's chromium package`);
  });
});

type Hit = { method: string; url: string; offset?: string; cut?: boolean };

/** A pass-through HTTP proxy in front of the server that can cut upload PATCHes after 20 kB. */
async function startProxy(target: string) {
  const t = new URL(target);
  const hits: Hit[] = [];
  const cut = { armed: false, patchesLeft: 0, cuts: 0 };
  const server: Server = createServer((req, res) => {
    const hit: Hit = { method: req.method ?? '', url: req.url ?? '' };
    const offset = req.headers['upload-offset'];
    if (typeof offset === 'string') hit.offset = offset;
    hits.push(hit);
    const up = request(
      { host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    // The line stays cut for PATCHes until released (Chromium itself silently retries a request
    // whose reused connection drops before any answer).
    if (req.method === 'PATCH' && cut.armed && cut.patchesLeft-- <= 0) {
      cut.cuts++;
      hit.cut = true;
      let n = 0;
      req.on('data', (chunk: Buffer) => {
        n += chunk.length;
        if (n < 20_000) up.write(chunk);
        else {
          up.destroy();
          req.socket.destroy();
        }
      });
      req.on('end', () => up.end());
    } else req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    /** Cuts every PATCH after the first `after` ones, until `release()`. */
    cutPatch(after: number) {
      cut.armed = true;
      cut.patchesLeft = after;
      cut.cuts = 0;
    },
    release() {
      cut.armed = false;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((a, k) => (a as Record<string, unknown> | undefined)?.[k], o);

describe.skipIf(!hasChromium)('KPPS field app (real server, real Chromium)', () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let browser: Browser;
  let context: BrowserContext;
  let token: string;
  let form: SynthForm;

  beforeAll(async () => {
    form = await synthForm(SEED, INDEX, { slipRate: 0 });
    server = await startTestServer({ demo: false });
    // The demo election, with this TPS's registered DPT equal to the form's, so the result counts.
    const election = demoElection();
    const tps = election.tps.find((x) => x.code === TPS);
    if (!tps) throw new Error(`no ${TPS} in the demo election`);
    tps.dpt = form.truth.result.dpt.total;
    const other = election.tps.find((x) => x.code === OTHER_TPS);
    if (!other) throw new Error(`no ${OTHER_TPS} in the demo election`);
    other.dpt = form.truth.result.dpt.total + 5;
    await server.store.loadElection(election);
    token = await issueToken(server.store, TPS);
    proxy = await startProxy(server.url);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 360, height: 640 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.close();
  });

  const open = async (hash = ''): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('field app page error:', e.message));
    await page.goto(`${proxy.url}/kpps/${hash}`);
    return page;
  };

  /** Photographs the form's pages through the file input, reads them, and reviews every field. */
  const captureAndReview = async (page: Page, reloadAfterCapture = false) => {
    // Photograph: the three synthesized pages, in reverse order, through the file input.
    await page.click('a[href="#/foto"]');
    await page.setInputFiles(
      '#photo-input',
      [...form.jpegs]
        .reverse()
        .map((j) => ({ name: j.file, mimeType: 'image/jpeg', buffer: j.data })),
    );
    await page.waitForFunction(() => document.querySelectorAll('li.photo').length === 3, null, {
      timeout: 60_000,
    });
    const pages = await page.$$eval('li.photo', (els) =>
      els.map((e) => e.getAttribute('data-page')),
    );
    expect(pages.sort()).toEqual(['1', '2', '3']);
    await page.waitForSelector('#read:not([disabled])');
    if (reloadAfterCapture) {
      // The app is closed before reading: the photos are kept on the phone and come back.
      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll('li.photo').length === 3);
      await page.waitForSelector('#read:not([disabled])');
    }

    // Read on the phone (worker), then review: correct or confirm every flagged field.
    await page.click('#read');
    await page.waitForSelector('#sign', { timeout: 90_000 });
    const fields = await page.$$eval('[data-field]', (els) =>
      els.map((e) => ({
        path: e.getAttribute('data-field')!,
        flagged: e.getAttribute('data-flagged') === 'true',
        value: (e.querySelector('input[type=number]') as HTMLInputElement).value,
        crop: !!e.querySelector('canvas.crop'),
      })),
    );
    expect(fields).toHaveLength(28);
    expect(fields.every((f) => f.crop)).toBe(true);
    const flagged = fields.filter((f) => f.flagged);
    expect(flagged.length).toBeGreaterThan(0);
    let corrected = 0;
    for (const f of fields) {
      const truth = String(get(form.truth.result, f.path));
      if (f.value !== truth) {
        await page.fill(`[data-path="${f.path}"]`, truth);
        corrected++;
      } else if (f.flagged) await page.check(`[data-confirm="${f.path}"]`);
    }
    return { flagged, corrected };
  };

  it('enrols, reads, reviews, signs offline, survives a restart, resumes a cut upload, verifies the receipt', async () => {
    // Enrol once, online.
    let page = await open();
    await page.fill('#tps', TPS);
    await page.fill('#token', token);
    await page.click('#enrol');
    await page.waitForSelector('[data-testid="device"]');
    // The service worker has precached the app and controls the page.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller)
        await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r));
    });

    const { flagged, corrected: fixedFirst } = await captureAndReview(page, true);
    let corrected = fixedFirst;
    // A slip while correcting a flagged field: the rules are checked as the officer types, and
    // signing waits until the number is put right (or the paper is confirmed to say so).
    const slip = flagged[0]!.path;
    const truthOfSlip = Number(get(form.truth.result, slip));
    await page.fill(`[data-path="${slip}"]`, String(truthOfSlip === 999 ? 998 : truthOfSlip + 1));
    await page.waitForSelector('#rules [data-rule]');
    expect(await page.isDisabled('#sign')).toBe(true);
    expect(await page.isVisible('#confirm-breach')).toBe(true);
    await page.fill(`[data-path="${slip}"]`, String(truthOfSlip));
    corrected++;
    console.log(`field-app.e2e: ${flagged.length} fields flagged, ${corrected} corrected`);
    await page.waitForSelector('[data-testid="rules-ok"]');
    await page.waitForSelector('#sign:not([disabled])');

    // No signal: sign and queue; the receipt's QR code appears.
    await context.setOffline(true);
    await page.click('#sign');
    await page.waitForSelector('#qr');
    const qrPng = await page.locator('#qr').screenshot();
    await page.close();

    // The app opens again with no signal, and the outbox still holds the result.
    page = await open('#/kirim');
    await page.waitForSelector('[data-item]');
    expect(await page.getAttribute('[data-item]', 'data-status')).toMatch(/waiting|sending/);
    // With no signal, the reader's model and wasm files come from the service worker's precache.
    const offlineFetch = await page.evaluate(() =>
      Promise.all(
        ['/kpps/model.bin', '/kpps/wasm/tfjs-backend-wasm-simd.wasm', '/kpps/reader.js'].map((u) =>
          fetch(u).then(
            (r) => `${r.status} ${r.headers.get('content-type')}`,
            () => 'failed',
          ),
        ),
      ),
    );
    expect(offlineFetch).toEqual([
      '200 application/octet-stream',
      '200 application/wasm',
      '200 text/javascript; charset=utf-8',
    ]);

    // Back online, but the upload's line breaks after its first chunk, and stays broken while the
    // app retries (it asks the server where to resume: HEAD). The app is closed; opened again
    // with a good line, it resumes from the upload URL it stored, not from the start.
    proxy.cutPatch(1);
    await context.setOffline(false);
    await expect
      .poll(() => proxy.hits.some((h) => h.method === 'HEAD'), {
        timeout: 120_000,
        message: `no HEAD; requests: ${JSON.stringify(proxy.hits.filter((h) => !h.url.startsWith('/kpps')))}`,
      })
      .toBe(true);
    await page.close();
    proxy.release();
    const headsBefore = proxy.hits.filter((h) => h.method === 'HEAD').length;
    page = await open('#/kirim');
    await page.waitForSelector('[data-item][data-status="confirmed"]', { timeout: 90_000 });
    expect(proxy.hits.filter((h) => h.method === 'HEAD').length).toBeGreaterThan(headsBefore);

    const creates = proxy.hits.filter(
      (h) => h.method === 'POST' && h.url.startsWith('/api/v1/uploads'),
    );
    expect(creates).toHaveLength(3);
    const cutAt = proxy.hits.findLastIndex((h) => h.cut);
    expect(cutAt).toBeGreaterThan(0);
    const after = proxy.hits.slice(cutAt + 1);
    const resumed = after.find((h) => h.method === 'PATCH');
    expect(after.some((h) => h.method === 'HEAD')).toBe(true);
    expect(Number(resumed?.offset)).toBeGreaterThan(0);

    // At the server: one signed version with the reviewed numbers, counted in the recap.
    const tps = (await (await fetch(`${server.url}/api/v1/tps/${TPS}?ballot=ppwp`)).json()) as {
      status: string;
      versions: { result: unknown; signature: { signature: string } | null; photos: unknown[] }[];
    };
    expect(tps.versions).toHaveLength(1);
    expect(tps.versions[0]!.result).toEqual(form.truth.result);
    expect(tps.versions[0]!.signature).not.toBeNull();
    expect(tps.versions[0]!.photos).toHaveLength(3);
    expect(tps.status).toBe('counted');
    const recap = (await (
      await fetch(`${server.url}/api/v1/results/${DESA}?ballot=ppwp`)
    ).json()) as {
      totals: { votes: Record<string, number> };
    };
    expect(recap.totals.votes).toEqual(form.truth.result.votes);

    // Every attempt left a signal observation (the ones with no signal and the cut one failed);
    // they reach the server in batches.
    await expect
      .poll(
        async () => {
          const res = await fetch(`${server.url}/api/v1/signal/observations?region=${DESA}`);
          const body = (await res.json()) as { observations: { ok: boolean }[] };
          return [...new Set(body.observations.map((o) => o.ok))].sort();
        },
        { timeout: 30_000 },
      )
      .toEqual([false, true]);

    // Sending it again (as after a lost answer) is answered 200 and changes nothing.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const req = indexedDB.open('rekap-kpps');
          req.onsuccess = () => {
            const tx = req.result.transaction('outbox', 'readwrite');
            const store = tx.objectStore('outbox');
            const all = store.getAll();
            all.onsuccess = () => {
              for (const item of all.result as { status: string; nextAttemptAt: number }[]) {
                item.status = 'waiting';
                item.nextAttemptAt = 0;
                store.put(item);
              }
            };
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(new Error('idb'));
          };
        }),
    );
    await page.reload();
    await page.waitForSelector('[data-item][data-status="confirmed"]', { timeout: 30_000 });
    const again = (await (await fetch(`${server.url}/api/v1/tps/${TPS}?ballot=ppwp`)).json()) as {
      versions: unknown[];
    };
    expect(again.versions).toHaveLength(1);
    await page.close();

    // Witness mode: the QR code, photographed, verifies offline and matches the published version.
    page = await open('#/saksi');
    await page.setInputFiles('#qr-photo', { name: 'qr.png', mimeType: 'image/png', buffer: qrPng });
    await page.waitForSelector('[data-testid="signature"]');
    expect(await page.textContent('[data-testid="signature"]')).toContain('SAH');
    expect(await page.textContent('[data-testid="signature"]')).not.toContain('TIDAK');
    await page.waitForSelector('[data-testid="published"].ok');
    await page.close();
  }, 300_000);

  it("checks the form's DPT against the register it learnt at enrolment, as the server does", async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const page = await ctx.newPage();
    await page.goto(`${proxy.url}/kpps/`);
    await page.fill('#tps', OTHER_TPS);
    await page.fill('#token', await issueToken(server.store, OTHER_TPS));
    await page.click('#enrol');
    await page.waitForSelector('[data-testid="device"]');
    await captureAndReview(page);
    // Every field now says what the paper says, and the sums hold; the DPT is not the register's.
    await page.waitForSelector('#rules [data-rule="dpt-matches-register"]');
    expect(await page.$('[data-testid="rules-ok"]')).toBeNull();
    expect(await page.isDisabled('#sign')).toBe(true);
    await ctx.close();
  }, 180_000);

  it('keeps training (Bimtek) results on the phone, clearly marked, never sent', async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const page = await ctx.newPage();
    await page.goto(`${proxy.url}/kpps/`);
    await page.click('#training-start');
    await page.waitForSelector('#training:not([hidden])');
    expect(await page.textContent('#training')).toContain('LATIHAN');
    expect(await page.textContent('[data-testid="device"]')).toContain('99.99.99.9999.999');
    // English on the switch, and back.
    await page.click('#lang');
    await page.waitForSelector('#training:has-text("TRAINING")');
    await page.click('#lang');
    await page.waitForSelector('#training:has-text("LATIHAN")');
    const sentBefore = proxy.hits.filter(
      (h) => h.url.startsWith('/api/v1/uploads') || h.url.includes('/submissions'),
    ).length;
    await captureAndReview(page);
    await page.click('#sign');
    await page.waitForSelector('#qr');
    await page.goto(`${proxy.url}/kpps/#/kirim`);
    await page.waitForSelector('[data-item][data-status="local"]');
    expect(await page.textContent('[data-item]')).toContain('LATIHAN');
    // One background round of the sender (every 3 s) later, nothing has gone out.
    await page.waitForTimeout(3_500);
    const sentAfter = proxy.hits.filter(
      (h) => h.url.startsWith('/api/v1/uploads') || h.url.includes('/submissions'),
    ).length;
    expect(sentAfter).toBe(sentBefore);
    await ctx.close();
  }, 120_000);
});
