// Submissions: multipart bodies (parts, content types, framing), signatures, and what the server
// must do with each.
import fc from 'fast-check';
import { authArb, type AuthSpec, type TpsRef, tpsRefArb, tpsRefExpect } from './credentials.ts';
import { combine, type Expect } from './expect.ts';
import { photoArb, photoExpect, type PhotoSpec, type ValidPhoto, validPhotoArb } from './photos.ts';
import { resultArb, resultExpect, type ResultSpec } from './results.ts';

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
