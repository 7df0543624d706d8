// The KPPS bearer token of a request: its TPS and uploader, or the 401 it deserves. A token is
// refused once revoked (src/store/tokens.ts): by a newer token, by the operator, or with a device.
import type { FastifyRequest } from 'fastify';
import type { TpsCode } from '../core/codes.ts';
import { err, ok, type Result } from '../core/result.ts';
import type { Store } from '../store/store.ts';
import { apiError, type ApiError } from './errors.ts';

export type Kpps = { tps: TpsCode; uploader: string; tokenHash: string };

/** The token of an `Authorization: Bearer TOKEN` header, or undefined. */
export const bearerToken = (req: FastifyRequest): string | undefined =>
  /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];

export async function kppsOf(req: FastifyRequest, store: Store): Promise<Result<Kpps, ApiError>> {
  const token = bearerToken(req);
  if (!token) return err(apiError('no_token', 'a KPPS bearer token is required'));
  const who = await store.authenticate(token);
  return who
    ? ok(who)
    : err(
        apiError(
          'bad_token',
          'unknown or revoked token (a token stops working when a new one is issued for its TPS or a ' +
            'device it enrolled is revoked: ask the KPU operator for the current token)',
        ),
      );
}
