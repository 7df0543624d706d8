// A PostgreSQL primary and a streaming-replication standby of its own, for the tests of public
// reads from a read replica (`rekap serve --read-db`). Both run from this machine's PostgreSQL
// binaries in a temporary folder, on free ports: the primary from initdb, the standby from
// pg_basebackup of it, with hot_standby so it answers read-only queries. The test can pause the
// standby's replay (to see a replica that lags), wait until it has caught up, and stop it dead
// (to see a replica that is gone). The server refuses to run as root, so as root every binary runs
// as the `postgres` user through runuser; as any other user it runs as that user.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './nats-cluster.ts';

export interface PgPair {
  /** postgres://postgres@127.0.0.1:PORT/postgres on the primary. */
  primaryUrl: string;
  /** The same on the standby's port; read-only (hot_standby). */
  standbyUrl: string;
  /** Pauses replay on the standby and waits until it has taken effect. */
  pauseReplay(): Promise<void>;
  /** Resumes replay on the standby. */
  resumeReplay(): Promise<void>;
  /** Waits until the standby has replayed the primary's WAL as written at the call
   * (pg_current_wal_lsn), which covers every commit that has returned (synchronous_commit on,
   * the default). */
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  /** Stops the standby at once (`pg_ctl stop -m immediate`), as if its machine were lost. */
  stopStandby(): Promise<void>;
  /** Stops both (immediate) and removes their folders; idempotent. */
  stop(): Promise<void>;
}

const NEEDED = ['initdb', 'pg_ctl', 'pg_basebackup'];
const WAIT_MS = 60_000;

function hasBinaries(dir: string): boolean {
  return NEEDED.every((b) => existsSync(join(dir, b)));
}

/** The folder of initdb, pg_ctl and pg_basebackup ($REKAP_PG_BINDIR, version 15, the newest
 * under /usr/lib/postgresql, or `pg_config --bindir`), or null when there is none. */
export function pgBinaries(): string | null {
  const candidates: string[] = [];
  if (process.env.REKAP_PG_BINDIR) candidates.push(process.env.REKAP_PG_BINDIR);
  candidates.push('/usr/lib/postgresql/15/bin');
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    // no Debian-style layout
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (dir) candidates.push(dir);
  } catch {
    // no pg_config on PATH
  }
  return candidates.find(hasBinaries) ?? null;
}

const isRoot = () => process.getuid?.() === 0;

/** Why a pair cannot be started here, or null when it can. */
function pairProblem(): string | null {
  const bin = pgBinaries();
  if (!bin)
    return 'no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup); set REKAP_PG_BINDIR';
  if (isRoot()) {
    if (!existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser'))
      return 'running as root and there is no runuser to run PostgreSQL as another user';
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return "running as root and there is no 'postgres' user to run PostgreSQL as";
    }
  }
  return null;
}

let available: Promise<boolean> | undefined;

/** Whether startPgPair can work here; without it tests skip with a message, except in CI, where
 * it throws. */
export function pgPairAvailable(): Promise<boolean> {
  available ??= Promise.resolve().then(() => {
    const problem = pairProblem();
    if (!problem) return true;
    if (process.env.CI)
      throw new Error(`a PostgreSQL primary and standby are required in CI: ${problem}`);
    console.warn(`skipping PostgreSQL replica tests: ${problem}`);
    return false;
  });
  return available;
}

type Run = { stdout: string; stderr: string };

/** The environment without PG* variables (PGSSLMODE, PGHOST, ...), which would otherwise steer
 * pg_basebackup and the servers away from the pair. */
function pgFreeEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
}

/** Runs one PostgreSQL binary, as `postgres` when we are root; rejects with its output. */
function runPg(bin: string, tool: string, args: string[], cwd: string): Promise<Run> {
  const file = join(bin, tool);
  const [cmd, argv] = isRoot()
    ? ['runuser', ['-u', 'postgres', '--', file, ...args]]
    : [file, args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { cwd, env: pgFreeEnv(), timeout: WAIT_MS * 2 }, (err, stdout, stderr) => {
      // err.message holds the command line and its stderr.
      if (err) reject(new Error(`${tool} failed: ${err.message}\n${stdout}`, { cause: err }));
      else resolve({ stdout, stderr });
    });
  });
}

async function logTail(path: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5000,
    ssl: false,
  });
  try {
    await client.connect();
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; on timeout throws with `describe()`'s account. */
async function until(
  what: string,
  check: () => Promise<boolean>,
  describe: () => Promise<string>,
  timeoutMs = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${why}\n${await describe()}`,
      );
    }
    await sleep(50);
  }
}

// Clusters still running when the process exits (a test that never reached stop) are stopped
// there, synchronously, so no postmaster outlives the test run.
const running = new Map<string, { bin: string; dataDirs: string[] }>();
let exitHook = false;
function stopAllAtExit() {
  for (const [dir, { bin, dataDirs }] of running) {
    for (const d of dataDirs) {
      if (!existsSync(join(d, 'postmaster.pid'))) continue;
      const file = join(bin, 'pg_ctl');
      const args = ['-D', d, '-m', 'immediate', 'stop'];
      try {
        if (isRoot())
          execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], {
            cwd: dir,
            stdio: 'ignore',
          });
        else execFileSync(file, args, { cwd: dir, stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    try {
      execFileSync('rm', ['-rf', dir], { stdio: 'ignore' });
    } catch {
      // best effort
    }
  }
  running.clear();
}

/** Starts a primary and a streaming standby of it; resolves once the standby streams and answers
 * read-only queries. On failure it stops what it started and throws with the logs' tails. */
export async function startPgPair(): Promise<PgPair> {
  const problem = pairProblem();
  if (problem) throw new Error(`cannot start a PostgreSQL pair: ${problem}`);
  const bin = pgBinaries()!;
  const dir = await mkdtemp(join(tmpdir(), 'rekap-pgpair-'));
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    await chown(dir, uid, gid);
  }
  const primaryDir = join(dir, 'primary');
  const standbyDir = join(dir, 'standby');
  const primaryLog = join(dir, 'primary.log');
  const standbyLog = join(dir, 'standby.log');
  running.set(dir, { bin, dataDirs: [standbyDir, primaryDir] });
  if (!exitHook) {
    exitHook = true;
    process.once('exit', stopAllAtExit);
  }

  const pgCtlStart = (dataDir: string, log: string) =>
    runPg(bin, 'pg_ctl', ['-D', dataDir, '-l', log, '-w', '-t', '60', 'start'], dir);
  const pgCtlStop = async (dataDir: string) => {
    if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
    await runPg(bin, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], dir).catch(
      () => undefined,
    );
  };
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await pgCtlStop(standbyDir);
      await pgCtlStop(primaryDir);
      await rm(dir, { recursive: true, force: true });
      running.delete(dir);
    })();
    return stopping;
  };
  const logs = async () =>
    `--- primary log (${primaryLog}):\n${await logTail(primaryLog)}\n` +
    `--- standby log (${standbyLog}):\n${await logTail(standbyLog)}`;

  let primaryUrl = '';
  let standbyUrl = '';
  try {
    const primaryPort = await freePort();
    let standbyPort = await freePort();
    while (standbyPort === primaryPort) standbyPort = await freePort();
    primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
    standbyUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;

    await runPg(
      bin,
      'initdb',
      ['-D', primaryDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '-N'],
      dir,
    );
    await appendFile(
      join(primaryDir, 'pg_hba.conf'),
      '\nhost replication all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\n',
    );
    await appendFile(
      join(primaryDir, 'postgresql.conf'),
      [
        '',
        `port = ${primaryPort}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${dir}'`,
        'wal_level = replica',
        'max_wal_senders = 5',
        "wal_keep_size = '128MB'",
        'fsync = off',
        "shared_buffers = '16MB'",
        'max_connections = 50',
        'hot_standby = on',
        '',
      ].join('\n'),
    );
    await pgCtlStart(primaryDir, primaryLog);

    await runPg(
      bin,
      'pg_basebackup',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(primaryPort),
        '-U',
        'postgres',
        '-D',
        standbyDir,
        '-R',
        '-X',
        'stream',
        '-c',
        'fast',
        '-N',
      ],
      dir,
    );
    // Later lines win: the copied postgresql.conf still names the primary's port.
    await appendFile(
      join(standbyDir, 'postgresql.conf'),
      `\n# standby\nport = ${standbyPort}\nunix_socket_directories = '${dir}'\nhot_standby = on\n`,
    );
    await pgCtlStart(standbyDir, standbyLog);

    await until(
      'the standby to answer in recovery and stream from the primary',
      async () => {
        const [row] = await query<{ recovery: boolean; status: string | null }>(
          standbyUrl,
          'select pg_is_in_recovery() as recovery, (select status from pg_stat_wal_receiver) as status',
        );
        if (row && !row.recovery) throw new Error('the standby is not in recovery');
        return row?.status === 'streaming';
      },
      logs,
    );
  } catch (e) {
    const tails = await logs();
    await stop();
    throw new Error(`${(e as Error).message}\n${tails}`, { cause: e });
  }

  return {
    primaryUrl,
    standbyUrl,
    async pauseReplay() {
      await query(standbyUrl, 'select pg_wal_replay_pause()');
      await until(
        'replay on the standby to pause',
        async () => {
          const [row] = await query<{ state: string }>(
            standbyUrl,
            'select pg_get_wal_replay_pause_state() as state',
          );
          return row?.state === 'paused';
        },
        logs,
      );
    },
    async resumeReplay() {
      await query(standbyUrl, 'select pg_wal_replay_resume()');
    },
    async waitCaughtUp(timeoutMs = WAIT_MS) {
      const [target] = await query<{ lsn: string }>(
        primaryUrl,
        'select pg_current_wal_lsn()::text as lsn',
      );
      const lsn = target!.lsn;
      let replayed = '(none)';
      await until(
        `the standby to replay the primary's WAL up to ${lsn}`,
        async () => {
          const [row] = await query<{ replayed: string | null; done: boolean | null }>(
            standbyUrl,
            'select pg_last_wal_replay_lsn()::text as replayed, pg_last_wal_replay_lsn() >= $1::pg_lsn as done',
            [lsn],
          );
          replayed = row?.replayed ?? '(none)';
          return row?.done === true;
        },
        async () => `standby replayed up to ${replayed}\n${await logs()}`,
        timeoutMs,
      );
    },
    async stopStandby() {
      await pgCtlStop(standbyDir);
    },
    stop,
  };
}
