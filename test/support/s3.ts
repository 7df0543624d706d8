// An S3-compatible store for tests: s3rver (a devDependency, so always present) on a free loopback
// port, keeping its objects in a temp folder of its own. Used by the S3 blob backend's tests and by
// the multi-process test, whose `rekap serve` children get the credentials through `env`.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

/** The part of s3rver@3's API used here (the package ships no types). */
type S3rverInstance = {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections?: () => void };
};
type S3rverClass = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
  resetOnClose?: boolean;
  /** Path-style URLs only: `http://127.0.0.1:PORT/bucket/key`. */
  vhostBuckets?: boolean;
}) => S3rverInstance;

// s3rver is CommonJS with no ES module entry point nor types: loaded the CommonJS way.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** s3rver's fixed credentials (it checks signatures made with them). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const S3RVER_REGION = 'us-east-1';

export type TestS3 = {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  bucket: string;
  /** The `--blobs` URL: `s3://BUCKET/PREFIX?endpoint=...&region=...&forcePathStyle=1`. */
  url: string;
  credentials: typeof S3RVER_CREDENTIALS;
  /** For child processes (`rekap serve --blobs URL`): the SDK's credential and region variables. */
  env: Record<string, string>;
  /** A raw client of the store, to look at or damage objects behind the blob store's back. */
  client(): S3Client;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
};

export async function startS3rver(
  opts: { bucket?: string; prefix?: string } = {},
): Promise<TestS3> {
  const bucket = opts.bucket ?? 'rekap-test';
  const prefix = opts.prefix ?? 'photos/';
  const directory = await mkdtemp(join(tmpdir(), 'rekap-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0, // the kernel's free port, taken at listen: no race with other tests
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
    vhostBuckets: false,
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (e) {
    await rm(directory, { recursive: true, force: true });
    throw e;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const query = new URLSearchParams({ endpoint, region: S3RVER_REGION, forcePathStyle: '1' });
  const clients: S3Client[] = [];
  return {
    endpoint,
    bucket,
    // The endpoint stays readable in the URL (`:` and `/` need no escaping in a query).
    url: `s3://${bucket}/${prefix}?${decodeURIComponent(query.toString())}`,
    credentials: S3RVER_CREDENTIALS,
    env: {
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: S3RVER_REGION,
    },
    client() {
      const c = new S3Client({
        endpoint,
        region: S3RVER_REGION,
        forcePathStyle: true,
        credentials: S3RVER_CREDENTIALS,
      });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.destroy();
      const closing = server.close();
      // Keep-alive sockets of clients still open would hold close() until they time out.
      server.httpServer?.closeAllConnections?.();
      await closing;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
