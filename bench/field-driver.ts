// Drives the KPPS field app (/kpps/) in a real headless Chromium against a real Rekap server (SQLite
// in a temporary folder), behind a small HTTP proxy that counts every byte of every request and
// answer. Shared by bench/field.ts and scripts/field-screenshots.ts.
import { existsSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { demoElection } from '../src/demo/okutimur.ts';
import { synthForm, type SynthForm } from '../src/synth/photo.ts';
import { CHROMIUM, launchChromium } from '../test/support/chromium.ts';
import { issueToken, startTestServer, type TestServer } from '../test/support/server.ts';

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found (install Debian's chromium package)`);
  return launchChromium();
}

/** One request as the proxy saw it: bytes on the wire (headers and bodies; not TCP/IP framing). */
export type Exchange = {
  method: string;
  url: string;
  /** The last 8 characters of the bearer token, to tell TPS apart. */
  token: string | null;
  status: number | null;
  /** Request line + headers + body. */
  up: number;
  /** Status line + headers + body. */
  down: number;
  startMs: number;
  endMs: number | null;
};

const headerBytes = (firstLine: string, raw: string[]) => {
  let n = Buffer.byteLength(firstLine) + 2 + 2;
  for (let i = 0; i + 1 < raw.length; i += 2)
    n += Buffer.byteLength(raw[i]!) + 2 + Buffer.byteLength(raw[i + 1]!) + 2;
  return n;
};

/** A pass-through HTTP proxy in front of the server that logs the bytes of every exchange. */
export async function startCountingProxy(target: string) {
  const t = new URL(target);
  const log: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization;
    const ex: Exchange = {
      method: req.method ?? '',
      url: req.url ?? '',
      token: typeof auth === 'string' ? auth.slice(-8) : null,
      status: null,
      up: headerBytes(`${req.method} ${req.url} HTTP/${req.httpVersion}`, req.rawHeaders),
      down: 0,
      startMs: performance.now(),
      endMs: null,
    };
    log.push(ex);
    req.on('data', (c: Buffer) => (ex.up += c.length));
    const up = request(
      { host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers },
      (r: IncomingMessage) => {
        ex.status = r.statusCode ?? null;
        ex.down += headerBytes(
          `HTTP/${r.httpVersion} ${r.statusCode} ${r.statusMessage}`,
          r.rawHeaders,
        );
        r.on('data', (c: Buffer) => (ex.down += c.length));
        r.on('end', () => (ex.endMs = performance.now()));
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.on('error', () => up.destroy());
    req.on('close', () => {
      if (!req.complete) up.destroy();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type CountingProxy = Awaited<ReturnType<typeof startCountingProxy>>;

/** One TPS of the run: its code, a KPPS token for it, and the synthesized form photographed there. */
export type Station = { tps: string; token: string; form: SynthForm };

/**
 * The server on SQLite in a temporary folder with the demo election, where each station's TPS has
 * the registered DPT of its form (so the result counts), and a token for each.
 */
export async function startFieldServer(
  forms: { seed: number; index: number }[],
): Promise<{ server: TestServer; stations: Station[] }> {
  const election = demoElection();
  const server = await startTestServer({ demo: false });
  const synth = await Promise.all(forms.map((f) => synthForm(f.seed, f.index, { slipRate: 0 })));
  const picked = election.tps.slice(0, synth.length);
  picked.forEach((tps, i) => (tps.dpt = synth[i]!.truth.result.dpt.total));
  await server.store.loadElection(election);
  const stations: Station[] = [];
  for (const [i, tps] of picked.entries())
    stations.push({
      tps: tps.code,
      token: await issueToken(server.store, tps.code),
      form: synth[i]!,
    });
  return { server, stations };
}

export async function newPhone(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 360, height: 640 }, deviceScaleFactor: 1 });
}

export async function openApp(context: BrowserContext, base: string, hash = ''): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('field app page error:', e.stack ?? e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      console.error(`field app console ${m.type()}: ${m.text()}`);
  });
  await page.goto(`${base}/kpps/${hash}`);
  return page;
}

/** Enrols the phone for the station and waits until the service worker controls the page. */
export async function enrol(page: Page, station: Station): Promise<void> {
  await page.fill('#tps', station.tps);
  await page.fill('#token', station.token);
  await page.click('#enrol');
  await page.waitForSelector('[data-testid="device"]');
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller)
      await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r));
  });
}

/** Goes to the capture screen and chooses the form's photos through the file input. */
export async function choosePhotos(page: Page, form: SynthForm): Promise<number> {
  await page.click('a[href="#/foto"]');
  await page.waitForSelector('#photo-input', { state: 'attached' });
  const t0 = performance.now();
  await page.setInputFiles(
    '#photo-input',
    form.jpegs.map((j) => ({ name: j.file, mimeType: 'image/jpeg', buffer: j.data })),
  );
  return t0;
}

/** Waits until every chosen photo has been compressed and checked (guidance shown). */
export async function photosReady(page: Page, n: number): Promise<void> {
  await page.waitForFunction((k) => document.querySelectorAll('li.photo').length === k, n, {
    timeout: 180_000,
    polling: 50,
  });
  await page.waitForSelector('#read:not([disabled])', { timeout: 60_000 });
}

/** Presses "read" and waits for the review screen. */
export async function readForm(page: Page): Promise<void> {
  await page.click('#read');
  await page.waitForSelector('#sign', { timeout: 180_000 });
}

const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((a, k) => (a as Record<string, unknown> | undefined)?.[k], o);

/** Reviews like a careful officer: corrects what was misread, confirms flagged fields read right. */
export async function review(
  page: Page,
  form: SynthForm,
): Promise<{ fields: number; flagged: number; corrected: number }> {
  const fields = await page.$$eval('[data-field]', (els) =>
    els.map((e) => ({
      path: e.getAttribute('data-field')!,
      flagged: e.getAttribute('data-flagged') === 'true',
      value: (e.querySelector('input[type=number]') as HTMLInputElement).value,
    })),
  );
  let corrected = 0;
  for (const f of fields) {
    const truth = String(get(form.truth.result, f.path));
    if (f.value !== truth) {
      await page.fill(`[data-path="${f.path}"]`, truth);
      corrected++;
    } else if (f.flagged) await page.check(`[data-confirm="${f.path}"]`);
  }
  await page.waitForSelector('#sign:not([disabled])', { timeout: 10_000 });
  return { fields: fields.length, flagged: fields.filter((f) => f.flagged).length, corrected };
}

/** The outbox as the app keeps it in IndexedDB (status and photo sizes of each item). */
export function outbox(page: Page): Promise<{ status: string; photoBytes: number[] }[]> {
  return page.evaluate(
    () =>
      new Promise<{ status: string; photoBytes: number[] }[]>((resolve, reject) => {
        const req = indexedDB.open('rekap-kpps');
        req.onsuccess = () => {
          const all = req.result.transaction('outbox').objectStore('outbox').getAll();
          all.onsuccess = () => {
            resolve(
              (all.result as { status: string; photos: { bytes: number }[] }[]).map((i) => ({
                status: i.status,
                photoBytes: i.photos.map((p) => p.bytes),
              })),
            );
            req.result.close();
          };
          all.onerror = () => reject(new Error('idb'));
        };
        req.onerror = () => reject(new Error('idb'));
      }),
  );
}

/** Whether the server publishes a version for the TPS (asked directly, not through the proxy). */
export async function atServer(server: TestServer, tps: string): Promise<boolean> {
  const res = await fetch(`${server.url}/api/v1/tps/${tps}?ballot=ppwp`);
  if (!res.ok) return false;
  const body = (await res.json()) as { versions?: unknown[] };
  return (body.versions?.length ?? 0) > 0;
}

export type Link = {
  offline: boolean;
  latency: number;
  downloadThroughput: number;
  uploadThroughput: number;
  connectionType?: 'cellular2g';
};
export const NORMAL_LINK: Link = {
  offline: false,
  latency: 0,
  downloadThroughput: -1,
  uploadThroughput: -1,
};

export async function emulateLink(cdp: CDPSession, link: Link): Promise<void> {
  await cdp.send('Network.emulateNetworkConditions', link);
}

/** Chrome's CPU throttling, set on the page (Chromium refuses it for worker targets). */
export async function throttleCpu(cdp: CDPSession, rate: number): Promise<void> {
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
}

/**
 * How much slower the page's dedicated worker (where the reader runs) computes with the page's CPU
 * throttling at `rate` than with none: a busy loop run in the worker through the DevTools protocol,
 * best of three each way. Chromium throttles the page's main thread by the rate asked, its workers
 * less.
 */
export async function workerSlowdown(cdp: CDPSession, rate: number): Promise<number | null> {
  let sessionId: string | undefined;
  const onAttach = (e: { sessionId: string; targetInfo: { type: string } }) => {
    if (e.targetInfo.type === 'worker') sessionId ??= e.sessionId;
  };
  cdp.on('Target.attachedToTarget', onAttach);
  await cdp.send('Target.setAutoAttach', {
    autoAttach: true,
    waitForDebuggerOnStart: false,
    flatten: false,
  });
  await new Promise((r) => setTimeout(r, 300));
  cdp.off('Target.attachedToTarget', onAttach);
  if (!sessionId) return null;
  const sid = sessionId;
  let next = 1;
  const busy = `(() => { const t = performance.now(); let x = 0; for (let i = 0; i < 1e8; i++) x += i % 7; return x > 0 ? performance.now() - t : 0; })()`;
  const runOnce = () =>
    new Promise<number>((resolve, reject) => {
      const id = next++;
      const onMsg = (e: { sessionId: string; message: string }) => {
        if (e.sessionId !== sid) return;
        const m = JSON.parse(e.message) as {
          id?: number;
          result?: { result?: { value?: number } };
        };
        if (m.id !== id) return;
        cdp.off('Target.receivedMessageFromTarget', onMsg);
        const v = m.result?.result?.value;
        if (typeof v === 'number') resolve(v);
        else reject(new Error(e.message));
      };
      cdp.on('Target.receivedMessageFromTarget', onMsg);
      void cdp.send('Target.sendMessageToTarget', {
        sessionId: sid,
        message: JSON.stringify({ id, method: 'Runtime.evaluate', params: { expression: busy } }),
      });
    });
  const best = async (r: number) => {
    await throttleCpu(cdp, r);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) times.push(await runOnce());
    return Math.min(...times);
  };
  try {
    const plain = await best(1);
    const slowed = await best(rate);
    return slowed / plain;
  } catch {
    return null;
  } finally {
    await throttleCpu(cdp, 1);
  }
}
