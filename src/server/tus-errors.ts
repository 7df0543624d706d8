// The tus server's refusals in the API's style. @tus/server answers its own errors in plain text
// and, for any other error a hook or the store throws, "Something went wrong with that request"
// followed by the error's message: a database's or the file system's words (a path, a SQLSTATE
// message) would reach the phone. `tusAnswer` gives every error a `{ error, message }` body with a
// snake_case code (docs/errors.md); a 5xx says only "internal error".
import { ERRORS } from '@tus/server';

type TusError = Error | { status_code: number; body: string };
export type TusAnswer = { status_code: number; body: string };

const body = (error: string, message: string) => `${JSON.stringify({ error, message })}\n`;

/** tus's own refusals (its ERRORS), by their plain-text body. */
const TUS_CODES = new Map<string, [string, string]>([
  [ERRORS.MISSING_OFFSET.body, ['bad_offset', 'an Upload-Offset header is required']],
  [ERRORS.ABORTED.body, ['upload_busy', 'another request is writing this upload; try again']],
  [ERRORS.INVALID_TERMINATION.body, ['upload_complete', 'a finished upload cannot be deleted']],
  [
    ERRORS.INVALID_CONTENT_TYPE.body,
    ['unsupported_media_type', 'expected Content-Type application/offset+octet-stream'],
  ],
  [ERRORS.FILE_NOT_FOUND.body, ['unknown_upload', 'no such upload']],
  [
    ERRORS.INVALID_OFFSET.body,
    ['offset_mismatch', 'Upload-Offset is not the offset the server holds (ask with HEAD)'],
  ],
  [ERRORS.FILE_NO_LONGER_EXISTS.body, ['upload_expired', 'this upload has expired']],
  [ERRORS.ERR_SIZE_EXCEEDED.body, ['payload_too_large', 'more bytes than Upload-Length']],
  [ERRORS.ERR_MAX_SIZE_EXCEEDED.body, ['payload_too_large', 'the photo is larger than allowed']],
  [
    ERRORS.INVALID_LENGTH.body,
    ['length_required', 'an Upload-Length header (the photo size) is required'],
  ],
  [
    ERRORS.INVALID_METADATA.body,
    ['bad_metadata', 'Upload-Metadata must be comma-separated "key base64value" pairs'],
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
  if (known && status >= 400 && status < 500)
    return { status_code: status, body: body(known[0], known[1]) };
  if (status === 501)
    return {
      status_code: 501,
      body: body('not_implemented', 'this tus extension is not supported'),
    };
  if (status >= 400 && status < 500)
    return { status_code: status, body: body('bad_request', 'the upload request is malformed') };
  return { status_code: 500, body: body('internal_error', 'internal error') };
}
