// The small set of real facts the demo election is built from (src/demo/data/okutimur.json):
// which TPS numbers each desa of Kab. Ogan Komering Ulu Timur has, and the real Sirekap vote counts
// per kecamatan, used only as shares. Derived from ../shared/data by
// scripts/derive-demo-fixtures.ts; the demo itself reads only the committed JSON.
import { readFileSync } from 'node:fs';
import * as z from 'zod';

const Count = z.number().int().min(0);

/** TPS numbers as inclusive ranges, `"1-12"` or `"1-9,901-902"`. */
const TpsRanges = z.string().regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/);

export const DemoFactsSchema = z.strictObject({
  source: z.string().min(1),
  kabupaten: z.string().regex(/^\d{2}\.\d{2}$/),
  kecamatan: z.array(
    z.strictObject({
      code: z.string().regex(/^\d{2}\.\d{2}\.\d{2}$/),
      /** Sirekap real count (not the official recapitulation) for pairs 01, 02, 03. */
      votes_01: Count,
      votes_02: Count,
      votes_03: Count,
      /** Desa code -> its TPS numbers. */
      desa: z.record(z.string().regex(/^\d{2}\.\d{2}\.\d{2}\.\d{4}$/), TpsRanges),
    }),
  ),
});
export type DemoFacts = z.infer<typeof DemoFactsSchema>;

/** `"1-3,901"` -> [1, 2, 3, 901]. */
export function expandTpsRanges(ranges: string): number[] {
  const out: number[] = [];
  for (const part of ranges.split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    if (from === undefined || to === undefined || to < from) throw new Error(`bad range: ${part}`);
    for (let n = from; n <= to; n++) out.push(n);
  }
  return out;
}

/** [1, 2, 3, 901] -> `"1-3,901"` (numbers sorted first). */
export function compressTpsNumbers(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start: number | undefined;
  let prev: number | undefined;
  const flush = () => {
    if (start === undefined || prev === undefined) return;
    parts.push(start === prev ? String(start) : `${String(start)}-${String(prev)}`);
  };
  for (const n of sorted) {
    if (prev !== undefined && n === prev + 1) {
      prev = n;
      continue;
    }
    flush();
    start = prev = n;
  }
  flush();
  return parts.join(',');
}

/** The shares of pairs "1", "2", "3" in a kecamatan (or any votes record), summing to 1. */
export function sharesOf(k: {
  votes_01: number;
  votes_02: number;
  votes_03: number;
}): Record<string, number> {
  const sum = k.votes_01 + k.votes_02 + k.votes_03;
  if (sum === 0) return { '1': 1 / 3, '2': 1 / 3, '3': 1 / 3 };
  return { '1': k.votes_01 / sum, '2': k.votes_02 / sum, '3': k.votes_03 / sum };
}

export const DEMO_FACTS_URL = new URL('./data/okutimur.json', import.meta.url);

let cached: DemoFacts | undefined;

/** The committed facts of OKU Timur, validated once. */
export function okuTimurFacts(): DemoFacts {
  cached ??= DemoFactsSchema.parse(JSON.parse(readFileSync(DEMO_FACTS_URL, 'utf8')));
  return cached;
}
