// Region names from the npm package idn-area-data (Kemendagri codes, title-case names), read from
// its CSV files directly.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type AreaLevel = 'provinces' | 'regencies' | 'districts' | 'villages';

const require = createRequire(import.meta.url);

function dataDir(): string {
  return join(dirname(require.resolve('idn-area-data/package.json')), 'data');
}

/** One CSV line with RFC 4180 quoting (`"Lubuk Pakam I,II"`, `"Soka""an"`). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/**
 * Code -> name of every area of one level whose code is `prefix` or starts with `prefix.`
 * (all of them for an empty prefix). Columns are `code,...,name`: the name is the last one.
 */
export function areaNames(level: AreaLevel, prefix = ''): Map<string, string> {
  const text = readFileSync(join(dataDir(), `${level}.csv`), 'utf8');
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line === '' || !line.startsWith(prefix)) continue;
    const cells = parseCsvLine(line);
    const code = cells[0] ?? '';
    const name = cells[cells.length - 1] ?? '';
    if (prefix !== '' && code !== prefix && !code.startsWith(`${prefix}.`)) continue;
    out.set(code, name);
  }
  return out;
}
