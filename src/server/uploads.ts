// Resumable photo uploads (the tus protocol, https://tus.io) at /api/v1/uploads/. A phone on a weak
// signal sends each page's photo in chunks; a connection dropped at 90% resumes at 90% (HEAD tells
// the offset the server holds). When the last byte arrives the photo is checked (its sha256 must
// equal the `sha256` metadata, and it must be a whole image) and kept in the store, so that a
// submission can name it by hash. Partial uploads live under `<data>/uploads` until finished.
import type { IncomingMessage } from 'node:http';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server as TusServer, type Upload } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseTpsCode, type TpsCode } from '../core/codes.ts';
import { sha256Hex } from '../store/blobs.ts';
import type { Store } from '../store/store.ts';
import { PHOTO_LIMITS, checkPhoto } from './photos.ts';

export const UPLOADS_PATH = '/api/v1/uploads';
/** Unfinished uploads older than this are removed when the server starts. */
const EXPIRE_MS = 7 * 24 * 3600 * 1000;

type Who = { tps: TpsCode; uploader: string };

/** What a tus hook throws to refuse a request: tus answers its status with a JSON body. */
class TusRefusal extends Error {
  readonly status_code: number;
  readonly body: string;
  constructor(status: number, error: string, message: string) {
    super(message);
    this.status_code = status;
    this.body = `${JSON.stringify({ error, message })}\n`;
  }
}
const refusal = (status: number, error: string, message: string) =>
  new TusRefusal(status, error, message);

export async function registerUploads(app: FastifyInstance, deps: { store: Store }): Promise<void> {
  const { store } = deps;
  const directory = join(store.dataDir, 'uploads');
  await mkdir(directory, { recursive: true });
  const datastore = new FileStore({ directory, expirationPeriodInMilliseconds: EXPIRE_MS });
  datastore
    .deleteExpired()
    .catch((err: unknown) => app.log.warn({ err }, 'could not remove expired uploads'));
  // The token is checked by Fastify before tus sees the request; the hooks find its owner here.
  const owners = new WeakMap<IncomingMessage, Who>();
  const ownerOf = (req: object): Who => {
    // srvx's request on Node carries the IncomingMessage it wraps.
    const node = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
    const who = node && owners.get(node);
    if (!who) throw refusal(401, 'no_token', 'a KPPS bearer token is required');
    return who;
  };
  const removeUpload = (id: string) =>
    datastore.remove(id).catch((err: unknown) => app.log.warn({ err, id }, 'upload not removed'));

  const tus = new TusServer({
    path: UPLOADS_PATH,
    datastore,
    maxSize: PHOTO_LIMITS.maxBytes,
    relativeLocation: true,
    // Same origin as the field app, like the rest of the API: no CORS headers.
    allowedOrigins: [],
    disableTerminationForFinishedUploads: true,
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
        throw refusal(403, 'wrong_tps', `this upload belongs to another TPS, not ${who.tps}`);
    },
    onUploadCreate(req, upload) {
      const who = ownerOf(req);
      const meta = upload.metadata ?? {};
      if (upload.sizeIsDeferred)
        throw refusal(400, 'length_required', 'declare Upload-Length (the photo size) up front');
      const tps = parseTpsCode(meta.tps ?? '');
      if (!tps) throw refusal(400, 'bad_metadata', 'Upload-Metadata "tps" must be a TPS code');
      if (tps !== who.tps)
        throw refusal(403, 'wrong_tps', `this token belongs to TPS ${who.tps}, not ${tps}`);
      if (!/^[0-9a-f]{64}$/.test(meta.sha256 ?? ''))
        throw refusal(
          400,
          'bad_metadata',
          'Upload-Metadata "sha256" must be the photo\'s sha256 in 64 lowercase hex digits',
        );
      return Promise.resolve({ metadata: { ...meta, tps } });
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
          460,
          'checksum_mismatch',
          `the bytes received hash to ${sha256}, not to the declared ${String(upload.metadata?.sha256)}`,
        );
      }
      const check = checkPhoto(bytes);
      if (!check.ok) {
        await removeUpload(upload.id);
        throw refusal(422, 'invalid_photo', `photo: ${check.reason}`);
      }
      await store.keepUploadedPhoto(bytes, check, who);
      await removeUpload(upload.id);
      app.log.debug({ tps: who.tps, sha256, size: bytes.length }, 'photo uploaded');
      return { headers: { 'Rekap-Photo-Sha256': sha256 } };
    },
  });

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method !== 'OPTIONS') {
      const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const who = auth?.[1] ? await store.authenticate(auth[1]) : undefined;
      if (!who)
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .header('tus-resumable', '1.0.0')
          .send(
            auth
              ? { error: 'bad_token', message: 'unknown or revoked token' }
              : { error: 'no_token', message: 'a KPPS bearer token is required' },
          );
      owners.set(req.raw, { tps: who.tps, uploader: who.uploader });
    }
    // tus reads the body and writes the answer on the raw request and response.
    reply.hijack();
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
