// How fast Rekap comes up: `rekap --help` (the cost of starting any CLI command) and `rekap serve`
// until GET /healthz answers, on a fresh data folder and on a restart of one that holds the demo
// election (what recovery after a crash looks like). Each is run several times; the JSON gives
// every run and the median.
//   node bin/run-ts.mjs bench/startup.ts [--runs N] [--out FILE]   (default bench/results/startup.json)
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine } from './report.ts';
import { freePort, ROOT } from './server.ts';

const REKAP = join(ROOT, 'bin', 'rekap.mjs');

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, out: { type: 'string' } },
  strict: true,
});
const runs = Number(args.runs);
const out = args.out ?? join(ROOT, 'bench', 'results', 'startup.json');

/** Milliseconds from spawn to exit of `rekap ...args`. */
function timeCommand(cmd: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const started = performance.now();
    const child = spawn(process.execPath, [REKAP, ...cmd], { stdio: 'ignore' });
    child.once('error', rej);
    child.once('exit', (code) => {
      if (code !== 0) rej(new Error(`rekap ${cmd.join(' ')} exited ${code}`));
      else res(performance.now() - started);
    });
  });
}

/** Milliseconds from spawn of `rekap serve` to its first 200 on /healthz; then stops it. */
async function timeServe(dataDir: string, extra: string[] = []): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [REKAP, 'serve', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1', ...extra],
    { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  let exited = false;
  const gone = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  try {
    for (;;) {
      if (exited) throw new Error('rekap serve exited before it answered');
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`, {
          signal: AbortSignal.timeout(1000),
        });
        if (r.ok) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 60_000) throw new Error('no answer within 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await gone;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const round = (xs: number[]) => xs.map((x) => Math.round(x));

const help: number[] = [];
for (let i = 0; i < runs; i++) help.push(await timeCommand(['--help']));

const fresh: number[] = [];
const restart: number[] = [];
const demo = await mkdtemp(join(tmpdir(), 'rekap-startup-'));
try {
  for (let i = 0; i < runs; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'rekap-startup-'));
    try {
      fresh.push(await timeServe(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  // The first start loads the demo election; the timed ones find it there.
  await timeServe(demo, ['--demo']);
  for (let i = 0; i < runs; i++) restart.push(await timeServe(demo, ['--demo']));
} finally {
  await rm(demo, { recursive: true, force: true });
}

const result = {
  date: new Date().toISOString(),
  machine: machine(),
  runs,
  helpMs: { median: Math.round(median(help)), all: round(help) },
  serveFreshMs: { median: Math.round(median(fresh)), all: round(fresh) },
  serveRestartDemoMs: { median: Math.round(median(restart)), all: round(restart) },
  notes: [
    'helpMs: spawn of `node bin/rekap.mjs --help` to its exit.',
    'serveFreshMs: spawn of `rekap serve` on an empty data folder to the first 200 on /healthz.',
    'serveRestartDemoMs: the same on a folder that already holds the demo election (a restart).',
  ],
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `rekap --help: ${result.helpMs.median} ms; serve (fresh): ${result.serveFreshMs.median} ms; ` +
    `serve (restart, demo): ${result.serveRestartDemoMs.median} ms (median of ${runs}) -> ${out}`,
);
