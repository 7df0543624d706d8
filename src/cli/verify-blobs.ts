// rekap verify-blobs: re-hash every stored photo and name each one whose bytes are not what its
// record says (missing, cut short, another hash). `rebuild --check` checks the numbers; this
// checks the evidence. Read-only: it runs beside `rekap serve` and changes nothing.
import { BlobCorruptError, type BlobProblem } from '../store/blobs.ts';
import { openStore } from '../store/store.ts';
import { parse, storeOptions } from './options.ts';

export type BadPhoto = { sha256: string; location: string; problem: BlobProblem; detail: string };

/** Photos read per page from the database. */
const PAGE = 500;
/** A progress line on stderr every this many photos. */
const PROGRESS_EVERY = 1000;

export async function verifyBlobsCommand(args: string[]): Promise<number> {
  const o = parse(args, { ...storeOptions, json: { type: 'boolean' } });
  const store = await openStore({ dataDir: o.data, dbUrl: o.db, readOnly: true });
  const bad: BadPhoto[] = [];
  let checked = 0;
  try {
    let after = '';
    for (;;) {
      const page = await store.listPhotos(after, PAGE);
      for (const photo of page) {
        try {
          await store.blobs.get(photo.location, photo.sha256);
        } catch (e) {
          if (!(e instanceof BlobCorruptError)) throw e;
          const found = { sha256: photo.sha256, location: photo.location, problem: e.problem };
          bad.push({ ...found, detail: e.detail });
          if (!o.json)
            process.stdout.write(
              `bad ${photo.sha256} at ${photo.location}: ${e.problem} (${e.detail})\n`,
            );
        }
        checked++;
        if (checked % PROGRESS_EVERY === 0)
          process.stderr.write(`\rverify-blobs: ${checked} photos checked, ${bad.length} bad`);
      }
      if (page.length < PAGE) break;
      after = page.at(-1)!.sha256;
    }
  } finally {
    await store.close();
  }
  if (checked >= PROGRESS_EVERY) process.stderr.write('\n');
  if (o.json) process.stdout.write(`${JSON.stringify({ checked, ok: bad.length === 0, bad })}\n`);
  else if (bad.length === 0)
    process.stdout.write(
      `ok: ${checked} photos, each one's bytes hash to its sha256 / semua foto utuh\n`,
    );
  else
    process.stdout.write(
      `${bad.length} of ${checked} photos are damaged or missing / foto rusak atau hilang\n`,
    );
  return bad.length === 0 ? 0 : 1;
}
