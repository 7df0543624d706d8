// Credentials and codes: the Authorization a request carries and the TPS code in its path or body.
import fc from 'fast-check';
import type { Expect } from './expect.ts';

export type AuthSpec =
  /** The KPPS token of the TPS the request is for. */
  | { kind: 'own' }
  | { kind: 'none' }
  /** Well formed, never issued. */
  | { kind: 'unknown' }
  /** A valid token of another TPS. */
  | { kind: 'otherTps' }
  /** A token of this TPS that a newer one replaced (`kpps-token` again). */
  | { kind: 'reissued' }
  /** The token that enrolled a device which was then revoked (`revoke-device`). */
  | { kind: 'deviceRevoked' }
  /** A malformed Authorization header, as latin1 bytes. */
  | { kind: 'header'; value: string };

const malformedAuthHeader = fc.oneof(
  fc.constantFrom(
    '',
    'Bearer',
    'Bearer ',
    'Bearer  ',
    'bearer',
    'Basic a3Bwczp4eHg=',
    'Token kpps_abc',
    'Bearer kpps_',
    'Bearer kpps_\u00ff\u00fe',
    'Bearer a b',
    'Bearer "kpps_x"',
    'Bearer\tkpps_x',
    `Bearer kpps_${'A'.repeat(7000)}`,
    'Bearer ../../etc/passwd',
    "Bearer ' OR '1'='1",
    'Bearer \u0001',
    'Bearer kpps_x\u0000',
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => `Bearer ${s}`),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
);

export const authArb: fc.Arbitrary<AuthSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'own' as const }) },
  fc.constantFrom<AuthSpec>(
    { kind: 'none' },
    { kind: 'unknown' },
    { kind: 'otherTps' },
    { kind: 'reissued' },
    { kind: 'deviceRevoked' },
  ),
  malformedAuthHeader.map((value): AuthSpec => ({ kind: 'header', value })),
);

/** A TPS in a request's path or body. */
export type TpsRef =
  | { kind: 'own' }
  | { kind: 'ownPacked' }
  /** Another TPS of this election. */
  | { kind: 'other' }
  /** A well-formed code that is not in the election. */
  | { kind: 'unknown' }
  /** Anything else, as it goes on the wire (percent-encoded where a path needs it). */
  | { kind: 'raw'; text: string };

export const garbageCode = fc.oneof(
  fc.constantFrom(
    '',
    '.',
    '..',
    '16.08.01',
    '16.08.01.1007',
    '16.08.01.1007.0001',
    '16.08.01.1007.01',
    '16.8.1.1007.1',
    '160801100700',
    '16080110070011',
    '1'.repeat(300),
    '-1',
    '1e3',
    'id',
    'ID',
    'null',
    '../../rekap.sqlite',
    '16.08.01.1007.001\u0000',
    '\u0000',
    '\u202e16.08.01.1007.001',
    '١٦.٠٨.٠١.١٠٠٧.٠٠١',
    '16.08.01.1007.001 OR 1=1',
    "16.08.01.1007.001'",
    '%',
    '%00',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.stringMatching(/^[0-9.]{1,20}$/),
);

export const tpsRefArb: fc.Arbitrary<TpsRef> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<TpsRef>({ kind: 'own' }, { kind: 'ownPacked' }) },
  fc.constantFrom<TpsRef>({ kind: 'other' }, { kind: 'unknown' }),
  garbageCode.map((text): TpsRef => ({ kind: 'raw', text })),
);

export const tpsRefExpect = (t: TpsRef): Expect =>
  t.kind === 'own' || t.kind === 'ownPacked' ? 'accept' : 'refuse';
