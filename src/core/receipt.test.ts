import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CHasil } from './chasil.ts';
import {
  RECEIPT_PREFIX,
  ELECTION_YEAR,
  SIGNED_AT_MAX_AHEAD_MS,
  checkPublished,
  checkSignedAt,
  decodeReceipt,
  encodeReceipt,
  generateDeviceKey,
  isPublicKey,
  publicKeyProblem,
  signSummary,
  summaryBytes,
  verifySummary,
  type SignedSummary,
} from './receipt.ts';
import { EXAMPLE_PPWP } from '../synth/results.ts';

const summary = (over: Partial<SignedSummary> = {}): SignedSummary => ({
  v: 1,
  tps: '16.08.01.1007.001',
  ballot: 'ppwp',
  result: structuredClone(EXAMPLE_PPWP),
  photos: ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)],
  signedAt: '2024-02-14T13:05:00.123Z',
  deviceId: '0b7f4f0e-3f5a-4c1e-9d7a-2b1c3d4e5f60',
  ...over,
});

describe('signing', () => {
  it('signs the canonical JSON and verifies only the same summary', async () => {
    const key = await generateDeviceKey();
    expect(key.privateKey.extractable).toBe(false);
    expect(await isPublicKey(key.publicKey)).toBe(true);
    const s = summary();
    const sig = await signSummary(s, key.privateKey);
    expect(await verifySummary(s, sig, key.publicKey)).toBe(true);
    // Key order does not matter: the bytes are canonical.
    const reordered = JSON.parse(
      JSON.stringify({ ...s, result: { ...s.result } }),
    ) as SignedSummary;
    expect(summaryBytes(reordered)).toEqual(summaryBytes(s));
    const tampered = summary({ result: { ...s.result, votes: { ...s.result.votes, '2': 130 } } });
    expect(await verifySummary(tampered, sig, key.publicKey)).toBe(false);
    const other = await generateDeviceKey();
    expect(await verifySummary(s, sig, other.publicKey)).toBe(false);
  });

  it('answers false, never throws, on malformed input', async () => {
    const s = summary();
    expect(await verifySummary(s, 'not base64!', 'x')).toBe(false);
    expect(await verifySummary(s, 'AAAA', 'AAAA')).toBe(false);
    expect(await verifySummary(s, 'A'.repeat(86), 'A'.repeat(43))).toBe(false);
    expect(await isPublicKey('A'.repeat(42))).toBe(false);
  });
});

const count = fc.integer({ min: 0, max: 999 });
const gender = fc.record({ l: count, p: count, total: count });
const chasil: fc.Arbitrary<CHasil> = fc.record({
  dpt: gender,
  voters: fc.record({ dpt: gender, dptb: gender, dpk: gender, total: gender }),
  ballots: fc.record({ received: count, used: count, returned: count, unused: count }),
  disabled: gender,
  votes: fc.dictionary(fc.stringMatching(/^[1-9][0-9]?$/), count, { minKeys: 1, maxKeys: 6 }),
  valid: count,
  invalid: count,
  total: count,
});
const hex = (n: number) =>
  fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const summaries: fc.Arbitrary<SignedSummary> = fc.record({
  v: fc.constant(1 as const),
  tps: fc
    .tuple(
      fc.integer({ min: 11, max: 99 }),
      fc.integer({ min: 1, max: 99 }),
      fc.integer({ min: 1, max: 99 }),
      fc.integer({ min: 1001, max: 9999 }),
      fc.integer({ min: 1, max: 999 }),
    )
    .map(
      ([a, b, c, d, e]) =>
        `${a}.${String(b).padStart(2, '0')}.${String(c).padStart(2, '0')}.${d}.${String(e).padStart(3, '0')}`,
    ),
  ballot: fc.constant('ppwp' as const),
  result: chasil,
  photos: fc.array(hex(32), { minLength: 1, maxLength: 10 }),
  signedAt: fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2100, 0, 1) })
    .map((t) => new Date(t).toISOString()),
  deviceId: fc.uuid().map((u) => u.toLowerCase()),
});
const b64 = (n: number) =>
  fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64url'));

describe('witness receipt', () => {
  it('round-trips every summary, signature and key', () => {
    fc.assert(
      fc.property(summaries, b64(64), b64(32), (s, signature, publicKey) => {
        const text = encodeReceipt({ summary: s, signature, publicKey });
        expect(text.startsWith(RECEIPT_PREFIX)).toBe(true);
        expect(text).toMatch(/^RKP1\.[A-Za-z0-9_-]+$/);
        const back = decodeReceipt(`  ${text}\n`);
        expect(back).toEqual({ ok: true, value: { summary: s, signature, publicKey } });
      }),
      { numRuns: 300 },
    );
  });

  it('fits a QR code: about 400 characters for three photos', async () => {
    const key = await generateDeviceKey();
    const s = summary();
    const text = encodeReceipt({
      summary: s,
      signature: await signSummary(s, key.privateKey),
      publicKey: key.publicKey,
    });
    expect(text.length).toBe(401);
    const decoded = decodeReceipt(text);
    if (!decoded.ok) throw new Error(decoded.error);
    const r = decoded.value;
    expect(await verifySummary(r.summary, r.signature, r.publicKey)).toBe(true);
  });

  it('refuses damaged or foreign text with a clear error', () => {
    const text = encodeReceipt({
      summary: summary(),
      signature: 'A'.repeat(86),
      publicKey: 'B'.repeat(43),
    });
    expect(decodeReceipt('hello')).toMatchObject({ ok: false, error: /not a Rekap receipt/ });
    expect(decodeReceipt(text.replace('RKP1.', 'RKP9.'))).toMatchObject({
      ok: false,
      error: /unsupported receipt version RKP9\./,
    });
    expect(decodeReceipt(text.slice(0, -10))).toMatchObject({ ok: false, error: /cut short/ });
    expect(decodeReceipt(`${text}AAAA`)).toMatchObject({ ok: false, error: /past its end/ });
    expect(decodeReceipt(`${text.slice(0, 20)}*${text.slice(21)}`)).toMatchObject({
      ok: false,
      error: /not base64url/,
    });
  });

  it('compares with the published versions', () => {
    const s = summary();
    const sig = {
      deviceId: s.deviceId,
      publicKey: 'B'.repeat(43),
      signedAt: s.signedAt,
      signature: 'A'.repeat(86),
    };
    const r = { summary: s, signature: sig.signature, publicKey: sig.publicKey };
    const v = {
      id: 'x',
      version: 2,
      result: s.result,
      photos: s.photos.map((sha256) => ({ sha256 })),
    };
    expect(checkPublished(r, [{ ...v, signature: sig }])).toEqual({
      ok: true,
      value: { id: 'x', version: 2 },
    });
    expect(checkPublished(r, [{ ...v, signature: null }])).toMatchObject({
      ok: false,
      error: { reason: 'other_signature', id: 'x', version: 2 },
    });
    expect(
      checkPublished(r, [{ ...v, photos: [...s.photos].reverse(), signature: sig }]),
    ).toMatchObject({ ok: false, error: { reason: 'not_published' } });
  });
});

const bytesOf = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');

describe('device keys', () => {
  // The 8 points of small order, as they are encoded (y little-endian, the sign of x in bit 255).
  const SMALL_ORDER: [string, string][] = [
    ['identity (order 1)', `01${'00'.repeat(31)}`],
    ['order 2', `ec${'ff'.repeat(30)}7f`],
    ['all zero (order 4)', '00'.repeat(32)],
    ['order 4, x negative', `${'00'.repeat(31)}80`],
    ['order 8', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'],
    ['order 8, x negative', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85'],
    ['order 8 (the other y)', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'],
    [
      'order 8 (the other y), x negative',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    ],
  ];
  it.each(SMALL_ORDER)('refuses the small-order point %s', async (_name, hex) => {
    expect(publicKeyProblem(bytesOf(hex))).toBe('a point of small order');
    expect(await isPublicKey(b64url(hex))).toBe(false);
  });

  it('refuses encodings that do not decode (which WebCrypto imports all the same)', async () => {
    const cases: [string, string][] = [
      [`ed${'ff'.repeat(30)}7f`, 'not a canonical encoding (y is not below 2^255 - 19)'], // y = p
      [`ee${'ff'.repeat(30)}7f`, 'not a canonical encoding (y is not below 2^255 - 19)'], // y = p + 1
      ['ff'.repeat(32), 'not a canonical encoding (y is not below 2^255 - 19)'],
      [`01${'00'.repeat(30)}80`, 'not a canonical encoding (negative zero)'], // the identity, x = -0
      [`02${'00'.repeat(31)}`, 'not a point of the curve'], // y = 2 has no x
    ];
    for (const [hex, problem] of cases) {
      const raw = bytesOf(hex);
      // Node's WebCrypto takes these 32 bytes as a key: the check must be ours.
      await expect(
        globalThis.crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']),
      ).resolves.toBeDefined();
      expect(publicKeyProblem(raw)).toBe(problem);
      expect(await isPublicKey(b64url(hex))).toBe(false);
    }
  });

  it('a small-order key "verifies" a signature of any message: why it is refused', async () => {
    const identity = await globalThis.crypto.subtle.importKey(
      'raw',
      bytesOf(`01${'00'.repeat(31)}`),
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
    // R = the identity, S = 0 satisfies [S]B = R + [k]A for every message when A is the identity.
    const forged = bytesOf(`01${'00'.repeat(31)}${'00'.repeat(32)}`);
    for (const message of ['16.08.01.1007.001 votes 2: 999', 'anything'])
      expect(
        await globalThis.crypto.subtle.verify(
          { name: 'Ed25519' },
          identity,
          forged,
          new TextEncoder().encode(message),
        ),
      ).toBe(true);
  });

  it('accepts every generated key and the base point', async () => {
    for (let i = 0; i < 50; i++)
      expect(await isPublicKey((await generateDeviceKey()).publicKey)).toBe(true);
    expect(publicKeyProblem(bytesOf(`58${'66'.repeat(31)}`))).toBeUndefined();
  });
});

describe('the signing time, by the server clock', () => {
  const now = new Date('2024-02-14T12:00:00.000Z');
  it('accepts up to 10 minutes ahead and anything since the election year began', () => {
    expect(SIGNED_AT_MAX_AHEAD_MS).toBe(10 * 60 * 1000);
    expect(ELECTION_YEAR).toBe(2024);
    expect(checkSignedAt('2024-02-14T12:10:00.000Z', now)).toBeUndefined();
    expect(checkSignedAt('2024-02-14T11:00:00.000Z', now)).toBeUndefined();
    // Midnight of 1 January in WIT (UTC+9) is 15:00 UTC on 31 December.
    expect(checkSignedAt('2023-12-31T15:00:00.000Z', now)).toBeUndefined();
  });
  it('refuses a time too far ahead, or before the election year, saying what it expected', () => {
    expect(checkSignedAt('2024-02-14T12:10:00.001Z', now)).toBe(
      "expected a time at most 10 minutes after the server's clock (2024-02-14T12:10:00.000Z), got 2024-02-14T12:10:00.001Z",
    );
    expect(checkSignedAt('2099-02-14T12:00:00.000Z', now)).toMatch(/^expected a time at most/);
    expect(checkSignedAt('2023-12-31T14:59:59.999Z', now)).toBe(
      'expected a time in the election year 2024 (from 2023-12-31T15:00:00.000Z), got 2023-12-31T14:59:59.999Z',
    );
    // Another election year, when the caller says so.
    const later = new Date('2029-02-14T00:00:00.000Z');
    expect(checkSignedAt('2028-12-01T01:00:00.000Z', later, 2029)).toMatch(/election year 2029/);
    expect(checkSignedAt('2028-12-01T01:00:00.000Z', later)).toBeUndefined();
  });
});
