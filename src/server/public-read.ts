// Public result reads (docs/design/public-side.md): answered from memory while the store has not
// changed, with an ETag (a polling page or a CDN asks "anything new?" and gets 304) and a short
// Cache-Control, compressed for clients that ask.
//
// Reads never queue behind writes: the mark an answer is cached under is kept in memory
// (change-mark.ts), so a cached answer, plain or compressed, costs no database query and no zlib;
// concurrent misses of one answer share one read (a crowd after each submission costs one query).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Result } from '../core/result.ts';
import type { Store } from '../store/store.ts';
import { chooseEncoding } from './asset-encoding.ts';
import { responseCache, type CachedBody } from './cache.ts';
import { changeMarks, type ChangeMarks } from './change-mark.ts';
import { sendError, type ApiError } from './errors.ts';

/** Cache-Control of public result reads: a CDN answers for 5 s, a little longer while it asks. */
export const PUBLIC_READ_CACHE = 'public, max-age=5, stale-while-revalidate=30';

/**
 * Answers `read()` as JSON under `key`, from the cache while the store's change mark is the same.
 * The mark is taken before the read, so an answer is never filed under a mark newer than its data.
 */
export type CachedRead = (
  req: FastifyRequest,
  reply: FastifyReply,
  key: string,
  read: () => Promise<Result<object, ApiError>>,
) => Promise<unknown>;

/** Whether an If-None-Match header names this ETag (one or a list; weak or strong; or `*`). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header === etag) return true;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}

/**
 * `marks`: the app's change marks (shared with the live stream); made here when not given, in
 * which case their poll runs until the process ends (its timer is unref'd).
 */
export function publicReads(store: Store, opts: { marks?: ChangeMarks } = {}): CachedRead {
  const marks = opts.marks ?? changeMarks(store);
  const cache = responseCache();
  const inflight = new Map<string, Promise<Result<CachedBody, ApiError>>>();
  const fill = (key: string, mark: string, read: () => Promise<Result<object, ApiError>>) => {
    const id = `${mark}\n${key}`;
    let p = inflight.get(id);
    if (!p) {
      p = read()
        .then((value): Result<CachedBody, ApiError> => {
          if (!value.ok) return value;
          return { ok: true, value: cache.set(key, mark, JSON.stringify(value.value)) };
        })
        .finally(() => inflight.delete(id));
      inflight.set(id, p);
    }
    return p;
  };
  return async (req, reply, key, read) => {
    const mark = marks.current() ?? (await marks.mark());
    const etag = `"${mark}"`;
    reply
      .header('etag', etag)
      .header('cache-control', PUBLIC_READ_CACHE)
      .header('vary', 'accept-encoding');
    if (matchesEtag(req.headers['if-none-match'], etag)) return reply.code(304).send();
    let entry = cache.get(key, mark);
    if (entry === undefined) {
      const made = await fill(key, mark, read);
      if (!made.ok) return sendError(reply, made.error);
      entry = made.value;
    }
    reply.type('application/json; charset=utf-8');
    const encoding = chooseEncoding(req.headers['accept-encoding']);
    const packed = encoding ? await entry.encoded(encoding) : null;
    return packed
      ? reply.header('content-encoding', encoding).send(packed)
      : reply.send(entry.body);
  };
}
