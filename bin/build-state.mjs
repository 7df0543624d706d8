// Whether dist/ (written by `npm run build`) is older than the sources it was built from: the one
// source file found changed since the build started, or null when the build is current. Used by
// `rekap` to warn and by the tests that run the CLI to refuse a stale build.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Written last by bin/build.mjs: `{ "started": <ms since epoch> }`. */
export const BUILD_STAMP = join(ROOT, 'dist', 'build.json');

function newerThan(dir, since) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = newerThan(path, since);
      if (found) return found;
    } else if (!/\.test\.ts$/.test(entry.name) && statSync(path).mtimeMs > since) return path;
  }
  return null;
}

/** A source file changed since the build (or 'dist/' when there is no build), or null. */
export function staleBuild() {
  let started;
  try {
    started = JSON.parse(readFileSync(BUILD_STAMP, 'utf8')).started;
  } catch {
    return 'dist/';
  }
  const script = join(ROOT, 'bin', 'build.mjs');
  try {
    if (statSync(script).mtimeMs > started) return script;
    return newerThan(join(ROOT, 'src'), started);
  } catch {
    return null; // installed without its sources: nothing to compare
  }
}
