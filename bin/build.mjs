#!/usr/bin/env node
// Builds what `rekap` runs, so that nothing is compiled at run time (`npm run build`; `npm install`
// and `npm ci` run it as the `prepare` script, `npm test` as `pretest`, and the test run itself
// with --if-stale, see test/support/build.ts):
//   dist/src/  every src/**/*.ts except tests, as plain JavaScript (one file each, same folders,
//              relative `.ts` imports rewritten to `.js`), beside a copy of the other files under
//              src/ that the code reads at run time (the digit model, the form template, the demo
//              data, HTML, CSS, icons);
//   dist/vendor/  kysely and zod, bundled into one file each (see VENDORED);
//   dist/web/  the web apps as the server serves them (src/web/assets.ts): the bundled portal and
//              KPPS field app, their pages, the model and wasm files, and manifest.json;
//   dist/build.json  when the build started (bin/build-state.mjs compares it with the sources).
// Everything is written to a staging folder (.dist-stage-PID/) first and swapped in at the end,
// and one build runs at a time (dist/.lock), so a `rekap` started meanwhile finds the old build or
// the new one, whole.
// Plain JavaScript on purpose: it runs before anything else is built.
//   node bin/build.mjs [--if-stale]   (--if-stale: nothing to do when dist/ is current)
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILD_STAMP, staleBuild } from './build-state.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const LOCK = join(DIST, '.lock');
const ifStale = process.argv.includes('--if-stale');

/** Holds dist/.lock (a folder: mkdir is atomic) while `fn` runs; a lock over 5 minutes old is stale. */
async function locked(fn) {
  await mkdir(DIST, { recursive: true });
  for (let waited = 0; ; waited += 100) {
    try {
      await mkdir(LOCK);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const age = await stat(LOCK).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 5 * 60_000) await rmdir(LOCK).catch(() => undefined);
      else if (waited === 0) console.log('rekap build: waiting for another build to finish');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(LOCK).catch(() => undefined);
  }
}

/** Every file below `dir`. */
async function files(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * Pure-JavaScript ES-module packages that `rekap serve` loads at start, each as hundreds of small
 * files (kysely: about 260): bundled into one file each under dist/vendor/, they load in a tenth
 * of the time. Only dist/ uses these copies; tests and scripts run the sources with node_modules.
 */
const VENDORED = ['kysely', 'zod'];

// Each source file becomes one output file: every import stays an import (packages as they are,
// relative ones with `.js` for `.ts`, a vendored package as the relative path of its bundle), so
// the folders stay as they are. JSON modules are the one exception: they are inlined (esbuild
// would drop their `with { type: 'json' }`).
function everyImportExternal(out, vendor) {
  return {
    name: 'every-import-external',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (args.path.startsWith('.') && args.path.endsWith('.json')) return undefined;
        if (args.path.startsWith('.'))
          return { path: args.path.replace(/\.ts$/, '.js'), external: true };
        if (VENDORED.includes(args.path)) {
          const from = join(out, relative(SRC, dirname(args.importer)));
          const to = relative(from, join(vendor, `${args.path}.js`))
            .split(sep)
            .join('/');
          return { path: to.startsWith('.') ? to : `./${to}`, external: true };
        }
        return { path: args.path, external: true };
      });
    },
  };
}

async function buildAll() {
  const started = Date.now();
  // Beside dist/ rather than in it: at the depth of dist/, so the source maps' relative paths
  // hold after the swap.
  const stage = join(ROOT, `.dist-stage-${process.pid}`);
  const out = join(stage, 'src');
  const vendor = join(stage, 'vendor');
  await rm(stage, { recursive: true, force: true });
  const isTest = (file) => /\.test\.[cm]?[jt]s$/.test(file);
  const all = (await files(SRC)).filter((f) => !isTest(f));
  const sources = all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const others = all.filter((f) => !f.endsWith('.ts'));
  try {
    await build({
      entryPoints: sources,
      outbase: SRC,
      outdir: out,
      bundle: true,
      plugins: [everyImportExternal(out, vendor)],
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'warning',
    });
    await build({
      entryPoints: Object.fromEntries(VENDORED.map((name) => [name, name])),
      outdir: vendor,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
    });
    for (const file of others) {
      const to = join(out, relative(SRC, file));
      await mkdir(dirname(to), { recursive: true });
      await copyFile(file, to);
    }
    const compiled = Date.now();
    // The web apps, bundled by the code that serves them (just built), from the sources.
    const assets = await import(pathToFileURL(join(out, 'web', 'assets.js')).href);
    const web = await assets.bundleWebAssets(join(SRC, 'web'));
    await assets.writeWebAssets(web, join(stage, 'web'));
    // The swap: each folder is replaced by one rename; the old one is removed after.
    const old = join(DIST, `.old-${process.pid}`);
    await mkdir(old, { recursive: true });
    for (const part of ['src', 'vendor', 'web']) {
      await rename(join(DIST, part), join(old, part)).catch((e) => {
        if (e.code !== 'ENOENT') throw e;
      });
      await rename(join(stage, part), join(DIST, part));
    }
    await writeFile(BUILD_STAMP, `${JSON.stringify({ started })}\n`);
    await rm(old, { recursive: true, force: true });
    const seconds = (ms) => (ms / 1000).toFixed(1);
    console.log(
      `rekap build: ${sources.length} modules and ${others.length} files to dist/src in ${seconds(compiled - started)} s, ` +
        `${web.size} web assets to dist/web in ${seconds(Date.now() - compiled)} s`,
    );
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

await locked(async () => {
  if (ifStale && !staleBuild()) return;
  await buildAll();
});
