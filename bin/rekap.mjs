#!/usr/bin/env node
// The `rekap` command. It runs the plain JavaScript that `npm run build` writes to dist/ (`npm
// install` and `npm ci` run that build as the `prepare` script), so nothing is compiled at run time.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'rekap: not built yet (no dist/src/cli/main.js): run npm run build (npm install does it too)\n',
  );
  process.exit(1);
}
// With REKAP_DEBUG=1 (or LOG_LEVEL=debug) a failure prints its stack, in TypeScript lines.
if (process.env.REKAP_DEBUG === '1' || process.env.LOG_LEVEL === 'debug')
  process.setSourceMapsEnabled(true);
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
// A command that failed has said why; a half-open connection must not keep it from ending.
if (code !== 0) process.exit(code);
