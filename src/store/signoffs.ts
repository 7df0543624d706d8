// Whether a closed recap stands above a TPS: what every change to what counts below it asks
// first (a review action, a re-read, a new submission), so that nothing changes under a signed
// D.Hasil until the level is reopened, on the record.
import type { Kysely } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import { ancestorsOfTps, type RegionCode, type TpsCode } from '../core/codes.ts';
import type { Database } from './schema.ts';

/**
 * The closed recap above this TPS for this ballot, if any: a region whose latest sign-off row is
 * `closed`. Asked under the chain lock, so a close cannot commit between the answer and the
 * change it allows.
 */
export async function closedAbove(
  db: Kysely<Database>,
  tps: TpsCode,
  ballot: Ballot,
): Promise<RegionCode | undefined> {
  const rows = await db
    .selectFrom('recap_signoffs')
    .select(['region_code', 'action', 'seq'])
    .where('region_code', 'in', ancestorsOfTps(tps))
    .where('ballot', '=', ballot)
    .orderBy('seq', 'desc')
    .execute();
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.region_code)) continue;
    seen.add(r.region_code);
    if (r.action === 'closed') return r.region_code as RegionCode;
  }
  return undefined;
}

/** A new submission refused because a recap above its TPS is closed (nothing was stored). */
export class RecapClosedError extends Error {
  constructor(
    readonly region: RegionCode,
    readonly ballot: Ballot,
  ) {
    super(`the ${ballot} recap of ${region} is closed: its operator must reopen it first`);
  }
}
