// The credential and TPS code of a generated request, as text: the Authorization header (own,
// another TPS's, reissued, a revoked device's token, ...) and the TPS in a path or body.
import { randomBytes } from 'node:crypto';
import { issueToken } from '../../support/server.ts';
import type { AuthSpec, TpsRef } from '../generators/credentials.ts';
import type { Kpps, Rig } from './rig.ts';
import { UNKNOWN_TPS } from './election.ts';

export const authHeader = async (
  rig: Rig,
  a: AuthSpec,
  own: Kpps,
  other: () => Promise<Kpps>,
): Promise<[string, string] | null> => {
  const { server, enrolKey } = rig;
  switch (a.kind) {
    case 'own':
      return ['authorization', `Bearer ${own.token}`];
    case 'none':
      return null;
    case 'unknown':
      return ['authorization', `Bearer kpps_${randomBytes(24).toString('base64url')}`];
    case 'otherTps':
      return ['authorization', `Bearer ${(await other()).token}`];
    case 'reissued': {
      // The old token of a TPS whose token was issued again: own gets the new one.
      const stale = own.token;
      own.token = await issueToken(server.store, own.code);
      return ['authorization', `Bearer ${stale}`];
    }
    case 'deviceRevoked': {
      // The newest device the token enrolled in the case's set-up, or one enrolled now.
      const id = own.devices.at(-1) ?? (await enrolKey(own)).deviceId;
      await server.store.revokeDevice(id);
      return ['authorization', `Bearer ${own.token}`];
    }
    case 'header':
      return ['authorization', a.value];
  }
};

export const tpsText = (t: TpsRef, own: Kpps, other: Kpps): string =>
  t.kind === 'own'
    ? own.code
    : t.kind === 'ownPacked'
      ? own.code.replaceAll('.', '')
      : t.kind === 'other'
        ? other.code
        : t.kind === 'unknown'
          ? UNKNOWN_TPS
          : t.text;

export const pathSegment = (t: TpsRef, own: Kpps, other: Kpps) =>
  encodeURIComponent(tpsText(t, own, other));
