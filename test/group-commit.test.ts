// Group commit on PostgreSQL (issue 15): two stores on one schema stand for two `rekap serve`
// processes. Each batches the submissions that arrive together into one transaction, and both
// batches and the re-read writer take TPS locks before the chain's, so no mix of them deadlocks.
// Afterwards every submission is stored once, versions are gapless and totals equal a recount.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { checkRules } from '../src/core/rules.ts';
import { recount, type CountableVersion } from '../src/core/tally.ts';
import { consistentResult } from '../src/synth/results.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { REGIONS_TO_MARTAPURA } from './support/backends.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from './support/postgres.ts';

const DESA = '16.08.01.1001' as RegionCode;
const TPS = Array.from({ length: 6 }, (_, i) => `${DESA}.00${i + 1}` as TpsCode);
const setup: ElectionSetup = {
  name: 'group commit',
  demo: false,
  regions: [...REGIONS_TO_MARTAPURA, { code: DESA, name: 'Desa', level: 'desa' }],
  tps: TPS.map((code, i) => ({ code, name: `TPS ${i + 1}`, dpt: null })),
  contests: [PPWP_2024],
};

function submission(tps: TpsCode, n: number) {
  const result = consistentResult({
    dptL: 150,
    dptP: 150,
    votesL: 40 + (n % 7),
    votesP: 40,
    invalid: n % 3,
    votes: { '1': 30 + (n % 11), '2': 25, '3': 25 + (n % 7) - (n % 3) },
  });
  return {
    tps,
    ballot: 'ppwp' as const,
    result,
    // A photo of its own makes each submission's content unique (no duplicates by chance).
    photos: [
      {
        sha256: n.toString(16).padStart(64, '0'),
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
  };
}

describe('group commit on PostgreSQL', () => {
  let a: Store | undefined;
  let b: Store | undefined;
  let schema = '';
  const dirs: string[] = [];
  beforeAll(async () => {
    if (!(await postgresAvailable())) return;
    const t = testSchemaUrl('groupcommit');
    schema = t.schema;
    for (let i = 0; i < 2; i++) dirs.push(await mkdtemp(join(tmpdir(), 'rekap-groupcommit-')));
    a = await openStore({ dataDir: dirs[0]!, dbUrl: t.url });
    await a.loadElection(setup);
    b = await openStore({ dataDir: dirs[1]!, dbUrl: t.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (schema) await dropSchema(schema);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('two writers, TPS in opposite orders, with re-reads between: no deadlock, nothing lost', async (ctx) => {
    if (!a || !b) return ctx.skip('PostgreSQL not available');
    const [sa, sb] = [a, b];
    // Round one: each writer gets 60 at once, over the same TPS in opposite orders.
    const round = (store: Store, order: TpsCode[], base: number) =>
      Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          store.recordSubmission(submission(order[i % order.length]!, base + i)),
        ),
      );
    const first = await Promise.all([round(sa, TPS, 0), round(sb, [...TPS].reverse(), 1000)]);
    expect(first.flat().filter((o) => o.duplicate)).toEqual([]);
    // Round two: more submissions on both while re-reads of round one's versions are recorded.
    const rereads = first
      .flat()
      .slice(0, 30)
      .map((o) =>
        sb.recordReread(o.record.tps, 'ppwp', o.record.version, { failed: 'no page found' }),
      );
    const second = await Promise.all([
      round(sb, TPS, 2000),
      round(sa, [...TPS].reverse(), 3000),
      Promise.all(rereads),
    ]);
    expect(second[2].every((r) => r.ok)).toBe(true);
    expect([...second[0], ...second[1]].filter((o) => o.duplicate)).toEqual([]);

    const versions: CountableVersion[] = [];
    for (const tps of TPS) {
      const t = (await sa.tpsResult(tps, 'ppwp'))!;
      const numbers = t.versions.map((v) => v.version);
      expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers.length - i));
      for (const v of t.versions)
        versions.push({ tps, version: v.version, status: v.status, result: v.result });
    }
    expect(versions.length).toBe(240);
    expect(await sa.countSubmissions()).toBe(240);
    const want = recount(versions).get(DESA)!;
    const live = (await sb.regionResult(DESA, 'ppwp'))!;
    expect(live.progress.tpsReported).toBe(want.tpsReported);
    expect(live.totals.valid).toBe(want.valid);
    expect(live.totals.votes).toEqual(want.votes);
    expect(await sa.checkAggregates()).toEqual([]);
  });
});
