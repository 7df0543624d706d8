// rekap verify-export FILE.tar [--json]: checks a bulk archive (docs/archive-format.md) with
// nothing but the archive: no server, no database. The tar is streamed entry by entry; each
// entry's sha256 is computed as it passes, photos are never held whole, and the checks
// (src/core/archive-verify.ts) keep a hash per file and sums per region. Prints a summary and
// every failure with what and where; exit 1 on any failure, 0 when every check holds.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { MANIFEST_PATH } from '../core/archive.ts';
import { archiveChecker, type ArchiveReport } from '../core/archive-verify.ts';
import { fileOrSay, processIo, type Io } from './io.ts';
import { parseWithPositionals } from './options.ts';
import { UsageError } from './usage.ts';

/** The largest JSON entry read into memory (a D.Hasil of a big kecamatan is well below it). */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** Streams the tar at `file` through the archive checks. */
export async function verifyArchive(file: string): Promise<ArchiveReport> {
  const checker = archiveChecker();
  const extract = tar.extract();
  const reading = pipeline(createReadStream(file), extract);
  let unreadable: Error | undefined;
  try {
    for await (const entry of extract) {
      const path = entry.header.name;
      if (entry.header.type !== 'file') {
        entry.resume();
        await checker.entry({ path, sha256: '', size: 0 });
        continue;
      }
      const hash = createHash('sha256');
      const isPhoto = path.startsWith('photos/');
      // The manifest lists every file: it is read whole however large.
      const cap = path === MANIFEST_PATH ? Infinity : MAX_JSON_BYTES;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
        if (!isPhoto && size <= cap) chunks.push(chunk);
      }
      const bytes = isPhoto || size > cap ? undefined : new Uint8Array(Buffer.concat(chunks));
      await checker.entry({ path, sha256: hash.digest('hex'), size, ...(bytes ? { bytes } : {}) });
    }
    await reading;
  } catch (e) {
    unreadable = e as Error;
  }
  const report = checker.finish();
  if (unreadable) {
    report.ok = false;
    report.problems.unshift({
      check: 'format',
      path: file,
      message: `not a readable tar: ${unreadable.message}`,
    });
  }
  return report;
}

function printHuman(file: string, r: ArchiveReport, io: Io): void {
  const c = r.counts;
  const m = r.manifest;
  io.stdout(
    [
      `${file}: ${m ? `${m.format}, ${m.election.name}, ${m.ballot}, generated ${m.generatedAt}` : 'no manifest'}`,
      m?.chainHead
        ? `  audit chain head: event ${m.chainHead.seq} ${m.chainHead.hash} (${m.chainHead.at})`
        : '  audit chain head: none',
      `  ${c.files} files: ${c.tps} TPS (${c.tpsCounted} with a counted result), ${c.photos} photos, ` +
        `${c.regions} regions, ${c.dhasil} D.Hasil`,
      `  device signatures verified: ${c.signaturesVerified}; counted versions unsigned: ${c.unsigned}`,
      '',
    ].join('\n'),
  );
  if (r.ok) {
    io.stdout(
      'OK: every file matches the manifest, every photo its sha256, every signature its key, ' +
        'every D.Hasil the server key, every region total the sum of the TPS below it.\n',
    );
    return;
  }
  io.stdout(
    `GAGAL / FAILED: ${r.problems.length + r.omitted} problem${r.problems.length + r.omitted === 1 ? '' : 's'}\n`,
  );
  for (const p of r.problems) io.stdout(`  [${p.check}] ${p.path}: ${p.message}\n`);
  if (r.omitted > 0) io.stdout(`  ... and ${r.omitted} more\n`);
}

export async function verifyExportCommand(args: string[], io: Io = processIo): Promise<number> {
  const { values: o, positionals } = parseWithPositionals(args, { json: { type: 'boolean' } });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError('usage: rekap verify-export FILE.tar');
  if (!(await fileOrSay('verify-export', file, io))) return 2;
  const report = await verifyArchive(file);
  if (o.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else printHuman(file, report, io);
  return report.ok ? 0 : 1;
}
