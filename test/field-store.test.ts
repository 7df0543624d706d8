// The store's parts for the KPPS field app on both backends: devices, photos uploaded ahead of
// their submission, signed submissions with their signature in the chain, signal observations,
// and opening the store read-only (for `rekap verify-receipt --data`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATION_CODE, type RegionCode } from '../src/core/codes.ts';
import { generateDeviceKey } from '../src/core/receipt.ts';
import { EXAMPLE_PPWP } from '../src/synth/results.ts';
import { chainHash } from '../src/store/submissions.ts';
import { openStore } from '../src/store/store.ts';
import { testPhoto } from './support/photos.ts';
import {
  storeBackends,
  TPS_A,
  TPS_B,
  TWO_TPS_ELECTION,
  type OpenedStore,
} from './support/backends.ts';

/** Token hashes as the store keeps them: sha256 hex (events name a token by its first 16). */
const TOKEN_H = 'a1'.repeat(32);
const TOKEN_X = 'b2'.repeat(32);

const A = TPS_A;
const B = TPS_B;
const setup = TWO_TPS_ELECTION;
type Opened = OpenedStore;
const backends = storeBackends('field');

describe.each(backends)('field app store on $name', (backend) => {
  let opened: Opened | undefined;
  beforeAll(async () => {
    opened = await backend.open();
    await opened?.store.loadElection(setup);
  });
  afterAll(async () => {
    await opened?.store.close();
    await opened?.cleanup();
  });

  it('enrols a device once, keeps it to its TPS, and remembers revocation', async (ctx) => {
    if (!opened) return ctx.skip();
    const { store } = opened;
    const key = (await generateDeviceKey()).publicKey;
    expect(await store.tpsHasDevice(A)).toBe(false);
    const first = await store.enrolDevice({
      tps: A,
      publicKey: key,
      label: 'HP',
      tokenHash: TOKEN_H,
    });
    expect(first).toMatchObject({
      ok: true,
      value: { created: true, device: { tps: A, publicKey: key } },
    });
    const again = await store.enrolDevice({
      tps: A,
      publicKey: key,
      label: null,
      tokenHash: TOKEN_H,
    });
    if (!first.ok) throw new Error('not enrolled');
    expect(again).toEqual({ ok: true, value: { ...first.value, created: false } });
    expect(
      await store.enrolDevice({ tps: B, publicKey: key, label: null, tokenHash: TOKEN_X }),
    ).toMatchObject({
      ok: false,
      error: { reason: 'other_tps' },
    });
    // Two phones racing with the same key get one device.
    const racing = (await generateDeviceKey()).publicKey;
    const both = await Promise.all(
      [1, 2].map(() =>
        store.enrolDevice({ tps: A, publicKey: racing, label: null, tokenHash: TOKEN_H }),
      ),
    );
    expect(both.filter((e) => e.ok && e.value.created)).toHaveLength(1);
    expect(new Set(both.map((e) => (e.ok ? e.value.device.id : null))).size).toBe(1);
    expect(await store.tpsHasDevice(A)).toBe(true);
    expect(await store.tpsHasDevice(B)).toBe(false);
    expect(await store.revokeDevice(first.value.device.id)).toBe(true);
    expect((await store.device(first.value.device.id))?.revokedAt).toEqual(expect.any(String));
    expect(
      await store.enrolDevice({ tps: A, publicKey: key, label: null, tokenHash: TOKEN_H }),
    ).toMatchObject({
      ok: false,
      error: { reason: 'revoked_key' },
    });
  });

  it('keeps uploaded photos per TPS, and a signed submission with its signature in the chain', async (ctx) => {
    if (!opened) return ctx.skip();
    const { store } = opened;
    const bytes = await testPhoto('uploaded');
    const meta = { contentType: 'image/jpeg', width: 400, height: 600 };
    const photo = await store.keepUploadedPhoto(bytes, meta, { tps: A, uploader: 'kpps:a' });
    // Sent again (a retried upload): the same record, the bytes not stored twice.
    expect(await store.keepUploadedPhoto(bytes, meta, { tps: A, uploader: 'kpps:a' })).toEqual(
      photo,
    );
    expect([...(await store.uploadedPhotos(A, [photo.sha256, 'f'.repeat(64)])).keys()]).toEqual([
      photo.sha256,
    ]);
    expect((await store.uploadedPhotos(B, [photo.sha256])).size).toBe(0);
    expect(await store.blobs.get(photo.location, photo.sha256)).toEqual(bytes);

    const device = await store.enrolDevice({
      tps: A,
      publicKey: (await generateDeviceKey()).publicKey,
      label: null,
      tokenHash: TOKEN_H,
    });
    if (!device.ok) throw new Error('not enrolled');
    const signature = {
      deviceId: device.value.device.id,
      signedAt: '2024-02-14T13:05:00.000Z',
      signature: 'S'.repeat(86),
    };
    const base = {
      tps: A,
      ballot: 'ppwp' as const,
      result: EXAMPLE_PPWP,
      photos: [photo],
      flags: [],
      uploader: 'kpps:a',
      receivedAt: new Date('2024-02-14T13:06:00Z'),
    };
    const first = await store.recordSubmission({ ...base, signature });
    expect(first.duplicate).toBe(false);
    expect(first.record.signature).toEqual(signature);
    expect(first.record.chainHash).toBe(
      chainHash(null, first.record.hash, 'kpps:a', '2024-02-14T13:06:00.000Z', 'clean', signature),
    );
    expect(first.record.chainHash).not.toBe(
      chainHash(null, first.record.hash, 'kpps:a', '2024-02-14T13:06:00.000Z', 'clean'),
    );
    // Re-signed later, same content: the first version, once.
    const again = await store.recordSubmission({
      ...base,
      signature: { ...signature, signedAt: '2024-02-14T15:00:00.000Z' },
    });
    expect(again).toMatchObject({ duplicate: true, record: { id: first.record.id, signature } });
    const view = await store.tpsResult(A, 'ppwp');
    expect(view?.versions).toHaveLength(1);
    expect(view?.versions[0]?.signature).toEqual({
      ...signature,
      publicKey: device.value.device.publicKey,
    });
    // Unsigned versions still hash as before migration 0002.
    const unsigned = await store.recordSubmission({ ...base, tps: B });
    expect(unsigned.record.signature).toBeNull();
    expect(unsigned.record.chainHash).toBe(
      chainHash(null, unsigned.record.hash, 'kpps:a', '2024-02-14T13:06:00.000Z', 'clean'),
    );
    expect((await store.tpsResult(B, 'ppwp'))?.versions[0]?.signature).toBeNull();
  });

  it('stores signal observations and reads them by region', async (ctx) => {
    if (!opened) return ctx.skip();
    const { store } = opened;
    const n = await store.recordObservations(
      [
        {
          tps: A,
          at: '2024-02-14T09:30:00+07:00',
          lat: -4.3,
          lng: 104.35,
          accuracyM: 12,
          connection: '3g',
          rttMs: 850.5,
          uploadKbps: 40,
          bytes: 5_000_000_000,
          ok: false,
        },
        {
          tps: B,
          at: '2024-02-14T09:31:00+07:00',
          connection: 'none',
          rttMs: null,
          uploadKbps: null,
          ok: false,
        },
      ],
      'kpps:a',
    );
    expect(n).toBe(2);
    const all = await store.observations('16.08.01' as RegionCode, 100);
    expect(all).toEqual([
      {
        tps: A,
        at: '2024-02-14T09:30:00+07:00',
        lat: -4.3,
        lng: 104.35,
        accuracyM: 12,
        connection: '3g',
        rttMs: 850.5,
        uploadKbps: 40,
        bytes: 5_000_000_000,
        ok: false,
        source: 'send',
        receivedAt: expect.any(String) as string,
      },
      {
        tps: B,
        at: '2024-02-14T09:31:00+07:00',
        connection: 'none',
        rttMs: null,
        uploadKbps: null,
        ok: false,
        source: 'send',
        receivedAt: expect.any(String) as string,
      },
    ]);
    // The newest ones when there are more than asked for.
    expect((await store.observations(NATION_CODE, 1)).map((o) => o.tps)).toEqual([B]);
    expect(await store.observations('16.08.02' as RegionCode, 100)).toEqual([]);
  });

  it('opens read-only: reads work, nothing is written', async (ctx) => {
    if (!opened) return ctx.skip();
    const ro = await openStore({ dataDir: opened.dataDir, dbUrl: opened.dbUrl, readOnly: true });
    try {
      expect((await ro.tpsResult(A, 'ppwp'))?.versions).toHaveLength(1);
      await expect(ro.issueTokens([A])).rejects.toThrow();
      await expect(ro.blobs.put(Buffer.from('x'))).rejects.toThrow(/read-only/);
    } finally {
      await ro.close();
    }
  });
});
