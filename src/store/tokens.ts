// KPPS bearer tokens: random, bound to one TPS, stored only as their sha256. A TPS has one valid
// token at a time: issuing a new one revokes the older ones. A revoked token is refused by
// `authenticate`, which every KPPS request goes through (submissions, uploads, signal, enrolment).
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { regionContains, type RegionCode, type TpsCode } from '../core/codes.ts';
import { sha256Hex } from './blobs.ts';
import { withEvents, type Actor, type EventLog } from './events.ts';
import type { Dialect } from './migrations.ts';
import type { Database } from './schema.ts';

const newToken = (): string => `kpps_${randomBytes(24).toString('base64url')}`;

/** The uploader recorded with a submission: identifies the token without revealing it. */
export const uploaderOf = (tokenHash: string): string => `kpps:${tokenHash.slice(0, 16)}`;

const UPLOADER = /^kpps:([0-9a-f]{16})$/;
/** Whether a text is an uploader id (`kpps:` and 16 hex digits), as submissions show it. */
export const isUploaderId = (text: string): boolean => UPLOADER.test(text);

export type IssuedToken = {
  tps: TpsCode;
  token: string;
  /** Uploader ids of the older tokens of this TPS that this one replaced (now revoked). */
  replaced: string[];
};

/** What the store knows of a token (never the token itself). */
export type TokenInfo = {
  tokenHash: string;
  uploader: string;
  tps: TpsCode;
  issuedAt: string;
  revokedAt: string | null;
  /** Devices enrolled with this token. */
  devices: number;
};

/** Which tokens: all of a TPS, the one a token is, or the one with this uploader id or hash. */
export type TokenSelector =
  { tps: TpsCode } | { token: string } | { uploader: string } | { tokenHash: string };

export type TokenContext = { db: Kysely<Database>; dialect: Dialect };

/** Revokes the still-valid tokens among these hashes (inside a credential change), logging each. */
export async function closeTokens(
  trx: Kysely<Database>,
  hashes: readonly string[],
  now: Date,
  log: EventLog,
  why: { actor: Actor; reason: 'replaced' | 'operator' | 'device_revoked'; deviceId?: string },
): Promise<{ tokenHash: string; tps: TpsCode }[]> {
  const closed: { tokenHash: string; tps: TpsCode }[] = [];
  for (let i = 0; i < hashes.length; i += 500) {
    const chunk = hashes.slice(i, i + 500);
    const rows = await trx
      .updateTable('kpps_tokens')
      .set({ revoked_at: now.toISOString() })
      .where('token_hash', 'in', chunk)
      .where('revoked_at', 'is', null)
      .returning(['token_hash', 'tps_code'])
      .execute();
    for (const r of rows) closed.push({ tokenHash: r.token_hash, tps: r.tps_code as TpsCode });
  }
  closed.sort((a, b) => (a.tps < b.tps ? -1 : a.tps > b.tps ? 1 : 0));
  for (const c of closed)
    log({
      type: 'token_revoked',
      tps: c.tps,
      actor: why.actor,
      details: {
        token: uploaderOf(c.tokenHash),
        reason: why.reason,
        ...(why.deviceId ? { deviceId: why.deviceId } : {}),
      },
    });
  return closed;
}

/** New tokens for these TPS; each revokes the older tokens of its TPS. One transaction. */
export async function issueTokens(
  ctx: TokenContext,
  tpsCodes: TpsCode[],
  now: Date,
  actor: Actor,
): Promise<IssuedToken[]> {
  const issued = [...new Set(tpsCodes)].map((tps) => ({
    tps,
    token: newToken(),
    replaced: [] as string[],
  }));
  return withEvents(ctx.db, ctx.dialect, now, async (trx, log) => {
    for (let i = 0; i < issued.length; i += 500) {
      const chunk = issued.slice(i, i + 500);
      const older = await trx
        .selectFrom('kpps_tokens')
        .select(['token_hash', 'tps_code'])
        .where(
          'tps_code',
          'in',
          chunk.map((t) => t.tps),
        )
        .where('revoked_at', 'is', null)
        .execute();
      // The older tokens of these TPS are revoked, then the new ones issued.
      const closed = await closeTokens(
        trx,
        older.map((o) => o.token_hash),
        now,
        log,
        { actor, reason: 'replaced' },
      );
      const replaced = new Map<string, string[]>();
      for (const c of closed)
        replaced.set(c.tps, [...(replaced.get(c.tps) ?? []), uploaderOf(c.tokenHash)]);
      for (const t of chunk) {
        t.replaced = replaced.get(t.tps) ?? [];
        log({
          type: 'token_issued',
          tps: t.tps,
          actor,
          details: { token: uploaderOf(sha256Hex(t.token)) },
        });
      }
      await trx
        .insertInto('kpps_tokens')
        .values(
          chunk.map((t) => ({
            token_hash: sha256Hex(t.token),
            tps_code: t.tps,
            created_at: now.toISOString(),
            revoked_at: null,
          })),
        )
        .execute();
    }
    return issued;
  });
}

/** The tokens a selector names, oldest first. */
export async function listTokens(db: Kysely<Database>, which: TokenSelector): Promise<TokenInfo[]> {
  let q = db
    .selectFrom('kpps_tokens as t')
    .select((eb) => [
      't.token_hash',
      't.tps_code',
      't.created_at',
      't.revoked_at',
      eb
        .selectFrom('devices as d')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('d.token_hash', '=', 't.token_hash')
        .as('devices'),
    ])
    .orderBy('t.created_at')
    .orderBy('t.token_hash');
  if ('tps' in which) q = q.where('t.tps_code', '=', which.tps);
  else if ('token' in which) q = q.where('t.token_hash', '=', sha256Hex(which.token));
  else if ('tokenHash' in which) q = q.where('t.token_hash', '=', which.tokenHash);
  else {
    const hex = UPLOADER.exec(which.uploader)?.[1];
    if (!hex) return [];
    q = q.where('t.token_hash', 'like', `${hex}%`);
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    tokenHash: r.token_hash,
    uploader: uploaderOf(r.token_hash),
    tps: r.tps_code as TpsCode,
    issuedAt: r.created_at,
    revokedAt: r.revoked_at,
    devices: Number(r.devices ?? 0),
  }));
}

/** Revokes the valid tokens of a TPS, or one token by its hash; answers those revoked now. */
export async function revokeTokens(
  ctx: TokenContext,
  which: { tps: TpsCode } | { tokenHash: string },
  now: Date,
  actor: Actor,
): Promise<TokenInfo[]> {
  const closed = await withEvents(ctx.db, ctx.dialect, now, async (trx, log) => {
    const valid = await listTokens(trx, which);
    const hashes = valid.filter((t) => t.revokedAt === null).map((t) => t.tokenHash);
    return closeTokens(trx, hashes, now, log, { actor, reason: 'operator' });
  });
  const out: TokenInfo[] = [];
  for (const c of closed) out.push(...(await listTokens(ctx.db, { tokenHash: c.tokenHash })));
  return out;
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
