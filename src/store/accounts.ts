// Operator accounts and their login sessions (issue 12, docs/operators.md). Passwords are kept as
// scrypt hashes (node:crypto, no dependency) with their parameters and salt, so that a later,
// stronger cost can sit beside older hashes. A new or reset account gets a one-time password that
// must be changed at the first login. A session is a random 32-byte id that only the client holds;
// the store keeps its sha256. Every change (an account created, disabled or reset, a password
// changed, a login, a refused login, a logout) writes its event in the same transaction.
import { randomBytes, randomUUID, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ContestSchema, voteKeys } from '../core/ballots.ts';
import { ROLES, roleFits, type Role } from '../core/authz.ts';
import type { RegionCode } from '../core/codes.ts';
import { err, ok, type Result } from '../core/result.ts';
import { sha256Hex } from './blobs.ts';
import { withEvents, type Actor } from './events.ts';
import type { Dialect } from './migrations.ts';
import { jsonColumn } from './rows.ts';
import type { Database } from './schema.ts';

/** scrypt's cost: N (a power of two), r and p. */
export type ScryptCost = { N: number; r: number; p: number };

/**
 * The production cost: N=2^15, r=8, p=1 (32 MiB and ~100 ms a hash on one core), the parameters
 * OWASP recommends for scrypt. Only tests pass a lower one (StoreOptions.scryptCost), to keep
 * their many logins quick; a test checks that a store opened without it writes this one.
 */
export const SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };

/** A session ends after this long without a request... */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** ...and in any case this long after the login. */
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** `last_seen_at` is written at most this often, so that reads do not each write a row. */
const SESSION_TOUCH_MS = 60 * 1000;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** The largest N a stored hash may name: a row edited to name more would exhaust memory. */
const MAX_STORED_N = 2 ** 20;

/** The memory scrypt needs for this cost (128·N·r bytes), with room: Node refuses at the limit. */
const maxmemOf = (c: ScryptCost) => 2 * 128 * c.N * c.r + 1024 * 1024;

function scrypt(password: string, salt: Buffer, c: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(
      password.normalize('NFC'),
      salt,
      KEY_BYTES,
      { N: c.N, r: c.r, p: c.p, maxmem: maxmemOf(c) },
      (e, key) => (e ? reject(e) : resolve(key)),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string, cost: ScryptCost = SCRYPT_COST) {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` is the one `stored` was made from (compared in constant time). */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) throw new Error('accounts: a stored password hash is not scrypt$N$r$p$salt$hash');
  const cost = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.N > MAX_STORED_N || cost.r > 32 || cost.p > 16)
    throw new Error('accounts: a stored password hash names a cost beyond any Rekap writes');
  const want = Buffer.from(m[5]!, 'base64url');
  const got = await scrypt(password, Buffer.from(m[4]!, 'base64url'), cost);
  return got.length === want.length && timingSafeEqual(got, want);
}

/** 32 characters without look-alikes (no 0 or O, no 1 or I): 5 bits each, so `& 31` has no bias. */
const READABLE = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** A one-time password: 16 readable characters (80 bits) in groups of four, `ABCD-EFGH-JKLM-NPQR`. */
export function oneTimePassword(): string {
  const chars = [...randomBytes(16)].map((b) => READABLE[b & 31]!);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** Why a new password is refused, or undefined when it is fine. */
export function passwordProblem(next: string, ctx: { name: string; current?: string }) {
  if (next.length < PASSWORD_MIN_LENGTH)
    return `a password has at least ${PASSWORD_MIN_LENGTH} characters`;
  if (next.length > PASSWORD_MAX_LENGTH)
    return `a password has at most ${PASSWORD_MAX_LENGTH} characters`;
  if (ctx.current !== undefined && next === ctx.current)
    return 'the new password must differ from the current one';
  if (next.toLowerCase().includes(ctx.name.toLowerCase()))
    return 'a password must not contain the account name';
  if (new Set(next).size < 5) return 'a password needs at least 5 different characters';
  return undefined;
}

/** Login names: lower case letters, digits, `.`, `_` and `-`, 3 to 64 characters. */
const NAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;

/** The name as it is stored and looked up: trimmed, lower case. */
export const normalName = (name: string): string => name.trim().toLowerCase();

export type Account = {
  id: string;
  name: string;
  role: Role;
  region: RegionCode;
  /** A witness's pair or party (`1`, `P3`); null for the other roles. */
  choice: string | null;
  /** True while the password is a one-time one: only a password change is allowed. */
  mustChangePassword: boolean;
  createdAt: string;
  disabledAt: string | null;
};

export type NewAccount = { name: string; role: Role; region: RegionCode; choice?: string | null };

export type AccountProblem = {
  code: 'bad_name' | 'name_taken' | 'unknown_region' | 'role_region' | 'unknown_choice';
  message: string;
};

/** A session as the server sees it: its account, the hash of its id and its times. */
export type Session = {
  account: Account;
  idHash: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
};

export type LoginRefusal = 'unknown_account' | 'wrong_password' | 'disabled';

export type PasswordChangeProblem =
  { code: 'not_logged_in' } | { code: 'wrong_password' } | { code: 'too_weak'; message: string };

export type AccountStore = {
  /** A new account with a one-time password (returned once, never stored). */
  create(
    a: NewAccount,
    by?: { actor?: Actor },
  ): Promise<Result<{ account: Account; password: string }, AccountProblem>>;
  list(): Promise<Account[]>;
  byName(name: string): Promise<Account | undefined>;
  /**
   * Checks a name and password and, when they are right and the account is enabled, opens a
   * session: its id (for the client's cookie; only its hash is stored) and the session. An
   * unknown name costs a hash too, so the time taken does not tell names apart.
   */
  login(
    name: string,
    password: string,
  ): Promise<Result<{ sessionId: string; session: Session }, LoginRefusal>>;
  /** Records a login refused before any password was checked (the server's throttle). */
  refuseLogin(name: string, reason: 'throttled'): Promise<void>;
  /** The live session with this id, touched; undefined when unknown, ended or expired. */
  session(sessionId: string): Promise<Session | undefined>;
  /** Ends the session; false when it was not live. */
  logout(sessionId: string): Promise<boolean>;
  /** Sets a new password for the session's account; its other sessions end. */
  changePassword(
    sessionId: string,
    current: string,
    next: string,
  ): Promise<Result<Account, PasswordChangeProblem>>;
  /** A new one-time password; the account's sessions end. */
  resetPassword(
    name: string,
    by?: { actor?: Actor },
  ): Promise<Result<{ account: Account; password: string }, 'unknown_account'>>;
  /** Disables the account; its sessions end. */
  disable(
    name: string,
    reason: string,
    by?: { actor?: Actor },
  ): Promise<Result<Account, 'unknown_account' | 'already_disabled'>>;
};

type AccountRow = Database['accounts'];

/** A stored role; one this version does not know is a row written by another: a bug to stop at. */
function roleOf(r: AccountRow): Role {
  if (!(ROLES as readonly string[]).includes(r.role))
    throw new Error(`accounts: account ${r.id} has the unknown role ${r.role}`);
  return r.role as Role;
}

const accountOf = (r: AccountRow): Account => ({
  id: r.id,
  name: r.name,
  role: roleOf(r),
  region: r.region_code as RegionCode,
  choice: r.choice,
  mustChangePassword: r.must_change_password === 1,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});

/** What a session id is stored as; its first 16 hex digits name it in events. */
const sessionHash = (id: string) => sha256Hex(id);
const sessionLabel = (idHash: string) => idHash.slice(0, 16);
export const accountActor = (id: string): Actor => `account:${id}`;

/** The choices a witness may name: each contest's pair, candidate or party numbers (`1`, `P3`). */
async function electionChoices(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db.selectFrom('contests').select(['ballot', 'definition']).execute();
  const out = new Set<string>();
  for (const r of rows) {
    const contest = jsonColumn(ContestSchema, r.definition, {
      table: 'contests',
      id: r.ballot,
      column: 'definition',
    });
    // Party lists: the party (`P3`), not each of its candidates.
    for (const k of voteKeys(contest)) if (!k.includes('.')) out.add(k);
  }
  return out;
}

export function accountStore(
  ctx: { db: Kysely<Database>; dialect: Dialect },
  clock: () => Date,
  cost: ScryptCost = SCRYPT_COST,
): AccountStore {
  const { db, dialect } = ctx;
  // The hash an unknown name is checked against: same cost as a real one, matches nothing.
  let dummy: Promise<string> | undefined;
  const dummyHash = () => (dummy ??= hashPassword(randomBytes(16).toString('hex'), cost));

  const byName = async (trx: Kysely<Database>, name: string) => {
    const row = await trx
      .selectFrom('accounts')
      .selectAll()
      .where('name', '=', normalName(name))
      .executeTakeFirst();
    return row;
  };

  /** A refused login changes no row: its event alone. */
  const logOnly = (now: Date, details: { name: string; reason: string }) =>
    withEvents(db, dialect, now, (_trx, log) => {
      log({ type: 'login_failed', tps: null, actor: 'server', details });
      return Promise.resolve();
    });

  const endSessions = (trx: Kysely<Database>, accountId: string, now: Date, except?: string) => {
    let q = trx
      .updateTable('sessions')
      .set({ ended_at: now.toISOString() })
      .where('account_id', '=', accountId)
      .where('ended_at', 'is', null);
    if (except !== undefined) q = q.where('id_hash', '!=', except);
    return q.execute();
  };

  const liveSession = async (sessionId: string, now: Date): Promise<Session | undefined> => {
    if (sessionId.length === 0 || sessionId.length > 100) return undefined;
    const idHash = sessionHash(sessionId);
    const row = await db
      .selectFrom('sessions')
      .innerJoin('accounts', 'accounts.id', 'sessions.account_id')
      .selectAll('accounts')
      .select([
        'sessions.created_at as s_created',
        'sessions.last_seen_at as s_seen',
        'sessions.expires_at as s_expires',
        'sessions.ended_at as s_ended',
      ])
      .where('sessions.id_hash', '=', idHash)
      .executeTakeFirst();
    if (!row || row.s_ended !== null || row.disabled_at !== null) return undefined;
    const t = now.getTime();
    if (t >= Date.parse(row.s_expires)) return undefined;
    if (t >= Date.parse(row.s_seen) + SESSION_IDLE_MS) return undefined;
    let lastSeenAt = row.s_seen;
    if (t >= Date.parse(row.s_seen) + SESSION_TOUCH_MS) {
      lastSeenAt = now.toISOString();
      await db
        .updateTable('sessions')
        .set({ last_seen_at: lastSeenAt })
        .where('id_hash', '=', idHash)
        .execute();
    }
    return {
      account: accountOf(row),
      idHash,
      createdAt: row.s_created,
      lastSeenAt,
      expiresAt: row.s_expires,
    };
  };

  return {
    async create(a, by) {
      const name = normalName(a.name);
      if (!NAME.test(name))
        return err({
          code: 'bad_name',
          message: `not a login name: "${a.name}" (3 to 64 lower case letters, digits, ".", "_", "-")`,
        });
      const choice = a.choice ?? null;
      const fits = roleFits({ role: a.role, region: a.region, choice });
      if (!fits.ok) return err({ code: 'role_region', message: fits.error });
      const password = oneTimePassword();
      const hash = await hashPassword(password, cost);
      const now = clock();
      return withEvents(db, dialect, now, async (trx, log) => {
        if (await byName(trx, name))
          return err({ code: 'name_taken' as const, message: `the name ${name} is taken` });
        const region = await trx
          .selectFrom('regions')
          .select('code')
          .where('code', '=', a.region)
          .executeTakeFirst();
        if (!region)
          return err({
            code: 'unknown_region' as const,
            message: `no region ${a.region} in this election`,
          });
        if (choice !== null && !(await electionChoices(trx)).has(choice))
          return err({
            code: 'unknown_choice' as const,
            message: `no pair, candidate or party ${choice} in this election's contests (e.g. 1, or P3 for a party)`,
          });
        const row: AccountRow = {
          id: randomUUID(),
          name,
          role: a.role,
          region_code: a.region,
          choice,
          password_hash: hash,
          must_change_password: 1,
          created_at: now.toISOString(),
          disabled_at: null,
        };
        await trx.insertInto('accounts').values(row).execute();
        log({
          type: 'account_created',
          tps: null,
          actor: by?.actor ?? 'cli',
          details: {
            account: row.id,
            name,
            role: a.role,
            region: a.region,
            ...(choice === null ? {} : { choice }),
          },
        });
        return ok({ account: accountOf(row), password });
      });
    },

    async list() {
      const rows = await db.selectFrom('accounts').selectAll().orderBy('name').execute();
      return rows.map(accountOf);
    },

    async byName(name) {
      const row = await byName(db, name);
      return row && accountOf(row);
    },

    async login(given, password) {
      const name = normalName(given).slice(0, 100);
      const row = await byName(db, name);
      const right = await verifyPassword(row?.password_hash ?? (await dummyHash()), password);
      const now = clock();
      const refusal: LoginRefusal | undefined = !row
        ? 'unknown_account'
        : !right
          ? 'wrong_password'
          : row.disabled_at !== null
            ? 'disabled'
            : undefined;
      if (refusal || !row) {
        const reason = refusal ?? 'unknown_account';
        await logOnly(now, { name, reason });
        return err(reason);
      }
      const sessionId = randomBytes(32).toString('base64url');
      const idHash = sessionHash(sessionId);
      const session: Session = {
        account: accountOf(row),
        idHash,
        createdAt: now.toISOString(),
        lastSeenAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + SESSION_MAX_MS).toISOString(),
      };
      await withEvents(db, dialect, now, async (trx, log) => {
        await trx
          .insertInto('sessions')
          .values({
            id_hash: idHash,
            account_id: row.id,
            created_at: session.createdAt,
            last_seen_at: session.lastSeenAt,
            expires_at: session.expiresAt,
            ended_at: null,
          })
          .execute();
        log({
          type: 'login_succeeded',
          tps: null,
          actor: accountActor(row.id),
          details: { account: row.id, session: sessionLabel(idHash) },
        });
      });
      return ok({ sessionId, session });
    },

    async refuseLogin(given, reason) {
      const name = normalName(given).slice(0, 100);
      await logOnly(clock(), { name, reason });
    },

    session: (sessionId) => liveSession(sessionId, clock()),

    async logout(sessionId) {
      const now = clock();
      const live = await liveSession(sessionId, now);
      if (!live) return false;
      await withEvents(db, dialect, now, async (trx, log) => {
        await trx
          .updateTable('sessions')
          .set({ ended_at: now.toISOString() })
          .where('id_hash', '=', live.idHash)
          .execute();
        log({
          type: 'logged_out',
          tps: null,
          actor: accountActor(live.account.id),
          details: { account: live.account.id, session: sessionLabel(live.idHash) },
        });
      });
      return true;
    },

    async changePassword(sessionId, current, next) {
      const live = await liveSession(sessionId, clock());
      if (!live) return err({ code: 'not_logged_in' });
      const row = await byName(db, live.account.name);
      if (!row) return err({ code: 'not_logged_in' });
      if (!(await verifyPassword(row.password_hash, current)))
        return err({ code: 'wrong_password' });
      const problem = passwordProblem(next, { name: row.name, current });
      if (problem) return err({ code: 'too_weak', message: problem });
      const hash = await hashPassword(next, cost);
      const now = clock();
      return withEvents(db, dialect, now, async (trx, log) => {
        await trx
          .updateTable('accounts')
          .set({ password_hash: hash, must_change_password: 0 })
          .where('id', '=', row.id)
          .execute();
        // Whoever else held a session of this account (a stolen one, an old browser) is out.
        await endSessions(trx, row.id, now, live.idHash);
        log({
          type: 'password_changed',
          tps: null,
          actor: accountActor(row.id),
          details: { account: row.id },
        });
        return ok(accountOf({ ...row, password_hash: hash, must_change_password: 0 }));
      });
    },

    async resetPassword(name, by) {
      const row = await byName(db, name);
      if (!row) return err('unknown_account');
      const password = oneTimePassword();
      const hash = await hashPassword(password, cost);
      const now = clock();
      return withEvents(db, dialect, now, async (trx, log) => {
        await trx
          .updateTable('accounts')
          .set({ password_hash: hash, must_change_password: 1 })
          .where('id', '=', row.id)
          .execute();
        await endSessions(trx, row.id, now);
        log({
          type: 'password_reset',
          tps: null,
          actor: by?.actor ?? 'cli',
          details: { account: row.id },
        });
        return ok({
          account: accountOf({ ...row, password_hash: hash, must_change_password: 1 }),
          password,
        });
      });
    },

    async disable(name, reason, by) {
      const now = clock();
      return withEvents(db, dialect, now, async (trx, log) => {
        const row = await byName(trx, name);
        if (!row) return err('unknown_account' as const);
        if (row.disabled_at !== null) return err('already_disabled' as const);
        await trx
          .updateTable('accounts')
          .set({ disabled_at: now.toISOString() })
          .where('id', '=', row.id)
          .execute();
        await endSessions(trx, row.id, now);
        log({
          type: 'account_disabled',
          tps: null,
          actor: by?.actor ?? 'cli',
          details: { account: row.id, reason },
        });
        return ok(accountOf({ ...row, disabled_at: now.toISOString() }));
      });
    },
  };
}
