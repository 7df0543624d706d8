import { mkdtemp, readdir, rm, stat, truncate, writeFile, open } from 'node:fs/promises';
import { fstatSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BlobCorruptError,
  StorageFullError,
  isStorageFull,
  packBlobStore,
  sha256Hex,
  type BlobStore,
  type PackIo,
} from './blobs.ts';

let dir: string;
afterEach(() => rm(dir, { recursive: true, force: true }));
const fresh = async () => (dir = await mkdtemp(join(tmpdir(), 'rekap-blobs-')));

const blob = (n: number, size = 1000) => Buffer.alloc(size + n, n % 251);
const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });

/** Every location reads back exactly its bytes. */
async function expectAllRight(blobs: BlobStore, kept: [Buffer, string][]) {
  for (const [bytes, loc] of kept) expect((await blobs.get(loc, sha256Hex(bytes))).equals(bytes));
}

async function problemOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(BlobCorruptError);
  return (e as BlobCorruptError).problem;
}

describe('pack blob store', () => {
  it('gives back exactly the bytes put, across a reopen and across packs', async () => {
    await fresh();
    const blobs = packBlobStore(dir, { packBytes: 1000 });
    const items = Array.from({ length: 12 }, (_, i) => Buffer.alloc(300 + i, i + 1));
    const kept: [Buffer, string][] = [];
    for (const b of items) kept.push([b, await blobs.put(b)]);
    await blobs.close();
    expect((await readdir(dir)).length).toBeGreaterThan(3);
    const again = packBlobStore(dir, { packBytes: 1000 });
    await expectAllRight(again, kept);
    // Appends after the reopen go after what is there.
    const more = Buffer.from('more');
    kept.push([more, await again.put(more)]);
    await expectAllRight(again, kept);
    await again.close();
  });

  it('hands out bytes only when they hash to the sha256 asked for', async () => {
    await fresh();
    const blobs = packBlobStore(dir);
    const a = Buffer.alloc(100, 7);
    const b = Buffer.alloc(100, 8);
    const locA = await blobs.put(a);
    const locB = await blobs.put(b);
    // The right bytes under the wrong hash (a row pointing at another photo's bytes).
    expect(await problemOf(blobs.get(locB, sha256Hex(a)))).toBe('wrong_hash');
    expect(await problemOf(blobs.get('../../etc/passwd:0:10', sha256Hex(a)))).toBe('missing');
    expect(await problemOf(blobs.get('pack-000099.dat:0:10', sha256Hex(a)))).toBe('missing');
    // One flipped byte in the pack.
    const f = await open(join(dir, 'pack-000001.dat'), 'r+');
    await f.write(Buffer.from([0]), 0, 1, 150);
    await f.close();
    expect(await problemOf(blobs.get(locB, sha256Hex(b)))).toBe('wrong_hash');
    expect((await blobs.get(locA, sha256Hex(a))).equals(a)).toBe(true);
    await truncate(join(dir, 'pack-000001.dat'), 50);
    expect(await problemOf(blobs.get(locA, sha256Hex(a)))).toBe('short');
    await blobs.close();
  });

  it('after a torn write (disk full half-way), cuts the tail off and keeps later photos right', async () => {
    await fresh();
    let failNext = false;
    const io: Partial<PackIo> = {
      write(fd, bytes, offset, length, position) {
        if (!failNext) return writeSync(fd, bytes, offset, length, position);
        failNext = false;
        writeSync(fd, bytes, offset, Math.floor(length / 2), position);
        throw errno('ENOSPC');
      },
    };
    const blobs = packBlobStore(dir, { io });
    const kept: [Buffer, string][] = [];
    for (let i = 0; i < 3; i++) kept.push([blob(i), await blobs.put(blob(i))]);
    const before = (await stat(join(dir, 'pack-000001.dat'))).size;
    failNext = true;
    const failed = blobs.put(blob(99));
    await expect(failed).rejects.toBeInstanceOf(StorageFullError);
    expect(isStorageFull(await failed.catch((e: unknown) => e))).toBe(true);
    // Nothing of the failed photo stays behind.
    expect((await stat(join(dir, 'pack-000001.dat'))).size).toBe(before);
    for (let i = 3; i < 23; i++) kept.push([blob(i), await blobs.put(blob(i))]);
    await expectAllRight(blobs, kept);
    await blobs.close();
    const again = packBlobStore(dir);
    await expectAllRight(again, kept);
    await again.close();
  });

  it('when the torn tail cannot be cut off, starts a new pack', async () => {
    await fresh();
    let fail = false;
    const io: Partial<PackIo> = {
      write(fd, bytes, offset, length, position) {
        if (!fail) return writeSync(fd, bytes, offset, length, position);
        fail = false;
        writeSync(fd, bytes, offset, 10, position);
        throw errno('EIO');
      },
      truncate() {
        throw errno('EIO');
      },
    };
    const blobs = packBlobStore(dir, { io });
    const kept: [Buffer, string][] = [[blob(1), await blobs.put(blob(1))]];
    fail = true;
    await expect(blobs.put(blob(2))).rejects.toThrow(/EIO/);
    for (let i = 3; i < 8; i++) kept.push([blob(i), await blobs.put(blob(i))]);
    expect(kept[1]![1]).toMatch(/^pack-000002\.dat:0:/);
    await expectAllRight(blobs, kept);
    await blobs.close();
  });

  it('resolves a put only after a flush that began after its bytes were written', async () => {
    await fresh();
    const flushes: { size: number; done: boolean }[] = [];
    const io: Partial<PackIo> = {
      async datasync(fd) {
        const f = { size: fstatSync(fd).size, done: false };
        flushes.push(f);
        // A slow disk: give the other puts time to pile up behind this flush.
        await new Promise((r) => setTimeout(r, 5));
        f.done = true;
      },
    };
    const blobs = packBlobStore(dir, { io });
    const puts = Array.from({ length: 40 }, (_, i) =>
      blobs.put(blob(i)).then((loc) => {
        const [, at, len] = loc.split(':').map(Number) as [number, number, number];
        // Some finished flush covered this put's last byte.
        expect(flushes.some((f) => f.done && f.size >= at + len)).toBe(true);
        return [blob(i), loc] as [Buffer, string];
      }),
    );
    const kept = await Promise.all(puts);
    // Puts that arrive during a flush share the next one.
    expect(flushes.length).toBeLessThan(40);
    await expectAllRight(blobs, kept);
    await blobs.close();
  });

  it('a failed flush fails its puts, and later puts go to a new pack that is right', async () => {
    await fresh();
    let failFlush = false;
    const io: Partial<PackIo> = {
      datasync: () => (failFlush ? Promise.reject(errno('ENOSPC')) : Promise.resolve()),
    };
    const blobs = packBlobStore(dir, { io });
    const kept: [Buffer, string][] = [[blob(1), await blobs.put(blob(1))]];
    failFlush = true;
    const results = await Promise.allSettled([blobs.put(blob(2)), blobs.put(blob(3))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(StorageFullError);
    // The pack was cut back to what the last good flush covered.
    expect((await stat(join(dir, 'pack-000001.dat'))).size).toBe(blob(1).length);
    failFlush = false;
    for (let i = 4; i < 10; i++) kept.push([blob(i), await blobs.put(blob(i))]);
    expect(kept.at(-1)![1]).toMatch(/^pack-000002\.dat:/);
    await expectAllRight(blobs, kept);
    await blobs.close();
  });

  it('on open, takes the pack size on disk as the end, whatever lies in its tail', async () => {
    await fresh();
    const blobs = packBlobStore(dir);
    const kept: [Buffer, string][] = [[blob(1), await blobs.put(blob(1))]];
    await blobs.close();
    // A crash after the bytes of a photo whose row was never committed: 333 stray bytes.
    const f = await open(join(dir, 'pack-000001.dat'), 'a');
    await f.write(Buffer.alloc(333, 9));
    await f.close();
    const again = packBlobStore(dir);
    kept.push([blob(2), await again.put(blob(2))]);
    expect(kept[1]![1]).toBe(`pack-000001.dat:${blob(1).length + 333}:${blob(2).length}`);
    await expectAllRight(again, kept);
    await again.close();
  });

  it('a read-only store reads but does not write or create', async () => {
    await fresh();
    const writer = packBlobStore(dir);
    const loc = await writer.put(blob(5));
    await writer.close();
    const ro = packBlobStore(dir, { readOnly: true });
    expect((await ro.get(loc, sha256Hex(blob(5)))).equals(blob(5))).toBe(true);
    await expect(ro.put(blob(6))).rejects.toThrow(/read-only/);
    await ro.close();
    await writeFile(join(dir, 'untouched'), '');
    expect((await readdir(dir)).sort()).toEqual(['pack-000001.dat', 'untouched']);
  });
});
