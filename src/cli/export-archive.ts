// rekap export-archive --out FILE.tar [--ballot ppwp] [--data DIR] [--db URL] [--signing-key FILE]:
// the bulk archive of a whole election (docs/archive-format.md), for anyone to check with
// `rekap verify-export` and nothing else. Entries are written one at a time, in a deterministic
// order, from the store's keyset pages (src/store/export.ts): memory holds one page of TPS and one
// photo, never the election. The manifest, with the sha256 and size of every other entry, comes
// last. Read-only: it runs beside `rekap serve`.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import tar from 'tar-stream';
import {
  ARCHIVE_FORMAT,
  archiveJson,
  archivePaths,
  MANIFEST_PATH,
  SERVER_KEY_PATH,
  type ArchiveRegion,
  type ArchiveServerKey,
  type ArchiveTps,
  type Manifest,
  type ManifestFile,
} from '../core/archive.ts';
import { BallotSchema, type Ballot } from '../core/ballots.ts';
import { REGION_LEVELS, type RegionCode, type RegionLevel } from '../core/codes.ts';
import { RECAP_LEVELS } from '../core/dhasil.ts';
import { loadServerKey, publishedKey, SIGNING_KEY_FILE } from '../server/keys.ts';
import { regionExportPages, tpsExportPages, type TpsExportRow } from '../store/export.ts';
import type { PhotoRecord } from '../store/submissions.ts';
import { openStore, type Store } from '../store/store.ts';
import { processIo, type Io } from './io.ts';
import { parse, storeOptions } from './options.ts';
import { UsageError } from './usage.ts';

/** A progress line on stderr every this many TPS. */
const PROGRESS_EVERY = 1000;

export type ArchiveStats = {
  files: number;
  bytes: number;
  tps: number;
  photos: number;
  regions: number;
  dhasil: number;
};

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * A TPS export row (src/store/export.ts) as the archive's `tps/<packed>.json`, with the stored
 * records of its photos (where their bytes are).
 */
async function tpsFile(
  store: Store,
  ballot: Ballot,
  row: TpsExportRow,
): Promise<{ tps: ArchiveTps; photos: Map<string, PhotoRecord> }> {
  const records = new Map<string, PhotoRecord>();
  const counted =
    row.result && row.countedVersion != null && row.hash && row.chainHash
      ? {
          version: row.countedVersion,
          hash: row.hash,
          chainHash: row.chainHash,
          receivedAt: row.receivedAt ?? '',
          uploader: row.uploader ?? '',
          result: row.result,
          flags: row.flags,
          photos: await Promise.all(
            row.photos.map(async (sha256) => {
              const p = await store.photo(sha256);
              if (p) records.set(sha256, p);
              return {
                sha256,
                size: p?.size ?? 0,
                contentType: p?.contentType ?? 'application/octet-stream',
              };
            }),
          ),
          signature: row.signature && {
            deviceId: row.signature.deviceId,
            publicKey: row.signature.publicKey,
            signedAt: row.signature.signedAt,
            signature: row.signature.signature,
          },
        }
      : null;
  return {
    tps: {
      code: row.code,
      name: row.name,
      dpt: row.dpt,
      ballot,
      status: row.status,
      review: row.review,
      counted,
    },
    photos: records,
  };
}

/** The server's public key: from --signing-key, else the data folder's key if it has one. */
function serverKeyOf(dataDir: string, file: string | undefined): ArchiveServerKey | null {
  const path = file ?? join(dataDir, SIGNING_KEY_FILE);
  if (!file && !existsSync(path)) return null;
  return publishedKey(loadServerKey({ dataDir, file: path }));
}

/**
 * Writes the archive of `ballot` to `out` (a temporary name first, renamed when complete, so a
 * failed export leaves no archive that looks whole). `progress` is told every PROGRESS_EVERY TPS.
 */
export async function writeArchive(
  store: Store,
  opts: {
    out: string;
    ballot: Ballot;
    serverKey: ArchiveServerKey | null;
    clock?: () => Date;
    progress?: (tps: number) => void;
  },
): Promise<ArchiveStats> {
  const contest = await store.contest(opts.ballot);
  if (!contest) throw new UsageError(`the election has no ${opts.ballot} contest`);
  const election = (await store.election()) ?? { name: '', demo: false };
  const chainHead = await store.chainHead();
  const generatedAt = (opts.clock ?? (() => new Date()))();
  const mtime = generatedAt;
  const partial = `${opts.out}.partial`;
  const pack = tar.pack();
  const file = createWriteStream(partial);
  const written = new Promise<void>((resolve, reject) => {
    file.on('close', resolve);
    file.on('error', reject);
    pack.on('error', reject);
  });
  pack.pipe(file);

  const files: ManifestFile[] = [];
  const stats: ArchiveStats = { files: 0, bytes: 0, tps: 0, photos: 0, regions: 0, dhasil: 0 };
  const put = (path: string, body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      pack.entry({ name: path, size: body.length, mtime, mode: 0o644 }, body, (e) =>
        e ? reject(e) : resolve(),
      );
    });
  const add = async (path: string, body: Buffer) => {
    await put(path, body);
    files.push({ path, sha256: sha256Hex(body), size: body.length });
    stats.files++;
    stats.bytes += body.length;
  };
  const addJson = (path: string, value: unknown) => add(path, Buffer.from(archiveJson(value)));

  try {
    if (opts.serverKey) await addJson(SERVER_KEY_PATH, opts.serverKey);
    for (const level of REGION_LEVELS)
      for await (const page of regionExportPages(store, opts.ballot, level))
        for (const r of page) {
          const region: ArchiveRegion = {
            code: r.code,
            name: r.name,
            level: r.level,
            ballot: opts.ballot,
            recap: r.recap,
            progress: { tpsReported: r.tpsReported, tpsTotal: r.tpsTotal },
            totals: { votes: r.votes, valid: r.valid, invalid: r.invalid, total: r.total },
            parent: r.parentCode,
          };
          await addJson(archivePaths.region(r.code), region);
          stats.regions++;
        }
    for (const level of RECAP_LEVELS as readonly RegionLevel[])
      for await (const page of regionExportPages(store, opts.ballot, level))
        for (const r of page) {
          const d = await store.dhasil(r.code as RegionCode, opts.ballot);
          if (!d.ok) {
            if (d.error.code === 'recap_never_closed') continue;
            throw new Error(`${r.code}: ${d.error.message}`);
          }
          await addJson(archivePaths.dhasil(r.code), d.value.document);
          stats.dhasil++;
        }
    const photosDone = new Set<string>();
    for await (const page of tpsExportPages(store, opts.ballot))
      for (const row of page) {
        const { tps: t, photos } = await tpsFile(store, opts.ballot, row);
        for (const p of t.counted?.photos ?? []) {
          if (photosDone.has(p.sha256)) continue;
          const record = photos.get(p.sha256);
          if (!record) throw new Error(`TPS ${row.code}: photo ${p.sha256} is not stored`);
          // Checked against its hash as it is read (blobs.ts): the archive never holds wrong bytes.
          await add(archivePaths.photo(p.sha256), await store.blobs.get(record.location, p.sha256));
          photosDone.add(p.sha256);
          stats.photos++;
        }
        await addJson(archivePaths.tps(row.code), t);
        stats.tps++;
        if (stats.tps % PROGRESS_EVERY === 0) opts.progress?.(stats.tps);
      }
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      election,
      ballot: opts.ballot,
      contest,
      generatedAt: generatedAt.toISOString(),
      serverKey: opts.serverKey,
      chainHead,
      counts: {
        regions: stats.regions,
        tps: stats.tps,
        photos: stats.photos,
        dhasil: stats.dhasil,
      },
      files,
    };
    await put(MANIFEST_PATH, Buffer.from(archiveJson(manifest)));
    pack.finalize();
    await written;
    await rename(partial, opts.out);
    return stats;
  } catch (e) {
    pack.destroy();
    file.destroy();
    await rm(partial, { force: true });
    throw e;
  }
}

export async function exportArchiveCommand(args: string[], io: Io = processIo): Promise<number> {
  const o = parse(args, {
    ...storeOptions,
    out: { type: 'string' },
    ballot: { type: 'string', default: 'ppwp' },
    'signing-key': { type: 'string' },
  });
  if (!o.out) throw new UsageError('give --out FILE.tar');
  const ballot = BallotSchema.safeParse(o.ballot);
  if (!ballot.success) throw new UsageError(`--ballot: not a ballot: ${o.ballot}`);
  const serverKey = serverKeyOf(o.data, o['signing-key']);
  const store = await openStore({ dataDir: o.data, dbUrl: o.db, readOnly: true });
  const started = Date.now();
  try {
    const stats = await writeArchive(store, {
      out: o.out,
      ballot: ballot.data,
      serverKey,
      progress: (n) => io.stderr(`export-archive: ${n} TPS written\n`),
    });
    io.stdout(
      `${o.out}: ${stats.tps} TPS, ${stats.photos} photos, ${stats.regions} regions, ` +
        `${stats.dhasil} D.Hasil, ${stats.files + 1} files, ${stats.bytes} bytes ` +
        `(${((Date.now() - started) / 1000).toFixed(1)} s)` +
        `${serverKey ? '' : '; no server key (no signing-key.pem): D.Hasil cannot be checked'}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
