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
