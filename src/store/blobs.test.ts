import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packBlobStore } from './blobs.ts';

let dir: string;
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('pack blob store', () => {
  it('gives back exactly the bytes put, across a reopen and across packs', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rekap-blobs-'));
    const blobs = packBlobStore(dir, { packBytes: 1000 });
    const items = Array.from({ length: 12 }, (_, i) => Buffer.alloc(300 + i, i + 1));
    const locations = [];
    for (const b of items) locations.push(await blobs.put(b));
    blobs.close();
    expect((await readdir(dir)).length).toBeGreaterThan(3);
    const again = packBlobStore(dir, { packBytes: 1000 });
    for (const [i, loc] of locations.entries())
      expect((await again.get(loc))?.equals(items[i]!)).toBe(true);
    // Appends after the reopen go after what is there.
    const more = await again.put(Buffer.from('more'));
    expect((await again.get(more))?.toString()).toBe('more');
    expect((await again.get(locations[0]!))?.equals(items[0]!)).toBe(true);
    again.close();
  });
  it('answers undefined for a malformed location, a missing pack or bytes cut off', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rekap-blobs-'));
    const blobs = packBlobStore(dir);
    const loc = await blobs.put(Buffer.alloc(100, 7));
    expect(await blobs.get('../../etc/passwd:0:10')).toBeUndefined();
    expect(await blobs.get('pack-000099.dat:0:10')).toBeUndefined();
    await truncate(join(dir, 'pack-000001.dat'), 50);
    expect(await blobs.get(loc)).toBeUndefined();
    blobs.close();
  });
});
