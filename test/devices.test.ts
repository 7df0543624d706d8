// Device enrolment and signed submissions against the real app on SQLite: every enrolment answer,
// a signed submission accepted and published with its signature, a tampered one refused, unsigned
// ones refused once the TPS has a device, and a resubmission stored exactly once. Each test that
// revokes something has a TPS of its own: revoking a device also revokes its token, and a new
// token for a TPS revokes the old (test/credentials.test.ts covers those rules).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { TpsCode } from '../src/core/codes.ts';
import { generateDeviceKey, verifySummary, type SignedSummary } from '../src/core/receipt.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';
import { testPhoto } from './support/photos.ts';
import {
  createUpload,
  enrol,
  patchWhole,
  sha256,
  signed,
  submitRefs,
  type Device,
} from './support/field.ts';
import { cleanResult } from './support/results.ts';

const TPS = '16.08.01.1007.001';
const OTHER_TPS = '16.08.01.1007.002';
const UNSIGNED_TPS = '16.08.01.1007.003';
/** TPS whose tokens the refusals below spend (the rate limit counts enrolments per token). */
const REFUSALS_TPS = ['16.08.01.1007.004', '16.08.01.1007.005'] as const;
const REVOKED_KEY_TPS = '16.08.01.1007.006';
const REVOKED_DEVICE_TPS = '16.08.01.1007.007';
let server: TestServer;
let token: string;
let otherToken: string;

const result = cleanResult;

async function enrolRaw(body: unknown, tokenValue: string | null) {
  const res = await fetch(`${server.url}/api/v1/kpps/devices`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(tokenValue ? { authorization: `Bearer ${tokenValue}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Uploads a photo through tus in one PATCH and answers its hash. */
async function upload(label: string, tokenValue = token, tps = TPS): Promise<string> {
  const photo = await testPhoto(label);
  const hash = sha256(photo);
  const created = await createUpload(server.url, tokenValue, photo, { tps, sha256: hash });
  const r = await patchWhole(created.url, tokenValue, photo);
  if (r.status !== 204) throw new Error(`upload failed: ${r.status} ${r.text}`);
  return hash;
}

const tpsView = async (code: string) =>
  (await (await fetch(`${server.url}/api/v1/tps/${code}?ballot=ppwp`)).json()) as {
    versions: {
      id: string;
      version: number;
      result: CHasil;
      photos: { sha256: string }[];
      signature: {
        deviceId: string;
        publicKey: string;
        signedAt: string;
        signature: string;
      } | null;
    }[];
  };

beforeAll(async () => {
  server = await startTestServer({ web: false });
  token = await issueToken(server.store, TPS);
  otherToken = await issueToken(server.store, OTHER_TPS);
});
afterAll(() => server.close());

describe('device enrolment', () => {
  it('enrols a key once: 201, then 200 with the same device', async () => {
    const key = await generateDeviceKey();
    const first = await enrolRaw({ tps: TPS, publicKey: key.publicKey, label: 'HP Ketua' }, token);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ tps: TPS, deviceId: expect.any(String) as string });
    expect(Date.parse(first.json.enrolledAt as string)).not.toBeNaN();
    // The phone learns the register's DPT, to check the form's as the server does.
    const registered = (await server.store.tps(TPS as TpsCode))?.dpt;
    expect(registered).toEqual(expect.any(Number));
    expect(first.json.registeredDpt).toBe(registered);
    // The packed KPU code names the same TPS.
    const again = await enrolRaw({ tps: '1608011007001', publicKey: key.publicKey }, token);
    expect(again).toEqual({ status: 200, json: first.json });
  });

  it('refuses a missing or unknown token (401), another TPS (403), a malformed key (400)', async () => {
    const key = await generateDeviceKey();
    const [tps1, tps2] = REFUSALS_TPS;
    const t1 = await issueToken(server.store, tps1);
    const t2 = await issueToken(server.store, tps2);
    expect((await enrolRaw({ tps: tps1, publicKey: key.publicKey }, null)).status).toBe(401);
    expect(
      (await enrolRaw({ tps: tps1, publicKey: key.publicKey }, 'kpps_unknown')).json,
    ).toMatchObject({ error: 'bad_token' });
    expect((await enrolRaw({ tps: OTHER_TPS, publicKey: key.publicKey }, t1)).json).toMatchObject({
      error: 'wrong_tps',
    });
    expect((await enrolRaw({ tps: OTHER_TPS, publicKey: key.publicKey }, t1)).status).toBe(403);
    for (const publicKey of [
      '',
      'not base64!',
      'A'.repeat(42),
      'A'.repeat(44),
      key.publicKey + 'AA',
    ])
      expect((await enrolRaw({ tps: tps2, publicKey }, t2)).json).toMatchObject({
        error: 'bad_key',
      });
    expect((await enrolRaw({ tps: tps1 }, t1)).status).toBe(400);
    expect((await enrolRaw({ tps: 'x', publicKey: key.publicKey }, t1)).json).toMatchObject({
      error: 'bad_code',
    });
  });

  it('keeps a key to its TPS (409) and a revoked key revoked (403), and revokes its token too', async () => {
    const key = await generateDeviceKey();
    const t = await issueToken(server.store, REVOKED_KEY_TPS);
    const mine = await enrolRaw({ tps: REVOKED_KEY_TPS, publicKey: key.publicKey }, t);
    expect(mine.status).toBe(201);
    expect((await enrolRaw({ tps: OTHER_TPS, publicKey: key.publicKey }, otherToken)).status).toBe(
      409,
    );
    await server.store.revokeDevice(mine.json.deviceId as string);
    // The token it enrolled with went with it.
    expect(
      (await enrolRaw({ tps: REVOKED_KEY_TPS, publicKey: key.publicKey }, t)).json,
    ).toMatchObject({ error: 'bad_token' });
    // A new token does not bring the revoked key back.
    const fresh = await issueToken(server.store, REVOKED_KEY_TPS);
    expect(
      (await enrolRaw({ tps: REVOKED_KEY_TPS, publicKey: key.publicKey }, fresh)).json,
    ).toMatchObject({ error: 'device_revoked' });
  });
});

describe('signed submissions', () => {
  let device: Device;
  let photos: string[];
  beforeAll(async () => {
    device = await enrol(server.url, token, TPS);
    photos = [await upload('page-1'), await upload('page-2'), await upload('page-3')];
  });

  it('accepts a signed submission and publishes its signature for anyone to verify', async () => {
    const { summary, signature } = await signed(device, TPS, result(), photos);
    const sent = await submitRefs(server.url, token, TPS, summary.result, photos, {
      deviceId: device.deviceId,
      signedAt: summary.signedAt,
      signature,
    });
    expect(sent.status).toBe(201);
    const v = (await tpsView(TPS)).versions[0]!;
    expect(v.id).toBe(sent.json.id);
    expect(v.photos.map((p) => p.sha256)).toEqual(photos);
    expect(v.signature).toEqual({
      deviceId: device.deviceId,
      publicKey: device.publicKey,
      signedAt: summary.signedAt,
      signature,
    });
    // Rebuilt from what was published alone, the summary verifies.
    const rebuilt: SignedSummary = {
      v: 1,
      tps: TPS,
      ballot: 'ppwp',
      result: v.result,
      photos: v.photos.map((p) => p.sha256),
      signedAt: v.signature!.signedAt,
      deviceId: v.signature!.deviceId,
    };
    expect(await verifySummary(rebuilt, v.signature!.signature, v.signature!.publicKey)).toBe(true);
  });

  it('refuses a tampered signature: one number changed after signing', async () => {
    const { summary, signature } = await signed(device, TPS, result(91), photos);
    const tampered = structuredClone(summary.result);
    tampered.votes['2'] = 92;
    const before = (await tpsView(TPS)).versions.length;
    const sent = await submitRefs(server.url, token, TPS, tampered, photos, {
      deviceId: device.deviceId,
      signedAt: summary.signedAt,
      signature,
    });
    expect(sent.status).toBe(403);
    expect(sent.json.error).toBe('bad_signature');
    // The photos swapped round, or the signing time changed: refused too.
    const reordered = await submitRefs(
      server.url,
      token,
      TPS,
      summary.result,
      [...photos].reverse(),
      {
        deviceId: device.deviceId,
        signedAt: summary.signedAt,
        signature,
      },
    );
    expect(reordered.json.error).toBe('bad_signature');
    const retimed = await submitRefs(server.url, token, TPS, summary.result, photos, {
      deviceId: device.deviceId,
      signedAt: new Date(Date.parse(summary.signedAt) + 1).toISOString(),
      signature,
    });
    expect(retimed.json.error).toBe('bad_signature');
    expect((await tpsView(TPS)).versions.length).toBe(before);
  });

  it('requires a signature once the TPS has a device', async () => {
    const sent = await submitRefs(server.url, token, TPS, result(93), photos);
    expect(sent.status).toBe(403);
    expect(sent.json.error).toBe('signature_required');
  });

  it('refuses an unknown, foreign or revoked device', async () => {
    const { summary, signature } = await signed(device, TPS, result(94), photos);
    const unknown = await submitRefs(server.url, token, TPS, summary.result, photos, {
      deviceId: '00000000-0000-4000-8000-000000000000',
      signedAt: summary.signedAt,
      signature,
    });
    expect(unknown).toMatchObject({ status: 403, json: { error: 'unknown_device' } });
    // A device of another TPS signs a result for this one.
    const theirs = await enrol(server.url, otherToken, OTHER_TPS);
    const s2 = await signed(theirs, TPS, result(94), photos);
    const foreign = await submitRefs(server.url, token, TPS, s2.summary.result, photos, {
      deviceId: theirs.deviceId,
      signedAt: s2.summary.signedAt,
      signature: s2.signature,
    });
    expect(foreign).toMatchObject({ status: 403, json: { error: 'unknown_device' } });
    // A revoked device, its signature sent with the TPS's new token (its own went with it).
    const lostToken = await issueToken(server.store, REVOKED_DEVICE_TPS);
    const lostPhotos = [await upload('lost-1', lostToken, REVOKED_DEVICE_TPS)];
    const lost = await enrol(server.url, lostToken, REVOKED_DEVICE_TPS);
    await server.store.revokeDevice(lost.deviceId);
    const newToken = await issueToken(server.store, REVOKED_DEVICE_TPS);
    const s3 = await signed(lost, REVOKED_DEVICE_TPS, result(94), lostPhotos);
    const revoked = await submitRefs(
      server.url,
      newToken,
      REVOKED_DEVICE_TPS,
      s3.summary.result,
      lostPhotos,
      { deviceId: lost.deviceId, signedAt: s3.summary.signedAt, signature: s3.signature },
    );
    expect(revoked).toMatchObject({ status: 403, json: { error: 'unknown_device' } });
    expect(
      (await submitRefs(server.url, lostToken, REVOKED_DEVICE_TPS, result(94), lostPhotos)).status,
    ).toBe(401);
  });

  it('refuses a malformed signature part (400)', async () => {
    const sent = await submitRefs(server.url, token, TPS, result(), photos, {
      deviceId: device.deviceId,
      signedAt: '14 Feb 2024',
      signature: 'x',
    });
    expect(sent.status).toBe(400);
    expect(sent.json.error).toBe('malformed_signature');
  });

  it('stores a resubmission exactly once, even re-signed later', async () => {
    const r = result(95);
    const first = await signed(device, TPS, r, photos, '2024-02-14T13:05:00.000Z');
    const sig = (s: typeof first) => ({
      deviceId: device.deviceId,
      signedAt: s.summary.signedAt,
      signature: s.signature,
    });
    const a = await submitRefs(server.url, token, TPS, r, photos, sig(first));
    expect(a.status).toBe(201);
    const count = (await tpsView(TPS)).versions.length;
    // The phone did not hear the answer and sends the same thing again.
    const b = await submitRefs(server.url, token, TPS, r, photos, sig(first));
    expect(b.status).toBe(200);
    expect(b.json).toMatchObject({ id: a.json.id, duplicate: true });
    // Signed again later, same numbers and photos: still the first version.
    const later = await signed(device, TPS, r, photos, '2024-02-14T15:00:00.000Z');
    const c = await submitRefs(server.url, token, TPS, r, photos, sig(later));
    expect(c.status).toBe(200);
    expect(c.json).toMatchObject({ id: a.json.id, version: a.json.version, duplicate: true });
    const versions = (await tpsView(TPS)).versions;
    expect(versions.length).toBe(count);
    expect(versions.filter((v) => v.result.votes['2'] === 95)).toHaveLength(1);
    expect(versions[0]!.signature?.signedAt).toBe(first.summary.signedAt);
  });

  it('accepts photo parts and uploaded photos together, in that page order', async () => {
    const part = await testPhoto('page-1-inline');
    const order = [sha256(part), photos[1]!, photos[2]!];
    const s = await signed(device, TPS, result(96), order);
    const sent = await submitRefs(
      server.url,
      token,
      TPS,
      s.summary.result,
      order.slice(1),
      { deviceId: device.deviceId, signedAt: s.summary.signedAt, signature: s.signature },
      { photoParts: [part] },
    );
    expect(sent.status).toBe(201);
    expect((await tpsView(TPS)).versions[0]!.photos.map((p) => p.sha256)).toEqual(order);
  });

  it('leaves a TPS without devices working unsigned', async () => {
    const t = await issueToken(server.store, UNSIGNED_TPS);
    const hash = await upload('unsigned', t, UNSIGNED_TPS);
    expect((await submitRefs(server.url, t, UNSIGNED_TPS, result(), [hash])).status).toBe(201);
  });
});
