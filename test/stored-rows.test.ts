// A row that another version wrote and that no longer fits its schema is refused where it is read,
// on both backends, with its table, row and column named (src/store/rows.ts), not deep in a view.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import { openDb, type Db } from '../src/store/db.ts';
import { StoredRowError } from '../src/store/rows.ts';
import { storeBackends, TPS_A, TWO_TPS_ELECTION, type OpenedStore } from './support/backends.ts';
import { plainSubmission } from './support/results.ts';

const ok = { l: 60, p: 60, total: 120 };
const none = { l: 0, p: 0, total: 0 };
const RESULT: CHasil = {
  dpt: ok,
  voters: { dpt: ok, dptb: none, dpk: none, total: ok },
  ballots: { received: 123, used: 120, returned: 0, unused: 3 },
  disabled: none,
  votes: { '1': 30, '2': 60, '3': 20 },
  valid: 110,
  invalid: 10,
  total: 120,
};

function rowError(e: unknown) {
  expect(e).toBeInstanceOf(StoredRowError);
  const r = e as StoredRowError;
  return { table: r.table, id: r.id, column: r.column, message: r.message };
}

describe.each(storeBackends('rows'))('stored rows on $name', (backend) => {
  let opened: OpenedStore | undefined;
  let raw: Db;
  let id: string;
  beforeAll(async () => {
    opened = await backend.open();
    if (!opened) return;
    await opened.store.loadElection(TWO_TPS_ELECTION);
    const { record } = await opened.store.recordSubmission(plainSubmission(TPS_A, RESULT));
    id = record.id;
    expect(record.result).toEqual(RESULT);
    raw = await openDb({ url: opened.dbUrl, dataDir: opened.dataDir });
  });
  afterAll(async () => {
    await raw?.close();
    await opened?.store.close();
    await opened?.cleanup();
  });

  it('reads back what it wrote', async (t) => {
    if (!opened) return t.skip();
    const tps = await opened.store.tpsResult(TPS_A, 'ppwp');
    expect(tps?.versions[0]?.result).toEqual(RESULT);
  });

  it('names the table, row and column of a result that does not fit', async (t) => {
    if (!opened) return t.skip();
    const noVotes: Partial<CHasil> = { ...RESULT };
    delete noVotes.votes;
    await raw.db
      .updateTable('submissions')
      .set({ result: JSON.stringify(noVotes) })
      .where('id', '=', id)
      .execute();
    const e = await opened.store.tpsResult(TPS_A, 'ppwp').catch((e: unknown) => e);
    expect(rowError(e)).toMatchObject({ table: 'submissions', id, column: 'result' });
    expect((e as Error).message).toContain(`submissions ${id}, column result: votes:`);
    // A desa's recap reads the counted result of each of its TPS.
    const desa = TWO_TPS_ELECTION.regions[4]!.code;
    const region = await opened.store.regionResult(desa, 'ppwp').catch((e: unknown) => e);
    expect(rowError(region)).toMatchObject({ table: 'submissions', id, column: 'result' });
  });

  it('names a flag that is not a rule breach, and a result that is not JSON', async (t) => {
    if (!opened) return t.skip();
    await raw.db
      .updateTable('submissions')
      .set({ result: JSON.stringify(RESULT), flags: JSON.stringify([{ rule: 'no-such-rule' }]) })
      .where('id', '=', id)
      .execute();
    const flags = await opened.store.tpsResult(TPS_A, 'ppwp').catch((e: unknown) => e);
    expect(rowError(flags)).toMatchObject({ table: 'submissions', id, column: 'flags' });
    await sql`update submissions set flags = '[]', result = '{"dpt":' where id = ${id}`.execute(
      raw.db,
    );
    const rebuilt = await opened.store.rebuild().catch((e: unknown) => e);
    expect(rowError(rebuilt)).toMatchObject({ table: 'submissions', id, column: 'result' });
    expect((rebuilt as Error).message).toMatch(/column result: not JSON$/);
  });
});
