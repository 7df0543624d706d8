// Checks a bulk archive (docs/archive-format.md) with nothing but its files: fed one entry at a
// time in archive order (the reader of the tar computes each entry's sha256 and size as it
// streams, and hands over the bytes of the JSON files only), it checks every photo's bytes against
// its name, every device signature against the listed key and the summary's bytes, every D.Hasil
// against the server key, every published region total against the sum of the TPS below it, and
// at the end the manifest's sha256 and size of every file. It keeps a hash per file and sums per
// region, never a file's contents. Pure: runs in Node and in a browser (WebCrypto).
import * as z from 'zod';
import {
  ancestorsOfTps,
  archivePaths,
  ArchiveDHasilSchema,
  ArchiveRegionSchema,
  ArchiveServerKeySchema,
  ArchiveTpsSchema,
  MANIFEST_PATH,
  ManifestSchema,
  SERVER_KEY_PATH,
  signedSummaryOf,
  type ArchiveServerKey,
  type ArchiveTotals,
  type Manifest,
} from './archive.ts';
import { NATION_CODE } from './codes.ts';
import { verifyDHasil } from './dhasil.ts';
import { summaryBytes, verifyEd25519 } from './receipt.ts';

/** Which check failed. */
export type ArchiveCheck =
  'manifest' | 'format' | 'photo' | 'signature' | 'dhasil' | 'sum' | 'missing';

export type ArchiveProblem = { check: ArchiveCheck; path: string; message: string };

export type ArchiveReport = {
  ok: boolean;
  manifest: Pick<Manifest, 'format' | 'election' | 'ballot' | 'generatedAt' | 'chainHead'> | null;
  counts: {
    files: number;
    tps: number;
    tpsCounted: number;
    signaturesVerified: number;
    unsigned: number;
    photos: number;
    regions: number;
    dhasil: number;
  };
  problems: ArchiveProblem[];
  /** Problems beyond the first MAX_PROBLEMS, counted but not listed. */
  omitted: number;
};

/** The most problems listed one by one; the rest are counted. */
export const MAX_PROBLEMS = 1000;

export type ArchiveEntry = {
  path: string;
  sha256: string;
  size: number;
  /** The bytes of a JSON file (everything but photos). */
  bytes?: Uint8Array<ArrayBuffer>;
};

type Sums = ArchiveTotals & { tpsReported: number; tpsTotal: number };
type Published = Sums & { level: string; recap: string };

const zeroSums = (): Sums => ({
  votes: {},
  valid: 0,
  invalid: 0,
  total: 0,
  tpsReported: 0,
  tpsTotal: 0,
});

const PHOTO_PATH = /^photos\/([0-9a-f]{64})\.jpg$/;

/** Differences between a published total and what its parts add up to, in words. */
function differences(want: Sums, got: Sums): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(want.votes), ...Object.keys(got.votes)])].sort();
  for (const k of keys)
    if ((want.votes[k] ?? 0) !== (got.votes[k] ?? 0))
      out.push(`votes ${k} is ${want.votes[k] ?? 0}, the TPS below add up to ${got.votes[k] ?? 0}`);
  for (const f of ['valid', 'invalid', 'total', 'tpsReported', 'tpsTotal'] as const)
    if (want[f] !== got[f]) out.push(`${f} is ${want[f]}, the TPS below add up to ${got[f]}`);
  return out;
}

function issuesText(e: z.ZodError): string {
  return e.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`)
    .join('; ');
}

export function archiveChecker() {
  const seen = new Map<string, { sha256: string; size: number }>();
  const sums = new Map<string, Sums>();
  const published = new Map<string, Published>();
  const dhasilTotals = new Map<string, Sums>();
  const problems: ArchiveProblem[] = [];
  let omitted = 0;
  let manifest: Manifest | undefined;
  let serverKey: ArchiveServerKey | undefined;
  const counts: ArchiveReport['counts'] = {
    files: 0,
    tps: 0,
    tpsCounted: 0,
    signaturesVerified: 0,
    unsigned: 0,
    photos: 0,
    regions: 0,
    dhasil: 0,
  };
  const fail = (check: ArchiveCheck, path: string, message: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ check, path, message });
    else omitted++;
  };

  /** The entry's JSON under `schema`, or undefined after saying why not. */
  function parsed<S extends z.ZodType>(e: ArchiveEntry, schema: S): z.infer<S> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(e.bytes));
    } catch (x) {
      fail('format', e.path, `not JSON: ${(x as Error).message}`);
      return undefined;
    }
    const r = schema.safeParse(json);
    if (!r.success) {
      fail('format', e.path, `not of the archive's shape: ${issuesText(r.error)}`);
      return undefined;
    }
    return r.data;
  }

  async function tpsEntry(e: ArchiveEntry) {
    const t = parsed(e, ArchiveTpsSchema);
    if (!t) return;
    counts.tps++;
    if (archivePaths.tps(t.code) !== e.path)
      fail('format', e.path, `holds TPS ${t.code}, whose file is ${archivePaths.tps(t.code)}`);
    const c = t.counted;
    const regions = ancestorsOfTps(t.code);
    for (const r of regions) {
      const s = sums.get(r) ?? zeroSums();
      s.tpsTotal++;
      if (c) {
        s.tpsReported++;
        for (const [k, v] of Object.entries(c.result.votes)) s.votes[k] = (s.votes[k] ?? 0) + v;
        s.valid += c.result.valid;
        s.invalid += c.result.invalid;
        s.total += c.result.total;
      }
      sums.set(r, s);
    }
    if (!c) return;
    counts.tpsCounted++;
    for (const p of c.photos) {
      const got = seen.get(archivePaths.photo(p.sha256));
      if (!got) fail('missing', e.path, `photo ${p.sha256} is not in the archive before this TPS`);
      else if (got.size !== p.size)
        fail(
          'photo',
          e.path,
          `photo ${p.sha256} is listed as ${p.size} bytes, the file has ${got.size}`,
        );
    }
    const summary = signedSummaryOf(t);
    if (!summary || !c.signature) {
      counts.unsigned++;
      return;
    }
    if (await verifyEd25519(summaryBytes(summary), c.signature.signature, c.signature.publicKey))
      counts.signaturesVerified++;
    else
      fail(
        'signature',
        e.path,
        `the device signature of version ${c.version} (device ${c.signature.deviceId}) does not verify for these numbers and photos`,
      );
  }

  function regionEntry(e: ArchiveEntry) {
    const r = parsed(e, ArchiveRegionSchema);
    if (!r) return;
    counts.regions++;
    if (archivePaths.region(r.code) !== e.path)
      fail(
        'format',
        e.path,
        `holds region ${r.code}, whose file is ${archivePaths.region(r.code)}`,
      );
    published.set(r.code, { ...r.totals, ...r.progress, level: r.level, recap: r.recap });
  }

  async function dhasilEntry(e: ArchiveEntry) {
    const d = parsed(e, ArchiveDHasilSchema);
    if (!d) return;
    counts.dhasil++;
    const code = d.dhasil.region.code;
    if (archivePaths.dhasil(code) !== e.path)
      fail(
        'format',
        e.path,
        `holds the D.Hasil of ${code}, whose file is ${archivePaths.dhasil(code)}`,
      );
    if (!serverKey) {
      fail('dhasil', e.path, `no server key (${SERVER_KEY_PATH}) before it to check it with`);
      return;
    }
    const v = await verifyDHasil(d, serverKey.publicKey);
    if (!v.ok) for (const p of v.error) fail('dhasil', e.path, p);
    else dhasilTotals.set(code, d.dhasil.totals);
  }

  return {
    /** One entry, in archive order. */
    async entry(e: ArchiveEntry): Promise<void> {
      counts.files++;
      if (e.path !== MANIFEST_PATH) {
        if (seen.has(e.path)) fail('format', e.path, 'appears twice in the archive');
        seen.set(e.path, { sha256: e.sha256, size: e.size });
      }
      const photo = PHOTO_PATH.exec(e.path);
      if (photo) {
        counts.photos++;
        if (photo[1] !== e.sha256)
          fail('photo', e.path, `the bytes hash to ${e.sha256}, not to the sha256 in its name`);
        return;
      }
      if (!e.bytes) {
        fail('format', e.path, 'not a file this format knows');
        return;
      }
      if (e.path === MANIFEST_PATH) manifest = parsed(e, ManifestSchema);
      else if (e.path === SERVER_KEY_PATH) serverKey = parsed(e, ArchiveServerKeySchema);
      else if (e.path.startsWith('tps/')) await tpsEntry(e);
      else if (e.path.startsWith('regions/')) regionEntry(e);
      else if (e.path.startsWith('dhasil/')) await dhasilEntry(e);
      else fail('format', e.path, 'not a file this format knows');
    },

    /** What the checks found, once every entry is in. */
    finish(): ArchiveReport {
      if (!manifest) fail('manifest', MANIFEST_PATH, 'no manifest.json (or not readable)');
      else {
        const listed = new Set<string>();
        for (const f of manifest.files) {
          listed.add(f.path);
          const got = seen.get(f.path);
          if (!got) fail('manifest', f.path, 'listed in the manifest, not in the archive');
          else if (got.sha256 !== f.sha256)
            fail('manifest', f.path, `sha256 is ${got.sha256}, the manifest says ${f.sha256}`);
          else if (got.size !== f.size)
            fail('manifest', f.path, `${got.size} bytes, the manifest says ${f.size}`);
        }
        for (const path of seen.keys())
          if (!listed.has(path)) fail('manifest', path, 'in the archive, not in the manifest');
        if (serverKey && manifest.serverKey && serverKey.publicKey !== manifest.serverKey.publicKey)
          fail('manifest', SERVER_KEY_PATH, 'is not the server key the manifest names');
      }
      if (!serverKey && counts.dhasil > 0)
        fail('missing', SERVER_KEY_PATH, 'no server key: the D.Hasil cannot be checked');
      for (const [code, want] of published) {
        const got = sums.get(code) ?? zeroSums();
        for (const d of differences(want, got))
          fail('sum', archivePaths.region(code), `${want.level} ${code}: ${d}`);
        const signed = dhasilTotals.get(code);
        if (signed && want.recap === 'certified')
          for (const d of differences(want, signed).map((x) =>
            x.replace('the TPS below add up to', 'its signed D.Hasil says'),
          ))
            fail('sum', archivePaths.region(code), `${want.level} ${code} (certified): ${d}`);
      }
      for (const code of sums.keys())
        if (!published.has(code))
          fail(
            'missing',
            archivePaths.region(code),
            `${code === NATION_CODE ? 'the nation' : code} has TPS in the archive but no published totals`,
          );
      return {
        ok: problems.length === 0 && omitted === 0,
        manifest: manifest
          ? {
              format: manifest.format,
              election: manifest.election,
              ballot: manifest.ballot,
              generatedAt: manifest.generatedAt,
              chainHead: manifest.chainHead,
            }
          : null,
        counts,
        problems,
        omitted,
      };
    },
  };
}

export type ArchiveChecker = ReturnType<typeof archiveChecker>;
