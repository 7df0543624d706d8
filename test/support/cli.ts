// The built `rekap` command (bin/rekap.mjs) run as a child process, and the token CSV it prints.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'rekap.mjs');
const exec = promisify(execFile);

export type Run = { code: number; stdout: string; stderr: string };
export type RunOptions = { env?: NodeJS.ProcessEnv; timeout?: number };

/** `rekap ARGS...` with these options: its exit code and output; a failing exit does not throw. */
export async function rekapWith(options: RunOptions, ...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], options);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as Run;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** `rekap ARGS...` in this process's environment. */
export const rekap = (...args: string[]): Promise<Run> => rekapWith({}, ...args);

/** The rows of `rekap kpps-token --region CODE --csv`: a `tps,token` header, then one a TPS. */
export function tokenRows(csv: string): { tps: string; token: string }[] {
  return parse(csv, { columns: true, skip_empty_lines: true });
}

/** A TCP port free on 127.0.0.1 just now, for a `rekap serve` child to listen on. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}
