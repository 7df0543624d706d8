// The intake pool gives the verdicts of the request thread's own check: the same hashes, photo
// verdicts and signature verdicts with its worker threads as inline, and it closes cleanly.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDeviceKey, signSummary, type SignedSummary } from '../core/receipt.ts';
import { sha256Hex } from '../store/blobs.ts';
import { consistentResult } from '../synth/results.ts';
import { jpegHeaderOnly } from '../../test/support/bad-photos.ts';
import { testPhoto } from '../../test/support/photos.ts';
import { demoElection } from '../demo/okutimur.ts';
import { openStore } from '../store/store.ts';
import { cleanResult } from '../../test/support/results.ts';
import { issueToken } from '../../test/support/server.ts';
import { buildApp } from './app.ts';
import { intakePool, type Examined, type IntakePool } from './intake-pool.ts';
import type { IntakeTask } from './intake-worker.ts';

const result = consistentResult({
  dptL: 120,
  dptP: 130,
  votesL: 100,
  votesP: 110,
  invalid: 4,
  votes: { '1': 80, '2': 70, '3': 56 },
});

const fixtures = async () => {
  const good = await testPhoto('intake good');
  const other = await testPhoto('intake other', { width: 300, height: 500 });
  const broken = await jpegHeaderOnly('intake broken');
  const device = await generateDeviceKey();
  const deviceId = '7b0c4c36-9a3e-4c2f-8f3e-6d1a2b3c4d5e';
  const base = {
    v: 1 as const,
    tps: '16.08.01.1007.001',
    ballot: 'ppwp' as const,
    result,
    signedAt: '2026-02-14T08:00:00.000Z',
    deviceId,
  };
  const ref = sha256Hex('an uploaded photo');
  const signFor = (photos: string[], s: Partial<SignedSummary> = {}) =>
    signSummary({ ...base, photos, ...s }, device.privateKey);
  const signed = (signature: string) => ({
    summary: base,
    photoRefs: [ref],
    signature,
    publicKey: device.publicKey,
  });
  return { good, other, broken, ref, signFor, signed };
};
type Fixtures = Awaited<ReturnType<typeof fixtures>>;

/** The tasks every pool must answer alike: fresh copies, since a worker takes the buffers. */
function tasks(f: Fixtures, goodSignature: string, badSignature: string): [string, IntakeTask][] {
  const copy = (b: Buffer) => Buffer.from(b);
  return [
    ['a good photo', { photos: [copy(f.good)] }],
    ['two good photos', { photos: [copy(f.good), copy(f.other)] }],
    ['a photo that only looks whole', { photos: [copy(f.good), copy(f.broken)] }],
    ['not an image', { photos: [Buffer.from('not a photo at all')] }],
    ['a good signature', { photos: [copy(f.good)], signed: f.signed(goodSignature) }],
    ['a bad signature', { photos: [copy(f.good)], signed: f.signed(badSignature) }],
    ['a signature over a bad photo', { photos: [copy(f.broken)], signed: f.signed(goodSignature) }],
  ];
}

/** The verdicts, and the photos' bytes as hashes (so a difference reads shortly). */
const verdicts = (e: Examined) => ({ ...e, photos: e.photos.map((p) => sha256Hex(p)) });

describe('intake pool', () => {
  const pools: IntakePool[] = [];
  afterAll(() => Promise.all(pools.map((p) => p.close())));
  const pool = (workers: number) => {
    const p = intakePool({ workers });
    pools.push(p);
    return p;
  };

  it('gives the same hashes, photo verdicts and signature verdicts inline and on a thread', async () => {
    const f = await fixtures();
    const goodSignature = await f.signFor([sha256Hex(f.good), f.ref]);
    // Signed over other numbers: the device's key, the wrong summary.
    const badSignature = await f.signFor([sha256Hex(f.good), f.ref], {
      signedAt: '2026-02-14T09:00:00.000Z',
    });
    const inline = pool(0);
    const threaded = pool(1);
    expect(inline.workers).toBe(0);
    expect(threaded.workers).toBe(1);
    const answers: Record<string, unknown>[] = [];
    for (const p of [inline, threaded]) {
      const byCase: Record<string, unknown> = {};
      for (const [name, task] of tasks(f, goodSignature, badSignature))
        byCase[name] = verdicts(await p.examine(task));
      answers.push(byCase);
    }
    const [a, b] = answers;
    expect(b).toEqual(a);

    const one = a!['a good photo'] as ReturnType<typeof verdicts>;
    expect(one.hashes).toEqual([sha256Hex(f.good)]);
    expect(one.photos).toEqual([sha256Hex(f.good)]);
    expect(one.checks).toEqual([
      { ok: true, value: { contentType: 'image/jpeg', width: 400, height: 600 } },
    ]);
    expect(one.signatureValid).toBeUndefined();
    const two = a!['two good photos'] as ReturnType<typeof verdicts>;
    expect(two.hashes).toEqual([sha256Hex(f.good), sha256Hex(f.other)]);
    const broken = a!['a photo that only looks whole'] as ReturnType<typeof verdicts>;
    expect(broken.checks[0]!.ok).toBe(true);
    const refused = broken.checks[1]!;
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.error).toMatch(/not a whole image/);
    const garbage = a!['not an image'] as ReturnType<typeof verdicts>;
    expect(garbage.checks[0]).toMatchObject({ ok: false });
    expect((a!['a good signature'] as Examined).signatureValid).toBe(true);
    expect((a!['a bad signature'] as Examined).signatureValid).toBe(false);
    // A photo that fails is the refusal: its signature is not checked.
    expect((a!['a signature over a bad photo'] as Examined).signatureValid).toBeUndefined();
  });

  it('moves a photo that owns its memory to the thread and back, and copies one that shares it', async () => {
    const f = await fixtures();
    const threaded = pool(1);
    const own = Buffer.from(f.good);
    expect(own.byteLength).toBe(own.buffer.byteLength);
    const shared = Buffer.concat([Buffer.from('a larger read: '), f.good]).subarray(15);
    const [moved, copied] = [
      await threaded.examine({ photos: [own] }),
      await threaded.examine({ photos: [shared] }),
    ];
    // Transferred: the caller's buffer is emptied, and the bytes come back whole.
    expect(own.byteLength).toBe(0);
    expect(moved.photos[0]!.equals(f.good)).toBe(true);
    expect(Buffer.isBuffer(moved.photos[0])).toBe(true);
    // Copied: the buffer the caller shares with other data is left as it was.
    expect(shared.equals(f.good)).toBe(true);
    expect(copied.photos[0]!.equals(f.good)).toBe(true);
    expect(moved.hashes).toEqual(copied.hashes);
  });

  it('closes cleanly: the work under way finishes, and later work is refused', async () => {
    const f = await fixtures();
    for (const workers of [0, 1]) {
      const p = intakePool({ workers });
      const first = await p.examine({ photos: [Buffer.from(f.good)] });
      expect(first.checks[0]!.ok).toBe(true);
      const under = p.examine({ photos: [Buffer.from(f.other)] });
      const closing = p.close();
      expect((await under).hashes).toEqual([sha256Hex(f.other)]);
      await closing;
      await p.close(); // twice is fine
      await expect(p.examine({ photos: [Buffer.from(f.good)] })).rejects.toThrow(/closed/);
    }
    // A pool that never took a task started no thread, and closes at once.
    await intakePool({ workers: 2 }).close();
  });

  it('refuses a number of threads that is not a whole number', () => {
    expect(() => intakePool({ workers: -1 })).toThrow(/whole number/);
    expect(() => intakePool({ workers: 1.5 })).toThrow(/whole number/);
  });
});

describe("buildApp's intake option", () => {
  it('takes submissions inline or on a pool it is given, and leaves the given pool open', async () => {
    const f = await fixtures();
    const dataDir = await mkdtemp(join(tmpdir(), 'rekap-intake-'));
    const store = await openStore({ dataDir });
    await store.loadElection(demoElection());
    const given = intakePool({ workers: 1 });
    const tps = '16.08.01.1008.001';
    try {
      for (const intake of [{ workers: 0 }, given]) {
        const app = await buildApp({ store, intake });
        const token = await issueToken(store, tps);
        const submit = async (photo: Buffer) => {
          const form = new FormData();
          form.set('result', JSON.stringify(cleanResult(86)));
          form.append('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'c.jpg');
          const res = await app.inject({
            method: 'POST',
            url: `/api/v1/tps/${tps}/submissions?ballot=ppwp`,
            headers: { authorization: `Bearer ${token}` },
            payload: form,
          });
          return { status: res.statusCode, body: res.json<{ error?: string; status?: string }>() };
        };
        expect(await submit(f.broken)).toMatchObject({
          status: 422,
          body: { error: 'invalid_photo' },
        });
        const taken = await submit(await testPhoto(`intake ${intake.workers}`));
        expect(taken.status).toBe(201);
        await app.close();
      }
      // The app closed its own pool only: the one it was given still works.
      expect((await given.examine({ photos: [Buffer.from(f.good)] })).checks[0]!.ok).toBe(true);
    } finally {
      await given.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
