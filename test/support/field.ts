// Helpers for the KPPS field app's server side: tus uploads over raw HTTP, enrolment, signing.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { CHasil } from '../../src/core/chasil.ts';
import { generateDeviceKey, signSummary, type SignedSummary } from '../../src/core/receipt.ts';

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const b64 = (s: string) => Buffer.from(s).toString('base64');
export const tusMetadata = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(',');

export type Answer = { status: number; headers: Headers; text: string };

/** One tus request (fetch; Tus-Resumable set). */
export async function tus(
  url: string,
  method: string,
  token: string | null,
  headers: Record<string, string> = {},
  body?: Uint8Array,
): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: {
      'tus-resumable': '1.0.0',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    ...(body ? { body: new Uint8Array(body) } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Sends every byte of an upload in one PATCH from offset 0. */
export function patchWhole(url: string, token: string | null, bytes: Uint8Array): Promise<Answer> {
  return tus(
    url,
    'PATCH',
    token,
    { 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
    bytes,
  );
}

/** Creates an upload and answers its absolute URL. */
export async function createUpload(
  base: string,
  token: string,
  bytes: Uint8Array,
  meta: Record<string, string>,
): Promise<{ status: number; url: string; text: string }> {
  const r = await tus(`${base}/api/v1/uploads/`, 'POST', token, {
    'upload-length': String(bytes.length),
    'upload-metadata': tusMetadata(meta),
  });
  const location = r.headers.get('location');
  return { status: r.status, url: location ? new URL(location, base).href : '', text: r.text };
}

/**
 * Starts a PATCH that declares all the remaining bytes but sends only `send` of them, waits until
 * `received()` says the server has them, then cuts the connection, like a phone losing signal.
 */
export async function cutPatch(
  url: string,
  token: string,
  bytes: Uint8Array,
  offset: number,
  send: number,
  received: () => Promise<boolean>,
): Promise<void> {
  const u = new URL(url);
  const req = request({
    host: u.hostname,
    port: u.port,
    path: u.pathname,
    method: 'PATCH',
    headers: {
      'tus-resumable': '1.0.0',
      authorization: `Bearer ${token}`,
      'content-type': 'application/offset+octet-stream',
      'upload-offset': String(offset),
      'content-length': String(bytes.length - offset),
    },
  });
  req.on('error', () => undefined);
  req.write(bytes.subarray(offset, offset + send));
  while (!(await received())) await new Promise((r) => setTimeout(r, 10));
  req.destroy();
}

/** Waits (polling) until `check` holds. */
export async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

export type Device = { deviceId: string; publicKey: string; privateKey: CryptoKey };

export async function enrol(
  base: string,
  token: string,
  tps: string,
  label = 'test phone',
): Promise<Device> {
  const key = await generateDeviceKey();
  const res = await fetch(`${base}/api/v1/kpps/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tps, publicKey: key.publicKey, label }),
  });
  if (res.status !== 201) throw new Error(`enrolment failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { deviceId: string };
  return { deviceId: body.deviceId, publicKey: key.publicKey, privateKey: key.privateKey };
}

export async function signed(
  device: Device,
  tps: string,
  result: CHasil,
  photos: string[],
  signedAt = new Date().toISOString(),
): Promise<{ summary: SignedSummary; signature: string }> {
  const summary: SignedSummary = {
    v: 1,
    tps,
    ballot: 'ppwp',
    result,
    photos,
    signedAt,
    deviceId: device.deviceId,
  };
  return { summary, signature: await signSummary(summary, device.privateKey) };
}

/** POSTs a submission that names uploaded photos (and signs it, when a signature is given). */
export async function submitRefs(
  base: string,
  token: string,
  tps: string,
  result: CHasil,
  photos: string[],
  sig?: { deviceId: string; signedAt: string; signature: string },
  extra: { photoParts?: Buffer[] } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const form = new FormData();
  form.set('result', new Blob([JSON.stringify(result)], { type: 'application/json' }));
  for (const p of extra.photoParts ?? [])
    form.append('photo', new Blob([new Uint8Array(p)], { type: 'image/jpeg' }), 'c.jpg');
  if (photos.length > 0)
    form.set('photos', new Blob([JSON.stringify(photos)], { type: 'application/json' }));
  if (sig) form.set('signature', new Blob([JSON.stringify(sig)], { type: 'application/json' }));
  const res = await fetch(`${base}/api/v1/tps/${tps}/submissions?ballot=ppwp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
