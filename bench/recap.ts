// The recap ladder at a province's scale: `npm run bench:recap [-- --tps N] [--backend sqlite|postgres]`.
//
// A synthetic province with the real regions of Jawa Barat (32: 27 kabupaten/kota, 627
// kecamatan, 5,957 desa, from idn-area-data) and 150,000 TPS spread over its desa, about as many
// as KPU set up there in 2024 (140,457). Every TPS sends one result through the store (the same
// writer the API uses: its event on the chain, its review and the totals); one in five carries an
// arithmetic slip the rules catch, so it waits in the review queue. Then it times what operators
// and the public read, each query many times on a quiet store:
//   queue:   the first page (50) of the review queue of the province, of each kabupaten and of
//            kecamatan drawn at random, and the following pages of a kabupaten's queue (keyset);
//   recap:   the region result (totals and children) of the province, each kabupaten, kecamatan
//            and desa drawn at random;
//   tps:     one TPS's review with every version and event.
// Results: bench/results/recap-{sqlite,postgres}.json and RECAP.md (p50, p95, p99, max).
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PPWP_2024, voteKeys } from '../src/core/ballots.ts';
import {
  NATION_CODE,
  makeTpsCode,
  parentRegion,
  type RegionCode,
  type TpsCode,
} from '../src/core/codes.ts';
import type { ElectionSetup, Region, Tps } from '../src/core/election.ts';
import { createRandom } from '../src/core/random.ts';
import { checkRules } from '../src/core/rules.ts';
import { areaNames } from '../src/demo/areas.ts';
import { simulateTpsResult, withSlip } from '../src/demo/results.ts';
import { sql } from 'kysely';
import { openDb } from '../src/store/db.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { dropSchema, postgresProblem, testSchemaUrl } from '../test/support/postgres.ts';
import { machine, type Machine } from './report.ts';

const PROVINCE = '32';
const BALLOT = 'ppwp';
const FLAGGED_SHARE = 0.2;
const PAGE = 50;

const { values: args } = parseArgs({
  options: {
    tps: { type: 'string', default: '150000' },
    backend: { type: 'string' },
    repeat: { type: 'string', default: '200' },
    out: { type: 'string', default: join(import.meta.dirname, 'results') },
  },
  strict: true,
});
const TPS_COUNT = Number(args.tps);
const REPEAT = Number(args.repeat);
if (!Number.isInteger(TPS_COUNT) || TPS_COUNT < 1000) throw new Error('--tps: at least 1000');
if (!Number.isInteger(REPEAT) || REPEAT < 10) throw new Error('--repeat: at least 10');

/** The province's real regions, and TPS_COUNT synthetic TPS spread evenly over its desa. */
function provinceElection(): ElectionSetup {
  const rnd = createRandom(32).fork('dpt');
  const regions: Region[] = [
    { code: NATION_CODE, name: 'Indonesia', level: 'nasional' },
    {
      code: PROVINCE as RegionCode,
      name: areaNames('provinces', PROVINCE).get(PROVINCE) ?? PROVINCE,
      level: 'provinsi',
    },
  ];
  const levels = [
    ['regencies', 'kabupaten'],
    ['districts', 'kecamatan'],
    ['villages', 'desa'],
  ] as const;
  const known = new Set<string>([PROVINCE]);
  const desa: RegionCode[] = [];
  for (const [file, level] of levels)
    for (const [code, name] of areaNames(file, PROVINCE)) {
      // A region whose parent the data lacks cannot hold TPS: left out.
      if (!known.has(parentRegion(code as RegionCode) ?? '')) continue;
      known.add(code);
      regions.push({ code: code as RegionCode, name, level });
      if (level === 'desa') desa.push(code as RegionCode);
    }
  const tps: Tps[] = [];
  for (let i = 0; i < TPS_COUNT; i++) {
    const d = desa[i % desa.length]!;
    const n = Math.floor(i / desa.length) + 1;
    tps.push({
      code: makeTpsCode(d, n),
      name: `TPS ${String(n).padStart(3, '0')}`,
      dpt: rnd.int(180, 300),
    });
  }
  return {
    name: `BENCH: ${TPS_COUNT} TPS sintetis, Provinsi Jawa Barat`,
    demo: true,
    regions,
    tps,
    contests: [PPWP_2024],
  };
}

type Stats = { n: number; p50: number; p95: number; p99: number; max: number };

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(s.at(-1)!) };
}

async function timed(samples: number[], run: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  await run();
  samples.push(performance.now() - t0);
}

async function fill(store: Store, setup: ElectionSetup): Promise<{ flagged: number; s: number }> {
  const rnd = createRandom(1500).fork('results');
  const keys = voteKeys(PPWP_2024);
  const shares = { '1': 0.25, '2': 0.58, '3': 0.17 };
  const t0 = performance.now();
  let flagged = 0;
  let done = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < setup.tps.length; i = next++) {
      const t = setup.tps[i]!;
      const clean = simulateTpsResult(rnd, t.dpt ?? 250, keys, shares);
      const result = rnd.next() < FLAGGED_SHARE ? withSlip(rnd, clean) : clean;
      const flags = checkRules(result, { ballot: BALLOT, registeredDpt: t.dpt });
      if (flags.length > 0) flagged++;
      await store.recordSubmission({
        tps: t.code,
        ballot: BALLOT,
        result,
        photos: [],
        flags,
        uploader: 'kpps:00000000000000be',
        receivedAt: new Date(),
      });
      if (++done % 10_000 === 0)
        process.stderr.write(
          `  ${done.toLocaleString('en-US')} / ${setup.tps.length.toLocaleString('en-US')} results stored\n`,
        );
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return { flagged, s: Math.round((performance.now() - t0) / 100) / 10 };
}

type BackendResult = {
  benchmark: 'recap';
  backend: 'sqlite' | 'postgres';
  date: string;
  machine: Machine;
  skipped?: string;
  parameters?: Record<string, unknown>;
  load?: { electionS: number; resultsS: number; flagged: number; tps: number };
  results?: Record<string, Stats>;
  checks?: { queueTotal: number; aggregatesMatch: boolean };
};

async function runBackend(backend: 'sqlite' | 'postgres'): Promise<BackendResult> {
  const base = { benchmark: 'recap' as const, backend, date: new Date().toISOString() };
  let dbUrl: string | undefined;
  let schema: string | undefined;
  if (backend === 'postgres') {
    const problem = await postgresProblem();
    if (problem) return { ...base, machine: machine(), skipped: problem.message };
    ({ url: dbUrl, schema } = testSchemaUrl('bench_recap'));
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'rekap-bench-recap-'));
  const store = await openStore({ dataDir, dbUrl });
  try {
    const setup = provinceElection();
    process.stderr.write(
      `${backend}: loading ${setup.regions.length.toLocaleString('en-US')} regions and ${setup.tps.length.toLocaleString('en-US')} TPS\n`,
    );
    let t0 = performance.now();
    await store.loadElection(setup);
    const electionS = Math.round((performance.now() - t0) / 100) / 10;
    const { flagged, s: resultsS } = await fill(store, setup);
    process.stderr.write(`${backend}: ${flagged} of ${setup.tps.length} results flagged\n`);

    const samples: Record<string, number[]> = {};
    const sample = (name: string) => (samples[name] ??= []);
    if (backend === 'postgres') {
      // Right after a bulk load PostgreSQL plans with the statistics of nearly empty tables. The
      // desa recap is timed once so, and then after ANALYZE (what autovacuum does by itself a
      // little later), which is how a server that has run a while plans it.
      const desaCodes = setup.regions.filter((r) => r.level === 'desa');
      for (let i = 0; i < 20; i++)
        await timed(sample('recap: desa, before ANALYZE'), () =>
          store.regionResult(desaCodes[(i * 7919) % desaCodes.length]!.code, BALLOT),
        );
      const raw = await openDb({ url: dbUrl, dataDir });
      try {
        await sql`analyze`.execute(raw.db);
      } finally {
        await raw.close();
      }
    }
    const rnd = createRandom(7).fork('queries');
    const byLevel = (level: string) => setup.regions.filter((r) => r.level === level);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rnd.next() * list.length)]!;
    const kabupaten = byLevel('kabupaten');
    const kecamatan = byLevel('kecamatan');
    const desa = byLevel('desa');

    // Every TPS in the queue, paging through the province by keyset: also the check that the
    // queue holds exactly the flagged ones.
    let queueTotal = 0;
    let after: TpsCode | undefined;
    t0 = performance.now();
    for (;;) {
      const page = await store.reviewQueue({
        region: PROVINCE as RegionCode,
        ballot: BALLOT,
        limit: 500,
        ...(after ? { after } : {}),
      });
      queueTotal += page.length;
      if (page.length < 500) break;
      after = page.at(-1)!.tps;
    }
    const wholeQueueMs = Math.round(performance.now() - t0);

    for (let i = 0; i < REPEAT; i++) {
      await timed(sample('queue: province, first page'), () =>
        store.reviewQueue({ region: PROVINCE as RegionCode, ballot: BALLOT, limit: PAGE }),
      );
      await timed(sample('queue: kabupaten, first page'), () =>
        store.reviewQueue({ region: pick(kabupaten).code, ballot: BALLOT, limit: PAGE }),
      );
      await timed(sample('queue: kecamatan, first page'), () =>
        store.reviewQueue({ region: pick(kecamatan).code, ballot: BALLOT, limit: PAGE }),
      );
      const kab = pick(kabupaten).code;
      const first = await store.reviewQueue({ region: kab, ballot: BALLOT, limit: PAGE });
      const last = first.at(-1)?.tps;
      if (last)
        await timed(sample('queue: kabupaten, next page'), () =>
          store.reviewQueue({ region: kab, ballot: BALLOT, limit: PAGE, after: last }),
        );
      await timed(sample('recap: province'), () =>
        store.regionResult(PROVINCE as RegionCode, BALLOT),
      );
      await timed(sample('recap: kabupaten'), () =>
        store.regionResult(pick(kabupaten).code, BALLOT),
      );
      await timed(sample('recap: kecamatan'), () =>
        store.regionResult(pick(kecamatan).code, BALLOT),
      );
      await timed(sample('recap: desa'), () => store.regionResult(pick(desa).code, BALLOT));
      await timed(sample('tps: review with versions and events'), () =>
        store.tpsReview(pick(setup.tps).code, BALLOT),
      );
    }
    const mismatches = await store.checkAggregates();
    return {
      ...base,
      machine: machine(),
      parameters: {
        province: PROVINCE,
        tps: setup.tps.length,
        regions: setup.regions.length,
        flaggedShare: FLAGGED_SHARE,
        page: PAGE,
        repeat: REPEAT,
        wholeQueueMs,
      },
      load: { electionS, resultsS, flagged, tps: setup.tps.length },
      results: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)])),
      checks: { queueTotal, aggregatesMatch: mismatches.length === 0 },
    };
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
    if (schema) await dropSchema(schema);
  }
}

function markdown(files: BackendResult[]): string {
  const lines = [
    '# Recap ladder at a province’s scale',
    '',
    'Generated by `npm run bench:recap` (bench/recap.ts). A synthetic province on the real',
    'regions of Jawa Barat with one result per TPS, 20% of them with a slip the rules catch (so',
    'they wait in the review queue). Times in milliseconds, store calls on a quiet store (what one',
    'HTTP request of the review queue or the recap costs below the HTTP layer).',
    '',
  ];
  for (const f of files) {
    lines.push(`## ${f.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, '');
    if (f.skipped || !f.results || !f.load || !f.checks) {
      lines.push(`Skipped: ${f.skipped ?? 'no results'}`, '');
      continue;
    }
    const p = f.parameters ?? {};
    lines.push(
      `${f.load.tps.toLocaleString('en-US')} TPS in ${String(p.regions)} regions; ` +
        `${f.load.flagged.toLocaleString('en-US')} flagged (in the queue: ` +
        `${f.checks.queueTotal.toLocaleString('en-US')}; the whole queue paged through in ` +
        `${String(p.wholeQueueMs)} ms). Loading: election ${f.load.electionS} s, results ` +
        `${f.load.resultsS} s. Live totals equal the recount: ${f.checks.aggregatesMatch ? 'yes' : '**NO**'}.`,
      '',
      '| query | n | p50 | p95 | p99 | max |',
      '| ----- | -: | --: | --: | --: | --: |',
      ...Object.entries(f.results).map(
        ([k, s]) => `| ${k} | ${s.n} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.max} |`,
      ),
      '',
      `Machine: ${f.machine.cpu}, ${f.machine.cores} cores, Node ${f.machine.node}, commit ${f.machine.commit ?? '?'}, ${f.date.slice(0, 10)}.`,
      '',
    );
  }
  return lines.join('\n');
}

const chosen = args.backend ? [args.backend] : ['sqlite', 'postgres'];
const backends = chosen.map((b) => {
  if (b !== 'sqlite' && b !== 'postgres')
    throw new Error(`--backend: sqlite or postgres, not ${b}`);
  return b;
});
const results: BackendResult[] = [];
for (const b of backends) {
  const r = await runBackend(b);
  results.push(r);
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, `recap-${b}.json`), `${JSON.stringify(r, null, 2)}\n`);
  if (r.checks && (!r.checks.aggregatesMatch || r.checks.queueTotal !== r.load?.flagged))
    process.exitCode = 1;
}
// The summary holds every backend run so far (a run of one backend keeps the other's file).
const all = (['sqlite', 'postgres'] as const).flatMap((b) => {
  const file = join(args.out, `recap-${b}.json`);
  return existsSync(file) ? [JSON.parse(readFileSync(file, 'utf8')) as BackendResult] : [];
});
writeFileSync(join(args.out, 'RECAP.md'), markdown(all));
process.stdout.write(markdown(results));
