import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CHasil } from './chasil.ts';
import {
  RECEIPT_PREFIX,
  checkPublished,
  decodeReceipt,
  encodeReceipt,
  generateDeviceKey,
  isPublicKey,
  signSummary,
  summaryBytes,
  verifySummary,
  type SignedSummary,
} from './receipt.ts';
import { EXAMPLE_PPWP } from './testing.ts';

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
      id: 'x',
      version: 2,
    });
    expect(checkPublished(r, [{ ...v, signature: null }])).toMatchObject({
      ok: false,
      reason: 'other-signature',
    });
    expect(
      checkPublished(r, [{ ...v, photos: [...s.photos].reverse(), signature: sig }]),
    ).toMatchObject({ ok: false, reason: 'not-published' });
  });
});
