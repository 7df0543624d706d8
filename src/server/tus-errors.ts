// The tus server's refusals in the API's style. @tus/server answers its own errors in plain text
// and, for any other error a hook or the store throws, "Something went wrong with that request"
// followed by the error's message: a database's or the file system's words (a path, a SQLSTATE
// message) would reach the phone. `tusAnswer` gives every error the API's one error body (a code
// of the catalogue, src/contract/errors.ts); a 5xx says only "internal error".
import type { ServerResponse } from 'node:http';
import { ERRORS, Metadata, TUS_RESUMABLE } from '@tus/server';
import { apiError, jsonOf, type ApiError } from './errors.ts';

type TusError = Error | { status_code: number; body: string };
export type TusAnswer = { status_code: number; body: string };

const answer = (e: ApiError): TusAnswer => ({ status_code: e.status, body: `${jsonOf(e)}\n` });

/** tus's own refusals (its ERRORS), by their plain-text body, with the status tus gives them. */
const TUS_CODES = new Map<string, ApiError>([
  [ERRORS.MISSING_OFFSET.body, apiError('bad_offset', 403, 'an Upload-Offset header is required')],
  [
    ERRORS.ABORTED.body,
    apiError('upload_busy', 'another request is writing this upload; try again'),
  ],
  [
    ERRORS.INVALID_TERMINATION.body,
    apiError('upload_complete', 'a finished upload cannot be deleted'),
  ],
  [
    // tus says 403; the catalogue (and tusPrecheck, which answers it first) 415.
    ERRORS.INVALID_CONTENT_TYPE.body,
    apiError('unsupported_media_type', 'expected Content-Type application/offset+octet-stream'),
  ],
  [ERRORS.FILE_NOT_FOUND.body, apiError('unknown_upload', 'no such upload')],
  [
    ERRORS.INVALID_OFFSET.body,
    apiError('offset_mismatch', 'Upload-Offset is not the offset the server holds (ask with HEAD)'),
  ],
  [ERRORS.FILE_NO_LONGER_EXISTS.body, apiError('upload_expired', 'this upload has expired')],
  [ERRORS.ERR_SIZE_EXCEEDED.body, apiError('payload_too_large', 'more bytes than Upload-Length')],
  [
    ERRORS.ERR_MAX_SIZE_EXCEEDED.body,
    apiError('payload_too_large', 'the photo is larger than allowed'),
  ],
  [
    ERRORS.INVALID_LENGTH.body,
    apiError('length_required', 400, 'an Upload-Length header (the photo size) is required'),
  ],
  [
    ERRORS.INVALID_METADATA.body,
    apiError('bad_metadata', 'Upload-Metadata must be comma-separated "key base64value" pairs'),
  ],
]);

/**
 * The answer to an error of the tus server (its `onResponseError`): our refusals (already JSON)
 * as they are, tus's own under our codes, anything else a 500 `internal_error` with no detail.
 */
export function tusAnswer(err: TusError): TusAnswer {
  const status = 'status_code' in err && typeof err.status_code === 'number' ? err.status_code : 0;
  const text = 'body' in err && typeof err.body === 'string' ? err.body : undefined;
  if (status >= 400 && status < 500 && text?.startsWith('{'))
    return { status_code: status, body: text };
  const known = text === undefined ? undefined : TUS_CODES.get(text);
  if (known && status >= 400 && status < 500) return answer(known);
  if (status === 501)
    return answer(apiError('not_implemented', 'this tus extension is not supported'));
  if (status >= 400 && status < 500)
    return answer({ ...apiError('bad_request', 'the upload request is malformed'), status });
  return answer(apiError('internal_error', 'internal error'));
}

/** The tus headers @tus/server checks before any hook runs, and what each must be. */
const HEADER_RULES: [
  name: string,
  ok: (v: string) => boolean,
  code: 'bad_offset' | 'bad_length' | 'bad_request' | 'bad_metadata',
  expected: string,
][] = [
  ['upload-offset', (v) => /^(0|[1-9]\d{0,15})$/.test(v), 'bad_offset', 'a whole number of bytes'],
  ['upload-length', (v) => /^(0|[1-9]\d{0,15})$/.test(v), 'bad_length', 'a whole number of bytes'],
  ['upload-defer-length', (v) => v === '1', 'bad_request', '1'],
  ['upload-concat', (v) => v === 'partial' || v.startsWith('final;'), 'bad_request', 'partial'],
  ['x-forwarded-proto', (v) => v === 'http' || v === 'https', 'bad_request', 'http or https'],
  [
    'upload-metadata',
    (v) => {
      try {
        Metadata.parse(v);
        return true;
      } catch {
        return false;
      }
    },
    'bad_metadata',
    'comma-separated "key base64value" pairs with unique keys',
  ],
];

/**
 * What @tus/server would refuse in plain text before any of our hooks run (a missing or other
 * Tus-Resumable: 412; a malformed tus header: 400), answered first in our codes and words. The
 * checks are tus's own rules (its HeaderValidator), so nothing it would take is refused here.
 */
export function tusPrecheck(
  method: string,
  headers: Record<string, string | string[] | undefined>,
): ApiError | undefined {
  if (method === 'OPTIONS') return undefined;
  const value = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const resumable = value('tus-resumable');
  if (resumable !== TUS_RESUMABLE)
    return apiError(
      'tus_resumable_required',
      `send Tus-Resumable: ${TUS_RESUMABLE}${resumable === undefined ? '' : ` (got ${JSON.stringify(resumable.slice(0, 20))})`}`,
    );
  if (method === 'PATCH' && value('content-type') !== 'application/offset+octet-stream')
    return apiError(
      'unsupported_media_type',
      'expected Content-Type application/offset+octet-stream',
    );
  for (const [name, ok, code, expected] of HEADER_RULES) {
    const v = value(name);
    if (v === undefined || ok(v)) continue;
    const message = `the ${name} header must be ${expected}`;
    return code === 'bad_offset' ? apiError(code, 400, message) : apiError(code, message);
  }
  return undefined;
}

/**
 * tus writes every answer as a web Response, whose body type for a string is text/plain; our
 * refusals are JSON (`tusAnswer`), so a refusal's answer says so. Wraps `res.writeHead` of one
 * request: an answer of 400 or more gets `application/json` instead of tus's text/plain.
 */
export function refusalsAsJson(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = (status: number, ...rest: unknown[]) => {
    if (status >= 400)
      for (const headers of rest)
        if (Array.isArray(headers))
          for (let i = 0; i + 1 < headers.length; i += 2)
            if (String(headers[i]).toLowerCase() === 'content-type')
              headers[i + 1] = 'application/json; charset=utf-8';
    return writeHead(status, ...rest);
  };
}
