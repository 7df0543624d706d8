// Region names from the npm package idn-area-data (Kemendagri codes, title-case names), read from
// its CSV files directly with csv-parse (RFC 4180 quoting: `"Lubuk Pakam I,II"`, `"Ra""as"`).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';

export type AreaLevel = 'provinces' | 'regencies' | 'districts' | 'villages';

const require = createRequire(import.meta.url);

function dataDir(): string {
  return join(dirname(require.resolve('idn-area-data/package.json')), 'data');
}

/**
 * Code -> name of every area of one level whose code is `prefix` or starts with `prefix.`
 * (all of them for an empty prefix). Columns are `code,...,name`: the name is the last one.
 */
export function areaNames(level: AreaLevel, prefix = ''): Map<string, string> {
  const text = readFileSync(join(dataDir(), `${level}.csv`), 'utf8');
  // The code is each record's first, unquoted field, so the lines of one region can be picked out
  // before parsing: csv-parse takes about 0.5 s over all 83,762 villages, and `--demo` needs 312.
  const lines = text.split(/\r?\n/).slice(1);
  const picked = prefix === '' ? lines : lines.filter((l) => l.startsWith(prefix));
  const rows: string[][] = parse(picked.join('\n'), { skip_empty_lines: true });
  const out = new Map<string, string>();
  for (const cells of rows) {
    const code = cells[0] ?? '';
    const name = cells[cells.length - 1] ?? '';
    if (prefix !== '' && code !== prefix && !code.startsWith(`${prefix}.`)) continue;
    out.set(code, name);
  }
  return out;
}
