// Counting what the server stored (rows of the tables a request can add to, bytes of blobs and
// uploads), read-only beside the running server: a refused request must leave the counts as they were.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

const COUNTED_TABLES = ['submissions', 'photos', 'photo_uploads', 'devices', 'signal_observations'];
export type Counts = Record<string, number>;

export type Counter = { counts(): Promise<Counts>; close(): Promise<void> };

export function sqliteCounter(dataDir: string): Counter {
  let db: SqliteDatabase.Database | undefined;
  return {
    counts() {
      db ??= new SqliteDatabase(join(dataDir, 'rekap.sqlite'), {
        readonly: true,
        fileMustExist: true,
      });
      const out: Counts = {};
      for (const t of COUNTED_TABLES)
        try {
          out[t] = (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n;
        } catch {
          /* a table that a newer schema renamed: not counted */
        }
      return Promise.resolve(out);
    },
    close() {
      db?.close();
      return Promise.resolve();
    },
  };
}

export function postgresCounter(url: string): Counter {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: u.toString(),
    max: 1,
    options: `-c search_path=${schema} -c default_transaction_read_only=on`,
  });
  return {
    async counts() {
      const out: Counts = {};
      for (const t of COUNTED_TABLES)
        try {
          out[t] = Number(
            (await pool.query<{ n: string }>(`select count(*) as n from ${t}`)).rows[0]?.n,
          );
        } catch {
          /* not counted */
        }
      return out;
    },
    close: () => pool.end(),
  };
}

export async function dirBytes(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return { files, bytes };
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const sub = await dirBytes(p);
      files += sub.files;
      bytes += sub.bytes;
    } else if (e.isFile()) {
      files++;
      bytes += (await stat(p).catch(() => ({ size: 0 }))).size;
    }
  }
  return { files, bytes };
}
