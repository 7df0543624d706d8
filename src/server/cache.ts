// Answers to public reads, kept until the store changes. Every accepted submission changes the
// store's mark; until then the same question gets the same bytes, so a crowd refreshing the
// recap of a kabupaten costs one query, not one per person. Each answer keeps its compressed
// forms too (gzip, brotli), each made once, on first ask, off the event loop (zlib's threads):
// a cached answer is never compressed again per request.
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Encoding } from './asset-encoding.ts';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Bodies under this many bytes are sent as they are (as @fastify/compress's threshold). */
export const COMPRESS_THRESHOLD = 1024;

export type CachedBody = {
  mark: string;
  /** The JSON, as UTF-8. */
  body: Buffer;
  /** The body in `encoding`, or null where it is too small to be worth it. */
  encoded(encoding: Encoding): Promise<Buffer | null>;
};

export type ResponseCache = {
  get(key: string, mark: string): CachedBody | undefined;
  set(key: string, mark: string, body: string): CachedBody;
  readonly size: number;
};

/**
 * One answer and its compressed forms. The levels are those of a body that changes with every
 * submission (brotli 5, gzip 6: near the best ratio for JSON, at a fraction of the time of 9/11).
 */
export function cachedBody(mark: string, json: string): CachedBody {
  const body = Buffer.from(json, 'utf8');
  const made = new Map<Encoding, Promise<Buffer | null>>();
  return {
    mark,
    body,
    encoded(encoding) {
      if (body.length < COMPRESS_THRESHOLD) return Promise.resolve(null);
      let p = made.get(encoding);
      if (!p) {
        p =
          encoding === 'br'
            ? brotli(body, {
                params: {
                  [constants.BROTLI_PARAM_QUALITY]: 5,
                  [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
                  [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
                },
              })
            : gz(body, { level: 6 });
        made.set(encoding, p);
      }
      return p;
    },
  };
}

/** At most `max` answers, the least recently used dropped first. */
export function responseCache(max = 2_000): ResponseCache {
  const entries = new Map<string, CachedBody>();
  return {
    get(key, mark) {
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (hit.mark !== mark) {
        entries.delete(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, hit);
      return hit;
    },
    set(key, mark, json) {
      const entry = cachedBody(mark, json);
      entries.delete(key);
      entries.set(key, entry);
      if (entries.size > max) entries.delete(entries.keys().next().value!);
      return entry;
    },
    get size() {
      return entries.size;
    },
  };
}
