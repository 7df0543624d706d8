// The web apps as the server serves them, keyed by URL path. Built once: `npm run build` (which
// `npm install` runs) bundles the TypeScript with esbuild (bundleWebAssets) and writes the result
// to dist/web/ with a manifest (writeWebAssets); `rekap serve` loads those files (loadWebAssets),
// so it starts without compiling anything. Run from the TypeScript sources (tests, scripts), the
// server bundles them in memory instead, so a changed source is never served stale.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleBrowser, type WebAsset } from './bundle.ts';
import { buildFieldAssets } from './field-assets.ts';
import { buildMapAssets, bundleMapChunk } from './map-assets.ts';

export type { WebAsset } from './bundle.ts';

/** True when this module runs as TypeScript (tests, scripts), false when built (`rekap`). */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The folder of the web sources (src/web/). */
const SOURCE_DIR = fileURLToPath(new URL('./', import.meta.url));

/** Where `npm run build` writes the web apps: dist/web/ of the package. */
const PREBUILT_DIR = fileURLToPath(
  new URL(FROM_SOURCE ? '../../dist/web/' : '../../web/', import.meta.url),
);

/**
 * Bundles the web apps from their sources in `webDir` (src/web/) and returns them keyed by URL
 * path, e.g. '/', '/index.html', '/portal.js', '/styles.css', the KPPS field app under '/kpps/' and the review queue under '/operator/'.
 */
export async function bundleWebAssets(webDir = SOURCE_DIR): Promise<Map<string, WebAsset>> {
  const [html, js, css, icon, field, opHtml, opJs, opCss, map, peta] = await Promise.all([
    readFile(join(webDir, 'portal/index.html')),
    bundleBrowser(join(webDir, 'portal/main.ts'), 'esm'),
    // The portal's one stylesheet, with the map panel's rules (portal/map.css) after its own.
    Promise.all(['styles.css', 'map.css'].map((f) => readFile(join(webDir, 'portal', f)))).then(
      (parts) => Buffer.concat(parts),
    ),
    readFile(join(webDir, 'portal/favicon.svg')),
    buildFieldAssets(webDir),
    readFile(join(webDir, 'operator/index.html')),
    bundleBrowser(join(webDir, 'operator/main.ts'), 'esm'),
    readFile(join(webDir, 'operator/styles.css')),
    // The portal's map chunk and MapLibre's worker, loaded only when a map is shown (map-assets.ts).
    buildMapAssets(webDir),
    // The signal map page (src/web/peta/): its page, script, stylesheet and its map chunk.
    Promise.all([
      readFile(join(webDir, 'peta/index.html')),
      bundleBrowser(join(webDir, 'peta/main.ts'), 'esm'),
      readFile(join(webDir, 'peta/styles.css')),
      bundleMapChunk(join(webDir, 'peta/map.ts')),
    ]),
  ]);
  const [petaHtml, petaJs, petaCss, petaMap] = peta;
  const petaPage: WebAsset = { body: petaHtml, contentType: 'text/html; charset=utf-8' };
  const page: WebAsset = { body: html, contentType: 'text/html; charset=utf-8' };
  const opPage: WebAsset = { body: opHtml, contentType: 'text/html; charset=utf-8' };
  return new Map<string, WebAsset>([
    ['/', page],
    ['/index.html', page],
    ['/portal.js', { body: js, contentType: 'text/javascript; charset=utf-8' }],
    ['/styles.css', { body: css, contentType: 'text/css; charset=utf-8' }],
    ['/favicon.svg', { body: icon, contentType: 'image/svg+xml' }],
    ...map,
    // The KPPS field app (field-assets.ts).
    ...field,
    // The operators' review queue (src/web/operator/).
    ['/operator/', opPage],
    ['/operator/index.html', opPage],
    ['/operator/operator.js', { body: opJs, contentType: 'text/javascript; charset=utf-8' }],
    ['/operator/styles.css', { body: opCss, contentType: 'text/css; charset=utf-8' }],
    // The signal map (/peta/, issue 14).
    ['/peta/', petaPage],
    ['/peta/index.html', petaPage],
    ['/peta/peta.js', { body: petaJs, contentType: 'text/javascript; charset=utf-8' }],
    ['/peta/peta-map.js', { body: petaMap, contentType: 'text/javascript; charset=utf-8' }],
    ['/peta/styles.css', { body: petaCss, contentType: 'text/css; charset=utf-8' }],
  ]);
}

type Manifest = {
  /** When the build ran (ISO 8601). */
  built: string;
  /** URL path -> file (below the manifest's folder, named by a hash of its bytes) and type. */
  assets: Record<string, { file: string; contentType: string }>;
};

const MANIFEST = 'manifest.json';

/** Writes `assets` to `dir` (emptied first): one file per distinct body, and manifest.json. */
export async function writeWebAssets(assets: Map<string, WebAsset>, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const manifest: Manifest = { built: new Date().toISOString(), assets: {} };
  const written = new Set<string>();
  for (const [url, asset] of assets) {
    const hash = createHash('sha256').update(asset.body).digest('hex').slice(0, 20);
    const file = `${hash}${extname(url) || (asset.contentType.startsWith('text/html') ? '.html' : '')}`;
    if (!written.has(file)) {
      await writeFile(join(dir, file), asset.body);
      written.add(file);
    }
    manifest.assets[url] = { file, contentType: asset.contentType };
  }
  await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
}

/** Reads what writeWebAssets wrote; a clear error when it is not there. */
export async function loadWebAssets(dir = PREBUILT_DIR): Promise<Map<string, WebAsset>> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`the web apps are not built (no ${join(dir, MANIFEST)}): run npm run build`, {
        cause: e,
      });
    throw e;
  }
  const bodies = new Map<string, Promise<Buffer>>();
  const entries = await Promise.all(
    Object.entries(manifest.assets).map(async ([url, { file, contentType }]) => {
      let body = bodies.get(file);
      if (!body) bodies.set(file, (body = readFile(join(dir, file))));
      return [url, { body: await body, contentType }] as [string, WebAsset];
    }),
  );
  return new Map(entries);
}

/**
 * The web apps for the server: the prebuilt ones (dist/web/) when running built JavaScript, or
 * bundled in memory from the sources when running TypeScript.
 */
export function buildWebAssets(): Promise<Map<string, WebAsset>> {
  return FROM_SOURCE ? bundleWebAssets() : loadWebAssets();
}
