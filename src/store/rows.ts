// The store's JSON columns, read back through their schemas. A row that another version of Rekap
// wrote, or that was edited by hand, and that no longer fits fails here, naming the table, the row
// and the column, instead of deep inside a view. Rows this process has just written are not read
// back: the ingest path builds its record from the values it wrote.
import * as z from 'zod';
import { CHasilSchema } from '../core/chasil.ts';
import { Sha256HexSchema } from '../core/receipt.ts';
import { RuleBreachSchema } from '../core/rules.ts';
import type { Database } from './schema.ts';

/** Where a stored value lies: table, the row's key (id, seq or code) and column. */
export type RowPlace = { table: keyof Database; id: string | number; column: string };

/** A stored row whose JSON column does not fit its schema (or is not JSON at all). */
export class StoredRowError extends Error {
  readonly table: keyof Database;
  readonly id: string | number;
  readonly column: string;

  constructor(place: RowPlace, problem: string, options?: ErrorOptions) {
    super(
      `stored row does not fit: ${place.table} ${String(place.id)}, column ${place.column}: ${problem}`,
      options,
    );
    this.name = 'StoredRowError';
    this.table = place.table;
    this.id = place.id;
    this.column = place.column;
  }
}

/** Parses a JSON column with its schema, or throws a StoredRowError that says where and what. */
export function jsonColumn<S extends z.ZodType>(
  schema: S,
  text: string,
  place: RowPlace,
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StoredRowError(place, 'not JSON', { cause: e });
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const [first, ...rest] = parsed.error.issues;
  const at = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  const more = rest.length > 0 ? ` (and ${String(rest.length)} more)` : '';
  throw new StoredRowError(place, `${at}${first?.message ?? 'invalid'}${more}`, {
    cause: parsed.error,
  });
}

/** `submissions.result`: the C.Hasil as accepted. */
export const StoredResultSchema = CHasilSchema;
/** `submissions.photos`: the sha256 of each photo. */
export const StoredPhotosSchema = z.array(Sha256HexSchema);
/** `submissions.flags`: the rule breaches found when it was accepted. */
export const StoredFlagsSchema = z.array(RuleBreachSchema);
