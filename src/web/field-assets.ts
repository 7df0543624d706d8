// The KPPS field app (/kpps/) as the server serves it: the app, its reader worker and its service
// worker bundled with esbuild; the digit model and the TensorFlow.js wasm files read from disk; the
// service worker's precache list (every URL with a hash of its bytes) injected at build time, so a
// phone that loaded the app once works offline from then on. `npm run build` writes the result to
// dist/web/ (assets.ts).
// What a first visit costs (`npm run bench:field-weight`): the page draws its first screen from
// index.html, styles.css, app.js and start.js with the chunks they import (preloaded together);
// the other screens (chunk-*.js) are loaded with import() when they are opened, and the reader (reader.js, model.bin, one wasm file) runs in its
// worker. The service worker precaches all of it, one wasm variant per phone (sw.ts).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundleBrowser, bundleBrowserSplit, type WebAsset } from './bundle.ts';

const require = createRequire(import.meta.url);

/** Where the app lives; the service worker's scope. */
const FIELD_BASE = '/kpps/';

/**
 * The wasm variants served: SIMD for every browser with WebAssembly SIMD (Chrome and Android
 * WebView 91 and later), the plain one for the rest; the service worker precaches the one its
 * browser will run (sw.ts). The multithreaded variant needs a cross-origin isolated page, which
 * Rekap's is not, so it is neither served nor bundled (bundle.ts).
 */
const TFJS_WASM_FILES = ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'] as const;

const revision = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 16);

const JS = 'text/javascript; charset=utf-8';

function manifest(): Buffer {
  return Buffer.from(
    JSON.stringify({
      name: 'Rekap KPPS',
      short_name: 'Rekap KPPS',
      description: 'Foto, baca, periksa dan kirim formulir C.Hasil dari TPS, juga tanpa sinyal.',
      lang: 'id',
      start_url: FIELD_BASE,
      scope: FIELD_BASE,
      display: 'standalone',
      orientation: 'portrait',
      background_color: '#ffffff',
      theme_color: '#0f3d3e',
      icons: [
        { src: `${FIELD_BASE}icon.svg`, sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
        {
          src: `${FIELD_BASE}icon-maskable.svg`,
          sizes: 'any',
          type: 'image/svg+xml',
          purpose: 'maskable',
        },
      ],
    }),
  );
}

/**
 * The chunks `file` imports statically, transitively (`import ... from "./x.js"` and
 * `import "./x.js"` in esbuild's minified output; `import("./x.js")` is loaded later).
 */
function staticImports(files: Map<string, Buffer>, file: string, seen = new Set<string>()) {
  const js = files.get(file)?.toString('utf8') ?? '';
  for (const m of js.matchAll(/\b(?:from|import)\s*"\.\/([^"]+\.js)"/g)) {
    const dep = m[1]!;
    if (seen.has(dep)) continue;
    seen.add(dep);
    staticImports(files, dep, seen);
  }
  return seen;
}

/**
 * index.html with a modulepreload link for start.js (the app, which app.js imports once zod is
 * jitless: main.ts) and each chunk app.js or start.js imports statically, so the browser fetches
 * them all at once beside app.js instead of one round trip of imports after another.
 */
function withPreloads(html: Buffer, app: Map<string, Buffer>): Buffer {
  const first = new Set(['start.js', ...staticImports(app, 'app.js')]);
  for (const f of [...first]) staticImports(app, f, first);
  const links = [...first]
    .map((f) => `<link rel="modulepreload" href="${FIELD_BASE}${f}" />`)
    .join('\n    ');
  const marker = `<script type="module" src="${FIELD_BASE}app.js"></script>`;
  const text = html.toString('utf8');
  if (!text.includes(marker)) throw new Error(`field/index.html: no ${marker}`);
  return Buffer.from(text.replace(marker, links ? `${links}\n    ${marker}` : marker));
}

/**
 * The field app's files keyed by URL path, from the sources in `webDir` (src/web/): '/kpps/',
 * '/kpps/index.html', '/kpps/app.js' and its '/kpps/chunk-*.js', '/kpps/reader.js',
 * '/kpps/sw.js', '/kpps/manifest.webmanifest', icons, '/kpps/model.bin' and '/kpps/wasm/*.wasm'
 * (application/wasm).
 */
export async function buildFieldAssets(webDir: string): Promise<Map<string, WebAsset>> {
  return (await buildFieldApp(webDir)).assets;
}

/** One entry of the service worker's precache list. */
export type PrecacheEntry = { url: string; revision: string };

/** The field app's files (buildFieldAssets) and the precache list injected into its sw.js. */
export async function buildFieldApp(
  webDir: string,
): Promise<{ assets: Map<string, WebAsset>; precache: PrecacheEntry[] }> {
  const src = (path: string) => join(webDir, path);
  const wasmDir = join(
    dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  const [html, css, icon, maskable, app, reader, model, ...wasm] = await Promise.all([
    readFile(src('field/index.html')),
    readFile(src('field/styles.css')),
    readFile(src('field/icon.svg')),
    readFile(src('field/icon-maskable.svg')),
    bundleBrowserSplit({ app: src('field/main.ts'), start: src('field/start.ts') }),
    bundleBrowser(src('field/reader-worker.ts'), 'iife'),
    readFile(src('../reader/digits/model.bin')),
    ...TFJS_WASM_FILES.map((f) => readFile(join(wasmDir, f))),
  ]);
  const assets = new Map<string, WebAsset>([
    [
      `${FIELD_BASE}index.html`,
      { body: withPreloads(html, app), contentType: 'text/html; charset=utf-8' },
    ],
    [`${FIELD_BASE}styles.css`, { body: css, contentType: 'text/css; charset=utf-8' }],
    [`${FIELD_BASE}icon.svg`, { body: icon, contentType: 'image/svg+xml' }],
    [`${FIELD_BASE}icon-maskable.svg`, { body: maskable, contentType: 'image/svg+xml' }],
    [
      `${FIELD_BASE}manifest.webmanifest`,
      { body: manifest(), contentType: 'application/manifest+json' },
    ],
    ...[...app].map(([file, body]): [string, WebAsset] => [
      `${FIELD_BASE}${file}`,
      { body, contentType: JS },
    ]),
    [`${FIELD_BASE}reader.js`, { body: reader, contentType: JS }],
    [`${FIELD_BASE}model.bin`, { body: model, contentType: 'application/octet-stream' }],
    ...TFJS_WASM_FILES.map((f, i): [string, WebAsset] => [
      `${FIELD_BASE}wasm/${f}`,
      { body: wasm[i]!, contentType: 'application/wasm' },
    ]),
  ]);
  const precache: PrecacheEntry[] = [...assets].map(([url, a]) => ({
    url,
    revision: revision(a.body),
  }));
  const sw = await bundleBrowser(src('field/sw.ts'), 'iife', {
    __PRECACHE_MANIFEST__: JSON.stringify(precache),
  });
  assets.set(`${FIELD_BASE}sw.js`, { body: sw, contentType: JS });
  assets.set(FIELD_BASE, assets.get(`${FIELD_BASE}index.html`)!);
  // `/kpps` as typed: on to the app's scope.
  assets.set(FIELD_BASE.slice(0, -1), {
    body: Buffer.from(
      `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${FIELD_BASE}"><a href="${FIELD_BASE}">Rekap KPPS</a>`,
    ),
    contentType: 'text/html; charset=utf-8',
  });
  return { assets, precache };
}
