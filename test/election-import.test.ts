// `rekap election import` on SQLite and PostgreSQL: the documented example, every refusal leaving
// the database as it was, the second import changing nothing, TPS added later, TPS and contests
// changed only while no result names them, the demo loaded through its files, and the real OKU
// Timur TPS list with idn-area-data's names.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electionCommand, importElectionTexts } from '../src/cli/election.ts';
import type { Io } from '../src/cli/io.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../src/core/codes.ts';
import { parseElectionFiles } from '../src/core/election-files.ts';
import { demoElectionFiles, writeElectionDir } from '../src/demo/election-dir.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import type { ImportSummary } from '../src/store/election.ts';
import { openDb } from '../src/store/db.ts';
import type { Store } from '../src/store/store.ts';
import { storeBackends, type OpenedStore } from './support/backends.ts';
import { plainSubmission } from './support/results.ts';
import { fixture, sharedData } from './fixtures/shared-data.ts';

const EXAMPLE = fixture('election');
const TPS_1 = '16.08.01.1007.001' as TpsCode;
const TPS_2 = '16.08.01.1007.002' as TpsCode;

type Ran = { code: number; stdout: string; stderr: string };

/** `rekap election ARGS...` in this process, against the opened store's database. */
async function election(o: OpenedStore, ...args: string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) };
  const where = ['--data', o.dataDir, ...(o.dbUrl ? ['--db', o.dbUrl] : [])];
  const code = await electionCommand([...args, ...where], io);
  return { code, stdout, stderr };
}

/** A copy of the example in a temporary folder, with `edit` applied to some of its files. */
async function exampleWith(edit: Partial<Record<string, (text: string) => string>> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'rekap-election-'));
  await cp(EXAMPLE, dir, { recursive: true });
  for (const [name, f] of Object.entries(edit))
    if (f) await writeFile(join(dir, name), f(await readFile(join(dir, name), 'utf8')));
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];

const tpsTotal = async (store: Store, region: string, ballot = 'ppwp' as const) =>
  (await store.regionResult(region as RegionCode, ballot))?.progress.tpsTotal;

describe.each(storeBackends('election'))('rekap election import on $name', (backend) => {
  let o: OpenedStore | undefined;
  beforeEach(async () => {
    o = await backend.open();
  });
  afterEach(async () => {
    await o?.store.close();
    await o?.cleanup();
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('imports the documented example, and the same files again change nothing', async (ctx) => {
    if (!o) return ctx.skip('PostgreSQL not available');
    const first = await election(o, 'import', EXAMPLE);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('imported');
    expect(first.stdout).toContain('TPS: 6 added, 0 changed, 0 unchanged');
    const s = o.store;
    expect(await s.election()).toEqual({
      name: 'Contoh: Pemilu 2024, dua kecamatan di Kab. Ogan Komering Ulu Timur',
      demo: false,
    });
    expect(await tpsTotal(s, 'id')).toBe(6);
    expect(await tpsTotal(s, '16.08.01')).toBe(4);
    expect(await tpsTotal(s, '16.08.02.2001')).toBe(2);
    // The DPRD contest counts in its kabupaten, and has rows above it too.
    expect((await s.regionResult('16' as RegionCode, 'dprd_kabko'))?.progress.tpsTotal).toBe(6);
    expect(await s.tps('16.08.01.1008.901' as TpsCode)).toEqual({
      code: '16.08.01.1008.901',
      name: 'TPS 901 (Lapas)',
      dpt: 75,
    });
    expect(await s.tps('16.08.02.2001.002' as TpsCode)).toMatchObject({ dpt: null });
    expect((await s.contests()).map((c) => c.ballot)).toEqual(['dprd_kabko', 'ppwp']);

    const events = (await s.events()).filter((e) => e.type === 'election_imported');
    expect(events).toHaveLength(1);
    const sha = async (f: string) =>
      createHash('sha256')
        .update(await readFile(join(EXAMPLE, f)))
        .digest('hex');
    expect(events[0]!.details).toEqual({
      name: 'Contoh: Pemilu 2024, dua kecamatan di Kab. Ogan Komering Ulu Timur',
      regions: { added: 8, changed: 0 },
      tps: { added: 6, changed: 0 },
      contests: { added: 2, changed: 0 },
      files: {
        'election.json': await sha('election.json'),
        'regions.csv': await sha('regions.csv'),
        'tps.csv': await sha('tps.csv'),
      },
    });

    const again = await election(o, 'import', EXAMPLE, '--json');
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout) as ImportSummary;
    expect(summary).toMatchObject({
      created: false,
      regions: { added: 0, changed: 0, unchanged: 8, kept: 0 },
      tps: { added: 0, changed: 0, unchanged: 6, kept: 0 },
      contests: { added: 0, changed: 0, unchanged: 2, kept: 0 },
      districts: { added: 0, changed: 0, unchanged: 2, kept: 0 },
    });
    const plain = await election(o, 'import', EXAMPLE);
    expect(plain.stdout).toContain('nothing changed (0 added, 0 changed)');
    expect((await s.events()).filter((e) => e.type === 'election_imported')).toHaveLength(1);
    expect(await tpsTotal(s, 'id')).toBe(6);
  });

  it('writes nothing from invalid files, and says what is wrong where', async (ctx) => {
    if (!o) return ctx.skip('PostgreSQL not available');
    const dir = await exampleWith({
      'tps.csv': (t) => t.replace('16.08.01.1007,2,140,', '16.08.01.1007,2,abc,'),
      'regions.csv': (t) => `${t}16.09.01,Orphan\n`,
    });
    const r = await election(o, 'import', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('2 problem(s) in the files; nothing was imported');
    expect(r.stderr).toContain('regions.csv:9: code: 16.09.01 lies in 16.09');
    expect(r.stderr).toContain('tps.csv:3: dpt_l: "abc" is not a whole number');
    expect(await o.store.isEmpty()).toBe(true);
    expect(await o.store.events()).toEqual([]);

    const missing = await election(o, 'import', join(dir, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('election.json: no such file in');
  });

  it('adds TPS and regions later, raising the totals above them, and keeps TPS left out', async (ctx) => {
    if (!o) return ctx.skip('PostgreSQL not available');
    expect((await election(o, 'import', EXAMPLE)).code).toBe(0);
    // Only what is new: one TPS in a desa that has some, two in a desa new to the election.
    const dir = await exampleWith({
      'regions.csv': (t) => `${t}16.08.02.2002,Kurungan Nyawa\n`,
      'tps.csv': () =>
        'desa_code,tps_no,dpt_l,dpt_p\n16.08.02.2001,3,100,100\n16.08.02.2002,1,90,90\n16.08.02.2002,2,80,80\n',
    });
    const r = await election(o, 'import', dir, '--json');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      regions: { added: 1, unchanged: 8 },
      tps: { added: 3, changed: 0, unchanged: 0, kept: 6 },
    });
    const s = o.store;
    expect(await tpsTotal(s, 'id')).toBe(9);
    expect(await tpsTotal(s, '16.08')).toBe(9);
    expect(await tpsTotal(s, '16.08.02')).toBe(5);
    expect(await tpsTotal(s, '16.08.02.2002')).toBe(2);
    expect(await tpsTotal(s, '16.08.01')).toBe(4);
    expect((await s.regionResult('16.08.02.2002' as RegionCode, 'dprd_kabko'))?.progress).toEqual(
      expect.objectContaining({ tpsTotal: 2, tpsReported: 0 }),
    );
    expect(await s.tps(TPS_1)).toMatchObject({ dpt: 258 });
    expect(await s.checkAggregates()).toEqual([]);
  });

  it('refuses to change a TPS or contest with a submission, changing nothing; applies changes to others', async (ctx) => {
    if (!o) return ctx.skip('PostgreSQL not available');
    expect((await election(o, 'import', EXAMPLE)).code).toBe(0);
    const s = o.store;
    await s.recordSubmission(plainSubmission(TPS_1));
    const eventsBefore = (await s.events()).length;
    const dir = await exampleWith({
      'tps.csv': (t) =>
        t
          .replace('16.08.01.1007,1,131,127,TPS 001', '16.08.01.1007,1,131,128,TPS 001')
          .replace('16.08.01.1007,2,140,138,TPS 002', '16.08.01.1007,2,141,138,TPS 2')
          .concat('16.08.02.2001,3,1,1,\n'),
      'election.json': (t) => t.replace('"Mahfud MD"', '"Mahfud M.D."'),
    });
    const refused = await election(o, 'import', dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('election_conflict: nothing was imported (2 conflict(s))');
    expect(refused.stderr).toContain(`TPS ${TPS_1}: dpt would change, but it has 1 submission(s)`);
    expect(refused.stderr).toContain('contest ppwp would change, but it has 1 submission(s)');
    // Nothing of it: not the TPS without results, not the new TPS, no event.
    expect(await s.tps(TPS_1)).toMatchObject({ dpt: 258 });
    expect(await s.tps(TPS_2)).toMatchObject({ name: 'TPS 002', dpt: 278 });
    expect(await s.tps('16.08.02.2001.003' as TpsCode)).toBeUndefined();
    expect(await tpsTotal(s, 'id')).toBe(6);
    expect((await s.events()).length).toBe(eventsBefore);

    // Without the changes to the TPS and contest that have results, the rest goes in.
    const allowed = await exampleWith({
      'tps.csv': (t) =>
        t
          .replace('16.08.01.1007,2,140,138,TPS 002', '16.08.01.1007,2,141,138,TPS 2')
          .concat('16.08.02.2001,3,1,1,\n'),
      'election.json': (t) => t.replace('"Calon Tiga"', '"Calon Ketiga"'),
    });
    const applied = await election(o, 'import', allowed, '--json');
    expect(applied.stderr).toBe('');
    expect(JSON.parse(applied.stdout)).toMatchObject({
      tps: { added: 1, changed: 1, unchanged: 5 },
      contests: { changed: 1, unchanged: 1 },
    });
    expect(await s.tps(TPS_2)).toEqual({ code: TPS_2, name: 'TPS 2', dpt: 279 });
    const dprd = await s.contest('dprd_kabko');
    expect(dprd?.kind === 'party-list' && dprd.parties[1]!.candidates[0]!.name).toBe(
      'Calon Ketiga',
    );
    expect(await tpsTotal(s, 'id')).toBe(7);
    expect((await s.regionResult(NATION_CODE, 'ppwp'))?.progress.tpsReported).toBe(1);
    expect(await s.checkAggregates()).toEqual([]);
  });

  it('refuses another election in the same database', async (ctx) => {
    if (!o) return ctx.skip('PostgreSQL not available');
    expect((await election(o, 'import', EXAMPLE)).code).toBe(0);
    const dir = await exampleWith({ 'election.json': (t) => t.replace('Contoh:', 'Lain:') });
    const r = await election(o, 'import', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the database holds another election');
  });

  it('loads the demo through its files exactly as serve --demo and loadElection do', async (ctx) => {
    if (!o) return ctx.skip('PostgreSQL not available');
    const others = await Promise.all([backend.open(), backend.open()]);
    try {
      const [served, direct] = others as [OpenedStore, OpenedStore];
      // serve --demo's path; and the files written out, then imported by the command.
      const r = await importElectionTexts(served.store, demoElectionFiles());
      expect(r.ok).toBe(true);
      await direct.store.loadElection(demoElection());
      const dir = await mkdtemp(join(tmpdir(), 'rekap-demo-'));
      dirs.push(dir);
      expect('written' in (await writeElectionDir(demoElection(), dir))).toBe(true);
      expect(await writeElectionDir(demoElection(), dir)).toEqual({
        inTheWay: ['election.json', 'regions.csv', 'tps.csv'],
      });
      const ran = await election(o, 'import', dir);
      expect(ran.code).toBe(0);
      const want = await contentOf(served);
      expect(want.tps).toHaveLength(2180);
      expect(await contentOf(o)).toEqual(want);
      expect(await contentOf(direct)).toEqual(want);
      // The event names the same files: the demo's, as export-demo writes them.
      const hashes = async (x: OpenedStore) =>
        (await x.store.events()).find((e) => e.type === 'election_imported')?.details.files;
      expect(await hashes(o)).toEqual(await hashes(served));
    } finally {
      for (const x of others) {
        await x?.store.close();
        await x?.cleanup();
      }
    }
  });

  it('imports the real OKU Timur TPS list with region names from idn-area-data', async (ctx) => {
    if (!o) return ctx.skip('PostgreSQL not available');
    const source = sharedData('tps/okutimur-tps.csv', "KPU's TPS list of OKU Timur");
    if (!source) return ctx.skip('../shared/data is absent');
    const rows: Record<string, string>[] = parse(await readFile(source, 'utf8'), { columns: true });
    // KPU's list as published has no DPT: both columns empty.
    const tps = [
      'desa_code,tps_no,dpt_l,dpt_p,name',
      ...rows.map((r) => `${r.desa_code},${r.tps_no},,,${r.tps_name}`),
    ].join('\n');
    const dir = await mkdtemp(join(tmpdir(), 'rekap-okut-'));
    dirs.push(dir);
    await writeFile(join(dir, 'tps.csv'), `${tps}\n`);
    await writeFile(
      join(dir, 'election.json'),
      JSON.stringify({
        name: 'Pemilu Presiden 2024, Kab. Ogan Komering Ulu Timur',
        contests: [demoElection().contests[0]],
      }),
    );
    const r = await election(o, 'import', dir, '--regions', 'idn-area-data', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      // The nation, the province, the kabupaten, 20 kecamatan and 312 desa.
      regions: { added: 335 },
      tps: { added: 2180 },
    });
    expect(await tpsTotal(o.store, '16.08')).toBe(2180);
    expect(await tpsTotal(o.store, '16.08.01')).toBe(
      rows.filter((x) => x.kecamatan_code === '16.08.01').length,
    );
    expect(await o.store.tps('16.08.01.1008.902' as TpsCode)).toEqual({
      code: '16.08.01.1008.902',
      name: 'TPS 902',
      dpt: null,
    });
    // The same names as the demo, which reads idn-area-data too.
    const demo = demoElection().regions.find((x) => x.code === '16.08.01.1007');
    const got = await o.store.regionResult('16.08.01.1007' as RegionCode, 'ppwp');
    expect(got?.name).toBe(demo?.name);
  });
});

/** The rows an election consists of, each table in key order: what two imports must agree on. */
async function contentOf(x: OpenedStore) {
  // A second connection to the same database, for the rows themselves.
  const conn = await openDb({ url: x.dbUrl, dataDir: x.dataDir });
  const db = conn.db;
  try {
    return {
      meta: await db.selectFrom('meta').selectAll().orderBy('key').execute(),
      regions: await db.selectFrom('regions').selectAll().orderBy('code').execute(),
      tps: await db.selectFrom('tps').selectAll().orderBy('code').execute(),
      contests: (await db.selectFrom('contests').selectAll().orderBy('ballot').execute()).map(
        (c) => ({ ...c, definition: JSON.parse(c.definition) as unknown }),
      ),
      recap: await db
        .selectFrom('recap_totals')
        .selectAll()
        .orderBy('ballot')
        .orderBy('region_code')
        .execute(),
    };
  } finally {
    await conn.close();
  }
}

describe('docs/election-import.md', () => {
  it('quotes the example files exactly, and they import', async () => {
    const doc = await readFile(
      join(import.meta.dirname, '..', 'docs', 'election-import.md'),
      'utf8',
    );
    const blocks = [...doc.matchAll(/^```(?:json|csv)\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    const texts = {
      'election.json': await readFile(join(EXAMPLE, 'election.json'), 'utf8'),
      'regions.csv': await readFile(join(EXAMPLE, 'regions.csv'), 'utf8'),
      'tps.csv': await readFile(join(EXAMPLE, 'tps.csv'), 'utf8'),
    };
    expect(blocks).toEqual(Object.values(texts));
    expect(parseElectionFiles(texts).ok).toBe(true);
  });
});
