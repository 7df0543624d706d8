// The regions above a region, as the recap answers and each D.Hasil name them.
import type { Kysely } from 'kysely';
import { parentRegion, type RegionCode, type RegionLevel } from '../core/codes.ts';
import type { PlaceRef } from '../contract/results.ts';
import type { Database } from './schema.ts';

/** The regions above `code`, from the nation down (those the election holds). */
export async function parentsOf(db: Kysely<Database>, code: RegionCode): Promise<PlaceRef[]> {
  const codes: string[] = [];
  for (let p = parentRegion(code); p; p = parentRegion(p)) codes.unshift(p);
  if (codes.length === 0) return [];
  const rows = await db
    .selectFrom('regions')
    .select(['code', 'name', 'level'])
    .where('code', 'in', codes)
    .execute();
  const byCode = new Map(rows.map((r) => [r.code, r]));
  return codes.flatMap((c) => {
    const r = byCode.get(c);
    return r ? [{ code: r.code, name: r.name, level: r.level as RegionLevel }] : [];
  });
}
