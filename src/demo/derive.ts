// Derives the demo's small facts file from the shared public data (see ../shared/data/README.md):
// TPS numbers per desa from tps/okutimur-tps.csv and the Sirekap real count per kecamatan from
// sirekap/okutimur-ppwp-kecamatan.csv. Pure: CSV text in, facts out.
import { parse } from 'csv-parse/sync';
import { compressTpsNumbers, DemoFactsSchema, type DemoFacts } from './facts.ts';

const DEMO_FACTS_SOURCE =
  'Derived by scripts/derive-demo-fixtures.ts from shared/data (see its README). TPS numbers per desa: ' +
  'tps/okutimur-tps.csv, from ridwaanhall/pemilu2024.kpu.go.id (MIT), a mirror of the KPU Sirekap ' +
  'region tree, committed 2024-03-08. Votes per kecamatan: sirekap/okutimur-ppwp-kecamatan.csv, from ' +
  'the same repository (secrets/data/pemilu/hhcw/ppwp/16/1608.json): the Sirekap real count as of ' +
  '2024-03-01 02:00:15 (2,138 of 2,180 TPS reported), NOT the official recapitulation; the demo uses ' +
  'these counts only as vote shares. Everything else in the demo (DPT, per-TPS results, photos) is synthetic.';

/** Rows of a CSV file with a header line, as header-keyed records (csv-parse, RFC 4180). */
function parseCsv(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: true });
}

function field(row: Record<string, string>, name: string): string {
  const v = row[name];
  if (v === undefined || v === '')
    throw new Error(`CSV: missing ${name} in ${JSON.stringify(row)}`);
  return v;
}

function count(row: Record<string, string>, name: string): number {
  const n = Number(field(row, name));
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`CSV: ${name} is not a count: ${String(row[name])}`);
  return n;
}

export function deriveDemoFacts(input: { tpsCsv: string; kecamatanCsv: string }): DemoFacts {
  const tpsByDesa = new Map<string, number[]>();
  for (const row of parseCsv(input.tpsCsv)) {
    const desa = field(row, 'desa_code');
    const no = count(row, 'tps_no');
    const packed = field(row, 'tps_code');
    if (packed !== `${desa.replaceAll('.', '')}${String(no).padStart(3, '0')}`)
      throw new Error(`TPS ${packed} does not belong to desa ${desa} number ${String(no)}`);
    const list = tpsByDesa.get(desa) ?? [];
    list.push(no);
    tpsByDesa.set(desa, list);
  }
  const kecRows = parseCsv(input.kecamatanCsv);
  const kabupaten = field(kecRows[0] ?? {}, 'kecamatan_code').slice(0, 5);
  const kecamatan = kecRows
    .map((row) => {
      const code = field(row, 'kecamatan_code');
      const desa = [...tpsByDesa.keys()]
        .filter((d) => d.startsWith(`${code}.`))
        .sort()
        .map((d) => [d, compressTpsNumbers(tpsByDesa.get(d) ?? [])] as const);
      return {
        code,
        votes_01: count(row, 'votes_01'),
        votes_02: count(row, 'votes_02'),
        votes_03: count(row, 'votes_03'),
        desa: Object.fromEntries(desa),
      };
    })
    .sort((a, b) => a.code.localeCompare(b.code));
  const covered = kecamatan.reduce((n, k) => n + Object.keys(k.desa).length, 0);
  if (covered !== tpsByDesa.size)
    throw new Error(
      `${String(tpsByDesa.size - covered)} desa lie outside the kecamatan of the vote file`,
    );
  return DemoFactsSchema.parse({ source: DEMO_FACTS_SOURCE, kabupaten, kecamatan });
}
