// rekap election import DIR: loads or extends the election from its documented files
// (docs/election-import.md), all or nothing; the same files twice change nothing.
// rekap election export-demo DIR: writes the demo election as such files, an example to start from.
// `rekap serve --demo` loads the demo through importElectionTexts too, so both paths are one.
import { join } from 'node:path';
import { parseRegionCode, type RegionCode } from '../core/codes.ts';
import {
  ELECTION_FILES,
  formatProblem,
  parseElectionFiles,
  type ElectionFileTexts,
  type ImportProblems,
  type RegionNameSource,
} from '../core/election-files.ts';
import { err, ok, type Result } from '../core/result.ts';
import {
  fileHashes,
  formatConflict,
  type ElectionConflict,
  type ImportSummary,
} from '../store/election.ts';
import { openStore, type Store } from '../store/store.ts';
import { processIo, type Io } from './io.ts';
import { parseWithPositionals, storeOptions } from './options.ts';
import { UsageError } from './usage.ts';

const ELECTION_USAGE = `rekap election import DIR [--regions idn-area-data[:CODE,...]] [--json] [--data DIR] [--db URL]
    Load or extend an election from DIR/election.json, DIR/regions.csv and DIR/tps.csv
    (docs/election-import.md). --regions idn-area-data takes the region names from the npm
    package idn-area-data instead of regions.csv: those the TPS list needs, or all under CODE,...
rekap election export-demo DIR
    Write the demo election out as those files.`;

export type ImportFailure =
  | { error: 'invalid_files'; problems: ImportProblems }
  | { error: 'election_conflict'; conflicts: ElectionConflict[] };

/** Only tables this long say how far they are. */
const PROGRESS_FROM = 20_000;

/**
 * Reads an election's files, checks them and merges them into the store: the import of
 * `rekap election import` and of `rekap serve --demo`. `bytes` are what the hashes in the event
 * are taken of (the files as read; the texts themselves when left out).
 */
export async function importElectionTexts(
  store: Store,
  texts: ElectionFileTexts,
  opts: {
    regionNames?: RegionNameSource | undefined;
    bytes?: Partial<Record<string, Buffer>>;
    onProgress?: (line: string) => void;
  } = {},
): Promise<Result<ImportSummary, ImportFailure>> {
  const parsed = parseElectionFiles(texts, { regionNames: opts.regionNames });
  if (!parsed.ok) return err({ error: 'invalid_files', problems: parsed.error });
  const read: Partial<Record<string, string | Buffer>> = {};
  for (const name of ELECTION_FILES) {
    if (name === 'regions.csv' && opts.regionNames) continue;
    read[name] = opts.bytes?.[name] ?? texts[name];
  }
  let shown = '';
  const imported = await store.importElection(parsed.value, {
    files: fileHashes(read),
    onProgress: (what, done, total) => {
      if (total < PROGRESS_FROM || !opts.onProgress) return;
      const step = `${what} ${Math.floor((done / total) * 10)}`;
      if (step === shown) return;
      shown = step;
      opts.onProgress(`writing ${what}: ${done} of ${total}`);
    },
  });
  return imported.ok
    ? ok(imported.value)
    : err({ error: 'election_conflict', conflicts: imported.error });
}

/** The summary in lines: what was added, changed, left as it was and kept. */
export function summaryLines(s: ImportSummary): string[] {
  const line = (what: string, c: ImportSummary['tps']) =>
    `  ${what}: ${c.added} added, ${c.changed} changed, ${c.unchanged} unchanged` +
    (c.kept > 0 ? `, ${c.kept} kept (in the database, not in these files)` : '');
  const all = [s.regions, s.tps, s.contests, s.districts];
  const nothing = all.every((c) => c.added === 0 && c.changed === 0);
  const head = s.created
    ? `election ${JSON.stringify(s.name)} imported`
    : nothing
      ? `election ${JSON.stringify(s.name)}: nothing changed (0 added, 0 changed)`
      : `election ${JSON.stringify(s.name)} updated`;
  const d = s.districts;
  return [
    head,
    line('regions', s.regions),
    line('TPS', s.tps),
    line('contests', s.contests),
    ...(d.added + d.changed + d.unchanged + d.kept > 0 ? [line('districts', d)] : []),
  ];
}

/** The lines that say why an import failed, problems capped as parseElectionFiles caps them. */
export function failureLines(f: ImportFailure): string[] {
  if (f.error === 'election_conflict')
    return [
      `election_conflict: nothing was imported (${f.conflicts.length} conflict(s))`,
      ...f.conflicts.map((c) => `  ${formatConflict(c)}`),
    ];
  const { problems, omitted } = f.problems;
  const total = problems.length + omitted;
  return [
    `${total} problem(s) in the files; nothing was imported`,
    ...problems.map(formatProblem),
    ...(omitted > 0 ? [`... and ${omitted} more`] : []),
  ];
}

function regionSource(
  option: string | undefined,
  idnAreaDataNames: (prefixes?: readonly RegionCode[]) => RegionNameSource,
): RegionNameSource | undefined {
  if (option === undefined) return undefined;
  const [source, list, ...rest] = option.split(':');
  if (source !== 'idn-area-data' || rest.length > 0)
    throw new UsageError(
      `--regions: expected idn-area-data or idn-area-data:CODE,..., not ${option}`,
    );
  if (list === undefined) return idnAreaDataNames(undefined);
  const prefixes: RegionCode[] = [];
  for (const part of list.split(',')) {
    const code = parseRegionCode(part);
    if (!code || code === 'id' || part.trim() === '')
      throw new UsageError(`--regions: ${JSON.stringify(part)} is not a region code such as 16.08`);
    prefixes.push(code);
  }
  return idnAreaDataNames(prefixes);
}

async function importCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseWithPositionals(args, {
    ...storeOptions,
    regions: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [dir, ...extra] = parsed.positionals;
  if (!dir || extra.length > 0) throw new UsageError(`usage:\n${ELECTION_USAGE}`);
  const o = parsed.values;
  // The demo's modules (idn-area-data, the demo facts) load only for the commands that use them.
  const dirModule = await import('../demo/election-dir.ts');
  const regionNames = regionSource(o.regions, dirModule.idnAreaDataNames);
  const bytes = await dirModule.readElectionDir(dir);
  const missing = ELECTION_FILES.filter((f) => !bytes[f] && !(f === 'regions.csv' && regionNames));
  const say = (lines: string[]) => io.stderr(lines.map((l) => `${l}\n`).join(''));
  if (bytes['regions.csv'] && regionNames)
    throw new UsageError(
      `--regions ${o.regions}: ${join(dir, 'regions.csv')} is there too; give one source of region names`,
    );
  if (missing.length > 0) {
    const failure: ImportFailure = {
      error: 'invalid_files',
      problems: {
        problems: missing.map((file) => ({ file, message: `no such file in ${dir}` })),
        omitted: 0,
      },
    };
    if (o.json) io.stdout(`${JSON.stringify(failure)}\n`);
    say(failureLines(failure).map((l) => `rekap election import: ${l}`));
    return 1;
  }
  const text = (b: Buffer | undefined) => b?.toString('utf8');
  const texts: ElectionFileTexts = {
    'election.json': text(bytes['election.json'])!,
    'regions.csv': regionNames ? undefined : text(bytes['regions.csv']),
    'tps.csv': text(bytes['tps.csv'])!,
  };
  const store = await openStore({
    dataDir: o.data,
    dbUrl: o.db,
    writePhotos: false, // rows only: runs beside `rekap serve`
  });
  try {
    const r = await importElectionTexts(store, texts, {
      regionNames,
      bytes,
      onProgress: (line) => io.stderr(`${line}\n`),
    });
    if (o.json) io.stdout(`${JSON.stringify(r.ok ? r.value : r.error)}\n`);
    if (!r.ok) {
      say(failureLines(r.error).map((l, n) => (n === 0 ? `rekap election import: ${l}` : l)));
      return 1;
    }
    if (!o.json)
      io.stdout(
        summaryLines(r.value)
          .map((l) => `${l}\n`)
          .join(''),
      );
    return 0;
  } finally {
    await store.close();
  }
}

async function exportDemoCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseWithPositionals(args, {});
  const [dir, ...extra] = parsed.positionals;
  if (!dir || extra.length > 0) throw new UsageError(`usage:\n${ELECTION_USAGE}`);
  const [{ writeElectionDir }, { demoElection, DEMO_SEED }] = await Promise.all([
    import('../demo/election-dir.ts'),
    import('../demo/okutimur.ts'),
  ]);
  const setup = demoElection({ seed: DEMO_SEED });
  const r = await writeElectionDir(setup, dir);
  if ('inTheWay' in r) {
    io.stderr(
      `rekap election export-demo: ${r.inTheWay.join(', ')} already in ${dir}; not written over\n`,
    );
    return 1;
  }
  io.stdout(
    `${r.written.join('\n')}\n` +
      `the demo election: ${setup.regions.length} regions, ${setup.tps.length} TPS, ` +
      `${setup.contests.length} contest(s); load it with: rekap election import ${dir}\n`,
  );
  return 0;
}

export async function electionCommand(args: string[], io: Io = processIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'import') return importCommand(rest, io);
  if (sub === 'export-demo') return exportDemoCommand(rest, io);
  throw new UsageError(`usage:\n${ELECTION_USAGE}`);
}
