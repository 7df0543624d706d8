// Election night for the whole country (issue 15): `node bin/run-ts.mjs bench/scale.ts [--quick]`.
//
// Three measurements in one run, each absolute and as a ratio to the bare streaming server
// (bench/bare-server.ts: multipart to disk with an fdatasync, no Rekap code) measured first:
//   1. embedded: one `rekap serve` on SQLite with packs, driven by `rekap loadgen` at full speed,
//      with public recap reads (p50/p99) measured during it;
//   2. cluster: 3 `rekap serve` + 2 `rekap worker` over PostgreSQL, s3rver and a 3-node NATS
//      cluster (R3), the same load split over the 3 nodes, with the CPU each part used;
//   3. projection: from the measured CPU per submission of each part, plus the measured cost of
//      real phone photos (photo-decode.json: three ~400 KB pages checked at intake; reader.json:
//      each page decoded and re-read), the cores, machines, bandwidth and storage for 4.1 M
//      submissions in three hours (380/s on average, 1,200/s at the peak).
// Writes bench/results/scale.json and prints a summary.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseLoadgenArgs, runLoadgen } from '../src/cli/loadgen/index.ts';
import type { LoadgenReport } from '../src/cli/loadgen/report.ts';
import { freePort, rekapWith } from '../test/support/cli.ts';
import { postgresAvailable } from '../test/support/postgres.ts';
import { ROOT, spawnRekap, waitHealthy } from '../test/support/rekap-process.ts';
import { startScaleCluster } from '../test/support/scale-cluster.ts';
import { measureBareServer, type BareServerResult } from './bare-server.ts';
import { machineBusySeconds, procCpuSeconds } from './load.ts';
import { machine } from './report.ts';

const args = parseArgs({ options: { quick: { type: 'boolean' } } }).values;
const LOAD_S = args.quick ? 8 : 20;
const REGION = '16.08';
const quiet = { stdout: () => undefined, stderr: () => undefined };

/** CPU seconds a set of processes used between two calls. */
function cpuOf(pids: () => number[]): () => number {
  const sum = () => pids().reduce((s, p) => s + (procCpuSeconds(p) ?? 0), 0);
  const a = sum();
  return () => sum() - a;
}

const pidsNamed = (name: string): number[] => {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

/** Public recap reads in `lanes` loops until `stop`, with their latencies. */
function readLoad(urls: string[], lanes: number) {
  const ms: number[] = [];
  let stopped = false;
  let errors = 0;
  const running = Array.from({ length: lanes }, async (_, i) => {
    const url = `${urls[i % urls.length]!}/api/v1/results/${REGION}`;
    while (!stopped) {
      const t0 = performance.now();
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        await r.arrayBuffer();
        if (r.ok) ms.push(performance.now() - t0);
        else errors++;
      } catch {
        errors++;
      }
    }
  });
  return async () => {
    stopped = true;
    await Promise.all(running);
    ms.sort((a, b) => a - b);
    const q = (p: number) => Math.round((ms[Math.floor(p * (ms.length - 1))] ?? NaN) * 10) / 10;
    return { reads: ms.length, errors, p50Ms: q(0.5), p99Ms: q(0.99) };
  };
}

async function tokensCsv(dir: string, data: string): Promise<string> {
  const r = await rekapWith({}, 'kpps-token', '--region', REGION, '--csv', '--data', data);
  if (r.code !== 0) throw new Error(`kpps-token failed: ${r.stderr}`);
  return r.stdout;
}

/** Splits kpps-token's CSV into `n` files, a TPS in one only. */
async function splitTokens(dir: string, csv: string, n: number): Promise<string[]> {
  const [header, ...rows] = csv.trim().split('\n');
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = join(dir, `tokens-${i}.csv`);
    await writeFile(file, [header, ...rows.filter((_, j) => j % n === i)].join('\n') + '\n');
    files.push(file);
  }
  return files;
}

const loadArgs = (url: string, tokens: string) => [
  url,
  '--tokens',
  tokens,
  '--curve',
  'flat',
  '--duration',
  String(LOAD_S),
  '--rate',
  '2000',
  '--concurrency',
  '16',
  '--region',
  REGION,
  '--settle',
  '20',
];

type Summary = {
  accepted: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: Record<string, number>;
  lagS: { max: number; end: number };
};
const summary = (r: LoadgenReport): Summary => ({
  accepted: r.accepted.total,
  perSecond: r.accepted.perSecond,
  p50Ms: r.latencyMs.p50,
  p99Ms: r.latencyMs.p99,
  errors: r.errors,
  lagS: r.recap.lagS,
});

async function embedded(dir: string) {
  const port = await freePort();
  const data = join(dir, 'embedded');
  const proc = await spawnRekap({
    name: 'embedded',
    logDir: dir,
    args: ['serve', '--demo', '--data', data, '--port', String(port), '--host', '127.0.0.1'].concat(
      ['--rate-limit', 'off'],
    ),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(proc, `${url}/healthz`);
    // The demo's operator accounts are written just after the server answers: let them land.
    await new Promise((r) => setTimeout(r, 5000));
    const file = join(dir, 'tokens-embedded.csv');
    await writeFile(file, await tokensCsv(dir, data));
    const cpu = cpuOf(() => [proc.pid]);
    const t0 = performance.now();
    const reads = readLoad([url], 4);
    const report = await runLoadgen(parseLoadgenArgs(loadArgs(url, file)), quiet);
    const wall = (performance.now() - t0) / 1000;
    const read = await reads();
    const serverCpuS = cpu();
    return {
      load: summary(report),
      readsDuringIngest: read,
      serverCpuMsPerAccepted: round((serverCpuS * 1000) / Math.max(1, report.accepted.total)),
      serverCorePct: Math.round((serverCpuS / wall) * 100),
    };
  } finally {
    await proc.stop();
  }
}

async function cluster(dir: string) {
  const c = await startScaleCluster({ tag: 'bench', api: 3, workers: 2 });
  const procs = [...c.apis.map((a) => a.proc), ...c.workers];
  const urls = c.apis.map((a) => a.url);
  const workers = c.workers;
  try {
    await new Promise((r) => setTimeout(r, 5000));
    const files = await splitTokens(dir, await c.tokensCsv(REGION), 3);
    const api = cpuOf(() => procs.slice(0, 3).map((p) => p.pid));
    const work = cpuOf(() => workers.map((p) => p.pid));
    const postgres = cpuOf(() => pidsNamed('postgres'));
    const natsCpu = cpuOf(() => pidsNamed('nats-server'));
    const self0 = process.cpuUsage();
    const m0 = machineBusySeconds();
    const t0 = performance.now();
    const reads = readLoad(urls, 3);
    const reports = await Promise.all(
      files.map((f, i) => runLoadgen(parseLoadgenArgs(loadArgs(urls[i]!, f)), quiet)),
    );
    const wall = (performance.now() - t0) / 1000;
    const read = await reads();
    const m1 = machineBusySeconds();
    const self = process.cpuUsage(self0);
    const accepted = reports.reduce((s, r) => s + r.accepted.total, 0);
    const per = (s: number) => round((s * 1000) / Math.max(1, accepted));
    const cpu = {
      apiS: api(),
      workersS: work(),
      postgresS: postgres(),
      natsS: natsCpu(),
      benchAndS3rverS: (self.user + self.system) / 1e6,
    };
    return {
      nodes: { api: 3, workers: 2, nats: 3, streamReplicas: 3 },
      accepted,
      perSecond: round(accepted / Math.max(...reports.map((r) => r.durationS))),
      perNode: reports.map(summary),
      readsDuringIngest: read,
      wallS: round(wall),
      machineBusyCores: round((m1.busy - m0.busy) / wall),
      cpuMsPerAccepted: {
        api: per(cpu.apiS),
        workers: per(cpu.workersS),
        postgres: per(cpu.postgresS),
        nats: per(cpu.natsS),
        benchAndS3rver: per(cpu.benchAndS3rverS),
      },
    };
  } finally {
    await c.stop();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The real photos' measured costs (bench/results/photo-decode.json, reader.json). */
function realPhotoCosts() {
  type Photo = { photo: string; kb: number; checkPhoto: { cpuMs: number } };
  const decode = JSON.parse(
    readFileSync(join(ROOT, 'bench/results/photo-decode.json'), 'utf8'),
  ) as { photos: Photo[] };
  const real = decode.photos.find((p) => p.photo === 'field-400k')!;
  const benchPhoto = decode.photos.find((p) => p.photo === 'bench-200k')!;
  const reader = JSON.parse(readFileSync(join(ROOT, 'bench/results/reader.json'), 'utf8')) as {
    sources: { real: { ms: { decode: { p50: number }; formReadPerPage: { p50: number } } } };
  };
  return {
    pagesPerSubmission: 3,
    pageKb: 400,
    intakeCheckMsPerPage: real.checkPhoto.cpuMs,
    benchPhotoCheckMs: benchPhoto.checkPhoto.cpuMs,
    rereadMsPerPage: reader.sources.real.ms.decode.p50 + reader.sources.real.ms.formReadPerPage.p50,
  };
}

/** Machines for 4.1 M submissions in three hours, from the measured costs. */
function projection(c: Awaited<ReturnType<typeof cluster>>) {
  const photos = realPhotoCosts();
  const total = 4_100_000;
  const averagePerS = total / (3 * 3600);
  const peakPerS = 1200;
  // The API node checks every page at intake: the benchmark's one cheap photo is replaced by
  // three real pages (each fully decoded by the check, photos.ts).
  const apiMs =
    c.cpuMsPerAccepted.api -
    photos.benchPhotoCheckMs +
    photos.pagesPerSubmission * photos.intakeCheckMsPerPage;
  // Only PPWP (one ballot in five) is read again, three pages each; the queue lets the workers
  // take the three hours, not the peak.
  const rereadMsPerForm = photos.pagesPerSubmission * photos.rereadMsPerPage;
  const ppwpShare = 1 / 5;
  const cores = (perS: number, ms: number) => round((perS * ms) / 1000);
  const bytes = photos.pagesPerSubmission * photos.pageKb * 1024;
  /** Cores busy at 70% at most, on 16-core machines. */
  const machines = (c: number) => Math.ceil(c / 0.7 / 16);
  const at = (perS: number) => {
    const api = cores(perS, apiMs);
    const postgres = cores(perS, c.cpuMsPerAccepted.postgres);
    const nats = cores(perS, c.cpuMsPerAccepted.nats);
    return { api, postgres, nats, apiMachines16: machines(api) };
  };
  const workersCoresFor3h = round((total * ppwpShare * rereadMsPerForm) / 1000 / (3 * 3600));
  return {
    basis: {
      submissions: total,
      hours: 3,
      averagePerS: Math.round(averagePerS),
      peakPerS,
      ...photos,
      apiCpuMsPerSubmission: round(apiMs),
      rereadCpuMsPerPpwpForm: round(rereadMsPerForm),
      postgresCpuMsPerSubmission: c.cpuMsPerAccepted.postgres,
      natsCpuMsPerSubmission: c.cpuMsPerAccepted.nats,
      machine: '16 cores, busy at 70% at most',
    },
    average: at(averagePerS),
    peak: at(peakPerS),
    workers: { coresToFinishIn3h: workersCoresFor3h, machines16: machines(workersCoresFor3h) },
    network: {
      peakGbitPerS: round((peakPerS * bytes * 8) / 1e9),
      averageGbitPerS: round((averagePerS * bytes * 8) / 1e9),
    },
    storageTB: round((total * bytes) / 1e12),
  };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'rekap-bench-scale-'));
  try {
    console.log(`bench/scale: the bare server, ${LOAD_S} s`);
    const bare: BareServerResult = await measureBareServer({ durationS: LOAD_S });
    const bareRate = bare.load.okPerSecond;
    console.log(`  ${bareRate}/s`);
    console.log('bench/scale: embedded (SQLite, packs, one process)');
    const emb = await embedded(dir);
    console.log(`  ${emb.load.perSecond}/s, reads p99 ${emb.readsDuringIngest.p99Ms} ms`);
    let multi: Awaited<ReturnType<typeof cluster>> | undefined;
    let skipped: string | undefined;
    if (await postgresAvailable()) {
      console.log('bench/scale: 3 API + 2 workers + 3 NATS (R3) + PostgreSQL + s3rver');
      multi = await cluster(dir);
      console.log(
        `  ${multi.perSecond}/s, CPU ms per submission ${JSON.stringify(multi.cpuMsPerAccepted)}`,
      );
    } else skipped = 'no PostgreSQL: the cluster and the projection were not measured';
    const result = {
      benchmark: 'scale',
      date: new Date().toISOString(),
      machine: machine(),
      parameters: { loadS: LOAD_S, region: REGION, photoKb: 200, connectionsPerLoadgen: 16 },
      bare: { perSecond: bareRate, p99Ms: bare.load.latencyMs.p99, mode: bare.mode },
      embedded: { ...emb, ratioToBare: round(emb.load.perSecond / bareRate) },
      ...(multi
        ? {
            cluster: { ...multi, ratioToBare: round(multi.perSecond / bareRate) },
            projection: projection(multi),
          }
        : { skipped }),
    };
    const file = join(ROOT, 'bench/results/scale.json');
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`bench/scale: written ${file}`);
    if (multi) console.log(JSON.stringify(projection(multi), null, 2));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
