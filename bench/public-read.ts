// Public reads while ingest runs at full speed (issue 13: >= 5,000 requests/s with p99 < 20 ms;
// reads must not queue behind writes). `npm run bench:public-read [-- --duration S]
// [--read-connections N] [--backend sqlite|postgres] [--out DIR]`.
//
// The real server runs in its own process (`rekap serve --demo`, bench/server.ts). This process
// drives the ingest (autocannon, 16 connections, no rate limit: POST a C.Hasil with a ~200 KB
// photo, as bench/run.ts does); a second process (this script with --reader) hammers the public
// endpoints with autocannon: the nation, a kabupaten, a kecamatan, a desa and a TPS, each asked
// plainly and with the If-None-Match of its last answer (a polling page, a CDN revalidating),
// with Accept-Encoding as a browser sends it. Phases: reads alone, then reads during ingest.
// Results: bench/results/public-read.json and PUBLIC-READ.md.
import autocannon, { type Request, type Result } from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dropSchema, postgresProblem } from '../test/support/postgres.ts';
import { buildTpsLoads, IngestGenerator } from './bodies.ts';
import { cpuMeter, runLoad, stopAllLoad, summarize, waitForQuiet, type CpuUse } from './load.ts';
import { makeStampablePhoto } from './photo.ts';
import { machine } from './report.ts';
import {
  ROOT,
  killAllChildrenNow,
  provisionTokens,
  startServer,
  type Backend,
  type ServerHandle,
} from './server.ts';

const { values: args } = parseArgs({
  options: {
    reader: { type: 'string' },
    duration: { type: 'string' },
    'read-connections': { type: 'string' },
    connections: { type: 'string' },
    backend: { type: 'string' },
    postgres: { type: 'string' },
    preload: { type: 'string' },
    out: { type: 'string' },
  },
  strict: true,
});

const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const DURATION_S = num(args.duration, 15);
const READ_CONNECTIONS = num(args['read-connections'], 32);
const INGEST_CONNECTIONS = num(args.connections, 16);
const PRELOAD = num(args.preload, 1_000);
const POSTGRES_URL =
  args.postgres ?? process.env.REKAP_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The public endpoints asked: one per level, down to a TPS. */
export const READ_PATHS = {
  nation: '/api/v1/results/id?ballot=ppwp',
  kabupaten: '/api/v1/results/16.08?ballot=ppwp',
  kecamatan: '/api/v1/results/16.08.01?ballot=ppwp',
  desa: '/api/v1/results/16.08.01.1007?ballot=ppwp',
  tps: '/api/v1/tps/16.08.01.1007.001?ballot=ppwp',
};

type ReaderOut = {
  durationS: number;
  requests: number;
  perSecond: number;
  statusCodes: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  connections: number;
};

// ---- the reader process -------------------------------------------------------------------------

/** Each path plainly, then with the ETag of its last answer, over and over on each connection. */
function readRequests(): Request[] {
  const out: Request[] = [];
  for (const [name, path] of Object.entries(READ_PATHS)) {
    const remember: Request['onResponse'] = (_status, _body, ctx, headers) => {
      if (headers.etag) ctx[name] = headers.etag;
    };
    out.push({ method: 'GET', path, onResponse: remember });
    out.push({
      method: 'GET',
      path,
      onResponse: remember,
      setupRequest: (req, ctx) => {
        const etag = ctx[name];
        return typeof etag === 'string'
          ? { ...req, headers: { ...req.headers, 'if-none-match': etag } }
          : req;
      },
    });
  }
  return out;
}

function readerSummary(r: Result, connections: number): ReaderOut {
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats)) statusCodes[code] = s.count;
  const requests = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    durationS: r.duration,
    requests,
    perSecond: Math.round(requests / r.duration),
    statusCodes,
    latencyMs: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      mean: Math.round(r.latency.mean * 100) / 100,
    },
    errors: r.errors,
    timeouts: r.timeouts,
    connections,
  };
}

async function readerMain(url: string): Promise<void> {
  const result = await autocannon({
    url,
    connections: READ_CONNECTIONS,
    duration: DURATION_S,
    timeout: 30,
    headers: { 'accept-encoding': 'gzip, deflate, br', accept: 'application/json' },
    requests: readRequests(),
  });
  process.stdout.write(`${JSON.stringify(readerSummary(result, READ_CONNECTIONS))}\n`);
}

/** Runs the reader in a process of its own; resolves with what it measured. */
function readerProcess(url: string): Promise<ReaderOut> {
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'run-ts.mjs'),
        join(ROOT, 'bench', 'public-read.ts'),
        '--reader',
        url,
        '--duration',
        String(DURATION_S),
        '--read-connections',
        String(READ_CONNECTIONS),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.once('error', rej);
    child.once('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`reader exited ${code}`);
        res(JSON.parse(line) as ReaderOut);
      } catch (e) {
        rej(new Error(`reader failed: ${(e as Error).message}: ${out.slice(0, 400)}`));
      }
    });
  });
}

// ---- the driver ---------------------------------------------------------------------------------

type PhaseOut = {
  reads: ReaderOut;
  ingest?: {
    submissionsPerSecond: number;
    created201: number;
    statusCodes: Record<string, number>;
    latencyMs: { p50: number; p99: number; max: number };
  };
  cpu: CpuUse;
  serverCpuMsPerRead?: number | null;
  /** The machine's 1-minute load average as the phase ended: other work skews the figures. */
  loadAverage1m?: number;
};

async function ingestRun(server: ServerHandle, gen: IngestGenerator, opts: { amount?: number }) {
  const before = { ...gen.tally };
  const result = await runLoad('ingest', 'submissions', {
    url: server.url,
    connections: INGEST_CONNECTIONS,
    ...(opts.amount ? { amount: opts.amount } : { duration: DURATION_S + 2 }),
    timeout: 30,
    requests: gen.requests(),
  });
  const s = summarize(result);
  return {
    submissionsPerSecond: s.okPerSecond,
    created201: gen.tally.created - before.created,
    statusCodes: s.statusCodes,
    latencyMs: { p50: s.latencyMs.p50, p99: s.latencyMs.p99, max: s.latencyMs.max },
  };
}

function describe(label: string, p: PhaseOut) {
  const r = p.reads;
  console.log(
    `  ${label}: reads ${r.perSecond.toLocaleString('en-US')}/s (${r.requests.toLocaleString('en-US')} in ${r.durationS} s; ${JSON.stringify(r.statusCodes)}), ` +
      `p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms, errors ${r.errors}` +
      (p.ingest
        ? `; ingest ${p.ingest.submissionsPerSecond}/s (p99 ${p.ingest.latencyMs.p99} ms)`
        : '') +
      `; CPU server ${p.cpu.serverPct ?? '?'}%, machine ${p.cpu.machinePct}%` +
      (p.serverCpuMsPerRead ? `; ${p.serverCpuMsPerRead} ms of server CPU per read` : '') +
      `; load average ${p.loadAverage1m ?? '?'}`,
  );
}

async function benchBackend(backend: Backend) {
  let dbUrl: string | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    if (backend === 'postgres') {
      const problem = await postgresProblem(POSTGRES_URL);
      if (problem)
        return { backend, skipped: `no PostgreSQL at ${POSTGRES_URL}: ${problem.message}` };
      const schema = `rekap_pubread_${process.pid}`;
      const u = new URL(POSTGRES_URL);
      u.searchParams.set('schema', schema);
      dbUrl = u.toString();
      cleanups.push(() => dropSchema(schema, POSTGRES_URL));
    }
    const dataDir = await mkdtemp(join(tmpdir(), `rekap-pubread-${backend}-`));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    console.log(`\n== ${backend} ==`);
    const server = await startServer({ dataDir, dbUrl });
    cleanups.push(() => server.stop());
    const tokens = await provisionTokens('16.08', dataDir, dbUrl);
    const gen = new IngestGenerator(buildTpsLoads(tokens), await makeStampablePhoto());
    console.log(`  server ${server.url}; ${tokens.size} TPS; preloading ${PRELOAD} submissions`);
    await ingestRun(server, gen, { amount: PRELOAD });

    await waitForQuiet(30);
    let meter = cpuMeter(server.pid);
    const alone: PhaseOut = { reads: await readerProcess(server.url), cpu: meter() };
    // What one read costs the server, whatever else the machine is doing: its CPU time per answer.
    alone.serverCpuMsPerRead =
      alone.cpu.serverPct === null
        ? null
        : Math.round(
            ((alone.cpu.serverPct / 100) * alone.reads.durationS * 1000 * 1000) /
              alone.reads.requests,
          ) / 1000;
    alone.loadAverage1m = Math.round(loadavg()[0]! * 10) / 10;
    describe(`${backend} reads alone`, alone);

    await waitForQuiet(30);
    meter = cpuMeter(server.pid);
    const ingestP = ingestRun(server, gen, {});
    // Let the ingest reach full speed before the reads start; it runs 2 s longer than they do.
    await new Promise((r) => setTimeout(r, 1000));
    const reads = await readerProcess(server.url);
    const ingest = await ingestP;
    const during: PhaseOut = {
      reads,
      ingest,
      cpu: meter(),
      loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
    };
    describe(`${backend} reads during ingest`, during);
    return { backend, phases: { readsAlone: alone, readsDuringIngest: during } };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

const target = (p: PhaseOut | undefined) =>
  p ? p.reads.perSecond >= 5_000 && p.reads.latencyMs.p99 < 20 : false;

function markdown(file: ReturnType<typeof resultFile>): string {
  const lines = [
    '# Public reads while ingest runs (bench/public-read.ts)',
    '',
    `${file.date}, ${file.machine.cpu}, ${file.machine.cores} cores, ${file.machine.os}, node ${file.machine.node}, commit ${file.machine.commit ?? '?'}.`,
    '',
    `Target (issue 13): >= 5,000 requests/s with p99 < 20 ms on the public result endpoints while ingest runs at full speed (${INGEST_CONNECTIONS} submitting clients).`,
    '',
    `Reads: ${READ_CONNECTIONS} connections from a separate process, cycling over ${Object.keys(READ_PATHS).join(', ')}, each plainly and with If-None-Match, Accept-Encoding gzip/br; ${DURATION_S} s per phase.`,
    '',
    '| backend | phase | reads/s | p50 ms | p99 ms | max ms | 200 / 304 | submissions/s | server CPU (% of a core) | server CPU ms per read | load avg (1 min) | target |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const b of file.backends) {
    if ('skipped' in b && b.skipped) {
      lines.push(`| ${b.backend} | skipped: ${b.skipped} | | | | | | | | | | |`);
      continue;
    }
    if (!('phases' in b) || !b.phases) continue;
    for (const [name, p] of Object.entries(b.phases)) {
      const r = p.reads;
      lines.push(
        `| ${b.backend} | ${name} | ${r.perSecond.toLocaleString('en-US')} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.statusCodes['200'] ?? 0} / ${r.statusCodes['304'] ?? 0} | ${p.ingest ? p.ingest.submissionsPerSecond : '-'} | ${p.cpu.serverPct ?? '?'} | ${p.serverCpuMsPerRead ?? '-'} | ${p.loadAverage1m ?? '?'} | ${name === 'readsDuringIngest' ? (target(p) ? 'met' : 'missed') : ''} |`,
      );
    }
  }
  lines.push('', ...file.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

function resultFile(backends: Awaited<ReturnType<typeof benchBackend>>[]) {
  return {
    benchmark: 'public-read' as const,
    date: new Date().toISOString(),
    machine: machine(),
    parameters: {
      durationS: DURATION_S,
      readConnections: READ_CONNECTIONS,
      ingestConnections: INGEST_CONNECTIONS,
      ingestRate: 'full speed (no overallRate)',
      preloadSubmissions: PRELOAD,
      paths: READ_PATHS,
      readsFrom: 'autocannon in a separate process (bench/public-read.ts --reader)',
      ingestFrom: 'autocannon in the benchmark process (multipart C.Hasil + ~200 KB photo)',
      server: 'node bin/rekap.mjs serve --demo (LOG_LEVEL=warn, --rate-limit off)',
    },
    backends,
    notes: [
      `The machine has ${machine().cores} cores, shared by the server (one Node event loop), the database, the ingest load generator and the read load generator.`,
      'The server publishes its change mark at most once a second (rekap serve --public-refresh-ms, default 1000), so during ingest the answer of each endpoint is made about once a second (one shared read) and served from memory in between; 304 answers need no body at all.',
    ],
  };
}

async function main(): Promise<number> {
  if (args.reader) {
    await readerMain(args.reader);
    return 0;
  }
  const backends: Backend[] = args.backend ? [args.backend as Backend] : ['sqlite', 'postgres'];
  const results: Awaited<ReturnType<typeof benchBackend>>[] = [];
  for (const b of backends) results.push(await benchBackend(b));
  const file = resultFile(results);
  const outDir = args.out ?? join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'public-read.json'), `${JSON.stringify(file, null, 2)}\n`);
  const md = markdown(file);
  writeFileSync(join(outDir, 'PUBLIC-READ.md'), md);
  console.log(`\n${md}`);
  return 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    stopAllLoad();
    killAllChildrenNow();
    process.exit(130);
  });
process.once('exit', killAllChildrenNow);
try {
  process.exitCode = await main();
} catch (e) {
  console.error(`bench:public-read failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
}
