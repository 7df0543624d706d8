// How fast Rekap comes up: `rekap --help` (the cost of starting any CLI command) and `rekap serve`
// until GET /healthz answers, on a fresh data folder and on a restart of one that holds the demo
// election (what recovery after a crash looks like). Each is run several times; the JSON gives
// every run, the median, and the CPU time each process used.
//   node bin/run-ts.mjs bench/startup.ts [--runs N] [--out FILE]   (default bench/results/startup.json)
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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

type Timing = { ms: number; cpuMs: number | null };

/** CPU time (user + system) a running process has used so far, from /proc (Linux). */
function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return null;
  }
}

/** Milliseconds from spawn to exit of `rekap ...args`, and its CPU time (via /usr/bin/time). */
function timeCommand(cmd: string[]): Promise<Timing> {
  const timed = existsSync('/usr/bin/time');
  const report = join(tmpdir(), `rekap-startup-time-${process.pid}`);
  return new Promise((res, rej) => {
    const started = performance.now();
    const argv = [process.execPath, REKAP, ...cmd];
    const child = timed
      ? spawn('/usr/bin/time', ['-f', '%U %S', '-o', report, ...argv], { stdio: 'ignore' })
      : spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.once('error', rej);
    child.once('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return rej(new Error(`rekap ${cmd.join(' ')} exited ${code}`));
      let cpuMs: number | null = null;
      if (timed) {
        const [user, sys] = readFileSync(report, 'utf8').trim().split(/\s+/).map(Number);
        cpuMs = Math.round(((user ?? 0) + (sys ?? 0)) * 1000);
      }
      res({ ms, cpuMs });
    });
  });
}

/**
 * Milliseconds from spawn of `rekap serve` to its first 200 on /healthz, and the CPU time it had
 * used by then; then stops it.
 */
async function timeServe(dataDir: string, extra: string[] = []): Promise<Timing> {
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
        if (r.ok) return { ms: performance.now() - started, cpuMs: cpuMsOf(child.pid!) };
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
  return Math.round(s[Math.floor(s.length / 2)] ?? NaN);
};
const summary = (ts: Timing[]) => {
  const cpu = ts.map((t) => t.cpuMs).filter((c): c is number => c !== null);
  return {
    median: median(ts.map((t) => t.ms)),
    all: ts.map((t) => Math.round(t.ms)),
    cpuMedian: cpu.length ? median(cpu) : null,
  };
};

/** The machine's load when a phase starts: numbers from a busy machine read differently. */
const load = () => Math.round(loadavg()[0]! * 10) / 10;
const loadAt: Record<string, number> = {};

loadAt.help = load();
const help: Timing[] = [];
for (let i = 0; i < runs; i++) help.push(await timeCommand(['--help']));

const fresh: Timing[] = [];
const restart: Timing[] = [];
const demo = await mkdtemp(join(tmpdir(), 'rekap-startup-'));
try {
  loadAt.serveFresh = load();
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
  loadAt.serveRestart = load();
  for (let i = 0; i < runs; i++) restart.push(await timeServe(demo, ['--demo']));
} finally {
  await rm(demo, { recursive: true, force: true });
}

const result = {
  date: new Date().toISOString(),
  machine: machine(),
  runs,
  loadAverageAtStart: loadAt,
  helpMs: summary(help),
  serveFreshMs: summary(fresh),
  serveRestartDemoMs: summary(restart),
  notes: [
    'helpMs: spawn of `node bin/rekap.mjs --help` to its exit.',
    'serveFreshMs: spawn of `rekap serve` on an empty data folder to the first 200 on /healthz.',
    'serveRestartDemoMs: the same on a folder that already holds the demo election (a restart).',
    'cpuMedian: CPU time (user + system) the process used by then; unlike the wall time it hardly',
    'depends on what else the machine runs (loadAverageAtStart: the 1-minute load average).',
  ],
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
const line = (t: ReturnType<typeof summary>) => `${t.median} ms (CPU ${t.cpuMedian ?? '?'} ms)`;
console.log(
  `rekap --help: ${line(result.helpMs)}; serve (fresh): ${line(result.serveFreshMs)}; ` +
    `serve (restart, demo): ${line(result.serveRestartDemoMs)}; median of ${runs}, ` +
    `load ${Object.values(loadAt).join('/')} -> ${out}`,
);
