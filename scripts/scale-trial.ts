// `npm run scale:trial`: the multi-machine setup of issue 15 on one machine, for a trial
// (docs/scale.md). It starts an S3-compatible test server (s3rver), a 3-node NATS JetStream
// cluster (/usr/sbin/nats-server), a PostgreSQL schema of its own, 3 `rekap serve` processes with
// the demo election and 2 `rekap worker`s, prints where each one is and a loadgen command to drive
// them, and on Ctrl-C stops everything and drops the schema. Nothing of it is for production:
// there, each part is a real service (docs/scale.md, "In production").
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { natsServerBinaryAvailable } from '../test/support/nats-cluster.ts';
import { postgresProblem } from '../test/support/postgres.ts';
import { startScaleCluster } from '../test/support/scale-cluster.ts';

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

const c = await startScaleCluster({
  tag: 'trial',
  api: apiCount,
  workers: workerCount,
  logLevel: 'info',
  log: (line) => console.log(line),
});
try {
  const file = join(c.dir, 'tokens.csv');
  await writeFile(file, await c.tokensCsv('16.08'));
  console.log(`
NATS cluster: ${c.nats.url}
S3 (s3rver):  ${c.s3.endpoint}, bucket ${c.s3.bucket}
PostgreSQL:   schema ${c.schema.schema}
KPPS tokens:  ${file}

Drive one node with an election night compressed into a minute, for example:
  node bin/rekap.mjs loadgen ${c.apis[0]!.url} --tokens ${file} --curve tse --duration 60
Ctrl-C stops everything and drops the schema.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
} finally {
  console.log('stopping the trial');
  await c.stop();
}
