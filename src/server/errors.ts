// Expected failures of the API, as values with a status, a code and words for people.
export type ApiError = { status: number; error: string; message: string; details?: unknown };

export const apiError = (
  status: number,
  error: string,
  message: string,
  details?: unknown,
): ApiError => ({
  status,
  error,
  message,
  ...(details === undefined ? {} : { details }),
});

/** Sends an expected failure as the API's usual body: `{ error, message, details? }`. */
export function sendError(
  reply: { code(n: number): { send(body: unknown): unknown } },
  e: ApiError,
): unknown {
  return reply
    .code(e.status)
    .send({ error: e.error, message: e.message, ...(e.details ? { details: e.details } : {}) });
}
