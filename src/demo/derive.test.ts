// Checks that the committed facts file is what the derivation script makes from ../shared/data:
// on the committed rows of two kecamatan (test/fixtures/demo) always, and on the whole files
// where ../shared is (it is not part of the repository: that run skips without it, except on CI).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, sharedData } from '../../test/fixtures/shared-data.ts';
import { DEMO_KECAMATAN, FIXTURE_FILES } from '../../test/fixtures/derive.ts';
import { deriveDemoFacts } from './derive.ts';
import { compressTpsNumbers, DEMO_FACTS_URL, expandTpsRanges, okuTimurFacts } from './facts.ts';

const SHARED = sharedData('', 'the shared data');

describe('TPS ranges', () => {
  it('round-trip', () => {
    expect(compressTpsNumbers([3, 1, 2, 901, 902, 5])).toBe('1-3,5,901-902');
    expect(expandTpsRanges('1-3,5,901-902')).toEqual([1, 2, 3, 5, 901, 902]);
    expect(expandTpsRanges('7')).toEqual([7]);
  });
});

describe('derive-demo-fixtures on the committed rows of 16.08.01 and 16.08.20', () => {
  it('gives those kecamatan exactly as the committed src/demo/data/okutimur.json has them', () => {
    const derived = deriveDemoFacts({
      tpsCsv: readFileSync(fixture(FIXTURE_FILES.demoTps), 'utf8'),
      kecamatanCsv: readFileSync(fixture(FIXTURE_FILES.demoKecamatan), 'utf8'),
    });
    const committed = okuTimurFacts();
    expect(derived.kecamatan.map((k) => k.code)).toEqual([...DEMO_KECAMATAN]);
    expect(derived).toEqual({
      ...committed,
      kecamatan: committed.kecamatan.filter((k) =>
        derived.kecamatan.some((d) => d.code === k.code),
      ),
    });
    // Martapura holds the kelurahan and the extra TPS 901-902.
    expect(derived.kecamatan[0]!.desa['16.08.01.1008']).toMatch(/,901-902$/);
  });
});

describe('the committed src/demo/data/okutimur.json', () => {
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

describe.skipIf(!SHARED)('derive-demo-fixtures on the whole shared files', () => {
  it('matches the committed src/demo/data/okutimur.json', () => {
    const derived = deriveDemoFacts({
      tpsCsv: readFileSync(join(SHARED!, 'tps/okutimur-tps.csv'), 'utf8'),
      kecamatanCsv: readFileSync(join(SHARED!, 'sirekap/okutimur-ppwp-kecamatan.csv'), 'utf8'),
    });
    expect(`${JSON.stringify(derived, null, 2)}\n`).toBe(readFileSync(DEMO_FACTS_URL, 'utf8'));
  });
});
