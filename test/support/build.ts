// Vitest's global setup: before any test file runs, dist/ is brought up to date with the sources
// (`node bin/build.mjs --if-stale`, nothing to do when current), so that the tests that run
// the `rekap` command (bin/rekap.mjs runs dist/) never test a stale build.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['bin/build.mjs', '--if-stale'], {
    cwd: root,
    stdio: 'inherit',
  });
}
