// `npm run scale:trial`: the multi-machine setup of issue 15 on one machine, for a trial
// (docs/scale.md). It starts an S3-compatible test server (s3rver), a 3-node NATS JetStream
// cluster (/usr/sbin/nats-server), a PostgreSQL schema of its own, 3 `rekap serve` processes with
// the demo election and 2 `rekap worker`s, prints where each one is and a loadgen command to drive
// them, and on Ctrl-C stops everything and drops the schema. Nothing of it is for production:
// there, each part is a real service (docs/scale.md, "In production").
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, rekapWith } from '../test/support/cli.ts';
import { natsServerBinaryAvailable, startNatsCluster } from '../test/support/nats-cluster.ts';
import { dropSchema, postgresProblem, testSchemaUrl } from '../test/support/postgres.ts';
import { spawnRekap, waitHealthy, type RekapProcess } from '../test/support/rekap-process.ts';
import { startS3rver } from '../test/support/s3.ts';

const o = parseArgs({
  options: { api: { type: 'string', default: '3' }, workers: { type: 'string', default: '2' } },
}).values;
const apiCount = Number(o.api);
const workerCount = Number(o.workers);
if (!(apiCount >= 1 && apiCount <= 8 && workerCount >= 0 && workerCount <= 8))
  throw new Error('--api is 1 to 8 and --workers 0 to 8');

const pgProblem = await postgresProblem();
if (pgProblem)
  throw new Error(
    `the trial needs PostgreSQL (set REKAP_TEST_POSTGRES=postgres://...): ${pgProblem.message}`,
  );
if (!natsServerBinaryAvailable())
  throw new Error('the trial needs nats-server (apt-get install nats-server)');

const dir = await mkdtemp(join(tmpdir(), 'rekap-trial-'));
const s3 = await startS3rver({ bucket: 'rekap-trial' });
const nats = await startNatsCluster(3);
const schema = testSchemaUrl('trial');
const env = {
  ...s3.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  LOG_LEVEL: 'info',
};
const common = ['--db', schema.url, '--blobs', s3.url, '--queue', nats.url, '--nats-replicas', '3'];
const procs: RekapProcess[] = [];
const urls: string[] = [];

const stopAll = async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await nats.stop();
  await s3.stop();
  await dropSchema(schema.schema);
  await rm(dir, { recursive: true, force: true });
};

try {
  for (let i = 0; i < apiCount; i++) {
    const port = await freePort();
    const proc = await spawnRekap({
      name: `api${i}`,
      logDir: dir,
      env,
      args: [
        'serve',
        ...(i === 0 ? ['--demo'] : ['--signing-key', join(dir, 'api0', 'signing-key.pem')]),
        '--data',
        join(dir, `api${i}`),
        ...common,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--rate-limit',
        'off',
      ],
    });
    procs.push(proc);
    urls.push(`http://127.0.0.1:${port}`);
    await waitHealthy(proc, `${urls[i]!}/healthz`);
    console.log(`rekap serve ${i + 1}/${apiCount}: ${urls[i]!} (log ${proc.logFile})`);
  }
  for (let i = 0; i < workerCount; i++) {
    const proc = await spawnRekap({
      name: `worker${i}`,
      logDir: dir,
      env,
      args: ['worker', '--data', join(dir, `worker${i}`), ...common],
    });
    procs.push(proc);
    console.log(`rekap worker ${i + 1}/${workerCount}: pid ${proc.pid} (log ${proc.logFile})`);
  }
  const tokens = await rekapWith(
    { env: { ...process.env, ...env } },
    'kpps-token',
    '--region',
    '16.08',
    '--csv',
    '--data',
    join(dir, 'cli'),
    '--db',
    schema.url,
  );
  if (tokens.code !== 0) throw new Error(`kpps-token failed: ${tokens.stderr}`);
  const file = join(dir, 'tokens.csv');
  await writeFile(file, tokens.stdout);
  console.log(`
NATS cluster: ${nats.url}
S3 (s3rver):  ${s3.endpoint}, bucket ${s3.bucket}
PostgreSQL:   schema ${schema.schema}
KPPS tokens:  ${file}

Drive one node with an election night compressed into a minute, for example:
  node bin/rekap.mjs loadgen ${urls[0]!} --tokens ${file} --curve tse --duration 60
Ctrl-C stops everything and drops the schema.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
} finally {
  console.log('stopping the trial');
  await stopAll();
}
