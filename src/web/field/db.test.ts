// The field app's IndexedDB upgrades, on a real IndexedDB implementation (fake-indexeddb, which
// follows the W3C spec) in Node: a phone that saved drafts with an older app must read them with
// the new one, nothing lost.
import 'fake-indexeddb/auto';
import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { openFieldDb, type FieldDb } from './db.ts';

let opened: FieldDb | undefined;
afterEach(() => {
  opened?.close();
  opened = undefined;
});

/** A database as version 2 of the app made it, with a draft of two photos in its flat shape. */
async function version2Database(name: string): Promise<void> {
  const old = new Dexie(name);
  old.version(1).stores({
    devices: 'mode',
    outbox: '++id, status, training',
    observations: '++id, sent',
  });
  old.version(2).stores({ drafts: 'key' });
  await old.open();
  await old.table('drafts').put({
    key: 'live/photos',
    photos: [
      {
        name: 'page1.jpg',
        sha256: 'a'.repeat(64),
        width: 1200,
        height: 1700,
        originalBytes: 3_000_000,
        guidance: { ok: true, page: 1, blur: 0.2, pxPerMm: 5.1 },
      },
      {
        name: 'page2.jpg',
        sha256: 'b'.repeat(64),
        width: 1200,
        height: 1700,
        originalBytes: 2_800_000,
        guidance: { ok: false, reason: 'no-page', detail: 'no sheet of paper found' },
      },
    ],
    values: { 'votes.1': 30 },
  });
  await old.table('devices').put({ mode: 'live', tps: '16.08.01.1007.001', token: 't' });
  old.close();
}

describe('field app database upgrades', () => {
  it('version 3 reads a version 2 draft: guidance becomes a Result, everything else kept', async () => {
    const name = `upgrade-${Math.random()}`;
    await version2Database(name);
    opened = openFieldDb(name);
    const draft = await opened.drafts.get('live/photos');
    expect(draft?.photos?.map((p) => p.guidance)).toEqual([
      { ok: true, value: { page: 1, blur: 0.2, pxPerMm: 5.1 } },
      { ok: false, error: { reason: 'no-page', detail: 'no sheet of paper found' } },
    ]);
    expect(draft?.photos?.map((p) => p.sha256)).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
    expect(draft?.values).toEqual({ 'votes.1': 30 });
    expect((await opened.devices.get('live'))?.tps).toBe('16.08.01.1007.001');
  });

  it('a new database opens at version 3, and a Result guidance is stored as it is', async () => {
    opened = openFieldDb(`fresh-${Math.random()}`);
    const guidance = { ok: true as const, value: { page: 2 as const, blur: 0.1, pxPerMm: 4.8 } };
    await opened.drafts.put({
      key: 'training/photos',
      photos: [
        {
          name: 'p.jpg',
          jpeg: new Blob([new Uint8Array([1, 2, 3])]),
          sha256: 'c'.repeat(64),
          width: 10,
          height: 10,
          originalBytes: 3,
          guidance,
        },
      ],
    });
    expect(opened.verno).toBe(3);
    expect((await opened.drafts.get('training/photos'))?.photos?.[0]?.guidance).toEqual(guidance);
  });
});
