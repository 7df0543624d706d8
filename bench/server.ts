// The real server as a child process (`rekap serve --demo`), and the CLI commands the benchmark
// runs against its data (kpps-token, rebuild --check).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, tokenRows } from '../test/support/cli.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REKAP = join(ROOT, 'bin', 'rekap.mjs');

export type Backend = 'sqlite' | 'postgres';

export type ServerHandle = {
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
};

/** Every child still running, so that a failure or Ctrl-C can end them. */
const children = new Set<ChildProcess>();

export function killAllChildrenNow(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export { freePort };

function storeArgs(dataDir: string, dbUrl: string | undefined): string[] {
  return ['--data', dataDir, ...(dbUrl ? ['--db', dbUrl] : [])];
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((res) => {
    const t = setTimeout(() => res(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      res(true);
    });
  });
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts `rekap serve --demo` and waits until GET /healthz answers. */
export async function startServer(opts: {
  dataDir: string;
  dbUrl?: string | undefined;
  timeoutMs?: number;
}): Promise<ServerHandle> {
  const port = await freePort();
  const logFile = join(opts.dataDir, 'server.log');
  const log = createWriteStream(logFile);
  await new Promise((r) => log.once('open', r));
  const child = spawn(
    process.execPath,
    [
      // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
      ...(process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
      REKAP,
      'serve',
      '--demo',
      ...storeArgs(opts.dataDir, opts.dbUrl),
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      // ~1,000 requests/s from one address: the benchmark measures the server, not its limits.
      '--rate-limit',
      'off',
    ],
    { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', log, log] },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitExit(child, 10_000))) {
        child.kill('SIGKILL');
        await waitExit(child, 5_000);
      }
    }
    log.end();
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(logFile)}`,
      );
    }
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `server not healthy after ${opts.timeoutMs ?? 120_000} ms:\n${tail(logFile)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, pid: child.pid!, logFile, stop };
}

/** Runs one `rekap` command; resolves with its exit code and output. */
export function rekap(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [REKAP, ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', rej);
    child.once('close', (code, signal) => {
      children.delete(child);
      res({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** `rekap kpps-token --region CODE --csv`: a token per TPS. */
export async function provisionTokens(
  region: string,
  dataDir: string,
  dbUrl: string | undefined,
): Promise<Map<string, string>> {
  const r = await rekap(['kpps-token', '--region', region, '--csv', ...storeArgs(dataDir, dbUrl)]);
  if (r.code !== 0) throw new Error(`kpps-token failed (${r.code}): ${r.stderr.trim()}`);
  return new Map(tokenRows(r.stdout).map((row) => [row.tps, row.token]));
}

export type CheckResult = {
  ok: boolean;
  exitCode: number;
  /** Submissions the store holds, from the command's "ok" line. */
  submissions: number | null;
  output: string;
  ms: number;
};

/** `rekap rebuild --check`: do the live totals equal a recount of the submissions? */
export async function rebuildCheck(
  dataDir: string,
  dbUrl: string | undefined,
): Promise<CheckResult> {
  const started = Date.now();
  const r = await rekap(['rebuild', '--check', ...storeArgs(dataDir, dbUrl)]);
  const m = /recount of (\d+) (?:submissions|versions)/.exec(r.stdout);
  return {
    ok: r.code === 0,
    exitCode: r.code,
    submissions: m?.[1] ? Number(m[1]) : null,
    output: (r.stdout + r.stderr).trim().split('\n').slice(0, 8).join('\n'),
    ms: Date.now() - started,
  };
}
