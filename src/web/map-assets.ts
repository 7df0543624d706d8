// The portal's map as the server serves it (src/web/portal/map.ts, map-loader.ts): its chunk,
// /portal-map.js, MapLibre GL's CSP build bundled with the portal's map code and loaded only when
// the map is wanted, and MapLibre's worker as /portal-map-worker.js (the CSP build's worker is a
// file of its own, so the page needs no blob: workers). The map's stylesheet rules are part of the
// portal's one stylesheet (assets.ts).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import type { WebAsset } from './bundle.ts';

const require = createRequire(import.meta.url);
const JS = 'text/javascript; charset=utf-8';

/** `maplibre-gl` is its CSP build here (same API; its worker loaded from a URL, not a blob). */
export const maplibreCsp: Plugin = {
  name: 'maplibre-csp',
  setup(b) {
    b.onResolve({ filter: /^maplibre-gl$/ }, () => ({
      path: require.resolve('maplibre-gl/dist/maplibre-gl-csp.js'),
    }));
  },
};

/** One map chunk (an ES module with MapLibre's CSP build in it): the portal's, the map page's. */
export async function bundleMapChunk(entry: string): Promise<Buffer> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    minify: true,
    // MapLibre's licence (BSD-3-Clause) asks that its notice stay with the code.
    legalComments: 'inline',
    logLevel: 'silent',
    plugins: [maplibreCsp],
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for the map chunk ${entry}`);
  return Buffer.from(file.contents);
}

export async function buildMapAssets(webDir: string): Promise<[string, WebAsset][]> {
  const [chunk, worker] = await Promise.all([
    bundleMapChunk(join(webDir, 'portal/map.ts')),
    readFile(require.resolve('maplibre-gl/dist/maplibre-gl-csp-worker.js')),
  ]);
  return [
    ['/portal-map.js', { body: chunk, contentType: JS }],
    ['/portal-map-worker.js', { body: worker, contentType: JS }],
  ];
}
