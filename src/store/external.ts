// Results published by another source (Sirekap), kept beside Rekap's own for comparison. Never
// counted: a TPS page shows the newest import next to Rekap's result. Append-only: a record seen
// before (same content hash) adds nothing, a changed one becomes a new row, and the newest counts.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as z from 'zod';
import type { Ballot } from '../core/ballots.ts';
import { canonicalJson } from '../core/canonical.ts';
import type { TpsCode } from '../core/codes.ts';
import { jsonColumn } from './rows.ts';
import type { Database } from './schema.ts';

export type ExternalSource = 'sirekap';

/** One record of a source, as the anomaly adapter parsed it (nulls kept). */
export type ExternalRecord = {
  tps: TpsCode;
  ballot: Ballot;
  source: ExternalSource;
  /** Field path (`votes.2`, `voters.total.total`) -> value, or null where the source left it empty. */
  values: Readonly<Record<string, number | null>>;
  /** Photo identities (URLs for Sirekap); null entries are missing photos. */
  photos: readonly (string | null)[];
};

/** `external_results.result`: the record's values and photos, as importExternal writes them. */
const ExternalResultSchema = z.strictObject({
  values: z.record(z.string(), z.number().nullable()),
  photos: z.array(z.string().nullable()),
});

export type StoredExternal = Omit<ExternalRecord, 'tps' | 'ballot'> & {
  tps: TpsCode;
  ballot: Ballot;
  importedAt: string;
  hash: string;
};

export type ImportOutcome = { imported: number; unchanged: number };

const hashOf = (result: string) => createHash('sha256').update(result).digest('hex');

/** Of these codes, the TPS this election holds. */
export async function knownTps(
  db: Kysely<Database>,
  codes: readonly TpsCode[],
): Promise<Set<TpsCode>> {
  const known = new Set<TpsCode>();
  const unique = [...new Set(codes)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom('tps')
      .select('code')
      .where('code', 'in', unique.slice(i, i + 500))
      .execute();
    for (const r of rows) known.add(r.code as TpsCode);
  }
  return known;
}

/** Stores records of TPS this election holds (the caller checks), in order: later ones are newer. */
export async function importExternal(
  db: Kysely<Database>,
  records: readonly ExternalRecord[],
  now: Date,
): Promise<ImportOutcome> {
  const importedAt = now.toISOString();
  let imported = 0;
  if (records.length === 0) return { imported, unchanged: 0 };
  await db.transaction().execute(async (trx) => {
    // One row at a time, in file order, so that seq follows the order of the records.
    for (const r of records) {
      const result = canonicalJson({ values: r.values, photos: r.photos });
      const inserted = await trx
        .insertInto('external_results')
        .values({
          tps_code: r.tps,
          ballot: r.ballot,
          source: r.source,
          result,
          content_hash: hashOf(result),
          imported_at: importedAt,
        })
        .onConflict((oc) =>
          oc.columns(['tps_code', 'ballot', 'source', 'content_hash']).doNothing(),
        )
        .executeTakeFirst();
      imported += Number(inserted.numInsertedOrUpdatedRows ?? 0n);
    }
  });
  return { imported, unchanged: records.length - imported };
}

/** The newest import of a source for one TPS and ballot. */
export async function latestExternal(
  db: Kysely<Database>,
  tps: TpsCode,
  ballot: Ballot,
  source: ExternalSource,
): Promise<StoredExternal | undefined> {
  const row = await db
    .selectFrom('external_results')
    .select(['seq', 'result', 'content_hash', 'imported_at'])
    .where('tps_code', '=', tps)
    .where('ballot', '=', ballot)
    .where('source', '=', source)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const parsed = jsonColumn(ExternalResultSchema, row.result, {
    table: 'external_results',
    id: row.seq,
    column: 'result',
  });
  return {
    tps,
    ballot,
    source,
    values: parsed.values,
    photos: parsed.photos,
    importedAt: row.imported_at,
    hash: row.content_hash,
  };
}
