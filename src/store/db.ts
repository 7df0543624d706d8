// Opens the database: the embedded default (a SQLite file in WAL mode) or PostgreSQL, behind the
// same Kysely interface, and brings its schema up to date.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type DatabaseIntrospector,
  type TableMetadata,
} from 'kysely';
import type { Database } from './schema.ts';
import { migrationProvider, type Dialect } from './migrations.ts';

export type Db = {
  db: Kysely<Database>;
  /**
   * For public reads. SQLite: a second, read-only connection, so that reads run beside a write
   * transaction instead of waiting for it (WAL). PostgreSQL: the same pool.
   */
  reader: Kysely<Database>;
  dialect: Dialect;
  describe: string;
  /**
   * Changes whenever another connection or process commits (SQLite's data_version; on PostgreSQL
   * the newest submission's sequence number). With a counter of this process's own commits it
   * tells a reader whether anything it cached may be out of date.
   */
  externalMark(): Promise<string>;
  /** SQLite: the same, at once (a pragma read from the WAL index in shared memory, no I/O). */
  externalMarkNow?: () => string;
  /** SQLite: opens the read-only connection once the schema exists. */
  openReader?: () => Kysely<Database>;
  /**
   * PostgreSQL: the schema that holds this store's tables and its migration bookkeeping
   * (`kysely_migration`, `kysely_migration_lock`), so that stores in other schemas of the same
   * database are never mistaken for this one.
   */
  schema?: string;
  close(): Promise<void>;
};

export type DbOptions = {
  /** `postgres://...` (optionally `?schema=NAME`), or undefined for SQLite under `dataDir`. */
  url?: string | undefined;
  dataDir: string;
  /** Open without writing anything: no migration (the schema must be current), no file created. */
  readOnly?: boolean;
  /**
   * PostgreSQL: a streaming read replica of the store (`--read-db`), opened read-only. Its schema
   * is the primary's as soon as it has replayed it, so it is not checked here: a replica still
   * behind at start fails its first reads (503), not the server's start.
   */
  replica?: boolean;
};

/** Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`). */
export const isPostgresUrl = (url: string | undefined): boolean =>
  url !== undefined && /^postgres(ql)?:\/\//.test(url);

export async function openDb(opts: DbOptions): Promise<Db> {
  const url = opts.url;
  const readOnly = (opts.readOnly ?? false) || (opts.replica ?? false);
  const db =
    url && isPostgresUrl(url)
      ? await openPostgres(url, readOnly)
      : openSqlite(url, opts.dataDir, readOnly);
  const migrator = new Migrator({
    db: db.db,
    provider: migrationProvider(db.dialect),
    ...(db.schema ? { migrationTableSchema: db.schema } : {}),
  });
  if (opts.replica) return db;
  if (readOnly) {
    const pending = (
      await migrator.getMigrations().catch(async (e: unknown) => {
        await db.close();
        throw e;
      })
    ).filter((m) => !m.executedAt);
    if (pending.length > 0) {
      await db.close();
      throw new Error(
        `the database is not at the current schema (missing ${pending.map((m) => m.name).join(', ')}); open it once with \`rekap serve\``,
      );
    }
    if (db.openReader) db.reader = db.openReader();
    return db;
  }
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.close();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    );
  }
  if (db.openReader) db.reader = db.openReader();
  return db;
}

function openSqlite(url: string | undefined, dataDir: string, readOnly = false): Db {
  let file = join(dataDir, 'rekap.sqlite');
  if (url) {
    if (!url.startsWith('sqlite:'))
      throw new Error(`unsupported --db URL: ${url} (use postgres://... or sqlite:FILE)`);
    file = url.slice('sqlite:'.length).replace(/^\/\//, '');
  } else if (!readOnly) mkdirSync(dataDir, { recursive: true });
  const database = new SqliteDatabase(
    file,
    readOnly ? { readonly: true, fileMustExist: true } : {},
  );
  // WAL: readers never block the writer. synchronous=NORMAL keeps every committed transaction
  // through a crash of the process (kill -9); FULL would also cover power loss, at a cost.
  if (!readOnly) {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
  }
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
  });
  let reader: Kysely<Database> | undefined;
  // Prepared once: every public read asks it (change-mark.ts), and preparing costs more than running.
  const dataVersion = database.prepare('PRAGMA data_version').pluck();
  return {
    db,
    reader: db,
    dialect: 'sqlite',
    describe: `sqlite:${file}`,
    externalMark: () => Promise.resolve(String(database.pragma('data_version', { simple: true }))),
    externalMarkNow: () => String(dataVersion.get()),
    openReader() {
      const readOnly = new SqliteDatabase(file, { readonly: true });
      readOnly.pragma('busy_timeout = 5000');
      reader = new Kysely<Database>({
        dialect: new SqliteDialect({ database: withStatementCache(readOnly) }),
      });
      return reader;
    },
    async close() {
      await reader?.destroy();
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; preparing costs more than running most of ours. The store
 * issues a few dozen distinct statements, so keeping them prepared is safe and bounded.
 * (better-sqlite3 statements run synchronously, so one can be reused by consecutive queries.)
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      }
      return (source: string) => {
        let stmt = cache.get(source);
        if (!stmt) {
          stmt = prepare(source);
          if (cache.size >= 500) cache.delete(cache.keys().next().value!);
          cache.set(source, stmt);
        }
        return stmt;
      };
    },
  });
}

async function openPostgres(url: string, readOnly = false): Promise<Db> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name: ${schema}`);
  const connectionString = parsed.toString();
  const safe = new URL(connectionString);
  safe.password = '';
  const cannotOpen = (e: unknown) =>
    new Error(`cannot open the database at ${safe.toString()}: ${reason(e)}`, { cause: e });
  // Loaded here: a store on SQLite never needs it.
  const { default: pg } = await import('pg');
  if (schema && !readOnly) {
    const client = new pg.Client({ connectionString });
    try {
      await client.connect();
      await client.query(`create schema if not exists ${schema}`);
    } catch (e) {
      throw cannotOpen(e);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const pool = new pg.Pool({
    connectionString,
    max: 8,
    ...(schema || readOnly
      ? {
          options: [
            schema ? `-c search_path=${schema}` : '',
            readOnly ? '-c default_transaction_read_only=on' : '',
          ]
            .filter(Boolean)
            .join(' '),
        }
      : {}),
  });
  // A pooled connection the server closes while idle (a restart, a replica lost) is dropped by the
  // pool, which says so here; without a listener that would end the process. The next query
  // connects again or fails, and that failure is reported where it happens.
  pool.on('error', () => undefined);
  // Counts are integers; PostgreSQL's bigint sums come back as strings unless told otherwise.
  pg.types.setTypeParser(20, (v) => Number(v));
  const db = new Kysely<Database>({ dialect: new OwnSchemaDialect({ pool }) });
  // Without ?schema= the store lives in the connection's default schema (public, as it always
  // has); the migrator must look for its bookkeeping there, not in whichever schema has one.
  // The same query says at once whether the database can be reached at all.
  let home: string;
  try {
    const r = await sql<{ s: string | null }>`select current_schema() as s`.execute(db);
    home = schema ?? r.rows[0]?.s ?? 'public';
  } catch (e) {
    await db.destroy();
    throw cannotOpen(e);
  }
  return {
    db,
    reader: db,
    dialect: 'postgres',
    schema: home,
    // Another process's writes: accepted submissions, imports of external results (0003), and
    // everything on the event chain (reviews, re-reads, recap sign-offs, credentials), each the
    // newest key of its table (three index lookups). On a read replica this alone is the public
    // side's mark (store.ts `viewOnReplica`): it moves only when the replica has replayed the rows.
    externalMark: async () => {
      const marks = await db
        .selectNoFrom((eb) => [
          eb
            .selectFrom('submissions')
            .select((e) => e.fn.max('seq').as('m'))
            .as('s'),
          eb
            .selectFrom('external_results')
            .select((e) => e.fn.max('seq').as('m'))
            .as('e'),
          eb
            .selectFrom('events')
            .select((e) => e.fn.max('seq').as('m'))
            .as('v'),
        ])
        .executeTakeFirst();
      return `${marks?.s ?? 0}.${marks?.e ?? 0}.${marks?.v ?? 0}`;
    },
    describe: `${safe.toString()}${schema ? ` (schema ${schema})` : ''}`,
    close: () => db.destroy(),
  };
}

/**
 * Kysely's PostgreSQL introspector, which the migrator asks whether its bookkeeping tables exist,
 * lists every table of every schema and calls `has_schema_privilege` by schema name: a schema
 * another process drops meanwhile (a test beside this one, a second store in the same database)
 * fails the whole query with "schema ... does not exist". This one looks only at the schemas on
 * the connection's search path, by oid, so other schemas coming and going cannot touch it.
 */
class OwnSchemaDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    const ownTables = async (): Promise<TableMetadata[]> => {
      const rows = await sql<{ schema: string; table: string; kind: string }>`
        select ns.nspname as schema, c.relname as table, c.relkind as kind
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
        where c.relkind in ('r', 'v', 'p')
          and ns.nspname = any(current_schemas(false))
        order by ns.nspname, c.relname`.execute(db);
      return rows.rows.map((r) => ({
        name: r.table,
        schema: r.schema,
        isView: r.kind === 'v',
        columns: [],
      }));
    };
    return {
      getSchemas: async () =>
        (await sql<{ name: string }>`select unnest(current_schemas(false)) as name`.execute(db))
          .rows,
      getTables: ownTables,
      getMetadata: async () => ({ tables: await ownTables() }),
    };
  }
}

/** What went wrong, in one line (a refused connection to several addresses has no message). */
function reason(e: unknown): string {
  if (e instanceof AggregateError && !e.message)
    return [...new Set(e.errors.map((x) => reason(x)))].join('; ');
  if (e instanceof Error) return e.message || ((e as NodeJS.ErrnoException).code ?? e.name);
  return String(e);
}
