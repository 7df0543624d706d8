// Signal observations: batches, valid or with one field wrong.
import fc from 'fast-check';
import { authArb, type AuthSpec, garbageCode, type TpsRef, tpsRefExpect } from './credentials.ts';
import { combine, type Expect } from './expect.ts';
import { notJsonText, oddKey } from './results.ts';

export type ObservationSpec = {
  tps: TpsRef;
  at:
    | { kind: 'recent'; minutesAgo: number }
    | { kind: 'slightFuture'; seconds: number }
    | { kind: 'future'; minutes: number }
    | { kind: 'fixed'; iso: string }
    | { kind: 'garbage'; json: string };
  position:
    | { kind: 'none' }
    | { kind: 'inside'; lat: number; lng: number }
    /** In range, outside Indonesia. */
    | { kind: 'outside'; lat: number; lng: number }
    | { kind: 'raw'; lat: string; lng: string }
    | { kind: 'half'; lat: number };
  connection: string;
  rttMs: string;
  uploadKbps: string;
  bytes: string | null;
  ok: string;
  accuracyM: string | null;
  extra: [string, string] | null;
  drop: 'at' | 'connection' | 'ok' | 'tps' | 'rttMs' | null;
};

export type ObservationsSpec = {
  type: 'observations';
  auth: AuthSpec;
  contentType: string | null;
  body:
    | { kind: 'batch'; items: ObservationSpec[] }
    /** This many copies of one valid observation. */
    | { kind: 'many'; count: number }
    /** A body over the JSON body limit. */
    | { kind: 'big'; size: number }
    | { kind: 'raw'; text: string };
};

const CONNECTIONS = ['none', '2g', '3g', '4g', '5g', 'wifi', 'unknown'];

/** A valid observation, or one with exactly one field wrong (`bad`). */
const observationArb = (bad: boolean): fc.Arbitrary<ObservationSpec> => {
  const good = <T>(g: fc.Arbitrary<T>, wrong: fc.Arbitrary<T>) => ({ g, wrong });
  const F = {
    tps: good<ObservationSpec['tps']>(
      fc.constantFrom<TpsRef>({ kind: 'own' }, { kind: 'ownPacked' }),
      fc.oneof(
        fc.constantFrom<TpsRef>({ kind: 'other' }, { kind: 'unknown' }),
        garbageCode.map((text): TpsRef => ({ kind: 'raw', text })),
      ),
    ),
    at: good<ObservationSpec['at']>(
      fc.record({
        kind: fc.constant('recent' as const),
        minutesAgo: fc.integer({ min: 1, max: 180 }),
      }),
      fc.oneof(
        fc.record({
          kind: fc.constant('slightFuture' as const),
          seconds: fc.integer({ min: 1, max: 60 }),
        }),
        fc.record({
          kind: fc.constant('future' as const),
          minutes: fc.integer({ min: 30, max: 60 * 24 * 400 }),
        }),
        fc
          .constantFrom(
            '1970-01-01T00:00:00Z',
            '2099-01-01T00:00:00Z',
            '2000-02-30T00:00:00Z',
            '0000-01-01T00:00:00Z',
            '+275760-09-13T00:00:00Z',
            '2019-04-17T07:00:00+07:00',
          )
          .map((iso) => ({ kind: 'fixed' as const, iso })),
        fc
          .constantFrom(
            '"yesterday"',
            '0',
            'null',
            '"2024-02-14"',
            '"2024-02-14 09:30"',
            '1707900000000',
            '"\\u0000"',
            '[]',
          )
          .map((json) => ({ kind: 'garbage' as const, json })),
      ),
    ),
    position: good<ObservationSpec['position']>(
      fc.oneof(
        fc.constant({ kind: 'none' as const }),
        fc.record({
          kind: fc.constant('inside' as const),
          lat: fc.double({ min: -10.5, max: 5.5, noNaN: true }),
          lng: fc.double({ min: 95.5, max: 140.5, noNaN: true }),
        }),
      ),
      fc.oneof(
        fc
          .oneof(
            fc.constantFrom(
              [89.99, -179.99],
              [51.5, -0.12],
              [-33.87, 151.21],
              [0, 0],
              [40.7, -74.0],
              [-60, 100],
              [30, 120],
            ),
            fc.tuple(
              fc.double({ min: -90, max: 90, noNaN: true }),
              fc.double({ min: -180, max: 60, noNaN: true }),
            ),
            fc.tuple(
              fc.double({ min: 20, max: 90, noNaN: true }),
              fc.double({ min: -180, max: 180, noNaN: true }),
            ),
          )
          .map(([lat, lng]) => ({ kind: 'outside' as const, lat: lat, lng: lng })),
        fc
          .constantFrom(
            ['91', '0'],
            ['-91', '100'],
            ['0', '181'],
            ['"-4.3"', '"104.3"'],
            ['null', 'null'],
            ['1e400', '0'],
            ['true', '100'],
            ['[]', '{}'],
          )
          .map(([lat, lng]) => ({ kind: 'raw' as const, lat: lat, lng: lng })),
        fc.record({
          kind: fc.constant('half' as const),
          lat: fc.double({ min: -10, max: 5, noNaN: true }),
        }),
      ),
    ),
    connection: good<ObservationSpec['connection']>(
      fc.constantFrom(...CONNECTIONS),
      fc.constantFrom('6g', '', '4G', 'wifi\u0000', 'x'.repeat(500), '__proto__'),
    ),
    rttMs: good<ObservationSpec['rttMs']>(
      fc.oneof(fc.integer({ min: 0, max: 60_000 }).map(String), fc.constant('null')),
      fc.constantFrom('-1', '"100"', 'true', '1e400', '{}'),
    ),
    uploadKbps: good<ObservationSpec['uploadKbps']>(
      fc.oneof(fc.integer({ min: 0, max: 100_000 }).map(String), fc.constant('null')),
      fc.constantFrom('-5', '"fast"', '[]'),
    ),
    bytes: good<ObservationSpec['bytes']>(
      fc.option(fc.integer({ min: 0, max: 20_000_000 }).map(String)),
      fc.constantFrom('-1', '1.5', '"1"', '1e300'),
    ),
    ok: good<ObservationSpec['ok']>(
      fc.constantFrom('true', 'false'),
      fc.constantFrom('1', '"true"', 'null'),
    ),
    accuracyM: good<ObservationSpec['accuracyM']>(
      fc.option(fc.integer({ min: 0, max: 5000 }).map(String)),
      fc.constantFrom('-1', '"12"'),
    ),
    extra: good<ObservationSpec['extra']>(
      fc.constant(null),
      fc.tuple(oddKey, fc.constantFrom('1', '"x"', 'null', '{}')),
    ),
    drop: good<ObservationSpec['drop']>(
      fc.constant(null),
      fc.constantFrom(
        'at' as const,
        'connection' as const,
        'ok' as const,
        'tps' as const,
        'rttMs' as const,
      ),
    ),
  };
  type Fields = typeof F;
  const valid = fc.record(
    Object.fromEntries(Object.entries(F).map(([k, v]) => [k, v.g])) as {
      [K in keyof Fields]: Fields[K]['g'];
    },
  ) as fc.Arbitrary<ObservationSpec>;
  if (!bad) return valid;
  const wrongOne = fc.oneof(
    ...Object.entries(F).map(([k, v]) =>
      (v.wrong as fc.Arbitrary<unknown>).map((x) => ({ [k]: x })),
    ),
  );
  return fc.tuple(valid, wrongOne).map(([o, w]) => ({ ...o, ...w }));
};

const validBatch = fc
  .array(observationArb(false), { minLength: 1, maxLength: 12 })
  .map((items) => ({ kind: 'batch' as const, items }));
const wrongBatch = fc
  .tuple(fc.array(observationArb(false), { maxLength: 5 }), observationArb(true), fc.nat())
  .map(([items, wrong, at]) => {
    const all = [...items];
    all.splice(at % (items.length + 1), 0, wrong);
    return { kind: 'batch' as const, items: all };
  });
const observationsOf = (
  body: fc.Arbitrary<ObservationsSpec['body']>,
  auth: fc.Arbitrary<AuthSpec> = fc.constant({ kind: 'own' }),
  contentType: fc.Arbitrary<string | null> = fc.constant('application/json'),
): fc.Arbitrary<ObservationsSpec> =>
  fc.record({ type: fc.constant('observations' as const), auth, contentType, body });

/** Batches of observations: valid, one field wrong, a stranger's token, another body type, ... */
export const observationsArb: fc.Arbitrary<ObservationsSpec> = fc.oneof(
  { weight: 4, arbitrary: observationsOf(validBatch) },
  { weight: 5, arbitrary: observationsOf(wrongBatch) },
  { weight: 2, arbitrary: observationsOf(validBatch, authArb) },
  {
    weight: 1,
    arbitrary: observationsOf(
      validBatch,
      undefined,
      fc.constantFrom(
        null,
        'text/plain',
        'application/json; charset=utf-8',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ),
    ),
  },
  {
    weight: 2,
    arbitrary: observationsOf(
      fc.oneof(
        fc.record({
          kind: fc.constant('many' as const),
          count: fc.constantFrom(0, 1000, 1001, 5000),
        }),
        fc.record({
          kind: fc.constant('big' as const),
          size: fc.integer({ min: 1024 * 1024 + 1, max: 3 * 1024 * 1024 }),
        }),
        fc.record({
          kind: fc.constant('raw' as const),
          text: fc.oneof(
            notJsonText,
            fc.constantFrom('{}', '{"tps":"x"}', 'null', '[null]', '[[]]', '"[]"', '[1,2,3]'),
          ),
        }),
      ),
    ),
  },
);

export function observationExpect(o: ObservationSpec): Expect {
  const out: Expect[] = [tpsRefExpect(o.tps)];
  if (o.at.kind === 'recent') out.push('accept');
  else if (o.at.kind === 'slightFuture')
    out.push('either'); // within "a few minutes"
  else if (o.at.kind === 'fixed' && o.at.iso.startsWith('2019')) out.push('refuse');
  else out.push('refuse');
  const p = o.position;
  out.push(
    p.kind === 'none' || p.kind === 'inside' ? 'accept' : p.kind === 'half' ? 'either' : 'refuse',
  );
  out.push(CONNECTIONS.includes(o.connection) ? 'accept' : 'refuse');
  const num = (s: string | null, nullable: boolean) =>
    s === null || (nullable && s === 'null') || /^[0-9]+$/.test(s) ? 'accept' : 'refuse';
  out.push(
    num(o.rttMs, true),
    num(o.uploadKbps, true),
    num(o.bytes, false),
    num(o.accuracyM, false),
  );
  out.push(o.ok === 'true' || o.ok === 'false' ? 'accept' : 'refuse');
  if (o.extra) out.push('refuse');
  if (o.drop) out.push('refuse');
  return combine(out);
}

export function observationsExpect(s: ObservationsSpec): Expect {
  const auth: Expect = s.auth.kind === 'own' ? 'accept' : 'refuse';
  const type: Expect =
    s.contentType === 'application/json' || s.contentType === 'application/json; charset=utf-8'
      ? 'accept'
      : 'refuse';
  const b = s.body;
  const body: Expect =
    b.kind === 'batch'
      ? combine(b.items.map(observationExpect))
      : b.kind === 'many'
        ? b.count === 0
          ? 'either'
          : b.count <= 1000
            ? 'either' // a per-TPS hourly quota may refuse a full batch
            : 'refuse'
        : 'refuse';
  return combine([auth, type, body]);
}
