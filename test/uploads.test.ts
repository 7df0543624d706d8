// Resumable photo uploads (tus) against the real app on SQLite: a PATCH cut off midway resumes at
// the offset the server reports, the finished photo is kept once and a submission names it by
// hash; a wrong hash or a bad image is refused and nothing is kept.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tusClient from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';
import { testPhoto } from './support/photos.ts';
import {
  createUpload,
  cutPatch,
  patchWhole,
  sha256,
  submitRefs,
  tus,
  until,
} from './support/field.ts';
import { cleanResult } from './support/results.ts';

const TPS = '16.08.01.1007.001';
const OTHER_TPS = '16.08.01.1007.002';
let server: TestServer;
let token: string;
let otherToken: string;

const result = cleanResult;

/** A JPEG of full-range noise: over 1 MB at this size. */
function noisyPhoto(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height);
  let h = 12345;
  for (let i = 0; i < raw.length; i++) {
    h = Math.imul(h ^ (h >>> 13), 1274126177) + 1;
    raw[i] = h >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels: 1 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

const photoExists = async (hash: string) =>
  (await fetch(`${server.url}/api/v1/photos/${hash}`)).status === 200;
const partials = async () =>
  (await readdir(join(server.dataDir, 'uploads'))).filter((f) => !f.endsWith('.json'));

beforeAll(async () => {
  server = await startTestServer({ web: false });
  token = await issueToken(server.store, TPS);
  otherToken = await issueToken(server.store, OTHER_TPS);
});
afterAll(() => server.close());

describe('tus uploads', () => {
  it('resumes a PATCH cut off midway from the offset HEAD reports, then a submission names the photo', async () => {
    // Larger than Fastify's 1 MB JSON body limit: the raw body must pass straight to tus.
    const photo = await noisyPhoto(1600, 1200);
    expect(photo.length).toBeGreaterThan(1024 * 1024);
    const hash = sha256(photo);
    const created = await createUpload(server.url, token, photo, {
      tps: TPS,
      sha256: hash,
      filename: 'page1.jpg',
      filetype: 'image/jpeg',
    });
    expect(created.status).toBe(201);
    const file = join(server.dataDir, 'uploads', created.url.split('/').pop()!);

    // The phone loses its signal after sending 60% of the photo.
    const cut = Math.floor(photo.length * 0.6);
    await cutPatch(created.url, token, photo, 0, cut, async () => (await stat(file)).size >= cut);
    // The server notices the dropped connection and releases the upload; HEAD says where to go on.
    let offset = -1;
    await until(async () => {
      const head = await tus(created.url, 'HEAD', token);
      offset = Number(head.headers.get('upload-offset'));
      return head.status === 200 && offset === cut;
    });
    expect(offset).toBe(cut);
    expect(await photoExists(hash)).toBe(false);

    const rest = await tus(
      created.url,
      'PATCH',
      token,
      { 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) },
      photo.subarray(offset),
    );
    expect(rest.status).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(photo.length));
    expect(rest.headers.get('rekap-photo-sha256')).toBe(hash);
    expect(await photoExists(hash)).toBe(true);
    // Kept in the blob store; the partial file is gone.
    expect(await partials()).toEqual([]);

    const sent = await submitRefs(server.url, token, TPS, result(), [hash]);
    expect(sent.status).toBe(201);
    const tps = (await (await fetch(`${server.url}/api/v1/tps/${TPS}?ballot=ppwp`)).json()) as {
      versions: { id: string; photos: { sha256: string; size: number }[]; signature: unknown }[];
    };
    expect(tps.versions[0]!.id).toBe(sent.json.id);
    expect(tps.versions[0]!.photos).toMatchObject([{ sha256: hash, size: photo.length }]);
    expect(tps.versions[0]!.signature).toBeNull();

    // The same submission again: the same version, nothing new.
    const again = await submitRefs(server.url, token, TPS, result(), [hash]);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id: sent.json.id, duplicate: true });
  });

  it('works with the tus-js-client a phone uses, in chunks', async () => {
    const photo = await testPhoto('tus-js-client', { width: 900, height: 1200 });
    const hash = sha256(photo);
    await new Promise<void>((resolve, reject) => {
      const upload = new tusClient.Upload(photo, {
        endpoint: `${server.url}/api/v1/uploads/`,
        headers: { authorization: `Bearer ${token}` },
        metadata: { tps: TPS, sha256: hash, filename: 'p.jpg', filetype: 'image/jpeg' },
        chunkSize: 64 * 1024,
        retryDelays: null,
        onError: reject,
        onSuccess: () => resolve(),
      });
      upload.start();
    });
    expect(await photoExists(hash)).toBe(true);
    const sent = await submitRefs(server.url, token, TPS, result(), [hash]);
    expect(sent.status).toBe(201);
  });

  it('refuses bytes that do not match the declared sha256, and keeps nothing', async () => {
    const photo = await testPhoto('mismatch');
    const declared = sha256(Buffer.from('something else'));
    const created = await createUpload(server.url, token, photo, { tps: TPS, sha256: declared });
    expect(created.status).toBe(201);
    const r = await patchWhole(created.url, token, photo);
    expect(r.status).toBe(460);
    expect(JSON.parse(r.text)).toMatchObject({ error: 'checksum_mismatch' });
    expect(await photoExists(sha256(photo))).toBe(false);
    expect(await partials()).toEqual([]);
    expect((await tus(created.url, 'HEAD', token)).status).toBe(404);
    // A submission cannot name it either.
    const sent = await submitRefs(server.url, token, TPS, result(), [sha256(photo)]);
    expect(sent.status).toBe(422);
    expect(sent.json.error).toBe('unknown_photo');
  });

  it('refuses a file that is not a whole image, and keeps nothing', async () => {
    const photo = await testPhoto('truncated');
    const cutShort = photo.subarray(0, photo.length - 100);
    const created = await createUpload(server.url, token, cutShort, {
      tps: TPS,
      sha256: sha256(cutShort),
    });
    const r = await patchWhole(created.url, token, cutShort);
    expect(r.status).toBe(422);
    expect(JSON.parse(r.text)).toMatchObject({ error: 'invalid_photo' });
    expect(await photoExists(sha256(cutShort))).toBe(false);
    expect(await partials()).toEqual([]);
  });

  it('needs the token of the TPS on every request', async () => {
    const photo = await testPhoto('auth');
    const meta = { tps: TPS, sha256: sha256(photo) };
    expect(
      (
        await tus(`${server.url}/api/v1/uploads/`, 'POST', null, {
          'upload-length': String(photo.length),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await tus(`${server.url}/api/v1/uploads/`, 'POST', 'kpps_nope', {
          'upload-length': String(photo.length),
        })
      ).status,
    ).toBe(401);
    // Metadata naming another TPS than the token's.
    const foreign = await createUpload(server.url, otherToken, photo, meta);
    expect(foreign.status).toBe(403);
    // Someone else's upload: no HEAD, no PATCH.
    const mine = await createUpload(server.url, token, photo, meta);
    expect(mine.status).toBe(201);
    expect((await tus(mine.url, 'HEAD', otherToken)).status).toBe(403);
    expect((await tus(mine.url, 'HEAD', null)).status).toBe(401);
    expect((await tus(mine.url, 'HEAD', token)).status).toBe(200);
    // Metadata without a hash, or too large a photo.
    expect((await createUpload(server.url, token, photo, { tps: TPS })).status).toBe(400);
    const huge = await tus(`${server.url}/api/v1/uploads/`, 'POST', token, {
      'upload-length': String(16 * 1024 * 1024),
      'upload-metadata': `tps ${Buffer.from(TPS).toString('base64')}`,
    });
    expect(huge.status).toBe(413);
  });

  it('does not let a TPS name photos that another TPS uploaded', async () => {
    const photo = await testPhoto('theirs');
    const hash = sha256(photo);
    const created = await createUpload(server.url, token, photo, { tps: TPS, sha256: hash });
    const r = await patchWhole(created.url, token, photo);
    expect(r.status).toBe(204);
    const sent = await submitRefs(server.url, otherToken, OTHER_TPS, result(), [hash]);
    expect(sent.status).toBe(422);
    expect(sent.json).toMatchObject({ error: 'unknown_photo', details: { missing: [hash] } });
  });
});
