// GET /api/v1/connectivity/{code}?ballot=ppwp: the blank-spot map of a kabupaten, kecamatan or
// desa (issue 14, docs/design/blank-spot-map.md) as GeoJSON, made by connectivityOf
// (connectivity-model.ts). Public, positions rounded to 0.01 degree; `?exact=1` gives exact
// positions to a logged-in operator whose region holds the code (one who may view its review
// queue: `view_review` in src/core/authz.ts), and is refused to everybody else.
//
// Not cached: the classes change with the time (observations lose weight by the week) and with
// every observation stored, neither of which moves the store's change mark. A kabupaten's answer
// is about a megabyte of JSON, so it is compressed for clients that ask.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ballot } from '../core/ballots.ts';
import { parseRegionCode, type RegionCode } from '../core/codes.ts';
import { quote } from '../core/problems.ts';
import { err, ok, type Result } from '../core/result.ts';
import type { Store } from '../store/store.ts';
import { ballotOf } from './ballot.ts';
import { connectivityOf, tooLarge } from './connectivity-model.ts';
import { ApiFailure, apiError, sendError, type ApiError } from './errors.ts';
import { requireOperator } from './session.ts';

export const CONNECTIVITY_PATH = '/api/v1/connectivity/:code';

const GEOJSON = 'application/geo+json; charset=utf-8';

/** What a request for a region's connectivity asks: the region, the ballot, exact positions. */
export type ConnectivityQuery = { region: RegionCode; ballot: Ballot; exact: boolean };

/** `?exact=`: 1 or true for exact positions; 0, false or absent for the public ones. */
function exactOf(query: unknown): Result<boolean, ApiError> {
  const raw = (query as { exact?: unknown } | undefined)?.exact;
  if (raw === undefined || raw === '0' || raw === 'false') return ok(false);
  if (raw === '1' || raw === 'true') return ok(true);
  return err(
    apiError(
      'bad_request',
      `exact: expected 1 (exact positions, for an operator of the region) or 0, got ${typeof raw === 'string' ? quote(raw) : 'a list'}`,
    ),
  );
}

/**
 * Reads `code`, `?ballot=` and `?exact=` of a connectivity request, and for `exact` checks that a
 * logged-in operator of the region asks: 400 `bad_code`, `unknown_ballot`, `bad_request` (`exact`) or
 * `region_too_large` (above kabupaten); 401 `not_logged_in`; 403 `forbidden`, `outside_region` or
 * `must_change_password`. The plan exports and the late list take their requests the same way.
 */
export async function connectivityQuery(
  req: FastifyRequest,
  code: string,
): Promise<Result<ConnectivityQuery, ApiError>> {
  const region = parseRegionCode(code);
  if (!region) return err(apiError('bad_code', `not a region code: ${quote(code, 40)}`));
  const ballot = ballotOf(req.query);
  if (!ballot.ok) return ballot;
  const exact = exactOf(req.query);
  if (!exact.ok) return exact;
  const large = tooLarge(region);
  if (large) return err(large);
  if (exact.value)
    try {
      await requireOperator(req, 'view_review', { region });
    } catch (e) {
      if (e instanceof ApiFailure) return err(e.apiError);
      throw e;
    }
  return ok({ region, ballot: ballot.value, exact: exact.value });
}

/** Cache-Control of a connectivity answer: public ones revalidated each time, exact ones never kept. */
export const connectivityCache = (exact: boolean): string =>
  exact ? 'private, no-store' : 'no-cache';

export function registerConnectivity(
  app: FastifyInstance,
  deps: { store: Store; clock?: () => Date },
): void {
  const { store } = deps;
  const clock = deps.clock ?? (() => new Date());
  app.get<{ Params: { code: string } }>(CONNECTIVITY_PATH, async (req, reply) => {
    const q = await connectivityQuery(req, req.params.code);
    if (!q.ok) return sendError(reply, q.error);
    const map = await connectivityOf(store, q.value.region, q.value.ballot, {
      now: clock(),
      exact: q.value.exact,
    });
    if (!map.ok) return sendError(reply, map.error);
    reply
      .header('cache-control', connectivityCache(q.value.exact))
      .header('vary', 'accept-encoding, cookie')
      .type(GEOJSON);
    return reply.compress(JSON.stringify(map.value));
  });
}
