// A long-running `rekap` command (serve, worker) as a child process with its own log file: started,
// waited for, stopped politely or killed -9. The multi-process test, the scale benchmark and the
// trial setup run several at once (issue 15); every child still running is ended on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REKAP = join(ROOT, 'bin', 'rekap.mjs');

export type RekapProcess = {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Still running (neither exited nor killed). */
  alive(): boolean;
  /** Resolves with the exit code (or signal) once it has ended. */
  exited(): Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 15 s) if it has not ended. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: a machine that dies, with nothing flushed or closed. */
  kill9(): Promise<void>;
  /** The last lines of its log, for a failure message. */
  tail(lines?: number): string;
};

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export type SpawnOptions = {
  /** Names it in messages and its log file (`<logDir>/<name>.log`). */
  name: string;
  /** Arguments after `rekap`, e.g. ['serve', '--port', '8081', ...]. */
  args: string[];
  logDir: string;
  env?: NodeJS.ProcessEnv;
  /** Node's own arguments (e.g. --cpu-prof). */
  nodeArgs?: string[];
};

export async function spawnRekap(opts: SpawnOptions): Promise<RekapProcess> {
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const log = createWriteStream(logFile);
  await new Promise((r) => log.once('open', r));
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), REKAP, ...opts.args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...opts.env },
    stdio: ['ignore', log, log],
  });
  children.add(child);
  const ended = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      log.end();
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  const within = (ms: number) =>
    Promise.race([ended.then(() => true), new Promise<boolean>((r) => setTimeout(r, ms, false))]);
  const tail = (lines = 30) => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  return {
    name: opts.name,
    pid: child.pid!,
    logFile,
    alive,
    exited: () => ended,
    async stop(graceMs = 15_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      if (!(await within(graceMs))) {
        child.kill('SIGKILL');
        await ended;
      }
    },
    async kill9() {
      if (!alive()) return;
      child.kill('SIGKILL');
      await ended;
    },
    tail,
  };
}

/** Waits until `url` answers 2xx (a server's /healthz), failing early if the process ends. */
export async function waitHealthy(
  proc: RekapProcess,
  url: string,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.alive())
      throw new Error(
        `${proc.name} exited (${await proc.exited()}) before it was ready:\n${proc.tail()}`,
      );
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${proc.name} not healthy after ${timeoutMs} ms:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
