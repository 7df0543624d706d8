// The Content-Security-Policy against the pages as they are, in a real Chromium: the portal from
// the nation down to a TPS with its photo, and the KPPS field app through enrolment, three photos
// read on the "phone" (the reader worker compiles TensorFlow.js's wasm), signing, the service
// worker, tus uploads and the submission, and witness mode reading the receipt's QR code. Every
// console message of the pages, their workers and the service worker, and every
// securitypolicyviolation event, is collected: none may be a violation. Two probes show that the
// policy is really enforced: an injected inline script does not run, and another origin cannot
// frame the KPPS app.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { synthForm, type SynthForm } from '../src/synth/photo.ts';
import { CHROMIUM, launchChromium } from './support/chromium.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';
import { cleanResult } from './support/results.ts';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `csp.e2e: ${CHROMIUM} not found, skipping the browser tests (install Debian's chromium package).`,
  );

describe('CSP browser prerequisites', () => {
  it.runIf(!hasChromium && !!process.env.CI)('has Chromium on CI', () => {
    expect.fail(`${CHROMIUM} is missing; CI must install Debian's chromium package`);
  });
});

const DESA = '16.08.01.1007';
const PORTAL_TPS = `${DESA}.001`;
const FIELD_TPS = `${DESA}.004`;

type Seen = { where: string; text: string };

const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((a, k) => (a as Record<string, unknown> | undefined)?.[k], o);

describe.skipIf(!hasChromium)('Content-Security-Policy in Chromium (portal and field app)', () => {
  let server: TestServer;
  let browser: Browser;
  let form: SynthForm;
  let framer: Server | undefined;
  const consoleSeen: Seen[] = [];
  const failedRequests: Seen[] = [];

  /** A context whose pages, workers and service worker report every console line here. */
  const newContext = async (name: string): Promise<BrowserContext> => {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    context.on('console', (m) =>
      consoleSeen.push({
        where: `${name} ${m.worker() ? `worker ${m.worker()!.url()}` : 'page'} ${m.type()}`,
        text: m.text(),
      }),
    );
    context.on('requestfailed', (r) =>
      failedRequests.push({ where: `${name} ${r.url()}`, text: r.failure()?.errorText ?? '' }),
    );
    context.on('weberror', (e) =>
      consoleSeen.push({ where: `${name} error`, text: e.error().message }),
    );
    // Runs before the page's own scripts (from the browser, so the CSP does not apply to it).
    await context.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__violations.push(
          `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`,
        ),
      );
    });
    return context;
  };
  const violations = (page: Page) =>
    page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
  /** Console lines that speak of the policy (Chromium: "Refused to ... Content Security Policy"). */
  const policyLines = () =>
    consoleSeen.filter((s) => /content security policy|refused to|violat/i.test(s.text));

  /** Waits for `selector`, failing at once (with the browser's words) if the policy refuses. */
  const waitFor = async (page: Page, selector: string, timeout = 90_000) => {
    const shown = page.waitForSelector(selector, { timeout }).then(() => undefined);
    let refused: ReturnType<typeof setInterval> | undefined;
    const violated = new Promise<never>((_, reject) => {
      refused = setInterval(() => {
        if (policyLines().length > 0)
          reject(new Error(`CSP violation: ${JSON.stringify(policyLines())}`));
      }, 250);
    });
    try {
      await Promise.race([shown, violated]);
    } finally {
      clearInterval(refused);
    }
  };

  beforeAll(async () => {
    form = await synthForm(41, 3, { slipRate: 0 });
    server = await startTestServer({ demo: false });
    const election = demoElection();
    const tps = election.tps.find((x) => x.code === FIELD_TPS);
    if (!tps) throw new Error(`no ${FIELD_TPS} in the demo election`);
    tps.dpt = form.truth.result.dpt.total;
    await server.store.loadElection(election);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (framer ? framer.close(() => r()) : r()));
    await server?.close();
  });

  it('the portal, from the nation down to a TPS and its photo, with no violation', async () => {
    const result: CHasil = cleanResult();
    const res = await server.submit(PORTAL_TPS, result);
    expect(res.status).toBe(201);
    const context = await newContext('portal');
    const page = await context.newPage();
    const answer = await page.goto(`${server.url}/`);
    // The page comes with the policy (so "no violation" below is not for want of one).
    expect(answer?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.waitForSelector('.heading[data-code="id"]');
    for (const code of ['16', '16.08', '16.08.01', DESA]) {
      await page.click(`#view a[href="#/wilayah/${code}"]`);
      await page.waitForSelector(`.heading[data-code="${code}"]`);
    }
    await page.click(`#view a[href="#/tps/${PORTAL_TPS}"]`);
    await page.waitForSelector(`.heading[data-code="${PORTAL_TPS}"]`);
    // The form's photo is shown (an <img> from /api/v1/photos/...) and has loaded.
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.photos img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    // The results bars are sized from script (CSSOM), which style-src 'self' allows.
    await page.click('#lang');
    expect(await violations(page)).toEqual([]);
    expect(policyLines()).toEqual([]);
    await context.close();
  });

  it('the field app: enrol, read in the worker (wasm), sign, upload, witness, with no violation', async () => {
    const token = await issueToken(server.store, FIELD_TPS);
    const context = await newContext('kpps');
    const page = await context.newPage();
    const answer = await page.goto(`${server.url}/kpps/`);
    expect(answer?.headers()['content-security-policy']).toContain("'wasm-unsafe-eval'");
    await page.fill('#tps', FIELD_TPS);
    await page.fill('#token', token);
    await page.click('#enrol');
    await page.waitForSelector('[data-testid="device"]');
    // The service worker (Workbox) installs, precaches and takes control.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller)
        await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r));
    });

    // Photograph (previews from blob: URLs), read in the worker, review every field.
    await page.click('a[href="#/foto"]');
    await page.setInputFiles(
      '#photo-input',
      form.jpegs.map((j) => ({ name: j.file, mimeType: 'image/jpeg', buffer: j.data })),
    );
    await page.waitForFunction(() => document.querySelectorAll('li.photo').length === 3, null, {
      timeout: 60_000,
    });
    await page.waitForSelector('#read:not([disabled])');
    await page.click('#read');
    await waitFor(page, '#sign');
    const fields = await page.$$eval('[data-field]', (els) =>
      els.map((e) => ({
        path: e.getAttribute('data-field')!,
        flagged: e.getAttribute('data-flagged') === 'true',
        value: (e.querySelector('input[type=number]') as HTMLInputElement).value,
      })),
    );
    expect(fields.length).toBeGreaterThan(20);
    for (const f of fields) {
      const truth = String(get(form.truth.result, f.path));
      if (f.value !== truth) await page.fill(`[data-path="${f.path}"]`, truth);
      else if (f.flagged) await page.check(`[data-confirm="${f.path}"]`);
    }
    await page.waitForSelector('#sign:not([disabled])');

    // Sign: the receipt's QR code is drawn; the sender uploads (tus) and submits.
    await page.click('#sign');
    await page.waitForSelector('#qr');
    const qrPng = await page.locator('#qr').screenshot();
    await page.goto(`${server.url}/kpps/#/kirim`);
    await waitFor(page, '[data-item][data-status="confirmed"]');
    expect(await violations(page)).toEqual([]);

    // Witness mode reads the QR code from a photo and checks it against the server.
    await page.goto(`${server.url}/kpps/#/saksi`);
    await page.setInputFiles('#qr-photo', { name: 'qr.png', mimeType: 'image/png', buffer: qrPng });
    await waitFor(page, '[data-testid="published"].ok', 30_000);
    expect(await violations(page)).toEqual([]);

    const published = (await (
      await fetch(`${server.url}/api/v1/tps/${FIELD_TPS}?ballot=ppwp`)
    ).json()) as { versions: { photos: unknown[] }[] };
    expect(published.versions).toHaveLength(1);
    expect(published.versions[0]!.photos).toHaveLength(3);
    expect(policyLines()).toEqual([]);
    expect(failedRequests.filter((r) => /csp|blocked/i.test(r.text))).toEqual([]);

    // Probe 1: the policy is enforced. A script injected into the page does not run, and the
    // browser reports the violation (the only one this test expects).
    const ran = await page.evaluate(async () => {
      const w = window as unknown as { __injected?: boolean; __violations: string[] };
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 200));
      return { injected: w.__injected === true, violations: w.__violations };
    });
    expect(ran.injected).toBe(false);
    expect(ran.violations.some((v) => v.startsWith('script-src'))).toBe(true);
    await context.close();
  }, 240_000);

  it('another origin cannot frame the KPPS app (frame-ancestors none)', async () => {
    // 127.0.0.1 and localhost on another port are other origins.
    framer = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><iframe id="f" src="${server.url}/kpps/"></iframe>`);
    });
    await new Promise<void>((r) => framer!.listen(0, '127.0.0.1', r));
    const port = (framer.address() as AddressInfo).port;
    const context = await newContext('framer');
    const page = await context.newPage();
    const before = consoleSeen.length;
    await page.goto(`http://localhost:${port}/`);
    await expect
      .poll(() =>
        consoleSeen
          .slice(before)
          .some((s) => /frame-ancestors|refused to (display|frame)/i.test(s.text)),
      )
      .toBe(true);
    // Nothing of the app loaded in the frame.
    const frame = page.frames().find((f) => f.url().includes('/kpps/'));
    const inside = frame
      ? await frame.evaluate(() => document.querySelector('#view')).catch(() => null)
      : null;
    expect(inside).toBeNull();
    await context.close();
  });
});
