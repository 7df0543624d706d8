// Generators of hostile requests for the HTTP API, shared by the property suite (test/hostile/)
// and the benchmark that counts outcomes at scale (bench/hostile.ts).
//
// A generated case is plain data: what to send, described symbolically ("the token of another
// TPS", "a JPEG cut in half with an end marker appended", "the result with votes.__proto__
// added"), and what the server must do with it: accept, refuse, or either (the issue leaves the
// choice to the server). The target (target.ts) turns a case into bytes on a real connection
// against a real server; the descriptions stay small, so a shrunk counterexample reads well.
import fc from 'fast-check';
import { mulberry32 } from '../../src/core/random.ts';

export type Expect = 'accept' | 'refuse' | 'either';

// ---------------------------------------------------------------------------------------------
// Credentials and codes
// ---------------------------------------------------------------------------------------------

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

const garbageCode = fc.oneof(
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

const tpsRefExpect = (t: TpsRef): Expect =>
  t.kind === 'own' || t.kind === 'ownPacked' ? 'accept' : 'refuse';

// ---------------------------------------------------------------------------------------------
// C.Hasil results: valid, near-valid (one field wrong), deep, huge, __proto__, unicode
// ---------------------------------------------------------------------------------------------

const GENDERED = ['l', 'p', 'total'] as const;
/** The numeric fields of a PPWP C.Hasil, by dotted path. */
export const RESULT_LEAVES: readonly string[] = [
  ...GENDERED.map((g) => `dpt.${g}`),
  ...['dpt', 'dptb', 'dpk', 'total'].flatMap((k) => GENDERED.map((g) => `voters.${k}.${g}`)),
  ...['received', 'used', 'returned', 'unused'].map((k) => `ballots.${k}`),
  ...GENDERED.map((g) => `disabled.${g}`),
  'votes.1',
  'votes.2',
  'votes.3',
  'valid',
  'invalid',
  'total',
];
/** The objects of a C.Hasil ('' is the result itself). */
export const RESULT_OBJECTS: readonly string[] = [
  '',
  'dpt',
  'voters',
  'voters.dpt',
  'voters.dptb',
  'voters.dpk',
  'voters.total',
  'ballots',
  'disabled',
  'votes',
];

/** The numbers of a valid result: consistent (every rule holds) or any numbers 0..999. */
export type ResultBase =
  | {
      kind: 'consistent';
      dptL: number;
      dptP: number;
      /** Turnout in percent, for men and women. */
      turnL: number;
      turnP: number;
      invalid: number;
      /** How the valid votes split between the pairs, in percent. */
      split: [number, number];
    }
  | { kind: 'any'; seed: number };

export type ResultMutation =
  | { kind: 'none' }
  /** A field holds another JSON type (the raw JSON text of the value). */
  | { kind: 'wrongType'; path: string; json: string }
  /** A field holds a number outside 0..999 or not an integer (raw JSON number). */
  | { kind: 'range'; path: string; json: string }
  | { kind: 'missing'; path: string }
  /** A key added to an object ('' the result itself). */
  | { kind: 'extraKey'; at: string; key: string }
  /** The same key twice; the second holds the valid value. */
  | { kind: 'dupKey'; path: string; firstJson: string }
  /** A field holds a string of `size` copies of `ch`. */
  | { kind: 'hugeString'; path: string; size: number; ch: string }
  /** A key of `size` characters added to the result. */
  | { kind: 'hugeKey'; size: number }
  /** A field holds `depth` nested arrays or objects. */
  | { kind: 'deep'; path: string; depth: number; open: 'array' | 'object' }
  /** The part is this text instead of the result. */
  | { kind: 'text'; text: string }
  /** The result is another JSON value altogether. */
  | { kind: 'root'; json: string };

export type ResultSpec = { base: ResultBase; mutation: ResultMutation };

const baseArb: fc.Arbitrary<ResultBase> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('consistent' as const),
      dptL: fc.integer({ min: 1, max: 450 }),
      dptP: fc.integer({ min: 1, max: 450 }),
      turnL: fc.integer({ min: 0, max: 100 }),
      turnP: fc.integer({ min: 0, max: 100 }),
      invalid: fc.integer({ min: 0, max: 30 }),
      split: fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })),
    }),
  },
  fc.record({ kind: fc.constant('any' as const), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }),
);

const wrongTypeJson = fc.oneof(
  fc.constantFrom(
    '"214"',
    '"0"',
    '""',
    'null',
    'true',
    'false',
    '1.5',
    '0.1',
    '[]',
    '[1]',
    '{}',
    '"\\u0000"',
    '"٢١٤"',
    '" 12"',
    '"12abc"',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => JSON.stringify(s)),
);
const rangeJson = fc.oneof(
  fc.constantFrom(
    '-1',
    '1000',
    '99999',
    '-999999',
    '1e21',
    '1e400',
    '-1e400',
    '9007199254740993',
    '999.5',
    '1E3',
  ),
  fc.integer({ min: 1000, max: 2 ** 31 }).map(String),
  fc.integer({ min: -(2 ** 31), max: -1 }).map(String),
);
const oddKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '4',
    '0',
    '',
    ' ',
    '\u0000',
    'valid\u0000',
    '\ud800',
    'x'.repeat(300),
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
);
const notJsonText = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '}',
    '[',
    '{"dpt":}',
    'NaN',
    'undefined',
    '\u0000',
    '{\u0000}',
    "{'dpt': 1}",
    '{"valid": 214,}',
    '\ufeff{}',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

export const resultMutationArb: fc.Arbitrary<ResultMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('wrongType' as const),
    path: fc.constantFrom(...RESULT_LEAVES, ...RESULT_OBJECTS.filter((p) => p !== '')),
    json: wrongTypeJson,
  }),
  fc.record({
    kind: fc.constant('range' as const),
    path: fc.constantFrom(...RESULT_LEAVES),
    json: rangeJson,
  }),
  fc.record({
    kind: fc.constant('missing' as const),
    path: fc.constantFrom(...RESULT_LEAVES, ...RESULT_OBJECTS.filter((p) => p !== '')),
  }),
  fc.record({
    kind: fc.constant('extraKey' as const),
    at: fc.constantFrom(...RESULT_OBJECTS),
    key: oddKey,
  }),
  fc.record({
    kind: fc.constant('dupKey' as const),
    path: fc.constantFrom(...RESULT_LEAVES),
    firstJson: fc.oneof(rangeJson, wrongTypeJson),
  }),
  fc.record({
    kind: fc.constant('hugeString' as const),
    path: fc.constantFrom(...RESULT_LEAVES),
    size: fc.integer({ min: 64 * 1024, max: 1024 * 1024 }),
    ch: fc.constantFrom('a', '9', '\u0000', 'é', '漢', '\u{1F600}'),
  }),
  fc.record({
    kind: fc.constant('hugeKey' as const),
    size: fc.integer({ min: 64 * 1024, max: 1024 * 1024 }),
  }),
  fc.record({
    kind: fc.constant('deep' as const),
    path: fc.constantFrom(...RESULT_LEAVES),
    depth: fc.oneof(fc.integer({ min: 50, max: 2000 }), fc.integer({ min: 2000, max: 50_000 })),
    open: fc.constantFrom('array' as const, 'object' as const),
  }),
  fc.record({ kind: fc.constant('text' as const), text: notJsonText }),
  fc.record({
    kind: fc.constant('root' as const),
    json: fc.constantFrom('null', '0', '[]', '"result"', 'true', '[{}]', '{}'),
  }),
);

export const resultArb = (valid = 0.5): fc.Arbitrary<ResultSpec> =>
  fc.record({
    base: baseArb,
    mutation: fc.oneof(
      {
        weight: Math.round(valid * 100),
        arbitrary: fc.constant<ResultMutation>({ kind: 'none' }),
      },
      { weight: Math.round((1 - valid) * 100), arbitrary: resultMutationArb },
    ),
  });

/** The project's one seeded PRNG (mulberry32), for numbers derived from a seed. */
export const prng = mulberry32;

/** The valid result object of a base, keys in form order. */
export function baseResult(b: ResultBase): Record<string, unknown> {
  if (b.kind === 'any') {
    const next = prng(b.seed);
    const n = () => Math.floor(next() * 1000);
    const g = () => ({ l: n(), p: n(), total: n() });
    return {
      dpt: g(),
      voters: { dpt: g(), dptb: g(), dpk: g(), total: g() },
      ballots: { received: n(), used: n(), returned: n(), unused: n() },
      disabled: g(),
      votes: { '1': n(), '2': n(), '3': n() },
      valid: n(),
      invalid: n(),
      total: n(),
    };
  }
  const votesL = Math.floor((b.dptL * b.turnL) / 100);
  const votesP = Math.floor((b.dptP * b.turnP) / 100);
  const used = votesL + votesP;
  const invalid = Math.min(b.invalid, used);
  const valid = used - invalid;
  const v1 = Math.floor((valid * b.split[0]) / 100);
  const v2 = Math.floor(((valid - v1) * b.split[1]) / 100);
  const received = Math.ceil((b.dptL + b.dptP) * 1.02);
  const g = (l: number, p: number) => ({ l, p, total: l + p });
  return {
    dpt: g(b.dptL, b.dptP),
    voters: { dpt: g(votesL, votesP), dptb: g(0, 0), dpk: g(0, 0), total: g(votesL, votesP) },
    ballots: { received, used, returned: 0, unused: received - used },
    disabled: g(0, 0),
    votes: { '1': v1, '2': v2, '3': valid - v1 - v2 },
    valid,
    invalid,
    total: used,
  };
}

/**
 * JSON as an ordered list of entries, so that a result can hold what a JavaScript object cannot
 * write back out: `__proto__` as a key, the same key twice, raw number literals.
 */
type Tree = { raw: string } | { entries: [string, Tree][] };

const toTree = (v: unknown): Tree =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? { entries: Object.entries(v).map(([k, x]) => [k, toTree(x)]) }
    : { raw: JSON.stringify(v) };

const writeTree = (t: Tree): string =>
  'raw' in t
    ? t.raw
    : `{${t.entries.map(([k, v]) => `${JSON.stringify(k)}:${writeTree(v)}`).join(',')}}`;

function objectAt(root: Tree, path: string): { entries: [string, Tree][] } | undefined {
  let t: Tree | undefined = root;
  for (const k of path === '' ? [] : path.split('.')) {
    if (!t || 'raw' in t) return undefined;
    t = t.entries.find(([key]) => key === k)?.[1];
  }
  return t && 'entries' in t ? t : undefined;
}

function splitPath(path: string): [string, string] {
  const i = path.lastIndexOf('.');
  return i < 0 ? ['', path] : [path.slice(0, i), path.slice(i + 1)];
}

const deepJson = (depth: number, open: 'array' | 'object') =>
  open === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** The text of the `result` part. */
export function resultText(spec: ResultSpec): string {
  const m = spec.mutation;
  if (m.kind === 'text') return m.text;
  if (m.kind === 'root') return m.json;
  const tree = toTree(baseResult(spec.base)) as { entries: [string, Tree][] };
  const replace = (path: string, value: Tree | undefined, dup = false) => {
    const [parent, key] = splitPath(path);
    const obj = objectAt(tree, parent);
    if (!obj) return;
    const i = obj.entries.findIndex(([k]) => k === key);
    if (i < 0) return;
    if (value === undefined) obj.entries.splice(i, 1);
    else if (dup) obj.entries.splice(i, 0, [key, value]);
    else obj.entries[i] = [key, value];
  };
  switch (m.kind) {
    case 'none':
      break;
    case 'wrongType':
    case 'range':
      replace(m.path, { raw: m.json });
      break;
    case 'missing':
      replace(m.path, undefined);
      break;
    case 'extraKey':
      objectAt(tree, m.at)?.entries.push([m.key, { raw: '1' }]);
      break;
    case 'dupKey':
      replace(m.path, { raw: m.firstJson }, true);
      break;
    case 'hugeString':
      replace(m.path, { raw: JSON.stringify(m.ch.repeat(Math.ceil(m.size / m.ch.length))) });
      break;
    case 'hugeKey':
      tree.entries.push(['k'.repeat(m.size), { raw: '1' }]);
      break;
    case 'deep':
      replace(m.path, { raw: deepJson(m.depth, m.open) });
      break;
  }
  return writeTree(tree);
}

const topKeys = (path: string): string[] => {
  const o = objectAt(toTree(baseResult({ kind: 'any', seed: 1 })), path);
  return o ? o.entries.map(([k]) => k) : [];
};

export function resultExpect(spec: ResultSpec): Expect {
  const m = spec.mutation;
  switch (m.kind) {
    case 'none':
      return 'accept';
    case 'dupKey':
      // JSON.parse keeps the last value, which is valid: accepting it is not wrong.
      return 'either';
    case 'extraKey':
      return topKeys(m.at).includes(m.key) ? 'either' : 'refuse';
    default:
      return 'refuse';
  }
}

// ---------------------------------------------------------------------------------------------
// Photos: valid JPEG/PNG/WebP made with sharp, and photos that are not whole
// ---------------------------------------------------------------------------------------------

export type ValidPhoto = {
  kind: 'valid';
  format: 'jpeg' | 'png' | 'webp';
  width: number;
  height: number;
  seed: number;
};
export type PhotoSpec =
  | ValidPhoto
  /** The first `keep` per mille of a valid photo. */
  | { kind: 'truncated'; of: ValidPhoto; keep: number }
  /** The first half of a JPEG with an end-of-image marker appended. */
  | { kind: 'jpegHalfEoi'; of: ValidPhoto }
  /** A JPEG's headers up to its start of scan, then the end marker: no image data. */
  | { kind: 'jpegHeaderOnly'; of: ValidPhoto }
  /** A JPEG whose scan data are all zero bytes. */
  | { kind: 'jpegZeroScan'; of: ValidPhoto }
  /** A JPEG whose frame header claims 7000x7000 over the data of a small image. */
  | { kind: 'jpegLiarHeader'; of: ValidPhoto }
  /** A PNG whose image data are not zlib. */
  | { kind: 'pngBadZlib'; of: ValidPhoto }
  /** The first half of a PNG with an IEND chunk appended. */
  | { kind: 'pngCutIend'; of: ValidPhoto }
  /** A valid photo with its first bytes replaced. */
  | { kind: 'wrongMagic'; of: ValidPhoto; magic: number[] }
  | { kind: 'zero' }
  /** A valid JPEG below the smallest size a form can be read at. */
  | { kind: 'tooSmall'; seed: number }
  | { kind: 'gif' }
  | { kind: 'random'; size: number; seed: number }
  /** A valid JPEG padded past the photo size limit. */
  | { kind: 'oversize' };

const validPhotoOf = (formats: ValidPhoto['format'][]): fc.Arbitrary<ValidPhoto> =>
  fc.record({
    kind: fc.constant('valid' as const),
    format: fc.constantFrom(...formats),
    width: fc.integer({ min: 200, max: 360 }),
    height: fc.integer({ min: 200, max: 360 }),
    seed: fc.integer({ min: 0, max: 1_000_000 }),
  });
export const validPhotoArb = validPhotoOf(['jpeg', 'png', 'webp']);
const validJpeg = validPhotoOf(['jpeg']);
const validPng = validPhotoOf(['png']);

export const brokenPhotoArb: fc.Arbitrary<PhotoSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('truncated' as const),
    of: validPhotoOf(['jpeg', 'png']),
    keep: fc.integer({ min: 1, max: 950 }),
  }),
  fc.record({ kind: fc.constant('jpegHalfEoi' as const), of: validJpeg }),
  fc.record({ kind: fc.constant('jpegHeaderOnly' as const), of: validJpeg }),
  fc.record({ kind: fc.constant('jpegZeroScan' as const), of: validJpeg }),
  fc.record({ kind: fc.constant('jpegLiarHeader' as const), of: validJpeg }),
  fc.record({ kind: fc.constant('pngBadZlib' as const), of: validPng }),
  fc.record({ kind: fc.constant('pngCutIend' as const), of: validPng }),
  fc.record({
    kind: fc.constant('wrongMagic' as const),
    of: validPhotoArb,
    magic: fc.constantFrom<number[]>(
      [0, 0, 0, 0],
      [0x47, 0x49, 0x46, 0x38],
      [0x25, 0x50, 0x44, 0x46],
      [0xff, 0xd8, 0x00, 0x00],
    ),
  }),
  fc.constantFrom<PhotoSpec>({ kind: 'zero' }, { kind: 'gif' }),
  fc.record({ kind: fc.constant('tooSmall' as const), seed: fc.nat(1000) }),
  fc.record({
    kind: fc.constant('random' as const),
    size: fc.integer({ min: 1, max: 40_000 }),
    seed: fc.nat(1_000_000),
  }),
);

/** Mostly broken photos, some whole ones, rarely one past the size limit. */
export const photoArb: fc.Arbitrary<PhotoSpec> = fc.oneof(
  { weight: 3, arbitrary: validPhotoArb },
  { weight: 6, arbitrary: brokenPhotoArb },
  { weight: 1, arbitrary: fc.constant<PhotoSpec>({ kind: 'oversize' }) },
);

export const photoExpect = (p: PhotoSpec): Expect => (p.kind === 'valid' ? 'accept' : 'refuse');

// ---------------------------------------------------------------------------------------------
// Submissions: multipart bodies (parts, content types, framing) and signatures
// ---------------------------------------------------------------------------------------------

/** The `photos` part: hashes of photos uploaded before through tus. */
export type RefsSpec =
  /** `count` whole photos this TPS uploaded before (the target uploads them first). */
  | { kind: 'uploaded'; count: number }
  /** A hash nobody uploaded. */
  | { kind: 'unknown' }
  /** A photo another TPS uploaded. */
  | { kind: 'otherTps' }
  | { kind: 'raw'; text: string };

export type SignatureSpec = {
  /** Which device signs: the one enrolled for this TPS, a made-up id, a revoked one, another TPS's. */
  device: 'enrolled' | 'unknown' | 'revoked' | 'otherTps';
  signedAt: 'now' | 'future1y' | '2099' | '1970' | 'notIso' | 'noMillis';
  /** What is changed after signing (or what is signed instead). */
  tamper: 'none' | 'numbers' | 'photoOrder' | 'otherPhoto' | 'randomBytes' | 'short';
  extraKey: boolean;
};

export type Content =
  | { kind: 'result'; result: ResultSpec }
  | { kind: 'photo'; photo: PhotoSpec }
  | { kind: 'refs'; refs: RefsSpec }
  | { kind: 'signature'; sig: SignatureSpec }
  | { kind: 'text'; text: string };

export type PartSpec = {
  name: string;
  /** null: a field part; a string: a file part with this file name. */
  filename: string | null;
  contentType: string | null;
  /** No Content-Disposition header at all. */
  noDisposition?: boolean;
  content: Content;
};

export type BodyContentType =
  | 'form'
  | 'formQuoted'
  | 'formCharset'
  | 'noBoundary'
  | 'emptyBoundary'
  | 'otherBoundary'
  | 'mixed'
  | 'text'
  | 'json'
  | 'absent';
/** How the body ends: properly, without its closing boundary, cut inside the last part, ... */
export type Ending = 'closed' | 'noClosing' | 'cutInPart' | 'epilogue' | 'preamble' | 'noFinalCrlf';
/**
 * How the body is sent: Content-Length of the body, chunked, a Content-Length far over the limit on
 * a small body (the server should answer 413 without waiting), or a Content-Length larger than
 * the body with the connection half-closed after it.
 */
export type Framing = 'exact' | 'chunked' | 'declaredHuge' | 'shortThenFin';

export type SubmissionSpec = {
  type: 'submission';
  tps: TpsRef;
  auth: AuthSpec;
  /** The query string after `?` (null: none, so the default ballot). */
  query: string | null;
  /** Whether the TPS has an enrolled device (then its submissions must be signed). */
  enrolled: boolean;
  parts: PartSpec[];
  contentType: BodyContentType;
  ending: Ending;
  framing: Framing;
};

const resultPart = (
  result: ResultSpec,
  how: 'field' | 'file' | 'jsonField' = 'field',
): PartSpec => ({
  name: 'result',
  filename: how === 'file' ? 'c-hasil.json' : null,
  contentType: how === 'field' ? null : 'application/json',
  content: { kind: 'result', result },
});
const photoPart = (photo: PhotoSpec, contentType = 'image/jpeg'): PartSpec => ({
  name: 'photo',
  filename: 'c-hasil.jpg',
  contentType,
  content: { kind: 'photo', photo },
});

const resultPartArb = (result: fc.Arbitrary<ResultSpec>) =>
  fc
    .tuple(result, fc.constantFrom('field' as const, 'file' as const, 'jsonField' as const))
    .map(([r, how]) => resultPart(r, how));

const validSubmission = (parts: PartSpec[]): SubmissionSpec => ({
  type: 'submission',
  tps: { kind: 'own' },
  auth: { kind: 'own' },
  query: null,
  enrolled: false,
  parts,
  contentType: 'form',
  ending: 'closed',
  framing: 'exact',
});

const validResult = resultArb(1);
const basicParts = fc
  .tuple(resultPartArb(validResult), validPhotoArb)
  .map(([r, p]) => [r, photoPart(p)]);

/** Results: one part of C.Hasil numbers, valid or wrong in one way, with one whole photo. */
export const resultSubmissionArb = fc
  .tuple(resultPartArb(resultArb(0.25)), validPhotoArb)
  .map(([r, p]) => validSubmission([r, photoPart(p)]));

/** Photos: a valid result with one to three photos, mostly broken ones. */
export const photoSubmissionArb = fc
  .tuple(
    resultPartArb(validResult),
    fc.array(photoArb, { minLength: 1, maxLength: 3 }),
    fc.constantFrom('image/jpeg', 'image/png', 'application/octet-stream'),
  )
  .map(([r, photos, type]) => validSubmission([r, ...photos.map((p) => photoPart(p, type))]));

const unknownPartName = fc.oneof(
  fc.constantFrom(
    'x',
    'Result',
    'RESULT',
    'photo[]',
    'photos[]',
    'results',
    '',
    '"',
    'result\u0000',
    'ré',
    '__proto__',
  ),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 12 }),
);

type PartsShape = { what: string; parts: fc.Arbitrary<PartSpec[]>; expect: Expect };

/** The parts of a multipart body: the usual two, or one missing, doubled, unknown or odd. */
const partShapes: PartsShape[] = [
  { what: 'standard', parts: basicParts, expect: 'accept' },
  {
    what: 'photoFirst',
    parts: basicParts.map(([r, p]) => [p!, r!]),
    expect: 'accept',
  },
  { what: 'noResult', parts: validPhotoArb.map((p) => [photoPart(p)]), expect: 'refuse' },
  {
    what: 'noPhoto',
    parts: resultPartArb(validResult).map((r) => [r]),
    expect: 'refuse',
  },
  { what: 'noParts', parts: fc.constant([]), expect: 'refuse' },
  {
    what: 'duplicateResult',
    parts: fc
      .tuple(resultPartArb(validResult), resultPartArb(validResult), validPhotoArb)
      .map(([a, b, p]) => [a, b, photoPart(p)]),
    expect: 'refuse',
  },
  {
    what: 'samePhotoTwice',
    parts: basicParts.map(([r, p]) => [r!, p!, p!]),
    expect: 'either',
  },
  {
    what: 'elevenPhotos',
    parts: basicParts.map(([r, p]) => [
      r!,
      ...Array.from({ length: 11 }, (_, i) =>
        photoPart({ ...(p!.content as { photo: ValidPhoto }).photo, seed: i }),
      ),
    ]),
    expect: 'refuse',
  },
  {
    what: 'unknownField',
    parts: fc
      .tuple(basicParts, unknownPartName, fc.string({ maxLength: 30 }))
      .map(([ps, name, text]) => [
        ...ps,
        { name, filename: null, contentType: null, content: { kind: 'text' as const, text } },
      ]),
    expect: 'refuse',
  },
  {
    what: 'unknownFile',
    parts: fc
      .tuple(basicParts, unknownPartName)
      .map(([ps, name]) => [
        ...ps,
        { ...photoPart((ps[1]!.content as { photo: PhotoSpec }).photo), name },
      ]),
    expect: 'refuse',
  },
  {
    what: 'partWithoutDisposition',
    parts: basicParts.map(([r, p]) => [r!, p!, { ...p!, noDisposition: true }]),
    expect: 'refuse',
  },
  {
    what: 'photoAsField',
    parts: basicParts.map(([r, p]) => [r!, { ...p!, filename: null, contentType: null }]),
    expect: 'refuse',
  },
  {
    what: 'photoAsJsonField',
    parts: basicParts.map(([r, p]) => [
      r!,
      { ...p!, filename: null, contentType: 'application/json' },
    ]),
    expect: 'refuse',
  },
  {
    what: 'resultAsImage',
    parts: basicParts.map(([r, p]) => [
      { ...r!, filename: 'r.jpg', contentType: 'image/jpeg' },
      p!,
    ]),
    expect: 'either',
  },
  {
    what: 'photoWrongType',
    parts: fc
      .tuple(
        basicParts,
        fc.constantFrom('application/json', 'text/plain', 'image/gif', 'multipart/form-data', ''),
      )
      .map(([[r, p], type]) => [r!, { ...p!, contentType: type }]),
    expect: 'either',
  },
  {
    what: 'refs',
    parts: fc
      .tuple(
        resultPartArb(validResult),
        fc.oneof(
          {
            weight: 2,
            arbitrary: fc.record({
              kind: fc.constant('uploaded' as const),
              count: fc.integer({ min: 1, max: 3 }),
            }),
          },
          fc.constantFrom<RefsSpec>({ kind: 'unknown' }, { kind: 'otherTps' }),
          fc
            .constantFrom(
              '',
              '[]',
              '{}',
              'null',
              '"abc"',
              '[1]',
              `["${'A'.repeat(64)}"]`,
              `[${Array(11)
                .fill(`"${'a'.repeat(64)}"`)
                .join(',')}]`,
              '[',
              `["${'a'.repeat(63)}"]`,
            )
            .map((text): RefsSpec => ({ kind: 'raw', text })),
        ),
        fc.boolean(),
      )
      .map(([r, refs, asFile]) => [
        r,
        {
          name: 'photos',
          filename: asFile ? 'photos.json' : null,
          contentType: asFile ? 'application/json' : null,
          content: { kind: 'refs' as const, refs },
        },
      ]),
    expect: 'accept', // refined by refsExpect
  },
];

const refsExpect = (r: RefsSpec): Expect => (r.kind === 'uploaded' ? 'accept' : 'refuse');

const contentTypeExpect = (c: BodyContentType): Expect =>
  c === 'form' || c === 'formQuoted' || c === 'formCharset' ? 'accept' : 'refuse';
const endingExpect = (e: Ending): Expect =>
  e === 'closed' ? 'accept' : e === 'noClosing' || e === 'cutInPart' ? 'refuse' : 'either';
const framingExpect = (f: Framing): Expect =>
  f === 'exact' || f === 'chunked' ? 'accept' : 'refuse';

/** Multipart framing: parts missing, doubled or unknown; no boundary; cut before the end; a lying length. */
export const multipartSubmissionArb = fc
  .tuple(
    fc.integer({ min: 0, max: partShapes.length - 1 }),
    fc.nat(),
    fc.oneof(
      { weight: 4, arbitrary: fc.constant<BodyContentType>('form') },
      fc.constantFrom<BodyContentType>(
        'formQuoted',
        'formCharset',
        'noBoundary',
        'emptyBoundary',
        'otherBoundary',
        'mixed',
        'text',
        'json',
        'absent',
      ),
    ),
    fc.oneof(
      { weight: 4, arbitrary: fc.constant<Ending>('closed') },
      fc.constantFrom<Ending>('noClosing', 'cutInPart', 'epilogue', 'preamble', 'noFinalCrlf'),
    ),
    fc.oneof(
      { weight: 6, arbitrary: fc.constant<Framing>('exact') },
      fc.constantFrom<Framing>('chunked', 'declaredHuge', 'shortThenFin'),
    ),
  )
  .chain(([shape, , contentType, ending, framing]) =>
    partShapes[shape]!.parts.map((parts) => ({
      ...validSubmission(parts),
      contentType,
      ending,
      framing,
    })),
  );

/** Codes and tokens: a valid body sent to some TPS with some credential and ballot. */
export const addressedSubmissionArb = fc
  .tuple(
    basicParts,
    tpsRefArb,
    authArb,
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      fc.constantFrom(
        'ballot=ppwp',
        'ballot=dpr',
        'ballot=',
        'ballot=PPWP',
        'ballot=ppwp&ballot=ppwp',
        'ballot[]=ppwp',
        'ballot=%00',
        'ballot=ppwp%00',
        'x=1',
        'ballot=__proto__',
      ),
    ),
  )
  .map(([parts, tps, auth, query]) => ({ ...validSubmission(parts), tps, auth, query }));

export const signatureArb: fc.Arbitrary<SignatureSpec> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constant<SignatureSpec>({
      device: 'enrolled',
      signedAt: 'now',
      tamper: 'none',
      extraKey: false,
    }),
  },
  fc.record({
    device: fc.constantFrom(
      'enrolled' as const,
      'unknown' as const,
      'revoked' as const,
      'otherTps' as const,
    ),
    signedAt: fc.constantFrom(
      'now' as const,
      'future1y' as const,
      '2099' as const,
      '1970' as const,
      'notIso' as const,
      'noMillis' as const,
    ),
    tamper: fc.constantFrom(
      'none' as const,
      'numbers' as const,
      'photoOrder' as const,
      'otherPhoto' as const,
      'randomBytes' as const,
      'short' as const,
    ),
    extraKey: fc.boolean(),
  }),
);

export function signatureExpect(s: SignatureSpec): Expect {
  if (s.device !== 'enrolled' || s.tamper !== 'none' || s.extraKey) return 'refuse';
  if (s.signedAt === 'now') return 'accept';
  // A clock far in the past is odd but not forged; the future, or a time that is not one, is.
  return s.signedAt === '1970' ? 'either' : 'refuse';
}

/** Signed submissions of a TPS with an enrolled device: right, forged, late, or missing. */
export const signedSubmissionArb = fc
  .tuple(
    resultPartArb(validResult),
    fc.array(validPhotoArb, { minLength: 1, maxLength: 2 }),
    fc.option(signatureArb, { freq: 6 }),
  )
  .map(([r, photos, sig]) => ({
    ...validSubmission([
      r,
      ...photos.map((p) => photoPart(p)),
      ...(sig
        ? [
            {
              name: 'signature',
              filename: null,
              contentType: null,
              content: { kind: 'signature' as const, sig },
            },
          ]
        : []),
    ]),
    enrolled: true,
  }));

/** What the server must do with a submission, from what it holds. */
export function submissionExpect(s: SubmissionSpec): Expect {
  const all: Expect[] = [
    tpsRefExpect(s.tps),
    s.auth.kind === 'own' ? 'accept' : 'refuse',
    s.query === null || ['ballot=ppwp', 'x=1', 'ballot[]=ppwp'].includes(s.query)
      ? 'accept'
      : s.query === 'ballot=PPWP' || s.query === 'ballot=ppwp&ballot=ppwp'
        ? 'either'
        : 'refuse',
    contentTypeExpect(s.contentType),
    endingExpect(s.ending),
    framingExpect(s.framing),
    partsExpect(s),
  ];
  return combine(all);
}

function partsExpect(s: SubmissionSpec): Expect {
  const parts = s.parts;
  const named = (n: string) => parts.filter((p) => p.name === n && !p.noDisposition);
  if (parts.some((p) => p.noDisposition)) return 'refuse';
  const known = new Set(['result', 'photo', 'photos', 'signature']);
  if (parts.some((p) => !known.has(p.name))) return 'refuse';
  const results = named('result');
  if (results.length !== 1) return 'refuse';
  const photoParts = named('photo');
  const refs = named('photos');
  if (refs.length > 1 || named('signature').length > 1) return 'refuse';
  if (photoParts.length === 0 && refs.length === 0) return 'refuse';
  const out: Expect[] = [];
  const r = results[0]!;
  if (r.content.kind === 'result') out.push(resultExpect(r.content.result));
  if (r.filename !== null && r.contentType !== 'application/json') out.push('either');
  let photoCount = 0;
  for (const p of photoParts) {
    if (p.filename === null) return 'refuse';
    if (p.content.kind === 'photo') out.push(photoExpect(p.content.photo));
    if (p.contentType !== 'image/jpeg' && p.contentType !== 'image/png') out.push('either');
    photoCount++;
  }
  if (new Set(photoParts.map((p) => JSON.stringify(p.content))).size < photoParts.length)
    out.push('either');
  for (const p of refs) {
    if (p.content.kind !== 'refs') continue;
    out.push(refsExpect(p.content.refs));
    if (p.content.refs.kind === 'uploaded') photoCount += p.content.refs.count;
  }
  if (photoCount > 10) return 'refuse';
  const sig = named('signature')[0];
  if (s.enrolled) {
    if (!sig || sig.content.kind !== 'signature') return 'refuse';
    out.push(signatureExpect(sig.content.sig));
  } else if (sig?.content.kind === 'signature') out.push(signatureExpect(sig.content.sig));
  return combine(out);
}

/** Refuse if anything must be refused; either if anything may go both ways; else accept. */
export function combine(all: Expect[]): Expect {
  if (all.includes('refuse')) return 'refuse';
  if (all.includes('either')) return 'either';
  return 'accept';
}

/** A short label of what a submission tests, for the tallies. */
export function submissionLabel(s: SubmissionSpec): string {
  const bits: string[] = [];
  if (s.tps.kind !== 'own') bits.push(`tps:${s.tps.kind}`);
  if (s.auth.kind !== 'own') bits.push(`auth:${s.auth.kind}`);
  if (s.query !== null) bits.push('query');
  if (s.contentType !== 'form') bits.push(`type:${s.contentType}`);
  if (s.ending !== 'closed') bits.push(`ending:${s.ending}`);
  if (s.framing !== 'exact') bits.push(`framing:${s.framing}`);
  for (const p of s.parts) {
    if (p.content.kind === 'result' && p.content.result.mutation.kind !== 'none')
      bits.push(`result:${p.content.result.mutation.kind}`);
    if (p.content.kind === 'photo' && p.content.photo.kind !== 'valid')
      bits.push(`photo:${p.content.photo.kind}`);
    if (p.content.kind === 'refs') bits.push(`refs:${p.content.refs.kind}`);
    if (p.content.kind === 'signature') bits.push('signed');
    if (!['result', 'photo', 'photos', 'signature'].includes(p.name)) bits.push('unknownPart');
    if (p.noDisposition) bits.push('partWithoutDisposition');
    if (p.name === 'photo' && p.filename === null) bits.push('photoAsField');
  }
  if (s.enrolled) bits.push('enrolled');
  return bits.length ? [...new Set(bits)].join(' ') : 'valid';
}

// ---------------------------------------------------------------------------------------------
// Public reads by code
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Resumable uploads (tus)
// ---------------------------------------------------------------------------------------------

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
      // A finished upload is removed once its photo is kept: HEAD may find it or not.
      const target: Expect =
        id === 'own' ? 'accept' : id === 'finished' && t.op === 'head' ? 'either' : 'refuse';
      return combine([auth, target]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Signal observations
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Device enrolment
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// All families
// ---------------------------------------------------------------------------------------------

export type RequestSpec = SubmissionSpec | ReadSpec | TusSpec | ObservationsSpec | EnrolSpec;

export type HostileCase = {
  family: Family;
  /** What the case tries, in a few words (for tallies). */
  what: string;
  expect: Expect;
  spec: RequestSpec;
};

export const FAMILIES = [
  'results',
  'multipart',
  'photos',
  'codes',
  'tokens',
  'signed',
  'reads',
  'tus',
  'observations',
  'enrolment',
] as const;
export type Family = (typeof FAMILIES)[number];

export function expectOf(spec: RequestSpec): Expect {
  switch (spec.type) {
    case 'submission':
      return submissionExpect(spec);
    case 'read':
      return readExpect(spec);
    case 'tus':
      return tusExpect(spec);
    case 'observations':
      return observationsExpect(spec);
    case 'enrol':
      return enrolExpect(spec);
  }
}

export function labelOf(spec: RequestSpec): string {
  switch (spec.type) {
    case 'submission':
      return submissionLabel(spec);
    case 'read':
      return `${spec.route} ${spec.code.kind}`;
    case 'tus':
      return `${spec.op}${spec.auth.kind === 'own' ? '' : ` auth:${spec.auth.kind}`}`;
    case 'observations':
      return `${spec.body.kind}${spec.auth.kind === 'own' ? '' : ` auth:${spec.auth.kind}`}`;
    case 'enrol':
      return spec.body.kind === 'raw'
        ? 'raw'
        : `key:${spec.body.key?.kind ?? 'none'} label:${spec.body.label.kind}`;
  }
}

const caseOf =
  (family: Family) =>
  (spec: RequestSpec): HostileCase => ({
    family,
    what: labelOf(spec),
    expect: expectOf(spec),
    spec,
  });

/** Each family's generator of cases. */
export const familyArbs: Record<Family, fc.Arbitrary<HostileCase>> = {
  results: resultSubmissionArb.map(caseOf('results')),
  multipart: multipartSubmissionArb.map(caseOf('multipart')),
  photos: photoSubmissionArb.map(caseOf('photos')),
  codes: addressedSubmissionArb
    .map((s) => ({ ...s, auth: { kind: 'own' as const } }))
    .map(caseOf('codes')),
  tokens: addressedSubmissionArb
    .map((s) => ({ ...s, tps: { kind: 'own' as const }, query: null }))
    .map(caseOf('tokens')),
  signed: signedSubmissionArb.map(caseOf('signed')),
  reads: readArb.map(caseOf('reads')),
  tus: tusArb.map(caseOf('tus')),
  observations: observationsArb.map(caseOf('observations')),
  enrolment: enrolArb.map(caseOf('enrolment')),
};
