// The HTTP API and the web pages, built from what is passed in: no module-level state.
import compress from '@fastify/compress';
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { parseRegionCode, parseTpsCode } from '../core/codes.ts';
import { BlobCorruptError, STORAGE_FULL_RETRY_AFTER_S, isStorageFull } from '../store/blobs.ts';
import type { Store } from '../store/store.ts';
import type { WebAsset } from '../web/assets.ts';
import { chooseEncoding, encodedAsset } from './asset-encoding.ts';
import { kppsOf } from './auth.ts';
import { ballotOf } from './ballot.ts';
import { publicReads } from './public-read.ts';
import { changeMarks } from './change-mark.ts';
import { liveStreamCap, registerLive } from './live.ts';
import { quote } from '../core/problems.ts';
import { err, ok } from '../core/result.ts';
import {
  apiError,
  clientErrorHandler,
  publicError,
  sendError,
  type ErrorLimits,
} from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { PART_LIMITS, acceptSubmission, readSubmissionParts } from './submit.ts';
import { registerDevices } from './devices.ts';
import { registerSignal } from './signal.ts';
import { registerSignalProbe } from './signal-probe.ts';
import { registerAnomalies } from './anomalies.ts';
import { registerRecap } from './dhasil.ts';
import { loadServerKey, type ServerKey } from './keys.ts';
import { registerOperatorRoutes } from './operator-routes.ts';
import { registerExports } from './exports.ts';
import { registerPortalRoutes } from './portal-routes.ts';
import { registerGeo } from './geo.ts';
import { registerConnectivity } from './connectivity.ts';
import { registerConnectivityPlan } from './connectivity-plan.ts';
import { registerSirekapCompat } from './sirekap-compat.ts';
import { withExtras } from './external.ts';
import { registerUploads } from './uploads.ts';
import { withQuotas, type Quotas } from './quotas.ts';
import { registerSecurity, type SecurityOptions } from './security.ts';
import { connectionGuard } from './connections.ts';
import { resolveLimits, type ServerLimits } from './limits.ts';
import { multipartIntake } from './multipart.ts';
import { intakePool, type IntakeOptions, type IntakePool } from './intake-pool.ts';
import { registerSession } from './session.ts';
import { offerReread, startRereader, type Rereader, type RereadJob } from './reread.ts';
import type { Queue } from './queue.ts';
import type { EventBus } from './bus.ts';
import { linkMarks, recordRereadIn } from './cluster.ts';

export type AppDeps = {
  store: Store;
  logger?: FastifyBaseLogger | false;
  clock?: () => Date;
  /** The web pages by URL path ('/', '/portal.js', ...). */
  webAssets?: Map<string, WebAsset>;
  /** Overrides of the per-TPS quotas (defaults and reasons in quotas.ts). */
  quotas?: Partial<Quotas>;
  /** Security headers, rate limits and the trusted proxy (defaults and reasons in security.ts). */
  security?: SecurityOptions;
  /** Overrides of the body, memory, timeout and connection limits (defaults in limits.ts). */
  limits?: Partial<ServerLimits>;
  /** The key that signs each D.Hasil (keys.ts); default: the data folder's, made when first needed. */
  signingKey?: ServerKey;
  /**
   * The server's re-read of every photo (reread.ts): on when given, unless `enabled` is false;
   * off when absent, so that tests of other things neither load the reader nor add its events.
   * `concurrency`: jobs of the queue at once (default 1); every form is read on the one worker
   * thread (src/server/reread.ts), so the request path keeps its core.
   */
  reread?: {
    enabled?: boolean;
    concurrency?: number;
    catchUpEveryMs?: number;
    /**
     * Hand each new version to this queue and read nothing here (`rekap serve --queue nats://`):
     * `rekap worker` processes take the jobs, and run the catch-up scan.
     */
    publishTo?: Queue<RereadJob>;
  };
  /**
   * Other API nodes' news (`--queue nats://`, cluster.ts): this node's commits are announced on
   * the bus, and theirs move this node's change marks at once instead of at the next poll.
   */
  bus?: { bus: EventBus; node: string };
  /**
   * The least time between two changes of the public answers (change-mark.ts): default 0, every
   * change at once; `rekap serve` uses 1,000 ms, so reads during ingest come from the cache.
   */
  publicRefreshMs?: number;
  /**
   * The intake pool that hashes and checks photos and signatures (intake-pool.ts): a pool passed
   * in stays its owner's to close; options (or nothing: cores minus one threads) make the app's
   * own, closed with the app.
   */
  intake?: IntakePool | IntakeOptions;
};

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { store } = deps;
  const errorLimits = (): ErrorLimits => ({
    bodyLimit: app.initialConfig.bodyLimit ?? 1024 * 1024,
    ...PART_LIMITS,
  });
  const clock = deps.clock ?? (() => new Date());
  const limits = resolveLimits(deps.limits);
  const connections = connectionGuard(limits);
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: 1024 * 1024,
    // Header, body and idle timeouts (limits.ts): a slow client cannot hold a connection forever.
    ...connections.fastifyOptions,
    // One line per request at 1,000 submissions/s is noise; accepted submissions log their own line.
    logController: new LogController({ disableRequestLogging: true }),
    // Refusals of the router (a URL that does not decode, a path segment over 100 characters) and
    // of Node's HTTP parser, in our codes and words too.
    frameworkErrors: (err, req, reply) => {
      void sendError(reply, publicError(err, errorLimits(), req.headers['content-type']));
    },
    clientErrorHandler,
    ...(deps.security?.trustProxy ? { trustProxy: deps.security.trustProxy } : {}),
  });
  connections.attach(app.server);
  await registerSecurity(app, { ...deps.security, store });
  // Operator accounts (issue 12): the session cookie, the CSRF check, login and logout.
  await registerSession(app, { store, clock });
  await app.register(multipart, {
    limits: {
      fileSize: PART_LIMITS.maxPhotoBytes,
      files: PART_LIMITS.maxPhotos,
      fieldSize: 64 * 1024,
      fields: 4,
      parts: PART_LIMITS.maxParts,
    },
  });

  // Compression of public JSON answers, asked for by each (reply.compress in cachedRead): no global
  // hook, so uploads, photos (already JPEG) and the precompressed web assets are left alone, and no
  // request bodies are ever inflated.
  await app.register(compress, { global: false, globalDecompression: false, threshold: 1024 });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    // Disk full (photos or database): expected, nothing was recorded; the client tries again.
    if (isStorageFull(err)) {
      req.log.error({ err }, 'storage full: request refused');
      return sendError(
        reply.header('retry-after', String(STORAGE_FULL_RETRY_AFTER_S)),
        apiError('storage_full', 'the server has no room left to store this; try again later'),
      );
    }
    // Everything else in our codes and words: never a foreign code (SQLSTATE, errno, FST_...) nor
    // the words of a 5xx (errors.ts, docs/errors.md). The log has the error itself.
    const e = publicError(err, errorLimits(), req.headers['content-type']);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    else if (e.error === 'bad_request') req.log.info({ err }, 'request refused');
    return sendError(reply, e);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, apiError('not_found', `no such route: ${req.method} ${quote(req.url, 200)}`)),
  );

  // Liveness for the field app's sender and for monitors: nothing about where the store is (its
  // address is logged at start). 503 when the store does not answer.
  app.get('/healthz', async (req, reply) => {
    try {
      await store.changeMark();
      return { ok: true, store: true };
    } catch (err) {
      req.log.error({ err }, 'health check: the store does not answer');
      return reply.code(503).send({ ok: false, store: false });
    }
  });
  app.get('/api/openapi.json', () => openApiDocument());

  app.get('/api/v1/meta', async () => ({
    election: (await store.election()) ?? null,
    contests: await store.contests(),
  }));

  /** Submission bodies: their size limit and the memory budget shared by all in flight. */
  const intake = multipartIntake(limits);
  const given = deps.intake && 'examine' in deps.intake ? deps.intake : undefined;
  const photoIntake = given ?? intakePool(deps.intake);
  if (!given) app.addHook('onClose', () => photoIntake.close());
  const rr = deps.reread && deps.reread.enabled !== false ? deps.reread : undefined;
  const publishTo = rr?.publishTo;
  const reread: Rereader | undefined =
    rr && !publishTo
      ? startRereader({
          store,
          logger: app.log,
          record: recordRereadIn(store),
          ...(rr.concurrency ? { concurrency: rr.concurrency } : {}),
          ...(rr.catchUpEveryMs ? { catchUpEveryMs: rr.catchUpEveryMs } : {}),
        })
      : undefined;
  /** A new version to read again: on this node's reader, or on the workers' queue. */
  const offer = (job: RereadJob) => {
    if (reread) reread.offer(job);
    else if (publishTo) offerReread(publishTo, app.log, job);
  };
  // On close: no more jobs, the form being read is finished and recorded, the queue's count logged.
  if (reread)
    app.addHook('onClose', async () => {
      await reread.close();
      app.log.info({ reread: reread.stats() }, 're-read queue closed');
    });
  // What the public side reads: the store, or its read replica (`--read-db`, store.ts publicSide).
  const pub = store.publicSide ?? store;
  // The public side's change mark, in memory (change-mark.ts): the cache's key and the live stream's.
  const marks = changeMarks(pub, { publishMs: deps.publicRefreshMs ?? 0 });
  app.addHook('onClose', () => marks.close());
  if (deps.bus) {
    const unlink = linkMarks({ store, marks, ...deps.bus, logger: app.log });
    app.addHook('onClose', () => unlink());
  }
  const cachedRead = publicReads(pub, { marks });

  app.get<{ Params: { code: string } }>('/api/v1/results/:code', async (req, reply) => {
    const ballot = ballotOf(req.query);
    if (!ballot.ok) return sendError(reply, ballot.error);
    const code = parseRegionCode(req.params.code);
    if (!code)
      return sendError(reply, apiError('bad_code', `not a region code: ${req.params.code}`));
    return cachedRead(req, reply, `results/${code}/${ballot.value}`, async () => {
      const result = await pub.regionResult(code, ballot.value);
      return result
        ? ok(result)
        : err(apiError('unknown_region', `no region ${code} in this election`));
    });
  });

  app.get<{ Params: { code: string } }>('/api/v1/tps/:code', async (req, reply) => {
    const ballot = ballotOf(req.query);
    if (!ballot.ok) return sendError(reply, ballot.error);
    const code = parseTpsCode(req.params.code);
    if (!code) return sendError(reply, apiError('bad_code', `not a TPS code: ${req.params.code}`));
    return cachedRead(req, reply, `tps/${code}/${ballot.value}`, async () => {
      const result = await pub.tpsResult(code, ballot.value);
      if (!result) return err(apiError('unknown_tps', `no TPS ${code} in this election`));
      // The newest Sirekap import and the findings on the current version (not counted).
      return ok(await withExtras(pub, code, result));
    });
  });

  app.post<{ Params: { code: string } }>('/api/v1/tps/:code/submissions', async (req, reply) => {
    const ballot = ballotOf(req.query);
    if (!ballot.ok) return sendError(reply, ballot.error);
    const code = parseTpsCode(req.params.code);
    if (!code) return sendError(reply, apiError('bad_code', `not a TPS code: ${req.params.code}`));
    const tps = await store.tps(code);
    if (!tps) return sendError(reply, apiError('unknown_tps', `no TPS ${code} in this election`));
    const who = await kppsOf(req, store);
    if (!who.ok) return sendError(reply.header('www-authenticate', 'Bearer'), who.error);
    if (who.value.tps !== code)
      return sendError(
        reply,
        apiError('wrong_tps', `this token belongs to TPS ${who.value.tps}, not ${code}`),
      );
    const parts = await readSubmissionParts(req, reply, intake);
    if (!parts.ok) return sendError(reply, parts.error);
    const accepted = await acceptSubmission(
      { store, clock, intake: photoIntake },
      tps,
      ballot.value,
      who.value.uploader,
      parts.value,
    );
    if (!accepted.ok) return sendError(reply, accepted.error);
    const outcome = accepted.value;
    const r = outcome.record;
    // Read again off the request path; a version the queue cannot take now waits for a scan.
    if (!outcome.duplicate) offer({ tps: r.tps, ballot: r.ballot, version: r.version });
    if (!outcome.duplicate)
      req.log.debug(
        { tps: r.tps, ballot: ballot.value, version: r.version, status: r.status, hash: r.hash },
        'submission accepted',
      );
    return reply.code(outcome.duplicate ? 200 : 201).send({
      id: r.id,
      tps: r.tps,
      ballot: r.ballot,
      version: r.version,
      hash: r.hash,
      chainHash: r.chainHash,
      status: r.status,
      counted: outcome.counted,
      duplicate: outcome.duplicate,
      flags: r.flags,
      receivedAt: r.receivedAt,
    });
  });

  // The KPPS field app (issue 4): device enrolment, resumable photo uploads, signal observations.
  registerDevices(app, { store });
  const quotas = withQuotas(deps.quotas);
  await registerUploads(app, { store, clock, quotas });
  registerSignal(app, { store, clock, quotas });
  await registerSignalProbe(app, { store, clock, quotas });
  registerAnomalies(app, { store });
  // Sign-off of each level's recap and its signed D.Hasil (dhasil.ts).
  let signingKey = deps.signingKey;
  registerRecap(app, {
    store,
    key: () => (signingKey ??= loadServerKey({ dataDir: store.dataDir })),
  });
  // The review queue of /operator/ (operator-routes.ts): behind the sessions registered above.
  registerOperatorRoutes(app, { store });
  // GET /api/v1/export/...: the open-data exports, streamed (exports.ts, docs/open-data.md).
  registerExports(app, { store: pub });
  // The portal's region reads (flagged, issues, search, by hour) and the API reference page.
  registerPortalRoutes(app, { store: pub, cachedRead });
  // GET /api/v1/geo/{code}.geojson: the map's polygons, static (geo.ts).
  registerGeo(app);
  // GET /api/v1/connectivity/{code}: the blank-spot map's TPS, classes and sending points.
  registerConnectivity(app, { store, clock });
  // .../plan.csv, plan.geojson, plan.pdf and .../late: the sending-point plan, election night.
  registerConnectivityPlan(app, { store, clock });
  // GET /api/v1/live: server-sent events on each change of the mark (live.ts).
  // At most half the connection cap: open portal pages must never crowd out KPPS submissions.
  registerLive(app, { marks, maxStreams: liveStreamCap(limits.maxConnections) });
  // GET /pemilu/hhcw/ppwp/...: Sirekap's public paths and fields (sirekap-compat.ts).
  registerSirekapCompat(app, { store: pub, cachedRead });

  app.get<{ Params: { sha256: string } }>('/api/v1/photos/:sha256', async (req, reply) => {
    const photo = await store.photo(req.params.sha256);
    if (!photo) return sendError(reply, apiError('unknown_photo', 404, 'no such photo'));
    let bytes: Buffer;
    try {
      // Only bytes that hash to the photo's sha256 come back; only those may be cached for good.
      bytes = await store.blobs.get(photo.location, photo.sha256);
    } catch (e) {
      if (!(e instanceof BlobCorruptError)) throw e;
      req.log.error(
        { sha256: e.sha256, location: e.location, problem: e.problem, detail: e.detail },
        'stored photo does not match its sha256 (run rekap verify-blobs)',
      );
      return sendError(
        reply.header('cache-control', 'no-store'),
        apiError(
          'photo_corrupt',
          `the stored bytes of photo ${photo.sha256} are damaged (${e.problem}); they are not served`,
        ),
      );
    }
    return reply
      .header('content-type', photo.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(bytes);
  });

  const assets = deps.webAssets ?? new Map<string, WebAsset>();
  for (const [path, asset] of assets) {
    const encoded = encodedAsset(asset.body);
    app.get(path, async (req, reply) => {
      reply
        .header('content-type', asset.contentType)
        .header('cache-control', 'no-cache')
        .header('vary', 'accept-encoding');
      const encoding = chooseEncoding(req.headers['accept-encoding']);
      const packed = encoding ? await encoded(encoding) : null;
      return packed
        ? reply.header('content-encoding', encoding).send(packed)
        : reply.send(asset.body);
    });
  }
  return app;
}
