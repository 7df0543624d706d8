// The review queue's HTTP routes (operator-routes.ts) on SQLite and PostgreSQL, as an operator
// logged in: the queue of a PPK's kecamatan and no other (403 outside_region), CSRF on every
// action, a version someone else acted on first (409 stale_version), a correction with its reason
// and the plenary's reference that is a new version while the earlier one stays, and a closed
// recap that refuses a correction until it is reopened (409 recap_closed).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { CHasil } from '../src/core/chasil.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { checkRules } from '../src/core/rules.ts';
import type { OperatorTps, ReviewDone, ReviewQueue } from '../src/contract/review.ts';
import { buildApp } from '../src/server/app.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../src/server/session.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from './support/postgres.ts';
import { plainSubmission } from './support/results.ts';

const R = (c: string) => c as RegionCode;
const T = (c: string) => c as TpsCode;

const KEC1 = R('16.08.01');
const KEC2 = R('16.08.02');
const A1 = T('16.08.01.1001.001');
const A2 = T('16.08.01.1001.002');
const B1 = T('16.08.01.1002.001');
const C1 = T('16.08.02.2001.001');

/** Two kecamatan: Martapura with three TPS in two desa, Buay Madang with one. */
const ELECTION: ElectionSetup = {
  name: 'operator API test election',
  demo: false,
  regions: [
    { code: NATION_CODE, name: 'Indonesia', level: 'nasional' },
    { code: R('16'), name: 'Sumatera Selatan', level: 'provinsi' },
    { code: R('16.08'), name: 'Ogan Komering Ulu Timur', level: 'kabupaten' },
    { code: KEC1, name: 'Martapura', level: 'kecamatan' },
    { code: KEC2, name: 'Buay Madang', level: 'kecamatan' },
    { code: R('16.08.01.1001'), name: 'Desa Satu', level: 'desa' },
    { code: R('16.08.01.1002'), name: 'Desa Dua', level: 'desa' },
    { code: R('16.08.02.2001'), name: 'Desa Tiga', level: 'desa' },
  ],
  tps: [A1, A2, B1, C1].map((code) => ({ code, name: `TPS ${code}`, dpt: null })),
  contests: [PPWP_2024],
};

const GOOD: CHasil = consistentResult({
  dptL: 150,
  dptP: 150,
  votesL: 70,
  votesP: 73,
  invalid: 3,
  votes: { '1': 30, '2': 90, '3': 20 },
});
/** One valid vote too many: valid + invalid no longer make the total. */
const BROKEN: CHasil = { ...GOOD, valid: GOOD.valid + 1 };

type Backend = {
  name: string;
  open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>;
};
// A cheap scrypt: the accounts' hashing is not under test here.
const scryptCost = { N: 2 ** 10, r: 8, p: 1 };
const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'rekap-opapi-'));
      return {
        store: await openStore({ dataDir, scryptCost }),
        cleanup: () => rm(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'rekap-opapi-'));
      const { url, schema } = testSchemaUrl('opapi');
      return {
        store: await openStore({ dataDir, dbUrl: url, scryptCost }),
        cleanup: async () => {
          await dropSchema(schema);
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];

const hasPostgres = await postgresAvailable();

for (const backend of BACKENDS)
  describe.skipIf(backend.name === 'postgres' && !hasPostgres)(
    `review queue over HTTP (${backend.name})`,
    () => {
      let store: Store;
      let cleanup: () => Promise<void>;
      let app: Awaited<ReturnType<typeof buildApp>>;
      type Client = { cookie: string; csrf: string };
      let ppk1: Client;
      let ppk2: Client;

      const post = (url: string, client: Client | Pick<Client, 'cookie'>, payload: object) =>
        app.inject({
          method: 'POST',
          url,
          headers: {
            cookie: client.cookie,
            ...('csrf' in client ? { 'x-csrf-token': client.csrf } : {}),
          },
          payload,
        });
      const get = (url: string, client?: Client) =>
        app.inject({ url, headers: client ? { cookie: client.cookie } : {} });
      const errorOf = (res: { json: <T>() => T }) => res.json<{ error: string }>().error;

      async function operator(name: string, role: 'ppk' | 'bawaslu', region: RegionCode) {
        const made = await store.accounts.create({ name, role, region });
        if (!made.ok) throw new Error(made.error.message);
        const res = await app.inject({
          method: 'POST',
          url: '/api/operator/login',
          payload: { name, password: made.value.password },
        });
        expect(res.statusCode, res.body).toBe(200);
        const c = new Map(res.cookies.map((k) => [k.name, k.value]));
        const client = {
          cookie: `${SESSION_COOKIE}=${c.get(SESSION_COOKIE)}; ${CSRF_COOKIE}=${c.get(CSRF_COOKIE)}`,
          csrf: c.get(CSRF_COOKIE)!,
        };
        const changed = await post('/api/operator/password', client, {
          current: made.value.password,
          next: `a password of its own for a ${role}`,
        });
        expect(changed.statusCode, changed.body).toBe(200);
        return client;
      }

      beforeAll(async () => {
        ({ store, cleanup } = await backend.open());
        await store.loadElection(ELECTION);
        const flags = checkRules(BROKEN, { ballot: 'ppwp', registeredDpt: null });
        expect(flags.length).toBeGreaterThan(0);
        for (const tps of [A1, A2, B1, C1])
          await store.recordSubmission({ ...plainSubmission(tps, BROKEN), flags });
        app = await buildApp({ store });
        ppk1 = await operator('ppk.martapura', 'ppk', KEC1);
        ppk2 = await operator('ppk.buaymadang', 'ppk', KEC2);
      }, 60_000);

      afterAll(async () => {
        await app?.close();
        await store?.close();
        await cleanup?.();
      });

      it('lists the flagged TPS of its kecamatan only, by pages, and refuses other regions', async () => {
        const res = await get(`/api/operator/queue?region=${KEC1}`, ppk1);
        expect(res.statusCode, res.body).toBe(200);
        const q = res.json<ReviewQueue>();
        expect(q.items.map((i) => i.tps)).toEqual([A1, A2, B1]);
        expect(q.items.every((i) => i.state === 'flagged' && i.reasons[0]?.code === 'rules')).toBe(
          true,
        );
        expect(q).toMatchObject({ tpsTotal: 3, missing: 3, next: null });
        expect(res.headers['cache-control']).toBe('no-store');

        const first = (
          await get(`/api/operator/queue?region=${KEC1}&limit=2`, ppk1)
        ).json<ReviewQueue>();
        expect(first.items.map((i) => i.tps)).toEqual([A1, A2]);
        expect(first.next).toBe(A2);
        const second = (
          await get(`/api/operator/queue?region=${KEC1}&limit=2&after=${first.next}`, ppk1)
        ).json<ReviewQueue>();
        expect(second.items.map((i) => i.tps)).toEqual([B1]);
        expect(second.next).toBeNull();
        // A desa of its kecamatan is inside its region.
        const desa = (
          await get(`/api/operator/queue?region=16.08.01.1002`, ppk1)
        ).json<ReviewQueue>();
        expect(desa.items.map((i) => i.tps)).toEqual([B1]);

        for (const region of [KEC2, '16.08', NATION_CODE]) {
          const out = await get(`/api/operator/queue?region=${region}`, ppk1);
          expect(out.statusCode, region).toBe(403);
          expect(errorOf(out)).toBe('outside_region');
        }
        const anon = await get(`/api/operator/queue?region=${KEC1}`);
        expect(anon.statusCode).toBe(401);
        expect(errorOf(anon)).toBe('not_logged_in');
      });

      it('opens a TPS of its region and refuses one of another kecamatan (403 outside_region)', async () => {
        const mine = await get(`/api/operator/tps/${A1}/ppwp`, ppk1);
        expect(mine.statusCode, mine.body).toBe(200);
        const t = mine.json<OperatorTps>();
        expect(t).toMatchObject({ state: 'flagged', latest: 1, counted: null });
        expect(t.versions.map((v) => [v.version, v.kind, v.counted])).toEqual([
          [1, 'submission', false],
        ]);
        const valid = t.fields.find((f) => f.path === 'valid');
        expect(valid).toMatchObject({ submitted: BROKEN.valid, read: null, corrected: null });

        const theirs = await get(`/api/operator/tps/${A1}/ppwp`, ppk2);
        expect(theirs.statusCode).toBe(403);
        expect(errorOf(theirs)).toBe('outside_region');
        // Acting is refused the same way, and nothing is written.
        const act = await post(`/api/operator/tps/${A1}/ppwp/confirm`, ppk2, {
          version: 1,
          reason: 'bukan wilayah saya',
        });
        expect(act.statusCode).toBe(403);
        expect(errorOf(act)).toBe('outside_region');
        expect((await store.tpsReview(A1, 'ppwp'))?.events.map((e) => e.type)).toEqual([
          'submission_received',
        ]);
      });

      it('refuses an action without the CSRF token or with another one', async () => {
        const url = `/api/operator/tps/${A2}/ppwp/confirm`;
        const body = { version: 1, reason: 'sesuai plano' };
        for (const client of [{ cookie: ppk1.cookie }, { ...ppk1, csrf: ppk2.csrf }]) {
          const res = await post(url, client, body);
          expect(res.statusCode).toBe(403);
          expect(errorOf(res)).toBe('csrf_mismatch');
        }
        expect((await store.tpsReview(A2, 'ppwp'))?.state).toBe('flagged');
      });

      it('corrects with reason and reference: a new version counts, the one submitted stays', async () => {
        const url = `/api/operator/tps/${A1}/ppwp/correct`;
        const base = { version: 1, reason: 'salah tulis V.A', reference: 'BA-PPK/16.08.01/017' };
        const noReference = await post(url, ppk1, {
          version: 1,
          reason: base.reason,
          changes: { valid: GOOD.valid },
        });
        expect(noReference.statusCode).toBe(400);
        expect(errorOf(noReference)).toBe('malformed_request');
        const breaks = await post(url, ppk1, { ...base, changes: { valid: GOOD.valid + 9 } });
        expect(breaks.statusCode).toBe(422);
        expect(errorOf(breaks)).toBe('correction_breaks_rules');
        const breaches = breaks.json<{ details: { breaches: { fields: string[] }[] } }>().details
          .breaches;
        expect(breaches.length).toBeGreaterThan(0);
        expect(breaches.every((b) => b.fields.includes('valid'))).toBe(true);

        const done = await post(url, ppk1, { ...base, changes: { valid: GOOD.valid } });
        expect(done.statusCode, done.body).toBe(201);
        expect(done.json<ReviewDone>()).toMatchObject({
          state: 'corrected',
          latest: 2,
          counted: 2,
        });

        // Someone who saw version 1 and acts now is told that someone acted first.
        for (const [path, body] of [
          ['confirm', { version: 1, reason: 'sesuai plano' }],
          ['correct', { ...base, changes: { valid: GOOD.valid } }],
        ] as const) {
          const stale = await post(`/api/operator/tps/${A1}/ppwp/${path}`, ppk1, body);
          expect(stale.statusCode, path).toBe(409);
          expect(errorOf(stale)).toBe('stale_version');
        }

        const t = (await get(`/api/operator/tps/${A1}/ppwp`, ppk1)).json<OperatorTps>();
        expect(t.versions.map((v) => [v.version, v.kind, v.corrects, v.counted])).toEqual([
          [2, 'correction', 1, true],
          [1, 'submission', null, false],
        ]);
        expect(t.versions[1]!.result).toEqual(BROKEN);
        expect(t.corrections).toHaveLength(1);
        expect(t.corrections[0]).toMatchObject({
          version: 2,
          corrects: 1,
          reason: base.reason,
          reference: base.reference,
          changes: [{ field: 'valid', from: BROKEN.valid, to: GOOD.valid }],
        });
        expect(t.corrections[0]!.actor).toMatch(/^account:/);
        expect(t.fields.find((f) => f.path === 'valid')).toMatchObject({
          submitted: BROKEN.valid,
          corrected: GOOD.valid,
          differs: true,
        });
        // The public answer counts the correction, and keeps the version submitted.
        const pub = (await get(`/api/v1/tps/${A1}?ballot=ppwp`)).json<{
          counted: { version: number } | null;
          versions: { version: number; result: CHasil }[];
        }>();
        expect(pub.counted?.version).toBe(2);
        expect(pub.versions.map((v) => v.result.valid)).toEqual([GOOD.valid, BROKEN.valid]);
        // It has left the queue.
        const q = (await get(`/api/operator/queue?region=${KEC1}`, ppk1)).json<ReviewQueue>();
        expect(q.items.map((i) => i.tps)).not.toContain(A1);
        expect(q.missing).toBe(2);
      });

      it('asks for a new photo: the TPS waits in photo_requested', async () => {
        const res = await post(`/api/operator/tps/${A2}/ppwp/photo-request`, ppk1, {
          version: 1,
          reason: 'foto buram',
        });
        expect(res.statusCode, res.body).toBe(201);
        expect(res.json<ReviewDone>().state).toBe('photo_requested');
        const q = (
          await get(`/api/operator/queue?region=${KEC1}&state=photo_requested`, ppk1)
        ).json<ReviewQueue>();
        expect(q.items.map((i) => [i.tps, i.state])).toEqual([[A2, 'photo_requested']]);
        // A PPK does not object; Bawaslu does.
        const obj = await post(`/api/operator/tps/${B1}/ppwp/objection`, ppk1, {
          version: 1,
          text: 'suara paslon 2',
        });
        expect(obj.statusCode).toBe(403);
        expect(errorOf(obj)).toBe('forbidden');
      });

      it('a closed recap refuses a correction until it is reopened (409 recap_closed)', async () => {
        const confirmed = await post(`/api/operator/tps/${C1}/ppwp/confirm`, ppk2, {
          version: 1,
          reason: 'sesuai C.Hasil plano',
        });
        expect(confirmed.statusCode, confirmed.body).toBe(201);
        const closed = await post(`/api/operator/recap/${KEC2}/ppwp/close`, ppk2, {});
        expect(closed.statusCode, closed.body).toBe(201);
        const correction = {
          version: 1,
          changes: { valid: GOOD.valid },
          reason: 'salah tulis V.A',
          reference: 'BA-PPK/16.08.02/003',
        };
        const refused = await post(`/api/operator/tps/${C1}/ppwp/correct`, ppk2, correction);
        expect(refused.statusCode).toBe(409);
        expect(errorOf(refused)).toBe('recap_closed');
        expect((await store.tpsReview(C1, 'ppwp'))?.versions).toHaveLength(1);

        const reopened = await post(`/api/operator/recap/${KEC2}/ppwp/reopen`, ppk2, {
          reason: 'koreksi V.A dari pleno',
        });
        expect(reopened.statusCode, reopened.body).toBe(200);
        const done = await post(`/api/operator/tps/${C1}/ppwp/correct`, ppk2, correction);
        expect(done.statusCode, done.body).toBe(201);
        expect(done.json<ReviewDone>()).toMatchObject({ state: 'corrected', counted: 2 });
      });
    },
  );
