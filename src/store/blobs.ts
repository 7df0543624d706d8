// Content-addressed photo storage. A photo is identified by its sha256 and never changes. On disk
// the photos are appended to pack files (`blobs/pack-000001.dat`, ...), and the database row of each
// photo records where its bytes lie, in the same transaction as the submission that names it.
// Appending to one open file costs a fraction of creating a file per photo (on this project's
// machines ~1,075 vs ~356 photos/s); nothing is ever deleted, so packs never need compacting.
//
// Evidence is checked where it is read: `get` hands out bytes only when they hash to the sha256
// the caller expects, so a damaged pack, a wrong location or a pack written by two processes can
// never serve one photo as another. The check lives in `verifiedBlobStore`, shared by every
// backend (the pack files here; an object store later), so no backend can skip it.
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fdatasync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '../core/result.ts';

export const sha256Hex = (bytes: Uint8Array | string): string =>
  createHash('sha256').update(bytes).digest('hex');

/** Where a blob's bytes lie: `pack-000001.dat:OFFSET:LENGTH`. */
export type BlobLocation = string;

/** The photo store that the rest of Rekap uses. */
export type BlobStore = {
  /**
   * Keeps the bytes and says where they are. Resolves only once they are durable (written and
   * fdatasync'ed): a location handed out survives a crash of the process and a power loss. Fails
   * with `StorageFullError` when the disk is full; a failed put leaves nothing that a later put
   * could be confused with.
   */
  put(bytes: Uint8Array): Promise<BlobLocation>;
  /**
   * The bytes at `location`, only if they hash to `sha256`. Anything else (no such pack, fewer
   * bytes than recorded, other bytes) throws `BlobCorruptError`: never wrong bytes.
   */
  get(location: BlobLocation, sha256: string): Promise<Buffer>;
  /** Waits for puts under way, then lets go of the files. */
  close(): Promise<void>;
};

/**
 * What a backend provides: raw bytes in and out. `verifiedBlobStore` adds the hash check, so a
 * backend only has to say what it found.
 */
export type BlobBackend = {
  put(bytes: Uint8Array): Promise<BlobLocation>;
  read(location: BlobLocation): Promise<RawBlob>;
  close(): Promise<void>;
};

/** Why stored bytes cannot be handed out. */
export type BlobProblem = 'missing' | 'short' | 'wrong_hash' | 'unreadable';
/** What a backend's read found: the bytes (not yet checked against their hash), or why none. */
export type RawBlob = Result<
  Buffer,
  { problem: Exclude<BlobProblem, 'wrong_hash'>; detail: string }
>;

/** Stored bytes that are not the photo they are recorded as: a bug or a damaged disk, never input. */
export class BlobCorruptError extends Error {
  constructor(
    readonly sha256: string,
    readonly location: BlobLocation,
    readonly problem: BlobProblem,
    readonly detail: string,
  ) {
    super(`photo ${sha256} at ${location}: ${problem} (${detail})`);
    this.name = 'BlobCorruptError';
  }
}

/** Seconds a client is asked to wait (`Retry-After`) when the disk is full. */
export const STORAGE_FULL_RETRY_AFTER_S = 60;

/** The disk (or the quota) is full: an expected failure, answered 503 `storage_full`. */
export class StorageFullError extends Error {
  constructor(cause: unknown) {
    super('the server has no room left for photos; try again later', { cause });
    this.name = 'StorageFullError';
  }
}

const FULL = new Set(['ENOSPC', 'EDQUOT']);
const errCode = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;

/**
 * Whether a failure means "no room left": a full blob store, or the database's own disk-full
 * errors (SQLite `SQLITE_FULL`, PostgreSQL `53100 disk_full`, a raw `ENOSPC`/`EDQUOT`).
 */
export function isStorageFull(e: unknown): boolean {
  if (e instanceof StorageFullError) return true;
  const code = errCode(e);
  return typeof code === 'string' && (FULL.has(code) || code === 'SQLITE_FULL' || code === '53100');
}

/** The hash check every backend shares: bytes come out only when they are what was asked for. */
export function verifiedBlobStore(backend: BlobBackend): BlobStore {
  return {
    put: (bytes) => backend.put(bytes),
    async get(location, sha256) {
      const raw = await backend.read(location);
      if (!raw.ok)
        throw new BlobCorruptError(sha256, location, raw.error.problem, raw.error.detail);
      const actual = sha256Hex(raw.value);
      if (actual !== sha256)
        throw new BlobCorruptError(sha256, location, 'wrong_hash', `the bytes hash to ${actual}`);
      return raw.value;
    },
    close: () => backend.close(),
  };
}

const PACK = /^pack-(\d{6})\.dat$/;
const LOCATION = /^(pack-\d{6}\.dat):(\d+):(\d+)$/;

/** The file operations a pack writer needs; tests replace some to inject failures. */
export type PackIo = {
  /** Writes at `position`; returns how many bytes were written (possibly fewer). */
  write(fd: number, bytes: Uint8Array, offset: number, length: number, position: number): number;
  /** Flushes the file's data to the disk. */
  datasync(fd: number): Promise<void>;
  truncate(fd: number, length: number): void;
  /** The file's size: where the next bytes go. */
  size(fd: number): number;
};

const nodeIo: PackIo = {
  write: (fd, bytes, offset, length, position) => writeSync(fd, bytes, offset, length, position),
  datasync: (fd) =>
    new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve()))),
  truncate: (fd, length) => ftruncateSync(fd, length),
  size: (fd) => fstatSync(fd).size,
};

export type PackOptions = {
  /** A new pack starts past this many bytes (default 1 GiB). */ packBytes?: number;
  /** Only read: nothing is created or opened for writing, and `put` fails. */
  readOnly?: boolean;
  /** Tests: replace file operations (to inject a full disk or a failing flush). */
  io?: Partial<PackIo>;
};

/**
 * Blobs in append-only pack files under `root`, with the read-time hash check. One process writes
 * a data folder at a time: the caller holds the folder's lock (lock.ts; `openStore` takes it).
 */
export function packBlobStore(root: string, opts: PackOptions = {}): BlobStore {
  return verifiedBlobStore(packBackend(root, opts));
}

/** A pack open for appending. */
type Pack = {
  name: string;
  fd: number;
  /** Set when a flush failed: what the pack holds past `synced` is unknown; nothing more goes in. */
  broken?: Error;
  /** The end of the bytes that the last successful flush covered. */
  synced: number;
  /** Resolves once a flush that started after this call has succeeded. */
  sync(): Promise<void>;
  /** Resolves once no flush is under way or waiting. */
  idle(): Promise<void>;
};

const noop = () => undefined;

/**
 * The pack files. Each put writes at the pack's real end (its size on disk, never a counter kept
 * beside it), then waits for a flush (fdatasync); puts that arrive while a flush runs share the
 * next one (group commit). A failed write is cut off again (truncated to where it began), or, if
 * even that fails, the pack is left and the next put starts a new one. A failed flush leaves its
 * pack the same way, cut back to what the last good flush covered. On open, the newest pack's size
 * on disk is where appending resumes.
 */
export function packBackend(root: string, opts: PackOptions): BlobBackend {
  const read = (location: BlobLocation) => readPack(root, location);
  if (opts.readOnly)
    return {
      put: () => Promise.reject(new Error('the blob store is open read-only')),
      read,
      close: () => Promise.resolve(),
    };
  const io: PackIo = { ...nodeIo, ...opts.io };
  const packBytes = opts.packBytes ?? 1024 ** 3;
  if (mkdirSync(root, { recursive: true })) syncDir(join(root, '..'));
  const numbers = readdirSync(root)
    .map((f) => PACK.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  /** The newest pack's number (0: none yet), and whether appending may resume in it. */
  let number = Math.max(0, ...numbers);
  let resume = number > 0;

  const openPack = (n: number): Pack => {
    const name = `pack-${String(n).padStart(6, '0')}.dat`;
    // Not O_APPEND: Linux ignores the position of a positioned write to a file opened to append.
    const fd = openSync(join(root, name), constants.O_RDWR | constants.O_CREAT, 0o644);
    syncDir(root);
    // One flush at a time; whoever arrives while one runs joins the next, not yet started.
    let queued: Promise<void> | undefined;
    let last: Promise<void> = Promise.resolve();
    const pack: Pack = {
      name,
      fd,
      synced: io.size(fd),
      sync() {
        if (!queued) {
          queued = last.catch(noop).then(() => {
            queued = undefined;
            return flush();
          });
          last = queued;
        }
        return queued;
      },
      idle: () => last.catch(noop),
    };
    const flush = async () => {
      if (pack.broken) throw pack.broken;
      const end = io.size(fd);
      try {
        await io.datasync(fd);
        pack.synced = end;
      } catch (e) {
        pack.broken = e instanceof Error ? e : new Error(String(e));
        try {
          io.truncate(fd, pack.synced);
        } catch {
          /* the pack is left anyway; its tail is never referenced */
        }
        throw e;
      }
    };
    return pack;
  };

  let pack: Pack | undefined;
  const left = new Set<Pack>();
  const current = (): Pack => {
    if (!pack) {
      pack = openPack(resume ? number : ++number);
      resume = false;
    }
    return pack;
  };
  /** Stops appending to a pack (full or failed); it is closed once its flushes are done. */
  const leave = (p: Pack) => {
    if (pack === p) pack = undefined;
    left.add(p);
    void p.idle().then(() => closeLeft(p));
  };
  const closeLeft = (p: Pack) => {
    if (left.delete(p)) closeSync(p.fd);
  };
  const failure = (e: unknown) => (FULL.has(String(errCode(e))) ? new StorageFullError(e) : e);

  /** The pack this put goes to: the current one, or a new one when it is full or failed. */
  const packFor = (bytes: Uint8Array): Pack => {
    try {
      const p = current();
      const size = io.size(p.fd);
      if (!p.broken && (size === 0 || size + bytes.length <= packBytes)) return p;
      leave(p);
      return current();
    } catch (e) {
      throw failure(e); // a new pack cannot even be created on a full disk
    }
  };

  const put = async (bytes: Uint8Array): Promise<BlobLocation> => {
    const p = packFor(bytes);
    const at = io.size(p.fd);
    let written = 0;
    try {
      while (written < bytes.length)
        written += io.write(p.fd, bytes, written, bytes.length - written, at + written);
    } catch (e) {
      // Cut the torn tail off; if even that fails, later puts go to a new pack.
      let cut = false;
      try {
        io.truncate(p.fd, at);
        cut = io.size(p.fd) === at;
      } catch {
        /* left below */
      }
      if (!cut) leave(p);
      throw failure(e);
    }
    try {
      await p.sync();
    } catch (e) {
      if (pack === p) leave(p);
      throw failure(e);
    }
    return `${p.name}:${at}:${bytes.length}`;
  };

  const inFlight = new Set<Promise<unknown>>();
  return {
    put(bytes) {
      const p = put(bytes);
      inFlight.add(p);
      const done = () => inFlight.delete(p);
      p.then(done, done);
      return p;
    },
    read,
    async close() {
      await Promise.allSettled([...inFlight]);
      if (pack) leave(pack);
      await Promise.all([...left].map((p) => p.idle()));
      for (const p of [...left]) closeLeft(p);
    },
  };
}

/** Makes a new directory entry (a new pack) durable. */
function syncDir(dir: string) {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function readPack(root: string, location: BlobLocation): Promise<RawBlob> {
  const m = LOCATION.exec(location);
  if (!m) return err({ problem: 'missing', detail: 'not a pack location' });
  const [, file, offset, length] = m as unknown as [string, string, string, string];
  let handle;
  try {
    handle = await open(join(root, file), 'r');
  } catch (e) {
    return errCode(e) === 'ENOENT'
      ? err({ problem: 'missing', detail: `no ${file}` })
      : err({ problem: 'unreadable', detail: String(errCode(e) ?? e) });
  }
  try {
    const out = Buffer.alloc(Number(length));
    const { bytesRead } = await handle.read(out, 0, out.length, Number(offset));
    return bytesRead === out.length
      ? ok(out)
      : err({ problem: 'short', detail: `${bytesRead} of ${out.length} bytes` });
  } catch (e) {
    return err({ problem: 'unreadable', detail: String(errCode(e) ?? e) });
  } finally {
    await handle.close();
  }
}
