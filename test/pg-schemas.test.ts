// Several Rekap stores in one PostgreSQL database, one schema each (staging beside live, a test
// suite beside a developer's store): each keeps its own migrations, lock and data.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/store/store.ts';
import { dropSchema, POSTGRES_URL, postgresAvailable, testSchemaUrl } from './support/postgres.ts';
import { TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';
import { plainSubmission } from './support/results.ts';

const available = await postgresAvailable();
const schemas: string[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const s of schemas) await dropSchema(s);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function open(tag: string): Promise<{ store: Store; schema: string }> {
  const { url, schema } = testSchemaUrl(tag);
  schemas.push(schema);
  const dataDir = await mkdtemp(join(tmpdir(), `rekap-${tag}-`));
  dirs.push(dataDir);
  return { store: await openStore({ dataDir, dbUrl: url }), schema };
}

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

async function tablesIn(schema: string, url = POSTGRES_URL): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1',
      [schema],
    );
    return r.rows.map((row) => row.table_name);
  } finally {
    await client.end();
  }
}

const versions = async (store: Store, tps: typeof TPS_A) =>
  (await store.tpsResult(tps, 'ppwp'))?.versions.length;

async function submit(store: Store, tps: typeof TPS_A): Promise<void> {
  const outcome = await store.recordSubmission(plainSubmission(tps));
  expect(outcome.counted).toBe(true);
}

describe.skipIf(!available)('stores in several schemas of one database', () => {
  it('migrates each in its own schema, keeps their data apart, and opens a third beside them', async () => {
    const a = await open('schema_a');
    const b = await open('schema_b');
    try {
      for (const s of [a.schema, b.schema])
        expect(await tablesIn(s)).toEqual(
          expect.arrayContaining(['kysely_migration', 'kysely_migration_lock', 'submissions']),
        );
      await a.store.loadElection(TWO_TPS_ELECTION);
      await b.store.loadElection(TWO_TPS_ELECTION);
      await submit(a.store, TPS_A);
      await submit(b.store, TPS_B);
      expect(await versions(a.store, TPS_A)).toBe(1);
      expect(await versions(a.store, TPS_B)).toBe(0);
      expect(await versions(b.store, TPS_B)).toBe(1);
      expect(await versions(b.store, TPS_A)).toBe(0);

      const c = await open('schema_c');
      try {
        expect(await c.store.isEmpty()).toBe(true);
        await c.store.loadElection(TWO_TPS_ELECTION);
        expect(await versions(c.store, TPS_A)).toBe(0);
      } finally {
        await c.store.close();
      }
    } finally {
      await a.store.close();
      await b.store.close();
    }
    // Opened again, each finds its own migrations done.
    const again = new URL(POSTGRES_URL);
    again.searchParams.set('schema', a.schema);
    const dataDir = await mkdtemp(join(tmpdir(), 'rekap-schema-again-'));
    dirs.push(dataDir);
    const reopened = await openStore({ dataDir, dbUrl: again.toString() });
    try {
      expect(await versions(reopened, TPS_A)).toBe(1);
    } finally {
      await reopened.close();
    }
  });

  it('keeps a store without ?schema= in the default schema (public), beside one in another schema', async () => {
    // A database of its own, so that nothing else in `test` sees its public schema.
    const name = `rekap_test_default_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    await admin(`create database ${name}`);
    try {
      const base = new URL(POSTGRES_URL);
      base.pathname = `/${name}`;
      const other = new URL(base);
      other.searchParams.set('schema', 'staging');
      const dataDir = await mkdtemp(join(tmpdir(), 'rekap-schema-default-'));
      dirs.push(dataDir);
      const staging = await openStore({ dataDir: join(dataDir, 's'), dbUrl: other.toString() });
      await staging.loadElection(TWO_TPS_ELECTION);
      await submit(staging, TPS_A);
      await staging.close();
      for (let round = 0; round < 2; round++) {
        const live = await openStore({ dataDir, dbUrl: base.toString() });
        try {
          if (round === 0) {
            expect(await live.isEmpty()).toBe(true);
            await live.loadElection(TWO_TPS_ELECTION);
            await submit(live, TPS_B);
          }
          expect(await versions(live, TPS_A)).toBe(0);
          expect(await versions(live, TPS_B)).toBe(1);
        } finally {
          await live.close();
        }
      }
      expect(await tablesIn('public', base.toString())).toEqual(
        expect.arrayContaining(['kysely_migration', 'kysely_migration_lock', 'submissions']),
      );
    } finally {
      await admin(`drop database if exists ${name} with (force)`);
    }
  });

  it('opens and migrates while other schemas are created and dropped beside it', async () => {
    // Kysely's own introspector listed every schema's tables and failed when one vanished
    // mid-query (CI: "schema rekap_test_... does not exist" from a test running beside another).
    const churn = new pg.Client({ connectionString: POSTGRES_URL });
    await churn.connect();
    let stop = false;
    let churned = 0;
    const tag = `rekap_test_churn_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    const churning = (async () => {
      while (!stop) {
        const name = `${tag}_${churned++}`;
        await churn.query(`create schema ${name}`);
        for (let t = 0; t < 20; t++) await churn.query(`create table ${name}.t${t} (x int)`);
        await churn.query(`drop schema ${name} cascade`);
      }
    })();
    try {
      for (let i = 0; i < 6; i++) {
        const s = await open(`churn_${i}`);
        try {
          expect(await s.store.isEmpty()).toBe(true);
        } finally {
          await s.store.close();
        }
      }
    } finally {
      stop = true;
      await churning;
      await churn.end();
    }
    expect(churned).toBeGreaterThan(1);
  });
});
