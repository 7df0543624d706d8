// Resumable photo uploads (the tus protocol, https://tus.io) at /api/v1/uploads/. A phone on a weak
// signal sends each page's photo in chunks; a connection dropped at 90% resumes at 90% (HEAD tells
// the offset the server holds). When the last byte arrives the photo is checked (its sha256 must
// equal the `sha256` metadata, and it must be a whole image) and kept in the store, so that a
// submission can name it by hash. Partial uploads live under `<data>/uploads` until finished, or
// until they expire. Quotas (quotas.ts): the bytes a TPS may park in unfinished uploads, and the
// complete photos that no submission of the TPS names.
import * as z from 'zod';
import type { IncomingMessage } from 'node:http';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { EVENTS, Server as TusServer, type Upload } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseTpsCode, type TpsCode } from '../core/codes.ts';
import { STORAGE_FULL_RETRY_AFTER_S, isStorageFull, sha256Hex } from '../store/blobs.ts';
import type { Store } from '../store/store.ts';
import { kppsOf } from './auth.ts';
import { apiError, jsonOf, sendError, type ApiError } from './errors.ts';
import { refusalsAsJson, tusAnswer, tusPrecheck } from './tus-errors.ts';
import { PHOTO_LIMITS, checkPhoto } from './photos.ts';
import { QUOTAS, formatBytes, formatDuration, quotaExceeded, type Quotas } from './quotas.ts';

/** What @tus/file-store keeps beside an unfinished upload (`<id>.json`), as far as it is read here. */
const TusInfoSchema = z.looseObject({
  size: z.number().optional(),
  metadata: z.looseObject({ tps: z.string().optional() }).optional(),
  creation_date: z.string().optional(),
});

export const UPLOADS_PATH = '/api/v1/uploads';

type Who = { tps: TpsCode; uploader: string };

/** An unfinished upload, as the quota counts it: its TPS, its declared size, when it began. */
type Parked = { tps: string; size: number; createdAt: number; reservedAt: number };

/** What a tus hook throws to refuse a request: tus answers its status with our JSON body. */
class TusRefusal extends Error {
  readonly status_code: number;
  readonly body: string;
  constructor(e: ApiError) {
    super(e.message);
    this.status_code = e.status;
    this.body = `${jsonOf(e)}\n`;
  }
}
const refusal = (e: ApiError) => new TusRefusal(e);

export async function registerUploads(
  app: FastifyInstance,
  deps: { store: Store; clock?: () => Date; quotas?: Quotas },
): Promise<void> {
  const { store } = deps;
  const clock = deps.clock ?? (() => new Date());
  const quotas = deps.quotas ?? QUOTAS;
  const directory = join(store.dataDir, 'uploads');
  await mkdir(directory, { recursive: true });
  // tus answers 410 for an upload past its expiry; the purge below removes its bytes.
  const datastore = new FileStore({
    directory,
    expirationPeriodInMilliseconds: quotas.uploadExpiryMs,
  });
  // The token is checked by Fastify before tus sees the request; the hooks find its owner here.
  const owners = new WeakMap<IncomingMessage, Who>();
  const ownerOf = (req: object): Who => {
    // srvx's request on Node carries the IncomingMessage it wraps.
    const node = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
    const who = node && owners.get(node);
    if (!who) throw refusal(apiError('no_token', 'a KPPS bearer token is required'));
    return who;
  };
  // The unfinished uploads by id, from the `<id>.json` that tus keeps beside each: read from the
  // folder at start and at each purge, kept up to date in between by the hooks below.
  let parked = new Map<string, Parked>();
  const removeUpload = (id: string) => {
    parked.delete(id);
    return datastore
      .remove(id)
      .catch((err: unknown) => app.log.warn({ err, id }, 'upload not removed'));
  };
  const rescan = async () => {
    const found = new Map<string, Parked>();
    for (const name of await readdir(directory)) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      try {
        const info = TusInfoSchema.parse(JSON.parse(await readFile(join(directory, name), 'utf8')));
        found.set(id, {
          tps: info.metadata?.tps ?? '',
          size: info.size ?? 0,
          createdAt: Date.parse(info.creation_date ?? '') || 0,
          reservedAt: 0,
        });
      } catch {
        // Removed meanwhile, or not tus's: nothing to count.
      }
    }
    // Keep what was reserved a moment ago and is not written yet.
    for (const [id, p] of parked)
      if (!found.has(id) && Date.now() - p.reservedAt < 60_000) found.set(id, p);
    parked = found;
  };
  const parkedOf = (tps: string) => {
    let bytes = 0;
    let count = 0;
    for (const p of parked.values())
      if (p.tps === tps) {
        bytes += p.size;
        count++;
      }
    return { bytes, count };
  };
  /** Removes unfinished uploads older than the expiry (by the app's clock). */
  let purging: Promise<void> | undefined;
  const purge = () =>
    (purging ??= (async () => {
      await rescan();
      const cutoff = clock().getTime() - quotas.uploadExpiryMs;
      const expired = [...parked].filter(([, p]) => p.createdAt < cutoff).map(([id]) => id);
      await Promise.all(expired.map(removeUpload));
      if (expired.length > 0) app.log.info({ removed: expired.length }, 'expired uploads removed');
    })().finally(() => (purging = undefined)));
  await purge().catch((err: unknown) => app.log.warn({ err }, 'could not remove expired uploads'));
  const purgeTimer = setInterval(() => {
    purge().catch((err: unknown) => app.log.warn({ err }, 'could not remove expired uploads'));
  }, quotas.uploadPurgeIntervalMs);
  purgeTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(purgeTimer);
    await purging;
  });

  /** The refusal of a request beyond a quota (quotas.ts), logged for the operator. */
  const overQuota = (status: 413 | 429, tps: string, quota: keyof Quotas, message: string) => {
    const e = quotaExceeded(status, quota, message);
    app.log.warn({ tps }, e.message);
    return refusal(e);
  };

  /** Refuses (429) a new photo of a TPS that holds its quota of photos no submission names. */
  const checkUnreferenced = async (tps: TpsCode, sha256: string, unfinished: number) => {
    const since = new Date(clock().getTime() - quotas.unreferencedPhotoWindowMs);
    const held = (await store.unreferencedUploads(tps, since)) + unfinished;
    if (held < quotas.unreferencedPhotos) return;
    // The same photo again adds nothing.
    if ((await store.uploadedPhotos(tps, [sha256])).size > 0) return;
    throw overQuota(
      429,
      tps,
      'unreferencedPhotos',
      `TPS ${tps} holds ${held} uploaded photos that no submission names (the limit is ${quotas.unreferencedPhotos} in ${formatDuration(quotas.unreferencedPhotoWindowMs)}); submit the results that name them, or wait until they are ${formatDuration(quotas.unreferencedPhotoWindowMs)} old`,
    );
  };

  const tus = new TusServer({
    path: UPLOADS_PATH,
    datastore,
    maxSize: PHOTO_LIMITS.maxBytes,
    relativeLocation: true,
    // Same origin as the field app, like the rest of the API: no CORS headers.
    allowedOrigins: [],
    disableTerminationForFinishedUploads: true,
    // A full disk (the partial file, the photo packs or the database): 503 with Retry-After, as
    // on the rest of the API (blobs.ts, app.ts).
    onResponseError(req, err) {
      if (!isStorageFull(err)) {
        const answer = tusAnswer(err);
        if (answer.status_code >= 500) app.log.error({ err }, 'upload failed');
        return answer;
      }
      const res = (
        req as { runtime?: { node?: { res?: { setHeader(k: string, v: string): void } } } }
      ).runtime?.node?.res;
      res?.setHeader('retry-after', String(STORAGE_FULL_RETRY_AFTER_S));
      const full = apiError(
        'storage_full',
        'the server has no room left to store this photo; try again later',
      );
      return { status_code: full.status, body: `${jsonOf(full)}\n` };
    },
    // HEAD, PATCH and DELETE of an upload: only the TPS that created it may touch it.
    async onIncomingRequest(req, id) {
      const who = ownerOf(req);
      if (req.method === 'POST' || req.method === 'OPTIONS') return;
      let upload: Upload;
      try {
        upload = await datastore.getUpload(id);
      } catch {
        return; // tus answers 404 itself
      }
      if (upload.metadata?.tps !== who.tps)
        throw refusal(apiError('wrong_tps', `this upload belongs to another TPS, not ${who.tps}`));
    },
    async onUploadCreate(req, upload) {
      const who = ownerOf(req);
      const meta = upload.metadata ?? {};
      if (upload.sizeIsDeferred)
        throw refusal(
          apiError('length_required', 400, 'declare Upload-Length (the photo size) up front'),
        );
      const tps = parseTpsCode(meta.tps ?? '');
      if (!tps) throw refusal(apiError('bad_metadata', 'Upload-Metadata "tps" must be a TPS code'));
      if (tps !== who.tps)
        throw refusal(apiError('wrong_tps', `this token belongs to TPS ${who.tps}, not ${tps}`));
      const sha256 = meta.sha256 ?? '';
      if (!/^[0-9a-f]{64}$/.test(sha256))
        throw refusal(
          apiError(
            'bad_metadata',
            'Upload-Metadata "sha256" must be the photo\'s sha256 in 64 lowercase hex digits',
          ),
        );
      await checkUnreferenced(tps, sha256, parkedOf(tps).count);
      // No await from here to the reservation: concurrent creations see each other.
      const size = upload.size ?? 0;
      const limit = quotas.parkedUploadBytes;
      const { bytes } = parkedOf(tps);
      if (bytes + size > limit)
        throw size > limit
          ? overQuota(
              413,
              tps,
              'parkedUploadBytes',
              `an upload of ${formatBytes(size)} is more than the ${formatBytes(limit)} a TPS may have unfinished at once`,
            )
          : overQuota(
              429,
              tps,
              'parkedUploadBytes',
              `TPS ${tps} has ${formatBytes(bytes)} in unfinished uploads, and ${formatBytes(size)} more would pass the limit of ${formatBytes(limit)}; finish or end (DELETE) the uploads under way, or wait until they expire ${formatDuration(quotas.uploadExpiryMs)} after they began`,
            );
      // Dated by the app's clock, which the expiry (tus's 410, and the purge) is measured by.
      upload.creation_date = clock().toISOString();
      parked.set(upload.id, {
        tps,
        size,
        createdAt: clock().getTime(),
        reservedAt: Date.now(),
      });
      return { metadata: { ...meta, tps } };
    },
    // The bytes are all here: check them, keep the photo, drop the partial file either way.
    async onUploadFinish(req, upload) {
      const who = ownerOf(req);
      const bytes = await readFile(join(directory, upload.id));
      const sha256 = sha256Hex(bytes);
      if (sha256 !== upload.metadata?.sha256) {
        await removeUpload(upload.id);
        // 460: the tus checksum extension's "Checksum Mismatch".
        throw refusal(
          apiError(
            'checksum_mismatch',
            `the bytes received hash to ${sha256}, not to the declared ${String(upload.metadata?.sha256)}`,
          ),
        );
      }
      const check = await checkPhoto(bytes);
      if (!check.ok) {
        await removeUpload(upload.id);
        throw refusal(apiError('invalid_photo', `photo: ${check.error}`));
      }
      // Again, now that it is complete: photos finished meanwhile count.
      await checkUnreferenced(who.tps, sha256, 0).catch(async (e: unknown) => {
        await removeUpload(upload.id);
        throw e;
      });
      await store.keepUploadedPhoto(bytes, check.value, who).catch(async (e: unknown) => {
        // Disk full: nothing was kept. Drop the partial file too, or the phone's next HEAD would
        // find every byte here and take the photo as sent; it sends the photo again instead.
        if (isStorageFull(e)) await removeUpload(upload.id);
        throw e;
      });
      await removeUpload(upload.id);
      app.log.debug({ tps: who.tps, sha256, size: bytes.length }, 'photo uploaded');
      return { headers: { 'Rekap-Photo-Sha256': sha256 } };
    },
  });

  // An upload ended by its client (DELETE) gives its room back.
  tus.on(EVENTS.POST_TERMINATE, (_req, _res, id) => void parked.delete(id));

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'OPTIONS') {
      const who = await kppsOf(req, store);
      if (!who.ok)
        return sendError(
          reply.header('www-authenticate', 'Bearer').header('tus-resumable', '1.0.0'),
          who.error,
        );
      owners.set(req.raw, { tps: who.value.tps, uploader: who.value.uploader });
    }
    const refused = tusPrecheck(req.method, req.headers);
    if (refused) return sendError(reply.header('tus-resumable', '1.0.0'), refused);
    // tus reads the body and writes the answer on the raw request and response.
    reply.hijack();
    refusalsAsJson(reply.raw);
    await tus.handle(req.raw, reply.raw);
  };

  await app.register((scope, _opts, done) => {
    // A PATCH body is the photo's raw bytes: leave the stream unread for tus (and outside Fastify's
    // 1 MB body limit; tus enforces the photo limit itself). Only in this scope.
    scope.addContentTypeParser('application/offset+octet-stream', (_req, _payload, next) =>
      next(null),
    );
    const methods = ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'] as const;
    scope.route({ method: [...methods], url: UPLOADS_PATH, handler: handle });
    scope.route({ method: [...methods], url: `${UPLOADS_PATH}/*`, handler: handle });
    done();
  });
}
