// Rekap benchmarks: `npm run bench [-- --quick] [--only ingest|reads] [--backend sqlite|postgres]`.
//
// For each backend (SQLite, PostgreSQL) it starts the real server as a child process
// (`rekap serve --demo`), provisions a KPPS token for each of the 2,180 demo TPS
// (`rekap kpps-token --region 16.08 --csv`) and drives it with autocannon:
//   ingest: POST /api/v1/tps/{code}/submissions at full speed (multipart: result + ~200 KB photo);
//   reads:  GET /api/v1/results/16.08 alone, then while an ingest runs at a fixed rate.
// After each it runs `rekap rebuild --check` (live totals = recount). One JSON file per benchmark
// and SUMMARY.md go to bench/results/ (a --quick run writes to a temporary folder instead).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { dropSchema, postgresProblem } from '../test/support/postgres.ts';
import { buildTpsLoads, IngestGenerator } from './bodies.ts';
import {
  cpuMeter,
  runLoad,
  stopAllLoad,
  summarize,
  waitForQuiet,
  type CpuUse,
  type Quiet,
} from './load.ts';
import { assertDecodable, makeStampablePhoto, writeStamp, type StampablePhoto } from './photo.ts';
import { machine, summaryMarkdown, writeBenchFile, type BenchFile, type Phase } from './report.ts';
import {
  ROOT,
  killAllChildrenNow,
  provisionTokens,
  rebuildCheck,
  startServer,
  type Backend,
  type CheckResult,
  type ServerHandle,
} from './server.ts';

const REGION = '16.08';
const RESULTS_PATH = `/api/v1/results/${REGION}?ballot=ppwp`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    backend: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    'read-connections': { type: 'string' },
    'ingest-rate': { type: 'string' },
    postgres: { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
});

function usage(msg: string): never {
  console.error(`bench: ${msg}
usage: npm run bench -- [--quick] [--only ingest|reads] [--backend sqlite|postgres]
       [--duration S] [--connections N] [--read-connections N] [--ingest-rate N]
       [--postgres URL] [--out DIR]`);
  process.exit(2);
}

const intArg = (name: string, v: string | undefined, dflt: number) => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) usage(`--${name} needs a positive integer`);
  return n;
};

if (args.only && args.only !== 'ingest' && args.only !== 'reads') usage(`bad --only ${args.only}`);
if (args.backend && args.backend !== 'sqlite' && args.backend !== 'postgres')
  usage(`bad --backend ${args.backend}`);

const params = {
  durationS: intArg('duration', args.duration, args.quick ? 3 : 10),
  /** Ingest at full speed. */
  connections: intArg('connections', args.connections, 16),
  readConnections: intArg('read-connections', args['read-connections'], 16),
  /** Ingest connections and rate while reads are measured. */
  ingestConnections: 8,
  ingestRate: intArg('ingest-rate', args['ingest-rate'], 50),
};
const POSTGRES_URL =
  args.postgres ?? process.env.REKAP_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const backends: Backend[] = args.backend ? [args.backend as Backend] : ['sqlite', 'postgres'];
const runIngest = args.only !== 'reads';
const runReads = args.only !== 'ingest';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// ---- cleanup, also on Ctrl-C --------------------------------------------------------------------

const cleanups: (() => Promise<void>)[] = [];
let interrupted = false;
async function cleanupAll() {
  while (cleanups.length) {
    const c = cleanups.pop()!;
    await c().catch((e: unknown) => console.error(`bench: cleanup failed: ${String(e)}`));
  }
}
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    interrupted = true;
    console.error(`\nbench: ${sig}, stopping and cleaning up`);
    stopAllLoad();
    void cleanupAll().finally(() => process.exit(130));
  });
process.once('exit', killAllChildrenNow);

// ---- one backend ----------------------------------------------------------------------------------

/** Sends one submission with fetch and insists it is accepted as clean: the load is right. */
async function preflight(server: ServerHandle, gen: IngestGenerator) {
  const req = gen.take();
  const body = req.body as Buffer;
  const r = await fetch(server.url + req.path!, {
    method: 'POST',
    headers: req.headers!,
    body: new Uint8Array(body),
  });
  const text = await r.text();
  if (r.status !== 201 || !text.includes('"status":"clean"'))
    throw new Error(
      `preflight submission not accepted as clean: ${r.status} ${text.slice(0, 400)}`,
    );
}

async function ingestPhase(
  label: string,
  server: ServerHandle,
  gen: IngestGenerator,
  opts: { connections: number; durationS?: number; amount?: number; rate?: number },
): Promise<Phase> {
  const before = { ...gen.tally };
  const meter = cpuMeter(server.pid);
  const result = await runLoad(label, 'submissions', {
    url: server.url,
    connections: opts.connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.durationS ?? params.durationS }),
    ...(opts.rate ? { overallRate: opts.rate } : {}),
    timeout: 30,
    requests: gen.requests(),
  });
  const cpu = meter();
  const t = gen.tally;
  return {
    load: summarize(result),
    cpu,
    extra: {
      created201: t.created - before.created,
      duplicate200: t.duplicate - before.duplicate,
      clean: t.clean - before.clean,
      flagged: t.flagged - before.flagged,
    },
  };
}

async function readsPhase(label: string, server: ServerHandle, durationS: number): Promise<Phase> {
  const meter = cpuMeter(server.pid);
  const result = await runLoad(label, 'reads', {
    url: server.url + RESULTS_PATH,
    connections: params.readConnections,
    duration: durationS,
    timeout: 30,
  });
  return { load: summarize(result), cpu: meter() };
}

/** Waits for the machine to be quiet before a phase, and says so when it was not. */
async function settleMachine(label: string): Promise<Quiet> {
  const q = await waitForQuiet(args.quick ? 15 : 90);
  if (!q.quiet)
    console.log(
      `  ${label}: machine still busy after ${q.waitedS} s (${q.busyPctOfOneCore}% of one core used by other work); measuring anyway`,
    );
  else if (q.waitedS > 3) console.log(`  ${label}: waited ${q.waitedS} s for other work to finish`);
  return q;
}

function describePhase(label: string, p: Phase) {
  const l = p.load;
  const c: CpuUse = p.cpu;
  console.log(
    `  ${label}: ${l.okPerSecond}/s (${fmt(l.ok2xx)} 2xx in ${l.durationS} s), ` +
      `p50 ${l.latencyMs.p50} ms, p99 ${l.latencyMs.p99} ms, max ${l.latencyMs.max} ms, ` +
      `non-2xx ${l.non2xx}, errors ${l.errors}; CPU server ${c.serverPct ?? '?'}%, ` +
      `load gen ${c.loadGeneratorPct}%, other ${c.otherPct ?? '?'}% (of one core)`,
  );
}

async function settleAndCheck(
  label: string,
  dataDir: string,
  dbUrl: string | undefined,
): Promise<CheckResult> {
  // autocannon stops by closing its sockets; let the server finish what it had already received.
  await new Promise((r) => setTimeout(r, 1500));
  const check = await rebuildCheck(dataDir, dbUrl);
  console.log(
    `  ${label}: rebuild --check ${check.ok ? 'PASS' : 'FAIL'} (${check.ms} ms): ${check.output}`,
  );
  return check;
}

async function benchBackend(backend: Backend, photo: StampablePhoto, outDir: string) {
  const base = {
    backend,
    date: new Date().toISOString(),
    machine: machine(),
  };
  console.log(`\n== ${backend} ==`);
  let dbUrl: string | undefined;
  if (backend === 'postgres') {
    const error = await postgresProblem(POSTGRES_URL);
    const problem = error && `no PostgreSQL at ${POSTGRES_URL}: ${error.message}`;
    if (problem) {
      console.log(`  skipped: ${problem}`);
      for (const benchmark of [runIngest ? 'ingest' : null, runReads ? 'reads' : null])
        if (benchmark)
          writeBenchFile(outDir, {
            ...base,
            benchmark: benchmark as 'ingest' | 'reads',
            skipped: problem,
            parameters: {},
          });
      return;
    }
    const schema = `rekap_bench_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const u = new URL(POSTGRES_URL);
    u.searchParams.set('schema', schema);
    dbUrl = u.toString();
    cleanups.push(() => dropSchema(schema, POSTGRES_URL));
  }
  const dataDir = await mkdtemp(join(tmpdir(), `rekap-bench-${backend}-`));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

  let t = Date.now();
  const server = await startServer({ dataDir, dbUrl });
  cleanups.push(() => server.stop());
  console.log(`  server up at ${server.url} (pid ${server.pid}) in ${Date.now() - t} ms`);
  t = Date.now();
  const tokens = await provisionTokens(REGION, dataDir, dbUrl);
  console.log(`  ${fmt(tokens.size)} KPPS tokens provisioned in ${Date.now() - t} ms`);
  const gen = new IngestGenerator(buildTpsLoads(tokens), photo);
  await preflight(server, gen);

  const common = {
    photoBytes: photo.bytes.length,
    tps: tokens.size,
    region: REGION,
    durationS: params.durationS,
    quick: args.quick,
    server: `node bin/rekap.mjs serve --demo --data TMP${dbUrl ? ' --db postgres://…?schema=…' : ''} (LOG_LEVEL=warn)`,
  };

  if (runIngest) {
    console.log(
      `  ingest ${backend}: ${params.connections} connections, ${params.durationS} s, full speed`,
    );
    const quiet = await settleMachine(`ingest ${backend}`);
    const ingest = await ingestPhase(`ingest ${backend}`, server, gen, {
      connections: params.connections,
    });
    ingest.before = quiet;
    describePhase(`ingest ${backend}`, ingest);
    const check = await settleAndCheck(`ingest ${backend}`, dataDir, dbUrl);
    const file: BenchFile = {
      ...base,
      benchmark: 'ingest',
      parameters: {
        ...common,
        connections: params.connections,
        rate: 'full speed (no overallRate)',
        endpoint: 'POST /api/v1/tps/{code}/submissions?ballot=ppwp',
      },
      results: { ingest },
      checks: { afterIngest: check },
      notes: notesFor(ingest),
    };
    console.log(`  wrote ${writeBenchFile(outDir, file)}`);
  }

  if (runReads) {
    if (!runIngest) {
      console.log(`  preloading one submission per TPS (${fmt(tokens.size)})`);
      await ingestPhase(`preload ${backend}`, server, gen, {
        connections: 8,
        amount: tokens.size,
      });
    }
    console.log(
      `  reads ${backend}: GET ${RESULTS_PATH}, ${params.readConnections} connections, ${params.durationS} s, alone`,
    );
    const quietAlone = await settleMachine(`reads ${backend}`);
    const readsAlone = await readsPhase(`reads ${backend} (alone)`, server, params.durationS);
    readsAlone.before = quietAlone;
    describePhase(`reads ${backend} (alone)`, readsAlone);
    console.log(
      `  reads ${backend} during ingest (ingest at ${params.ingestRate}/s over ${params.ingestConnections} connections)`,
    );
    const quietDuring = await settleMachine(`reads ${backend} during ingest`);
    const [readsDuringIngest, ingestDuringReads] = await Promise.all([
      readsPhase(`reads ${backend} (during ingest)`, server, params.durationS),
      ingestPhase(`ingest ${backend} (during reads)`, server, gen, {
        connections: params.ingestConnections,
        rate: params.ingestRate,
      }),
    ]);
    readsDuringIngest.before = quietDuring;
    ingestDuringReads.before = quietDuring;
    describePhase(`reads ${backend} (during ingest)`, readsDuringIngest);
    describePhase(`ingest ${backend} (during reads)`, ingestDuringReads);
    const check = await settleAndCheck(`reads ${backend}`, dataDir, dbUrl);
    const file: BenchFile = {
      ...base,
      benchmark: 'reads',
      parameters: {
        ...common,
        endpoint: `GET ${RESULTS_PATH}`,
        readConnections: params.readConnections,
        readRate: 'full speed',
        ingestConnections: params.ingestConnections,
        ingestRate: params.ingestRate,
        ingestRateMode: 'autocannon overallRate (fixed target rate)',
        submissionsSentBefore: gen.sent,
      },
      results: { readsAlone, readsDuringIngest, ingestDuringReads },
      checks: { afterReads: check },
      notes: notesFor(ingestDuringReads),
    };
    console.log(`  wrote ${writeBenchFile(outDir, file)}`);
  }
}

function notesFor(ingest: Phase): string[] {
  const notes = [
    `The machine has ${machine().cores} cores shared by the server, ${'the database (PostgreSQL runs as its own processes)'}, and the load generator (autocannon, in the benchmark's process).`,
  ];
  const e = ingest.extra as { flagged?: number; duplicate200?: number } | undefined;
  if (e?.flagged) notes.push(`${e.flagged} accepted submissions were flagged (expected 0).`);
  if (e?.duplicate200) notes.push(`${e.duplicate200} submissions were duplicates (expected 0).`);
  return notes;
}

// ---- main -------------------------------------------------------------------------------------------

async function main() {
  const outDir =
    args.out ??
    (args.quick
      ? await mkdtemp(join(tmpdir(), 'rekap-bench-quick-'))
      : join(ROOT, 'bench', 'results'));
  console.log(
    `Rekap benchmarks${args.quick ? ' (quick)' : ''}: ${backends.join(', ')}; ` +
      `${[runIngest ? 'ingest' : '', runReads ? 'reads' : ''].filter(Boolean).join(', ')}; ` +
      `${params.durationS} s per phase; results to ${outDir}`,
  );
  const photo = await makeStampablePhoto();
  const probe = Buffer.from(photo.bytes);
  writeStamp(probe, photo.stampOffset, 123456789);
  await assertDecodable(probe);
  console.log(`  photo: ${fmt(photo.bytes.length)} bytes JPEG, stamped per request`);

  let failed = false;
  for (const backend of backends) {
    if (interrupted) break;
    try {
      await benchBackend(backend, photo, outDir);
    } catch (e) {
      failed = true;
      console.error(`bench ${backend} failed: ${(e as Error).stack ?? String(e)}`);
    } finally {
      await cleanupAll();
    }
  }
  const summary = summaryMarkdown(outDir);
  writeFileSync(join(outDir, 'SUMMARY.md'), summary);
  console.log(`\n${summary}`);
  console.log(`(written to ${join(outDir, 'SUMMARY.md')})`);
  return failed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
