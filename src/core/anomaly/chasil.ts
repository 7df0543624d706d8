// Rekap's own result (a C.Hasil with every field) as an audit record.
import type { Ballot } from '../ballots.ts';
import { fieldEntries, type CHasil } from '../chasil.ts';
import type { AuditRecord, FieldReading } from './types.ts';

/** `reading`: what the re-read of its photos made of each field, where it was read. */
export function fromCHasil(
  tps: string,
  ballot: Ballot,
  result: CHasil,
  photos: readonly string[] = [],
  reading?: Readonly<Record<string, FieldReading>>,
): AuditRecord {
  return {
    tps,
    ballot,
    voteKeys: Object.keys(result.votes),
    values: Object.fromEntries(fieldEntries(result)),
    photos,
    ...(reading ? { reading } : {}),
  };
}

/**
 * What the server's re-read of a version's photos says of each field, as the engine takes it.
 * A disagreement names each field read with confidence as another number; every other field of
 * an agreeing or disagreeing re-read is taken as read as submitted (the `reread_*` event does not
 * list the fields the reader was unsure of). A failed re-read, or none, says nothing.
 */
export function readingOfReread(
  result: CHasil,
  reread:
    | {
        outcome: 'agrees' | 'disagrees' | 'failed';
        fields: readonly { field: string; to: number | null }[];
      }
    | null
    | undefined,
): Record<string, FieldReading> | undefined {
  if (!reread || reread.outcome === 'failed') return undefined;
  const out: Record<string, FieldReading> = {};
  for (const [p, value] of fieldEntries(result)) out[p] = { value, sure: true };
  for (const f of reread.fields) out[f.field] = { value: f.to, sure: f.to !== null };
  return out;
}
