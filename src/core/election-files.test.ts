import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RegionCode } from './codes.ts';
import {
  MAX_IMPORT_PROBLEMS,
  formatProblem,
  jsonLines,
  parseElectionFiles,
  renderElectionFiles,
  type ElectionFileTexts,
  type RegionNameSource,
} from './election-files.ts';

const DIR = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'election');
const fixture = (): Required<ElectionFileTexts> => ({
  'election.json': readFileSync(join(DIR, 'election.json'), 'utf8'),
  'regions.csv': readFileSync(join(DIR, 'regions.csv'), 'utf8'),
  'tps.csv': readFileSync(join(DIR, 'tps.csv'), 'utf8'),
});

/** The problems of these files, as the command prints them. */
function problems(files: ElectionFileTexts, regionNames?: RegionNameSource): string[] {
  const r = parseElectionFiles(files, { regionNames });
  if (r.ok) throw new Error('expected problems');
  return r.error.problems.map(formatProblem);
}

const withTps = (tps: string) => ({ ...fixture(), 'tps.csv': tps });
const withRegions = (regions: string) => ({ ...fixture(), 'regions.csv': regions });
const withJson = (edit: (json: Record<string, unknown>) => void) => {
  const f = fixture();
  const json = JSON.parse(f['election.json']) as Record<string, unknown>;
  edit(json);
  return { ...f, 'election.json': JSON.stringify(json, null, 2) };
};

describe('parseElectionFiles', () => {
  it('reads the documented example', () => {
    const r = parseElectionFiles(fixture());
    if (!r.ok) throw new Error(r.error.problems.map(formatProblem).join('\n'));
    const e = r.value;
    expect(e.demo).toBe(false);
    expect(e.regions.map((x) => x.code)).toEqual([
      'id',
      '16',
      '16.08',
      '16.08.01',
      '16.08.01.1007',
      '16.08.01.1008',
      '16.08.02',
      '16.08.02.2001',
    ]);
    expect(e.regions[0]).toEqual({ code: 'id', name: 'Indonesia', level: 'nasional' });
    expect(e.regions.find((x) => x.code === '16.08.01')?.level).toBe('kecamatan');
    expect(e.tps).toEqual([
      { code: '16.08.01.1007.001', name: 'TPS 001', dpt: 258 },
      { code: '16.08.01.1007.002', name: 'TPS 002', dpt: 278 },
      { code: '16.08.01.1008.001', name: 'TPS 001', dpt: 245 },
      { code: '16.08.01.1008.901', name: 'TPS 901 (Lapas)', dpt: 75 },
      // A packed desa code, the default name, and a DPT not yet known.
      { code: '16.08.02.2001.001', name: 'TPS 001', dpt: 200 },
      { code: '16.08.02.2001.002', name: 'TPS 002', dpt: null },
    ]);
    expect(e.contests.map((c) => [c.ballot, c.scope])).toEqual([
      ['ppwp', 'id'],
      ['dprd_kabko', '16.08'],
    ]);
    expect(e.districts).toEqual([
      {
        id: 'OKUT-1',
        name: 'Ogan Komering Ulu Timur 1',
        ballot: 'dprd_kabko',
        regions: ['16.08.01'],
      },
      {
        id: 'OKUT-2',
        name: 'Ogan Komering Ulu Timur 2',
        ballot: 'dprd_kabko',
        regions: ['16.08.02'],
      },
    ]);
  });

  it('reads back what renderElectionFiles writes', () => {
    const first = parseElectionFiles(fixture());
    if (!first.ok) throw new Error('fixture');
    const again = parseElectionFiles(renderElectionFiles(first.value));
    expect(again).toEqual(first);
  });

  it('names file, line and field of a bad number', () => {
    const tps = fixture()['tps.csv'].replace('16.08.01.1007,2,140,', '16.08.01.1007,2,abc,');
    expect(problems(withTps(tps))).toEqual(['tps.csv:3: dpt_l: "abc" is not a whole number']);
  });

  it('counts lines as an editor does: header 1, blank lines and quoted line breaks too', () => {
    const tps = [
      'desa_code,tps_no,dpt_l,dpt_p,name',
      '16.08.01.1007,1,1,1,"TPS',
      'satu"',
      '',
      '16.08.01.1007,2,1,-1,',
    ].join('\n');
    expect(problems(withTps(tps))).toEqual(['tps.csv:5: dpt_p: "-1" is not a whole number']);
  });

  it('reports every problem of every file, not just the first', () => {
    const tps = [
      'desa_code,tps_no,dpt_l,dpt_p',
      '16.08.01.1007,1,500,500',
      '16.08.01.1007,0,1,1',
      '16.08.01.1007,1,1,1',
      '16.08.01.1007,2,1000,1',
      '16.08.01.9999,1,1,1',
      '16.08.01,1,1,1',
      '16.08.01.1007,3,1',
      '16.08.01.1007,4,,1',
    ].join('\n');
    const regions =
      fixture()['regions.csv'] + '16.08.01.1007,Again\n16.09.01,Orphan\n1x,Bad\n16.08.03,\n';
    // By file, then by line.
    expect(problems({ ...withRegions(regions), 'tps.csv': tps })).toEqual([
      'regions.csv:9: code: 16.08.01.1007 is given twice (first on line 5)',
      'regions.csv:10: code: 16.09.01 lies in 16.09, which is not in regions.csv',
      'regions.csv:11: code: "1x" is not a Kemendagri region code (16, 16.08, 16.08.01, 16.08.01.1007)',
      'regions.csv:12: name: empty',
      'tps.csv:2: dpt_l: dpt_l + dpt_p is 1000, more than 999',
      'tps.csv:3: tps_no: 0 is not between 1 and 999',
      'tps.csv:4: tps_no: TPS 16.08.01.1007.001 is given twice (first on line 2)',
      'tps.csv:5: dpt_l: 1000 is not between 0 and 999',
      'tps.csv:6: desa_code: desa 16.08.01.9999 is not in regions.csv',
      'tps.csv:7: desa_code: 16.08.01 is a kecamatan, expected a desa',
      'tps.csv:8: 3 fields, expected 4 (desa_code,tps_no,dpt_l,dpt_p)',
      'tps.csv:9: dpt_l: "" is not a whole number',
    ]);
  });

  it('checks the headers', () => {
    expect(problems(withTps('desa,tps_no,dpt_l,dpt_p,nama\n'))).toEqual([
      'tps.csv:1: desa_code: missing column',
      'tps.csv:1: desa: unknown column (expected desa_code, tps_no, dpt_l, dpt_p, name)',
      'tps.csv:1: nama: unknown column (expected desa_code, tps_no, dpt_l, dpt_p, name)',
    ]);
    expect(problems(withRegions(''))).toEqual([
      'regions.csv:1: empty: expected the header code,name',
    ]);
    expect(problems(withTps('desa_code,tps_no,dpt_l,dpt_p\n"16.08'))[0]).toMatch(
      /^tps\.csv:2: not CSV: Quote Not Closed/,
    );
  });

  it('names the line and field of a bad contest in election.json', () => {
    const files = withJson((j) => {
      const contests = j.contests as {
        pairs?: { names: string[] }[];
        ballot: string;
        scope: string;
      }[];
      contests[0]!.pairs![1]!.names = ['Prabowo Subianto'];
      contests[1]!.scope = '16.09';
    });
    const lines = files['election.json'].split('\n');
    const namesLine = lines.findIndex((l) => l.includes('"Prabowo Subianto"')) + 1;
    expect(problems(files)).toEqual([
      `election.json:${namesLine - 1}: contests.0.pairs.1.names: expected at least 2 items, got 1`,
    ]);
  });

  it('checks contests and districts against the regions', () => {
    const files = withJson((j) => {
      const contests = j.contests as { ballot: string; scope: string }[];
      contests[1]!.scope = '16.09';
      contests.push({ ...contests[0]!, ballot: 'ppwp' });
      const districts = j.districts as { regions: string[]; ballot: string; id: string }[];
      districts[1]!.regions = ['16.08.01.1007', '16.08.77'];
      districts.push({ ...districts[0]!, ballot: 'dpd' });
    });
    const lineOf = (path: string) => jsonLines(files['election.json']).get(path);
    expect(problems(files)).toEqual([
      `election.json:${lineOf('contests.1.scope')}: contests.1.scope: "16.09" is neither \`id\` nor a region in regions.csv`,
      `election.json:${lineOf('contests.2.ballot')}: contests.2.ballot: a second ppwp contest (the first is contests.0); one contest a ballot`,
      `election.json:${lineOf('districts.1.regions.0')}: districts.1.regions.0: 16.08.01.1007 overlaps 16.08.01 of district OKUT-1 (dprd_kabko)`,
      `election.json:${lineOf('districts.1.regions.1')}: districts.1.regions.1: "16.08.77" is not a region in regions.csv`,
      `election.json:${lineOf('districts.2.id')}: districts.2.id: OKUT-1 is given twice (first districts.0)`,
      `election.json:${lineOf('districts.2.ballot')}: districts.2.ballot: no dpd contest in election.json`,
    ]);
  });

  it('refuses candidate numbers given twice and says where JSON breaks', () => {
    const twice = withJson((j) => {
      const pairs = (j.contests as { pairs: { number: number }[] }[])[0]!.pairs;
      pairs[2]!.number = 1;
    });
    expect(problems(twice)[0]).toMatch(
      /^election\.json:\d+: contests\.0\.pairs: number given twice: 1$/,
    );
    const broken = { ...fixture(), 'election.json': '{\n  "name": "x",\n  "contests": [,]\n}' };
    expect(problems(broken)[0]).toMatch(/^election\.json:3: not JSON: /);
  });

  it('reports at most 50 problems and counts the rest', () => {
    const rows = Array.from({ length: 120 }, (_, n) => `16.08.01.1007,${n + 1},x,1`);
    const r = parseElectionFiles(withTps(['desa_code,tps_no,dpt_l,dpt_p', ...rows].join('\n')));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.problems).toHaveLength(MAX_IMPORT_PROBLEMS);
    expect(r.error.omitted).toBe(120 - MAX_IMPORT_PROBLEMS);
  });

  it('takes region names from a source instead of regions.csv', () => {
    const names: Record<string, Record<string, string>> = {
      provinsi: { '16': 'Sumatera Selatan' },
      kabupaten: { '16.08': 'OKU Timur', '16.09': 'Elsewhere' },
      kecamatan: { '16.08.01': 'Martapura', '16.08.02': 'Buay Madang' },
      desa: {
        '16.08.01.1007': 'Dusun Martapura',
        '16.08.01.1008': 'Pasar Martapura',
        '16.08.02.2001': 'Suka Raja',
        '16.08.02.2002': 'Kurungan Nyawa',
      },
    };
    const source = (prefixes?: RegionCode[]): RegionNameSource => ({
      label: '--regions test',
      prefixes,
      names: (level, under) =>
        new Map(
          Object.entries(names[level]!).filter(([c]) => c === under || c.startsWith(`${under}.`)),
        ),
    });
    const files = { ...fixture(), 'regions.csv': undefined };
    const needed = parseElectionFiles(files, { regionNames: source() });
    expect(needed.ok && needed.value.regions.map((r) => r.code)).toEqual([
      'id',
      '16',
      '16.08',
      '16.08.01',
      '16.08.01.1007',
      '16.08.01.1008',
      '16.08.02',
      '16.08.02.2001',
    ]);
    const all = parseElectionFiles(files, { regionNames: source(['16.08.02' as RegionCode]) });
    expect(all.ok).toBe(false);
    expect(problems(files, source(['16.08.02' as RegionCode]))).toEqual([
      `election.json:${jsonLines(files['election.json']).get('districts.0.regions.0')}: districts.0.regions.0: "16.08.01" is not a region in --regions test`,
      'tps.csv:2: desa_code: desa 16.08.01.1007 is not in --regions test',
      'tps.csv:3: desa_code: desa 16.08.01.1007 is not in --regions test',
      'tps.csv:4: desa_code: desa 16.08.01.1008 is not in --regions test',
      'tps.csv:5: desa_code: desa 16.08.01.1008 is not in --regions test',
    ]);
    const tpsOnly = { ...files, 'tps.csv': 'desa_code,tps_no,dpt_l,dpt_p\n16.08.02.2001,1,1,1\n' };
    const under = parseElectionFiles(
      withJsonOf(tpsOnly, (j) => delete j.districts),
      { regionNames: source(['16.08.02' as RegionCode]) },
    );
    expect(under.ok && under.value.regions.map((r) => r.code)).toEqual([
      'id',
      '16',
      '16.08',
      '16.08.02',
      '16.08.02.2001',
      '16.08.02.2002',
    ]);
    const missing = {
      ...tpsOnly,
      'tps.csv': 'desa_code,tps_no,dpt_l,dpt_p\n16.08.03.2001,1,1,1\n',
    };
    expect(
      problems(
        withJsonOf(missing, (j) => delete j.districts),
        source(),
      ),
    ).toEqual([
      '--regions test: 16.08.03: no such region there',
      '--regions test: 16.08.03.2001: no such region there',
      'tps.csv:2: desa_code: desa 16.08.03.2001 is not in --regions test',
    ]);
  });
});

function withJsonOf(files: ElectionFileTexts, edit: (json: Record<string, unknown>) => void) {
  const json = JSON.parse(files['election.json']) as Record<string, unknown>;
  edit(json);
  return { ...files, 'election.json': JSON.stringify(json, null, 2) };
}

describe('jsonLines', () => {
  it('finds the line of each value by its path', () => {
    const lines = jsonLines('{\n  "a": [1,\n    {"b": "x\\"y"}],\n  "c": null\n}');
    expect(Object.fromEntries(lines)).toEqual({
      '': 1,
      a: 2,
      'a.0': 2,
      'a.1': 3,
      'a.1.b': 3,
      c: 4,
    });
  });
});
