// Content-addressed photo storage. A photo is identified by its sha256 and never changes. On disk
// the photos are appended to pack files (`blobs/pack-000001.dat`, ...), and the database row of each
// photo records where its bytes lie, in the same transaction as the submission that names it.
// Appending to one open file costs a fraction of creating a file per photo (on this project's
// machines ~1,075 vs ~356 photos/s); nothing is ever deleted, so packs never need compacting.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export const sha256Hex = (bytes: Uint8Array | string): string =>
  createHash('sha256').update(bytes).digest('hex');

/** Where a blob's bytes lie: `pack-000001.dat:OFFSET:LENGTH`. */
export type BlobLocation = string;

export type BlobStore = {
  /**
   * Appends the bytes and says where they are. They are in the operating system's hands when this
   * returns (they survive a crash of the process; power loss needs `sync`).
   */
  put(bytes: Uint8Array): Promise<BlobLocation>;
  get(location: BlobLocation): Promise<Buffer | undefined>;
  close(): void;
};

const PACK = /^pack-(\d{6})\.dat$/;
const LOCATION = /^(pack-\d{6}\.dat):(\d+):(\d+)$/;

export type PackOptions = {
  /** A new pack starts past this many bytes (default 1 GiB). */ packBytes?: number;
  /** Only read: nothing is created or opened for writing, and `put` fails. */
  readOnly?: boolean;
};

/**
 * Blobs in append-only pack files under `root`. One process writes a data folder at a time (as
 * with the SQLite file beside it). Bytes written but never committed to the database (a crash
 * between the two) stay as unreferenced bytes; they are harmless.
 */
export function packBlobStore(root: string, opts: PackOptions = {}): BlobStore {
  if (opts.readOnly)
    return {
      put: () => Promise.reject(new Error('the blob store is open read-only')),
      get: (location) => readBlob(root, location),
      close() {},
    };
  const packBytes = opts.packBytes ?? 1024 ** 3;
  mkdirSync(root, { recursive: true });
  const packs = readdirSync(root)
    .map((f) => PACK.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  let number = packs.at(-1) ?? 1;
  let name = '';
  let fd = -1;
  let position = 0;
  const openPack = () => {
    name = `pack-${String(number).padStart(6, '0')}.dat`;
    fd = openSync(join(root, name), 'a');
    position = fstatSync(fd).size;
  };
  openPack();
  return {
    put(bytes) {
      if (position > 0 && position + bytes.length > packBytes) {
        closeSync(fd);
        number++;
        openPack();
      }
      const at = position;
      let written = 0;
      while (written < bytes.length)
        written += writeSync(fd, bytes, written, bytes.length - written);
      position += bytes.length;
      return Promise.resolve(`${name}:${at}:${bytes.length}`);
    },
    get: (location) => readBlob(root, location),
    close() {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
  };
}

async function readBlob(root: string, location: BlobLocation): Promise<Buffer | undefined> {
  const m = LOCATION.exec(location);
  if (!m) return undefined;
  const [, file, offset, length] = m as unknown as [string, string, string, string];
  const handle = await open(join(root, file), 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const out = Buffer.alloc(Number(length));
    const { bytesRead } = await handle.read(out, 0, out.length, Number(offset));
    return bytesRead === out.length ? out : undefined;
  } finally {
    await handle.close();
  }
}
