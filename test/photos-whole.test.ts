// A photo that is not whole never counts (issue 9, finding 5): through either way in, a multipart
// submission or a tus upload, each photo below answers 422 `invalid_photo` and nothing is kept.
// Each passed the old header-only check and was accepted with 201.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TpsCode } from '../src/core/codes.ts';
import { badPhotos } from './support/bad-photos.ts';
import { createUpload, patchWhole, sha256 } from './support/field.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';
import { cleanResult } from './support/results.ts';

const TPS = '16.08.01.1008.001';
/** Uploads come from another TPS: `server.submit` issues TPS's token anew, which revokes the old. */
const UPLOAD_TPS = '16.08.01.1008.002';
let server: TestServer;
let token: string;
const photos = await badPhotos();

const result = () => cleanResult(86);

const stored = async (hash: string) =>
  (await fetch(`${server.url}/api/v1/photos/${hash}`)).status !== 404;

beforeAll(async () => {
  server = await startTestServer({ web: false });
  token = await issueToken(server.store, UPLOAD_TPS);
});
afterAll(() => server.close());

describe('a photo that is not whole', () => {
  it.each(photos)('in a multipart submission: %s -> 422, nothing stored', async (_name, bytes) => {
    const res = await server.submit(TPS, result(), bytes);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('invalid_photo');
    expect(body.message).toMatch(/^photo 1: not a whole image/);
    expect(await stored(sha256(bytes))).toBe(false);
    expect((await server.store.tpsResult(TPS as TpsCode, 'ppwp'))?.versions).toEqual([]);
  });

  it.each(photos)(
    'in a tus upload: %s -> 422 at the last byte, nothing kept',
    async (_n, bytes) => {
      const hash = sha256(bytes);
      const created = await createUpload(server.url, token, bytes, {
        tps: UPLOAD_TPS,
        sha256: hash,
      });
      expect(created.status).toBe(201);
      const patch = await patchWhole(created.url, token, bytes);
      expect(patch.status).toBe(422);
      expect(JSON.parse(patch.text)).toMatchObject({ error: 'invalid_photo' });
      expect(await stored(hash)).toBe(false);
    },
  );

  it('a whole photo still gets in', async () => {
    const res = await server.submit(TPS, result());
    expect(res.status).toBe(201);
  });
});
