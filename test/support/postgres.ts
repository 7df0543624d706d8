// The PostgreSQL server of this machine (and of CI) for the store's tests. Each test file gets a
// schema of its own. Without a server the tests skip with a message, except in CI, where a
// missing PostgreSQL is a failure.
import pg from 'pg';

export const POSTGRES_URL =
  process.env.REKAP_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

let available: Promise<boolean> | undefined;

/** Why the PostgreSQL server at `url` does not answer a query, or null when it does. */
export async function postgresProblem(url = POSTGRES_URL): Promise<Error | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (e) {
    return e as Error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const e = await postgresProblem();
    if (!e) return true;
    if (process.env.CI)
      throw new Error(`PostgreSQL is required in CI but ${POSTGRES_URL} failed: ${e.message}`, {
        cause: e,
      });
    console.warn(
      `skipping PostgreSQL tests: no server at ${POSTGRES_URL} (${e.message}); set REKAP_TEST_POSTGRES`,
    );
    return false;
  })();
  return available;
}

/** A fresh schema name; `dropSchema` removes it after the test. */
export function testSchemaUrl(tag: string): { url: string; schema: string } {
  const schema = `rekap_test_${tag}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return { url: url.toString(), schema };
}

export async function dropSchema(schema: string, url = POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}
