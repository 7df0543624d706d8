import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver, type TestS3 } from '../../test/support/s3.ts';
import {
  BlobCorruptError,
  StorageFullError,
  packBlobStore,
  sha256Hex,
  type BlobStore,
} from './blobs.ts';
import {
  BlobStoreOpenError,
  openBlobStore,
  parseBlobsUrl,
  s3BlobBackend,
  s3Key,
  type S3BlobsConfig,
} from './blobs-s3.ts';
import { openStore } from './store.ts';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3rver({ prefix: 'rekap/' });
});
afterAll(() => s3?.stop());

let dataDir: string;
const dirs: string[] = [];
const freshDir = async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rekap-blobs-s3-'));
  dirs.push(dataDir);
  return dataDir;
};
const open: BlobStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function s3Store(url = s3.url, extra: { createBucket?: boolean } = {}) {
  await freshDir();
  const blobs = await openBlobStore(url, { dataDir, credentials: s3.credentials, ...extra });
  open.push(blobs);
  return blobs;
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('it should have failed'),
    (e: unknown) => e,
  );
}

async function problemOf(p: Promise<unknown>): Promise<BlobCorruptError> {
  const e = await failure(p);
  expect(e).toBeInstanceOf(BlobCorruptError);
  return e as BlobCorruptError;
}

/** A loopback port that nothing listens on (taken, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('S3 blob store (against s3rver)', () => {
  it('gives back the bytes put, at a location named by their sha256', async () => {
    const blobs = await s3Store();
    const bytes = randomBytes(200 * 1024);
    const sha256 = sha256Hex(bytes);
    const location = await blobs.put(bytes);
    expect(location).toBe(`s3:rekap/sha256/${sha256.slice(0, 2)}/${sha256}`);
    expect((await blobs.get(location, sha256)).equals(bytes)).toBe(true);
  });

  it('puts the same bytes twice at the same location', async () => {
    const blobs = await s3Store();
    const bytes = randomBytes(5000);
    const [a, b] = await Promise.all([blobs.put(bytes), blobs.put(bytes)]);
    expect(b).toBe(a);
    expect(await blobs.put(bytes)).toBe(a);
    expect((await blobs.get(a, sha256Hex(bytes))).equals(bytes)).toBe(true);
  });

  it('never hands out an object changed or deleted behind its back', async () => {
    const blobs = await s3Store();
    const raw = s3.client();
    const bytes = randomBytes(3000);
    const sha256 = sha256Hex(bytes);
    const location = await blobs.put(bytes);
    const key = s3Key('rekap/', sha256);

    const other = Buffer.from(bytes);
    other[100] = (other[100] ?? 0) ^ 1;
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: other }));
    const wrong = await problemOf(blobs.get(location, sha256));
    expect(wrong.problem).toBe('wrong_hash');
    expect(wrong.detail).toContain(sha256Hex(other));

    await raw.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
    const gone = await problemOf(blobs.get(location, sha256));
    expect(gone.problem).toBe('missing');
    expect(gone.detail).toContain(key);

    // An upload of the photo again repairs it.
    expect(await blobs.put(bytes)).toBe(location);
    expect((await blobs.get(location, sha256)).equals(bytes)).toBe(true);
  });

  it('still reads the photos a pack store kept in the same data folder', async () => {
    const blobs = await s3Store();
    const packs = packBlobStore(join(dataDir, 'blobs'));
    const old = randomBytes(4000);
    const packLocation = await packs.put(old);
    await packs.close();
    expect(packLocation).toMatch(/^pack-\d{6}\.dat:/);

    expect((await blobs.get(packLocation, sha256Hex(old))).equals(old)).toBe(true);
    // The pack side is hash-checked too: the same location asked for as another photo.
    expect((await problemOf(blobs.get(packLocation, sha256Hex('x')))).problem).toBe('wrong_hash');
    // New photos go to the bucket.
    expect(await blobs.put(randomBytes(10))).toMatch(/^s3:rekap\/sha256\//);
  });

  it('reads a location of no known backend as missing, saying so', async () => {
    const blobs = await s3Store();
    const e = await problemOf(blobs.get('gs:bucket/x', sha256Hex('x')));
    expect(e.problem).toBe('missing');
    expect(e.detail).toMatch(/no blob store for locations starting "gs:"/);
  });

  it('reads an absent key as missing and a vanished bucket as unreadable', async () => {
    const config = parseBlobsUrl(s3.url);
    if (!config.ok) throw new Error(config.error);
    const backend = s3BlobBackend({ config: config.value, credentials: s3.credentials });
    const absent = await backend.read('s3:rekap/sha256/00/00');
    expect(absent).toMatchObject({ ok: false, error: { problem: 'missing' } });
    const noBucket: S3BlobsConfig = { ...config.value, bucket: 'no-such-bucket' };
    const other = s3BlobBackend({ config: noBucket, credentials: s3.credentials });
    const vanished = await other.read('s3:rekap/sha256/00/00');
    expect(vanished).toMatchObject({ ok: false, error: { problem: 'unreadable' } });
    await Promise.all([backend.close(), other.close()]);
  });

  it('refuses puts when open read-only, and still reads', async () => {
    const blobs = await s3Store();
    const bytes = randomBytes(100);
    const location = await blobs.put(bytes);
    const ro = await openBlobStore(s3.url, {
      dataDir,
      readOnly: true,
      credentials: s3.credentials,
    });
    open.push(ro);
    await expect(ro.put(bytes)).rejects.toThrow(/read-only/);
    expect((await ro.get(location, sha256Hex(bytes))).equals(bytes)).toBe(true);
  });

  it('waits for puts under way before it closes', async () => {
    const blobs = await s3Store();
    open.splice(open.indexOf(blobs), 1);
    const bytes = randomBytes(50_000);
    const put = blobs.put(bytes);
    await blobs.close();
    const location = await put;
    const again = await s3Store();
    expect((await again.get(location, sha256Hex(bytes))).equals(bytes)).toBe(true);
  });

  it('says which endpoint and bucket it cannot reach, at open', async () => {
    const port = await closedPort();
    const url = `s3://rekap-test/?endpoint=http://127.0.0.1:${port}`;
    const e = await failure(
      openBlobStore(url, { dataDir: tmpdir(), credentials: s3.credentials, maxAttempts: 1 }),
    );
    expect(e).toBeInstanceOf(BlobStoreOpenError);
    expect((e as Error).message).toContain(`http://127.0.0.1:${port}`);
    expect((e as Error).message).toContain('"rekap-test"');
    expect((e as Error).message).toMatch(/cannot be reached: .*ECONNREFUSED/);
  });

  it('refuses a bucket that is not there, or creates it when asked', async () => {
    const url = `s3://rekap-other/?endpoint=${s3.endpoint}`;
    const e = await failure(s3Store(url));
    expect(e).toBeInstanceOf(BlobStoreOpenError);
    expect((e as Error).message).toBe(
      `photo store bucket "rekap-other" at ${s3.endpoint}: there is no such bucket`,
    );
    const blobs = await s3Store(url, { createBucket: true });
    const bytes = randomBytes(10);
    const location = await blobs.put(bytes);
    expect(location).toBe(`s3:sha256/${sha256Hex(bytes).slice(0, 2)}/${sha256Hex(bytes)}`);
    expect((await blobs.get(location, sha256Hex(bytes))).equals(bytes)).toBe(true);
    // A second server of the same setup finds it made.
    await s3Store(url, { createBucket: true });
  });

  it('is what openStore keeps photos in', async () => {
    const blobs = await s3Store();
    const store = await openStore({ dataDir, blobs, lock: false });
    try {
      const bytes = randomBytes(20_000);
      const photo = await store.putPhoto(bytes, {
        contentType: 'image/jpeg',
        width: 10,
        height: 10,
      });
      expect(photo.location).toMatch(/^s3:rekap\/sha256\//);
      expect((await store.blobs.get(photo.location, photo.sha256)).equals(bytes)).toBe(true);
    } finally {
      open.splice(open.indexOf(blobs), 1);
      await store.close();
    }
  });

  it('keeps the pack files for packs or no --blobs', async () => {
    await freshDir();
    for (const spec of [undefined, 'packs']) {
      const blobs = await openBlobStore(spec, { dataDir });
      expect(await blobs.put(randomBytes(10))).toMatch(/^pack-\d{6}\.dat:/);
      await blobs.close();
    }
  });
});

/** A backend on a fake S3 endpoint that answers every request with `answer`. */
async function fakeEndpoint(answer: RequestListener) {
  const server = createHttpServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const config = parseBlobsUrl(`s3://rekap/?endpoint=http://127.0.0.1:${port}`);
  if (!config.ok) throw new Error(config.error);
  const backend = s3BlobBackend({
    config: config.value,
    credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    maxAttempts: 1,
  });
  return {
    backend,
    async close() {
      await backend.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('S3 blob backend (against a misbehaving endpoint)', () => {
  it('reads a body that breaks off before its length as short', async () => {
    const fake = await fakeEndpoint((req, res) => {
      res.writeHead(200, { 'Content-Length': '1000', 'Content-Type': 'application/octet-stream' });
      res.write(Buffer.alloc(400), () => res.destroy());
    });
    try {
      const raw = await fake.backend.read('s3:sha256/ab/ab');
      expect(raw).toMatchObject({ ok: false, error: { problem: 'short' } });
    } finally {
      await fake.close();
    }
  });

  it('says storage full when the store is full, with the sha256 sent along', async () => {
    const headers: string[] = [];
    const fake = await fakeEndpoint((req, res) => {
      headers.push(String(req.headers['x-amz-checksum-sha256']));
      req.resume();
      req.on('end', () => {
        res.writeHead(507, { 'Content-Type': 'application/xml' });
        res.end('<Error><Code>XMinioStorageFull</Code><Message>full</Message></Error>');
      });
    });
    try {
      const bytes = Buffer.from('a photo');
      await expect(fake.backend.put(bytes)).rejects.toBeInstanceOf(StorageFullError);
      expect(headers).toEqual([createHash('sha256').update(bytes).digest('base64')]);
    } finally {
      await fake.close();
    }
  });
});

describe('parseBlobsUrl', () => {
  it('reads bucket, prefix, endpoint, region and path style', () => {
    expect(
      parseBlobsUrl(
        's3://photos.rekap/2029/night?endpoint=http://10.0.0.5:9000&region=ap-southeast-3&forcePathStyle=1',
      ),
    ).toEqual({
      ok: true,
      value: {
        bucket: 'photos.rekap',
        prefix: '2029/night/',
        endpoint: 'http://10.0.0.5:9000',
        region: 'ap-southeast-3',
        forcePathStyle: true,
      },
    });
    expect(parseBlobsUrl('s3://rekap')).toEqual({
      ok: true,
      value: {
        bucket: 'rekap',
        prefix: '',
        endpoint: undefined,
        region: undefined,
        forcePathStyle: false,
      },
    });
    // With an endpoint: path style and a region by default (self-hosted stores want both).
    expect(parseBlobsUrl('s3://rekap/p/?endpoint=https://s3.example.id')).toMatchObject({
      value: { prefix: 'p/', region: 'us-east-1', forcePathStyle: true },
    });
    expect(
      parseBlobsUrl('s3://rekap?endpoint=https://s3.example.id&forcePathStyle=false'),
    ).toMatchObject({ value: { forcePathStyle: false } });
  });

  it.each([
    ['rekap', /not a URL/],
    ['http://rekap/x', /scheme must be s3:\/\/.*not http:/],
    ['file:///tmp/photos', /scheme must be s3:\/\//],
    ['s3:///prefix', /no bucket/],
    ['s3:rekap', /no bucket/],
    ['s3://Rekap_Photos/x', /"Rekap_Photos" is not a bucket name/],
    ['s3://rekap:9000/x', /not a bucket name.*no port/],
    ['s3://key:secret@rekap/x', /credentials do not go in the URL.*AWS_ACCESS_KEY_ID/],
    ['s3://rekap/a//b', /empty, \. or \.\. part/],
    ['s3://rekap/a%2F..%2Fb', /empty, \. or \.\. part/],
    ['s3://rekap?endpoint=localhost:9000', /endpoint "localhost:9000" must be http/],
    ['s3://rekap?endpoint=nonsense', /endpoint "nonsense" is not a URL/],
    ['s3://rekap?endpoint=ftp://host', /must be http:\/\/ or https:\/\//],
    ['s3://rekap?endpoint=http://k:s@host:9000', /credentials do not go in the endpoint/],
    ['s3://rekap?endpoint=http://host:9000/bucket', /only scheme, host and port/],
    ['s3://rekap?endpoint=http://a&endpoint=http://b', /endpoint is given twice/],
    ['s3://rekap?region=ap%20south', /region "ap south" is not a region name/],
    ['s3://rekap?forcePathStyle=yes', /forcePathStyle must be 1 or 0.*"yes"/],
    ['s3://rekap?endpont=http://host', /unknown parameter "endpont"/],
  ])('refuses %s', (text, message) => {
    const r = parseBlobsUrl(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});
