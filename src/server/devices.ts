// POST /api/v1/kpps/devices: a phone enrols once per TPS with the KPPS token and registers the
// public half of its Ed25519 key (src/core/receipt.ts). Enrolling the same key again is harmless.
// A token enrols at most a few devices (src/store/devices.ts); beyond that 409 `device_limit`.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseTpsCode, type TpsCode } from '../core/codes.ts';
import { isPublicKey } from '../core/receipt.ts';
import type { Enrolment } from '../store/devices.ts';
import type { Store } from '../store/store.ts';
import { kppsOf } from './auth.ts';
import { apiError, sendError, type ApiError } from './errors.ts';

/** The longest device label. */
export const MAX_LABEL_LENGTH = 200;

/** C0 and C1 control characters, DEL among them (U+0000, which PostgreSQL cannot store, too). */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const EnrolDeviceSchema = z.strictObject({
  /** The TPS code, dotted or packed. */
  tps: z.string().max(32),
  /** base64url (no padding) of the raw 32-byte Ed25519 public key. */
  publicKey: z.string().max(64),
  /** Free text to tell devices apart (e.g. the phone's model): one line, no control characters. */
  label: z
    .string()
    .max(MAX_LABEL_LENGTH)
    .refine(
      (s) => !CONTROL.test(s),
      'must not hold control characters (U+0000-U+001F, U+007F-U+009F)',
    )
    .optional(),
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
    if (!enrolment.ok) return sendError(reply, refusal(enrolment, tps));
    const d = enrolment.device;
    return reply
      .code(enrolment.created ? 201 : 200)
      .send({ deviceId: d.id, tps: d.tps, enrolledAt: d.enrolledAt });
  });
}

function refusal(e: Extract<Enrolment, { ok: false }>, tps: TpsCode): ApiError {
  switch (e.reason) {
    case 'revoked':
      return apiError(
        403,
        'device_revoked',
        'this key was revoked; make a new key and enrol again',
      );
    case 'other-tps':
      return apiError(409, 'key_in_use', 'this key is enrolled for another TPS');
    case 'device-limit':
      return apiError(
        409,
        'device_limit',
        `this token has already enrolled ${e.limit} devices for TPS ${tps}, the most one token may; ` +
          'ask the KPU operator to revoke a device you no longer use (rekap revoke-device) and to ' +
          `issue a new token (rekap kpps-token --tps ${tps})`,
        { limit: e.limit },
      );
  }
}
