// The multi-machine setup of issue 15 on one machine (docs/scale.md): s3rver, a 3-node NATS
// JetStream cluster, a PostgreSQL schema of its own, N `rekap serve` (the first loads the demo
// election; the others share its signing key) and M `rekap worker`. The multi-process test, the
// scale benchmark and `npm run scale:trial` all start it here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, rekapWith } from './cli.ts';
import { startNatsCluster, type NatsCluster } from './nats-cluster.ts';
import { dropSchema, testSchemaUrl } from './postgres.ts';
import { spawnRekap, waitHealthy, type RekapProcess } from './rekap-process.ts';
import { startS3rver, type TestS3 } from './s3.ts';

export type ApiNode = { proc: RekapProcess; url: string };

export type ScaleCluster = {
  dir: string;
  s3: TestS3;
  nats: NatsCluster;
  schema: { url: string; schema: string };
  apis: ApiNode[];
  workers: RekapProcess[];
  /** The environment every child gets (the S3 credentials). */
  env: Record<string, string>;
  /** `rekap kpps-token --region CODE --csv` against the cluster's database: the CSV. */
  tokensCsv(region: string): Promise<string>;
  /** Stops every process and server, drops the schema and removes the folder. */
  stop(): Promise<void>;
};

export type ScaleClusterOptions = {
  api: number;
  workers: number;
  /** Names the schema, the bucket and the streams (`scale`, `bench`, `trial`). */
  tag: string;
  /** More `rekap serve` arguments (e.g. --intake-workers 0). */
  serveArgs?: string[];
  /** More `rekap worker` arguments (e.g. --catch-up-every-s 5). */
  workerArgs?: string[];
  /** The children's log level (default warn). */
  logLevel?: string;
  /** Told of each part as it comes up. */
  log?: (line: string) => void;
};

export async function startScaleCluster(opts: ScaleClusterOptions): Promise<ScaleCluster> {
  const dir = await mkdtemp(join(tmpdir(), `rekap-${opts.tag}-`));
  const s3 = await startS3rver({ bucket: `rekap-${opts.tag}` });
  let nats: NatsCluster | undefined;
  const schema = testSchemaUrl(opts.tag);
  const env: Record<string, string> = {
    ...s3.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: opts.logLevel ?? 'warn',
  };
  const apis: ApiNode[] = [];
  const workers: RekapProcess[] = [];
  const stop = async () => {
    await Promise.all([...apis.map((a) => a.proc.stop()), ...workers.map((w) => w.stop())]);
    await nats?.stop();
    await s3.stop();
    await dropSchema(schema.schema).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    nats = await startNatsCluster(3);
    const common = ['--db', schema.url, '--blobs', s3.url, '--queue', nats.url];
    common.push('--nats-replicas', '3', '--nats-prefix', `${opts.tag}${process.pid}`);
    for (let i = 0; i < opts.api; i++) {
      const port = await freePort();
      const proc = await spawnRekap({
        name: `api${i}`,
        logDir: dir,
        env,
        args: [
          'serve',
          // The first loads the demo into the empty schema; the others find it there.
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
          ...(opts.serveArgs ?? []),
        ],
      });
      const url = `http://127.0.0.1:${port}`;
      apis.push({ proc, url });
      await waitHealthy(proc, `${url}/healthz`);
      opts.log?.(`rekap serve ${i + 1}/${opts.api}: ${url} (log ${proc.logFile})`);
    }
    for (let i = 0; i < opts.workers; i++) {
      const proc = await spawnRekap({
        name: `worker${i}`,
        logDir: dir,
        env,
        args: ['worker', '--data', join(dir, `worker${i}`), ...common, ...(opts.workerArgs ?? [])],
      });
      workers.push(proc);
      opts.log?.(`rekap worker ${i + 1}/${opts.workers}: pid ${proc.pid} (log ${proc.logFile})`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    s3,
    nats,
    schema,
    apis,
    workers,
    env,
    async tokensCsv(region) {
      const r = await rekapWith(
        { env: { ...process.env, ...env } },
        'kpps-token',
        '--region',
        region,
        '--csv',
        '--data',
        join(dir, 'cli'),
        '--db',
        schema.url,
      );
      if (r.code !== 0) throw new Error(`kpps-token failed (${r.code}): ${r.stderr.trim()}`);
      return r.stdout;
    },
    stop,
  };
}
