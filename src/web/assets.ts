// The web apps as the server serves them: TypeScript bundled in memory with esbuild at start-up,
// HTML, CSS and icons read from beside this file. Nothing is written to disk.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildFieldAssets } from './field-assets.ts';

export type WebAsset = { body: Buffer; contentType: string };

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

async function bundle(entry: string): Promise<Buffer> {
  const out = await build({
    entryPoints: [here(entry)],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return Buffer.from(file.contents);
}

/**
 * Bundles the web apps with esbuild (in memory) and returns them keyed by URL path, e.g. '/',
 * '/index.html', '/portal.js', '/styles.css', and the KPPS field app under '/kpps/'.
 */
export async function buildWebAssets(): Promise<Map<string, WebAsset>> {
  const [html, js, css, icon, field] = await Promise.all([
    readFile(here('./portal/index.html')),
    bundle('./portal/main.ts'),
    readFile(here('./portal/styles.css')),
    readFile(here('./portal/favicon.svg')),
    buildFieldAssets(),
  ]);
  const page: WebAsset = { body: html, contentType: 'text/html; charset=utf-8' };
  return new Map<string, WebAsset>([
    ['/', page],
    ['/index.html', page],
    ['/portal.js', { body: js, contentType: 'text/javascript; charset=utf-8' }],
    ['/styles.css', { body: css, contentType: 'text/css; charset=utf-8' }],
    ['/favicon.svg', { body: icon, contentType: 'image/svg+xml' }],
    // The KPPS field app (field-assets.ts).
    ...field,
  ]);
}
