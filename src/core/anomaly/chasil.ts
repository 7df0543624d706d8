// Rekap's own result (a C.Hasil with every field) as an audit record.
import type { Ballot } from '../ballots.ts';
import { fieldEntries, type CHasil } from '../chasil.ts';
import type { AuditRecord } from './types.ts';

export function fromCHasil(
  tps: string,
  ballot: Ballot,
  result: CHasil,
  photos: readonly string[] = [],
): AuditRecord {
  return {
    tps,
    ballot,
    voteKeys: Object.keys(result.votes),
    values: Object.fromEntries(fieldEntries(result)),
    photos,
  };
}
