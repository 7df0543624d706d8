// The signed summary of a TPS result and the witness receipt (the QR code text) that carries it.
// Pure: runs in the browser (the field app, the verify page) and in Node (the server, the CLI).
// Signatures are Ed25519 through WebCrypto, which Node 20 and Chromium both provide.
import * as z from 'zod';
import { canonicalJson } from './canonical.ts';
import { CHasilSchema, type CHasil } from './chasil.ts';
import { err, ok, type Result } from './result.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TPS_DOTTED = /^\d{2}\.\d{2}\.\d{2}\.\d{4}\.\d{3}$/;
/** `Date.prototype.toISOString()`'s form: UTC, milliseconds. The receipt stores it as a number. */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** The most photos a receipt carries (the submission API takes at most 10). */
const MAX_RECEIPT_PHOTOS = 16;

export const SignedAtSchema = z
  .string()
  .regex(ISO_MS, 'must be an ISO time in UTC with milliseconds (Date.toISOString())')
  .refine((s) => {
    const t = Date.parse(s);
    return Number.isFinite(t) && new Date(t).toISOString() === s;
  }, 'not a real time');

/** How far ahead of the server's clock a device's signing time may be (its clock runs fast). */
export const SIGNED_AT_MAX_AHEAD_MS = 10 * 60 * 1000;

/** The year of the election this server counts (the 2024 general election and Pilkada). */
export const ELECTION_YEAR = 2024;

/**
 * Midnight of 1 January of `year` in WIT (UTC+9), the earliest of Indonesia's three time zones:
 * no result of that year's election is signed before it.
 */
const electionYearStart = (year: number): Date => new Date(Date.UTC(year, 0, 1) - 9 * 3600 * 1000);

/**
 * Why a signing time (already of SignedAtSchema's form) cannot be a device's, judged by the
 * server's clock `now`: more than SIGNED_AT_MAX_AHEAD_MS ahead of it, or before the election
 * year (ELECTION_YEAR unless told). Undefined when it is plausible.
 */
export function checkSignedAt(
  signedAt: string,
  now: Date,
  electionYear = ELECTION_YEAR,
): string | undefined {
  const t = Date.parse(signedAt);
  const latest = now.getTime() + SIGNED_AT_MAX_AHEAD_MS;
  if (!Number.isFinite(t))
    return `expected an ISO time, got ${JSON.stringify(signedAt.slice(0, 40))}`;
  if (t > latest)
    return `expected a time at most ${SIGNED_AT_MAX_AHEAD_MS / 60_000} minutes after the server's clock (${new Date(latest).toISOString()}), got ${signedAt}`;
  const earliest = electionYearStart(electionYear);
  if (t < earliest.getTime())
    return `expected a time in the election year ${electionYear} (from ${earliest.toISOString()}), got ${signedAt}`;
  return undefined;
}

export const DeviceIdSchema = z.string().regex(UUID, 'must be a lowercase UUID');
export const Sha256HexSchema = z.string().regex(SHA256_HEX, 'must be 64 lowercase hex digits');

/** What a KPPS device signs: the TPS, the ballot, the numbers and the photos of the form's pages. */
export const SignedSummarySchema = z.strictObject({
  v: z.literal(1),
  /** Dotted TPS code, `16.08.01.1007.001`. */
  tps: z.string().regex(TPS_DOTTED, 'must be a dotted TPS code'),
  ballot: z.literal('ppwp'),
  result: CHasilSchema,
  /** sha256 (hex) of each page's photo, in page order. */
  photos: z.array(Sha256HexSchema).min(1).max(MAX_RECEIPT_PHOTOS),
  signedAt: SignedAtSchema,
  deviceId: DeviceIdSchema,
});
export type SignedSummary = z.infer<typeof SignedSummarySchema>;

/** The signature of one submission as the API carries it (and publishes it). */
export type SubmissionSignature = {
  deviceId: string;
  publicKey: string;
  signedAt: string;
  signature: string;
};

/** The bytes that are signed: UTF-8 of the summary's canonical JSON (sorted keys, no spaces). */
export function summaryBytes(s: SignedSummary): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(canonicalJson(s));
}

// base64url without padding, in pure JavaScript (atob/btoa exist in browsers and in Node).
export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** undefined when the text is not base64url. */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const bin = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const ED25519 = { name: 'Ed25519' } as const;

/** A new device key. The private key cannot be exported, so it can only sign on this device. */
export async function generateDeviceKey(): Promise<{ privateKey: CryptoKey; publicKey: string }> {
  const pair = await globalThis.crypto.subtle.generateKey(ED25519, false, ['sign', 'verify']);
  const raw = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: toBase64Url(raw) };
}

/** The raw 32 bytes of an Ed25519 public key written in base64url, or undefined. */
export function publicKeyBytes(publicKey: string): Uint8Array<ArrayBuffer> | undefined {
  const bytes = fromBase64Url(publicKey);
  return bytes?.length === 32 ? bytes : undefined;
}

// ---------------------------------------------------------------------------------------------
// Which 32 bytes are an Ed25519 public key a device may enrol. WebCrypto's importKey (Node's and
// Chromium's) takes any 32 bytes: it neither decodes the point nor looks at its order. A key must
// (RFC 8032, section 5.1.3) decode to a point of the curve -x^2 + y^2 = 1 + d x^2 y^2 over
// GF(2^255 - 19), with y below p and no "negative zero" x; and it must not be one of the 8 points of
// small order (the identity 01 00..00, the all-zero 00..00, and the points of order 2, 4 and 8),
// against which a signature can verify for more than one message. A point of large order with a
// small-order component (mixed order) is not refused: it can only be made by its owner, who gains
// nothing by it.
// ---------------------------------------------------------------------------------------------

const P = 2n ** 255n - 19n;
const mod = (a: bigint) => ((a % P) + P) % P;
function powMod(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}
const D = mod(-121665n * powMod(121666n, P - 2n));
const SQRT_M1 = powMod(2n, (P - 1n) / 4n);
/** The y of the order-8 points (the others are p - Y8); order 1, 2 and 4 have y = 1, p - 1 and 0. */
const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n;
const SMALL_ORDER_Y = new Set([0n, 1n, P - 1n, Y8, P - Y8]);

/** Why 32 bytes are not an acceptable Ed25519 public key, or undefined when they are. */
export function publicKeyProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 32) return 'not 32 bytes';
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? bytes[i]! & 0x7f : bytes[i]!);
  const xNegative = (bytes[31]! & 0x80) !== 0;
  if (y >= P) return 'not a canonical encoding (y is not below 2^255 - 19)';
  // x^2 = (y^2 - 1) / (d y^2 + 1); x = u v^3 (u v^7)^((p - 5) / 8), then checked.
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  const v3 = (v * v * v) % P;
  let x = (((u * v3) % P) * powMod((u * ((v3 * v3 * v) % P)) % P, (P - 5n) / 8n)) % P;
  const vx2 = (v * ((x * x) % P)) % P;
  if (vx2 === mod(-u)) x = (x * SQRT_M1) % P;
  else if (vx2 !== u) return 'not a point of the curve';
  if (x === 0n && xNegative) return 'not a canonical encoding (negative zero)';
  if (SMALL_ORDER_Y.has(y)) return 'a point of small order';
  return undefined;
}

/**
 * Whether `publicKey` is base64url of 32 bytes that decode to an Ed25519 point of large order and
 * that WebCrypto accepts as a key.
 */
export async function isPublicKey(publicKey: string): Promise<boolean> {
  const bytes = publicKeyBytes(publicKey);
  if (!bytes || publicKeyProblem(bytes)) return false;
  try {
    await globalThis.crypto.subtle.importKey('raw', bytes, ED25519, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}

export async function signSummary(s: SignedSummary, privateKey: CryptoKey): Promise<string> {
  const sig = await globalThis.crypto.subtle.sign(ED25519, privateKey, summaryBytes(s));
  return toBase64Url(new Uint8Array(sig));
}

/**
 * True only for a valid Ed25519 signature (base64url) of exactly these bytes by this public key
 * (base64url of its raw 32 bytes); false (never a throw) otherwise. The one check behind a
 * device's signed summary and the server's signed D.Hasil.
 */
export async function verifyEd25519(
  bytes: Uint8Array<ArrayBuffer>,
  signature: string,
  publicKey: string,
): Promise<boolean> {
  try {
    const key = publicKeyBytes(publicKey);
    const sig = fromBase64Url(signature);
    if (!key || sig?.length !== 64) return false;
    const k = await globalThis.crypto.subtle.importKey('raw', key, ED25519, false, ['verify']);
    return await globalThis.crypto.subtle.verify(ED25519, k, sig, bytes);
  } catch {
    return false;
  }
}

/** True only for a valid signature of exactly this summary; false (never a throw) otherwise. */
export const verifySummary = (
  s: SignedSummary,
  signature: string,
  publicKey: string,
): Promise<boolean> => verifyEd25519(summaryBytes(s), signature, publicKey);

// ---------------------------------------------------------------------------------------------
// The witness receipt: `RKP1.` + base64url of a positional binary encoding (big-endian):
//   u8 length, TPS code (ASCII, dotted)
//   u8 ballot (0 = ppwp)
//   u16 x 25: dpt l/p/total, voters dpt/dptb/dpk/total (l/p/total each), ballots received/used/
//             returned/unused, disabled l/p/total, valid, invalid, total
//   u8 number of vote keys, then per key (sorted): u8 length, key (ASCII), u16 votes
//   u8 number of photos, then 32 raw bytes of each sha256, in page order
//   u48 signedAt (milliseconds since 1970, UTC)
//   16 bytes deviceId (the UUID's bytes), 32 bytes public key, 64 bytes signature
// Three photos and three pairs make 297 bytes, 401 characters: a QR code of version 13 or so.
// ---------------------------------------------------------------------------------------------

export const RECEIPT_PREFIX = 'RKP1.';
const BALLOTS = ['ppwp'] as const;

export type Receipt = { summary: SignedSummary; signature: string; publicKey: string };

const gendered = (g: { l: number; p: number; total: number }) => [g.l, g.p, g.total];

function fixedFields(r: CHasil): number[] {
  return [
    ...gendered(r.dpt),
    ...gendered(r.voters.dpt),
    ...gendered(r.voters.dptb),
    ...gendered(r.voters.dpk),
    ...gendered(r.voters.total),
    r.ballots.received,
    r.ballots.used,
    r.ballots.returned,
    r.ballots.unused,
    ...gendered(r.disabled),
    r.valid,
    r.invalid,
    r.total,
  ];
}
const FIXED_FIELDS = 25;

class Writer {
  private bytes: number[] = [];
  u8(n: number) {
    if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError(`not a byte: ${n}`);
    this.bytes.push(n);
  }
  u16(n: number) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`not a u16: ${n}`);
    this.bytes.push(n >> 8, n & 0xff);
  }
  u48(n: number) {
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** 48) throw new RangeError(`not a u48: ${n}`);
    this.u16(Math.floor(n / 2 ** 32));
    this.u16(Math.floor(n / 2 ** 16) % 2 ** 16);
    this.u16(n % 2 ** 16);
  }
  ascii(s: string) {
    this.u8(s.length);
    for (let i = 0; i < s.length; i++) this.u8(s.charCodeAt(i) & 0x7f);
  }
  raw(b: Uint8Array, length: number) {
    if (b.length !== length) throw new RangeError(`expected ${length} bytes, got ${b.length}`);
    for (const x of b) this.bytes.push(x);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly b: Uint8Array) {}
  private need(n: number) {
    if (this.at + n > this.b.length) throw new RangeError('the receipt is cut short');
  }
  u8(): number {
    this.need(1);
    return this.b[this.at++]!;
  }
  u16(): number {
    return this.u8() * 256 + this.u8();
  }
  u48(): number {
    return this.u16() * 2 ** 32 + this.u16() * 2 ** 16 + this.u16();
  }
  ascii(): string {
    const n = this.u8();
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.u8());
    return s;
  }
  raw(n: number): Uint8Array<ArrayBuffer> {
    this.need(n);
    const out = this.b.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  get rest(): number {
    return this.b.length - this.at;
  }
}

const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const bytesOfHex = (h: string) =>
  Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16));

/** The QR text of a signed summary. Throws on a summary that does not satisfy its schema (a bug). */
export function encodeReceipt(r: Receipt): string {
  const s = SignedSummarySchema.parse(r.summary);
  const key = publicKeyBytes(r.publicKey);
  const sig = fromBase64Url(r.signature);
  if (!key) throw new Error('the public key is not base64url of 32 bytes');
  if (sig?.length !== 64) throw new Error('the signature is not base64url of 64 bytes');
  const w = new Writer();
  w.ascii(s.tps);
  w.u8(BALLOTS.indexOf(s.ballot));
  for (const n of fixedFields(s.result)) w.u16(n);
  const keys = Object.keys(s.result.votes).sort();
  w.u8(keys.length);
  for (const k of keys) {
    if (!/^[\x20-\x7e]{1,32}$/.test(k)) throw new Error(`vote key not printable ASCII: ${k}`);
    w.ascii(k);
    w.u16(s.result.votes[k]!);
  }
  w.u8(s.photos.length);
  for (const h of s.photos) w.raw(bytesOfHex(h), 32);
  w.u48(Date.parse(s.signedAt));
  w.raw(bytesOfHex(s.deviceId.replaceAll('-', '')), 16);
  w.raw(key, 32);
  w.raw(sig, 64);
  return RECEIPT_PREFIX + toBase64Url(w.done());
}

/** Reads a receipt's text (surrounding white space allowed). Checks its shape, not its signature. */
export function decodeReceipt(text: string): Result<Receipt, string> {
  const t = text.trim();
  if (!t.startsWith('RKP')) return err('not a Rekap receipt (it should start with RKP1.)');
  if (!t.startsWith(RECEIPT_PREFIX))
    return err(
      `unsupported receipt version ${t.slice(0, t.indexOf('.') + 1) || t.slice(0, 4)} (this program reads ${RECEIPT_PREFIX})`,
    );
  const bytes = fromBase64Url(t.slice(RECEIPT_PREFIX.length));
  if (!bytes) return err('the receipt is damaged (not base64url)');
  try {
    const r = new Reader(bytes);
    const tps = r.ascii();
    const ballot = BALLOTS[r.u8()];
    if (!ballot) return err('the receipt names an unknown ballot');
    const f = Array.from({ length: FIXED_FIELDS }, () => r.u16());
    const g = (i: number) => ({ l: f[i]!, p: f[i + 1]!, total: f[i + 2]! });
    const votes: Record<string, number> = {};
    const nKeys = r.u8();
    for (let i = 0; i < nKeys; i++) {
      const k = r.ascii();
      votes[k] = r.u16();
    }
    const photos = Array.from({ length: r.u8() }, () => hexOf(r.raw(32)));
    const signedAtMs = r.u48();
    const id = hexOf(r.raw(16));
    const deviceId = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
    const publicKey = toBase64Url(r.raw(32));
    const signature = toBase64Url(r.raw(64));
    if (r.rest !== 0) return err('the receipt has bytes past its end');
    const summary = {
      v: 1,
      tps,
      ballot,
      result: {
        dpt: g(0),
        voters: { dpt: g(3), dptb: g(6), dpk: g(9), total: g(12) },
        ballots: { received: f[15]!, used: f[16]!, returned: f[17]!, unused: f[18]! },
        disabled: g(19),
        votes,
        valid: f[22]!,
        invalid: f[23]!,
        total: f[24]!,
      },
      photos,
      signedAt: new Date(signedAtMs).toISOString(),
      deviceId,
    };
    const parsed = SignedSummarySchema.safeParse(summary);
    if (!parsed.success)
      return err(
        `the receipt's summary is invalid: ${parsed.error.issues
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      );
    return ok({ summary: parsed.data, signature, publicKey });
  } catch (e) {
    return err(`the receipt is damaged (${(e as Error).message})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Comparing a receipt with what was published (GET /api/v1/tps/{code}: its `versions`).
// ---------------------------------------------------------------------------------------------

export type PublishedVersion = {
  id: string;
  version: number;
  result: unknown;
  photos: (string | { sha256: string })[];
  signature?: SubmissionSignature | null;
};

/** Why a receipt does not match what was published, in words for people (`message`). */
export type PublishedMismatch = {
  /** `not_published`: no version has these numbers and photos; `other_signature`: one has, signed otherwise. */
  reason: 'not_published' | 'other_signature';
  message: string;
  id?: string;
  version?: number;
};

/** The published version that holds the receipt's numbers, photos and signature, or why none. */
export type PublishedCheck = Result<{ id: string; version: number }, PublishedMismatch>;

/**
 * Whether a published version holds exactly the signed result and photo hashes (in page order)
 * and carries this same signature.
 */
export function checkPublished(r: Receipt, versions: PublishedVersion[]): PublishedCheck {
  const want = canonicalJson(r.summary.result);
  const wantPhotos = r.summary.photos.join(',');
  const same = versions.filter(
    (v) =>
      canonicalJson(v.result) === want &&
      v.photos.map((p) => (typeof p === 'string' ? p : p.sha256)).join(',') === wantPhotos,
  );
  const signed = same.find(
    (v) =>
      v.signature?.signature === r.signature &&
      v.signature.publicKey === r.publicKey &&
      v.signature.deviceId === r.summary.deviceId &&
      v.signature.signedAt === r.summary.signedAt,
  );
  if (signed) return ok({ id: signed.id, version: signed.version });
  const first = same[0];
  if (first)
    return err({
      reason: 'other_signature',
      message: `version ${first.version} has the signed numbers and photos but not this signature`,
      id: first.id,
      version: first.version,
    });
  return err({
    reason: 'not_published',
    message: 'no published version has exactly the signed numbers and photos',
  });
}
