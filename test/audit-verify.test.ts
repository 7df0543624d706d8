// `rekap audit verify` on both backends: a clean record verifies; each change made behind Rekap's
// back (an update or a delete in the database, a photo's bytes on disk) is named at the right
// table and column, and undoing it makes the record whole again. Also: docs/events.md is current.
import { readFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { checkRules } from '../src/core/rules.ts';
import { openDb, type Db } from '../src/store/db.ts';
import { writeTransaction } from '../src/store/events.ts';
import { closeRecapRow } from '../src/store/review.ts';
import type { Database } from '../src/store/schema.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { eventsDoc } from '../scripts/events-doc.ts';
import { rekap } from './support/cli.ts';
import { storeBackends, TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';

const result = (v1: number, slip = 0): CHasil => {
  const r = consistentResult({
    dptL: 120,
    dptP: 120,
    votesL: 60,
    votesP: 60,
    invalid: 4,
    votes: { '1': v1, '2': 80 - v1, '3': 36 },
  });
  return { ...r, votes: { ...r.votes, '1': v1 + slip } };
};

async function submit(store: Store, tps: TpsCode, r: CHasil, n: number) {
  const photo = await store.putPhoto(Buffer.from(`audit photo ${n} ${tps}`), {
    contentType: 'image/jpeg',
    width: 10,
    height: 10,
  });
  return store.recordSubmission({
    tps,
    ballot: 'ppwp',
    result: r,
    photos: [photo],
    flags: checkRules(r, { ballot: 'ppwp' }),
    uploader: 'kpps:0123456789abcdef',
    receivedAt: new Date(),
  });
}

type Table = keyof Database;

describe('docs/events.md', () => {
  it('is what `npm run docs:events` writes from the catalogue', async () => {
    const file = join(import.meta.dirname, '..', 'docs', 'events.md');
    expect(await readFile(file, 'utf8')).toBe(await eventsDoc(file));
  });
});

describe.each(storeBackends('audit'))('audit verify on $name', (backend) => {
  let store: Store | undefined;
  let raw: Db | undefined;
  let dataDir = '';
  let dbUrl: string | undefined;
  let cleanup = async () => {};
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup, dataDir, dbUrl } = opened);
    await store.loadElection(TWO_TPS_ELECTION);
    raw = await openDb({ url: opened.dbUrl, dataDir });
    const by = { actor: 'account:op' };
    await submit(store, TPS_A, result(30, 1), 1);
    await store.review(
      { type: 'confirm', tps: TPS_A, ballot: 'ppwp', version: 1, reason: 'as written' },
      by,
    );
    const b = await submit(store, TPS_B, result(20), 2);
    await store.recordReread(TPS_B, 'ppwp', 1, {
      fields: [{ field: 'votes.1', from: 20, to: 21 }],
      photos: b.record.photos,
    });
    await store.review(
      {
        type: 'correct',
        tps: TPS_B,
        ballot: 'ppwp',
        version: 1,
        values: { ...result(21), votes: { '1': 21, '2': 59, '3': 36 } },
        reason: 'the form says 21',
        reference: 'BA-1',
      },
      by,
    );
    const db = raw;
    await writeTransaction(db.db, db.dialect, (trx) =>
      closeRecapRow(trx, db.dialect, {
        region: '16.08.01.1001' as RegionCode,
        ballot: 'ppwp',
        actor: 'account:pps',
        at: new Date(),
        dhasil: '{"d":1}',
        signature: 'sig',
        totals: 'b'.repeat(64),
      }),
    );
  });
  afterAll(async () => {
    await raw?.db.destroy();
    await store?.close();
    await cleanup();
  });

  const expectOk = async () => {
    const report = await store!.auditVerify();
    expect(report.ok ? 'ok' : report.mismatch).toBe('ok');
    return report;
  };

  /** Makes a change, expects audit verify to name it, undoes it, expects the record whole. */
  async function tamper(
    change: (db: Kysely<Database>) => Promise<() => Promise<unknown>>,
    expected: { table: string; column: string | RegExp; key?: string | RegExp },
  ) {
    const undo = await change(raw!.db);
    try {
      const report = await store!.auditVerify();
      expect(report.ok).toBe(false);
      if (report.ok) return;
      expect(report.mismatch.table).toBe(expected.table);
      if (typeof expected.column === 'string') expect(report.mismatch.column).toBe(expected.column);
      else expect(report.mismatch.column).toMatch(expected.column);
      if (expected.key) expect(report.mismatch.key).toMatch(expected.key);
    } finally {
      await undo();
    }
    await expectOk();
  }

  type Where = Record<string, string | number>;
  const condition = (where: Where) =>
    sql.join(
      Object.entries(where).map(([k, v]) => sql`${sql.ref(k)} = ${v}`),
      sql` and `,
    );
  /** Deletes rows and puts them back as they were. */
  const deleting =
    (table: Table, where: Where) =>
    async (db: Kysely<Database>): Promise<() => Promise<unknown>> => {
      const { rows } = await sql<
        Record<string, unknown>
      >`select * from ${sql.table(table)} where ${condition(where)}`.execute(db);
      expect(rows.length).toBeGreaterThan(0);
      await sql`delete from ${sql.table(table)} where ${condition(where)}`.execute(db);
      return () => db.insertInto(table).values(rows).execute();
    };
  /** Sets columns of rows and sets them back. */
  const updating =
    (table: Table, where: Where, set: Record<string, string | number>) =>
    async (db: Kysely<Database>): Promise<() => Promise<unknown>> => {
      const cols = Object.keys(set);
      const { rows } = await sql<
        Record<string, string | number>
      >`select ${sql.join(cols.map((c) => sql.ref(c)))} from ${sql.table(table)} where ${condition(where)}`.execute(
        db,
      );
      expect(rows.length).toBe(1);
      const assign = (values: Record<string, string | number>) =>
        sql`update ${sql.table(table)} set ${sql.join(
          Object.entries(values).map(([k, v]) => sql`${sql.ref(k)} = ${v}`),
        )} where ${condition(where)}`.execute(db);
      await assign(set);
      return () => assign(rows[0]!);
    };

  it('finds nothing wrong with a record written by Rekap', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const report = await expectOk();
    expect(report.counts).toMatchObject({ submissions: 3, photos: 2, tpsStatus: 2, signoffs: 1 });
    expect(report.counts.events).toBeGreaterThanOrEqual(6);
    expect(await store.checkAggregates()).toEqual([]);
  });

  it('names a changed or missing event', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    await tamper(updating('events', { seq: 2 }, { actor: 'cli' }), {
      table: 'events',
      column: 'hash',
      key: 'seq 2',
    });
    await tamper(deleting('events', { seq: 3 }), {
      table: 'events',
      column: 'seq',
      key: 'seq 4',
    });
  });

  it('names a changed or missing submission', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const { id, result: text } = await raw!.db
      .selectFrom('submissions')
      .select(['id', 'result'])
      .where('tps_code', '=', TPS_A)
      .executeTakeFirstOrThrow();
    const changed = JSON.stringify({ ...JSON.parse(text), invalid: 5 });
    await tamper(updating('submissions', { id }, { result: changed }), {
      table: 'submissions',
      column: 'content_hash',
      key: id,
    });
    await tamper(deleting('submissions', { tps_code: TPS_B, version: 1 }), {
      table: 'submissions',
      column: 'version',
    });
    await tamper(deleting('submissions', { tps_code: TPS_B, version: 2 }), {
      table: 'events',
      column: 'details.id',
    });
  });

  it('names a changed or missing photo row, and changed bytes on disk', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const photo = await raw!.db.selectFrom('photos').selectAll().executeTakeFirstOrThrow();
    await tamper(deleting('photos', { sha256: photo.sha256 }), {
      table: 'submissions',
      column: 'photos',
    });
    const [pack, offset] = photo.location.split(':') as [string, string];
    const other = `${pack}:${Number(offset) + 1}:${photo.size}`;
    await tamper(updating('photos', { sha256: photo.sha256 }, { location: other }), {
      table: 'photos',
      column: /^bytes/,
      key: photo.sha256,
    });
    await tamper(
      async () => {
        const f = await open(join(dataDir, 'blobs', pack), 'r+');
        const at = Number(offset);
        const byte = Buffer.alloc(1);
        await f.read(byte, 0, 1, at);
        await f.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, at);
        return async () => {
          await f.write(byte, 0, 1, at);
          await f.close();
        };
      },
      { table: 'photos', column: /^bytes/, key: photo.sha256 },
    );
  });

  it('names a changed or missing tps_status, recap_totals or recap_votes row', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const tps = { tps_code: TPS_B };
    await tamper(updating('tps_status', tps, { review_state: 'counted' }), {
      table: 'tps_status',
      column: 'review_state',
    });
    await tamper(deleting('tps_status', tps), { table: 'tps_status', column: '(row)' });
    const kec = { region_code: '16.08.01', ballot: 'ppwp' };
    await tamper(updating('recap_totals', kec, { valid: 1 }), {
      table: 'recap_totals',
      column: 'valid',
    });
    await tamper(deleting('recap_totals', kec), { table: 'recap_totals', column: '(row)' });
    const vote = { ...kec, choice: '2' };
    await tamper(updating('recap_votes', vote, { votes: 7 }), {
      table: 'recap_votes',
      column: 'votes',
    });
    await tamper(deleting('recap_votes', vote), { table: 'recap_votes', column: '(row)' });
  });

  it('names a sign-off row that does not match its event', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const one = { region_code: '16.08.01.1001' };
    await tamper(updating('recap_signoffs', one, { dhasil: '{"d":2}' }), {
      table: 'recap_signoffs',
      column: 'dhasil',
    });
    await tamper(deleting('recap_signoffs', one), { table: 'events', column: '(row)' });
  });

  it('`rekap audit verify` exits 0 with counts, and 1 naming the mismatch', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const where = dbUrl ? ['--db', dbUrl, '--data', dataDir] : ['--data', dataDir];
    const good = await rekap('audit', 'verify', ...where, '--json');
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, counts: { submissions: 3 } });
    const undo = await updating(
      'recap_totals',
      { region_code: '16' },
      {
        total: 3,
      },
    )(raw!.db);
    try {
      const bad = await rekap('audit', 'verify', ...where);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(
        /mismatch.*recap_totals 16\/ppwp, column total: expected \d+, found 3/,
      );
    } finally {
      await undo();
    }
  });
});
