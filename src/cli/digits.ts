// rekap digits classify DIR [--json]: the class of each single digit-box crop in a directory.
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { processIo, type Io } from './io.ts';
import { UsageError } from './usage.ts';
import { parseWithPositionals } from './options.ts';
import { classifyBox, type DigitLabel } from '../reader/digits/classify.ts';
import { decodeGrayFile } from '../reader/digits/decode-node.ts';
import { loadDigitClassifier } from '../reader/digits/load-node.ts';

const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.tif',
  '.tiff',
  '.bmp',
  '.gif',
]);

export const DIGITS_USAGE = `rekap digits classify DIR [--json]
    Classify every image in DIR as one digit box: 0-9, or x for a crossed-out or empty box.
    --json prints { "file": { "label": "7", "confidence": 0.98 }, ... }; files that cannot be
    decoded get { "error": "..." } and make the exit status 1.`;

export type FileReading = { label: DigitLabel; confidence: number } | { error: string };

/** Classify each image file of `dir`; undecodable files are reported, not thrown. */
export async function classifyDirectory(dir: string): Promise<Record<string, FileReading>> {
  const model = await loadDigitClassifier();
  const names = (await readdir(dir))
    .filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase()))
    .sort();
  const out: Record<string, FileReading> = {};
  for (const name of names) {
    try {
      const img = await decodeGrayFile(join(dir, name));
      const { label, confidence } = classifyBox(img, model);
      out[name] = { label, confidence: Math.round(confidence * 10000) / 10000 };
    } catch (e) {
      out[name] = { error: `cannot decode image: ${(e as Error).message}` };
    }
  }
  return out;
}

export async function digitsCommand(args: string[], io: Io = processIo): Promise<number> {
  const parsed = parseWithPositionals(args, { json: { type: 'boolean' } });
  const [sub, dir, ...extra] = parsed.positionals;
  if (sub !== 'classify' || !dir || extra.length) throw new UsageError(`usage:\n${DIGITS_USAGE}`);
  const info = await stat(dir).catch(() => null);
  if (!info) {
    io.stderr(`rekap digits: no such directory: ${dir}\n`);
    return 1;
  }
  if (!info.isDirectory()) {
    io.stderr(`rekap digits: not a directory: ${dir}\n`);
    return 1;
  }
  const readings = await classifyDirectory(dir);
  const files = Object.keys(readings);
  if (files.length === 0) {
    io.stderr(`rekap digits: no image files (${[...IMAGE_EXTENSIONS].join(', ')}) in ${dir}\n`);
    return 1;
  }
  const failed = files.filter((f) => 'error' in readings[f]!);
  if (parsed.values.json) io.stdout(`${JSON.stringify(readings, null, 2)}\n`);
  else
    for (const f of files) {
      const r = readings[f]!;
      io.stdout(
        'error' in r
          ? `${f}\terror\t${r.error}\n`
          : `${f}\t${r.label}\t${r.confidence.toFixed(4)}\n`,
      );
    }
  for (const f of failed)
    io.stderr(`rekap digits: ${f}: ${(readings[f] as { error: string }).error}\n`);
  return failed.length ? 1 : 0;
}
