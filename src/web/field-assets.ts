// The KPPS field app (/kpps/) as the server serves it: the app, its reader worker and its service
// worker bundled with esbuild; the digit model and the TensorFlow.js wasm files read from disk; the
// service worker's precache list (every URL with a hash of its bytes) injected at build time, so a
// phone that loaded the app once works offline from then on. `npm run build` writes the result to
// dist/web/ (assets.ts).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundleBrowser, type WebAsset } from './bundle.ts';

const require = createRequire(import.meta.url);

/** Where the app lives; the service worker's scope. */
const FIELD_BASE = '/kpps/';

const TFJS_WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

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
 * The field app's files keyed by URL path, from the sources in `webDir` (src/web/): '/kpps/', '/kpps/index.html', '/kpps/app.js',
 * '/kpps/reader.js', '/kpps/sw.js', '/kpps/manifest.webmanifest', icons, '/kpps/model.bin' and
 * '/kpps/wasm/*.wasm' (application/wasm).
 */
export async function buildFieldAssets(webDir: string): Promise<Map<string, WebAsset>> {
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
    bundleBrowser(src('field/main.ts'), 'esm'),
    bundleBrowser(src('field/reader-worker.ts'), 'iife'),
    readFile(src('../reader/digits/model.bin')),
    ...TFJS_WASM_FILES.map((f) => readFile(join(wasmDir, f))),
  ]);
  const assets = new Map<string, WebAsset>([
    [`${FIELD_BASE}index.html`, { body: html, contentType: 'text/html; charset=utf-8' }],
    [`${FIELD_BASE}styles.css`, { body: css, contentType: 'text/css; charset=utf-8' }],
    [`${FIELD_BASE}icon.svg`, { body: icon, contentType: 'image/svg+xml' }],
    [`${FIELD_BASE}icon-maskable.svg`, { body: maskable, contentType: 'image/svg+xml' }],
    [
      `${FIELD_BASE}manifest.webmanifest`,
      { body: manifest(), contentType: 'application/manifest+json' },
    ],
    [`${FIELD_BASE}app.js`, { body: app, contentType: JS }],
    [`${FIELD_BASE}reader.js`, { body: reader, contentType: JS }],
    [`${FIELD_BASE}model.bin`, { body: model, contentType: 'application/octet-stream' }],
    ...TFJS_WASM_FILES.map((f, i): [string, WebAsset] => [
      `${FIELD_BASE}wasm/${f}`,
      { body: wasm[i]!, contentType: 'application/wasm' },
    ]),
  ]);
  const precache = [...assets].map(([url, a]) => ({ url, revision: revision(a.body) }));
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
  return assets;
}
