// rekap worker: reads photos again off the API nodes (issue 15). It takes re-read jobs from NATS
// JetStream, reads the version's photos from the shared photo store (hash-checked), records the
// outcome in the shared database, and acks; any number run, on any machine. The catch-up scan,
// which finds in the database what is still due, runs here too, so jobs lost with a NATS node or
// refused while it was down are found again. A version is recorded once however often its job
// comes (review.ts), so a redelivery after a worker died costs a reading, never a second event.
import { hostname } from 'node:os';
import { pino } from 'pino';
import { announceCommits, openNatsLink, recordRereadIn } from '../server/cluster.ts';
import { startRereader } from '../server/reread.ts';
import { openBlobStore, usesPackFiles } from '../store/blobs-s3.ts';
import { openStore } from '../store/store.ts';
import { blobsSpec, natsReplicas, parse, scaleOptions, storeOptions } from './options.ts';
import { UsageError } from './usage.ts';

export async function workerCommand(args: string[]): Promise<number> {
  const o = parse(args, {
    ...storeOptions,
    ...scaleOptions,
    concurrency: { type: 'string', default: '1' },
    'catch-up-every-s': { type: 'string', default: '60' },
  });
  if (!o.queue) throw new UsageError('rekap worker needs --queue nats://HOST:PORT[,HOST:PORT...]');
  if (!o.db)
    throw new UsageError('rekap worker needs --db postgres://... (the API nodes’ database)');
  const blobs = blobsSpec(o.blobs);
  if (usesPackFiles(blobs))
    throw new UsageError('rekap worker needs --blobs s3://... (the API nodes’ photo store)');
  const replicas = natsReplicas(o['nats-replicas']);
  const concurrency = Number(o.concurrency);
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64))
    throw new UsageError(`--concurrency must be a whole number from 1 to 64, not ${o.concurrency}`);
  const every = Number(o['catch-up-every-s']);
  if (!(Number.isFinite(every) && every >= 1))
    throw new UsageError(`--catch-up-every-s must be 1 or more, not ${o['catch-up-every-s']}`);

  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const photos = await openBlobStore(blobs, { dataDir: o.data, readOnly: true });
  // Rows only: it writes re-read events, never photos, and takes no data-folder lock.
  const store = await openStore({
    dataDir: o.data,
    dbUrl: o.db,
    blobs: photos,
    writePhotos: false,
  }).catch(async (e: unknown) => {
    await photos.close();
    throw e;
  });
  const node = `rekap-worker-${hostname()}-${process.pid}`;
  const nats = await openNatsLink({
    url: o.queue,
    node,
    replicas,
    concurrency,
    ...(o['nats-prefix'] ? { prefix: o['nats-prefix'] } : {}),
    logger,
  }).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  const stopNews = announceCommits({ store, bus: nats.bus, node, logger });
  const rereader = startRereader({
    store,
    logger,
    queue: nats.rereads,
    record: recordRereadIn(store),
    catchUpEveryMs: every * 1000,
  });
  logger.info({ node, concurrency, replicas }, 'rekap worker ready: re-reads from NATS');

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'worker shutting down: the form being read is finished first');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await rereader.close();
  logger.info({ reread: rereader.stats() }, 're-read worker closed');
  stopNews();
  await nats.close();
  await store.close();
  return 0;
}
