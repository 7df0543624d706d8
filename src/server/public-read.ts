// Public result reads (docs/design/public-side.md): answered from memory while the store has not
// changed, with an ETag (a polling page or a CDN asks "anything new?" and gets 304) and a short
// Cache-Control, compressed for clients that ask.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Result } from '../core/result.ts';
import type { Store } from '../store/store.ts';
import { responseCache } from './cache.ts';
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

export function publicReads(store: Store): CachedRead {
  const cache = responseCache();
  return async (req, reply, key, read) => {
    const mark = await store.changeMark();
    const etag = `"${mark}"`;
    reply.header('etag', etag).header('cache-control', PUBLIC_READ_CACHE);
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    let body = cache.get(key, mark);
    if (body === undefined) {
      const value = await read();
      if (!value.ok) return sendError(reply, value.error);
      body = JSON.stringify(value.value);
      cache.set(key, mark, body);
    }
    return reply.type('application/json; charset=utf-8').compress(body);
  };
}
