// Field app benchmark (`npm run bench:field [-- --runs N] [--read-forms N]`): the real KPPS app in
// headless Chromium against the real server (SQLite in a temporary folder), behind a proxy that
// counts the bytes of every request and answer.
//  a. bytes on the wire to deliver one PPWP submission of one TPS (tus uploads of the 3 photos as
//     the app compresses them, the signed submission, the publication check, the signal
//     observations, the ping), on a good link;
//  b. time to deliver one submission over an emulated 2G link (Chrome's network emulation:
//     50 kbit/s each way, 500 ms round trip) that drops twice for 5 s during the upload, from
//     pressing "sign and send" until the server publishes it; N phones at once, each its own link;
//  c. reading time per page with the CPU slowed 4x (Chrome's CPU throttling): from the photos
//     chosen to the review screen shown, divided by the pages.
// Writes bench/results/field.json and bench/results/FIELD.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { TARGET_BYTES } from '../src/web/field/compress.ts';
import {
  atServer,
  workerSlowdown,
  choosePhotos,
  emulateLink,
  enrol,
  launchBrowser,
  newPhone,
  NORMAL_LINK,
  openApp,
  outbox,
  photosReady,
  readForm,
  review,
  startCountingProxy,
  startFieldServer,
  throttleCpu,
  type Exchange,
  type Link,
  type Station,
} from './field-driver.ts';
import { machine } from './report.ts';
import { ROOT } from './server.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '41' },
  },
});
const RUNS = Number(args.runs);
const SEED = Number(args.seed);
const CPU_RATE = 4;
const TWO_G: Link = {
  offline: false,
  latency: 500,
  downloadThroughput: 50_000 / 8,
  uploadThroughput: 50_000 / 8,
  connectionType: 'cellular2g',
};
/** Each 2G run loses the line twice, for 5 s, during the upload (staggered between phones). */
const DROPS = (run: number) => [
  { atS: 20 + 4 * run, forS: 5 },
  { atS: 75 + 4 * run, forS: 5 },
];
const DELIVERY_TIMEOUT_MS = 240_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = performance.now();
const log = (m: string) =>
  console.log(
    `bench:field ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s  ${m}`,
  );

// One phone per station: the first delivers on a good link (bytes), the others over 2G (time).
const { server, stations } = await startFieldServer(
  Array.from({ length: 1 + RUNS }, (_, i) => ({ seed: SEED, index: i })),
);
const proxy = await startCountingProxy(server.url);
const browser = await launchBrowser();
type Phone = { station: Station; context: BrowserContext; page: Page; cdp: CDPSession };
const phones: Phone[] = [];
/** How much slower the reader worker computes under the page's CPU throttling. */
let workerFactor: number | null = null;
const readings: {
  tps: string;
  pages: number;
  msTotal: number;
  msCompress: number;
  msRead: number;
  msPerPage: number;
  fields: number;
  flagged: number;
  corrected: number;
}[] = [];

try {
  // c. Each phone enrols, then photographs and reads its form with the CPU slowed 4x.
  for (const station of stations) {
    const context = await newPhone(browser);
    const page = await openApp(context, proxy.url);
    const cdp = await context.newCDPSession(page);
    await enrol(page, station);
    await sleep(2_000); // the reader worker loads its model when the app opens
    if (phones.length === 0) {
      workerFactor = await workerSlowdown(cdp, CPU_RATE);
      log(`the reader worker computes ${workerFactor?.toFixed(2) ?? '?'}x slower at ${CPU_RATE}x`);
    }
    await throttleCpu(cdp, CPU_RATE);
    const n = station.form.jpegs.length;
    const t0 = await choosePhotos(page, station.form);
    await photosReady(page, n);
    const t1 = performance.now();
    await readForm(page);
    const t2 = performance.now();
    await throttleCpu(cdp, 1);
    const r = await review(page, station.form);
    readings.push({
      tps: station.tps,
      pages: n,
      msTotal: Math.round(t2 - t0),
      msCompress: Math.round(t1 - t0),
      msRead: Math.round(t2 - t1),
      msPerPage: Math.round((t2 - t0) / n),
      ...r,
    });
    log(
      `read ${station.tps} at ${CPU_RATE}x CPU: ${((t2 - t0) / 1000).toFixed(1)} s for ${n} pages (compress + guidance ${((t1 - t0) / 1000).toFixed(1)} s, read ${((t2 - t1) / 1000).toFixed(1)} s, ${r.flagged} flagged, ${r.corrected} corrected`,
    );
    phones.push({ station, context, page, cdp });
  }

  const sentBy = (token: string, tps: string, from: number) =>
    proxy.log
      .slice(from)
      .filter((e) => e.token === token.slice(-8) || e.url.includes(tps) || e.url === '/healthz');
  const tally = (ex: Exchange[]) => ({
    requests: ex.length,
    up: ex.reduce((a, e) => a + e.up, 0),
    down: ex.reduce((a, e) => a + e.down, 0),
    byKind: ex.reduce<Record<string, { n: number; up: number; down: number }>>((acc, e) => {
      const k = e.url.startsWith('/api/v1/uploads')
        ? `upload ${e.method}`
        : e.url.includes('/submissions')
          ? 'submission'
          : e.url.startsWith('/api/v1/signal')
            ? 'observations'
            : e.url === '/healthz'
              ? 'ping'
              : e.url.startsWith('/api/v1/tps/')
                ? 'publication check'
                : e.url;
      const g = (acc[k] ??= { n: 0, up: 0, down: 0 });
      g.n++;
      g.up += e.up;
      g.down += e.down;
      return acc;
    }, {}),
  });
  const status = async (page: Page) => (await outbox(page))[0]?.status;

  // a. One submission on a good link, alone: every byte the app sends and receives for it.
  const clean = phones[0]!;
  const mark = proxy.log.length;
  const c0 = performance.now();
  await clean.page.click('#sign');
  const deadline = c0 + DELIVERY_TIMEOUT_MS;
  while (!(await atServer(server, clean.station.tps))) {
    if (performance.now() > deadline) throw new Error('the good-link submission never arrived');
    await sleep(100);
  }
  const cleanMs = performance.now() - c0;
  while ((await status(clean.page)) !== 'confirmed') {
    if (performance.now() > deadline) throw new Error('the app never showed it confirmed');
    await sleep(200);
  }
  const obsSent = () =>
    proxy.log
      .slice(mark)
      .some((e) => e.url.startsWith('/api/v1/signal') && e.endMs !== null && e.status === 202);
  for (let i = 0; i < 100 && !obsSent(); i++) await sleep(100);
  await sleep(1_000);
  const cleanEx = sentBy(clean.station.token, clean.station.tps, mark);
  const other = proxy.log
    .slice(mark)
    .filter((e) => !cleanEx.includes(e) && !e.url.startsWith('/kpps/'));
  const photoBytes = (await outbox(clean.page))[0]?.photoBytes ?? [];
  const bytes = {
    photos: photoBytes,
    photosTotal: photoBytes.reduce((a, b) => a + b, 0),
    ...tally(cleanEx),
    deliveredMs: Math.round(cleanMs),
    unattributed: other.length,
  };
  log(
    `good link: ${bytes.requests} requests, ${(bytes.up / 1000).toFixed(1)} kB up, ${(bytes.down / 1000).toFixed(1)} kB down (photos ${(bytes.photosTotal / 1000).toFixed(1)} kB)`,
  );

  // b. The other phones each send their submission over their own emulated 2G link, at once.
  const twoG = await Promise.all(
    phones.slice(1).map(async (p, run) => {
      const from = proxy.log.length;
      await emulateLink(p.cdp, TWO_G);
      const t0 = performance.now();
      let done = false;
      const drops = DROPS(run).map(({ atS, forS }) =>
        (async () => {
          await sleep(atS * 1000);
          if (done) return false;
          await emulateLink(p.cdp, { ...TWO_G, offline: true });
          await sleep(forS * 1000);
          await emulateLink(p.cdp, TWO_G);
          return true;
        })(),
      );
      await p.page.click('#sign');
      let serverMs: number | null = null;
      while (performance.now() - t0 < DELIVERY_TIMEOUT_MS) {
        if (await atServer(server, p.station.tps)) {
          serverMs = performance.now() - t0;
          break;
        }
        await sleep(250);
      }
      let appMs: number | null = null;
      while (serverMs !== null && performance.now() - t0 < DELIVERY_TIMEOUT_MS) {
        if ((await status(p.page)) === 'confirmed') {
          appMs = performance.now() - t0;
          break;
        }
        await sleep(250);
      }
      done = true;
      const dropsDone = (await Promise.all(drops)).filter(Boolean).length;
      await emulateLink(p.cdp, NORMAL_LINK);
      const ex = proxy.log
        .slice(from)
        .filter((e) => e.token === p.station.token.slice(-8) || e.url.includes(p.station.tps));
      const r = {
        tps: p.station.tps,
        serverMs: serverMs === null ? null : Math.round(serverMs),
        appConfirmedMs: appMs === null ? null : Math.round(appMs),
        drops: dropsDone,
        patches: ex.filter((e) => e.method === 'PATCH').length,
        heads: ex.filter((e) => e.method === 'HEAD').length,
        up: ex.reduce((a, e) => a + e.up, 0),
        photosTotal: ((await outbox(p.page))[0]?.photoBytes ?? []).reduce((a, b) => a + b, 0),
        /** The time the bytes it sent take at 50 kbit/s, with no round trips and no drops. */
        floorMs: 0,
      };
      r.floorMs = Math.round((r.up * 8) / 50);
      log(
        `2G ${p.station.tps}: at the server after ${serverMs === null ? 'never' : `${(serverMs / 1000).toFixed(1)} s`}, ${dropsDone} drops, ${r.patches} PATCHes, ${r.heads} HEADs, ${(r.up / 1000).toFixed(1)} kB up`,
      );
      return r;
    }),
  );

  // Results.
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const delivered = twoG.flatMap((r) => (r.serverMs === null ? [] : [r.serverMs]));
  const perPage = readings.map((r) => r.msPerPage);
  const result = {
    date: new Date().toISOString(),
    machine: { ...machine(), chromium: browser.version() },
    parameters: {
      seed: SEED,
      forms: stations.length,
      twoG: { ...TWO_G, roundTripMs: TWO_G.latency, kbitPerS: 50 },
      drops: twoG.map((_, i) => DROPS(i)),
      cpuThrottling: CPU_RATE,
      photoTarget: TARGET_BYTES,
    },
    bytes,
    twoG: {
      runs: twoG,
      delivered: delivered.length,
      medianMs: median(delivered),
      maxMs: delivered.length === twoG.length ? Math.max(...delivered) : null,
    },
    reading: {
      forms: readings,
      medianMsPerPage: median(perPage),
      maxMsPerPage: Math.max(...perPage),
      workerSlowdown: workerFactor,
      /** Scaled as if the worker too were slowed the full rate (main thread parts overcounted). */
      estimatedFullRateMsPerPage: workerFactor
        ? Math.round((median(perPage) * CPU_RATE) / workerFactor)
        : null,
    },
  };
  const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;
  const s = (ms: number | null) => (ms === null ? 'not delivered' : `${(ms / 1000).toFixed(1)} s`);
  const m = result.machine;
  const md = `# Field app benchmark

${m.cores} x ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, Chromium ${m.chromium}, commit ${m.commit ?? '?'}.
Regenerate with \`npm run bench:field\`. The KPPS app runs in headless Chromium (360 x 640) against the
real server on SQLite; a proxy in front of the server counts request and answer bytes (lines, headers
and bodies as sent; TCP/IP framing not counted). Forms: synthesized, seed ${SEED}, forms 0-${stations.length - 1}.

| measure | value | aim |
| --- | --: | --: |
| bytes sent per TPS, one PPWP submission (3 photos), good link | ${kB(bytes.up)} up, ${kB(bytes.down)} down, ${bytes.requests} requests | photos ≤ 3 x ${kB(TARGET_BYTES)} |
| of which the photos as the app compressed them | ${kB(bytes.photosTotal)} (${bytes.photos.map(kB).join(', ')}) | |
| time to deliver over 2G (50 kbit/s, 500 ms RTT, 2 drops of 5 s), ${twoG.length} runs | median ${s(result.twoG.medianMs)}, max ${s(result.twoG.maxMs)} | (no aim set; the bytes each run sent take ${twoG.map((r) => s(r.floorMs)).join(', ')} at 50 kbit/s) |
| reading time per page, Chromium, CPU ${CPU_RATE}x slower, ${readings.length} forms | median ${s(result.reading.medianMsPerPage)}, max ${s(result.reading.maxMsPerPage)} | < 3 s |
| the same, scaled as if the reader's worker too were ${CPU_RATE}x slower (estimate) | median ${s(result.reading.estimatedFullRateMsPerPage)} | < 3 s |

Bytes by request kind (good link): ${Object.entries(bytes.byKind)
    .map(([k, v]) => `${k} ${v.n} x (${kB(v.up)} up, ${kB(v.down)} down)`)
    .join('; ')}.

2G runs (each phone its own emulated link, all at once): ${twoG
    .map(
      (r) =>
        `${r.tps} at the server after ${s(r.serverMs)}, app shows confirmed after ${s(r.appConfirmedMs)}, ${r.drops} drops, ${r.patches} PATCHes, ${r.heads} HEADs (resumes), ${kB(r.up)} up (${s(r.floorMs)} at 50 kbit/s)`,
    )
    .join('; ')}.

Reading (from the photos chosen to the review shown; compress + page check, then read): ${readings
    .map(
      (r) =>
        `${(r.msCompress / 1000).toFixed(1)} s + ${(r.msRead / 1000).toFixed(1)} s for ${r.pages} pages`,
    )
    .join('; ')}. Chromium slows the page's main thread by the rate asked but refuses
CPU throttling for worker targets, and the reader runs in a dedicated worker: a busy loop in that
worker ran ${workerFactor?.toFixed(2) ?? '?'}x slower at ${CPU_RATE}x. Scaled as if the worker too were ${CPU_RATE}x slower, the median would be
${s(result.reading.estimatedFullRateMsPerPage)} a page (an overestimate: the main thread's share is scaled twice).
`;
  writeFileSync(join(ROOT, 'bench/results/field.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench/results/FIELD.md'), md);
  console.log(md);
} finally {
  for (const p of phones) await p.context.close().catch(() => undefined);
  await browser.close();
  await proxy.close();
  await server.close();
}
