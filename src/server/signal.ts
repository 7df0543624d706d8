// Signal observations: what each attempt of a field app to reach the server saw (time, place,
// connection, round-trip time, bytes moved, success), for the blank-spot map.
import type { FastifyInstance } from 'fastify';
import { parseRegionCode, parseTpsCode, type TpsCode } from '../core/codes.ts';
import { problemsOf, problemsText } from '../core/problems.ts';
import { err, ok, type Result } from '../core/result.ts';
import { OBSERVATION_BOUNDS, SignalObservationsSchema } from '../contract/kpps.ts';
import type { Store } from '../store/store.ts';
import { kppsOf } from './auth.ts';
import { apiError, sendError, type ApiError } from './errors.ts';
import { QUOTAS, formatDuration, quotaExceeded, type Quotas } from './quotas.ts';

/** The most observations one GET answers (the newest); at most `publicObservationsPerTps` each. */
export const OBSERVATIONS_PAGE = 10_000;

const HOUR = 3600_000;

/** Why an observation's time cannot be, or undefined. */
function badTime(at: string, now: Date): string | undefined {
  const t = Date.parse(at);
  if (t < Date.parse(OBSERVATION_BOUNDS.notBefore))
    return `before the election year (${OBSERVATION_BOUNDS.notBefore})`;
  const ahead = t - now.getTime();
  if (ahead > OBSERVATION_BOUNDS.maxAheadMs)
    return `${formatDuration(ahead)} ahead of the server's clock (${now.toISOString()}); at most ${formatDuration(OBSERVATION_BOUNDS.maxAheadMs)}`;
  return undefined;
}

/** Runs `fn` after every earlier call with the same key has settled: one at a time per key. */
function oneAtATime() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

export function registerSignal(
  app: FastifyInstance,
  deps: { store: Store; clock?: () => Date; quotas?: Quotas },
): void {
  const { store } = deps;
  const clock = deps.clock ?? (() => new Date());
  const quotas = deps.quotas ?? QUOTAS;
  // The quota is checked and the batch stored as one step per TPS, so that concurrent batches
  // cannot all pass the check. One process serves a data folder.
  const serially = oneAtATime();

  /**
   * Stores the batch if the hourly quota has room for it: the number stored, or the refusal (with
   * when to try again).
   */
  const withinQuota = (
    tps: TpsCode,
    batch: Parameters<Store['recordObservations']>[0],
    uploader: string,
  ): Promise<Result<number, { refusal: ApiError; retryAfterS?: number }>> =>
    serially(tps, async () => {
      const limit = quotas.observationsPerHour;
      if (batch.length > limit)
        return err({
          refusal: quotaExceeded(
            413,
            'observationsPerHour',
            `a batch of ${batch.length} observations is more than the ${limit} one TPS may send in an hour; send at most ${limit} at a time`,
          ),
        });
      const now = clock();
      // Room for the batch means at most `limit - n` in the last hour: when the one that many
      // places before the newest leaves the hour, there is.
      const blocking = await store.observationReceivedAt(
        tps,
        new Date(now.getTime() - HOUR),
        limit - batch.length,
      );
      if (blocking === undefined) return ok(await store.recordObservations(batch, uploader));
      const retryAfterS = Math.max(
        1,
        Math.ceil((Date.parse(blocking) + HOUR - now.getTime()) / 1000),
      );
      return err({
        retryAfterS,
        refusal: quotaExceeded(
          429,
          'observationsPerHour',
          `TPS ${tps} may send at most ${limit} observations an hour; keep these and send them again in ${formatDuration(retryAfterS * 1000)} (Retry-After)`,
        ),
      });
    });

  app.post('/api/v1/signal/observations', async (req, reply) => {
    const auth = await kppsOf(req, store);
    if (!auth.ok) return sendError(reply.header('www-authenticate', 'Bearer'), auth.error);
    const who = auth.value;
    const body = SignalObservationsSchema.safeParse(req.body, { reportInput: true });
    if (!body.success)
      return sendError(
        reply,
        apiError(
          'malformed_observations',
          problemsText(problemsOf(body.error.issues, { root: '(body)' })),
        ),
      );
    const observations = [];
    const now = clock();
    const badTimes: string[] = [];
    for (const [i, o] of body.data.entries()) {
      const tps = parseTpsCode(o.tps);
      if (!tps) return sendError(reply, apiError('bad_code', `${i}.tps: not a TPS code`));
      if (tps !== who.tps)
        return sendError(
          reply,
          apiError('wrong_tps', `${i}.tps: this token belongs to TPS ${who.tps}, not ${tps}`),
        );
      const late = badTime(o.at, now);
      if (late) badTimes.push(`${i}.at: ${late}`);
      observations.push({ ...o, tps });
    }
    if (badTimes.length > 0)
      return sendError(reply, apiError('malformed_observations', badTimes.slice(0, 10).join('; ')));
    const stored = await withinQuota(who.tps, observations, who.uploader);
    if (!stored.ok) {
      const { refusal, retryAfterS } = stored.error;
      req.log.warn({ tps: who.tps, batch: observations.length }, refusal.message);
      if (retryAfterS) reply.header('retry-after', String(retryAfterS));
      return sendError(reply, refusal);
    }
    return reply.code(202).send({ stored: stored.value });
  });

  app.get('/api/v1/signal/observations', async (req, reply) => {
    const raw = (req.query as { region?: unknown }).region ?? 'id';
    const region = typeof raw === 'string' ? parseRegionCode(raw) : undefined;
    if (!region)
      return sendError(reply, apiError('bad_code', `not a region code: ${JSON.stringify(raw)}`));
    // One more than the answer holds, overall and of each TPS: what is left over says that
    // something was cut.
    const perTps = quotas.publicObservationsPerTps;
    const rows = await store.observations(region, OBSERVATIONS_PAGE + 1, perTps + 1);
    let truncated = rows.length > OBSERVATIONS_PAGE;
    const ofTps = new Map<string, number>();
    const newestFirst = [];
    for (const o of rows.toReversed()) {
      const n = (ofTps.get(o.tps) ?? 0) + 1;
      ofTps.set(o.tps, n);
      if (n > perTps) truncated = true;
      else newestFirst.push(o);
    }
    const observations = newestFirst.slice(0, OBSERVATIONS_PAGE).reverse().map(publicPosition);
    return reply.header('cache-control', 'no-cache').send({ region, observations, truncated });
  });
}

/** Positions are published to 0.01 degree (about 1.1 km), enough for a blank-spot map. */
const PUBLIC_POSITION_DEGREES = 0.01;

/**
 * An officer's phone position, to the metre, says where the officer lives or sleeps: the public
 * map gets it rounded to a grid of about a kilometre, with the accuracy widened to match. The
 * store keeps what the phone reported.
 */
export function publicPosition<T extends { lat?: number; lng?: number; accuracyM?: number }>(
  o: T,
): T {
  const round = (v: number) =>
    Math.round(v / PUBLIC_POSITION_DEGREES) / Math.round(1 / PUBLIC_POSITION_DEGREES);
  return {
    ...o,
    ...(o.lat === undefined ? {} : { lat: round(o.lat) }),
    ...(o.lng === undefined ? {} : { lng: round(o.lng) }),
    ...(o.accuracyM === undefined ? {} : { accuracyM: Math.max(o.accuracyM, 1100) }),
  };
}
