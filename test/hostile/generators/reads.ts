// Public reads by code.
import fc from 'fast-check';
import { garbageCode } from './credentials.ts';
import type { Expect } from './expect.ts';

export type ReadSpec = {
  type: 'read';
  route: 'tps' | 'results' | 'observations' | 'photo';
  code:
    | { kind: 'knownTps'; packed: boolean }
    | { kind: 'knownRegion'; level: 0 | 1 | 2 | 3 | 4 }
    | { kind: 'knownPhoto' }
    | { kind: 'unknown' }
    | { kind: 'raw'; text: string; encode: boolean };
  query: string | null;
};

export const readArb: fc.Arbitrary<ReadSpec> = fc.record({
  type: fc.constant('read' as const),
  route: fc.constantFrom(
    'tps' as const,
    'results' as const,
    'observations' as const,
    'photo' as const,
  ),
  code: fc.oneof(
    fc.record({ kind: fc.constant('knownTps' as const), packed: fc.boolean() }),
    fc.record({
      kind: fc.constant('knownRegion' as const),
      level: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const),
    }),
    fc.constantFrom<ReadSpec['code']>({ kind: 'knownPhoto' }, { kind: 'unknown' }),
    fc.record({ kind: fc.constant('raw' as const), text: garbageCode, encode: fc.boolean() }),
  ),
  query: fc.option(
    fc.constantFrom(
      'ballot=ppwp',
      'ballot=dpr',
      'ballot=',
      'ballot=ppwp&ballot=ppwp',
      'region=id&region=16',
      'ballot=%ff',
    ),
    { freq: 3 },
  ),
});

export function readExpect(r: ReadSpec): Expect {
  const q = r.query;
  // Parameters a route does not know are ignored.
  const ballotOk =
    q === null ||
    q === 'ballot=ppwp' ||
    q === 'region=id&region=16' ||
    r.route === 'photo' ||
    r.route === 'observations';
  const c = r.code;
  if (r.route === 'photo') return c.kind === 'knownPhoto' ? 'accept' : 'refuse';
  if (r.route === 'observations')
    return c.kind === 'knownRegion' || c.kind === 'knownTps'
      ? // A TPS code is not a region (region=...), but its desa is.
        c.kind === 'knownRegion' && (q === null || !q.includes('region='))
        ? 'accept'
        : 'either'
      : c.kind === 'raw'
        ? 'either' // garbage that happens to be a region code is a region
        : 'either';
  const known = r.route === 'tps' ? c.kind === 'knownTps' : c.kind === 'knownRegion';
  if (!known) return c.kind === 'raw' ? 'either' : 'refuse';
  // A ballot this election does not hold may be answered empty or refused.
  return ballotOk
    ? 'accept'
    : q === 'ballot=ppwp&ballot=ppwp' || q === 'ballot=dpr'
      ? 'either'
      : 'refuse';
}
