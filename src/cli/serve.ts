// rekap serve: the server, on the embedded default or PostgreSQL; with --demo the demo election,
// with --simulate a simulated election night sent through the same HTTP API a phone uses.
// The demo modules (and sharp, which draws the simulated photos) load only when used, so that a
// restart answers as soon as it can.
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SERVE_PUBLISH_MS } from '../server/change-mark.ts';
import { buildApp } from '../server/app.ts';
import { loadServerKey } from '../server/keys.ts';
import { securityOptions } from '../server/security.ts';
import { openBlobStore, usesPackFiles } from '../store/blobs-s3.ts';
import { isPostgresUrl } from '../store/db.ts';
import { openStore } from '../store/store.ts';
import { openNatsLink } from '../server/cluster.ts';
import { buildWebAssets } from '../web/assets.ts';
import { UsageError } from './usage.ts';
import { blobsSpec, natsReplicas, parse, scaleOptions, storeOptions } from './options.ts';

/** How long the simulated election night of `npm start` lasts. */
const NIGHT_MS = 4 * 60_000;

export async function serveCommand(args: string[]): Promise<number> {
  const o = parse(args, {
    ...storeOptions,
    port: { type: 'string' },
    host: { type: 'string', default: '0.0.0.0' },
    demo: { type: 'boolean' },
    simulate: { type: 'boolean' },
    'max-devices-per-token': { type: 'string' },
    'rate-limit': { type: 'string' },
    'max-connections': { type: 'string' },
    'public-refresh-ms': { type: 'string' },
    'trust-proxy': { type: 'string' },
    hsts: { type: 'string' },
    // The server's re-read of every photo (src/server/reread.ts) is on unless this says no.
    'no-reread': { type: 'boolean' },
    // The key that signs each D.Hasil (src/server/keys.ts); default: the data folder's.
    'signing-key': { type: 'string' },
    // Threads that hash and check photos and signatures (src/server/intake-pool.ts).
    'intake-workers': { type: 'string' },
    // A PostgreSQL read replica for the public side's reads (store.ts publicSide, docs/scale.md).
    'read-db': { type: 'string' },
    ...scaleOptions,
  });
  const blobs = blobsSpec(o.blobs);
  const replicas = natsReplicas(o['nats-replicas']);
  const iw = o['intake-workers'] ?? process.env.REKAP_INTAKE_WORKERS;
  const intakeWorkers = iw === undefined ? undefined : Number(iw);
  if (intakeWorkers !== undefined && !(Number.isInteger(intakeWorkers) && intakeWorkers >= 0))
    throw new UsageError(`--intake-workers must be a whole number (0: none), not ${iw}`);
  const readDb = o['read-db'];
  if (readDb !== undefined && !isPostgresUrl(o.db))
    throw new UsageError(
      '--read-db needs --db postgres://...: the replica is a copy of the PostgreSQL primary',
    );
  if (readDb !== undefined && !isPostgresUrl(readDb))
    throw new UsageError('--read-db must be a postgres:// URL of a read replica of --db');
  if (o.queue && !o.db)
    throw new UsageError('--queue needs --db postgres://...: every node must share the database');
  if (o.queue && usesPackFiles(blobs))
    throw new UsageError(
      '--queue needs --blobs s3://...: every node and worker must read the same photos',
    );
  const port = Number(o.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`bad port: ${o.port ?? process.env.PORT}`);
  if (o.simulate && !o.demo) throw new UsageError('--simulate needs --demo');
  // How many phones one KPPS token may enrol for its TPS (src/store/devices.ts; default 2).
  const maxDevices = o['max-devices-per-token'];
  const maxDevicesPerToken = maxDevices === undefined ? undefined : Number(maxDevices);
  if (
    maxDevicesPerToken !== undefined &&
    !(Number.isInteger(maxDevicesPerToken) && maxDevicesPerToken >= 1)
  )
    throw new UsageError(
      `--max-devices-per-token must be a whole number of at least 1, not ${maxDevices}`,
    );
  // Connections open at once (src/server/limits.ts; the default 500 suits a `ulimit -n` of 1024).
  const maxConn = o['max-connections'] ?? process.env.REKAP_MAX_CONNECTIONS;
  const maxConnections = maxConn === undefined ? undefined : Number(maxConn);
  if (maxConnections !== undefined && !(Number.isInteger(maxConnections) && maxConnections >= 1))
    throw new UsageError(`--max-connections must be a whole number of at least 1, not ${maxConn}`);
  // How often the public answers may change during ingest (src/server/change-mark.ts).
  const refresh = o['public-refresh-ms'] ?? process.env.REKAP_PUBLIC_REFRESH_MS;
  const publicRefreshMs = refresh === undefined ? SERVE_PUBLISH_MS : Number(refresh);
  if (!(Number.isInteger(publicRefreshMs) && publicRefreshMs >= 0 && publicRefreshMs <= 60_000))
    throw new UsageError(
      `--public-refresh-ms must be a whole number from 0 to 60000, not ${refresh}`,
    );
  // Rate limits, the proxy to believe for client addresses, HSTS (src/server/security.ts).
  const security = securityOptions({
    rateLimit: o['rate-limit'] ?? process.env.REKAP_RATE_LIMIT,
    trustProxy: o['trust-proxy'] ?? process.env.REKAP_TRUST_PROXY,
    hsts: o.hsts ?? process.env.REKAP_HSTS,
  });
  if (security instanceof Error) throw new UsageError(security.message);
  // Readable lines on a terminal; JSON lines (for log collectors) otherwise or with LOG_FORMAT=json.
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  const logger = pino({
    level: process.env.LOG_LEVEL ?? 'info',
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
  // Prebuilt (dist/web/) when run as `rekap`: read, not compiled.
  const webAssets = await buildWebAssets();
  // Photos in the data folder's packs (openStore's own, opened after the folder's lock: one
  // server per folder), or in S3 (any number of servers, no lock). The folder holds the signing
  // key and tus parts even when the photos are elsewhere.
  await mkdir(o.data, { recursive: true });
  const photoStore = usesPackFiles(blobs)
    ? undefined
    : await openBlobStore(blobs, { dataDir: o.data });
  const store = await openStore({
    dataDir: o.data,
    dbUrl: o.db,
    ...(readDb ? { readDbUrl: readDb } : {}),
    maxDevicesPerToken,
    ...(photoStore ? { blobs: photoStore, lock: false } : {}),
  }).catch(async (e: unknown) => {
    await photoStore?.close();
    throw e;
  });
  logger.info({ store: store.describe, blobs: blobs ?? 'packs' }, 'store opened');
  // Many nodes: re-reads go to `rekap worker` processes, and news of commits to the other nodes.
  const node = `rekap-serve-${hostname()}-${process.pid}`;
  const nats = o.queue
    ? await openNatsLink({
        url: o.queue,
        node,
        replicas,
        ...(o['nats-prefix'] ? { prefix: o['nats-prefix'] } : {}),
        logger,
      }).catch(async (e: unknown) => {
        await store.close();
        throw e;
      })
    : undefined;
  if (nats) logger.info({ node, replicas }, 'NATS connected: re-reads go to the workers');
  // The key that signs each D.Hasil: made in the data folder on first start unless given.
  const signingKey = loadServerKey({ dataDir: o.data, file: o['signing-key'] });
  logger.info({ keyId: signingKey.keyId, file: signingKey.file }, 'signing key loaded');
  if (o.demo) {
    if (await store.isEmpty()) {
      // Through the files `rekap election export-demo` writes, as `rekap election import` reads them.
      const [{ demoElectionFiles }, { importElectionTexts, failureLines }] = await Promise.all([
        import('../demo/election-dir.ts'),
        import('./election.ts'),
      ]);
      const r = await importElectionTexts(store, demoElectionFiles());
      if (!r.ok)
        throw new Error(`the demo election did not load: ${failureLines(r.error).join('; ')}`);
      logger.info(
        { tps: r.value.tps.added, regions: r.value.regions.added },
        'demo election loaded',
      );
      // Where each TPS stands (synthetic, inside its real desa) and a simulated signal survey made
      // days before, so the blank-spot map and its plan (issue 14) have something to show.
      const [{ demoElection, DEMO_SEED }, { demoTpsPositions, demoSignalSurvey }] =
        await Promise.all([import('../demo/okutimur.ts'), import('../demo/survey.ts')]);
      const setup = demoElection({ seed: DEMO_SEED });
      const positions = demoTpsPositions(setup, { seed: DEMO_SEED });
      await store.setTpsPositions(positions.map((p) => ({ ...p, source: 'synthetic' as const })));
      const observed = await store.recordObservations(
        demoSignalSurvey(setup, positions, { seed: DEMO_SEED, now: new Date() }),
        'demo-survey',
      );
      logger.info(
        { positions: positions.length, observations: observed },
        'demo TPS positions (synthetic) and signal survey (simulated) loaded',
      );
    } else logger.info('database not empty: demo election not loaded again');
  }
  if (!(await store.election()))
    logger.warn(
      'no election loaded: run with --demo, or load one with `rekap election import DIR` (docs/election-import.md)',
    );
  const app = await buildApp({
    store,
    logger,
    webAssets,
    security,
    signingKey,
    ...(maxConnections ? { limits: { maxConnections } } : {}),
    publicRefreshMs,
    // Closing the app finishes the form being read and logs the queue's count (app.ts).
    reread: { enabled: !o['no-reread'], ...(nats ? { publishTo: nats.rereads } : {}) },
    ...(nats ? { bus: { bus: nats.bus, node } } : {}),
    ...(intakeWorkers !== undefined ? { intake: { workers: intakeWorkers } } : {}),
  });
  let address: string;
  try {
    address = await app.listen({ port, host: o.host });
  } catch (e) {
    await app.close();
    await nats?.close();
    await store.close();
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new Error(`port ${port} is in use (another server?): choose one with --port`, {
        cause: e,
      });
    throw e;
  }
  const bound = app.server.address();
  const local = `http://127.0.0.1:${typeof bound === 'object' && bound ? bound.port : port}`;
  logger.info(`Rekap siap / ready: ${address.replace('0.0.0.0', 'localhost')}`);
  if (o.demo && (await store.election())?.demo) {
    // One operator account per role, so a newcomer can log in and work the review queue. The
    // one-time passwords are shown once, and kept beside the data (owner-only) for a second look.
    const { demoAccounts, demoAccountsText } = await import('../demo/accounts.ts');
    const accounts = await demoAccounts(store.accounts);
    const text = demoAccountsText(accounts, address.replace('0.0.0.0', 'localhost'));
    process.stdout.write(`\n${text}\n`);
    if (accounts.some((a) => a.password !== null))
      await writeFile(join(o.data, 'demo-accounts.txt'), text, { mode: 0o600 });
  }

  const abort = new AbortController();
  let night: Promise<unknown> = Promise.resolve();
  if (o.simulate) {
    const [{ demoElection, DEMO_KABUPATEN, DEMO_SEED }, { simulateNight }, { runNight }] =
      await Promise.all([
        import('../demo/okutimur.ts'),
        import('../demo/results.ts'),
        import('../demo/night.ts'),
      ]);
    const setup = demoElection({ seed: DEMO_SEED });
    const issued = await store.issueTokens(await store.tpsBelow(DEMO_KABUPATEN));
    const tokens = new Map<string, string>(issued.map((t) => [t.tps, t.token]));
    const submissions = simulateNight(setup, { seed: DEMO_SEED, durationMs: NIGHT_MS });
    logger.info(
      `malam pemilu simulasi / simulated election night: ${submissions.length} submissions over ${NIGHT_MS / 60_000} minutes`,
    );
    night = runNight({
      baseUrl: local,
      tokens,
      submissions,
      signal: abort.signal,
      log: (msg) => logger.info(msg),
    }).then(
      (r) => logger.info(r, 'simulated election night finished'),
      (e: unknown) => {
        if (!abort.signal.aborted) logger.error({ err: e }, 'simulated election night failed');
      },
    );
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  abort.abort();
  await night;
  await app.close();
  await nats?.close();
  await store.close();
  return 0;
}
