// The survey's timed upload (issue 14, docs/design/blank-spot-map.md): the field app's survey mode
// POSTs a small body here with its KPPS token and times it, so that the upload speed it records is
// measured against the real server over the real network. The server counts the bytes, answers
// how many arrived and when, and keeps nothing. A per-TPS hourly quota (quotas.ts probesPerHour),
// counted in memory, keeps one token from turning it into a bandwidth sink.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TpsCode } from '../core/codes.ts';
import { err, ok, type Result } from '../core/result.ts';
import { PROBE_MAX_BYTES, type SignalProbe } from '../contract/kpps.ts';
import type { Store } from '../store/store.ts';
import { kppsOf } from './auth.ts';
import { apiError, sendError } from './errors.ts';
import { QUOTAS, formatBytes, formatDuration, quotaExceeded, type Quotas } from './quotas.ts';

export const PROBE_PATH = '/api/v1/signal/probe';
const PROBE_TYPE = 'application/octet-stream';
const HOUR = 3600_000;
/** Past this many TPS remembered (then twice as many as remain), those with nothing in the last
 *  hour are forgotten. */
const SWEEP_AT = 10_000;

/**
 * The times of each TPS's probes in the last hour, oldest first: a sliding window, like the
 * observations' quota, but in memory since nothing is stored.
 */
export function hourlyWindow(limit: number, clock: () => Date) {
  const seen = new Map<TpsCode, number[]>();
  let sweepAt = SWEEP_AT;
  const recent = (times: number[], now: number) => times.filter((t) => t > now - HOUR);
  return {
    /** Counts one probe of `tps` now, or answers in how many ms the window has room again. */
    take(tps: TpsCode): Result<void, number> {
      const now = clock().getTime();
      if (seen.size >= sweepAt) {
        for (const [k, times] of seen) if (recent(times, now).length === 0) seen.delete(k);
        // The next sweep once the map has doubled: amortized, each probe pays for one entry.
        sweepAt = Math.max(SWEEP_AT, 2 * seen.size);
      }
      const times = recent(seen.get(tps) ?? [], now);
      if (times.length >= limit) {
        seen.set(tps, times);
        // Room once the one `limit` places before the next leaves the hour.
        return err(times[times.length - limit]! + HOUR - now);
      }
      times.push(now);
      seen.set(tps, times);
      return ok(undefined);
    },
    /** TPS remembered (some with nothing left in the hour, until the next sweep). */
    size: () => seen.size,
  };
}

/**
 * The body's bytes, counted and dropped; undefined once they pass `max`. The rest of a body too
 * large is read and dropped too, so that the answer reaches the client whole (the server's
 * request timeout, limits.ts, bounds how long that may go on).
 */
function countBody(req: FastifyRequest, max: number): Promise<number | undefined> {
  const raw = req.raw;
  return new Promise((resolve, reject) => {
    let n = 0;
    const onData = (chunk: Buffer) => {
      n += chunk.length;
      if (n <= max) return;
      // The error listener stays: a client gone meanwhile changes nothing here.
      raw.off('data', onData).off('end', onEnd);
      raw.resume();
      resolve(undefined);
    };
    const onEnd = () => resolve(n);
    raw.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

export async function registerSignalProbe(
  app: FastifyInstance,
  deps: { store: Store; clock?: () => Date; quotas?: Quotas },
): Promise<void> {
  const { store } = deps;
  const clock = deps.clock ?? (() => new Date());
  const quotas = deps.quotas ?? QUOTAS;
  const window = hourlyWindow(quotas.probesPerHour, clock);
  const tooLarge = () =>
    apiError(
      'payload_too_large',
      `a probe may carry at most ${PROBE_MAX_BYTES} bytes (${formatBytes(PROBE_MAX_BYTES)}); the survey sends 32 KB`,
    );

  await app.register((scope, _opts, done) => {
    // The body is read by the handler, after the token and the quota are checked, and counted
    // rather than kept: every content type is left unparsed in this scope, and refused unless it
    // is application/octet-stream.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, next) => next(null));
    scope.post(PROBE_PATH, async (req, reply) => {
      const auth = await kppsOf(req, store);
      if (!auth.ok) return sendError(reply.header('www-authenticate', 'Bearer'), auth.error);
      const { tps } = auth.value;
      const taken = window.take(tps);
      if (!taken.ok) {
        const retryAfterS = Math.max(1, Math.ceil(taken.error / 1000));
        const refusal = quotaExceeded(
          429,
          'probesPerHour',
          `TPS ${tps} may make at most ${quotas.probesPerHour} probes an hour; measure again in ${formatDuration(retryAfterS * 1000)} (Retry-After)`,
        );
        req.log.warn({ tps }, refusal.message);
        return sendError(reply.header('retry-after', String(retryAfterS)), refusal);
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== PROBE_TYPE)
        return sendError(
          reply,
          apiError(
            'unsupported_media_type',
            `expected a body of type ${PROBE_TYPE}, got ${type ? JSON.stringify(type) : 'none'}`,
          ),
        );
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > PROBE_MAX_BYTES)
        return sendError(reply, tooLarge());
      const received = await countBody(req, PROBE_MAX_BYTES);
      if (received === undefined) return sendError(reply, tooLarge());
      const answer: SignalProbe = { received, at: clock().toISOString() };
      return reply.header('cache-control', 'no-store').send(answer);
    });
    done();
  });
}
