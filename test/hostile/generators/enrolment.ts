// Device enrolment: keys and labels, valid or with one thing wrong.
import fc from 'fast-check';
import { authArb, type AuthSpec, type TpsRef, tpsRefArb, tpsRefExpect } from './credentials.ts';
import { combine, type Expect } from './expect.ts';
import { notJsonText, oddKey } from './results.ts';

export type EnrolSpec = {
  type: 'enrol';
  auth: AuthSpec;
  contentType: string | null;
  body:
    | {
        kind: 'object';
        tps: TpsRef | null;
        key:
          | { kind: 'fresh' }
          /** The same key as a device this TPS enrolled before: the same device again. */
          | { kind: 'again' }
          /** A key another TPS enrolled. */
          | { kind: 'otherTps' }
          | { kind: 'allZero' }
          /** Low-order points of Ed25519 (the identity and others) and the key of all 0xff. */
          | { kind: 'weak'; hex: string }
          | { kind: 'length'; bytes: number }
          /** A fresh key written with `=` padding or as standard base64. */
          | { kind: 'padded' }
          | { kind: 'raw'; json: string }
          | null;
        label: { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'raw'; json: string };
        extra: [string, string] | null;
      }
    | { kind: 'raw'; text: string };
  /** This token already enrolled as many devices as a token may (2 by default). */
  quotaUsed: boolean;
};

const WEAK_KEYS = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
];

/** Whether a text holds a C0 control character or DEL. */
const hasControl = (s: string): boolean =>
  [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

const labelText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom('HP Ketua KPPS', 'Samsung A14 — TPS 001', '📱 ketua', 'Ünïcödé'),
);
const controlLabel = fc.oneof(
  fc.constantFrom(
    'a\u0000b',
    '\u0000',
    'HP\u0007',
    '\u001b[31mred',
    'x\u007fy',
    'line\nbreak',
    'tab\tbed',
    '\u2028',
    '\ud800',
    'x\u0000'.repeat(50),
  ),
  fc.string({ unit: 'binary', maxLength: 30 }).filter(hasControl),
);

type EnrolObject = Extract<EnrolSpec['body'], { kind: 'object' }>;

const validEnrolBody: fc.Arbitrary<EnrolObject> = fc.record({
  kind: fc.constant('object' as const),
  tps: fc.constantFrom<TpsRef | null>({ kind: 'own' }, { kind: 'ownPacked' }),
  key: fc.oneof(
    { weight: 6, arbitrary: fc.constant({ kind: 'fresh' as const }) },
    fc.constant({ kind: 'again' as const }),
  ),
  label: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    labelText.map((text) => ({ kind: 'text' as const, text })),
  ),
  extra: fc.constant(null),
});

/** One thing wrong in an enrolment body. */
const enrolBodyMutation: fc.Arbitrary<Partial<EnrolObject>> = fc.oneof(
  fc
    .oneof(
      tpsRefArb.filter((t) => t.kind !== 'own' && t.kind !== 'ownPacked'),
      fc.constant(null),
    )
    .map((tps) => ({ tps })),
  fc
    .oneof(
      fc.constantFrom(
        { kind: 'otherTps' as const },
        { kind: 'allZero' as const },
        { kind: 'padded' as const },
        null,
      ),
      fc.constantFrom(...WEAK_KEYS).map((hex) => ({ kind: 'weak' as const, hex })),
      fc
        .constantFrom(0, 1, 16, 31, 33, 64, 1000)
        .map((bytes) => ({ kind: 'length' as const, bytes })),
      fc
        .constantFrom(
          '""',
          '"not base64!"',
          '12',
          'null',
          '[]',
          '{"kty":"OKP"}',
          `"${'A'.repeat(100_000)}"`,
        )
        .map((json) => ({ kind: 'raw' as const, json })),
    )
    .map((key) => ({ key })),
  fc
    .oneof(
      controlLabel.map((text) => ({ kind: 'text' as const, text })),
      fc
        .constantFrom(
          '12',
          'null',
          '[]',
          '{}',
          JSON.stringify('x'.repeat(201)),
          JSON.stringify('x'.repeat(1_000_000)),
        )
        .map((json) => ({ kind: 'raw' as const, json })),
    )
    .map((label) => ({ label })),
  fc.tuple(oddKey, fc.constantFrom('1', '"x"', 'null')).map((extra) => ({ extra })),
);

const enrolOf = (
  body: fc.Arbitrary<EnrolSpec['body']>,
  more: {
    auth?: fc.Arbitrary<AuthSpec>;
    contentType?: fc.Arbitrary<string | null>;
    quotaUsed?: boolean;
  } = {},
): fc.Arbitrary<EnrolSpec> =>
  fc.record({
    type: fc.constant('enrol' as const),
    auth: more.auth ?? fc.constant({ kind: 'own' as const }),
    contentType: more.contentType ?? fc.constant('application/json'),
    body,
    quotaUsed: fc.constant(more.quotaUsed ?? false),
  });

/** Device enrolments: valid, one field wrong, a stranger's token, a token at its device quota. */
export const enrolArb: fc.Arbitrary<EnrolSpec> = fc.oneof(
  { weight: 4, arbitrary: enrolOf(validEnrolBody) },
  {
    weight: 6,
    arbitrary: enrolOf(
      fc.tuple(validEnrolBody, enrolBodyMutation).map(([b, m]) => ({ ...b, ...m })),
    ),
  },
  { weight: 2, arbitrary: enrolOf(validEnrolBody, { auth: authArb }) },
  {
    weight: 1,
    arbitrary: enrolOf(validEnrolBody, {
      contentType: fc.constantFrom(
        null,
        'text/plain',
        'application/json; charset=latin1',
        'multipart/form-data',
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: enrolOf(
      fc.record({
        kind: fc.constant('raw' as const),
        text: fc.oneof(notJsonText, fc.constantFrom('[]', 'null', '{}', '"x"', '[{"tps":"x"}]')),
      }),
    ),
  },
  { weight: 2, arbitrary: enrolOf(validEnrolBody, { quotaUsed: true }) },
);

export function enrolExpect(e: EnrolSpec): Expect {
  const out: Expect[] = [e.auth.kind === 'own' ? 'accept' : 'refuse'];
  out.push(
    e.contentType === 'application/json'
      ? 'accept'
      : e.contentType?.startsWith('application/json')
        ? 'either'
        : 'refuse',
  );
  const b = e.body;
  if (b.kind === 'raw') return 'refuse';
  out.push(b.tps === null ? 'refuse' : tpsRefExpect(b.tps));
  const k = b.key;
  out.push(k === null ? 'refuse' : k.kind === 'fresh' || k.kind === 'again' ? 'accept' : 'refuse');
  const l = b.label;
  if (l.kind === 'raw') out.push(l.json === 'null' ? 'either' : 'refuse');
  else if (l.kind === 'text') {
    if ([...l.text].length > 200) out.push('refuse');
    // Control characters may be refused or cleaned; they must not break anything.
    else if (hasControl(l.text) || /[\u2028\u2029]|[\ud800-\udfff]/.test(l.text))
      out.push('either');
  }
  if (b.extra) out.push('refuse');
  // The same key again is the same device, not a new one: the quota does not apply to it.
  if (e.quotaUsed && k?.kind !== 'again') out.push('refuse');
  return combine(out);
}
