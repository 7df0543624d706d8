// POST /api/v1/tps/{code}/submissions: the one way a result gets in.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Ballot } from '../core/ballots.ts';
import { parseCHasil, type CHasil } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import {
  DeviceIdSchema,
  Sha256HexSchema,
  SignedAtSchema,
  checkSignedAt,
  verifySummary,
  type SignedSummary,
} from '../core/receipt.ts';
import { checkRules } from '../core/rules.ts';
import { sha256Hex } from '../store/blobs.ts';
import type { Store } from '../store/store.ts';
import type { PhotoRecord, RecordOutcome, StoredSignature } from '../store/submissions.ts';
import { apiError, type ApiError } from './errors.ts';
import { readMultipart, type MultipartIntake } from './multipart.ts';
import { PHOTO_LIMITS, checkPhoto } from './photos.ts';

/** The `signature` part: the enrolled device's Ed25519 signature of the summary (receipt.ts). */
export const SignaturePartSchema = z.strictObject({
  deviceId: DeviceIdSchema,
  signedAt: SignedAtSchema,
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be base64url of 64 bytes'),
});
/** The `photos` part: sha256 of photos uploaded before (tus) by this TPS, in page order. */
export const PhotoRefsSchema = z.array(Sha256HexSchema).min(1).max(PHOTO_LIMITS.maxPhotos);

type Parts = {
  result: unknown;
  /** Photos sent in this request (`photo` parts). */
  photos: Buffer[];
  /** Photos uploaded before, by hash (`photos` part). They follow the `photo` parts in page order. */
  photoRefs: string[];
  signature: StoredSignature | undefined;
};

const JSON_PARTS = ['result', 'photos', 'signature'] as const;
type JsonPart = (typeof JSON_PARTS)[number];
const isJsonPart = (name: string): name is JsonPart =>
  (JSON_PARTS as readonly string[]).includes(name);

function parseJsonPart<T>(name: string, text: string, schema: z.ZodType<T>): T | ApiError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return apiError(
      400,
      'malformed_json',
      `the "${name}" part is not valid JSON: ${(e as Error).message}`,
    );
  }
  const parsed = schema.safeParse(value);
  return parsed.success
    ? parsed.data
    : apiError(
        400,
        `malformed_${name}`,
        `the "${name}" part is malformed: ${parsed.error.issues
          .map((i) => `${[name, ...i.path.map(String)].join('.')}: ${i.message}`)
          .join('; ')}`,
      );
}

/** Bytes of a `result`, `photos` or `signature` part (a C.Hasil is about 1 KB). */
export const JSON_PART_BYTES = 64 * 1024;

/**
 * Reads the parts of a submission under the intake's limits (multipart.ts): a body over the limit
 * answers 413, a server out of buffer room 503, a malformed body 400, each naming the problem.
 */
export async function readSubmissionParts(
  req: FastifyRequest,
  reply: FastifyReply,
  intake: MultipartIntake,
): Promise<Parts | ApiError> {
  if (!req.isMultipart())
    return apiError(
      415,
      'not_multipart',
      'send multipart/form-data with a "result" part and one or more "photo" parts',
    );
  const text: Partial<Record<JsonPart, string>> = {};
  const photos: Buffer[] = [];
  const jsonTooLarge = (name: string) => () =>
    apiError(
      413,
      'payload_too_large',
      `the "${name}" part is too large: over ${JSON_PART_BYTES / 1024} KB`,
    );
  const refused = await readMultipart(
    req,
    reply,
    intake,
    PHOTO_LIMITS.maxBytes,
    async (part, reader) => {
      if (part.type === 'file' && isJsonPart(part.fieldname)) {
        // `curl -F result=@c-hasil.json` (and a browser's Blob) send JSON as a file part.
        if (text[part.fieldname] !== undefined)
          return apiError(400, 'duplicate_part', `more than one "${part.fieldname}" part`);
        const bytes = await reader.bytes(part, JSON_PART_BYTES, jsonTooLarge(part.fieldname));
        if (!Buffer.isBuffer(bytes)) return bytes;
        text[part.fieldname] = bytes.toString('utf8');
      } else if (part.type === 'file') {
        if (part.fieldname !== 'photo')
          return apiError(
            400,
            'unknown_part',
            `unknown file part "${part.fieldname}" (expected "photo")`,
          );
        const n = photos.length + 1;
        const bytes = await reader.bytes(part, PHOTO_LIMITS.maxBytes, () =>
          apiError(
            413,
            'payload_too_large',
            `photo ${n} is too large: over ${PHOTO_LIMITS.maxBytes / 1024 / 1024} MB (at most ${PHOTO_LIMITS.maxBytes} bytes)`,
          ),
        );
        if (!Buffer.isBuffer(bytes)) return bytes;
        photos.push(bytes);
      } else if (isJsonPart(part.fieldname)) {
        if (text[part.fieldname] !== undefined)
          return apiError(400, 'duplicate_part', `more than one "${part.fieldname}" part`);
        if (part.valueTruncated) return jsonTooLarge(part.fieldname)();
        // A part sent with content-type application/json arrives parsed already.
        try {
          text[part.fieldname] =
            typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
        } catch {
          // JSON.stringify overflows the stack on a deep nesting (20,000 `[`): the sender's fault.
          return apiError(
            400,
            'malformed_json',
            `the "${part.fieldname}" part is nested too deeply`,
          );
        }
      } else
        return apiError(
          400,
          'unknown_part',
          `unknown part "${part.fieldname}" (expected "result", "photo", "photos" and "signature")`,
        );
      return undefined;
    },
  );
  if (refused) return refused;
  if (text.result === undefined)
    return apiError(
      400,
      'missing_result',
      'the "result" part (C.Hasil numbers as JSON) is missing',
    );
  const photoRefs =
    text.photos === undefined ? [] : parseJsonPart('photos', text.photos, PhotoRefsSchema);
  if (!Array.isArray(photoRefs)) return photoRefs;
  if (photos.length === 0 && photoRefs.length === 0)
    return apiError(
      400,
      'missing_photo',
      'at least one "photo" part (the photographed form), or a "photos" part naming uploaded photos, is required',
    );
  if (photos.length + photoRefs.length > PHOTO_LIMITS.maxPhotos)
    return apiError(400, 'too_many_photos', `too many photos (at most ${PHOTO_LIMITS.maxPhotos})`);
  const signature =
    text.signature === undefined
      ? undefined
      : parseJsonPart('signature', text.signature, SignaturePartSchema);
  if (signature && 'status' in signature) return signature;
  let result: unknown;
  try {
    result = JSON.parse(text.result);
  } catch (e) {
    return apiError(
      400,
      'malformed_json',
      `the "result" part is not valid JSON: ${(e as Error).message}`,
    );
  }
  return { result, photos, photoRefs, signature };
}

export type SubmitContext = { store: Store; clock: () => Date };

export async function acceptSubmission(
  ctx: SubmitContext,
  tps: { code: TpsCode; dpt: number | null },
  ballot: Ballot,
  uploader: string,
  parts: Parts,
): Promise<RecordOutcome | ApiError> {
  // The signing time is judged by the server's clock: at most minutes ahead, not before the year.
  const badTime = parts.signature && checkSignedAt(parts.signature.signedAt, ctx.clock());
  if (badTime)
    return apiError(
      400,
      'malformed_signature',
      `the "signature" part is malformed: signature.signedAt: ${badTime}`,
    );
  const contest = await ctx.store.contest(ballot);
  if (!contest) return apiError(404, 'unknown_ballot', `no ${ballot} contest in this election`);
  const parsed = parseCHasil(parts.result, contest);
  if (!parsed.ok)
    return apiError(
      422,
      'invalid_result',
      parsed.problems.map((p) => `result.${p.path}: ${p.message}`).join('; '),
      parsed.problems,
    );
  const result: CHasil = parsed.value;
  const checks = [];
  for (const [i, bytes] of parts.photos.entries()) {
    const check = await checkPhoto(bytes);
    if (!check.ok) return apiError(422, 'invalid_photo', `photo ${i + 1}: ${check.reason}`);
    checks.push(check);
  }
  const uploaded = await ctx.store.uploadedPhotos(tps.code, parts.photoRefs);
  const missing = parts.photoRefs.filter((h) => !uploaded.has(h));
  if (missing.length > 0)
    return apiError(
      422,
      'unknown_photo',
      `not uploaded by this TPS: ${missing.join(', ')} (upload each photo first, at /api/v1/uploads/)`,
      { missing },
    );
  // Page order: the `photo` parts, then the photos named in the `photos` part.
  const hashes = [...parts.photos.map((b) => sha256Hex(b)), ...parts.photoRefs];
  const refused = await checkSignature(
    ctx.store,
    tps.code,
    ballot,
    result,
    hashes,
    parts.signature,
  );
  if (refused) return refused;
  // Photos are on disk before the submission that names them is committed: a crash in between
  // leaves at most unreferenced bytes, never a submission without its photo.
  const photos: PhotoRecord[] = [];
  for (const [i, bytes] of parts.photos.entries())
    photos.push(await ctx.store.putPhoto(bytes, checks[i]!));
  for (const h of parts.photoRefs) photos.push(uploaded.get(h)!);
  const flags = checkRules(result, { ballot, registeredDpt: tps.dpt });
  return ctx.store.recordSubmission({
    tps: tps.code,
    ballot,
    result,
    photos,
    flags,
    uploader,
    receivedAt: ctx.clock(),
    signature: parts.signature ?? null,
  });
}

/**
 * A signed submission must verify with the key of a device enrolled for this TPS. Once a TPS has
 * enrolled a device, every ballot's submissions must be signed; only ppwp can be signed yet
 * (receipt.ts), so the other ballots of such a TPS are refused rather than taken unsigned. The
 * summary is rebuilt from what was sent: TPS, ballot, numbers, photo hashes in page order,
 * signing time and device.
 */
async function checkSignature(
  store: Store,
  tps: TpsCode,
  ballot: Ballot,
  result: CHasil,
  photos: string[],
  signature: StoredSignature | undefined,
): Promise<ApiError | undefined> {
  if (!signature) {
    if (await store.tpsHasDevice(tps))
      return apiError(
        403,
        'signature_required',
        ballot === 'ppwp'
          ? `TPS ${tps} has an enrolled device: its submissions must carry the device's signature`
          : `TPS ${tps} has an enrolled device: every ballot's submission must be signed, and ${ballot} results cannot be signed yet (only ppwp)`,
      );
    return undefined;
  }
  if (ballot !== 'ppwp')
    return apiError(400, 'unsupported_ballot', 'signed submissions are for the ppwp ballot only');
  const device = await store.device(signature.deviceId);
  if (!device || device.revokedAt || device.tps !== tps)
    return apiError(
      403,
      'unknown_device',
      `device ${signature.deviceId} is not enrolled for TPS ${tps} (unknown, revoked or of another TPS)`,
    );
  const summary: SignedSummary = {
    v: 1,
    tps,
    ballot,
    result,
    photos,
    signedAt: signature.signedAt,
    deviceId: signature.deviceId,
  };
  if (!(await verifySummary(summary, signature.signature, device.publicKey)))
    return apiError(
      403,
      'bad_signature',
      'the signature does not match these numbers and photos (or this device)',
    );
  return undefined;
}

export { PHOTO_LIMITS };
