// POST /api/v1/tps/{code}/submissions: the one way a result gets in.
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import type { Ballot } from '../core/ballots.ts';
import { parseCHasil, type CHasil } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import { checkSignedAt } from '../core/receipt.ts';
import { problemsOf, problemsText } from '../core/problems.ts';
import { err, ok, type Result } from '../core/result.ts';
import { checkRules } from '../core/rules.ts';
import { PhotoRefsSchema, SignaturePartSchema } from '../contract/kpps.ts';
import { RecapClosedError } from '../store/signoffs.ts';
import type { Store } from '../store/store.ts';
import type { PhotoRecord, RecordOutcome, StoredSignature } from '../store/submissions.ts';
import { apiError, type ApiError, type PartLimits } from './errors.ts';
import { readMultipart, type MultipartIntake } from './multipart.ts';
import type { IntakePool } from './intake-pool.ts';
import { PHOTO_LIMITS, type PhotoOk } from './photos.ts';

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

/**
 * A `photos` or `signature` part, parsed and checked against its schema; each problem is named by
 * its path and bounded (problems.ts), never zod's own words with the sender's keys.
 */
function parseJsonPart<T>(
  name: 'photos' | 'signature',
  text: string,
  schema: z.ZodType<T>,
): Result<T, ApiError> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return err(
      apiError('malformed_json', `the "${name}" part is not valid JSON: ${(e as Error).message}`),
    );
  }
  const parsed = schema.safeParse(value, { reportInput: true });
  return parsed.success
    ? ok(parsed.data)
    : err(
        apiError(
          `malformed_${name}`,
          `the "${name}" part is malformed: ${problemsText(problemsOf(parsed.error.issues), name)}`,
        ),
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
): Promise<Result<Parts, ApiError>> {
  if (!req.isMultipart())
    return err(
      apiError(
        'not_multipart',
        'send multipart/form-data with a "result" part and one or more "photo" parts',
      ),
    );
  const text: Partial<Record<JsonPart, string>> = {};
  const photos: Buffer[] = [];
  const jsonTooLarge = (name: string) => () =>
    apiError(
      'payload_too_large',
      `the "${name}" part is too large: over ${JSON_PART_BYTES / 1024} KB`,
    );
  const refused = await readMultipart(req, reply, intake, PART_LIMITS, async (part, reader) => {
    if (part.type === 'file' && isJsonPart(part.fieldname)) {
      // `curl -F result=@c-hasil.json` (and a browser's Blob) send JSON as a file part.
      if (text[part.fieldname] !== undefined)
        return apiError('duplicate_part', `more than one "${part.fieldname}" part`);
      const bytes = await reader.bytes(part, JSON_PART_BYTES, jsonTooLarge(part.fieldname));
      if (!bytes.ok) return bytes.error;
      text[part.fieldname] = bytes.value.toString('utf8');
    } else if (part.type === 'file') {
      if (part.fieldname !== 'photo')
        return apiError('unknown_part', `unknown file part "${part.fieldname}" (expected "photo")`);
      const n = photos.length + 1;
      const bytes = await reader.bytes(part, PHOTO_LIMITS.maxBytes, () =>
        apiError(
          'payload_too_large',
          `photo ${n} is too large: over ${PHOTO_LIMITS.maxBytes / 1024 / 1024} MB (at most ${PHOTO_LIMITS.maxBytes} bytes)`,
        ),
      );
      if (!bytes.ok) return bytes.error;
      photos.push(bytes.value);
    } else if (isJsonPart(part.fieldname)) {
      if (text[part.fieldname] !== undefined)
        return apiError('duplicate_part', `more than one "${part.fieldname}" part`);
      if (part.valueTruncated) return jsonTooLarge(part.fieldname)();
      // A part sent with content-type application/json arrives parsed already.
      try {
        text[part.fieldname] =
          typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
      } catch {
        // JSON.stringify overflows the stack on a deep nesting (20,000 `[`): the sender's fault.
        return apiError('malformed_json', `the "${part.fieldname}" part is nested too deeply`);
      }
    } else
      return apiError(
        'unknown_part',
        `unknown part "${part.fieldname}" (expected "result", "photo", "photos" and "signature")`,
      );
    return undefined;
  });
  if (refused) return err(refused);
  if (text.result === undefined)
    return err(
      apiError('missing_result', 'the "result" part (C.Hasil numbers as JSON) is missing'),
    );
  const refs =
    text.photos === undefined ? ok([]) : parseJsonPart('photos', text.photos, PhotoRefsSchema);
  if (!refs.ok) return refs;
  const photoRefs = refs.value;
  if (photos.length === 0 && photoRefs.length === 0)
    return err(
      apiError(
        'missing_photo',
        'at least one "photo" part (the photographed form), or a "photos" part naming uploaded photos, is required',
      ),
    );
  if (photos.length + photoRefs.length > PHOTO_LIMITS.maxPhotos)
    return err(apiError('too_many_photos', `too many photos (at most ${PHOTO_LIMITS.maxPhotos})`));
  const signed =
    text.signature === undefined
      ? ok(undefined)
      : parseJsonPart('signature', text.signature, SignaturePartSchema);
  if (!signed.ok) return signed;
  let result: unknown;
  try {
    result = JSON.parse(text.result);
  } catch (e) {
    return err(
      apiError('malformed_json', `the "result" part is not valid JSON: ${(e as Error).message}`),
    );
  }
  return ok({ result, photos, photoRefs, signature: signed.value });
}

export type SubmitContext = {
  store: Store;
  clock: () => Date;
  /** Where the photos are hashed and checked and the signature verified (intake-pool.ts). */
  intake: IntakePool;
};

export async function acceptSubmission(
  ctx: SubmitContext,
  tps: { code: TpsCode; dpt: number | null },
  ballot: Ballot,
  uploader: string,
  parts: Parts,
): Promise<Result<RecordOutcome, ApiError>> {
  // The signing time is judged by the server's clock: at most minutes ahead, not before the year.
  const badTime = parts.signature && checkSignedAt(parts.signature.signedAt, ctx.clock());
  if (badTime)
    return err(
      apiError(
        'malformed_signature',
        `the "signature" part is malformed: signature.signedAt: ${badTime}`,
      ),
    );
  const contest = await ctx.store.contest(ballot);
  if (!contest) return err(apiError('unknown_ballot', `no ${ballot} contest in this election`));
  const parsed = parseCHasil(parts.result, contest);
  if (!parsed.ok)
    return err(
      apiError(
        'invalid_result',
        parsed.error.problems.map((p) => `result.${p.path}: ${p.message}`).join('; '),
        parsed.error.problems,
      ),
    );
  const result: CHasil = parsed.value;
  // The device is looked up before the photos go to the intake pool, so that one trip there
  // checks the photos and the signature both; its refusals still come after the photos' own.
  const signer = await signerOf(ctx.store, tps.code, ballot, parts.signature);
  const sig = parts.signature;
  const examined = await ctx.intake.examine({
    photos: parts.photos,
    ...(signer.ok && signer.value && sig && ballot === 'ppwp'
      ? {
          signed: {
            summary: {
              v: 1,
              tps: tps.code,
              ballot,
              result,
              signedAt: sig.signedAt,
              deviceId: sig.deviceId,
            },
            photoRefs: parts.photoRefs,
            signature: sig.signature,
            publicKey: signer.value,
          },
        }
      : {}),
  });
  const checks: PhotoOk[] = [];
  for (const [i, check] of examined.checks.entries()) {
    if (!check.ok) return err(apiError('invalid_photo', `photo ${i + 1}: ${check.error}`));
    checks.push(check.value);
  }
  const uploaded = await ctx.store.uploadedPhotos(tps.code, parts.photoRefs);
  const missing = parts.photoRefs.filter((h) => !uploaded.has(h));
  if (missing.length > 0)
    return err(
      apiError(
        'unknown_photo',
        422,
        `not uploaded by this TPS: ${missing.join(', ')} (upload each photo first, at /api/v1/uploads/)`,
        { missing },
      ),
    );
  if (!signer.ok) return err(signer.error);
  if (examined.signatureValid === false)
    return err(
      apiError(
        'bad_signature',
        'the signature does not match these numbers and photos (or this device)',
      ),
    );
  // Photos are on disk before the submission that names them is committed: a crash in between
  // leaves at most unreferenced bytes, never a submission without its photo. The bytes are the
  // ones the intake pool hashed and checked (parts.photos were handed over to it).
  const photos: PhotoRecord[] = [];
  for (const [i, bytes] of examined.photos.entries())
    photos.push(await ctx.store.putPhoto(bytes, checks[i]!));
  for (const h of parts.photoRefs) photos.push(uploaded.get(h)!);
  const flags = checkRules(result, { ballot, registeredDpt: tps.dpt });
  try {
    return ok(
      await ctx.store.recordSubmission({
        tps: tps.code,
        ballot,
        result,
        photos,
        flags,
        uploader,
        receivedAt: ctx.clock(),
        signature: parts.signature ?? null,
      }),
    );
  } catch (e) {
    if (e instanceof RecapClosedError) return err(apiError('recap_closed', e.message));
    throw e;
  }
}

/**
 * Who may sign for this TPS: the public key of the enrolled device that signed, whose signature
 * the intake pool then verifies over the summary rebuilt from what was sent (TPS, ballot,
 * numbers, photo hashes in page order, signing time and device). Undefined for an unsigned
 * submission that may be unsigned. Once a TPS has enrolled a device, every ballot's submissions
 * must be signed; only ppwp can be signed yet (receipt.ts), so the other ballots of such a TPS are
 * refused rather than taken unsigned.
 */
async function signerOf(
  store: Store,
  tps: TpsCode,
  ballot: Ballot,
  signature: StoredSignature | undefined,
): Promise<Result<string | undefined, ApiError>> {
  if (!signature) {
    if (await store.tpsHasDevice(tps))
      return err(
        apiError(
          'signature_required',
          ballot === 'ppwp'
            ? `TPS ${tps} has an enrolled device: its submissions must carry the device's signature`
            : `TPS ${tps} has an enrolled device: every ballot's submission must be signed, and ${ballot} results cannot be signed yet (only ppwp)`,
        ),
      );
    return ok(undefined);
  }
  if (ballot !== 'ppwp')
    return err(apiError('unsupported_ballot', 'signed submissions are for the ppwp ballot only'));
  const device = await store.device(signature.deviceId);
  if (!device || device.revokedAt || device.tps !== tps)
    return err(
      apiError(
        'unknown_device',
        `device ${signature.deviceId} is not enrolled for TPS ${tps} (unknown, revoked or of another TPS)`,
      ),
    );
  return ok(device.publicKey);
}

/** The limits of a submission's parts (the multipart parser's, and the words of its refusals). */
export const PART_LIMITS: PartLimits = {
  maxPhotoBytes: PHOTO_LIMITS.maxBytes,
  maxPhotos: PHOTO_LIMITS.maxPhotos,
  // "result", "photos", "signature", one spare, and the photos.
  maxParts: PHOTO_LIMITS.maxPhotos + 4,
};

export { PHOTO_LIMITS };
