// An election's documented files (docs/election-import.md): election.json (the name, the contests
// and the electoral districts), regions.csv (`code,name`) and tps.csv (KPU's TPS list:
// `desa_code,tps_no,dpt_l,dpt_p[,name]`), read into an ElectionSetup and written back out. Pure:
// text in, a setup or every problem found out, each naming its file, line and field, so that a
// person can fix a file of 800,000 lines in one pass instead of one error at a time.
import { parse } from 'csv-parse/sync';
import * as z from 'zod';
import { BallotSchema, ContestSchema, voteKeys, type Ballot, type Contest } from './ballots.ts';
import {
  NATION_CODE,
  REGION_LEVELS,
  makeTpsCode,
  parentRegion,
  parseRegionCode,
  regionContains,
  regionLevel,
  tpsNumber,
  type RegionCode,
  type RegionLevel,
  type TpsCode,
} from './codes.ts';
import type { ElectionSetup, Region, Tps } from './election.ts';
import { describeIssue, pathText, quote } from './problems.ts';
import { err, ok, type Result } from './result.ts';

export const ELECTION_FILES = ['election.json', 'regions.csv', 'tps.csv'] as const;
export type ElectionFileName = (typeof ELECTION_FILES)[number];

/** The text of each file; regions.csv may be left out when the names come from elsewhere. */
export type ElectionFileTexts = {
  'election.json': string;
  'regions.csv'?: string | undefined;
  'tps.csv': string;
};

/** What is wrong, where: `tps.csv:14: dpt_l: "abc" is not a whole number`. */
export type ImportProblem = {
  /** A file name, or the option that stood for one (`--regions idn-area-data`). */
  file: string;
  /** As a text editor shows it: the first line (a CSV header) is 1. */
  line?: number | undefined;
  /** A CSV column, or a JSON path (`contests.0.pairs.1.names`). */
  field?: string | undefined;
  message: string;
};

export function formatProblem(p: ImportProblem): string {
  const at = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.field === undefined ? `${at}: ${p.message}` : `${at}: ${p.field}: ${p.message}`;
}

/** The nation's name when regions.csv does not give one (it is implicit there). */
export const NATION_NAME = 'Indonesia';

/** The registered voters of one TPS: the form's three boxes (TpsSchema). */
export const MAX_DPT = 999;
export const MAX_TPS_NUMBER = 999;

/**
 * An electoral district (dapil) of one ballot: the regions whose TPS elect its seats. Stored with
 * the election; counting per multi-region district is not done yet (docs/election-import.md).
 */
export const DistrictSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - (at most 40)'),
  name: z.string().min(1),
  ballot: BallotSchema,
  regions: z.array(z.string()).min(1),
});
export type District = { id: string; name: string; ballot: Ballot; regions: RegionCode[] };

/** A setup as the files give it: the election and its electoral districts. */
export type ElectionImport = ElectionSetup & { districts: District[] };

const ElectionJsonSchema = z.strictObject({
  name: z.string().min(1),
  /** Labels the election DEMO wherever it shows (the demo's files say so). */
  demo: z.boolean().optional(),
  contests: z.array(ContestSchema).min(1),
  districts: z.array(DistrictSchema).optional(),
});

/** Where region names come from instead of regions.csv (`--regions idn-area-data[:CODE,...]`). */
export type RegionNameSource = {
  /** How the option reads, for messages: `--regions idn-area-data`. */
  label: string;
  /** Every region under these (and the regions above them); undefined: those the files need. */
  prefixes?: readonly RegionCode[] | undefined;
  /** The names of one level's regions that lie in `under` (a province or below). */
  names(level: Exclude<RegionLevel, 'nasional'>, under: RegionCode): ReadonlyMap<string, string>;
};

/** The most problems one import reports (the rest are counted). */
export const MAX_IMPORT_PROBLEMS = 50;

/** Problems, the first MAX_IMPORT_PROBLEMS kept and the rest counted. */
export type ImportProblems = { problems: ImportProblem[]; omitted: number };

/** Problems kept to sort (beyond these, only counted): a file of bad lines stays small. */
const PROBLEMS_KEPT = 5_000;

class Problems {
  private readonly list: ImportProblem[] = [];
  private count = 0;
  add(p: ImportProblem): void {
    this.count++;
    if (this.list.length < PROBLEMS_KEPT) this.list.push(p);
  }
  get any(): boolean {
    return this.count > 0;
  }
  /** By file (election.json, regions, tps.csv) and line, the first MAX_IMPORT_PROBLEMS. */
  done(): ImportProblems {
    const order = (f: string) => (f === 'election.json' ? 0 : f === 'tps.csv' ? 2 : 1);
    const sorted = this.list
      .map((p, n) => ({ p, n }))
      .sort(
        (a, b) =>
          order(a.p.file) - order(b.p.file) || (a.p.line ?? 0) - (b.p.line ?? 0) || a.n - b.n,
      )
      .map((x) => x.p)
      .slice(0, MAX_IMPORT_PROBLEMS);
    return { problems: sorted, omitted: this.count - sorted.length };
  }
}

type CsvRow = { line: number; cells: Map<string, string> };

/**
 * The rows of a CSV file under its header, with their line numbers; a header that lacks a
 * required column or has one not in `optional` is a problem. Undefined when the file cannot be
 * read as CSV at all.
 */
function csvRows(
  file: string,
  text: string,
  required: readonly string[],
  optional: readonly string[],
  out: Problems,
): CsvRow[] | undefined {
  let records: { record: string[]; info: { lines: number }; raw: string }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      raw: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    out.add({ file, line, message: `not CSV: ${(e as Error).message}` });
    return undefined;
  }
  // csv-parse counts the line a record ends on; a quoted field may hold line breaks.
  const startLine = (r: { info: { lines: number }; raw: string }) =>
    r.info.lines -
    (r.raw
      .replace(/^[\r\n]+/, '')
      .replace(/\r?\n$/, '')
      .match(/\n/g)?.length ?? 0);
  const [head, ...body] = records;
  if (!head) {
    out.add({ file, line: 1, message: `empty: expected the header ${required.join(',')}` });
    return undefined;
  }
  const header = head.record.map((h) => h.toLowerCase());
  const headerLine = startLine(head);
  let bad = false;
  for (const col of required)
    if (!header.includes(col)) {
      out.add({ file, line: headerLine, field: col, message: 'missing column' });
      bad = true;
    }
  const known = new Set([...required, ...optional]);
  const seen = new Set<string>();
  for (const col of header) {
    if (!known.has(col)) {
      out.add({
        file,
        line: headerLine,
        field: col || '(empty)',
        message: `unknown column (expected ${[...required, ...optional].join(', ')})`,
      });
      bad = true;
    } else if (seen.has(col)) {
      out.add({ file, line: headerLine, field: col, message: 'column given twice' });
      bad = true;
    }
    seen.add(col);
  }
  if (bad) return undefined;
  const rows: CsvRow[] = [];
  for (const r of body) {
    const line = startLine(r);
    if (r.record.length !== header.length) {
      out.add({
        file,
        line,
        message: `${r.record.length} fields, expected ${header.length} (${header.join(',')})`,
      });
      continue;
    }
    rows.push({ line, cells: new Map(header.map((h, i) => [h, r.record[i] ?? ''])) });
  }
  return rows;
}

const WHOLE = /^\d+$/;

/** A whole number in [min, max], or a problem about `field`. */
function wholeNumber(
  value: string,
  min: number,
  max: number,
  at: Omit<ImportProblem, 'message'>,
  out: Problems,
): number | undefined {
  if (!WHOLE.test(value)) {
    out.add({ ...at, message: `${quote(value)} is not a whole number` });
    return undefined;
  }
  const n = Number(value);
  if (n < min || n > max) {
    out.add({ ...at, message: `${n} is not between ${min} and ${max}` });
    return undefined;
  }
  return n;
}

/** A region code of one of `levels`, or a problem. Packed KPU codes are accepted. */
function regionCodeAt(
  value: string,
  levels: readonly RegionLevel[],
  at: Omit<ImportProblem, 'message'>,
  out: Problems,
): RegionCode | undefined {
  const code = parseRegionCode(value);
  if (!code) {
    out.add({
      ...at,
      message: `${quote(value)} is not a Kemendagri region code (16, 16.08, 16.08.01, 16.08.01.1007)`,
    });
    return undefined;
  }
  const level = regionLevel(code);
  if (!levels.includes(level)) {
    out.add({ ...at, message: `${code} is a ${level}, expected a ${levels.join(' or ')}` });
    return undefined;
  }
  return code;
}

type ParsedRegions = Map<RegionCode, { region: Region; line?: number | undefined }>;

/** The regions of regions.csv; undefined when its header already fails. */
function readRegionsCsv(text: string, out: Problems): ParsedRegions | undefined {
  const file = 'regions.csv';
  const regions: ParsedRegions = new Map();
  const rows = csvRows(file, text, ['code', 'name'], [], out);
  if (!rows) return undefined;
  for (const row of rows) {
    const code = regionCodeAt(
      row.cells.get('code')!,
      REGION_LEVELS,
      { file, line: row.line, field: 'code' },
      out,
    );
    const name = row.cells.get('name')!;
    if (name === '') out.add({ file, line: row.line, field: 'name', message: 'empty' });
    if (!code || name === '') continue;
    const before = regions.get(code);
    if (before) {
      out.add({
        file,
        line: row.line,
        field: 'code',
        message: `${code} is given twice (first on line ${String(before.line)})`,
      });
      continue;
    }
    regions.set(code, { region: { code, name, level: regionLevel(code) }, line: row.line });
  }
  if (!regions.has(NATION_CODE))
    regions.set(NATION_CODE, {
      region: { code: NATION_CODE, name: NATION_NAME, level: 'nasional' },
    });
  for (const [code, { line }] of regions) {
    const parent = parentRegion(code);
    if (parent && !regions.has(parent))
      out.add({
        file,
        line,
        field: 'code',
        message: `${code} lies in ${parent}, which is not in regions.csv`,
      });
  }
  return regions;
}

type TpsRow = { tps: Tps; desa: RegionCode; line: number };

function readTpsCsv(text: string, out: Problems): TpsRow[] {
  const file = 'tps.csv';
  const rows = csvRows(file, text, ['desa_code', 'tps_no', 'dpt_l', 'dpt_p'], ['name'], out);
  const tps: TpsRow[] = [];
  const lines = new Map<TpsCode, number>();
  for (const row of rows ?? []) {
    const at = (field: string) => ({ file, line: row.line, field });
    const desa = regionCodeAt(row.cells.get('desa_code')!, ['desa'], at('desa_code'), out);
    const number = wholeNumber(row.cells.get('tps_no')!, 1, MAX_TPS_NUMBER, at('tps_no'), out);
    // KPU's TPS list does not always carry the DPT: both columns empty say it is not known yet.
    const l = row.cells.get('dpt_l')!;
    const p = row.cells.get('dpt_p')!;
    let dpt: number | null | undefined = null;
    if (l !== '' || p !== '') {
      const dl = wholeNumber(l, 0, MAX_DPT, at('dpt_l'), out);
      const dp = wholeNumber(p, 0, MAX_DPT, at('dpt_p'), out);
      dpt = dl === undefined || dp === undefined ? undefined : dl + dp;
      if (dpt !== undefined && dpt > MAX_DPT) {
        out.add({ ...at('dpt_l'), message: `dpt_l + dpt_p is ${dpt}, more than ${MAX_DPT}` });
        dpt = undefined;
      }
    }
    if (!desa || number === undefined) continue;
    const code = makeTpsCode(desa, number);
    const before = lines.get(code);
    if (before !== undefined) {
      out.add({
        ...at('tps_no'),
        message: `TPS ${code} is given twice (first on line ${before})`,
      });
      continue;
    }
    lines.set(code, row.line);
    if (dpt === undefined) continue;
    const name = row.cells.get('name') || `TPS ${String(number).padStart(3, '0')}`;
    tps.push({ tps: { code, name, dpt }, desa, line: row.line });
  }
  return tps;
}

/** Where a JSON text stops being JSON (its line), as jsonLines finds it. */
class JsonSyntaxError extends Error {
  constructor(readonly line: number) {
    super(`not JSON at line ${line}`);
  }
}

const JSON_LITERAL = /-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null/y;

/**
 * The line each value of a JSON text starts on, by its path (`contests.0.scope`). Throws a
 * JsonSyntaxError at the first thing that is not JSON, since Node's own message does not always
 * say where.
 */
export function jsonLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const fail = (): never => {
    throw new JsonSyntaxError(line);
  };
  const space = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\uFEFF') return;
    }
  };
  const expect = (c: string) => {
    space();
    if (text[i] !== c) fail();
    i++;
  };
  const string = (): string => {
    if (text[i] !== '"') fail();
    const start = i;
    for (i++; i < text.length && text[i] !== '"'; i++) {
      if (text[i] === '\n') fail();
      if (text[i] === '\\') i++;
    }
    if (i >= text.length) fail();
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail();
    }
  };
  const value = (path: string) => {
    space();
    lines.set(path, line);
    const c = text[i];
    const child = (k: string) => (path === '' ? k : `${path}.${k}`);
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        space();
        if (c === '{') {
          const key = string();
          expect(':');
          value(child(key));
        } else value(child(String(n)));
        space();
        if (text[i] === close) {
          i++;
          return;
        }
        expect(',');
      }
    } else if (c === '"') string();
    else {
      JSON_LITERAL.lastIndex = i;
      if (!JSON_LITERAL.test(text)) fail();
      i = JSON_LITERAL.lastIndex;
    }
  };
  value('');
  space();
  if (i < text.length) fail();
  return lines;
}

/** The line of the value at `path` or, when it is missing, of the nearest value above it. */
function lineOf(lines: Map<string, number>, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const line = lines.get(path.slice(0, n).map(String).join('.'));
    if (line !== undefined) return line;
  }
  return undefined;
}

type ParsedJson = {
  name: string;
  demo: boolean;
  contests: { contest: Contest; path: string }[];
  districts: { district: z.infer<typeof DistrictSchema>; path: string }[];
  lines: Map<string, number>;
};

function readElectionJson(text: string, out: Problems): ParsedJson | undefined {
  const file = 'election.json';
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    let line: number | undefined;
    try {
      jsonLines(text);
    } catch (syntax) {
      if (!(syntax instanceof JsonSyntaxError)) throw syntax;
      line = syntax.line;
    }
    out.add({ file, line, message: `not JSON: ${(e as Error).message}` });
    return undefined;
  }
  const lines = jsonLines(text);
  const parsed = ElectionJsonSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      out.add({
        file,
        line: lineOf(lines, issue.path),
        field: pathText(issue.path),
        message: describeIssue(issue),
      });
    return undefined;
  }
  const v = parsed.data;
  return {
    name: v.name,
    demo: v.demo ?? false,
    contests: v.contests.map((contest, n) => ({ contest, path: `contests.${n}` })),
    districts: (v.districts ?? []).map((district, n) => ({ district, path: `districts.${n}` })),
    lines,
  };
}

/** The regions the files name: each TPS's desa, each contest's scope, each district's regions. */
function neededRegions(json: ParsedJson | undefined, tps: readonly TpsRow[]): Set<RegionCode> {
  const need = new Set<RegionCode>();
  const withParents = (code: RegionCode | undefined) => {
    for (let r = code; r && !need.has(r); r = parentRegion(r)) need.add(r);
  };
  for (const t of tps) withParents(t.desa);
  for (const { contest } of json?.contests ?? []) withParents(parseRegionCode(contest.scope));
  for (const { district } of json?.districts ?? [])
    for (const r of district.regions) withParents(parseRegionCode(r));
  return need;
}

/** Regions named by a source such as idn-area-data instead of regions.csv. */
function regionsFromSource(
  source: RegionNameSource,
  need: Set<RegionCode>,
  out: Problems,
): ParsedRegions {
  const file = source.label;
  const regions: ParsedRegions = new Map([
    [NATION_CODE, { region: { code: NATION_CODE, name: NATION_NAME, level: 'nasional' } }],
  ]);
  const wanted = new Set<RegionCode>();
  const add = (code: RegionCode) => {
    for (let r: RegionCode | undefined = code; r && r !== NATION_CODE; r = parentRegion(r))
      wanted.add(r);
  };
  const lookup = (code: RegionCode): string | undefined => {
    const level = regionLevel(code);
    if (level === 'nasional') return NATION_NAME;
    return source.names(level, code.slice(0, 2) as RegionCode).get(code);
  };
  if (source.prefixes) {
    for (const prefix of source.prefixes) {
      add(prefix);
      const depth = REGION_LEVELS.indexOf(regionLevel(prefix));
      for (const level of REGION_LEVELS.slice(depth + 1))
        for (const code of source.names(level as Exclude<RegionLevel, 'nasional'>, prefix).keys()) {
          const c = parseRegionCode(code);
          if (c && regionContains(prefix, c)) wanted.add(c);
        }
    }
  } else for (const code of need) if (code !== NATION_CODE) add(code);
  for (const code of [...wanted].sort()) {
    const name = lookup(code);
    if (name === undefined) out.add({ file, field: code, message: 'no such region there' });
    else regions.set(code, { region: { code, name, level: regionLevel(code) } });
  }
  return regions;
}

/**
 * Reads an election's files into a setup, checking everything: each file's header, every code
 * (well-formed, of the right level, its parents present, given once), every DPT, every contest and
 * district. All problems, or the setup; nothing half-read.
 */
export function parseElectionFiles(
  files: ElectionFileTexts,
  opts: { regionNames?: RegionNameSource | undefined } = {},
): Result<ElectionImport, ImportProblems> {
  const out = new Problems();
  const json = readElectionJson(files['election.json'], out);
  const tpsRows = readTpsCsv(files['tps.csv'], out);
  let regions: ParsedRegions | undefined;
  let regionsFile: string;
  if (opts.regionNames) {
    regionsFile = opts.regionNames.label;
    regions = regionsFromSource(opts.regionNames, neededRegions(json, tpsRows), out);
  } else if (files['regions.csv'] !== undefined) {
    regionsFile = 'regions.csv';
    regions = readRegionsCsv(files['regions.csv'], out);
  } else {
    out.add({
      file: 'regions.csv',
      message: 'missing (or name a source: --regions idn-area-data)',
    });
    return err(out.done());
  }
  // Where regions.csv could not be read at all, every code would be unknown: that is one problem,
  // already reported, not one a line.
  const hasRegion = (code: RegionCode): boolean => regions === undefined || regions.has(code);

  for (const t of tpsRows)
    if (!hasRegion(t.desa))
      out.add({
        file: 'tps.csv',
        line: t.line,
        field: 'desa_code',
        message: `desa ${t.desa} is not in ${regionsFile}`,
      });

  const contests: Contest[] = [];
  const districts: District[] = [];
  if (json) {
    const at = (path: string, field: string) => {
      const full = `${path}.${field}`;
      return { file: 'election.json', line: json.lines.get(full), field: full };
    };
    const ballots = new Map<Ballot, { contest: Contest; path: string }>();
    for (const c of json.contests) {
      const before = ballots.get(c.contest.ballot);
      if (before)
        out.add({
          ...at(c.path, 'ballot'),
          message: `a second ${c.contest.ballot} contest (the first is ${before.path}); one contest a ballot`,
        });
      else ballots.set(c.contest.ballot, c);
      const scope = parseRegionCode(c.contest.scope);
      if (!scope || !hasRegion(scope))
        out.add({
          ...at(c.path, 'scope'),
          message: `${quote(c.contest.scope)} is neither \`id\` nor a region in ${regionsFile}`,
        });
      const keys = voteKeys(c.contest);
      const twice = keys.filter((k, n) => keys.indexOf(k) !== n);
      if (twice.length > 0)
        out.add({
          ...at(
            c.path,
            c.contest.kind === 'pair'
              ? 'pairs'
              : c.contest.kind === 'party-list'
                ? 'parties'
                : 'candidates',
          ),
          message: `number given twice: ${[...new Set(twice)].join(', ')}`,
        });
      if (scope) contests.push({ ...c.contest, scope });
    }
    const ids = new Map<string, string>();
    const taken = new Map<Ballot, { region: RegionCode; id: string }[]>();
    for (const { district: d, path } of json.districts) {
      const before = ids.get(d.id);
      if (before)
        out.add({ ...at(path, 'id'), message: `${d.id} is given twice (first ${before})` });
      ids.set(d.id, path);
      const contest = ballots.get(d.ballot)?.contest;
      if (!contest)
        out.add({ ...at(path, 'ballot'), message: `no ${d.ballot} contest in election.json` });
      const codes: RegionCode[] = [];
      d.regions.forEach((r, n) => {
        const field = at(path, `regions.${n}`);
        const code = parseRegionCode(r);
        if (!code || code === NATION_CODE || !hasRegion(code)) {
          out.add({ ...field, message: `${quote(r)} is not a region in ${regionsFile}` });
          return;
        }
        const scope = contest ? parseRegionCode(contest.scope) : undefined;
        if (scope && regions?.has(scope) && !regionContains(scope, code))
          out.add({ ...field, message: `${code} lies outside the contest's scope ${scope}` });
        const list = taken.get(d.ballot) ?? [];
        const overlap = list.find(
          (o) => regionContains(o.region, code) || regionContains(code, o.region),
        );
        if (overlap)
          out.add({
            ...field,
            message:
              overlap.id === d.id
                ? `${code} overlaps ${overlap.region}, listed before in this district`
                : `${code} overlaps ${overlap.region} of district ${overlap.id} (${d.ballot})`,
          });
        list.push({ region: code, id: d.id });
        taken.set(d.ballot, list);
        codes.push(code);
      });
      districts.push({ id: d.id, name: d.name, ballot: d.ballot, regions: codes });
    }
  }
  if (out.any || !json || !regions) return err(out.done());
  const regionList = [...regions.values()].map((r) => r.region).sort(parentsFirst);
  return ok({
    name: json.name,
    demo: json.demo,
    regions: regionList,
    tps: tpsRows.map((t) => t.tps),
    contests,
    districts,
  });
}

/** The nation first, then by code: `16` before `16.08` before `16.08.01`. */
function parentsFirst(a: Region, b: Region): number {
  if (a.code === b.code) return 0;
  if (a.code === NATION_CODE) return -1;
  if (b.code === NATION_CODE) return 1;
  return a.code < b.code ? -1 : 1;
}

/** A CSV field, quoted when it must be (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * An election written as its files, which parseElectionFiles reads back into the same setup (the
 * demo is loaded this way). A setup keeps only a TPS's total DPT, not its split by sex, so the
 * total is written as two halves (dpt_l the larger); read back, they add up to it again.
 */
export function renderElectionFiles(
  setup: ElectionSetup & { districts?: readonly District[] | undefined },
): Required<ElectionFileTexts> {
  const json = {
    name: setup.name,
    ...(setup.demo ? { demo: true } : {}),
    contests: setup.contests,
    ...(setup.districts && setup.districts.length > 0 ? { districts: setup.districts } : {}),
  };
  const regions = ['code,name'];
  for (const r of [...setup.regions].sort(parentsFirst))
    if (r.code !== NATION_CODE || r.name !== NATION_NAME)
      regions.push(`${r.code},${csvField(r.name)}`);
  const tps = ['desa_code,tps_no,dpt_l,dpt_p,name'];
  for (const t of setup.tps) {
    const desa = t.code.slice(0, t.code.lastIndexOf('.'));
    const dpt = t.dpt === null ? ',' : `${Math.ceil(t.dpt / 2)},${Math.floor(t.dpt / 2)}`;
    tps.push(`${desa},${tpsNumber(t.code)},${dpt},${csvField(t.name)}`);
  }
  return {
    'election.json': `${JSON.stringify(json, null, 2)}\n`,
    'regions.csv': `${regions.join('\n')}\n`,
    'tps.csv': `${tps.join('\n')}\n`,
  };
}
