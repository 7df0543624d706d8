// POST /api/v1/tps/{code}/submissions: the one way a result gets in.
import type { FastifyRequest } from 'fastify';
import type { Ballot } from '../core/ballots.ts';
import { parseCHasil, type CHasil } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import { checkRules } from '../core/rules.ts';
import type { Store } from '../store/store.ts';
import type { PhotoRecord, RecordOutcome } from '../store/submissions.ts';
import { apiError, type ApiError } from './errors.ts';
import { PHOTO_LIMITS, checkPhoto } from './photos.ts';

type Parts = { result: unknown; photos: Buffer[] };

export async function readSubmissionParts(req: FastifyRequest): Promise<Parts | ApiError> {
  if (!req.isMultipart())
    return apiError(
      415,
      'not_multipart',
      'send multipart/form-data with a "result" part and one or more "photo" parts',
    );
  let resultText: string | undefined;
  const photos: Buffer[] = [];
  for await (const part of req.parts()) {
    if (part.type === 'file' && part.fieldname === 'result') {
      // `curl -F result=@c-hasil.json` sends the numbers as a file part.
      if (resultText !== undefined)
        return apiError(400, 'duplicate_part', 'more than one "result" part');
      resultText = (await part.toBuffer()).toString('utf8');
    } else if (part.type === 'file') {
      if (part.fieldname !== 'photo') {
        await part.toBuffer().catch(() => undefined);
        return apiError(
          400,
          'unknown_part',
          `unknown file part "${part.fieldname}" (expected "photo")`,
        );
      }
      photos.push(await part.toBuffer());
    } else if (part.fieldname === 'result') {
      if (resultText !== undefined)
        return apiError(400, 'duplicate_part', 'more than one "result" part');
      // A part sent with content-type application/json arrives parsed already.
      resultText = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
    } else
      return apiError(
        400,
        'unknown_part',
        `unknown part "${part.fieldname}" (expected "result" and "photo")`,
      );
  }
  if (resultText === undefined)
    return apiError(
      400,
      'missing_result',
      'the "result" part (C.Hasil numbers as JSON) is missing',
    );
  if (photos.length === 0)
    return apiError(
      400,
      'missing_photo',
      'at least one "photo" part (the photographed form) is required',
    );
  let result: unknown;
  try {
    result = JSON.parse(resultText);
  } catch (e) {
    return apiError(
      400,
      'malformed_json',
      `the "result" part is not valid JSON: ${(e as Error).message}`,
    );
  }
  return { result, photos };
}

export type SubmitContext = { store: Store; clock: () => Date };

export async function acceptSubmission(
  ctx: SubmitContext,
  tps: { code: TpsCode; dpt: number | null },
  ballot: Ballot,
  uploader: string,
  parts: Parts,
): Promise<RecordOutcome | ApiError> {
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
    const check = checkPhoto(bytes);
    if (!check.ok) return apiError(422, 'invalid_photo', `photo ${i + 1}: ${check.reason}`);
    checks.push(check);
  }
  // Photos are on disk before the submission that names them is committed: a crash in between
  // leaves at most unreferenced bytes, never a submission without its photo.
  const photos: PhotoRecord[] = [];
  for (const [i, bytes] of parts.photos.entries())
    photos.push(await ctx.store.putPhoto(bytes, checks[i]!));
  const flags = checkRules(result, { ballot, registeredDpt: tps.dpt });
  return ctx.store.recordSubmission({
    tps: tps.code,
    ballot,
    result,
    photos,
    flags,
    uploader,
    receivedAt: ctx.clock(),
  });
}

export { PHOTO_LIMITS };
