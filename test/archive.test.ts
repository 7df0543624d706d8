// The bulk archive and `rekap verify-export` (issue 13), on SQLite and PostgreSQL: an election
// with signed and unsigned results, photos and a closed kecamatan (so a signed D.Hasil) is
// exported, and the archive verifies with nothing but itself; then tampered with, one number, one
// photo byte, one device signature byte and one D.Hasil signature byte, each named by the check
// that catches it, whether or not the tamperer also fixed the manifest. The built CLI runs the
// export and the check once, as a monitor would.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archivePaths,
  type ArchiveRegion,
  type ArchiveTps,
  type Manifest,
} from '../src/core/archive.ts';
import type { ArchiveReport } from '../src/core/archive-verify.ts';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { CHasil } from '../src/core/chasil.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { generateDeviceKey, signSummary, type SignedSummary } from '../src/core/receipt.ts';
import { writeArchive } from '../src/cli/export-archive.ts';
import { verifyArchive } from '../src/cli/verify-export.ts';
import { loadServerKey, publishedKey, type ServerKey } from '../src/server/keys.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { storeBackends, type OpenedStore } from './support/backends.ts';
import { rekapWith } from './support/cli.ts';
import { testPhoto } from './support/photos.ts';

const R = (c: string) => c as RegionCode;
const T = (c: string) => c as TpsCode;

const KEC1 = R('16.08.01');
const A1 = T('16.08.01.1001.001');
const A2 = T('16.08.01.1001.002');
const B1 = T('16.08.01.1002.001');
const C1 = T('16.08.02.2001.001');

const ELECTION: ElectionSetup = {
  name: 'archive test election',
  demo: false,
  regions: [
    { code: NATION_CODE, name: 'Indonesia', level: 'nasional' },
    { code: R('16'), name: 'Sumatera Selatan', level: 'provinsi' },
    { code: R('16.08'), name: 'Ogan Komering Ulu Timur', level: 'kabupaten' },
    { code: KEC1, name: 'Martapura', level: 'kecamatan' },
    { code: R('16.08.02'), name: 'Buay Madang', level: 'kecamatan' },
    { code: R('16.08.01.1001'), name: 'Desa Satu', level: 'desa' },
    { code: R('16.08.01.1002'), name: 'Desa Dua', level: 'desa' },
    { code: R('16.08.02.2001'), name: 'Desa Tiga', level: 'desa' },
  ],
  tps: [A1, A2, B1, C1].map((code) => ({ code, name: `TPS ${code.slice(-1)}`, dpt: 300 })),
  contests: [PPWP_2024],
};

const result = (v1: number, v2: number, v3: number): CHasil =>
  consistentResult({
    dptL: 150,
    dptP: 150,
    votesL: Math.floor((v1 + v2 + v3 + 3) / 2),
    votesP: Math.ceil((v1 + v2 + v3 + 3) / 2),
    invalid: 3,
    votes: { '1': v1, '2': v2, '3': v3 },
  });

/** Records a result of `tps`, with photos of these labels, signed by a device enrolled now. */
async function submit(
  store: Store,
  tps: TpsCode,
  r: CHasil,
  labels: string[],
  signed: boolean,
): Promise<void> {
  const photos = [];
  for (const label of labels) {
    const bytes = await testPhoto(label, { width: 120, height: 180 });
    photos.push(
      await store.putPhoto(bytes, { contentType: 'image/jpeg', width: 120, height: 180 }),
    );
  }
  let signature = null;
  if (signed) {
    const key = await generateDeviceKey();
    const enrolled = await store.enrolDevice({
      tps,
      publicKey: key.publicKey,
      label: null,
      tokenHash: createHash('sha256').update(tps).digest('hex'),
    });
    if (!enrolled.ok) throw new Error('not enrolled');
    const deviceId = enrolled.value.device.id;
    const summary: SignedSummary = {
      v: 1,
      tps,
      ballot: 'ppwp',
      result: r,
      photos: photos.map((p) => p.sha256),
      signedAt: '2024-02-14T13:05:00.000Z',
      deviceId,
    };
    signature = {
      deviceId,
      signedAt: summary.signedAt,
      signature: await signSummary(summary, key.privateKey),
    };
  }
  await store.recordSubmission({
    tps,
    ballot: 'ppwp',
    result: r,
    photos,
    flags: [],
    uploader: 'kpps:test',
    receivedAt: new Date('2024-02-14T13:06:00Z'),
    signature,
  });
}

type Entry = { name: string; body: Buffer };

async function readTar(file: string): Promise<Entry[]> {
  const extract = tar.extract();
  const reading = pipeline(createReadStream(file), extract);
  const out: Entry[] = [];
  for await (const e of extract) {
    const chunks: Buffer[] = [];
    for await (const c of e as AsyncIterable<Buffer>) chunks.push(c);
    out.push({ name: e.header.name, body: Buffer.concat(chunks) });
  }
  await reading;
  return out;
}

async function writeTar(file: string, entries: Entry[]): Promise<void> {
  const pack = tar.pack();
  const writing = pipeline(pack, createWriteStream(file));
  for (const e of entries) pack.entry({ name: e.name, size: e.body.length }, e.body);
  pack.finalize();
  await writing;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A copy of the archive with `change` applied to one entry's bytes; with `fixManifest`, the
 * manifest's sha256 and size of that entry are updated too, as a careful tamperer would.
 */
async function tampered(
  source: string,
  out: string,
  path: string,
  change: (body: Buffer) => Buffer,
  fixManifest: boolean,
): Promise<string> {
  const entries = await readTar(source);
  const at = entries.findIndex((e) => e.name === path);
  if (at < 0) throw new Error(`no ${path} in the archive`);
  entries[at] = { name: path, body: change(entries[at]!.body) };
  if (fixManifest) {
    const m = entries.findIndex((e) => e.name === 'manifest.json');
    const manifest = JSON.parse(entries[m]!.body.toString('utf8')) as Manifest;
    const f = manifest.files.find((x) => x.path === path)!;
    const body = entries[at].body;
    f.sha256 = sha256(body);
    f.size = body.length;
    entries[m] = { name: 'manifest.json', body: Buffer.from(JSON.stringify(manifest)) };
  }
  await writeTar(out, entries);
  return out;
}

const editJson = (f: (v: ArchiveTps) => void) => (body: Buffer) => {
  const v = JSON.parse(body.toString('utf8')) as ArchiveTps;
  f(v);
  return Buffer.from(`${JSON.stringify(v)}\n`);
};

/** Another base64url character in place of the one at `i`. */
const flipChar = (s: string, i: number) =>
  s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

const problemsOf = (r: ArchiveReport) =>
  r.problems.map((p) => `[${p.check}] ${p.path}: ${p.message}`);

for (const backend of storeBackends('archive')) {
  describe(`bulk archive (${backend.name})`, () => {
    let opened: OpenedStore | undefined;
    let store: Store;
    let key: ServerKey;
    let dir: string;
    let archive: string;
    let report: ArchiveReport;
    beforeAll(async () => {
      opened = await backend.open();
      if (!opened) return;
      store = opened.store;
      dir = await mkdtemp(join(tmpdir(), 'rekap-archive-'));
      await store.loadElection(ELECTION);
      key = loadServerKey({ dataDir: opened.dataDir });
      await submit(store, A1, result(30, 90, 20), ['a1-p1', 'a1-p2'], true);
      await submit(store, A2, result(5, 6, 7), ['a2-p1'], true);
      await submit(store, B1, result(10, 20, 30), ['b1-p1'], false);
      const closed = await store.closeRecap(KEC1, 'ppwp', key);
      if (!closed.ok) throw new Error(closed.error.message);
      archive = join(dir, 'election.tar');
      await writeArchive(store, { out: archive, ballot: 'ppwp', serverKey: publishedKey(key) });
      report = await verifyArchive(archive);
    }, 120_000);
    afterAll(async () => {
      await opened?.store.close();
      await opened?.cleanup();
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    const skip = () => {
      if (!opened) console.warn(`skipping the archive on ${backend.name}: no PostgreSQL`);
      return !opened;
    };

    it('holds every TPS, photo, region and the D.Hasil, in order, and verifies', async () => {
      if (skip()) return;
      expect(problemsOf(report)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.counts).toMatchObject({
        tps: 4,
        tpsCounted: 3,
        signaturesVerified: 2,
        unsigned: 1,
        photos: 4,
        regions: 8,
        dhasil: 1,
      });
      const entries = await readTar(archive);
      const names = entries.map((e) => e.name);
      expect(names[0]).toBe('keys/server.json');
      expect(names.at(-1)).toBe('manifest.json');
      expect(names).toContain('regions/id.json');
      expect(names).toContain('dhasil/160801.json');
      // A TPS comes after its photos; TPS in code order.
      const tpsNames = names.filter((n) => n.startsWith('tps/'));
      expect(tpsNames).toEqual([A1, A2, B1, C1].map((c) => archivePaths.tps(c)));
      const a1 = JSON.parse(
        entries.find((e) => e.name === archivePaths.tps(A1))!.body.toString('utf8'),
      ) as ArchiveTps;
      for (const p of a1.counted!.photos)
        expect(names.indexOf(archivePaths.photo(p.sha256))).toBeLessThan(
          names.indexOf(archivePaths.tps(A1)),
        );
      // The numbers are the store's.
      const stored = await store.tpsResult(A1, 'ppwp');
      const counted = stored!.versions.find((v) => v.counted)!;
      expect(a1.counted!.result).toEqual(counted.result);
      expect(a1.counted!.hash).toBe(counted.hash);
      expect(counted.signature).toMatchObject(a1.counted!.signature!);
      const nation = JSON.parse(
        entries.find((e) => e.name === 'regions/id.json')!.body.toString('utf8'),
      ) as ArchiveRegion;
      expect(nation.totals).toEqual((await store.regionResult(NATION_CODE, 'ppwp'))!.totals);
      const manifest = JSON.parse(entries.at(-1)!.body.toString('utf8')) as Manifest;
      expect(manifest.chainHead).toEqual(await store.chainHead());
      expect(manifest.serverKey?.publicKey).toBe(key.publicKey);
      expect(manifest.files.map((f) => f.path)).toEqual(names.slice(0, -1));
    });

    it('is the same archive when exported again at the same time', async () => {
      if (skip()) return;
      const at = new Date('2024-02-20T00:00:00Z');
      const one = join(dir, 'one.tar');
      const two = join(dir, 'two.tar');
      for (const out of [one, two])
        await writeArchive(store, {
          out,
          ballot: 'ppwp',
          serverKey: publishedKey(key),
          clock: () => at,
        });
      const bytes = async (f: string) =>
        sha256(Buffer.concat((await readTar(f)).map((e) => e.body)));
      expect(await bytes(one)).toBe(await bytes(two));
    });

    it('fails on one changed number: the signature and every sum above it', async () => {
      if (skip()) return;
      const bump = editJson((t) => {
        t.counted!.result.votes['2']! += 1;
      });
      const fixed = await verifyArchive(
        await tampered(archive, join(dir, 'n1.tar'), archivePaths.tps(A1), bump, true),
      );
      expect(fixed.ok).toBe(false);
      const found = problemsOf(fixed);
      expect(found).toContainEqual(
        expect.stringMatching(/^\[signature\] tps\/1608011001001\.json/),
      );
      for (const region of ['1608011001', '160801', '1608', '16', 'id'])
        expect(found).toContainEqual(expect.stringContaining(`[sum] regions/${region}.json:`));
      expect(found).toContainEqual(
        expect.stringContaining('desa 16.08.01.1001: votes 2 is 96, the TPS below add up to 97'),
      );
      expect(found.filter((p) => p.startsWith('[manifest]'))).toEqual([]);

      const unfixed = await verifyArchive(
        await tampered(archive, join(dir, 'n2.tar'), archivePaths.tps(A1), bump, false),
      );
      expect(problemsOf(unfixed)).toContainEqual(
        expect.stringMatching(
          /^\[manifest\] tps\/1608011001001\.json: sha256 is [0-9a-f]{64}, the manifest says/,
        ),
      );
    });

    it('fails on one photo byte, naming the photo', async () => {
      if (skip()) return;
      const entries = await readTar(archive);
      const photo = entries.find((e) => e.name.startsWith('photos/'))!.name;
      const flip = (b: Buffer) => {
        const c = Buffer.from(b);
        c[c.length >> 1]! ^= 0x01;
        return c;
      };
      for (const fix of [true, false]) {
        const r = await verifyArchive(
          await tampered(archive, join(dir, `p-${fix}.tar`), photo, flip, fix),
        );
        expect(r.ok).toBe(false);
        expect(problemsOf(r)).toContainEqual(
          `[photo] ${photo}: the bytes hash to ${sha256(flip(entries.find((e) => e.name === photo)!.body))}, not to the sha256 in its name`,
        );
      }
    });

    it('fails on one signature byte, of a device or of the D.Hasil', async () => {
      if (skip()) return;
      const sig = editJson((t) => {
        t.counted!.signature!.signature = flipChar(t.counted!.signature!.signature, 10);
      });
      const r = await verifyArchive(
        await tampered(archive, join(dir, 's1.tar'), archivePaths.tps(A2), sig, true),
      );
      expect(problemsOf(r)).toEqual([
        expect.stringMatching(
          /^\[signature\] tps\/1608011001002\.json: the device signature of version 1 .* does not verify/,
        ),
      ]);
      const dhasilSig = (body: Buffer) => {
        const d = JSON.parse(body.toString('utf8')) as { signature: string };
        d.signature = flipChar(d.signature, 10);
        return Buffer.from(JSON.stringify(d));
      };
      const d = await verifyArchive(
        await tampered(archive, join(dir, 's2.tar'), 'dhasil/160801.json', dhasilSig, true),
      );
      expect(d.ok).toBe(false);
      expect(problemsOf(d).every((p) => p.startsWith('[dhasil] dhasil/160801.json'))).toBe(true);
      expect(problemsOf(d).join('\n')).toMatch(/signature/);
    });

    it('runs as the built CLI: export-archive, then verify-export', async () => {
      if (skip()) return;
      const out = join(dir, 'cli.tar');
      const env = { ...process.env, REKAP_DEBUG: '', LOG_LEVEL: 'warn' };
      const db = opened!.dbUrl ? ['--db', opened!.dbUrl] : [];
      const exported = await rekapWith(
        { env, timeout: 120_000 },
        'export-archive',
        '--data',
        opened!.dataDir,
        ...db,
        '--out',
        out,
      );
      expect(exported.stderr).toBe('');
      expect(exported.code).toBe(0);
      expect(exported.stdout).toContain('4 TPS, 4 photos, 8 regions, 1 D.Hasil');
      const ok = await rekapWith({ env, timeout: 120_000 }, 'verify-export', out);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('OK: every file matches the manifest');
      const bad = await tampered(
        out,
        join(dir, 'cli-bad.tar'),
        archivePaths.tps(B1),
        editJson((t) => {
          t.counted!.result.invalid += 1;
        }),
        false,
      );
      const failed = await rekapWith({ env, timeout: 120_000 }, 'verify-export', bad);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain('GAGAL / FAILED');
      expect(failed.stdout).toContain('[manifest] tps/1608011002001.json');
      expect(failed.stdout).toContain('[sum] regions/1608011002.json');
    });
  });
}
