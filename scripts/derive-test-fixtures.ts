// Writes the small test fixtures under test/fixtures/ from ../shared/data (what they are and
// where they come from: test/fixtures/README.md).
// Run: node bin/run-ts.mjs scripts/derive-test-fixtures.ts [SHARED_DATA_DIR]
// (default: ../shared/data beside the repository root).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { deriveTestFixtures } from '../test/fixtures/derive.ts';
import { FIXTURES_DIR, SHARED_DATA_DIR } from '../test/fixtures/shared-data.ts';

const dataDir = process.argv[2] ? resolve(process.argv[2]) : SHARED_DATA_DIR;
let total = 0;
for (const f of await deriveTestFixtures(dataDir)) {
  const out = join(FIXTURES_DIR, f.path);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, f.content);
  total += f.content.byteLength;
  console.log(`wrote test/fixtures/${f.path} (${(f.content.byteLength / 1024).toFixed(1)} KB)`);
}
console.log(`${(total / 1024).toFixed(1)} KB in all`);
