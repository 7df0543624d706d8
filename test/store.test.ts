// The store on both backends: any sequence of submissions, resubmissions and duplicates, also
// concurrent ones, leaves totals equal to a recount from the stored versions; a rebuild agrees.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024 } from '../src/core/ballots.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { checkRules } from '../src/core/rules.ts';
import { recount, type CountableVersion } from '../src/core/tally.ts';
import { consistentResult } from '../src/synth/results.ts';
import type { Store } from '../src/store/store.ts';
import { REGIONS_TO_MARTAPURA, storeBackends } from './support/backends.ts';

const DESA = ['16.08.01.1001', '16.08.01.1002', '16.08.02.2001'] as RegionCode[];
const TPS: TpsCode[] = DESA.flatMap((d, i) =>
  Array.from({ length: 2 + i }, (_, n) => `${d}.00${n + 1}` as TpsCode),
);

const setup: ElectionSetup = {
  name: 'test election',
  demo: false,
  regions: [
    ...REGIONS_TO_MARTAPURA,
    { code: '16.08.02' as RegionCode, name: 'Buay Madang', level: 'kecamatan' },
    ...DESA.map((code, i) => ({ code, name: `Desa ${i}`, level: 'desa' as const })),
  ],
  tps: TPS.map((code, i) => ({ code, name: `TPS ${i}`, dpt: null })),
  contests: [PPWP_2024],
};
const REGIONS = setup.regions.map((r) => r.code);

const resultArb = fc
  .record({
    dptL: fc.integer({ min: 100, max: 150 }),
    dptP: fc.integer({ min: 100, max: 150 }),
    v1: fc.integer({ min: 0, max: 60 }),
    v2: fc.integer({ min: 0, max: 60 }),
    v3: fc.integer({ min: 0, max: 60 }),
    invalid: fc.integer({ min: 0, max: 10 }),
    slip: fc.boolean(),
  })
  .map((r) => {
    const voters = r.v1 + r.v2 + r.v3 + r.invalid;
    const result = consistentResult({
      dptL: r.dptL,
      dptP: r.dptP,
      votesL: Math.floor(voters / 2),
      votesP: voters - Math.floor(voters / 2),
      invalid: r.invalid,
      votes: { '1': r.v1, '2': r.v2, '3': r.v3 },
    });
    if (r.slip) result.votes['1'] = r.v1 + 1;
    return result;
  });

const stepArb = fc.record({
  tps: fc.constantFrom(...TPS),
  result: resultArb,
  repeat: fc.boolean(),
});

async function submit(
  store: Store,
  tps: TpsCode,
  result: ReturnType<typeof consistentResult>,
  photo = 'a'.repeat(64),
) {
  return store.recordSubmission({
    tps,
    ballot: 'ppwp',
    result,
    photos: [
      {
        sha256: photo,
        size: 1,
        contentType: 'image/jpeg',
        width: 1000,
        height: 1500,
        location: 'pack-000001.dat:0:1',
      },
    ],
    flags: checkRules(result, { ballot: 'ppwp' }),
    uploader: 'kpps:test',
    receivedAt: new Date(),
  });
}

/** Live totals at every region equal a recount of every stored version. */
async function expectTotalsEqualRecount(store: Store) {
  const versions: CountableVersion[] = [];
  for (const tps of TPS) {
    const t = await store.tpsResult(tps, 'ppwp');
    for (const v of t!.versions)
      versions.push({ tps, version: v.version, status: v.status, result: v.result });
  }
  const expected = recount(versions);
  for (const region of REGIONS) {
    const live = (await store.regionResult(region, 'ppwp'))!;
    const want = expected.get(region);
    expect(live.progress.tpsReported).toBe(want?.tpsReported ?? 0);
    expect(live.totals.valid).toBe(want?.valid ?? 0);
    expect(live.totals.invalid).toBe(want?.invalid ?? 0);
    expect(live.totals.total).toBe(want?.total ?? 0);
    for (const k of ['1', '2', '3']) expect(live.totals.votes[k] ?? 0).toBe(want?.votes[k] ?? 0);
  }
  expect(await store.checkAggregates()).toEqual([]);
}

describe.each(storeBackends('store'))('store on $name', (backend) => {
  let store: Store | undefined;
  let cleanup = async () => {};
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await store.loadElection(setup);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup();
  });

  it('loads the election with TPS totals per region and refuses a second one', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    expect((await store.regionResult(NATION_CODE, 'ppwp'))!.progress.tpsTotal).toBe(TPS.length);
    expect((await store.regionResult('16.08.02' as RegionCode, 'ppwp'))!.progress.tpsTotal).toBe(4);
    await expect(store.loadElection(setup)).rejects.toThrow(/already/);
  });

  it('any sequence of submissions, resubmissions and duplicates keeps totals equal to a recount', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const s = store;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (steps) => {
        for (const step of steps) {
          const first = await submit(s, step.tps, step.result);
          if (step.repeat) {
            const again = await submit(s, step.tps, step.result);
            expect(again.duplicate).toBe(true);
            expect(again.record.id).toBe(first.record.id);
          }
        }
        await expectTotalsEqualRecount(s);
      }),
      { numRuns: backend.name === 'sqlite' ? 40 : 15 },
    );
  });

  it('concurrent submissions to the same and different TPS keep totals exact', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const s = store;
    const steps = fc.sample(stepArb, { numRuns: 120, seed: 7 });
    const outcomes = await Promise.all(steps.map((st) => submit(s, st.tps, st.result)));
    // Versions of each TPS are gapless, in spite of the races.
    for (const tps of TPS) {
      const versions = (await s.tpsResult(tps, 'ppwp'))!.versions.map((v) => v.version);
      expect(versions).toEqual(
        Array.from({ length: versions.length }, (_, i) => versions.length - i),
      );
    }
    expect(outcomes.length).toBe(120);
    await expectTotalsEqualRecount(s);
  });

  it('a submission that fails alone fails alone, even when written together with others', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const s = store;
    const [good1, good2] = fc.sample(resultArb, { numRuns: 2, seed: 5 });
    const before = await s.countSubmissions();
    // A TPS the election does not hold breaks a foreign key inside the store.
    const outcomes = await Promise.allSettled([
      submit(s, TPS[0]!, good1!),
      submit(s, '16.08.01.1001.099' as TpsCode, good1!),
      submit(s, TPS[1]!, good2!),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await s.countSubmissions()).toBe(before + 2);
    await expectTotalsEqualRecount(s);
  });

  it("every read is one snapshot: a region's totals equal the sum of its children's while writes commit", async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const s = store;
    const steps = fc.sample(stepArb, { numRuns: 150, seed: 3 });
    let writing = true;
    const writes = (async () => {
      for (let i = 0; i < steps.length; i += 10)
        await Promise.all(steps.slice(i, i + 10).map((st) => submit(s, st.tps, st.result)));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const kab = (await s.regionResult('16.08' as RegionCode, 'ppwp'))!;
      const sum = (f: (c: (typeof kab.children)[number]) => number) =>
        kab.children.reduce((a, c) => a + f(c), 0);
      expect(kab.progress.tpsReported).toBe(sum((c) => c.progress.tpsReported));
      expect(kab.totals.valid).toBe(sum((c) => c.totals.valid));
      for (const k of ['1', '2', '3'])
        expect(kab.totals.votes[k] ?? 0).toBe(sum((c) => c.totals.votes[k] ?? 0));
      reads++;
    }
    await writes;
    expect(reads).toBeGreaterThan(3);
  });

  it('rebuild from the submissions gives the same figures as the live aggregates', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const s = store;
    const snapshot = () =>
      Promise.all([
        ...REGIONS.map((r) => s.regionResult(r, 'ppwp')),
        ...TPS.map((t) => s.tpsResult(t, 'ppwp')),
      ]);
    const before = await snapshot();
    expect(before.some((r) => r && 'progress' in r && r.progress.tpsReported > 0)).toBe(true);
    const { submissions } = await s.rebuild();
    expect(submissions).toBe(await s.countSubmissions());
    expect(await snapshot()).toEqual(before);
  });

  it('tokens are stored as hashes and bound to their TPS', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const [issued] = await store.issueTokens([TPS[1]!]);
    expect(await store.authenticate(issued!.token)).toMatchObject({ tps: TPS[1] });
    expect(await store.authenticate(`${issued!.token}x`)).toBeUndefined();
    expect((await store.tpsBelow('16.08.02' as RegionCode)).length).toBe(4);
  });
});
