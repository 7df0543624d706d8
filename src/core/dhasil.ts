// The D.Hasil: the signed result of one level's recap (a kecamatan, kabupaten, provinsi or the
// nation) for one contest, as Rekap writes it when the level is closed (src/store/recaps.ts).
// It holds the totals, each child's totals (and, for a kecamatan, each TPS's counted version with
// its hashes, so that anyone can match it to the published versions), the corrections made in the
// region with their reasons, and the chain head it was signed at. The server signs the canonical
// JSON of the document with its Ed25519 key; `verifyDHasil` checks that signature and recomputes
// the totals from the children. Pure: runs in Node and in the browser (WebCrypto).
import * as z from 'zod';
import { ContestSchema, type Contest } from './ballots.ts';
import { canonicalJson } from './canonical.ts';
import { err, ok, type Result } from './result.ts';
import { publicKeyBytes, toBase64Url, verifyEd25519 } from './receipt.ts';

export const DHASIL_FORMAT = 'rekap.dhasil/1';

/** The levels that close a recap. A desa does not: the PPS runs no recap in 2024 (docs/recap.md). */
export const RECAP_LEVELS = ['kecamatan', 'kabupaten', 'provinsi', 'nasional'] as const;
export const RecapLevelSchema = z.enum(RECAP_LEVELS);
export type RecapLevel = z.infer<typeof RecapLevelSchema>;

/** What the public totals say of a level (NIST 1500-100's result statuses). */
export const RECAP_STATES = ['unofficial-partial', 'certified', 'correction'] as const;
export const RecapStateSchema = z.enum(RECAP_STATES);
export type RecapState = z.infer<typeof RecapStateSchema>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Count = z.int().min(0);

export const DHasilTotalsSchema = z.strictObject({
  votes: z.record(z.string(), Count),
  valid: Count,
  invalid: Count,
  total: Count,
  tpsReported: Count,
  tpsTotal: Count,
});
export type DHasilTotals = z.infer<typeof DHasilTotalsSchema>;

/** A TPS of a kecamatan's D.Hasil: the version that counted, its hashes and its numbers. */
export const DHasilTpsSchema = z.strictObject({
  code: z.string(),
  name: z.string(),
  version: z.int().min(1),
  kind: z.enum(['submission', 'correction']),
  contentHash: Sha256,
  chainHash: Sha256,
  totals: z.strictObject({
    votes: z.record(z.string(), Count),
    valid: Count,
    invalid: Count,
    total: Count,
  }),
});
export type DHasilTps = z.infer<typeof DHasilTpsSchema>;

export const DHasilChildSchema = z.strictObject({
  code: z.string(),
  name: z.string(),
  level: z.string(),
  totals: DHasilTotalsSchema,
  /** A kecamatan's desa: every TPS in it. */
  tps: z.array(DHasilTpsSchema).optional(),
  /** Above a kecamatan: the sha256 of the child's own closed D.Hasil, which this one builds on. */
  dhasil: Sha256.optional(),
});
export type DHasilChild = z.infer<typeof DHasilChildSchema>;

export const DHasilCorrectionSchema = z.strictObject({
  tps: z.string(),
  version: z.int().min(1),
  corrects: z.int().min(1),
  changes: z.array(
    z.strictObject({ field: z.string(), from: z.int().nullable(), to: z.int().nullable() }),
  ),
  reason: z.string(),
  reference: z.string(),
  by: z.string(),
  at: z.string(),
  /** The `result_corrected` event. */
  seq: z.int(),
});
export type DHasilCorrection = z.infer<typeof DHasilCorrectionSchema>;

export const DHasilSchema = z.strictObject({
  format: z.literal(DHASIL_FORMAT),
  election: z.string(),
  contest: ContestSchema,
  level: RecapLevelSchema,
  region: z.strictObject({ code: z.string(), name: z.string() }),
  /** The regions above, from the nation down. */
  parents: z.array(z.strictObject({ code: z.string(), name: z.string(), level: z.string() })),
  status: z.literal('certified'),
  at: z.string(),
  /** Who closed it (`account:...` or `cli`). */
  by: z.string(),
  /** The last event on the chain before this close: the D.Hasil covers everything up to it. */
  chainHead: z.strictObject({ seq: z.int().min(0), hash: Sha256.nullable() }),
  /** The sha256 of the D.Hasil this one replaces (the level was reopened), or null. */
  replaces: Sha256.nullable(),
  /** The server key that signs it (`keyIdOf` its public key). */
  keyId: z.string(),
  totals: DHasilTotalsSchema,
  children: z.array(DHasilChildSchema),
  corrections: z.array(DHasilCorrectionSchema),
});
export type DHasil = z.infer<typeof DHasilSchema>;

/** The document as published: the D.Hasil and the base64url Ed25519 signature of its bytes. */
export const SignedDHasilSchema = z.strictObject({
  dhasil: DHasilSchema,
  signature: z.string(),
});
export type SignedDHasil = z.infer<typeof SignedDHasilSchema>;

/** The bytes that are signed and hashed: the canonical JSON of the D.Hasil. */
export const dhasilBytes = (d: DHasil): Uint8Array<ArrayBuffer> =>
  new TextEncoder().encode(canonicalJson(d));

/** The choices of a contest with their names, in ballot order, for people reading a D.Hasil. */
export function choiceNames(contest: Contest): { key: string; name: string }[] {
  switch (contest.kind) {
    case 'pair':
      return contest.pairs.map((p) => ({ key: String(p.number), name: p.names.join(' - ') }));
    case 'individual':
      return contest.candidates.map((c) => ({ key: String(c.number), name: c.name }));
    case 'party-list':
      return contest.parties.flatMap((p) => [
        { key: `P${p.number}`, name: p.name },
        ...p.candidates.map((c) => ({ key: `P${p.number}.C${c.number}`, name: c.name })),
      ]);
  }
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A key's id: the first 16 hex digits of the sha256 of its raw 32 bytes. */
export async function keyIdOf(publicKey: string): Promise<string | undefined> {
  const raw = publicKeyBytes(publicKey);
  return raw ? (await sha256Hex(raw)).slice(0, 16) : undefined;
}

export { toBase64Url };

/** Adds up totals (the children's, or a desa's TPS with one reported each). */
export function sumTotals(parts: readonly Omit<DHasilTotals, 'tpsTotal' | 'tpsReported'>[]) {
  const sum = { votes: {} as Record<string, number>, valid: 0, invalid: 0, total: 0 };
  for (const p of parts) {
    for (const [k, v] of Object.entries(p.votes)) sum.votes[k] = (sum.votes[k] ?? 0) + v;
    sum.valid += p.valid;
    sum.invalid += p.invalid;
    sum.total += p.total;
  }
  return sum;
}

/** Where a D.Hasil's totals do not add up from its children (and a desa's from its TPS). */
export function totalsProblems(d: DHasil): string[] {
  const problems: string[] = [];
  const differ = (what: string, want: DHasilTotals, got: DHasilTotals) => {
    const keys = new Set([...Object.keys(want.votes), ...Object.keys(got.votes)]);
    for (const k of keys)
      if ((want.votes[k] ?? 0) !== (got.votes[k] ?? 0))
        problems.push(
          `${what}: votes ${k} is ${want.votes[k] ?? 0}, its parts add up to ${got.votes[k] ?? 0}`,
        );
    for (const f of ['valid', 'invalid', 'total', 'tpsReported', 'tpsTotal'] as const)
      if (want[f] !== got[f])
        problems.push(`${what}: ${f} is ${want[f]}, its parts add up to ${got[f]}`);
  };
  const children = d.children.map((c) => c.totals);
  differ(d.region.code, d.totals, {
    ...sumTotals(children),
    tpsReported: children.reduce((n, c) => n + c.tpsReported, 0),
    tpsTotal: children.reduce((n, c) => n + c.tpsTotal, 0),
  });
  for (const c of d.children) {
    if (d.level === 'kecamatan' && !c.tps) problems.push(`${c.code}: no TPS listed`);
    if (d.level !== 'kecamatan' && !c.dhasil) problems.push(`${c.code}: no D.Hasil named`);
    if (c.tps)
      differ(c.code, c.totals, {
        ...sumTotals(c.tps.map((t) => t.totals)),
        tpsReported: c.tps.length,
        tpsTotal: c.tps.length,
      });
  }
  return problems;
}

/**
 * Checks a published D.Hasil against the server's public key (base64url of its raw 32 bytes): the
 * shape, the key id it names, the signature of its canonical bytes, and its totals recomputed from
 * its children. The D.Hasil when all hold, else every problem found.
 */
export async function verifyDHasil(
  document: unknown,
  publicKey: string,
): Promise<Result<DHasil, string[]>> {
  const parsed = SignedDHasilSchema.safeParse(document);
  if (!parsed.success)
    return err(parsed.error.issues.map((i) => `${i.path.join('.') || 'document'}: ${i.message}`));
  const { dhasil, signature } = parsed.data;
  const problems: string[] = [];
  const keyId = await keyIdOf(publicKey);
  if (!keyId) return err(['the public key is not base64url of 32 bytes']);
  if (dhasil.keyId !== keyId)
    problems.push(`signed with key ${dhasil.keyId}, not with this key (${keyId})`);
  const valid = await verifyEd25519(dhasilBytes(dhasil), signature, publicKey);
  if (!valid) problems.push('the signature does not match the document and the key');
  problems.push(...totalsProblems(dhasil));
  return problems.length === 0 ? ok(dhasil) : err(problems);
}
