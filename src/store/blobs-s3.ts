// Photos in S3-compatible storage (issue 15): a second `BlobBackend` beside the pack files, so that
// any number of `rekap serve` processes on any machines share one photo store. It sits behind the
// same `verifiedBlobStore` as the packs, so a photo read from a bucket is hash-checked exactly like
// one read from a pack: whatever the object store hands back, only the photo asked for comes out.
//
// An object's key is its content (`<prefix>sha256/<first two hex>/<sha256>`): writing the same photo
// twice writes the same object, and its location is recorded in the database as `s3:<key>`. A
// location names its backend, so pack locations recorded before the switch to S3 stay readable
// (`openBlobStore` routes each read by its location's scheme).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { err, ok, type Result } from '../core/result.ts';
import {
  StorageFullError,
  packBackend,
  packBlobStore,
  verifiedBlobStore,
  type BlobBackend,
  type BlobLocation,
  type BlobStore,
  type RawBlob,
} from './blobs.ts';

/** Where the photos live, parsed from `--blobs s3://bucket/prefix?endpoint=...`. */
export type S3BlobsConfig = {
  bucket: string;
  /** Put before every key: empty, or ending in `/` (`rekap/` gives `rekap/sha256/ab/ab12...`). */
  prefix: string;
  /** `http(s)://host:port` of MinIO, Ceph RGW, s3rver...; undefined: AWS itself. */
  endpoint: string | undefined;
  /** undefined: the SDK's own chain (`AWS_REGION`, `~/.aws/config`). */
  region: string | undefined;
  /** `http://endpoint/bucket/key` instead of `http://bucket.endpoint/key`. */
  forcePathStyle: boolean;
};

/** Region when an endpoint is given and none is: custom stores accept any, and MinIO's is this. */
const CUSTOM_ENDPOINT_REGION = 'us-east-1';

/** S3's rule for bucket names (the DNS-compatible one that every S3-compatible store accepts). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const QUERY_KEYS = new Set(['endpoint', 'region', 'forcePathStyle']);
const FLAG: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

/**
 * Parses `s3://bucket/prefix?endpoint=http://host:port&region=...&forcePathStyle=1`. Credentials
 * never go in the URL (it is shown in logs and process lists): the SDK reads them from its usual
 * places, `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` first. With an endpoint, path-style access
 * is the default (MinIO and most self-hosted stores want it); `forcePathStyle=0` turns it off.
 */
export function parseBlobsUrl(text: string): Result<S3BlobsConfig, string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err(`--blobs: ${JSON.stringify(text)} is not a URL (expected s3://bucket/prefix?...)`);
  }
  if (url.protocol !== 's3:')
    return err(`--blobs: the scheme must be s3:// (or the word "packs"), not ${url.protocol}//`);
  if (url.username || url.password)
    return err(
      '--blobs: credentials do not go in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  // Node keeps an s3: URL's host as written, so an upper-case bucket name is seen and refused here.
  const bucket = url.host;
  if (!bucket) return err('--blobs: no bucket (expected s3://bucket/prefix?...)');
  if (!BUCKET.test(bucket))
    return err(
      `--blobs: ${JSON.stringify(bucket)} is not a bucket name (3 to 63 lower-case letters, ` +
        'digits, dots and hyphens; no port: the endpoint goes in ?endpoint=)',
    );
  let prefix: string;
  try {
    prefix = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  } catch {
    return err(`--blobs: the prefix ${JSON.stringify(url.pathname)} is not well encoded`);
  }
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  if (prefix.includes('//') || prefix.split('/').some((part) => part === '.' || part === '..'))
    return err(`--blobs: the prefix ${JSON.stringify(prefix)} has an empty, . or .. part`);

  const params = url.searchParams;
  for (const key of new Set(params.keys()))
    if (!QUERY_KEYS.has(key))
      return err(
        `--blobs: unknown parameter ${JSON.stringify(key)} (known: endpoint, region, forcePathStyle)`,
      );
  for (const key of QUERY_KEYS)
    if (params.getAll(key).length > 1) return err(`--blobs: ${key} is given twice`);

  const endpointText = params.get('endpoint') ?? undefined;
  let endpoint: string | undefined;
  if (endpointText !== undefined) {
    let e: URL;
    try {
      e = new URL(endpointText);
    } catch {
      return err(
        `--blobs: the endpoint ${JSON.stringify(endpointText)} is not a URL (expected http://host:port)`,
      );
    }
    if (e.protocol !== 'http:' && e.protocol !== 'https:')
      return err(
        `--blobs: the endpoint ${JSON.stringify(endpointText)} must be http:// or https://`,
      );
    if (e.username || e.password)
      return err(
        '--blobs: credentials do not go in the endpoint; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      );
    if ((e.pathname !== '/' && e.pathname !== '') || e.search || e.hash)
      return err(
        `--blobs: the endpoint ${JSON.stringify(endpointText)} must be only scheme, host and port`,
      );
    endpoint = e.origin;
  }

  const region = params.get('region') ?? undefined;
  if (region !== undefined && !/^[a-z0-9-]+$/i.test(region))
    return err(`--blobs: the region ${JSON.stringify(region)} is not a region name`);

  const styleText = params.get('forcePathStyle') ?? undefined;
  const style = styleText === undefined ? endpoint !== undefined : FLAG[styleText];
  if (style === undefined)
    return err(
      `--blobs: forcePathStyle must be 1 or 0 (true or false), not ${JSON.stringify(styleText)}`,
    );

  return ok({
    bucket,
    prefix,
    endpoint,
    region: region ?? (endpoint ? CUSTOM_ENDPOINT_REGION : undefined),
    forcePathStyle: style,
  });
}

/** The URL again, as a user would recognise it in an error message (no credentials are in it). */
export const describeS3 = (c: S3BlobsConfig): string =>
  `bucket ${JSON.stringify(c.bucket)} at ${c.endpoint ?? `AWS S3 (${c.region ?? 'default region'})`}`;

export type S3BackendOptions = {
  config: S3BlobsConfig;
  /** Tests only: explicit credentials; production reads the SDK's environment variables. */
  credentials?: S3ClientConfig['credentials'];
  /** Only read: `put` fails. */
  readOnly?: boolean;
  /** Tests: the SDK's retries (default 3 attempts). */
  maxAttempts?: number;
};

/** `s3:<key>`: what the database records for a photo in a bucket. */
export const S3_SCHEME = 's3:';

/** The object key of a photo, from its sha256 (hex). */
export const s3Key = (prefix: string, sha256: string): string =>
  `${prefix}sha256/${sha256.slice(0, 2)}/${sha256}`;

/** What S3's kin say when a store or a quota is full (MinIO's, Ceph RGW's, plain HTTP's 507). */
const FULL_NAMES = new Set(['XMinioStorageFull', 'QuotaExceeded']);
const FULL_STATUS = 507;

type SdkError = {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
};
const status = (e: unknown): number | undefined =>
  (e as SdkError | null)?.$metadata?.httpStatusCode;
const nameOf = (e: unknown): string => {
  const name = (e as SdkError | null)?.name;
  return typeof name === 'string' ? name : 'Error';
};
/** One line about an SDK failure: its S3 error name, the network code, and the message. */
function detailOf(e: unknown): string {
  const x = (e ?? {}) as SdkError;
  const parts = [
    nameOf(e) !== 'Error' ? nameOf(e) : undefined,
    typeof x.code === 'string' ? x.code : undefined,
    status(e) !== undefined ? `HTTP ${status(e)}` : undefined,
    typeof x.message === 'string' && x.message && x.message !== 'UnknownError'
      ? x.message
      : undefined,
  ].filter((p): p is string => p !== undefined);
  return [...new Set(parts)].join(': ') || String(e);
}

export function s3Client(opts: S3BackendOptions): S3Client {
  const { config } = opts;
  return new S3Client({
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint !== undefined && { endpoint: config.endpoint }),
    ...(config.region !== undefined && { region: config.region }),
    ...(opts.credentials !== undefined && { credentials: opts.credentials }),
    ...(opts.maxAttempts !== undefined && { maxAttempts: opts.maxAttempts }),
    // Without these a dead endpoint holds a submission forever; a photo of ~400 KB takes well under
    // a minute even on a poor link between the server and its store.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
}

/**
 * Photos as objects in a bucket. A put sends the bytes with their sha256 (`ChecksumSHA256`, the
 * `x-amz-checksum-sha256` header), so a store that checks it (S3, MinIO, Ceph RGW) refuses bytes
 * damaged on the way. s3rver, the test server, accepts the header and checks nothing (nor the
 * signed `x-amz-content-sha256`); there, as everywhere, the read-time hash check is what holds.
 * The put resolves only once the store answered 200: the object is then durable by the store's
 * own rules, the same promise a pack's fdatasync gives.
 *
 * A second put of the same bytes writes the same object again rather than asking first: one round
 * trip instead of two, and an object damaged in the store is repaired by the next upload of it.
 */
export function s3BlobBackend(opts: S3BackendOptions): BlobBackend {
  const { config } = opts;
  const client = s3Client(opts);
  const where = describeS3(config);
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const done = () => inFlight.delete(p);
    p.then(done, done);
    return p;
  };

  const put = async (bytes: Uint8Array): Promise<BlobLocation> => {
    if (opts.readOnly) throw new Error('the blob store is open read-only');
    // One hash for both spellings: the key's hex and the checksum header's base64.
    const digest = createHash('sha256').update(bytes).digest();
    const sha256 = digest.toString('hex');
    const checksum = digest.toString('base64');
    const key = s3Key(config.prefix, sha256);
    let answer;
    try {
      answer = await client.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: checksum,
        }),
      );
    } catch (e) {
      if (status(e) === FULL_STATUS || FULL_NAMES.has(nameOf(e))) throw new StorageFullError(e);
      throw new Error(`cannot store photo ${sha256} in ${where}: ${detailOf(e)}`, { cause: e });
    }
    // A store that checked the checksum says which one it stored; it must be ours.
    if (answer.ChecksumSHA256 !== undefined && answer.ChecksumSHA256 !== checksum)
      throw new Error(
        `${where} stored photo ${sha256} with checksum ${answer.ChecksumSHA256}, not ${checksum}`,
      );
    return `${S3_SCHEME}${key}`;
  };

  const read = async (location: BlobLocation): Promise<RawBlob> => {
    if (!location.startsWith(S3_SCHEME) || location.length === S3_SCHEME.length)
      return err({ problem: 'missing', detail: 'not an s3: location' });
    const key = location.slice(S3_SCHEME.length);
    let answer;
    try {
      answer = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
    } catch (e) {
      const name = nameOf(e);
      if (name === 'NoSuchBucket')
        return err({ problem: 'unreadable', detail: `no ${where} (${detailOf(e)})` });
      if (name === 'NoSuchKey' || status(e) === 404)
        return err({ problem: 'missing', detail: `no object ${key} in ${where}` });
      return err({ problem: 'unreadable', detail: `${where}: ${detailOf(e)}` });
    }
    if (!answer.Body) return err({ problem: 'unreadable', detail: `${where} sent no body` });
    let body: Uint8Array;
    try {
      body = await answer.Body.transformToByteArray();
    } catch (e) {
      // The store said how long the object is and the connection broke before that many bytes.
      return err({ problem: 'short', detail: `${where}: the body broke off (${detailOf(e)})` });
    }
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const expected = answer.ContentLength;
    if (expected !== undefined && bytes.length < expected)
      return err({ problem: 'short', detail: `${bytes.length} of ${expected} bytes` });
    return ok(bytes);
  };

  return {
    put: (bytes) => track(put(bytes)),
    read: (location) => track(read(location)),
    async close() {
      await Promise.allSettled([...inFlight]);
      client.destroy();
    },
  };
}

/** Why a blob store cannot be opened: a bad `--blobs` or a store that cannot be reached. */
export class BlobStoreOpenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BlobStoreOpenError';
  }
}

export type OpenBlobStoreOptions = {
  /** Where the pack files are (`<dataDir>/blobs`): written by `packs`, still read under `s3://`. */
  dataDir: string;
  readOnly?: boolean;
  /** Create the bucket when it is not there (tests and trial setups; production makes its own). */
  createBucket?: boolean;
  /** Tests only: explicit credentials, instead of the SDK's environment variables. */
  credentials?: S3ClientConfig['credentials'];
  /** Tests: the SDK's retries (default 3 attempts). */
  maxAttempts?: number;
};

/** Whether `--blobs` keeps photos in this machine's pack files (whose writer holds the data lock). */
export const usesPackFiles = (spec: string | undefined): boolean =>
  spec === undefined || spec === 'packs';

/**
 * The photo store `--blobs` names. `undefined` or `packs`: the pack files under `<dataDir>/blobs`.
 * `s3://...`: new photos go to the bucket; reads go by location, `s3:` to the bucket and `pack-...`
 * to the pack files of `dataDir` (read-only), so photos kept before the switch stay readable. All
 * of it sits behind one `verifiedBlobStore`, so every read is hash-checked whichever way it goes.
 *
 * For S3 it asks the bucket first (HeadBucket), so a wrong endpoint, bucket or credentials stop
 * the server at start rather than its first submission. Fails with `BlobStoreOpenError`.
 */
export async function openBlobStore(
  spec: string | undefined,
  opts: OpenBlobStoreOptions,
): Promise<BlobStore> {
  const packsRoot = join(opts.dataDir, 'blobs');
  if (usesPackFiles(spec)) return packBlobStore(packsRoot, { readOnly: opts.readOnly ?? false });
  const parsed = parseBlobsUrl(spec ?? '');
  if (!parsed.ok) throw new BlobStoreOpenError(parsed.error);
  const config = parsed.value;
  const backendOpts = {
    config,
    readOnly: opts.readOnly ?? false,
    ...(opts.credentials !== undefined && { credentials: opts.credentials }),
    ...(opts.maxAttempts !== undefined && { maxAttempts: opts.maxAttempts }),
  };
  await checkBucket(backendOpts, opts.createBucket === true && !opts.readOnly);
  const s3 = s3BlobBackend(backendOpts);
  const packs = packBackend(packsRoot, { readOnly: true });
  return verifiedBlobStore(routedBackend({ [S3_SCHEME]: s3, 'pack-': packs }, s3));
}

/** Reads go to the backend whose prefix the location starts with; writes go to `writer`. */
function routedBackend(routes: Record<string, BlobBackend>, writer: BlobBackend): BlobBackend {
  const entries = Object.entries(routes);
  return {
    put: (bytes) => writer.put(bytes),
    read(location) {
      const route = entries.find(([prefix]) => location.startsWith(prefix));
      if (route) return route[1].read(location);
      const scheme = /^[a-z0-9]+[:-]/i.exec(location)?.[0] ?? location.slice(0, 16);
      return Promise.resolve(
        err({
          problem: 'missing',
          detail: `no blob store for locations starting ${JSON.stringify(scheme)} (known: ${entries
            .map(([p]) => p)
            .join(', ')})`,
        }),
      );
    },
    async close() {
      await Promise.all([...new Set([writer, ...entries.map(([, b]) => b)])].map((b) => b.close()));
    },
  };
}

/** HeadBucket, and CreateBucket when asked and the bucket is not there. */
async function checkBucket(opts: S3BackendOptions, create: boolean): Promise<void> {
  const { config } = opts;
  const where = describeS3(config);
  const client = s3Client(opts);
  try {
    try {
      await client.send(new HeadBucketCommand({ Bucket: config.bucket }));
      return;
    } catch (e) {
      const s = status(e);
      const notThere = s === 404 || nameOf(e) === 'NotFound' || nameOf(e) === 'NoSuchBucket';
      if (!notThere || !create) {
        const why = notThere
          ? 'there is no such bucket'
          : nameOf(e) === 'CredentialsProviderError'
            ? `no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): ${detailOf(e)}`
            : s === 403 || s === 401
              ? `access denied (check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): ${detailOf(e)}`
              : `it cannot be reached: ${detailOf(e)}`;
        throw new BlobStoreOpenError(`photo store ${where}: ${why}`, { cause: e });
      }
    }
    try {
      await client.send(new CreateBucketCommand({ Bucket: config.bucket }));
    } catch (e) {
      // Another server of the same setup may have created it in between.
      const n = nameOf(e);
      if (n !== 'BucketAlreadyOwnedByYou' && n !== 'BucketAlreadyExists')
        throw new BlobStoreOpenError(`photo store ${where}: cannot create it: ${detailOf(e)}`, {
          cause: e,
        });
    }
  } finally {
    client.destroy();
  }
}
