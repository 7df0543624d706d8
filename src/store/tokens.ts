// KPPS bearer tokens: random, bound to one TPS, stored only as their sha256.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { regionContains, type RegionCode, type TpsCode } from '../core/codes.ts';
import { sha256Hex } from './blobs.ts';
import type { Database } from './schema.ts';

export const newToken = (): string => `kpps_${randomBytes(24).toString('base64url')}`;

/** The uploader recorded with a submission: identifies the token without revealing it. */
export const uploaderOf = (tokenHash: string): string => `kpps:${tokenHash.slice(0, 16)}`;

export async function issueTokens(
  db: Kysely<Database>,
  tpsCodes: TpsCode[],
  now: Date,
): Promise<{ tps: TpsCode; token: string }[]> {
  const issued = tpsCodes.map((tps) => ({ tps, token: newToken() }));
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < issued.length; i += 500)
      await trx
        .insertInto('kpps_tokens')
        .values(
          issued.slice(i, i + 500).map((t) => ({
            token_hash: sha256Hex(t.token),
            tps_code: t.tps,
            created_at: now.toISOString(),
            revoked_at: null,
          })),
        )
        .execute();
  });
  return issued;
}

export async function tpsBelow(db: Kysely<Database>, region: RegionCode): Promise<TpsCode[]> {
  let q = db.selectFrom('tps').select('code').orderBy('code');
  if (region !== 'id') q = q.where('code', 'like', `${region}.%`);
  const rows = await q.execute();
  return rows.map((r) => r.code as TpsCode).filter((c) => regionContains(region, c));
}

export async function authenticate(
  db: Kysely<Database>,
  token: string,
): Promise<{ tps: TpsCode; uploader: string; tokenHash: string } | undefined> {
  const hash = sha256Hex(token);
  const row = await db
    .selectFrom('kpps_tokens')
    .select(['tps_code', 'revoked_at'])
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  if (!row || row.revoked_at) return undefined;
  return { tps: row.tps_code as TpsCode, uploader: uploaderOf(hash), tokenHash: hash };
}
