// Writes the real-photo corpus (test/fixtures/real-photos/index.json) from the snapshots of its
// source repositories: each photo taken from its repository at its commit, cropped where it sits
// in a notebook figure, scaled down where its entry has a `resize` (phone photos of 12 MP), and
// encoded as JPEG at the quality its entry names (metadata such as EXIF is not kept). Photos whose
// licence lets us commit them go to test/fixtures/real-photos/, the others to its git-ignored
// external/. An entry whose repository has no snapshot is skipped, and said so.
//
// Run: node bin/run-ts.mjs scripts/derive-real-photos.ts SNAPSHOTS_DIR
// where SNAPSHOTS_DIR holds one git repository (bare or not) per source, named OWNER+NAME/repo,
// OWNER+NAME or OWNER/NAME, e.g. `git clone --bare https://github.com/1tte/Form-Hasil-Pemilu
// SNAPSHOTS_DIR/1tte+Form-Hasil-Pemilu/repo`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import * as z from 'zod';
import {
  EXTERNAL_DIR,
  loadIndex,
  REAL_PHOTOS_DIR,
  type Extract,
  type RealPhoto,
} from '../test/fixtures/real-photos/corpus.ts';

const snapshots = process.argv[2];
if (!snapshots) {
  console.error('usage: node bin/run-ts.mjs scripts/derive-real-photos.ts SNAPSHOTS_DIR');
  process.exit(2);
}

function snapshotDir(repo: string): string | undefined {
  const [owner, name] = repo.split('/') as [string, string];
  return [join(owner + '+' + name, 'repo'), owner + '+' + name, join(owner, name)]
    .map((d) => resolve(snapshots!, d))
    .find((d) => existsSync(d));
}

const Notebook = z.object({
  cells: z.array(
    z.object({
      outputs: z
        .array(z.object({ data: z.record(z.string(), z.unknown()).optional() }).loose())
        .optional(),
    }),
  ),
});

function extract(bytes: Buffer, how: Extract): Sharp {
  switch (how.kind) {
    case 'file':
      return sharp(bytes);
    case 'notebook-image': {
      const nb = Notebook.parse(JSON.parse(bytes.toString('utf8')));
      const data = nb.cells[how.cell]?.outputs?.[how.output]?.data ?? {};
      const b64 = z
        .union([z.string(), z.array(z.string()).transform((a) => a.join(''))])
        .parse(data['image/png'] ?? data['image/jpeg']);
      const img = sharp(Buffer.from(b64, 'base64'));
      return how.crop ? img.extract(how.crop) : img;
    }
  }
}

async function derive(p: RealPhoto, snapshot: string): Promise<Buffer> {
  const bytes = execFileSync(
    'git',
    ['-C', snapshot, 'show', `${p.source.commit}:${p.source.path}`],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const img = extract(bytes, p.source.extract);
  if (p.resize)
    img.resize({
      width: p.resize.longSide,
      height: p.resize.longSide,
      fit: 'inside',
      withoutEnlargement: true,
    });
  return img.jpeg({ quality: p.jpegQuality, mozjpeg: false }).toBuffer();
}

let total = 0;
let stale = 0;
const skipped: string[] = [];
for (const p of loadIndex()) {
  const snapshot = snapshotDir(p.source.repo);
  if (!snapshot) {
    skipped.push(p.file);
    console.log(`skipped   ${p.file}: no snapshot of ${p.source.repo} under ${snapshots}`);
    continue;
  }
  const jpeg = await derive(p, snapshot);
  const dir = p.committed ? REAL_PHOTOS_DIR : EXTERNAL_DIR;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, p.file), jpeg);
  const sha = createHash('sha256').update(jpeg).digest('hex');
  const meta = await sharp(jpeg).metadata();
  if (p.sha256 && p.sha256 !== sha) stale++;
  if (p.committed) total += jpeg.byteLength;
  console.log(
    `${p.committed ? 'committed' : 'external '} ${p.file}: ${meta.width} x ${meta.height}, ` +
      `${(jpeg.byteLength / 1024).toFixed(1)} KB, sha256 ${sha}` +
      (p.sha256 && p.sha256 !== sha ? ' (index.json has another: update it)' : ''),
  );
}
console.log(`${(total / 1024).toFixed(1)} KB committed in all`);
if (skipped.length > 0) console.log(`not derived (no snapshot): ${skipped.join(', ')}`);
if (stale > 0) process.exitCode = 1;
