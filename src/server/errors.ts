// Expected failures of the API, as values with a status, a code and words for people, and the
// translation of every thrown error into that shape. The codes, their statuses and their words in
// Bahasa Indonesia and English are the catalogue's (src/contract/errors.ts; docs/errors.md says
// when each is answered). No answer carries internal detail: a code that is not ours (a
// PostgreSQL SQLSTATE such as 22021, a Node errno such as ENOENT, Fastify's FST_...) never leaves
// the server, and a 5xx says only "internal error" (the log has the rest).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import {
  ERRORS,
  errorBody,
  type ErrorBody,
  type ErrorCode,
  type ManyStatusCode,
  type OneStatusCode,
  type StatusOf,
} from '../contract/errors.ts';
import { quote } from '../core/problems.ts';

/** A refusal: its status and code (from the catalogue) and the words of this case. */
export type ApiError = { status: number; error: ErrorCode; message: string; details?: unknown };

/**
 * A refusal with a code of the catalogue, answered with the code's status. A code of two statuses
 * (`bad_offset`, `length_required`, `quota_exceeded`, `unknown_photo`) names the one it answers.
 */
export function apiError(code: OneStatusCode, message: string, details?: unknown): ApiError;
export function apiError<C extends ManyStatusCode>(
  code: C,
  status: StatusOf<C>,
  message: string,
  details?: unknown,
): ApiError;
export function apiError(
  code: ErrorCode,
  statusOrMessage: number | string,
  ...rest: unknown[]
): ApiError {
  const [status, message, details] =
    typeof statusOrMessage === 'number'
      ? [statusOrMessage, rest[0] as string, rest[1]]
      : [ERRORS[code].status as number, statusOrMessage, rest[0]];
  return { status, error: code, message, ...(details === undefined ? {} : { details }) };
}

/** The body of a refusal: `{ error, message, text: { id, en }, details? }` (ErrorBodySchema). */
const bodyOf = (e: ApiError): ErrorBody => errorBody(e.error, e.message, e.details);

/** The body of a refusal as JSON text, for answers written outside Fastify (tus, a raw socket). */
export const jsonOf = (e: ApiError): string => JSON.stringify(bodyOf(e));

/** Sends an expected failure as the API's one error body (`bodyOf`), with its status. */
export function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  return reply.code(e.status).send(bodyOf(e));
}

/** An expected failure that has to be thrown (from a hook or a library callback) to be answered. */
export class ApiFailure extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
    this.name = 'ApiFailure';
  }
}

/** The limits of a multipart submission, to word @fastify/multipart's refusals. */
export type PartLimits = {
  /** Bytes of one photo (or any file part) in a multipart submission. */
  maxPhotoBytes: number;
  maxPhotos: number;
  /** Parts of a multipart submission. */
  maxParts: number;
};

/** What the error translation needs to word its limits. */
export type ErrorLimits = PartLimits & {
  /** Bytes of a JSON body (Fastify's bodyLimit). */
  bodyLimit: number;
};

type ThrownError = Error & { statusCode?: number; code?: string };

/** The code of a refusal whose source gave no code of ours, by its HTTP status. */
const BY_STATUS: Record<number, [OneStatusCode | 'length_required', string]> = {
  400: ['bad_request', 'the request is malformed'],
  401: ['unauthorized', 'a credential is required'],
  403: ['forbidden', 'this credential may not do this'],
  404: ['not_found', 'no such resource'],
  405: ['method_not_allowed', 'this method is not allowed here'],
  406: ['not_acceptable', 'the request is not acceptable here'],
  408: ['request_timeout', 'the request took too long to arrive'],
  409: ['conflict', 'the request conflicts with what the server holds'],
  411: ['length_required', 'a Content-Length is required'],
  413: ['payload_too_large', 'the body is too large'],
  414: ['uri_too_long', 'the URL is too long'],
  415: ['unsupported_media_type', 'this content type is not taken here'],
  422: ['unprocessable', 'the request is well formed but cannot be taken'],
  429: ['rate_limited', 'too many requests; try again later'],
  431: ['headers_too_large', 'the request headers are too large'],
};

/**
 * The answer to a thrown error: ours (ApiFailure) as it is; Fastify's and its plugins' own 4xx
 * refusals under our codes and words; any other 4xx under a code for its status (`bad_request`
 * with the library's status where there is none); everything else (a database error, an errno, a
 * bug) as `internal_error`, whatever its code and message. `contentType` is the request's, to say
 * what came when it is refused.
 */
export function publicError(err: ThrownError, limits: ErrorLimits, contentType?: string): ApiError {
  if (err instanceof ApiFailure) return err.apiError;
  const known = fastifyRefusal(err.code, limits, contentType) ?? partRefusal(err.code, limits);
  if (known) return known;
  const status =
    typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600
      ? err.statusCode
      : 500;
  if (status === 503)
    return apiError('unavailable', 'the server cannot take this now; try again later');
  // The fallbacks keep the library's status (ERRORS: bad_request and internal_error).
  if (status >= 500) return { ...apiError('internal_error', 'internal error'), status };
  const [code, message] = BY_STATUS[status] ?? BY_STATUS[400]!;
  return {
    ...(code === 'length_required' ? apiError(code, 411, message) : apiError(code, message)),
    status,
  };
}

function fastifyRefusal(
  code: string | undefined,
  limits: ErrorLimits,
  contentType: string | undefined,
): ApiError | undefined {
  const got = contentType ? quote(contentType) : 'none';
  switch (code) {
    // Fastify's body parsing.
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiError(
        'unsupported_media_type',
        `expected a body of type application/json (a submission: multipart/form-data), got ${got}`,
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError(
        'payload_too_large',
        `the body is too large (at most ${limits.bodyLimit} bytes here)`,
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return apiError('bad_content_length', 'the body is not as long as its Content-Length');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return apiError('malformed_json', 'the body is empty, but its type is application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return apiError(
        'malformed_json',
        'the body is not valid JSON, or it holds a "__proto__" or "constructor.prototype" key',
      );
    // Fastify's router.
    case 'FST_ERR_BAD_URL':
      return apiError('bad_url', 'the URL holds a %-escape that is not UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return apiError('uri_too_long', 'a part of the URL path is too long');
    case 'FST_ERR_NOT_FOUND':
      return apiError('not_found', 'no such route');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return apiError(
        'not_multipart',
        `expected multipart/form-data with a "result" part and photos, got ${got}`,
      );
    default:
      return undefined;
  }
}

const megabytes = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

/**
 * @fastify/multipart's refusals of a submission's parts, by its code, in our codes and words:
 * the one mapping, for the parser's errors while a submission is read (multipart.ts) and for any
 * that reach the error handler.
 */
export function partRefusal(code: string | undefined, limits: PartLimits): ApiError | undefined {
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return apiError(
        'payload_too_large',
        `a file part is too large: over ${megabytes(limits.maxPhotoBytes)} (a photo may be at most ${limits.maxPhotoBytes} bytes)`,
      );
    case 'FST_FILES_LIMIT':
      return apiError('too_many_photos', `too many photos (at most ${limits.maxPhotos})`);
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return apiError(
        'too_many_parts',
        `too many parts (at most ${limits.maxParts}: "result", "photos", "signature" and the photos)`,
      );
    case 'FST_PROTO_VIOLATION':
      return apiError(
        'unknown_part',
        'a part is named like a property of every JavaScript object (such as "__proto__"); expected "result", "photo", "photos" and "signature"',
      );
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return apiError(
        'malformed_json',
        'a part sent as application/json is not valid JSON, or it holds a "__proto__" or "constructor.prototype" key',
      );
    default:
      return undefined;
  }
}

/**
 * Answers a request that Node's HTTP parser could not read (Fastify's clientErrorHandler): in our
 * style, with no detail of the parser's.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? apiError('request_timeout', 'the request took too long to arrive')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? apiError('headers_too_large', 'the request headers are too large')
        : apiError('bad_request', 'the request is not valid HTTP');
  if (socket.writable) socket.write(rawAnswer(e));
  socket.destroy(err);
}

/** A whole HTTP/1.1 answer of a refusal, for a socket Fastify does not answer on; it closes. */
export function rawAnswer(e: ApiError): string {
  const body = jsonOf(e);
  return `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`;
}
