// What both the portal's and the field app's assets are made of: a served file (WebAsset) and one
// browser bundle built with esbuild (bundleBrowser). assets.ts and field-assets.ts both import this
// module, and it imports neither of them.

export type WebAsset = { body: Buffer; contentType: string };

/** One browser bundle, in memory. esbuild loads only when something is bundled. */
export async function bundleBrowser(
  entry: string,
  format: 'esm' | 'iife',
  define: Record<string, string> = {},
): Promise<Buffer> {
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format,
    target: 'es2020',
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    define,
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return Buffer.from(file.contents);
}
