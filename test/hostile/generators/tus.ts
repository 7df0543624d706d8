// Resumable uploads (tus): creation headers, PATCHes of whole or broken photos, HEAD/DELETE of any id.
import fc from 'fast-check';
import { authArb, type AuthSpec } from './credentials.ts';
import { combine, type Expect } from './expect.ts';
import { brokenPhotoArb, photoExpect, type PhotoSpec, validPhotoArb } from './photos.ts';

export type TusMeta = {
  tps: 'own' | 'ownPacked' | 'other' | 'garbage' | 'absent';
  sha256: 'right' | 'wrong' | 'upper' | 'short' | 'absent' | 'garbage';
  /** Other keys, as they go in the header (value base64 of the text). */
  extra: [string, string][];
  /** Replaces the whole header: malformed metadata. */
  raw: string | null;
};

export type TusSpec =
  | {
      type: 'tus';
      op: 'create';
      auth: AuthSpec;
      /** The Upload-Length header (null: absent). */
      length: string | null;
      defer: boolean;
      meta: TusMeta;
      resumable: string | null;
    }
  | {
      type: 'tus';
      op: 'patch';
      auth: AuthSpec;
      photo: PhotoSpec;
      /** Whether the upload was created with the photo's own sha256. */
      declared: 'right' | 'wrong';
      /** Upload-Offset: `right` for the right one, or this text. */
      offset: string;
      contentType: string | null;
      /** The whole photo, its first half (the upload goes on later), or more than declared. */
      send: 'whole' | 'half' | 'more';
    }
  | {
      type: 'tus';
      op: 'head' | 'delete' | 'patchOther';
      auth: AuthSpec;
      id:
        | { kind: 'own' }
        | { kind: 'finished' }
        | { kind: 'otherTps' }
        | { kind: 'random' }
        | { kind: 'raw'; text: string };
    };

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const validTusMeta: fc.Arbitrary<TusMeta> = fc.record({
  tps: fc.constantFrom('own' as const, 'ownPacked' as const),
  sha256: fc.constant('right' as const),
  // tus metadata keys are unique: the same key twice is malformed.
  extra: fc.uniqueArray(
    fc.tuple(fc.constantFrom('filename', 'filetype'), fc.string({ maxLength: 20 })),
    { maxLength: 2, selector: ([k]) => k },
  ),
  raw: fc.constant(null),
});

const tusMetaMutation: fc.Arbitrary<Partial<TusMeta>> = fc.oneof(
  fc.constantFrom('other' as const, 'garbage' as const, 'absent' as const).map((tps) => ({ tps })),
  fc
    .constantFrom('upper' as const, 'short' as const, 'absent' as const, 'garbage' as const)
    .map((sha256) => ({ sha256 })),
  fc
    .array(
      fc.tuple(
        fc.constantFrom('filename', 'x', '__proto__', 'tps', 'constructor', 'sha256'),
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.constantFrom('\u0000', 'x'.repeat(2000), '../../etc/passwd'),
        ),
      ),
      { minLength: 1, maxLength: 2 },
    )
    .map((extra) => ({ extra })),
  fc
    .oneof(
      fc.constantFrom(
        'tps',
        'tps ',
        'tps !!!notbase64',
        `tps ${b64('16.08.01.1001.001')},tps ${b64('16.08.01.1001.002')}`,
        ',,,',
        ' ',
        'sha256 ' + b64('a'.repeat(64)) + ' extra',
        `k ${'A'.repeat(12_000)}`,
        `k ${'A'.repeat(40_000)}`,
        '\u00ff\u00fe',
      ),
      fc.string({ unit: 'binary-ascii', maxLength: 60 }),
    )
    .map((raw) => ({ raw })),
);

/** A valid value, or the same with one of its fields wrong. */
const oneWrong = <T extends object>(
  valid: fc.Arbitrary<T>,
  wrong: fc.Arbitrary<Partial<T>>,
  weights: [number, number] = [2, 3],
): fc.Arbitrary<T> =>
  fc.oneof(
    { weight: weights[0], arbitrary: valid },
    { weight: weights[1], arbitrary: fc.tuple(valid, wrong).map(([v, w]) => ({ ...v, ...w })) },
  );

const tusIdArb = fc.oneof(
  fc.constantFrom(
    { kind: 'own' as const },
    { kind: 'finished' as const },
    { kind: 'otherTps' as const },
    { kind: 'random' as const },
  ),
  fc
    .constantFrom(
      '..%2F..%2Frekap.sqlite',
      '../../rekap.sqlite',
      '%2e%2e%2f%2e%2e%2frekap.sqlite',
      '.',
      'x'.repeat(300),
      'a%00b',
      '%E2%80%AE',
      'abc.json',
      'con',
      '',
    )
    .map((text) => ({ kind: 'raw' as const, text })),
);

type TusCreate = Extract<TusSpec, { op: 'create' }>;
type TusPatch = Extract<TusSpec, { op: 'patch' }>;

const validTusCreate: fc.Arbitrary<TusCreate> = fc.record({
  type: fc.constant('tus' as const),
  op: fc.constant('create' as const),
  auth: fc.constant({ kind: 'own' as const }),
  length: fc.integer({ min: 1, max: 15 * 1024 * 1024 }).map(String),
  defer: fc.constant(false),
  meta: validTusMeta,
  resumable: fc.constant('1.0.0'),
});

const tusCreateMutation: fc.Arbitrary<Partial<TusCreate>> = fc.oneof(
  authArb.filter((a) => a.kind !== 'own').map((auth) => ({ auth })),
  fc
    .constantFrom(
      null,
      '0',
      '15728641',
      '999999999999',
      '99999999999999999999',
      '-1',
      'abc',
      '1e3',
      '1.5',
      '0x10',
      ' 10',
      '',
      '10, 10',
      '007',
    )
    .map((length) => ({ length })),
  fc.constant({ defer: true }),
  fc.tuple(validTusMeta, tusMetaMutation).map(([meta, m]) => ({ meta: { ...meta, ...m } })),
  fc.constantFrom(null, '0.2.2', '1.0', 'x').map((resumable) => ({ resumable })),
);

const validTusPatch: fc.Arbitrary<TusPatch> = fc.record({
  type: fc.constant('tus' as const),
  op: fc.constant('patch' as const),
  auth: fc.constant({ kind: 'own' as const }),
  photo: validPhotoArb,
  declared: fc.constant('right' as const),
  offset: fc.constant('right'),
  contentType: fc.constant('application/offset+octet-stream'),
  send: fc.constantFrom('whole' as const, 'half' as const),
});

const tusPatchMutation: fc.Arbitrary<Partial<TusPatch>> = fc.oneof(
  { weight: 2, arbitrary: authArb.filter((a) => a.kind !== 'own').map((auth) => ({ auth })) },
  {
    weight: 4,
    arbitrary: brokenPhotoArb
      .filter((p) => p.kind !== 'zero')
      .map((photo) => ({ photo, send: 'whole' as const })),
  },
  fc.constant({ declared: 'wrong' as const, send: 'whole' as const }),
  fc
    .constantFrom('1', '-1', 'abc', '', '1e3', '99999999999999999999', ' 0')
    .map((offset) => ({ offset })),
  fc
    .constantFrom(
      null,
      'application/octet-stream',
      'image/jpeg',
      'application/json',
      'application/offset+octet-stream; x=1',
    )
    .map((contentType) => ({ contentType })),
  fc.constant({ send: 'more' as const }),
);

/** tus requests: creation headers, PATCHes of whole or broken photos, HEAD/DELETE of any id. */
export const tusArb: fc.Arbitrary<TusSpec> = fc.oneof(
  { weight: 3, arbitrary: oneWrong(validTusCreate, tusCreateMutation) },
  { weight: 3, arbitrary: oneWrong(validTusPatch, tusPatchMutation) },
  fc.record({
    type: fc.constant('tus' as const),
    op: fc.constantFrom('head' as const, 'delete' as const, 'patchOther' as const),
    auth: fc.oneof({ weight: 2, arbitrary: fc.constant({ kind: 'own' as const }) }, authArb),
    id: tusIdArb,
  }),
);

export function tusExpect(t: TusSpec): Expect {
  const auth: Expect = t.auth.kind === 'own' ? 'accept' : 'refuse';
  switch (t.op) {
    case 'create': {
      const n = t.length === null ? NaN : /^[0-9]+$/.test(t.length) ? Number(t.length) : NaN;
      // Leading zeros, and the white space HTTP strips around a value, may be read as the number.
      const length: Expect = t.defer
        ? 'refuse'
        : t.length === '007' || t.length === ' 10'
          ? 'either'
          : n >= 1 && n <= 15 * 1024 * 1024
            ? 'accept'
            : 'refuse';
      const m = t.meta;
      const meta: Expect =
        // Malformed metadata never holds both a TPS and a sha256 in the right form.
        m.raw !== null
          ? 'refuse'
          : m.tps !== 'own' && m.tps !== 'ownPacked'
            ? 'refuse'
            : m.sha256 !== 'right' && m.sha256 !== 'wrong'
              ? 'refuse'
              : // A key twice is malformed (tus keys are unique).
                new Set(m.extra.map(([k]) => k)).size < m.extra.length
                ? 'refuse'
                : // A second tps or sha256 replaces the first; an object's own names may be refused.
                  m.extra.some(([k]) => ['tps', 'sha256', '__proto__', 'constructor'].includes(k))
                  ? 'either'
                  : 'accept';
      const resumable: Expect = t.resumable === '1.0.0' ? 'accept' : 'refuse';
      return combine([auth, length, meta, resumable]);
    }
    case 'patch':
      return combine([
        auth,
        // HTTP strips the white space around a header value.
        t.offset === 'right' ? 'accept' : t.offset === ' 0' ? 'either' : 'refuse',
        t.contentType === 'application/offset+octet-stream'
          ? 'accept'
          : t.contentType?.startsWith('application/offset+octet-stream')
            ? 'either'
            : 'refuse',
        t.send === 'more' ? 'refuse' : 'accept',
        // Half a photo is a good PATCH: the rest comes later and is checked then.
        t.send === 'half' ? 'accept' : photoExpect(t.photo),
        t.send === 'half' || t.declared === 'right' ? 'accept' : 'refuse',
      ]);
    default: {
      const id = t.id.kind;
      // The other TPS's token on the other TPS's upload is that upload's owner asking: allowed.
      if (t.auth.kind === 'otherTps' && id === 'otherTps') return 'accept';
      // A finished upload is removed once its photo is kept: HEAD may find it or not.
      const target: Expect =
        id === 'own' ? 'accept' : id === 'finished' && t.op === 'head' ? 'either' : 'refuse';
      return combine([auth, target]);
    }
  }
}
