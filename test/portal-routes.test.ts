// The portal's region reads beside the recap (issue 13), against a real server with the demo
// election, on SQLite and PostgreSQL: progress that tells reported, counted and held apart; the
// flagged TPS of a region; its anomalies page (held, corrections, late); the search by code and
// name; the TPS reported by hour; and the API reference page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ProgressByHour,
  RegionFlagged,
  RegionIssues,
  SearchResult,
} from '../src/contract/portal.ts';
import {
  ProgressByHourSchema,
  RegionFlaggedSchema,
  RegionIssuesSchema,
  SearchResultSchema,
} from '../src/contract/portal.ts';
import { RegionResultSchema, type RegionResult } from '../src/contract/results.ts';
import type { CHasil } from '../src/core/chasil.ts';
import { consistentResult } from '../src/synth/results.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from './support/postgres.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const KEC = '16.08.01';
const DESA = '16.08.01.1007';
const TPS = (n: number) => `${DESA}.${String(n).padStart(3, '0')}`;

const hasPostgres = await postgresAvailable();

for (const backend of ['sqlite', 'postgres'] as const)
  describe.skipIf(backend === 'postgres' && !hasPostgres)(
    `portal region reads (${backend}, demo election)`,
    () => {
      let server: TestServer;
      let schema: string | undefined;
      let desaName = '';
      let kecName = '';
      let desaTps: string[] = [];

      const get = async (path: string) => {
        const res = await fetch(`${server.url}${path}`);
        return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
      };

      /** A consistent result whose DPT is the TPS's registered DPT; `shift` moves votes 1 -> 2. */
      const cleanFor = async (tps: string, shift = 0): Promise<CHasil> => {
        const dpt = (await server.store.tps(tps as never))?.dpt ?? 250;
        const dptL = Math.floor(dpt / 2);
        const votesL = Math.floor(dptL * 0.8);
        const votesP = Math.floor((dpt - dptL) * 0.8);
        const valid = votesL + votesP - 5;
        const v1 = Math.floor(valid * 0.4) - shift;
        const v2 = Math.floor(valid * 0.35) + shift;
        return consistentResult({
          dptL,
          dptP: dpt - dptL,
          votesL,
          votesP,
          invalid: 5,
          votes: { '1': v1, '2': v2, '3': valid - v1 - v2 },
        });
      };

      beforeAll(async () => {
        const pgUrl = backend === 'postgres' ? testSchemaUrl('portal') : undefined;
        schema = pgUrl?.schema;
        server = await startTestServer({ demo: true, web: false, dbUrl: pgUrl?.url });
        desaTps = (await server.store.tpsBelow(DESA as never)).map(String);
        expect(desaTps.length).toBeGreaterThanOrEqual(4);
        // Two clean, one flagged (valid + invalid != total), the rest late.
        for (const n of [1, 2]) {
          const res = await server.submit(TPS(n), await cleanFor(TPS(n)));
          expect(res.status, await res.clone().text()).toBe(201);
        }
        const bad = await cleanFor(TPS(3));
        const res = await server.submit(TPS(3), { ...bad, total: bad.total - 8 });
        expect(res.status, await res.clone().text()).toBe(201);
        const kec = (await get(`/api/v1/results/${KEC}?ballot=ppwp`)).body as RegionResult;
        kecName = kec.name;
        desaName = kec.children.find((c) => c.code === DESA)!.name;
      }, 120_000);

      afterAll(async () => {
        await server?.close();
        if (schema) await dropSchema(schema);
      });

      it('tells reported, counted and flagged apart, for the region and each child', async () => {
        const desa = await get(`/api/v1/results/${DESA}?ballot=ppwp`);
        expect(desa.status).toBe(200);
        const r = RegionResultSchema.parse(desa.body);
        expect(r.progress).toMatchObject({
          tpsTotal: desaTps.length,
          tpsWithResult: 3,
          tpsFlagged: 1,
          tpsInReview: 0,
        });
        expect(r.progress.tpsCounted).toBe(2);
        expect(r.progress.tpsReported).toBe(r.progress.tpsCounted);
        const t3 = r.children.find((c) => c.code === TPS(3))!;
        expect(t3.progress).toMatchObject({ tpsWithResult: 1, tpsFlagged: 1, tpsCounted: 0 });
        const t4 = r.children.find((c) => c.code === TPS(4))!;
        expect(t4.progress).toMatchObject({ tpsWithResult: 0, tpsFlagged: 0, tpsCounted: 0 });

        const kec = RegionResultSchema.parse(
          (await get(`/api/v1/results/${KEC}?ballot=ppwp`)).body,
        );
        const child = kec.children.find((c) => c.code === DESA)!;
        expect(child.progress).toEqual(r.progress);
        expect(kec.progress.tpsWithResult).toBe(3);
        const nation = RegionResultSchema.parse((await get('/api/v1/results/id?ballot=ppwp')).body);
        expect(nation.progress.tpsWithResult).toBe(3);
        expect(nation.progress.tpsFlagged).toBe(1);
        expect(nation.children[0]!.progress.tpsWithResult).toBe(3);
      });

      it('lists the flagged TPS of a region, with its desa', async () => {
        for (const code of [DESA, KEC, '16', 'id']) {
          const res = await get(`/api/v1/regions/${code}/flagged?ballot=ppwp`);
          expect(res.status, code).toBe(200);
          expect(res.headers.get('etag')).toBeTruthy();
          const body: RegionFlagged = RegionFlaggedSchema.parse(res.body);
          expect(body.total).toBeGreaterThanOrEqual(1);
          const t3 = body.tps.find((t) => t.code === TPS(3));
          expect(t3, code).toMatchObject({
            state: 'flagged',
            latest: 1,
            counted: null,
            desa: { code: DESA, name: desaName, level: 'desa' },
          });
        }
        // Packed codes are read too; unknown regions and bad codes say so.
        expect((await get(`/api/v1/regions/${DESA.replaceAll('.', '')}/flagged`)).status).toBe(200);
        expect((await get('/api/v1/regions/99.99/flagged?ballot=ppwp')).status).toBe(404);
        expect((await get('/api/v1/regions/abc/flagged?ballot=ppwp')).status).toBe(400);
        expect((await get(`/api/v1/regions/${DESA}/flagged?ballot=nope`)).status).toBe(400);
      });

      it("answers a region's anomalies page: held, corrections and late TPS", async () => {
        const res = await get(`/api/v1/regions/${KEC}/issues?ballot=ppwp`);
        expect(res.status).toBe(200);
        const body: RegionIssues = RegionIssuesSchema.parse(res.body);
        expect(body.flagged.map((t) => t.code)).toContain(TPS(3));
        expect(body.corrections).toEqual([]);
        // Every TPS of the desa without a result is late: its siblings reported.
        const late = body.late.filter((t) => t.desa.code === DESA).map((t) => t.code);
        expect(late).toEqual(desaTps.slice(3));
        expect(body.late[0]).toMatchObject({ siblingsReported: 3, siblingsTotal: desaTps.length });
        // A desa where nobody reported has no late TPS.
        expect(body.late.every((t) => t.desa.code === DESA)).toBe(true);
        expect(body.lateTotal).toBe(desaTps.length - 3);
      });

      it('searches by TPS code (dotted or packed), region code, desa or kecamatan name', async () => {
        const packed = TPS(3).replaceAll('.', '');
        for (const q of [TPS(3), packed]) {
          const res = await get(`/api/v1/search?q=${encodeURIComponent(q)}`);
          expect(res.status).toBe(200);
          const body: SearchResult = SearchResultSchema.parse(res.body);
          expect(body.exact).toBe(true);
          expect(body.hits).toHaveLength(1);
          expect(body.hits[0]).toMatchObject({ code: TPS(3), level: 'tps' });
          expect(body.hits[0]!.parents.map((p) => p.code)).toEqual(['16', '16.08', KEC, DESA]);
        }
        const byCode = SearchResultSchema.parse(
          (await get(`/api/v1/search?q=${DESA.replaceAll('.', '')}`)).body,
        );
        expect(byCode.hits[0]).toMatchObject({ code: DESA, level: 'desa', name: desaName });

        // A name, in another case and with an accent added, finds the desa with its parents' names.
        const shouted = desaName.toUpperCase().replace(/A/, 'Á');
        const byName = SearchResultSchema.parse(
          (await get(`/api/v1/search?q=${encodeURIComponent(shouted)}`)).body,
        );
        expect(byName.exact).toBe(false);
        const hit = byName.hits.find((h) => h.code === DESA);
        expect(hit, JSON.stringify(byName.hits.slice(0, 3))).toBeTruthy();
        expect(hit!.parents.map((p) => p.name)).toContain(kecName);
        expect(byName.hits.length).toBeLessThanOrEqual(20);

        const prefix = kecName.slice(0, 4).toLowerCase();
        const byPrefix = SearchResultSchema.parse(
          (await get(`/api/v1/search?q=${encodeURIComponent(prefix)}`)).body,
        );
        expect(byPrefix.hits.some((h) => h.code === KEC && h.level === 'kecamatan')).toBe(true);
        expect(byPrefix.hits.length).toBeLessThanOrEqual(20);

        expect((await get('/api/v1/search?q=zzzqqqxx')).body).toMatchObject({ hits: [] });
        expect((await get('/api/v1/search?q=')).status).toBe(400);
        expect((await get('/api/v1/search')).status).toBe(400);
      });

      it('counts TPS reported by hour of their first submission', async () => {
        // A second version of TPS 1 is no new TPS.
        const again = await server.submit(TPS(1), await cleanFor(TPS(1), 2));
        expect(again.status).toBe(201);
        for (const code of [DESA, 'id']) {
          const res = await get(`/api/v1/progress/${code}?ballot=ppwp`);
          expect(res.status).toBe(200);
          const body: ProgressByHour = ProgressByHourSchema.parse(res.body);
          expect(body.hours.reduce((n, h) => n + h.reported, 0)).toBe(3);
          expect(body.hours.at(-1)!.cumulative).toBe(3);
          expect(body.hours[0]!.hour).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
          if (code === DESA)
            expect(body).toMatchObject({ level: 'desa', tpsTotal: desaTps.length });
        }
        expect((await get('/api/v1/progress/99?ballot=ppwp')).status).toBe(404);
      });

      it('serves a readable API reference without scripts', async () => {
        for (const path of ['/api/', '/api/docs']) {
          const res = await fetch(`${server.url}${path}`);
          expect(res.status).toBe(200);
          expect(res.headers.get('content-type')).toMatch(/text\/html/);
          const html = await res.text();
          expect(html).not.toMatch(/<script/i);
          expect(html).not.toMatch(/style=/i);
          for (const p of [
            '/api/v1/results/{code}',
            '/api/v1/search',
            '/api/v1/regions/{code}/flagged',
            '/api/v1/progress/{code}',
          ])
            expect(html, p).toContain(`<code>${p}</code>`);
          expect(html).toContain('id="schema-RegionResult"');
          expect(html).toContain('tpsWithResult');
        }
      });
    },
  );
