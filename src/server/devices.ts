// POST /api/v1/kpps/devices: a phone enrols once per TPS with the KPPS token and registers the
// public half of its Ed25519 key (src/core/receipt.ts). Enrolling the same key again is harmless.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseTpsCode } from '../core/codes.ts';
import { isPublicKey } from '../core/receipt.ts';
import type { Store } from '../store/store.ts';
import { kppsOf } from './auth.ts';
import { apiError, sendError } from './errors.ts';

export const EnrolDeviceSchema = z.strictObject({
  /** The TPS code, dotted or packed. */
  tps: z.string(),
  /** base64url (no padding) of the raw 32-byte Ed25519 public key. */
  publicKey: z.string(),
  /** Free text to tell devices apart (e.g. the phone's model). */
  label: z.string().max(200).optional(),
});

export function registerDevices(app: FastifyInstance, deps: { store: Store }): void {
  const { store } = deps;
  app.post('/api/v1/kpps/devices', async (req, reply) => {
    const who = await kppsOf(req, store);
    if ('status' in who) return sendError(reply.header('www-authenticate', 'Bearer'), who);
    const body = EnrolDeviceSchema.safeParse(req.body);
    if (!body.success)
      return sendError(
        reply,
        apiError(
          400,
          'malformed_request',
          body.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        ),
      );
    const tps = parseTpsCode(body.data.tps);
    if (!tps)
      return sendError(reply, apiError(400, 'bad_code', `not a TPS code: ${body.data.tps}`));
    if (!(await isPublicKey(body.data.publicKey)))
      return sendError(
        reply,
        apiError(400, 'bad_key', 'publicKey must be base64url of a raw 32-byte Ed25519 public key'),
      );
    if (who.tps !== tps)
      return sendError(
        reply,
        apiError(403, 'wrong_tps', `this token belongs to TPS ${who.tps}, not ${tps}`),
      );
    const enrolment = await store.enrolDevice({
      tps,
      publicKey: body.data.publicKey,
      label: body.data.label ?? null,
      tokenHash: who.tokenHash,
    });
    if (!enrolment.ok)
      return sendError(
        reply,
        enrolment.reason === 'revoked'
          ? apiError(403, 'device_revoked', 'this key was revoked; make a new key and enrol again')
          : apiError(409, 'key_in_use', 'this key is enrolled for another TPS'),
      );
    const d = enrolment.device;
    return reply
      .code(enrolment.created ? 201 : 200)
      .send({ deviceId: d.id, tps: d.tps, enrolledAt: d.enrolledAt });
  });
}
