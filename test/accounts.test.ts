// Operator accounts, sessions and authorisation (issue 12, docs/operators.md), on SQLite and
// PostgreSQL: the store's accounts (create, login, expiry with a fake clock, password change,
// reset, disable, each with its event), the HTTP routes (cookies, CSRF, throttling), the
// authorisation matrix over HTTP through requireOperator, `rekap operator` and the demo accounts.
//
// scrypt is slow on purpose. These tests open their stores with a cheap cost (N=2^10) so that the
// matrix's dozens of logins stay quick; the production default is checked apart: a store opened
// without the option, and `rekap operator add`, write N=2^15, r=8, p=1.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, PERMISSIONS, ROLES, type Action, type Role } from '../src/core/authz.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { PPWP_2024 } from '../src/core/ballots.ts';
import { operatorCommand } from '../src/cli/operator.ts';
import { UsageError } from '../src/cli/usage.ts';
import { DEMO_ACCOUNTS, demoAccounts, demoAccountsText } from '../src/demo/accounts.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { buildApp } from '../src/server/app.ts';
import { CSRF_COOKIE, SESSION_COOKIE, requireOperator } from '../src/server/session.ts';
import {
  SCRYPT_COST,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  hashPassword,
  oneTimePassword,
  verifyPassword,
} from '../src/store/accounts.ts';
import { verifyEventChain } from '../src/store/events.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from './support/postgres.ts';

const R = (c: string) => c as RegionCode;
const T = (c: string) => c as TpsCode;
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

/** Two kecamatan of 16.08, a kabupaten beside it and a province beside that: insides and outsides. */
const ELECTION: ElectionSetup = {
  name: 'accounts test election',
  demo: false,
  regions: [
    { code: NATION_CODE, name: 'Indonesia', level: 'nasional' },
    { code: R('16'), name: 'Sumatera Selatan', level: 'provinsi' },
    { code: R('17'), name: 'Bengkulu', level: 'provinsi' },
    { code: R('16.07'), name: 'Kab Lain', level: 'kabupaten' },
    { code: R('16.08'), name: 'OKU Timur', level: 'kabupaten' },
    { code: R('16.07.01'), name: 'Kec Lain', level: 'kecamatan' },
    { code: R('16.08.01'), name: 'Martapura', level: 'kecamatan' },
    { code: R('16.08.02'), name: 'Buay Madang', level: 'kecamatan' },
    { code: R('16.08.01.1001'), name: 'Desa Satu', level: 'desa' },
    { code: R('16.08.01.1002'), name: 'Desa Dua', level: 'desa' },
    { code: R('16.08.02.2001'), name: 'Desa Tiga', level: 'desa' },
  ],
  tps: [
    { code: T('16.08.01.1001.001'), name: 'TPS 1', dpt: null },
    { code: T('16.08.01.1002.001'), name: 'TPS 1', dpt: null },
    { code: T('16.08.02.2001.001'), name: 'TPS 1', dpt: null },
  ],
  contests: [PPWP_2024],
};

/** A fake clock the store and the app share. */
function fakeClock(start = '2024-02-14T08:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance: (ms: number) => void (t += ms),
  };
}

type Opened = { store: Store; cleanup: () => Promise<void> };
type Backend = { name: string; open: (clock: () => Date) => Promise<Opened | undefined> };

/** SQLite in a temporary folder and PostgreSQL in a schema of its own, each with the cheap cost. */
const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async open(clock) {
      const dataDir = await mkdtemp(join(tmpdir(), 'rekap-accounts-'));
      const store = await openStore({ dataDir, clock, scryptCost: CHEAP, writePhotos: false });
      return { store, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open(clock) {
      if (!(await postgresAvailable())) return undefined;
      const dataDir = await mkdtemp(join(tmpdir(), 'rekap-accounts-'));
      const { url, schema } = testSchemaUrl('accounts');
      const store = await openStore({
        dataDir,
        dbUrl: url,
        clock,
        scryptCost: CHEAP,
        writePhotos: false,
      });
      return {
        store,
        cleanup: async () => {
          await dropSchema(schema);
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];

const okValue = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
};

describe('passwords', () => {
  it('the production cost is scrypt N=2^15, r=8, p=1, and a store opened without a cost writes it', async () => {
    expect(SCRYPT_COST).toEqual({ N: 32768, r: 8, p: 1 });
    const dataDir = await mkdtemp(join(tmpdir(), 'rekap-accounts-default-'));
    try {
      const store = await openStore({ dataDir, writePhotos: false });
      await store.loadElection(ELECTION);
      const created = okValue(
        await store.accounts.create({ name: 'strong', role: 'admin', region: R('16.08') }),
      );
      await store.close();
      const db = new SqliteDatabase(join(dataDir, 'rekap.sqlite'), { readonly: true });
      const row = db.prepare('select password_hash from accounts where name = ?').get('strong') as {
        password_hash: string;
      };
      db.close();
      expect(row.password_hash).toMatch(
        /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/,
      );
      expect(await verifyPassword(row.password_hash, created.password)).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('hashes are salted, verify only the right password, and one-time passwords are readable', async () => {
    const a = await hashPassword('correct horse battery', CHEAP);
    const b = await hashPassword('correct horse battery', CHEAP);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(a, 'correct horse batterx')).toBe(false);
    const otps = new Set(Array.from({ length: 50 }, () => oneTimePassword()));
    expect(otps.size).toBe(50);
    for (const p of otps) expect(p).toMatch(/^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/);
  });
});

for (const backend of BACKENDS) {
  describe(`accounts on ${backend.name}`, () => {
    const clock = fakeClock();
    let opened: Opened | undefined;
    let store: Store;
    let app: FastifyInstance;

    beforeAll(async () => {
      opened = await backend.open(clock.now);
      if (!opened) return;
      store = opened.store;
      await store.loadElection(ELECTION);
      app = await buildApp({ store, clock: clock.now });
      // A route for the tests only: requireOperator with any action and target.
      app.route({
        method: ['GET', 'POST'],
        url: '/api/operator/test/can/:action',
        handler: async (req) => {
          const q = req.query as { tps?: string; region?: string };
          const target = q.tps ? { tps: T(q.tps) } : { region: R(q.region ?? 'id') };
          const account = await requireOperator(
            req,
            (req.params as { action: Action }).action,
            target,
          );
          return { name: account.name };
        },
      });
      await app.ready();
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      await opened?.store.close();
      await opened?.cleanup();
    });

    const skip = () => {
      if (!opened) console.warn(`skipping accounts on ${backend.name}`);
      return !opened;
    };

    /** Cookies of a login answer, by name, with their attributes. */
    type Cookie = { name: string; value: string; httpOnly?: boolean; domain?: string };
    const cookiesOf = (res: { cookies: Cookie[] }) => new Map(res.cookies.map((c) => [c.name, c]));

    type Client = { cookie: string; csrf: string };
    async function login(name: string, password: string) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/operator/login',
        payload: { name, password },
      });
      if (res.statusCode !== 200) return { res, client: undefined };
      const c = cookiesOf(res);
      const session = c.get(SESSION_COOKIE)!.value;
      const csrf = c.get(CSRF_COOKIE)!.value;
      return {
        res,
        client: { cookie: `${SESSION_COOKIE}=${session}; ${CSRF_COOKIE}=${csrf}`, csrf },
      };
    }
    const post = (url: string, client: Client | undefined, payload?: object, csrf?: string) =>
      app.inject({
        method: 'POST',
        url,
        headers: {
          ...(client ? { cookie: client.cookie } : {}),
          ...(csrf !== undefined
            ? { 'x-csrf-token': csrf }
            : client
              ? { 'x-csrf-token': client.csrf }
              : {}),
        },
        ...(payload ? { payload } : {}),
      });
    const me = (client: Client | undefined) =>
      app.inject({
        method: 'GET',
        url: '/api/operator/me',
        headers: client ? { cookie: client.cookie } : {},
      });
    /** A new account, logged in with its one-time password and then a password of its own. */
    async function ready(name: string, role: Role, region: string, choice?: string) {
      const { password } = okValue(
        await store.accounts.create({ name, role, region: R(region), choice: choice ?? null }),
      );
      const first = await login(name, password);
      expect(first.res.statusCode, first.res.body).toBe(200);
      const mine = `a password of its own for ${name.length} letters`;
      const changed = await post('/api/operator/password', first.client, {
        current: password,
        next: mine,
      });
      expect(changed.statusCode, changed.body).toBe(200);
      return { client: first.client!, password: mine };
    }
    const errorOf = (res: { body: string }) => (JSON.parse(res.body) as { error: string }).error;

    describe('the store', () => {
      it('creates accounts with one-time passwords, and refuses what does not fit', async () => {
        if (skip()) return;
        const created = okValue(
          await store.accounts.create({
            name: 'PPK-Martapura ',
            role: 'ppk',
            region: R('16.08.01'),
          }),
        );
        expect(created.account).toMatchObject({
          name: 'ppk-martapura',
          role: 'ppk',
          region: '16.08.01',
          choice: null,
          mustChangePassword: true,
          disabledAt: null,
        });
        const problem = async (a: Parameters<Store['accounts']['create']>[0]) => {
          const r = await store.accounts.create(a);
          return r.ok ? 'ok' : r.error.code;
        };
        expect(await problem({ name: 'ppk-martapura', role: 'ppk', region: R('16.08.01') })).toBe(
          'name_taken',
        );
        expect(await problem({ name: 'x', role: 'ppk', region: R('16.08.01') })).toBe('bad_name');
        expect(await problem({ name: 'ppk-lain', role: 'ppk', region: R('16.09.01') })).toBe(
          'unknown_region',
        );
        expect(await problem({ name: 'ppk-lain', role: 'ppk', region: R('16.08') })).toBe(
          'role_region',
        );
        expect(await problem({ name: 'saksi-a', role: 'saksi', region: R('16.08') })).toBe(
          'role_region',
        );
        expect(
          await problem({ name: 'saksi-a', role: 'saksi', region: R('16.08'), choice: '9' }),
        ).toBe('unknown_choice');
        expect(
          await problem({ name: 'saksi-a', role: 'saksi', region: R('16.08'), choice: '3' }),
        ).toBe('ok');
        const events = await store.events({});
        const made = events.filter((e) => e.type === 'account_created');
        expect(made.map((e) => e.details)).toEqual([
          { account: created.account.id, name: 'ppk-martapura', role: 'ppk', region: '16.08.01' },
          expect.objectContaining({ name: 'saksi-a', role: 'saksi', choice: '3' }),
        ]);
        expect(made.every((e) => e.actor === 'cli')).toBe(true);
      });

      it('logs in, refuses, expires after 12 hours idle and 7 days in all, and touches at most once a minute', async () => {
        if (skip()) return;
        const { password, account } = okValue(
          await store.accounts.create({ name: 'kab-okut', role: 'kpu_kab', region: R('16.08') }),
        );
        expect(await store.accounts.login('kab-okut', 'not the password')).toEqual({
          ok: false,
          error: 'wrong_password',
        });
        expect(await store.accounts.login('nobody-here', password)).toEqual({
          ok: false,
          error: 'unknown_account',
        });
        const { sessionId, session } = okValue(await store.accounts.login('KAB-OKUT', password));
        expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(session.idHash).not.toContain(sessionId);
        expect(session.account.id).toBe(account.id);
        const seen0 = session.lastSeenAt;
        clock.advance(30_000);
        expect((await store.accounts.session(sessionId))?.lastSeenAt).toBe(seen0);
        clock.advance(31_000);
        const touched = (await store.accounts.session(sessionId))!.lastSeenAt;
        expect(touched).not.toBe(seen0);
        // Idle: alive just before 12 hours, gone at 12 hours.
        clock.advance(SESSION_IDLE_MS - 1000);
        expect(await store.accounts.session(sessionId)).toBeDefined();
        clock.advance(SESSION_IDLE_MS);
        expect(await store.accounts.session(sessionId)).toBeUndefined();
        // In all: a session used every 11 hours still ends after 7 days.
        const again = okValue(await store.accounts.login('kab-okut', password));
        let alive = 0;
        for (let h = 11; h < 24 * 8; h += 11) {
          clock.advance(11 * 60 * 60 * 1000);
          if (await store.accounts.session(again.sessionId)) alive = h;
          else break;
        }
        expect(alive).toBeLessThan(SESSION_MAX_MS / 3_600_000);
        expect(alive).toBeGreaterThan(SESSION_MAX_MS / 3_600_000 - 11);
        const failed = (await store.events({})).filter((e) => e.type === 'login_failed');
        expect(failed.map((e) => e.details)).toEqual([
          { name: 'kab-okut', reason: 'wrong_password' },
          { name: 'nobody-here', reason: 'unknown_account' },
        ]);
      });

      it('a password change ends the other sessions; a reset and a disabling end them all', async () => {
        if (skip()) return;
        const { password } = okValue(
          await store.accounts.create({ name: 'prov-sumsel', role: 'kpu_prov', region: R('16') }),
        );
        const a = okValue(await store.accounts.login('prov-sumsel', password));
        const b = okValue(await store.accounts.login('prov-sumsel', password));
        expect(
          await store.accounts.changePassword(a.sessionId, 'wrong', 'a new long password'),
        ).toEqual({
          ok: false,
          error: { code: 'wrong_password' },
        });
        const weak = await store.accounts.changePassword(a.sessionId, password, 'short');
        expect(weak.ok ? '' : weak.error.code).toBe('too_weak');
        const named = await store.accounts.changePassword(
          a.sessionId,
          password,
          'my prov-sumsel password',
        );
        expect(named.ok ? '' : named.error.code).toBe('too_weak');
        const changed = okValue(
          await store.accounts.changePassword(a.sessionId, password, 'a new long password'),
        );
        expect(changed.mustChangePassword).toBe(false);
        expect(await store.accounts.session(a.sessionId)).toBeDefined();
        expect(await store.accounts.session(b.sessionId)).toBeUndefined();
        expect((await store.accounts.login('prov-sumsel', password)).ok).toBe(false);

        const reset = okValue(await store.accounts.resetPassword('prov-sumsel'));
        expect(reset.account.mustChangePassword).toBe(true);
        expect(await store.accounts.session(a.sessionId)).toBeUndefined();
        expect((await store.accounts.login('prov-sumsel', 'a new long password')).ok).toBe(false);
        const c = okValue(await store.accounts.login('prov-sumsel', reset.password));

        expect(
          okValue(await store.accounts.disable('prov-sumsel', 'left the office')).disabledAt,
        ).not.toBeNull();
        expect(await store.accounts.disable('prov-sumsel', 'again')).toEqual({
          ok: false,
          error: 'already_disabled',
        });
        expect(await store.accounts.session(c.sessionId)).toBeUndefined();
        expect(await store.accounts.login('prov-sumsel', reset.password)).toEqual({
          ok: false,
          error: 'disabled',
        });
        const types = (await store.events({})).map((e) => e.type);
        for (const t of [
          'password_changed',
          'password_reset',
          'account_disabled',
          'login_succeeded',
        ] as const)
          expect(types).toContain(t);
      });
    });

    describe('over HTTP', () => {
      it('login sets the session and CSRF cookies; me answers the account; logout ends it', async () => {
        if (skip()) return;
        const { password } = okValue(
          await store.accounts.create({
            name: 'ppk-buay-madang',
            role: 'ppk',
            region: R('16.08.02'),
          }),
        );
        const { res, client } = await login('ppk-buay-madang', password);
        expect(res.statusCode).toBe(200);
        const body = JSON.parse(res.body) as { account: object; csrf: string };
        const anyId: unknown = expect.any(String);
        expect(body.account).toEqual({
          id: anyId,
          name: 'ppk-buay-madang',
          role: 'ppk',
          region: '16.08.02',
          choice: null,
          mustChangePassword: true,
        });
        const c = cookiesOf(res);
        expect(c.get(SESSION_COOKIE)).toMatchObject({
          httpOnly: true,
          secure: true,
          sameSite: 'Strict',
          path: '/',
        });
        expect(c.get(SESSION_COOKIE)).not.toHaveProperty('domain');
        expect(c.get(CSRF_COOKIE)).toMatchObject({ secure: true, sameSite: 'Strict', path: '/' });
        expect(c.get(CSRF_COOKIE)?.httpOnly).not.toBe(true);
        expect(body.csrf).toBe(client!.csrf);
        expect(res.headers['cache-control']).toBe('no-store');

        const who = await me(client);
        expect(who.statusCode).toBe(200);
        expect(JSON.parse(who.body)).toEqual(body);
        // A one-time password allows nothing but its change.
        const early = await post(`/api/operator/test/can/view_review?region=16.08.02`, client);
        expect([early.statusCode, errorOf(early)]).toEqual([403, 'must_change_password']);

        const out = await post('/api/operator/logout', client);
        expect(out.statusCode).toBe(200);
        expect(JSON.parse(out.body)).toEqual({ loggedOut: true });
        expect(cookiesOf(out).get(SESSION_COOKIE)?.value).toBe('');
        const gone = await me(client);
        expect([gone.statusCode, errorOf(gone)]).toEqual([401, 'not_logged_in']);
        expect(errorOf(await me(undefined))).toBe('not_logged_in');
        const types = (await store.events({})).map((e) => e.type);
        expect(types).toContain('logged_out');
      });

      it("refuses a state-changing request without the CSRF token, or with another session's", async () => {
        if (skip()) return;
        const one = await ready('kec-csrf-a', 'ppk', '16.08.01');
        const two = await ready('kec-csrf-b', 'ppk', '16.08.01');
        for (const [csrf, why] of [
          ['', 'none'],
          [two.client.csrf, "another session's"],
          ['x'.repeat(43), 'made up'],
        ] as const) {
          const r = await post('/api/operator/logout', one.client, undefined, csrf);
          expect([r.statusCode, errorOf(r)], why).toEqual([403, 'csrf_mismatch']);
          const t = await post(
            '/api/operator/test/can/confirm?tps=16.08.01.1001.001',
            one.client,
            undefined,
            csrf,
          );
          expect([t.statusCode, errorOf(t)], why).toEqual([403, 'csrf_mismatch']);
        }
        // The header must also be the cookie's value (double submit).
        const noCookie = await app.inject({
          method: 'POST',
          url: '/api/operator/logout',
          headers: { cookie: one.client.cookie.split(';')[0]!, 'x-csrf-token': one.client.csrf },
        });
        expect([noCookie.statusCode, errorOf(noCookie)]).toEqual([403, 'csrf_mismatch']);
        // Without a session there is no token to check: 401.
        const anon = await post('/api/operator/logout', undefined, undefined, one.client.csrf);
        expect([anon.statusCode, errorOf(anon)]).toEqual([401, 'not_logged_in']);
        // Reads need no token.
        const read = await app.inject({
          method: 'GET',
          url: '/api/operator/test/can/view_review?tps=16.08.01.1001.001',
          headers: { cookie: one.client.cookie },
        });
        expect(read.statusCode).toBe(200);
        expect((await post('/api/operator/logout', one.client)).statusCode).toBe(200);
      });

      it('password change: wrong current, too weak, then changed (other sessions end)', async () => {
        if (skip()) return;
        const { password } = okValue(
          await store.accounts.create({ name: 'admin-pw', role: 'admin', region: R('16.08') }),
        );
        const a = (await login('admin-pw', password)).client!;
        const b = (await login('admin-pw', password)).client!;
        const wrong = await post('/api/operator/password', a, {
          current: 'nope',
          next: 'a much longer one',
        });
        expect([wrong.statusCode, errorOf(wrong)]).toEqual([403, 'wrong_password']);
        const weak = await post('/api/operator/password', a, { current: password, next: 'short' });
        expect([weak.statusCode, errorOf(weak)]).toEqual([422, 'password_too_weak']);
        const bad = await post('/api/operator/password', a, { current: password });
        expect([bad.statusCode, errorOf(bad)]).toEqual([400, 'malformed_request']);
        const ok = await post('/api/operator/password', a, {
          current: password,
          next: 'a much longer one',
        });
        expect(ok.statusCode).toBe(200);
        expect(
          (JSON.parse(ok.body) as { account: { mustChangePassword: boolean } }).account
            .mustChangePassword,
        ).toBe(false);
        expect((await me(a)).statusCode).toBe(200);
        expect((await me(b)).statusCode).toBe(401);
        const allowed = await post('/api/operator/test/can/manage_accounts?region=16.08.01', a);
        expect(allowed.statusCode).toBe(200);
      });

      it('expires a session after 12 hours idle', async () => {
        if (skip()) return;
        const { client } = await ready('kec-idle', 'ppk', '16.08.01');
        clock.advance(SESSION_IDLE_MS - 60_000);
        expect((await me(client)).statusCode).toBe(200);
        clock.advance(SESSION_IDLE_MS - 60_000);
        expect((await me(client)).statusCode).toBe(200);
        clock.advance(SESSION_IDLE_MS);
        const r = await post('/api/operator/test/can/confirm?tps=16.08.01.1001.001', client);
        expect([r.statusCode, errorOf(r)]).toEqual([401, 'not_logged_in']);
      });

      it('throttles a name after 5 failed logins in 15 minutes, right password or not, until the window passes', async () => {
        if (skip()) return;
        const { password } = okValue(
          await store.accounts.create({ name: 'kec-throttle', role: 'ppk', region: R('16.08.01') }),
        );
        for (let i = 0; i < 5; i++) {
          const r = (await login('kec-throttle', `guess ${i}`)).res;
          expect([r.statusCode, errorOf(r)]).toEqual([401, 'login_refused']);
          clock.advance(60_000);
        }
        const refused = (await login('kec-throttle', password)).res;
        expect([refused.statusCode, errorOf(refused)]).toEqual([429, 'rate_limited']);
        expect(Number(refused.headers['retry-after'])).toBe(10 * 60);
        // Another name is not held up, and an unknown name is refused like a wrong password.
        const other = (await login('nobody-at-all', 'whatever it is')).res;
        expect([other.statusCode, errorOf(other)]).toEqual([401, 'login_refused']);
        clock.advance(10 * 60_000);
        expect((await login('kec-throttle', password)).res.statusCode).toBe(200);
        const reasons = (await store.events({}))
          .filter((e) => e.type === 'login_failed' && e.details.name === 'kec-throttle')
          .map((e) => e.details.reason);
        expect(reasons).toEqual([...Array<string>(5).fill('wrong_password'), 'throttled']);
      });

      it('a disabled account and a reset password end the sessions at once', async () => {
        if (skip()) return;
        const one = await ready('pps-disable', 'pps', '16.08.01.1001');
        const two = await ready('pps-reset', 'pps', '16.08.01.1002');
        const target = '/api/operator/test/can/view_review?tps=16.08.01.1001.001';
        expect((await post(target, one.client)).statusCode).toBe(200);
        okValue(await store.accounts.disable('pps-disable', 'test'));
        expect(errorOf(await post(target, one.client))).toBe('not_logged_in');
        const again = (await login('pps-disable', one.password)).res;
        expect([again.statusCode, errorOf(again)]).toEqual([401, 'login_refused']);
        expect((await me(two.client)).statusCode).toBe(200);
        const reset = okValue(await store.accounts.resetPassword('pps-reset'));
        expect((await me(two.client)).statusCode).toBe(401);
        expect((await login('pps-reset', two.password)).res.statusCode).toBe(401);
        expect((await login('pps-reset', reset.password)).res.statusCode).toBe(200);
      });

      it('the authorisation matrix: every role x action x inside and outside its region', async () => {
        if (skip()) return;
        const where: Record<Role, { region: string; beside: string | null }> = {
          pps: { region: '16.08.01.1001', beside: '16.08.01.1002' },
          ppk: { region: '16.08.01', beside: '16.08.02' },
          kpu_kab: { region: '16.08', beside: '16.07' },
          kpu_prov: { region: '16', beside: '17' },
          kpu_ri: { region: 'id', beside: null },
          bawaslu: { region: '16.08.01', beside: '16.08.02' },
          saksi: { region: '16.08.01', beside: '16.08.02' },
          admin: { region: '16.08.01', beside: '16.08.02' },
        };
        const tpsIn: Record<string, string> = {
          '16.08.01.1001': '16.08.01.1001.001',
          '16.08.01.1002': '16.08.01.1002.001',
          '16.08.01': '16.08.01.1001.001',
          '16.08.02': '16.08.02.2001.001',
          '16.08': '16.08.01.1001.001',
          '16.07': '16.07.01.1001.001',
          '16': '16.08.01.1001.001',
          '17': '17.01.01.1001.001',
          id: '16.08.02.2001.001',
        };
        const query = (action: Action, region: string) =>
          action === 'close_recap' || action === 'reopen_recap'
            ? `region=${region}`
            : `tps=${tpsIn[region]}`;
        const rows: string[] = [];
        for (const role of ROLES) {
          const w = where[role];
          const { client } = await ready(
            `matrix-${role.replace('_', '-')}`,
            role,
            w.region,
            role === 'saksi' ? '2' : undefined,
          );
          for (const action of ACTIONS) {
            const allowed = PERMISSIONS[role].includes(action);
            const inside = await post(
              `/api/operator/test/can/${action}?${query(action, w.region)}`,
              client,
            );
            rows.push(
              `${role} ${action} inside: ${inside.statusCode === 200 ? 'ok' : errorOf(inside)}`,
            );
            expect(inside.statusCode, `${role} ${action} inside`).toBe(allowed ? 200 : 403);
            if (w.beside === null) continue;
            const outside = await post(
              `/api/operator/test/can/${action}?${query(action, w.beside)}`,
              client,
            );
            rows.push(`${role} ${action} outside: ${errorOf(outside)}`);
            expect([outside.statusCode, errorOf(outside)], `${role} ${action} outside`).toEqual([
              403,
              allowed ? 'outside_region' : 'forbidden',
            ]);
          }
        }
        expect(rows.length).toBe(ROLES.length * ACTIONS.length * 2 - ACTIONS.length);
      });

      it('the chain holds every event these tests wrote', async () => {
        if (skip()) return;
        const events = await store.events({});
        expect(verifyEventChain(events)).toEqual({ ok: true, value: events.length });
      });
    });
  });
}

describe('rekap operator', () => {
  let dataDir: string;
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await operatorCommand([...args, '--data', dataDir], {
      stdout: (s) => void out.push(s),
      stderr: (s) => void err.push(s),
    });
    return { code, stdout: out.join(''), stderr: err.join('') };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rekap-operator-cli-'));
    const store = await openStore({ dataDir, writePhotos: false });
    await store.loadElection(ELECTION);
    await store.close();
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('add prints the one-time password once; list, reset and disable', async () => {
    const added = await run(
      'add',
      '--role',
      'ppk',
      '--region',
      '160801',
      '--name',
      'ppk-martapura',
    );
    expect(added.code, added.stderr).toBe(0);
    const password = added.stdout.trim();
    expect(password).toMatch(/^[2-9A-Z]{4}(-[2-9A-Z]{4}){3}$/);
    expect(added.stderr).toContain('ppk-martapura (ppk of 16.08.01) created');
    const saksi = await run(
      'add',
      '--role',
      'saksi',
      '--region',
      '16.08',
      '--name',
      'saksi-2',
      '--choice',
      '2',
    );
    expect(saksi.code, saksi.stderr).toBe(0);

    const list = await run('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^name +role +region +choice +state +created\n/);
    expect(list.stdout).toMatch(/ppk-martapura +ppk +16\.08\.01 +one-time password/);
    expect(list.stdout).toMatch(/saksi-2 +saksi +16\.08 +2 +one-time password/);

    const reset = await run('reset', '--name', 'ppk-martapura');
    expect(reset.code).toBe(0);
    expect(reset.stdout.trim()).not.toBe(password);
    const disabled = await run('disable', '--name', 'ppk-martapura', '--reason', 'moved away');
    expect(disabled.code).toBe(0);
    expect((await run('list')).stdout).toMatch(/ppk-martapura +ppk +16\.08\.01 +disabled 20/);
    expect((await run('disable', '--name', 'ppk-martapura', '--reason', 'x')).stderr).toContain(
      'disabled before',
    );

    // The CLI uses the production cost.
    const db = new SqliteDatabase(join(dataDir, 'rekap.sqlite'), { readonly: true });
    const hashes = db.prepare('select password_hash from accounts').all() as {
      password_hash: string;
    }[];
    db.close();
    for (const h of hashes) expect(h.password_hash.startsWith('scrypt$32768$8$1$')).toBe(true);
  });

  it('says clearly what is wrong', async () => {
    await expect(
      run('add', '--role', 'camat', '--region', '16.08.01', '--name', 'x-y-z'),
    ).rejects.toThrow(
      new UsageError(
        'unknown role "camat": one of pps, ppk, kpu_kab, kpu_prov, kpu_ri, bawaslu, saksi, admin',
      ),
    );
    await expect(
      run('add', '--role', 'ppk', '--region', 'Martapura', '--name', 'x-y-z'),
    ).rejects.toThrow(/not a region code/);
    await expect(run('add', '--role', 'ppk', '--name', 'x-y-z')).rejects.toThrow(
      /needs --role ROLE --region CODE --name NAME/,
    );
    await expect(run('disable', '--name', 'x-y-z')).rejects.toThrow(/--reason/);
    await expect(run('remove')).rejects.toThrow(/expected one of/);
    const notHere = await run('add', '--role', 'ppk', '--region', '16.09.01', '--name', 'ppk-lain');
    expect([notHere.code, notHere.stderr]).toEqual([
      1,
      expect.stringContaining('no region 16.09.01 in this election'),
    ]);
    const level = await run('add', '--role', 'ppk', '--region', '16.08', '--name', 'ppk-lain');
    expect(level.stderr).toContain('a ppk account holds a kecamatan, and 16.08 is a kabupaten');
    await run('add', '--role', 'admin', '--region', '16.08', '--name', 'admin-one');
    const taken = await run('add', '--role', 'admin', '--region', '16.08', '--name', 'admin-one');
    expect([taken.code, taken.stderr]).toEqual([
      1,
      expect.stringContaining('the name admin-one is taken'),
    ]);
    expect((await run('reset', '--name', 'nobody')).stderr).toContain('no account named nobody');
  });
});

describe('the demo accounts', () => {
  it('one per role in the demo kabupaten, created once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rekap-demo-accounts-'));
    const store = await openStore({ dataDir, writePhotos: false, scryptCost: CHEAP });
    try {
      await store.loadElection(demoElection());
      const first = await demoAccounts(store.accounts);
      expect(first.map((a) => a.role).sort()).toEqual([...ROLES].sort());
      expect(first.every((a) => a.password !== null)).toBe(true);
      for (const a of first)
        expect((await store.accounts.login(a.name, a.password!)).ok).toBe(true);
      const events = (await store.events({})).length;
      const second = await demoAccounts(store.accounts);
      expect(second.map((a) => a.name)).toEqual(DEMO_ACCOUNTS.map((a) => a.name));
      expect(second.every((a) => a.password === null)).toBe(true);
      expect((await store.events({})).length).toBe(events);
      const text = demoAccountsText(first, 'http://127.0.0.1:8080');
      expect(text).toContain(`demo-ppk       ${first[1]!.password}  ppk of 16.08.01`);
      expect(text).toContain('Log in at http://127.0.0.1:8080/operator/');
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
