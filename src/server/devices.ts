// POST /api/v1/kpps/devices: a phone enrols once per TPS with the KPPS token and registers the
// public half of its Ed25519 key (src/core/receipt.ts). Enrolling the same key again is harmless.
// A token enrols at most a few devices (src/store/devices.ts); beyond that 409 `device_limit`.
import type { FastifyInstance } from 'fastify';
import { parseTpsCode, type TpsCode } from '../core/codes.ts';
import { problemsOf, problemsText } from '../core/problems.ts';
import { isPublicKey } from '../core/receipt.ts';
import { EnrolDeviceSchema } from '../contract/kpps.ts';
import type { EnrolRefusal } from '../store/devices.ts';
import type { Store } from '../store/store.ts';
import { kppsOf } from './auth.ts';
import { apiError, sendError, type ApiError } from './errors.ts';

export function registerDevices(app: FastifyInstance, deps: { store: Store }): void {
  const { store } = deps;
  app.post('/api/v1/kpps/devices', async (req, reply) => {
    const auth = await kppsOf(req, store);
    if (!auth.ok) return sendError(reply.header('www-authenticate', 'Bearer'), auth.error);
    const who = auth.value;
    const body = EnrolDeviceSchema.safeParse(req.body, { reportInput: true });
    if (!body.success)
      return sendError(
        reply,
        apiError(
          'malformed_request',
          problemsText(problemsOf(body.error.issues, { root: '(body)' })),
        ),
      );
    const tps = parseTpsCode(body.data.tps);
    if (!tps) return sendError(reply, apiError('bad_code', `not a TPS code: ${body.data.tps}`));
    if (!(await isPublicKey(body.data.publicKey)))
      return sendError(
        reply,
        apiError('bad_key', 'publicKey must be base64url of a raw 32-byte Ed25519 public key'),
      );
    if (who.tps !== tps)
      return sendError(
        reply,
        apiError('wrong_tps', `this token belongs to TPS ${who.tps}, not ${tps}`),
      );
    const enrolment = await store.enrolDevice({
      tps,
      publicKey: body.data.publicKey,
      label: body.data.label ?? null,
      tokenHash: who.tokenHash,
    });
    if (!enrolment.ok) return sendError(reply, refusal(enrolment.error, tps));
    const d = enrolment.value.device;
    const registeredDpt = (await store.tps(tps))?.dpt ?? null;
    return reply
      .code(enrolment.value.created ? 201 : 200)
      .send({ deviceId: d.id, tps: d.tps, enrolledAt: d.enrolledAt, registeredDpt });
  });
}

function refusal(e: EnrolRefusal, tps: TpsCode): ApiError {
  switch (e.reason) {
    case 'revoked_key':
      return apiError('device_revoked', 'this key was revoked; make a new key and enrol again');
    case 'other_tps':
      return apiError('key_in_use', 'this key is enrolled for another TPS');
    case 'device_limit':
      return apiError(
        'device_limit',
        `this token has already enrolled ${e.limit} devices for TPS ${tps}, the most one token may; ` +
          'ask the KPU operator to revoke a device you no longer use (rekap revoke-device) and to ' +
          `issue a new token (rekap kpps-token --tps ${tps})`,
        { limit: e.limit },
      );
  }
}
