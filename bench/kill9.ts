// The kill -9 loop: the real `rekap serve` process (bin/rekap.mjs, as shipped) takes a burst of
// signed and unsigned submissions from concurrent clients, is killed with SIGKILL at a random
// moment, is started again, ten times over. Then every acknowledged submission (201 or 200) must
// be there with the hash the client was given, every photo's bytes must hash to their sha256, and
// `rekap rebuild --check` (and `rekap verify-blobs`) must pass. Writes bench/results/kill9.json:
// rounds, acknowledged, lost (must be 0), photos wrong (must be 0), and the time from each restart
// to the first answer. Loopback only; every loop is bounded.
//
//   node bin/run-ts.mjs bench/kill9.ts [--rounds 10] [--workers 12] [--seed N] [--postgres]
//                                      [--out bench/results/kill9.json]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { mulberry32 } from '../src/core/random.ts';
import { testPhoto } from '../test/support/photos.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from '../test/support/postgres.ts';
import { freePort, tokenRows } from '../test/support/cli.ts';
import {
  createUpload,
  enrol,
  patchWhole,
  sha256,
  signed,
  type Device,
} from '../test/support/field.ts';
import { variedResult } from '../test/support/results.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rekap.mjs');
const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    workers: { type: 'string', default: '12' },
    seed: { type: 'string' },
    postgres: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/kill9.json' },
  },
});
const ROUNDS = Number(values.rounds);
const WORKERS = Number(values.workers);
const SEED = Number(values.seed ?? Date.now() % 2 ** 31);
const random = mulberry32(SEED);
/** The region whose TPS take part; a third of them sign with an enrolled device. */
const REGION = '16.08.01';

if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
  console.error('kill9: bin/rekap.mjs runs the build in dist/: run `npm run build` first');
  process.exit(2);
}
try {
  const { staleBuild } = (await import(join(ROOT, 'bin', 'build-state.mjs'))) as {
    staleBuild: () => string | null;
  };
  const stale = staleBuild();
  if (stale)
    console.warn(
      `kill9: dist/ is older than ${stale}; run \`npm run build\` to test the current code`,
    );
} catch {
  /* no build-state helper: nothing to compare */
}

const dataDir = await mkdtemp(join(tmpdir(), 'rekap-kill9-'));
let dbUrl: string | undefined;
let schema: string | undefined;
if (values.postgres) {
  if (!(await postgresAvailable())) {
    console.error('kill9: --postgres given but PostgreSQL is not available');
    process.exit(2);
  }
  ({ url: dbUrl, schema } = testSchemaUrl('kill9'));
}
const storeArgs = ['--data', dataDir, ...(dbUrl ? ['--db', dbUrl] : [])];
const port = await freePort();
const base = `http://127.0.0.1:${port}`;

type Started = { child: ChildProcess; firstAnswerMs: number };

/** Starts `rekap serve` and waits (at most 60 s) for its first answer on /healthz. */
async function startServer(): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--demo', ...storeArgs, '--port', String(port), '--host', '127.0.0.1'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  while (performance.now() - t0 < 60_000) {
    if (child.exitCode !== null) throw new Error(`rekap serve exited early: ${stderr}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok)
        return { child, firstAnswerMs: Math.round(performance.now() - t0) };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`rekap serve did not answer within 60 s: ${stderr}`);
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

// The election (--demo), then tokens for the region while no server holds the data folder.
let server = await startServer();
await stop(server.child, 'SIGTERM');
const { stdout } = await run(process.execPath, [
  BIN,
  'kpps-token',
  '--region',
  REGION,
  '--csv',
  ...storeArgs,
]);
const tokens = tokenRows(stdout).map((r) => [r.tps, r.token] as const);
server = await startServer();
console.log(`kill9: ${tokens.length} TPS below ${REGION}, data in ${dataDir} (seed ${SEED})`);

// A third of the TPS enrol a device and sign every submission.
const devices = new Map<string, Device>();
for (const [i, [tps, token]] of tokens.entries())
  if (i % 3 === 0) devices.set(tps, await enrol(base, token, tps, 'kill9'));

const photos = await Promise.all(Array.from({ length: 8 }, (_, i) => testPhoto(`kill9-${i}`)));

type Ack = { tps: string; id: string; hash: string; photos: string[]; round: number };
const acked: Ack[] = [];
let n = 0;

/** One submission: a photo part, or (one in four) a photo uploaded through tus first. */
async function submit(round: number): Promise<void> {
  const i = n++;
  const [tps, token] = tokens[i % tokens.length]!;
  const v = i % 50;
  const result = variedResult(v);
  const photo = photos[i % photos.length]!;
  const hash = sha256(photo);
  const form = new FormData();
  form.set('result', JSON.stringify(result));
  if (i % 4 === 3) {
    const created = await createUpload(base, token, photo, { tps, sha256: hash });
    if (created.status !== 201 || !created.url) return;
    const patched = await patchWhole(created.url, token, photo);
    if (patched.status !== 204) return;
    form.set('photos', JSON.stringify([hash]));
  } else form.append('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'p.jpg');
  const device = devices.get(tps);
  if (device) {
    const { summary, signature } = await signed(device, tps, result, [hash]);
    form.set(
      'signature',
      JSON.stringify({ deviceId: device.deviceId, signedAt: summary.signedAt, signature }),
    );
  }
  const res = await fetch(`${base}/api/v1/tps/${tps}/submissions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (res.status === 201 || res.status === 200) {
    const body = (await res.json()) as { id: string; hash: string };
    acked.push({ tps, id: body.id, hash: body.hash, photos: [hash], round });
  } else await res.body?.cancel();
}

type Round = {
  round: number;
  killAfterMs: number;
  acknowledged: number;
  refusedOrCut: number;
  /** From starting the process again to its first answer on /healthz. */
  firstAnswerAfterRestartMs: number;
  /** From the kill to that first answer. */
  downMs: number;
};
const rounds: Round[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const before = acked.length;
  let failed = 0;
  let stopping = false;
  const worker = async () => {
    while (!stopping)
      await submit(round).catch(() => {
        failed++; // the server died under this request: never acknowledged
      });
  };
  const workers = Array.from({ length: WORKERS }, worker);
  const killAfterMs = Math.round(500 + random() * 2500);
  await new Promise((r) => setTimeout(r, killAfterMs));
  const killedAt = performance.now();
  await stop(server.child, 'SIGKILL');
  stopping = true;
  await Promise.all(workers);
  server = await startServer();
  rounds.push({
    round,
    killAfterMs,
    acknowledged: acked.length - before,
    refusedOrCut: failed,
    firstAnswerAfterRestartMs: server.firstAnswerMs,
    downMs: Math.round(performance.now() - killedAt),
  });
  console.log(
    `round ${round}: killed after ${killAfterMs} ms, ${acked.length - before} acknowledged, ` +
      `first answer ${server.firstAnswerMs} ms after the restart`,
  );
}

// Every acknowledged submission is there, with its hash and its photo's bytes.
let lost = 0;
let wrongHash = 0;
let gaps = 0;
let photosChecked = 0;
let photosWrong = 0;
const lostExamples: string[] = [];
const byTps = new Map<string, Ack[]>();
for (const a of acked) byTps.set(a.tps, [...(byTps.get(a.tps) ?? []), a]);
const checkedUrls = new Map<string, boolean>();
for (const [tps, acks] of byTps) {
  const view = (await (await fetch(`${base}/api/v1/tps/${tps}?ballot=ppwp`)).json()) as {
    versions: {
      id: string;
      hash: string;
      version: number;
      photos: { sha256: string; url: string }[];
    }[];
  };
  const versions = view.versions;
  if (versions.some((v, i) => v.version !== versions.length - i)) gaps++;
  for (const a of acks) {
    const v = versions.find((x) => x.id === a.id);
    if (!v) {
      lost++;
      if (lostExamples.length < 5) lostExamples.push(`${tps} ${a.id} (round ${a.round})`);
      continue;
    }
    if (v.hash !== a.hash) wrongHash++;
    if (JSON.stringify(v.photos.map((p) => p.sha256)) !== JSON.stringify(a.photos)) photosWrong++;
  }
  for (const v of versions)
    for (const p of v.photos) {
      if (checkedUrls.has(`${v.id}:${p.url}`)) continue;
      const res = await fetch(`${base}${p.url}`);
      const ok = res.status === 200 && sha256(new Uint8Array(await res.arrayBuffer())) === p.sha256;
      checkedUrls.set(`${v.id}:${p.url}`, ok);
      photosChecked++;
      if (!ok) photosWrong++;
    }
}
await stop(server.child, 'SIGTERM');

const check = async (args: string[]) => {
  try {
    const r = await run(process.execPath, [BIN, ...args, ...storeArgs]);
    return { ok: true, output: r.stdout.trim().split('\n').slice(-3).join('\n') };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: (err.stdout || err.stderr || err.message).trim().slice(0, 500) };
  }
};
const rebuild = await check(['rebuild', '--check']);
const verifyBlobs = await check(['verify-blobs']);

const firsts = rounds.map((r) => r.firstAnswerAfterRestartMs).sort((a, b) => a - b);
const report = {
  generatedAt: new Date().toISOString(),
  backend: dbUrl ? 'postgres' : 'sqlite',
  seed: SEED,
  rounds: rounds.length,
  workers: WORKERS,
  tps: tokens.length,
  signedTps: devices.size,
  acknowledged: acked.length,
  lost,
  wrongHash,
  versionGaps: gaps,
  photosChecked,
  photosWrong,
  rebuildCheck: rebuild,
  verifyBlobs,
  firstAnswerAfterRestartMs: {
    median: firsts[Math.floor(firsts.length / 2)] ?? null,
    max: firsts.at(-1) ?? null,
  },
  perRound: rounds,
  lostExamples,
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
};
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `kill9: ${rounds.length} rounds, ${acked.length} acknowledged, lost ${lost}, wrong hash ${wrongHash}, ` +
    `photos wrong ${photosWrong} of ${photosChecked}, rebuild --check ${rebuild.ok ? 'ok' : 'FAILED'}, ` +
    `verify-blobs ${verifyBlobs.ok ? 'ok' : 'FAILED'}; written ${values.out}`,
);
await rm(dataDir, { recursive: true, force: true });
if (schema) await dropSchema(schema);
process.exitCode = lost === 0 && wrongHash === 0 && photosWrong === 0 && rebuild.ok ? 0 : 1;
