// Signal observations: what each attempt of a field app to reach the server saw (time, place,
// connection, round-trip time, bytes moved, success), for the blank-spot map.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseRegionCode, parseTpsCode } from '../core/codes.ts';
import type { Store } from '../store/store.ts';
import { kppsOf } from './auth.ts';
import { apiError, sendError } from './errors.ts';

export const MAX_OBSERVATIONS = 1000;
/** The most observations one GET answers (the newest). */
export const OBSERVATIONS_PAGE = 10_000;

export const SignalObservationSchema = z.strictObject({
  tps: z.string(),
  at: z.iso.datetime({ offset: true }),
  lat: z.number().min(-90).max(90).optional(),
  lng: z.number().min(-180).max(180).optional(),
  accuracyM: z.number().min(0).optional(),
  connection: z.enum(['none', '2g', '3g', '4g', '5g', 'wifi', 'unknown']),
  rttMs: z.number().min(0).nullable(),
  uploadKbps: z.number().min(0).nullable(),
  /** Bytes moved by the attempt. */
  bytes: z.number().int().min(0).optional(),
  ok: z.boolean(),
});
export const SignalObservationsSchema = z.array(SignalObservationSchema).max(MAX_OBSERVATIONS);

export function registerSignal(app: FastifyInstance, deps: { store: Store }): void {
  const { store } = deps;
  app.post('/api/v1/signal/observations', async (req, reply) => {
    const who = await kppsOf(req, store);
    if ('status' in who) return sendError(reply.header('www-authenticate', 'Bearer'), who);
    const body = SignalObservationsSchema.safeParse(req.body);
    if (!body.success)
      return sendError(
        reply,
        apiError(
          400,
          'malformed_observations',
          body.error.issues
            .slice(0, 10)
            .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
            .join('; '),
        ),
      );
    const observations = [];
    for (const [i, o] of body.data.entries()) {
      const tps = parseTpsCode(o.tps);
      if (!tps) return sendError(reply, apiError(400, 'bad_code', `${i}.tps: not a TPS code`));
      if (tps !== who.tps)
        return sendError(
          reply,
          apiError(403, 'wrong_tps', `${i}.tps: this token belongs to TPS ${who.tps}, not ${tps}`),
        );
      observations.push({ ...o, tps });
    }
    const stored = await store.recordObservations(observations, who.uploader);
    return reply.code(202).send({ stored });
  });

  app.get('/api/v1/signal/observations', async (req, reply) => {
    const raw = (req.query as { region?: unknown }).region ?? 'id';
    const region = typeof raw === 'string' ? parseRegionCode(raw) : undefined;
    if (!region)
      return sendError(
        reply,
        apiError(400, 'bad_code', `not a region code: ${JSON.stringify(raw)}`),
      );
    const observations = (await store.observations(region, OBSERVATIONS_PAGE)).map(publicPosition);
    return reply.header('cache-control', 'no-cache').send({
      region,
      observations,
      truncated: observations.length === OBSERVATIONS_PAGE,
    });
  });
}

/** Positions are published to 0.01 degree (about 1.1 km), enough for a blank-spot map. */
export const PUBLIC_POSITION_DEGREES = 0.01;

/**
 * An officer's phone position, to the metre, says where the officer lives or sleeps: the public
 * map gets it rounded to a grid of about a kilometre, with the accuracy widened to match. The
 * store keeps what the phone reported.
 */
function publicPosition<T extends { lat?: number; lng?: number; accuracyM?: number }>(o: T): T {
  const round = (v: number) =>
    Math.round(v / PUBLIC_POSITION_DEGREES) / Math.round(1 / PUBLIC_POSITION_DEGREES);
  return {
    ...o,
    ...(o.lat === undefined ? {} : { lat: round(o.lat) }),
    ...(o.lng === undefined ? {} : { lng: round(o.lng) }),
    ...(o.accuracyM === undefined ? {} : { accuracyM: Math.max(o.accuracyM, 1100) }),
  };
}
