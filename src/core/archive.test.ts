// The archive's shapes and its checker on entries built in memory (no tar, no store): a TPS signed
// by a device rolls up into every region above it; a photo that is not before its TPS, a total
// that is not its TPS's sum, a TPS whose regions are absent and a file missing from the manifest
// are each named.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ancestorsOfTps,
  ARCHIVE_FORMAT,
  archiveJson,
  archivePaths,
  packedCode,
  signedSummaryOf,
  type ArchiveRegion,
  type ArchiveTps,
  type Manifest,
} from './archive.ts';
import { archiveChecker, type ArchiveEntry } from './archive-verify.ts';
import { PPWP_2024 } from './ballots.ts';
import type { CHasil } from './chasil.ts';
import { generateDeviceKey, signSummary } from './receipt.ts';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const json = (path: string, value: unknown): ArchiveEntry => {
  const bytes = new Uint8Array(Buffer.from(archiveJson(value)));
  return { path, sha256: sha(bytes), size: bytes.length, bytes };
};

const RESULT: CHasil = {
  dpt: { l: 100, p: 100, total: 200 },
  voters: {
    dpt: { l: 70, p: 72, total: 142 },
    dptb: { l: 1, p: 1, total: 2 },
    dpk: { l: 0, p: 0, total: 0 },
    total: { l: 71, p: 73, total: 144 },
  },
  ballots: { received: 204, used: 144, returned: 0, unused: 60 },
  disabled: { l: 0, p: 0, total: 0 },
  votes: { '1': 40, '2': 60, '3': 40 },
  valid: 140,
  invalid: 4,
  total: 144,
};

const TPS = '16.08.01.1001.001';
const PHOTO = Buffer.from('page one');

async function signedTps(): Promise<ArchiveTps> {
  const key = await generateDeviceKey();
  const t: ArchiveTps = {
    code: TPS,
    name: 'TPS 1',
    dpt: 200,
    ballot: 'ppwp',
    status: 'counted',
    review: 'counted',
    counted: {
      version: 1,
      hash: 'a'.repeat(64),
      chainHash: 'b'.repeat(64),
      receivedAt: '2024-02-14T13:06:00.000Z',
      uploader: 'kpps:test',
      result: RESULT,
      flags: [],
      photos: [{ sha256: sha(PHOTO), size: PHOTO.length, contentType: 'image/jpeg' }],
      signature: {
        deviceId: '0b9e3c1e-8a4c-4f7e-9b1e-2d6c1a0f5e11',
        publicKey: key.publicKey,
        signedAt: '2024-02-14T13:05:00.000Z',
        signature: '',
      },
    },
  };
  t.counted!.signature!.signature = await signSummary(signedSummaryOf(t)!, key.privateKey);
  return t;
}

const region = (code: string, level: string, totals = RESULT, reported = 1): ArchiveRegion => ({
  code,
  name: code,
  level,
  ballot: 'ppwp',
  recap: 'unofficial-partial',
  progress: { tpsReported: reported, tpsTotal: 1 },
  totals: {
    votes: totals.votes,
    valid: totals.valid,
    invalid: totals.invalid,
    total: totals.total,
  },
  parent: null,
});

const LEVELS: [string, string][] = [
  ['id', 'nasional'],
  ['16', 'provinsi'],
  ['16.08', 'kabupaten'],
  ['16.08.01', 'kecamatan'],
  ['16.08.01.1001', 'desa'],
];

/** The entries of a one-TPS archive, manifest last (over every entry before it). */
function withManifest(entries: ArchiveEntry[]): ArchiveEntry[] {
  const manifest: Manifest = {
    format: ARCHIVE_FORMAT,
    election: { name: 'unit', demo: false },
    ballot: 'ppwp',
    contest: PPWP_2024,
    generatedAt: '2024-02-20T00:00:00.000Z',
    serverKey: null,
    chainHead: null,
    counts: { regions: 5, tps: 1, photos: 1, dhasil: 0 },
    files: entries.map((e) => ({ path: e.path, sha256: e.sha256, size: e.size })),
  };
  return [...entries, json('manifest.json', manifest)];
}

async function check(entries: ArchiveEntry[]) {
  const c = archiveChecker();
  for (const e of entries) await c.entry(e);
  return c.finish();
}

const photoEntry: ArchiveEntry = {
  path: archivePaths.photo(sha(PHOTO)),
  sha256: sha(PHOTO),
  size: PHOTO.length,
};

describe('the archive format', () => {
  it('names files by packed code and rolls a TPS up to the nation', () => {
    expect(packedCode('16.08.01.1001.001')).toBe('1608011001001');
    expect(packedCode('id')).toBe('id');
    expect(archivePaths.region('id')).toBe('regions/id.json');
    expect(ancestorsOfTps(TPS)).toEqual(['16.08.01.1001', '16.08.01', '16.08', '16', 'id']);
  });

  it('verifies a consistent archive', async () => {
    const t = await signedTps();
    const r = await check(
      withManifest([
        ...LEVELS.map(([c, l]) => json(archivePaths.region(c), region(c, l))),
        photoEntry,
        json(archivePaths.tps(TPS), t),
      ]),
    );
    expect(r.problems).toEqual([]);
    expect(r.counts).toMatchObject({ tps: 1, tpsCounted: 1, signaturesVerified: 1, regions: 5 });
  });

  it('names each inconsistency', async () => {
    const t = await signedTps();
    const more = { ...RESULT, votes: { ...RESULT.votes, '1': 41 } };
    const entries = [
      ...LEVELS.filter(([c]) => c !== '16').map(([c, l]) =>
        json(archivePaths.region(c), region(c, l, c === '16.08' ? more : RESULT)),
      ),
      json(archivePaths.tps(TPS), t),
      photoEntry,
    ];
    const listed = withManifest(entries);
    // One file more than the manifest lists.
    const r = await check([json('regions/9.json', region('9', 'provinsi', RESULT, 0)), ...listed]);
    const lines = r.problems.map((p) => `[${p.check}] ${p.path}: ${p.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        `[missing] tps/1608011001001.json: photo ${sha(PHOTO)} is not in the archive before this TPS`,
        '[sum] regions/1608.json: kabupaten 16.08: votes 1 is 41, the TPS below add up to 40',
        '[missing] regions/16.json: 16 has TPS in the archive but no published totals',
        '[sum] regions/9.json: provinsi 9: tpsTotal is 1, the TPS below add up to 0',
        '[manifest] regions/9.json: in the archive, not in the manifest',
      ]),
    );
    expect(r.ok).toBe(false);
  });
});
