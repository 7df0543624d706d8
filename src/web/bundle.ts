// What both the portal's and the field app's assets are made of: a served file (WebAsset) and
// browser bundles built with esbuild (bundleBrowser: one file; bundleBrowserSplit: an ES module
// entry and the chunks its import() calls load). assets.ts and field-assets.ts both import this
// module, and it imports neither of them.
import type { BuildOptions, Plugin } from 'esbuild';

export type WebAsset = { body: Buffer; contentType: string };

const OPTIONS = {
  bundle: true,
  write: false,
  target: 'es2020',
  platform: 'browser',
  minify: true,
  legalComments: 'none',
  logLevel: 'silent',
} satisfies BuildOptions;

/**
 * TensorFlow.js's wasm backend bundles the loader of its multithreaded variant (55 kB), which runs
 * only where SharedArrayBuffer is available, that is on a cross-origin isolated page: Rekap's
 * pages are not (no COOP/COEP headers), and the field app's reader turns the variant off. Both of
 * its modules are replaced by stubs that throw if ever called.
 */
const noThreadedTfjs: Plugin = {
  name: 'no-threaded-tfjs',
  setup(b) {
    b.onResolve({ filter: /tfjs-backend-wasm-threaded-simd(\.worker)?\.js$/ }, (args) => ({
      path: args.path.endsWith('.worker.js') ? 'worker' : 'factory',
      namespace: 'no-threaded-tfjs',
    }));
    b.onLoad({ filter: /.*/, namespace: 'no-threaded-tfjs' }, (args) => ({
      contents:
        args.path === 'worker'
          ? "export const wasmWorkerContents = '';"
          : "export default function () { throw new Error('tfjs: the threaded wasm backend is not bundled'); }",
      loader: 'js',
    }));
  },
};

/** One browser bundle, in memory. esbuild loads only when something is bundled. */
export async function bundleBrowser(
  entry: string,
  format: 'esm' | 'iife',
  define: Record<string, string> = {},
): Promise<Buffer> {
  const { build } = await import('esbuild');
  const out = await build({
    ...OPTIONS,
    entryPoints: [entry],
    format,
    define,
    plugins: [noThreadedTfjs],
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return Buffer.from(file.contents);
}

/**
 * ES module entries (output name -> source) split at their import() calls, in memory: `{name}.js`
 * for each entry and a `chunk-{hash}.js` for each piece loaded later or shared, keyed by file
 * name. The files import each other by relative URL, so they are served side by side in one
 * folder. A module that is also an entry keeps its name where another imports it.
 */
export async function bundleBrowserSplit(
  entries: Record<string, string>,
): Promise<Map<string, Buffer>> {
  const { build } = await import('esbuild');
  const out = await build({
    ...OPTIONS,
    entryPoints: entries,
    format: 'esm',
    splitting: true,
    outdir: '/out',
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    plugins: [noThreadedTfjs],
  });
  const files = new Map<string, Buffer>();
  for (const f of out.outputFiles) {
    const file = f.path.replace(/^.*[\\/]/, '');
    files.set(file, Buffer.from(f.contents));
  }
  for (const [name, entry] of Object.entries(entries))
    if (!files.has(`${name}.js`)) throw new Error(`esbuild produced no ${name}.js for ${entry}`);
  return files;
}
