// The data folder's lock: one process at a time may write a data folder's photos (the packs under
// `blobs/` take their offsets from the files' ends, which only one writer can keep right).
//
// The scheme: `<data>/LOCK` is a small SQLite file, and the holder keeps an exclusive transaction
// open on it for as long as it runs. That is a kernel lock (fcntl), held per connection, so:
// - a second process, or a second store in the same process, is refused at once;
// - the lock goes away with its process, however it ends (kill -9, a crash, a power cut): there
//   is no stale lock to detect or remove by hand, and no pid to mistake for another after a reboot
//   or in a container.
// Beside it, `<data>/LOCK.holder` says who holds it (pid, host, since, command), for the refusal
// message only; the kernel lock is the truth. Like SQLite's WAL, this needs a local disk (not NFS).
// Nothing else may open `<data>/LOCK` in the holding process: closing any other descriptor of the
// file would drop the process's fcntl locks on it.
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import * as z from 'zod';

export type LockHolder = { pid: number; host: string; since: string; command: string };

/** `LOCK.holder` as read back: only for the refusal message, so a missing command is no matter. */
const HolderFileSchema = z.object({
  pid: z.number(),
  host: z.string(),
  since: z.string(),
  command: z.string().optional(),
});

export type DataLock = { readonly holder: LockHolder; release(): void };

/** Another process (or store) holds the data folder: `holder` says which, when it is known. */
export class DataFolderLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      `the data folder ${dataDir} is in use by ${
        holder
          ? `pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.command})`
          : 'another process'
      }; stop that one first, or give this one another --data folder`,
    );
    this.name = 'DataFolderLockedError';
  }
}

const BUSY = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/** Takes the data folder's lock, or throws `DataFolderLockedError` naming who holds it. */
export function lockDataFolder(dataDir: string): DataLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'LOCK');
  const holderFile = join(dataDir, 'LOCK.holder');
  let db: SqliteDatabase.Database | undefined;
  try {
    db = new SqliteDatabase(file, { timeout: 0 });
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db?.close();
    if (BUSY.has(String((e as { code?: unknown }).code)))
      throw new DataFolderLockedError(dataDir, readHolder(holderFile));
    throw new Error(`cannot lock the data folder ${dataDir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const lockDb = db;
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: [basename(process.argv[1] ?? process.title), ...process.argv.slice(2, 3)].join(' '),
  };
  try {
    const temp = `${holderFile}.${process.pid}`;
    writeFileSync(temp, `${JSON.stringify(holder)}\n`);
    renameSync(temp, holderFile);
  } catch {
    /* only the refusal message of another process misses it (a full disk, say) */
  }
  let held = true;
  return {
    holder,
    release() {
      if (!held) return;
      held = false;
      lockDb.close();
    },
  };
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = HolderFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return h.success ? { ...h.data, command: h.data.command ?? '' } : undefined;
  } catch {
    return undefined;
  }
}
