// Sirekap-compatible JSON (src/server/sirekap-compat.ts) on SQLite and PostgreSQL: every TPS and
// region path of the election answers the numbers of the store's own tpsResult / regionResult in
// Sirekap's fields (`chart` by pair id, `administrasi`, `images`, `table`, `progres`); a TPS record
// read back by Rekap's own Sirekap importer gives the same numbers; answers carry the public
// cache's ETag; a path that is not Sirekap's shape, or names no place, is refused.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSirekap } from '../src/core/anomaly/sirekap.ts';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { CHasil } from '../src/core/chasil.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { checkRules } from '../src/core/rules.ts';
import { buildApp } from '../src/server/app.ts';
import {
  SirekapRegionSchema,
  SirekapTpsSchema,
  type SirekapRegion,
  type SirekapTps,
} from '../src/contract/sirekap.ts';
import { SIREKAP_ADMINISTRASI } from '../src/server/sirekap-compat.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { REGIONS_TO_MARTAPURA, storeBackends } from './support/backends.ts';

const DESA_1 = '16.08.01.1001' as RegionCode;
const DESA_2 = '16.08.01.1002' as RegionCode;
const T = (c: string) => c as TpsCode;
const COUNTED = T('16.08.01.1001.001');
const FLAGGED = T('16.08.01.1001.002');
const EMPTY = T('16.08.01.1001.003');
const OTHER = T('16.08.01.1002.001');

const ELECTION: ElectionSetup = {
  name: 'sirekap paths test',
  demo: false,
  regions: [
    ...REGIONS_TO_MARTAPURA,
    { code: DESA_1, name: 'Desa Satu', level: 'desa' },
    { code: DESA_2, name: 'Desa Dua', level: 'desa' },
  ],
  tps: [COUNTED, FLAGGED, EMPTY, OTHER].map((code) => ({ code, name: 'TPS', dpt: 240 })),
  contests: [PPWP_2024],
};

const result = (v1: number): CHasil =>
  consistentResult({
    dptL: 120,
    dptP: 120,
    votesL: 61,
    votesP: 59,
    invalid: 4,
    votes: { '1': v1, '2': 80 - v1, '3': 36 },
  });

let photoN = 0;
async function submit(store: Store, code: TpsCode, r: CHasil) {
  const photos = await Promise.all(
    [0, 1].map(() =>
      store.putPhoto(Buffer.from(`sirekap photo ${photoN++}`), {
        contentType: 'image/jpeg',
        width: 10,
        height: 10,
      }),
    ),
  );
  await store.recordSubmission({
    tps: code,
    ballot: 'ppwp',
    result: r,
    photos,
    flags: checkRules(r, { ballot: 'ppwp' }),
    uploader: 'kpps:0123456789abcdef',
    receivedAt: new Date('2024-02-14T11:44:00.000Z'),
    signature: null,
  });
}

const pathOf = (code: string) => {
  if (code === NATION_CODE) return '/pemilu/hhcw/ppwp.json';
  const packed = code.replaceAll('.', '');
  const cuts = [2, 4, 6, 10, 13].filter((n) => n <= packed.length);
  return `/pemilu/hhcw/ppwp/${cuts.map((n) => packed.slice(0, n)).join('/')}.json`;
};

const PAIRS: [string, string][] = [
  ['100025', '1'],
  ['100026', '2'],
  ['100027', '3'],
];

describe.each(storeBackends('sirekap'))('Sirekap paths on $name', (backend) => {
  let store: Store | undefined;
  let app: FastifyInstance | undefined;
  let cleanup = async () => {};
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await store.loadElection(ELECTION);
    await submit(store, COUNTED, result(30));
    const slip = result(20);
    slip.votes['1'] = 21;
    await submit(store, FLAGGED, slip);
    await submit(store, OTHER, result(45));
    app = await buildApp({ store });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await cleanup();
  });
  const get = (url: string, headers: Record<string, string> = {}) =>
    app!.inject({ method: 'GET', url, headers });

  it('answers each TPS with its counted version in Sirekap fields', async (ctx) => {
    if (!store) return ctx.skip();
    for (const code of [COUNTED, FLAGGED, EMPTY, OTHER]) {
      const res = await get(pathOf(code));
      expect(res.statusCode, code).toBe(200);
      // The contract's shape (the OpenAPI document's SirekapTps).
      const body = SirekapTpsSchema.parse(res.json());
      const stored = (await store.tpsResult(code, 'ppwp'))!;
      const counted = stored.versions.find((v) => v.counted);
      if (!counted) {
        expect(body).toEqual({
          mode: 'hhcw',
          chart: null,
          images: [],
          administrasi: null,
          psu: null,
          ts: null,
          status_suara: false,
          status_adm: false,
        });
        continue;
      }
      const r = counted.result;
      expect(body.chart).toEqual(Object.fromEntries(PAIRS.map(([id, k]) => [id, r.votes[k]])));
      expect(body.administrasi).toEqual({
        suara_sah: r.valid,
        suara_tidak_sah: r.invalid,
        suara_total: r.total,
        pemilih_dpt_j: r.dpt.total,
        pemilih_dpt_l: r.dpt.l,
        pemilih_dpt_p: r.dpt.p,
        pengguna_dpt_j: r.voters.dpt.total,
        pengguna_dpt_l: r.voters.dpt.l,
        pengguna_dpt_p: r.voters.dpt.p,
        pengguna_dptb_j: r.voters.dptb.total,
        pengguna_dptb_l: r.voters.dptb.l,
        pengguna_dptb_p: r.voters.dptb.p,
        pengguna_non_dpt_j: r.voters.dpk.total,
        pengguna_non_dpt_l: r.voters.dpk.l,
        pengguna_non_dpt_p: r.voters.dpk.p,
        pengguna_total_j: r.voters.total.total,
        pengguna_total_l: r.voters.total.l,
        pengguna_total_p: r.voters.total.p,
      });
      expect(Object.keys(body.administrasi!)).toEqual(SIREKAP_ADMINISTRASI.map(([k]) => k));
      expect(body.images).toEqual(counted.photos.map((p) => `/api/v1/photos/${p.sha256}`));
      expect(body).toMatchObject({
        mode: 'hhcw',
        psu: null,
        ts: '2024-02-14 18:44:00',
        status_suara: true,
        status_adm: true,
      });
      // Rekap's own Sirekap importer reads it back to the same numbers.
      const back = fromSirekap({ ...body, tps_code: code.replaceAll('.', '') });
      if (!back.ok) throw new Error(back.error);
      expect(back.value.values['votes.2']).toBe(r.votes['2']);
      expect(back.value.values['voters.dpk.total']).toBe(r.voters.dpk.total);
      expect(back.value.values.total).toBe(r.total);
    }
    // The flagged TPS's only version waits for review: nothing of it counts, as on its page.
    expect((await get(pathOf(FLAGGED))).json<SirekapTps>().chart).toBeNull();
  });

  it('answers each region with its totals, its children and its progress', async (ctx) => {
    if (!store) return ctx.skip();
    for (const code of [NATION_CODE, '16', '16.08', '16.08.01', DESA_1, DESA_2]) {
      const res = await get(pathOf(code));
      expect(res.statusCode, code).toBe(200);
      const body = SirekapRegionSchema.parse(res.json());
      const r = (await store.regionResult(code as RegionCode, 'ppwp'))!;
      const chartOf = (votes: Record<string, number>) =>
        Object.fromEntries(PAIRS.map(([id, k]) => [id, votes[k] ?? 0]));
      const persen = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 10_000) / 100);
      expect(body.chart).toEqual({
        ...chartOf(r.totals.votes),
        persen: persen(r.progress.tpsReported, r.progress.tpsTotal),
      });
      expect(body.progres).toEqual({
        total: r.progress.tpsTotal,
        progres: r.progress.tpsReported,
      });
      expect(Object.keys(body.table)).toEqual(r.children.map((c) => c.code.replaceAll('.', '')));
      for (const c of r.children) {
        const row = body.table[c.code.replaceAll('.', '')]!;
        const reported = c.progress.tpsReported > 0;
        expect(row).toEqual({
          psu: 'Reguler',
          ...(c.level === 'tps' && !reported
            ? { '100025': null, '100026': null, '100027': null }
            : chartOf(c.totals.votes)),
          persen: persen(c.progress.tpsReported, c.progress.tpsTotal),
          status_progress: reported,
        });
      }
      expect(body).toMatchObject({ mode: 'hhcw', psu: 'Reguler' });
      expect(body.ts).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
    const desa = (await get(pathOf(DESA_1))).json<SirekapRegion>();
    expect(desa.progres).toEqual({ total: 3, progres: 1 });
    expect(desa.table['1608011001001']).toMatchObject({ '100025': 30, persen: 100 });
    expect(desa.table['1608011001003']).toMatchObject({ '100025': null, persen: 0 });
    const nation = (await get(pathOf(NATION_CODE))).json<SirekapRegion>();
    expect(nation.chart).toMatchObject({ '100025': 75, '100026': 85, '100027': 72, persen: 50 });
  });

  it('carries the public cache: ETag, Cache-Control, and 304 when nothing changed', async (ctx) => {
    if (!store) return ctx.skip();
    const first = await get(pathOf(COUNTED));
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    expect(first.headers['cache-control']).toContain('max-age=5');
    expect((await get(pathOf(COUNTED), { 'if-none-match': etag })).statusCode).toBe(304);
    expect((await get(pathOf('16.08'), { 'if-none-match': etag })).statusCode).toBe(304);
  });

  it('refuses a path of another shape, and a place the election does not hold', async (ctx) => {
    if (!store) return ctx.skip();
    for (const bad of [
      '/pemilu/hhcw/ppwp/16/1709.json',
      '/pemilu/hhcw/ppwp/16/1608/160801',
      '/pemilu/hhcw/ppwp/16.08.json',
      '/pemilu/hhcw/ppwp/16/1608/160801/1608011001/1608011001001/1.json',
    ]) {
      const res = await get(bad);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json<{ error: string }>().error).toBe('bad_code');
    }
    const noRegion = await get('/pemilu/hhcw/ppwp/16/1609.json');
    expect(noRegion.statusCode).toBe(404);
    expect(noRegion.json<{ error: string }>().error).toBe('unknown_region');
    const noTps = await get(pathOf('16.08.01.1001.009'));
    expect(noTps.statusCode).toBe(404);
    expect(noTps.json<{ error: string }>().error).toBe('unknown_tps');
  });
});
