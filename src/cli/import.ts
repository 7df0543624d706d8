// rekap import sirekap FILE.jsonl [--data DIR] [--db URL]: keeps Sirekap's published hhcw/ppwp
// records (one JSON object a line, with its tps_code) beside Rekap's own results, as an external
// source that the TPS page shows for comparison. Never counted. The file is streamed in batches;
// a record of a TPS this election does not hold is skipped and counted; a bad line is reported with
// its number. Importing the same file again adds nothing; a changed record becomes the newest.
import { parseSirekapLine } from '../core/anomaly/index.ts';
import type { TpsCode } from '../core/codes.ts';
import type { ExternalRecord } from '../store/external.ts';
import { openStore, type Store } from '../store/store.ts';
import { fileOrSay, numberedLines, processIo, type Io } from './io.ts';
import { UsageError } from './usage.ts';
import { parseWithPositionals, storeOptions } from './options.ts';

const IMPORT_USAGE = `rekap import sirekap FILE.jsonl [--data DIR] [--db URL]
    Keep Sirekap hhcw/ppwp TPS records (one JSON object a line, with its tps_code) as an external
    source shown beside Rekap's results. The same file twice adds nothing.`;

export type ImportSummary = {
  lines: number;
  records: number;
  imported: number;
  unchanged: number;
  unknownTps: number;
  badLines: number;
};

const BATCH = 1000;

/** Imports a Sirekap JSONL file into the store. */
export async function importSirekapFile(
  store: Store,
  path: string,
  onBadLine: (line: number, error: string) => void = () => {},
): Promise<ImportSummary> {
  const summary: ImportSummary = {
    lines: 0,
    records: 0,
    imported: 0,
    unchanged: 0,
    unknownTps: 0,
    badLines: 0,
  };
  let batch: ExternalRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const known = await store.knownTps(batch.map((r) => r.tps));
    const keep = batch.filter((r) => known.has(r.tps));
    summary.unknownTps += batch.length - keep.length;
    batch = [];
    const outcome = await store.importExternal(keep);
    summary.imported += outcome.imported;
    summary.unchanged += outcome.unchanged;
  };
  for await (const [n, line] of numberedLines(path)) {
    summary.lines = n;
    const parsed = parseSirekapLine(line);
    if (!parsed) continue;
    if (!parsed.ok) {
      summary.badLines++;
      onBadLine(n, parsed.error);
      continue;
    }
    summary.records++;
    const r = parsed.value;
    batch.push({
      tps: r.tps as TpsCode,
      ballot: r.ballot,
      source: 'sirekap',
      values: r.values,
      photos: r.photos ?? [],
    });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return summary;
}

export async function importCommand(args: string[], io: Io = processIo): Promise<number> {
  const parsed = parseWithPositionals(args, storeOptions);
  const [source, file, ...extra] = parsed.positionals;
  if (source !== 'sirekap' || !file || extra.length)
    throw new UsageError(`usage:\n${IMPORT_USAGE}`);
  if (!(await fileOrSay('import', file, io))) return 1;
  const store = await openStore({
    dataDir: parsed.values.data,
    dbUrl: parsed.values.db,
    writePhotos: false, // rows only: runs beside `rekap serve`
  });
  try {
    const s = await importSirekapFile(store, file, (line, error) =>
      io.stderr(`line ${line}: ${error}\n`),
    );
    io.stdout(
      `${s.records} records from ${s.lines} lines: ${s.imported} imported, ${s.unchanged} unchanged, ` +
        `${s.unknownTps} skipped (TPS not in this election), ${s.badLines} bad lines\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
