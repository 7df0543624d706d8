// Writes src/demo/data/okutimur.json, the demo's small facts file, from ../shared/data.
// Run: node bin/run-ts.mjs scripts/derive-demo-fixtures.ts [SHARED_DATA_DIR]
// (default: ../shared/data beside the repository root).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveDemoFacts } from '../src/demo/derive.ts';
import { DEMO_FACTS_URL, expandTpsRanges } from '../src/demo/facts.ts';

const dataDir = process.argv[2]
  ? resolve(process.argv[2])
  : fileURLToPath(new URL('../../shared/data/', import.meta.url));
const facts = deriveDemoFacts({
  tpsCsv: readFileSync(resolve(dataDir, 'tps/okutimur-tps.csv'), 'utf8'),
  kecamatanCsv: readFileSync(resolve(dataDir, 'sirekap/okutimur-ppwp-kecamatan.csv'), 'utf8'),
});
writeFileSync(DEMO_FACTS_URL, `${JSON.stringify(facts, null, 2)}\n`);

const desa = facts.kecamatan.flatMap((k) => Object.values(k.desa));
const tps = desa.reduce((n, r) => n + expandTpsRanges(r).length, 0);
console.log(
  `wrote ${DEMO_FACTS_URL.pathname}: ${String(facts.kecamatan.length)} kecamatan, ${String(desa.length)} desa, ${String(tps)} TPS`,
);
