// The bulk archive of a whole election (docs/archive-format.md): the shapes of its files and the
// names they go under. A tar holds `keys/server.json`; every region's `regions/<packed>.json`
// (level by level from the nation down, each in code order); the `dhasil/<packed>.json` of each
// closed level; then every TPS in code order, `tps/<packed>.json`, each after those of its photos
// (`photos/<sha256>.jpg`) not written before; `manifest.json` comes last, with the sha256 and size
// of every other file. Pure: the exporter (src/cli/export-archive.ts) writes these shapes, the
// checker (src/core/archive-verify.ts) reads them, and a third party can write their own from
// the document.
import * as z from 'zod';
import { BallotSchema, ContestSchema } from './ballots.ts';
import { canonicalJson } from './canonical.ts';
import { CHasilSchema } from './chasil.ts';
import { REGION_LEVELS, NATION_CODE } from './codes.ts';
import { RecapStateSchema, SignedDHasilSchema } from './dhasil.ts';
import { Sha256HexSchema, type SignedSummary } from './receipt.ts';

export const ARCHIVE_FORMAT = 'rekap.archive/1';

const Count = z.int().min(0);

/** A place's sums: votes per choice key, valid, invalid, total. */
export const ArchiveTotalsSchema = z.strictObject({
  votes: z.record(z.string(), Count),
  valid: Count,
  invalid: Count,
  total: Count,
});
export type ArchiveTotals = z.infer<typeof ArchiveTotalsSchema>;

export const ArchiveSignatureSchema = z.strictObject({
  deviceId: z.string(),
  /** base64url of the device's raw 32-byte Ed25519 public key. */
  publicKey: z.string(),
  signedAt: z.string(),
  /** base64url of the 64-byte Ed25519 signature of the signed summary's bytes. */
  signature: z.string(),
});
export type ArchiveSignature = z.infer<typeof ArchiveSignatureSchema>;

/** `tps/<packed>.json`: one TPS and the version of its result that counts (null: none counts). */
export const ArchiveTpsSchema = z.strictObject({
  /** Dotted TPS code, `16.08.01.1001.001`. */
  code: z.string().regex(/^\d{2}\.\d{2}\.\d{2}\.\d{4}\.\d{3}$/),
  name: z.string(),
  dpt: Count.nullable(),
  ballot: BallotSchema,
  /** `none` (no result), `counted`, or `flagged` (the newest version waits for review). */
  status: z.enum(['none', 'counted', 'flagged']),
  /** The review's state of the TPS (src/core/review.ts), `none` without a result. */
  review: z.string(),
  counted: z
    .strictObject({
      version: z.int().min(1),
      /** sha256 (hex) of the canonical JSON of the version's content (src/store/submissions.ts). */
      hash: Sha256HexSchema,
      /** The version's link in its TPS's hash chain (docs/recap.md). */
      chainHash: Sha256HexSchema,
      receivedAt: z.string(),
      uploader: z.string(),
      result: CHasilSchema,
      /** The ids of the form's rules the version breaks (src/core/rules.ts). */
      flags: z.array(z.string()),
      /** The form's pages in page order; their bytes are `photos/<sha256>.jpg`. */
      photos: z.array(
        z.strictObject({ sha256: Sha256HexSchema, size: Count, contentType: z.string() }),
      ),
      /** The KPPS device's signature; null for an unsigned version (or an operator's correction). */
      signature: ArchiveSignatureSchema.nullable(),
    })
    .nullable(),
});
export type ArchiveTps = z.infer<typeof ArchiveTpsSchema>;

/** `regions/<packed>.json`: a region's published totals and progress (`id.json`: the nation). */
export const ArchiveRegionSchema = z.strictObject({
  /** Dotted region code, or `id` for the nation. */
  code: z.string(),
  name: z.string(),
  level: z.enum(REGION_LEVELS as [string, ...string[]]),
  ballot: BallotSchema,
  recap: RecapStateSchema,
  progress: z.strictObject({ tpsReported: Count, tpsTotal: Count }),
  totals: ArchiveTotalsSchema,
  /** The region above (null for the nation). */
  parent: z.string().nullable(),
});
export type ArchiveRegion = z.infer<typeof ArchiveRegionSchema>;

/** `keys/server.json`: the key that signs each D.Hasil, as GET /api/v1/keys/server answers it. */
export const ArchiveServerKeySchema = z.strictObject({
  algorithm: z.literal('Ed25519'),
  keyId: z.string(),
  publicKey: z.string(),
});
export type ArchiveServerKey = z.infer<typeof ArchiveServerKeySchema>;

/** `dhasil/<packed>.json`: the signed D.Hasil of a closed level, as the server publishes it. */
export const ArchiveDHasilSchema = SignedDHasilSchema;

export const ManifestFileSchema = z.strictObject({
  path: z.string(),
  sha256: Sha256HexSchema,
  size: Count,
});
export type ManifestFile = z.infer<typeof ManifestFileSchema>;

/** `manifest.json`, the last entry. */
export const ManifestSchema = z.strictObject({
  format: z.literal(ARCHIVE_FORMAT),
  election: z.strictObject({ name: z.string(), demo: z.boolean() }),
  ballot: BallotSchema,
  contest: ContestSchema,
  generatedAt: z.string(),
  serverKey: ArchiveServerKeySchema.nullable(),
  /** The last event of the audit chain when the export began (null: no event yet). */
  chainHead: z.strictObject({ seq: z.int(), hash: z.string(), at: z.string() }).nullable(),
  counts: z.strictObject({ regions: Count, tps: Count, photos: Count, dhasil: Count }),
  /** Every other file, in archive order. */
  files: z.array(ManifestFileSchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export const MANIFEST_PATH = 'manifest.json';
export const SERVER_KEY_PATH = 'keys/server.json';

/** The packed form of a dotted code (`16.08.01` -> `160801`; the nation stays `id`). */
export const packedCode = (code: string): string =>
  code === NATION_CODE ? code : code.replaceAll('.', '');

export const archivePaths = {
  tps: (code: string) => `tps/${packedCode(code)}.json`,
  region: (code: string) => `regions/${packedCode(code)}.json`,
  dhasil: (code: string) => `dhasil/${packedCode(code)}.json`,
  photo: (sha256: string) => `photos/${sha256}.jpg`,
};

/** A file's JSON as the archive writes it: canonical (sorted keys, no spaces), then a newline. */
export const archiveJson = (value: unknown): string => `${canonicalJson(value)}\n`;

/** The summary the KPPS device signed for a counted version (src/core/receipt.ts). */
export function signedSummaryOf(t: ArchiveTps): SignedSummary | undefined {
  const c = t.counted;
  if (!c?.signature || t.ballot !== 'ppwp') return undefined;
  return {
    v: 1,
    tps: t.code,
    ballot: t.ballot,
    result: c.result,
    photos: c.photos.map((p) => p.sha256),
    signedAt: c.signature.signedAt,
    deviceId: c.signature.deviceId,
  };
}

/** The regions a TPS counts toward, from its desa up to the nation. */
export function ancestorsOfTps(code: string): string[] {
  const parts = code.split('.');
  const out: string[] = [];
  for (let n = parts.length - 1; n >= 1; n--) out.push(parts.slice(0, n).join('.'));
  out.push(NATION_CODE);
  return out;
}
