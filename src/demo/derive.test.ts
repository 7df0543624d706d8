// Checks that the committed facts file is what the derivation script makes from ../shared/data.
// ../shared is not part of the repository: the test skips without it, except on CI.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deriveDemoFacts } from './derive.ts';
import { compressTpsNumbers, DEMO_FACTS_URL, expandTpsRanges, okuTimurFacts } from './facts.ts';

const SHARED = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const haveShared = existsSync(SHARED);
if (!haveShared && process.env.CI) throw new Error(`CI needs the shared data at ${SHARED}`);

describe('TPS ranges', () => {
  it('round-trip', () => {
    expect(compressTpsNumbers([3, 1, 2, 901, 902, 5])).toBe('1-3,5,901-902');
    expect(expandTpsRanges('1-3,5,901-902')).toEqual([1, 2, 3, 5, 901, 902]);
    expect(expandTpsRanges('7')).toEqual([7]);
  });
});

describe.skipIf(!haveShared)('derive-demo-fixtures', () => {
  const derived = () =>
    deriveDemoFacts({
      tpsCsv: readFileSync(`${SHARED}tps/okutimur-tps.csv`, 'utf8'),
      kecamatanCsv: readFileSync(`${SHARED}sirekap/okutimur-ppwp-kecamatan.csv`, 'utf8'),
    });

  it('matches the committed src/demo/data/okutimur.json', () => {
    expect(`${JSON.stringify(derived(), null, 2)}\n`).toBe(readFileSync(DEMO_FACTS_URL, 'utf8'));
  });

  it('holds 20 kecamatan, 312 desa, 2,180 TPS and the kabupaten totals of the README', () => {
    const facts = okuTimurFacts();
    expect(facts.kecamatan).toHaveLength(20);
    const desa = facts.kecamatan.flatMap((k) => Object.entries(k.desa));
    expect(desa).toHaveLength(312);
    expect(desa.reduce((n, [, r]) => n + expandTpsRanges(r).length, 0)).toBe(2180);
    expect(desa.find(([d]) => d === '16.08.01.1008')?.[1]).toMatch(/,901-902$/);
    const sum = (k: 'votes_01' | 'votes_02' | 'votes_03') =>
      facts.kecamatan.reduce((n, x) => n + x[k], 0);
    expect([sum('votes_01'), sum('votes_02'), sum('votes_03')]).toEqual([42974, 312079, 51303]);
  });
});
