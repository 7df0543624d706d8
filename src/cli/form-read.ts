// rekap form read PHOTO... --ballot ppwp --json: one form from the photos of its pages.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { decodePhoto } from '../reader/node-image.ts';
import {
  readForm,
  type BoxClassifier,
  type PageReport,
  type PhotoInput,
} from '../reader/read-form.ts';
import { UsageError } from './usage.ts';

/** The digit classifier, loaded only once the photos are known to exist. */
export type ReadCommandDeps = { loadClassifier: () => Promise<BoxClassifier> };

export async function formReadCommand(args: string[], deps: ReadCommandDeps): Promise<number> {
  const photos: string[] = [];
  let ballot = 'ppwp';
  let json = false;
  let dpt: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--ballot') ballot = args[++i] ?? '';
    else if (a === '--dpt') {
      dpt = Number(args[++i]);
      if (!Number.isInteger(dpt) || dpt < 0)
        throw new UsageError('--dpt needs the registered DPT, a whole number');
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else photos.push(a);
  }
  if (ballot !== 'ppwp')
    throw new UsageError(`cannot read ballot "${ballot}" yet (available: ppwp)`);
  if (photos.length === 0)
    throw new UsageError('usage: rekap form read PHOTO... --ballot ppwp --json [--dpt N]');
  // A photo that is not there is the caller's mistake, not a reading: an error before anything
  // loads. A photo that is there but not a form stays a reading result (not-a-form).
  for (const file of photos) {
    const info = await stat(file).catch(() => null);
    if (!info) throw new Error(`no such file: ${file}`);
    if (!info.isFile()) throw new Error(`not a file: ${file}`);
  }
  const classify = await deps.loadClassifier();
  const inputs: PhotoInput[] = [];
  const unreadable: PageReport[] = [];
  for (const file of photos) {
    const decoded = await decodePhoto(file);
    if (decoded.ok) inputs.push({ name: basename(file), image: decoded.value.image });
    else
      unreadable.push({
        photo: basename(file),
        found: false,
        reason: 'not-a-form',
        detail: decoded.error,
      });
  }
  const reading = readForm(inputs, { classify, registeredDpt: dpt });
  const out = { ...reading, pages: [...unreadable, ...reading.pages] };
  if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else {
    for (const p of out.pages)
      process.stdout.write(
        p.found
          ? `${p.photo}: page ${p.page}\n`
          : `${p.photo}: not read (${p.reason}: ${p.detail})\n`,
      );
    for (const f of Object.values(out.fields))
      process.stdout.write(
        `${f.path.padEnd(20)} ${String(f.value ?? '-').padStart(4)}  ${[...f.flags, ...f.notes.map((n) => `(${n})`)].join(', ')}\n`,
      );
    if (out.rules.length > 0) process.stdout.write(`broken rules: ${out.rules.join(', ')}\n`);
    process.stdout.write(`verdict: ${out.verdict}\n`);
  }
  return 0;
}
