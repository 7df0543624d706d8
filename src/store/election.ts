// Loading an election's regions, TPS and contests, and the zeroed recap rows they need.
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  ancestorsOfTps,
  parentRegion,
  regionContains,
  tpsNumber,
  type RegionCode,
} from '../core/codes.ts';
import type { ElectionSetup } from '../core/election.ts';
import type { Database } from './schema.ts';

const CHUNK = 500;

async function insertChunks<T extends keyof Database>(
  trx: Transaction<Database>,
  table: T,
  rows: Database[T][],
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK)
    // Kysely's insert types cannot follow a generic table name; the rows are typed by the caller.
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + CHUNK) as never)
      .execute();
}

export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db
    .selectFrom('regions')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0) === 0;
}

/** Loads an election into an empty database, in one transaction. */
export async function loadElection(db: Kysely<Database>, setup: ElectionSetup): Promise<void> {
  if (!(await isEmpty(db))) throw new Error('the database already holds an election');
  const known = new Set<string>();
  for (const r of setup.regions) {
    const parent = parentRegion(r.code);
    if (parent && !known.has(parent))
      throw new Error(`region ${r.code} comes before its parent ${parent}`);
    known.add(r.code);
  }
  for (const t of setup.tps)
    for (const region of ancestorsOfTps(t.code))
      if (!known.has(region)) throw new Error(`TPS ${t.code} lies in unknown region ${region}`);
  await db.transaction().execute(async (trx) => {
    await insertChunks(trx, 'meta', [
      { key: 'election.name', value: setup.name },
      { key: 'election.demo', value: String(setup.demo) },
    ]);
    await insertChunks(
      trx,
      'regions',
      setup.regions.map((r) => ({
        code: r.code,
        parent_code: parentRegion(r.code) ?? null,
        level: r.level,
        name: r.name,
      })),
    );
    await insertChunks(
      trx,
      'tps',
      setup.tps.map((t) => ({
        code: t.code,
        desa_code: ancestorsOfTps(t.code)[0]!,
        number: tpsNumber(t.code),
        name: t.name,
        dpt: t.dpt,
      })),
    );
    await insertChunks(
      trx,
      'contests',
      setup.contests.map((c) => ({
        ballot: c.ballot,
        scope: c.scope,
        kind: c.kind,
        definition: JSON.stringify(c),
      })),
    );
    const totals: Database['recap_totals'][] = [];
    for (const c of setup.contests) {
      // A contest counts the TPS inside its scope (the nation for PPWP, a province for DPD, a
      // kabupaten for a Pilbup); its recap rows are the regions above and below that scope.
      const scope = c.scope as RegionCode;
      const counts = new Map<RegionCode, number>();
      for (const t of setup.tps)
        if (regionContains(scope, t.code))
          for (const region of ancestorsOfTps(t.code))
            counts.set(region, (counts.get(region) ?? 0) + 1);
      for (const r of setup.regions)
        if (regionContains(scope, r.code) || regionContains(r.code, scope))
          totals.push({
            region_code: r.code,
            ballot: c.ballot,
            tps_total: counts.get(r.code) ?? 0,
            tps_reported: 0,
            valid: 0,
            invalid: 0,
            total: 0,
          });
    }
    await insertChunks(trx, 'recap_totals', totals);
  });
}
