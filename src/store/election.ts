// Loading an election's regions, TPS and contests, and the zeroed recap rows they need, as an
// idempotent merge: the same files again change nothing, a later import may add regions, TPS,
// contests and districts, and it may change a TPS or a contest only while no result names it.
// All or nothing, in one transaction with its `election_imported` event.
import { sql, type Kysely } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import { canonicalJson } from '../core/canonical.ts';
import {
  ancestorsOfTps,
  parentRegion,
  regionContains,
  tpsNumber,
  type RegionCode,
  type TpsCode,
} from '../core/codes.ts';
import type { ElectionSetup } from '../core/election.ts';
import {
  ELECTION_FILES,
  formatProblem,
  parseElectionFiles,
  renderElectionFiles,
  type District,
  type ElectionImport,
} from '../core/election-files.ts';
import { err, ok, type Result } from '../core/result.ts';
import { sha256Hex } from './blobs.ts';
import { withEvents, type Actor } from './events.ts';
import type { Dialect } from './migrations.ts';
import type { Database } from './schema.ts';

const CHUNK = 500;

async function insertChunks<T extends keyof Database>(
  trx: Kysely<Database>,
  table: T,
  rows: Database[T][],
  progress?: (n: number) => void,
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    // Kysely's insert types cannot follow a generic table name; the rows are typed by the caller.
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + CHUNK) as never)
      .execute();
    progress?.(Math.min(rows.length, i + CHUNK));
  }
}

export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db
    .selectFrom('regions')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0) === 0;
}

/** What an import did to one kind of thing; kept: stored before and absent from these files. */
export type ImportCounts = { added: number; changed: number; unchanged: number; kept: number };

export type ImportSummary = {
  name: string;
  /** True when the database held no election before. */
  created: boolean;
  regions: ImportCounts;
  tps: ImportCounts;
  contests: ImportCounts;
  districts: ImportCounts;
};

/** Why an import was refused as a whole (`election_conflict`): nothing of it was written. */
export type ElectionConflict =
  | { kind: 'name'; stored: string; imported: string }
  | { kind: 'demo'; stored: boolean; imported: boolean }
  | { kind: 'tps'; code: TpsCode; fields: string[]; submissions: number }
  | { kind: 'contest'; ballot: Ballot; submissions: number }
  | { kind: 'district'; id: string; ballot: Ballot; submissions: number };

export function formatConflict(c: ElectionConflict): string {
  switch (c.kind) {
    case 'name':
      return `the database holds another election: ${JSON.stringify(c.stored)}, not ${JSON.stringify(c.imported)}`;
    case 'demo':
      return c.stored
        ? 'the database holds a demo election; these files are not the demo'
        : 'these files are a demo election; the database holds a real one';
    case 'tps':
      return `TPS ${c.code}: ${c.fields.join(' and ')} would change, but it has ${c.submissions} submission(s)`;
    case 'contest':
      return `contest ${c.ballot} would change, but it has ${c.submissions} submission(s)`;
    case 'district':
      return `district ${c.id} (${c.ballot}) would change, but its ballot has ${c.submissions} submission(s)`;
  }
}

const counts = (): ImportCounts => ({ added: 0, changed: 0, unchanged: 0, kept: 0 });

export type ImportOptions = {
  /** The sha256 of each file read, for the event. */
  files: Record<string, string>;
  actor?: Actor;
  /** Called as rows are written: what, how many so far, of how many. */
  onProgress?: (what: string, done: number, total: number) => void;
};

const DISTRICTS_KEY = 'election.districts';

/** Districts by id, as stored in `meta` (canonical JSON of the list, by id). */
function storedDistricts(value: string | undefined): Map<string, District> {
  if (value === undefined) return new Map();
  // Written by this module only: a list of districts.
  const list = JSON.parse(value) as District[];
  return new Map(list.map((d) => [d.id, d]));
}

/**
 * Merges an election into the database: adds what is new, changes what may change, keeps what the
 * files leave out, and refuses the whole import when it would change a TPS, contest or district
 * that results already name, or when the database holds another election. One transaction, with
 * one `election_imported` event when anything was added or changed.
 */
export async function importElection(
  conn: { db: Kysely<Database>; dialect: Dialect },
  now: Date,
  setup: ElectionImport,
  opts: ImportOptions,
): Promise<Result<ImportSummary, ElectionConflict[]>> {
  return withEvents(conn.db, conn.dialect, now, async (trx, log) => {
    // Everything is read inside the transaction, which holds the write lock: no submission can
    // arrive between the check for results and the change.
    const meta = new Map(
      (await trx.selectFrom('meta').selectAll().where('key', 'like', 'election.%').execute()).map(
        (r) => [r.key, r.value],
      ),
    );
    const storedRegions = new Map(
      (await trx.selectFrom('regions').select(['code', 'name']).execute()).map((r) => [
        r.code,
        r.name,
      ]),
    );
    const storedTps = new Map(
      (await trx.selectFrom('tps').select(['code', 'name', 'dpt']).execute()).map((r) => [
        r.code,
        r,
      ]),
    );
    const storedContests = new Map(
      (await trx.selectFrom('contests').select(['ballot', 'definition']).execute()).map((r) => [
        r.ballot,
        r.definition,
      ]),
    );
    const perTps = new Map<string, number>();
    const perBallot = new Map<string, number>();
    for (const r of await trx
      .selectFrom('submissions')
      .select(['tps_code', 'ballot', sql<number>`count(*)`.as('n')])
      .groupBy(['tps_code', 'ballot'])
      .execute()) {
      perTps.set(r.tps_code, (perTps.get(r.tps_code) ?? 0) + Number(r.n));
      perBallot.set(r.ballot, (perBallot.get(r.ballot) ?? 0) + Number(r.n));
    }

    const conflicts: ElectionConflict[] = [];
    const storedName = meta.get('election.name');
    if (storedName !== undefined && storedName !== setup.name)
      conflicts.push({ kind: 'name', stored: storedName, imported: setup.name });
    const storedDemo = meta.get('election.demo');
    if (storedDemo !== undefined && (storedDemo === 'true') !== setup.demo)
      conflicts.push({ kind: 'demo', stored: storedDemo === 'true', imported: setup.demo });

    const summary: ImportSummary = {
      name: setup.name,
      created: storedName === undefined,
      regions: counts(),
      tps: counts(),
      contests: counts(),
      districts: counts(),
    };

    const addRegions: Database['regions'][] = [];
    const renameRegions: { code: string; name: string }[] = [];
    for (const r of setup.regions) {
      const name = storedRegions.get(r.code);
      if (name === undefined)
        addRegions.push({
          code: r.code,
          parent_code: parentRegion(r.code) ?? null,
          level: r.level,
          name: r.name,
        });
      else if (name !== r.name) renameRegions.push({ code: r.code, name: r.name });
      else summary.regions.unchanged++;
    }
    summary.regions.added = addRegions.length;
    summary.regions.changed = renameRegions.length;
    const importedRegions = new Set<string>(setup.regions.map((r) => r.code));
    summary.regions.kept = [...storedRegions.keys()].filter((c) => !importedRegions.has(c)).length;
    const allRegions = new Set<string>([...storedRegions.keys(), ...importedRegions]);
    for (const r of addRegions) {
      const parent = parentRegion(r.code as RegionCode);
      if (parent && !allRegions.has(parent))
        throw new Error(`region ${r.code} lies in ${parent}, which this election does not hold`);
    }

    const addTps: Database['tps'][] = [];
    const changeTps: { code: string; name: string; dpt: number | null }[] = [];
    for (const t of setup.tps) {
      const desa = ancestorsOfTps(t.code)[0]!;
      if (!allRegions.has(desa))
        throw new Error(`TPS ${t.code} lies in desa ${desa}, which this election does not hold`);
      const before = storedTps.get(t.code);
      if (!before) {
        addTps.push({
          code: t.code,
          desa_code: desa,
          number: tpsNumber(t.code),
          name: t.name,
          dpt: t.dpt,
        });
        continue;
      }
      const fields = [
        ...(before.name !== t.name ? ['name'] : []),
        ...(before.dpt !== t.dpt ? ['dpt'] : []),
      ];
      if (fields.length === 0) summary.tps.unchanged++;
      else if (perTps.has(t.code))
        conflicts.push({ kind: 'tps', code: t.code, fields, submissions: perTps.get(t.code)! });
      else changeTps.push({ code: t.code, name: t.name, dpt: t.dpt });
    }
    summary.tps.added = addTps.length;
    summary.tps.changed = changeTps.length;
    const importedTps = new Set<string>(setup.tps.map((t) => t.code));
    summary.tps.kept = [...storedTps.keys()].filter((c) => !importedTps.has(c)).length;

    const addContests: Database['contests'][] = [];
    const changeContests: Database['contests'][] = [];
    const definitions = new Map<string, { scope: string }>();
    for (const [ballot, definition] of storedContests)
      definitions.set(ballot, JSON.parse(definition) as { scope: string });
    for (const c of setup.contests) {
      if (!allRegions.has(c.scope))
        throw new Error(`contest ${c.ballot}: scope ${c.scope} is not a region of this election`);
      const row = { ballot: c.ballot, scope: c.scope, kind: c.kind, definition: JSON.stringify(c) };
      const before = storedContests.get(c.ballot);
      if (before === undefined) addContests.push(row);
      else if (canonicalJson(JSON.parse(before)) === canonicalJson(c)) summary.contests.unchanged++;
      else if (perBallot.has(c.ballot))
        conflicts.push({
          kind: 'contest',
          ballot: c.ballot,
          submissions: perBallot.get(c.ballot)!,
        });
      else changeContests.push(row);
      definitions.set(c.ballot, c);
    }
    summary.contests.added = addContests.length;
    summary.contests.changed = changeContests.length;
    const importedBallots = new Set<string>(setup.contests.map((c) => c.ballot));
    summary.contests.kept = [...storedContests.keys()].filter(
      (b) => !importedBallots.has(b),
    ).length;

    const districts = storedDistricts(meta.get(DISTRICTS_KEY));
    let districtsChanged = false;
    for (const d of setup.districts) {
      const before = districts.get(d.id);
      if (!before) {
        summary.districts.added++;
        districtsChanged = true;
      } else if (canonicalJson(before) === canonicalJson(d)) summary.districts.unchanged++;
      else if (perBallot.has(d.ballot))
        conflicts.push({
          kind: 'district',
          id: d.id,
          ballot: d.ballot,
          submissions: perBallot.get(d.ballot)!,
        });
      else {
        summary.districts.changed++;
        districtsChanged = true;
      }
      districts.set(d.id, d);
    }
    const importedDistricts = new Set(setup.districts.map((d) => d.id));
    summary.districts.kept = [...districts.keys()].filter(
      (id) => !importedDistricts.has(id),
    ).length;

    if (conflicts.length > 0) return err(conflicts);

    const progress = (what: string, total: number) => (n: number) =>
      opts.onProgress?.(what, n, total);
    if (storedName === undefined)
      await insertChunks(trx, 'meta', [
        { key: 'election.name', value: setup.name },
        { key: 'election.demo', value: String(setup.demo) },
      ]);
    if (districtsChanged) {
      const value = canonicalJson([...districts.values()].sort((a, b) => (a.id < b.id ? -1 : 1)));
      await trx.deleteFrom('meta').where('key', '=', DISTRICTS_KEY).execute();
      await trx.insertInto('meta').values({ key: DISTRICTS_KEY, value }).execute();
    }
    // Parents before children: the list is ordered so, and a stored parent is there already.
    await insertChunks(trx, 'regions', addRegions, progress('regions', addRegions.length));
    for (const r of renameRegions)
      await trx.updateTable('regions').set({ name: r.name }).where('code', '=', r.code).execute();
    await insertChunks(trx, 'tps', addTps, progress('TPS', addTps.length));
    for (const t of changeTps)
      await trx
        .updateTable('tps')
        .set({ name: t.name, dpt: t.dpt })
        .where('code', '=', t.code)
        .execute();
    await insertChunks(trx, 'contests', addContests);
    for (const c of changeContests)
      await trx
        .updateTable('contests')
        .set({ scope: c.scope, kind: c.kind, definition: c.definition })
        .where('ballot', '=', c.ballot)
        .execute();

    await syncRecapRows(trx, {
      regions: allRegions,
      tps: [...storedTps.keys(), ...addTps.map((t) => t.code)] as TpsCode[],
      scopes: definitions,
      rebuilt: new Set(changeContests.map((c) => c.ballot)),
      progress: progress('recap rows', 0),
    });

    const { regions, tps, contests } = summary;
    if (
      regions.added +
        regions.changed +
        tps.added +
        tps.changed +
        contests.added +
        contests.changed >
        0 ||
      districtsChanged
    )
      log({
        type: 'election_imported',
        tps: null,
        actor: opts.actor ?? 'cli',
        details: {
          name: setup.name,
          regions: { added: regions.added, changed: regions.changed },
          tps: { added: tps.added, changed: tps.changed },
          contests: { added: contests.added, changed: contests.changed },
          files: opts.files,
        },
      });
    return ok(summary);
  });
}

/**
 * Makes the zeroed recap rows match the election: a row for every region above and below each
 * contest's scope, its tps_total the number of TPS below it in that scope. A row that exists keeps
 * its counted results and only has tps_total raised (TPS added later). The rows of a contest
 * changed without results (`rebuilt`) that no longer belong to its scope are removed.
 */
async function syncRecapRows(
  trx: Kysely<Database>,
  election: {
    regions: ReadonlySet<string>;
    tps: readonly TpsCode[];
    scopes: ReadonlyMap<string, { scope: string }>;
    rebuilt: ReadonlySet<string>;
    progress: (n: number) => void;
  },
): Promise<void> {
  const stored = new Map<string, number>();
  for (const r of await trx
    .selectFrom('recap_totals')
    .select(['region_code', 'ballot', 'tps_total'])
    .execute())
    stored.set(`${r.ballot}|${r.region_code}`, r.tps_total);
  const insert: Database['recap_totals'][] = [];
  const update: { region: string; ballot: string; total: number }[] = [];
  const remove: { region: string; ballot: string }[] = [];
  for (const [ballot, { scope: s }] of election.scopes) {
    // A contest counts the TPS inside its scope (the nation for PPWP, a province for DPD, a
    // kabupaten for a Pilbup); its recap rows are the regions above and below that scope.
    const scope = s as RegionCode;
    const totals = new Map<string, number>();
    for (const t of election.tps)
      if (regionContains(scope, t))
        for (const region of ancestorsOfTps(t)) totals.set(region, (totals.get(region) ?? 0) + 1);
    const expected = new Set<string>();
    for (const code of election.regions) {
      const region = code as RegionCode;
      if (!(regionContains(scope, region) || regionContains(region, scope))) continue;
      expected.add(code);
      const total = totals.get(code) ?? 0;
      const before = stored.get(`${ballot}|${code}`);
      if (before === undefined)
        insert.push({
          region_code: code,
          ballot,
          tps_total: total,
          tps_reported: 0,
          valid: 0,
          invalid: 0,
          total: 0,
        });
      else if (before !== total) update.push({ region: code, ballot, total });
    }
    if (election.rebuilt.has(ballot))
      for (const key of stored.keys()) {
        const [b, region] = key.split('|') as [string, string];
        if (b === ballot && !expected.has(region)) remove.push({ region, ballot });
      }
  }
  for (const r of remove) {
    await trx
      .deleteFrom('recap_votes')
      .where('region_code', '=', r.region)
      .where('ballot', '=', r.ballot)
      .execute();
    await trx
      .deleteFrom('recap_totals')
      .where('region_code', '=', r.region)
      .where('ballot', '=', r.ballot)
      .execute();
  }
  await insertChunks(trx, 'recap_totals', insert, election.progress);
  for (const u of update)
    await trx
      .updateTable('recap_totals')
      .set({ tps_total: u.total })
      .where('region_code', '=', u.region)
      .where('ballot', '=', u.ballot)
      .execute();
}

/** The sha256 of each of an election's files, as the event records them. */
export function fileHashes(
  files: Partial<Record<string, string | Buffer>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(files))
    if (text !== undefined)
      out[name] = sha256Hex(typeof text === 'string' ? Buffer.from(text) : text);
  return out;
}

/**
 * Loads an election into an empty database through the same path as `rekap election import`:
 * written out as its files, read back (and so checked), and merged. A setup the files refuse is a
 * bug in the caller and throws, as does a database that holds an election already.
 */
export async function loadElection(
  conn: { db: Kysely<Database>; dialect: Dialect },
  now: Date,
  setup: ElectionSetup & { districts?: District[] },
  opts: { actor?: Actor } = {},
): Promise<ImportSummary> {
  if (!(await isEmpty(conn.db))) throw new Error('the database already holds an election');
  const files = renderElectionFiles(setup);
  const parsed = parseElectionFiles(files);
  if (!parsed.ok)
    throw new Error(
      `the election does not read back from its files: ${parsed.error.problems.map(formatProblem).join('; ')}`,
    );
  const names = Object.fromEntries(ELECTION_FILES.map((f) => [f, files[f]]));
  const result = await importElection(conn, now, parsed.value, {
    files: fileHashes(names),
    ...opts,
  });
  if (!result.ok)
    throw new Error(`the election conflicts: ${result.error.map(formatConflict).join('; ')}`);
  return result.value;
}
