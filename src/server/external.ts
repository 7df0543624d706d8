// What GET /api/v1/tps/{code} adds to a TPS: the newest result another source (Sirekap) published
// for it, in the shape of Rekap's own result, and the anomaly engine's findings on Rekap's current
// version. For comparison and review only: nothing here is counted.
import { voteKeys } from '../core/ballots.ts';
import { fieldPaths } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import type {
  External,
  NullableResult,
  TpsResult as ContractTpsResult,
} from '../contract/results.ts';
import type { TpsResult } from '../store/recap.ts';
import type { Store } from '../store/store.ts';
import { auditCurrent } from './anomalies.ts';

/** Flat `path -> value` as a nested object with every path of Rekap's result, null where absent. */
function nestResult(
  values: Readonly<Record<string, number | null>>,
  voteKeys: readonly string[],
): NullableResult {
  const out: NullableResult = {};
  for (const path of fieldPaths(voteKeys)) {
    const parts = path.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next === 'object' && next !== null) node = next;
      else node = node[part] = {};
    }
    node[parts.at(-1)!] = values[path] ?? null;
  }
  return out;
}

export async function withExtras(
  store: Store,
  code: TpsCode,
  t: TpsResult,
): Promise<ContractTpsResult> {
  const stored = await store.externalResult(code, t.ballot, 'sirekap');
  let external: External | null = null;
  if (stored) {
    const contest = await store.contest(t.ballot);
    const keys = contest
      ? voteKeys(contest)
      : Object.keys(stored.values)
          .filter((p) => p.startsWith('votes.'))
          .map((p) => p.slice('votes.'.length));
    external = {
      source: stored.source,
      importedAt: stored.importedAt,
      result: nestResult(stored.values, keys),
    };
  }
  return { ...t, external, anomalies: auditCurrent(t)?.own.findings ?? [] };
}
