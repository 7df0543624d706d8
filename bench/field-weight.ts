// What the KPPS field app weighs on a phone's first visit: the field app built as the server
// serves it (buildFieldApp), then, for every file its service worker precaches, the raw bytes and
// the bytes gzip -9 and brotli (node:zlib, quality 11) make of it, as a server or CDN that
// compresses would send them (rekap serve itself sends them raw). Also what the page needs before
// it can draw its first screen (enrolment or home): index.html, the stylesheets and scripts it
// names, and the modules those scripts import statically (not their import() chunks), and how
// long those bytes take at 50 kbit/s and at 2G (250 kbit/s), bytes only (no round trips).
// The precache is counted as one phone installs it: one tfjs wasm variant, the one the service
// worker picks for a browser with WebAssembly SIMD (sw.ts), the other left out.
//   node bin/run-ts.mjs bench/field-weight.ts [--out DIR]   (default bench/results/)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { buildFieldApp } from '../src/web/field-assets.ts';
import type { WebAsset } from '../src/web/bundle.ts';
import { machine } from './report.ts';
import { ROOT } from './server.ts';

const { values: args } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
const outDir = args.out ?? join(ROOT, 'bench', 'results');

/** Links the first visit is timed at, in kbit/s. */
const LINKS = { '50kbit': 50, '2g': 250 } as const;
/** What the page's first screen is measured against: at most 1.2 MB compressed to install. */
const TARGET_INSTALL_BYTES = 1_200_000;

type Weight = { raw: number; gzip: number; brotli: number };
type FileWeight = Weight & { url: string };

function weigh(body: Buffer): Weight {
  return {
    raw: body.byteLength,
    gzip: gzipSync(body, { level: 9 }).byteLength,
    brotli: brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      },
    }).byteLength,
  };
}

const sum = (files: Weight[]): Weight =>
  files.reduce(
    (a, f) => ({ raw: a.raw + f.raw, gzip: a.gzip + f.gzip, brotli: a.brotli + f.brotli }),
    {
      raw: 0,
      gzip: 0,
      brotli: 0,
    },
  );

/** Seconds each weight takes over each link. */
const seconds = (w: Weight) =>
  Object.fromEntries(
    Object.entries(LINKS).map(([name, kbit]) => [
      name,
      {
        raw: round1((w.raw * 8) / (kbit * 1000)),
        gzip: round1((w.gzip * 8) / (kbit * 1000)),
        brotli: round1((w.brotli * 8) / (kbit * 1000)),
      },
    ]),
  );
const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The URLs the page loads before its script can draw anything: index.html, its stylesheets and
 * scripts, and every module those import statically, transitively (`import ... from "./x.js"`
 * and `import "./x.js"` in the minified bundles; `import("./x.js")` is loaded later).
 */
function firstScreen(assets: Map<string, WebAsset>, page: string): string[] {
  const html = assets.get(page)!.body.toString('utf8');
  const urls = new Set<string>([page]);
  const queue: string[] = [];
  for (const m of html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g))
    urls.add(new URL(m[1]!, `http://x${page}`).pathname);
  for (const m of html.matchAll(/<script[^>]*src="([^"]+)"/g))
    queue.push(new URL(m[1]!, `http://x${page}`).pathname);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g))
    queue.push(new URL(m[1]!, `http://x${page}`).pathname);
  while (queue.length) {
    const url = queue.shift()!;
    if (urls.has(url)) continue;
    urls.add(url);
    const js = assets.get(url)?.body.toString('utf8');
    if (js === undefined) throw new Error(`${page} loads ${url}, which the app does not serve`);
    for (const m of js.matchAll(/\b(?:from|import)\s*["']([^"']+\.js)["']/g))
      queue.push(new URL(m[1]!, `http://x${url}`).pathname);
  }
  return [...urls];
}

/**
 * Raw bytes each package (or folder of ours) contributes to the minified bundle of `entry`, from
 * esbuild's metafile, all chunks together: where the weight is (zod in both bundles, for one).
 */
async function packagesIn(entry: string, format: 'esm' | 'iife'): Promise<Record<string, number>> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    write: false,
    format,
    splitting: format === 'esm',
    outdir: '/out',
    target: 'es2020',
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
  });
  const by: Record<string, number> = {};
  for (const o of Object.values(out.metafile.outputs))
    for (const [path, v] of Object.entries(o.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      const key = pkg ?? path.replace(/\/[^/]+$/, '');
      by[key] = (by[key] ?? 0) + v.bytesInOutput;
    }
  return Object.fromEntries(
    Object.entries(by)
      .filter(([, n]) => n >= 1000)
      .sort((a, b) => b[1] - a[1]),
  );
}

const { assets, precache } = await buildFieldApp(join(ROOT, 'src', 'web'));
const packages = {
  app: await packagesIn('src/web/field/main.ts', 'esm'),
  reader: await packagesIn('src/web/field/reader-worker.ts', 'iife'),
};
// One phone installs one wasm variant (sw.ts): count the SIMD one, as on current Android.
const installed = precache.filter((e) => e.url !== '/kpps/wasm/tfjs-backend-wasm.wasm');
const files: FileWeight[] = installed
  .map((e) => {
    const asset = assets.get(e.url);
    if (!asset) throw new Error(`the service worker precaches ${e.url}, which is not served`);
    return { url: e.url, ...weigh(asset.body) };
  })
  .sort((a, b) => b.brotli - a.brotli);
const sw = { url: '/kpps/sw.js', ...weigh(assets.get('/kpps/sw.js')!.body) };
const install = sum([...files, sw]);
const shellUrls = firstScreen(assets, '/kpps/index.html');
const shellFiles = shellUrls.map((url) => ({ url, ...weigh(assets.get(url)!.body) }));
const shell = sum(shellFiles);

const result = {
  benchmark: 'field-weight',
  date: new Date().toISOString(),
  machine: machine(),
  notes: [
    'compressed: gzip -9 and brotli quality 11 with node:zlib; rekap serve sends brotli (quality 9) ' +
      'or gzip by Accept-Encoding, and raw where that saves under 10% (the digit model)',
    'install: every URL in the service worker precache (one wasm variant) plus sw.js itself',
    'seconds: bytes × 8 / link speed, no round trips or TCP slow start',
  ],
  install: { ...install, targetCompressedBytes: TARGET_INSTALL_BYTES, seconds: seconds(install) },
  firstScreen: { urls: shellUrls, ...shell, seconds: seconds(shell), files: shellFiles },
  precache: [...files, sw],
  packagesRawBytes: packages,
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'field-weight.json'), `${JSON.stringify(result, null, 2)}\n`);

const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
const row = (f: FileWeight) => `| \`${f.url}\` | ${kb(f.raw)} | ${kb(f.gzip)} | ${kb(f.brotli)} |`;
const s = (w: Weight) => seconds(w);
const md = [
  '# Field app weight (first install)',
  '',
  `\`npm run bench:field-weight\`, ${result.date.slice(0, 10)}, commit ${result.machine.commit ?? '?'}.`,
  `Compressed with node:zlib (gzip -9, brotli 11); \`rekap serve\` sends brotli (quality 9) or gzip by Accept-Encoding, raw where that saves under 10% (the digit model).`,
  '',
  '| | raw | gzip | brotli | at 50 kbit/s (raw / gzip / brotli) | at 2G, 250 kbit/s |',
  '|---|--:|--:|--:|--:|--:|',
  `| first install (precache + sw.js) | ${kb(install.raw)} | ${kb(install.gzip)} | ${kb(install.brotli)} | ${s(install)['50kbit']!.raw} / ${s(install)['50kbit']!.gzip} / ${s(install)['50kbit']!.brotli} s | ${s(install)['2g']!.raw} / ${s(install)['2g']!.gzip} / ${s(install)['2g']!.brotli} s |`,
  `| before the first screen (${shellUrls.length} files) | ${kb(shell.raw)} | ${kb(shell.gzip)} | ${kb(shell.brotli)} | ${s(shell)['50kbit']!.raw} / ${s(shell)['50kbit']!.gzip} / ${s(shell)['50kbit']!.brotli} s | ${s(shell)['2g']!.raw} / ${s(shell)['2g']!.gzip} / ${s(shell)['2g']!.brotli} s |`,
  '',
  `Target: first install at most ${kb(TARGET_INSTALL_BYTES)} compressed (${install.gzip <= TARGET_INSTALL_BYTES ? 'met' : 'not met'} with gzip, ${install.brotli <= TARGET_INSTALL_BYTES ? 'met' : 'not met'} with brotli).`,
  `First screen: ${shellUrls.map((u) => `\`${u}\``).join(', ')}.`,
  '',
  '| precached file | raw | gzip | brotli |',
  '|---|--:|--:|--:|',
  ...result.precache.map(row),
  '',
  'Raw minified bytes by package (esbuild metafile; the threaded tfjs loader is stubbed in the',
  'real build, not here):',
  '',
  `- app (app.js and its chunks): ${Object.entries(packages.app)
    .slice(0, 8)
    .map(([k, n]) => `${k} ${kb(n)}`)
    .join(', ')}`,
  `- reader.js: ${Object.entries(packages.reader)
    .slice(0, 8)
    .map(([k, n]) => `${k} ${kb(n)}`)
    .join(', ')}`,
  '',
];
writeFileSync(join(outDir, 'FIELD-WEIGHT.md'), md.join('\n'));
console.log(md.join('\n'));
