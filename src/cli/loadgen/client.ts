// What loadgen says to a Rekap server, the way the KPPS field app says it: enrol a device per TPS
// (POST /api/v1/kpps/devices with the public half of a new Ed25519 key), and POST each C.Hasil as
// multipart with its photo and, when signed, the device's signature of the summary (TPS, ballot,
// numbers, photo hashes, time, device: src/core/receipt.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { Ballot } from '../../core/ballots.ts';
import type { CHasil } from '../../core/chasil.ts';
import type { TpsCode } from '../../core/codes.ts';
import { generateDeviceKey, signSummary, type SignedSummary } from '../../core/receipt.ts';
import { err, ok, type Result } from '../../core/result.ts';
import {
  DeviceSchema,
  SubmissionReceiptSchema,
  type SubmissionReceipt,
} from '../../contract/kpps.ts';
import { writeStamp, type StampablePhoto } from './photo.ts';

const BOUNDARY = '----rekap-loadgen-5c2e81f7a9d3';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** One answer of the server, or a request that got none (`status` null: network, timeout). */
export type Answer = {
  status: number | null;
  /** The `error` of a refusal's JSON body, or the network error's code. */
  code: string | undefined;
  /** The parsed receipt of a 200 or 201. */
  receipt: SubmissionReceipt | undefined;
  /** Seconds from a Retry-After header. */
  retryAfterS: number | undefined;
  ms: number;
};

export type Signer = { deviceId: string; privateKey: CryptoKey };

/** What one submission is made of: rebuilt byte for byte from these for an identical retry. */
export type SubmissionSpec = {
  tps: TpsCode;
  ballot: Ballot;
  token: string;
  result: CHasil;
  /** The photo's stamp: its counter, unique in this run. */
  stamp: number;
  /** Set when signed: the signing time and the signature, kept so that a retry is identical. */
  signature?: { deviceId: string; signedAt: string; signature: string };
  /** Cut the photo in half (a bad request). */
  truncatePhoto?: boolean;
  /** Send these numbers instead of the signed ones (a bad request: the signature breaks). */
  sentResult?: CHasil;
};

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A token of the right form that no server issued. */
export const forgedToken = (): string => `kpps_${randomBytes(24).toString('base64url')}`;

function field(name: string, value: string): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
}

/** The photo of a submission: the prebuilt JPEG with its stamp (cut short if asked). */
export function photoOf(photo: StampablePhoto, spec: SubmissionSpec): Buffer {
  const bytes = Buffer.from(photo.bytes);
  writeStamp(bytes, photo.stampOffset, spec.stamp);
  return spec.truncatePhoto ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes;
}

/** Signs a spec with the device's key (over the photo's hash), in place. */
export async function sign(
  spec: SubmissionSpec,
  signer: Signer,
  photo: Buffer,
  now = new Date(),
): Promise<void> {
  const summary: SignedSummary = {
    v: 1,
    tps: spec.tps,
    ballot: 'ppwp',
    result: spec.result,
    photos: [sha256Hex(photo)],
    signedAt: now.toISOString(),
    deviceId: signer.deviceId,
  };
  spec.signature = {
    deviceId: signer.deviceId,
    signedAt: summary.signedAt,
    signature: await signSummary(summary, signer.privateKey),
  };
}

/** The multipart body: the result, the signature when there is one, then the photo. */
export function submissionBody(spec: SubmissionSpec, photo: Buffer): Uint8Array<ArrayBuffer> {
  let head = field('result', JSON.stringify(spec.sentResult ?? spec.result));
  if (spec.signature) head += field('signature', JSON.stringify(spec.signature));
  head +=
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="c-hasil.jpg"\r\n` +
    'Content-Type: image/jpeg\r\n\r\n';
  const parts = [Buffer.from(head, 'utf8'), photo, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)];
  // One allocation of its own: fetch wants an ArrayBuffer-backed body, not a pooled Buffer's slice.
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  return body;
}

function retryAfter(h: string | null): number | undefined {
  if (!h) return undefined;
  const n = Number(h);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** POSTs one submission and reads its answer; never throws for what the network or server does. */
export async function postSubmission(
  base: string,
  spec: SubmissionSpec,
  body: Uint8Array<ArrayBuffer>,
  timeoutMs: number,
): Promise<Answer> {
  const url = `${base}/api/v1/tps/${spec.tps}/submissions?ballot=${spec.ballot}`;
  const t0 = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${spec.token}`, 'content-type': CONTENT_TYPE },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const ra = retryAfter(res.headers.get('retry-after'));
    if (res.status === 200 || res.status === 201) {
      const receipt = SubmissionReceiptSchema.safeParse(json);
      return {
        status: res.status,
        code: receipt.success ? undefined : 'unreadable_receipt',
        receipt: receipt.success ? receipt.data : undefined,
        retryAfterS: ra,
        ms,
      };
    }
    const code =
      typeof json === 'object' &&
      json !== null &&
      typeof (json as { error?: unknown }).error === 'string'
        ? (json as { error: string }).error
        : undefined;
    return { status: res.status, code, receipt: undefined, retryAfterS: ra, ms };
  } catch (e) {
    return {
      status: null,
      code: networkCode(e),
      receipt: undefined,
      retryAfterS: undefined,
      ms: performance.now() - t0,
    };
  }
}

/** A short name for why a request got no answer: the cause's code, or the error's name. */
export function networkCode(e: unknown): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'))
    return 'timeout';
  const cause = e instanceof Error ? (e.cause as NodeJS.ErrnoException | undefined) : undefined;
  return cause?.code ?? (e instanceof Error ? e.name : 'network_error');
}

export type Enrolled = Signer & { registeredDpt: number | null };

/** Enrols a new device for the TPS with its token, as the field app does at first start. */
export async function enrolDevice(
  base: string,
  tps: TpsCode,
  token: string,
  timeoutMs: number,
): Promise<Result<Enrolled, string>> {
  const key = await generateDeviceKey();
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/kpps/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tps, publicKey: key.publicKey, label: 'rekap loadgen' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    return err(`no answer (${networkCode(e)})`);
  }
  const text = await res.text();
  if (res.status !== 201 && res.status !== 200) return err(`${res.status} ${text.slice(0, 200)}`);
  const device = DeviceSchema.safeParse(JSON.parse(text));
  if (!device.success)
    return err(`an enrolment answer that is not a Device: ${text.slice(0, 200)}`);
  return ok({
    deviceId: device.data.deviceId,
    privateKey: key.privateKey,
    registeredDpt: device.data.registeredDpt,
  });
}

/** GET a public JSON answer; undefined when it fails (the caller counts it). */
export async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' });
    if (!res.ok) {
      await res.body?.cancel();
      return undefined;
    }
    return await res.json();
  } catch {
    return undefined;
  }
}
