// The operator API as the review page calls it: every answer parsed with the contract's schema,
// every POST with the session's CSRF token (the rekap_csrf cookie's value, also given by the login
// and /me answers) in the x-csrf-token header.
import '../shared/jitless.ts';
import type * as z from 'zod';
import {
  LoggedOutSchema,
  OperatorSessionSchema,
  type OperatorSession,
} from '../../contract/operator.ts';
import {
  OperatorTpsSchema,
  ReviewDoneSchema,
  ReviewQueueSchema,
  type OperatorTps,
  type QueueState,
  type ReviewDone,
  type ReviewQueue,
} from '../../contract/review.ts';
import {
  RecapClosedSchema,
  RecapReopenedSchema,
  type RecapClosed,
  type RecapReopened,
} from '../../contract/recap.ts';
import { ConnectivityLateSchema, type ConnectivityLate } from '../../contract/connectivity.ts';
import { RegionResultSchema, type RegionResult } from '../../contract/results.ts';
import { err, ok, type Result } from '../../core/result.ts';

/** A refusal of the API: its status, its catalogue code and its words. */
export type Failure = {
  status: number;
  code: string;
  message: string;
  text?: { id: string; en: string };
  details?: unknown;
};

let csrf = '';

async function call<S extends z.ZodType>(
  method: 'GET' | 'POST',
  path: string,
  schema: S,
  body?: unknown,
): Promise<Result<z.output<S>, Failure>> {
  try {
    const res = await fetch(path, {
      method,
      cache: 'no-store',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'POST' && csrf ? { 'x-csrf-token': csrf } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const e = (json ?? {}) as {
        error?: string;
        message?: string;
        text?: Failure['text'];
        details?: unknown;
      };
      return err({
        status: res.status,
        code: e.error ?? 'http_error',
        message: e.message ?? `HTTP ${res.status}`,
        ...(e.text ? { text: e.text } : {}),
        ...(e.details === undefined ? {} : { details: e.details }),
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      return err({
        status: res.status,
        code: 'unexpected_answer',
        message: `unexpected answer from ${path}`,
      });
    return ok(parsed.data);
  } catch (e) {
    return err({ status: 0, code: 'network', message: e instanceof Error ? e.message : String(e) });
  }
}

const keep = (r: Result<OperatorSession, Failure>) => {
  if (r.ok) csrf = r.value.csrf;
  return r;
};

export const me = async () => keep(await call('GET', '/api/operator/me', OperatorSessionSchema));
export const login = async (name: string, password: string) =>
  keep(await call('POST', '/api/operator/login', OperatorSessionSchema, { name, password }));
export const changePassword = async (current: string, next: string) =>
  keep(await call('POST', '/api/operator/password', OperatorSessionSchema, { current, next }));
export const logout = () => call('POST', '/api/operator/logout', LoggedOutSchema);

export const BALLOT = 'ppwp';

export function queue(
  region: string,
  state: QueueState | null,
  after?: string,
): Promise<Result<ReviewQueue, Failure>> {
  const q = new URLSearchParams({ region, ballot: BALLOT, limit: '100' });
  if (state) q.set('state', state);
  if (after) q.set('after', after);
  return call('GET', `/api/operator/queue?${q.toString()}`, ReviewQueueSchema);
}

export const tps = (code: string): Promise<Result<OperatorTps, Failure>> =>
  call('GET', `/api/operator/tps/${encodeURIComponent(code)}/${BALLOT}`, OperatorTpsSchema);

export type ActionPath = 'confirm' | 'correct' | 'photo-request' | 'objection' | 'objection-answer';

export const act = (
  code: string,
  action: ActionPath,
  body: Record<string, unknown>,
): Promise<Result<ReviewDone, Failure>> =>
  call(
    'POST',
    `/api/operator/tps/${encodeURIComponent(code)}/${BALLOT}/${action}`,
    ReviewDoneSchema,
    body,
  );

/** The zoom crop of a field's boxes in one photo (the server cuts it; see operator-crops.ts). */
export const cropUrl = (sha256: string, path: string, code: string) =>
  `/api/operator/photo/${sha256}/field/${encodeURIComponent(path)}.jpg?tps=${encodeURIComponent(code)}&ballot=${BALLOT}`;
export const photoUrl = (sha256: string) => `/api/v1/photos/${sha256}`;

/** A region's public result, for its recap state (`unofficial-partial`, `certified`, `correction`). */
export const region = (code: string): Promise<Result<RegionResult, Failure>> =>
  call('GET', `/api/v1/results/${encodeURIComponent(code)}?ballot=${BALLOT}`, RegionResultSchema);

/** Closes (signs off) a level's recap: the server writes and signs its D.Hasil. */
export const closeRecap = (code: string): Promise<Result<RecapClosed, Failure>> =>
  call(
    'POST',
    `/api/operator/recap/${encodeURIComponent(code)}/${BALLOT}/close`,
    RecapClosedSchema,
    {},
  );

/** Reopens a closed level's recap, with the reason that goes on the record. */
export const reopenRecap = (
  code: string,
  reason: string,
): Promise<Result<RecapReopened, Failure>> =>
  call(
    'POST',
    `/api/operator/recap/${encodeURIComponent(code)}/${BALLOT}/reopen`,
    RecapReopenedSchema,
    { reason },
  );

/** Where a level's signed D.Hasil is published. */
export const dhasilUrl = (code: string, ext: 'pdf' | 'json') =>
  `/api/v1/recap/${encodeURIComponent(code)}/${BALLOT}/dhasil.${ext}`;

/** Election night's late list of a region (a kabupaten or below): the TPS not yet sent by class
 *  and hours late, and the blank-spot TPS to chase. */
export const late = (code: string): Promise<Result<ConnectivityLate, Failure>> =>
  call(
    'GET',
    `/api/v1/connectivity/${encodeURIComponent(code)}/late?ballot=${BALLOT}`,
    ConnectivityLateSchema,
  );
