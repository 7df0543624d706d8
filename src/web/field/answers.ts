// The server's answers as the field app reads them: parsed with the contract's schemas
// (src/contract), so an answer that does not fit is said to be one, by the caller, instead of
// being taken for a receipt, a device or a published version it is not.
import type * as z from 'zod';
import { err, ok, type Result } from '../../core/result.ts';
import { ErrorBodySchema, type ErrorBody } from '../../contract/errors.ts';

/** The answer's JSON `text` under `schema`, or why it is not one (`what` names the answer). */
export function parseAnswer<S extends z.ZodType>(
  schema: S,
  text: string,
  what: string,
): Result<z.output<S>, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return err(`the server's ${what} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return ok(parsed.data);
  const first = parsed.error.issues[0];
  return err(
    `the server's ${what} does not fit the API: ${first ? `${first.path.join('.') || '(body)'}: ${first.message}` : 'invalid'}`,
  );
}

/** A refusal's body, when it is the contract's (a proxy's error page is not). */
export function refusalOf(text: string): ErrorBody | null {
  const body = parseAnswer(ErrorBodySchema, text, 'refusal');
  return body.ok ? body.value : null;
}
