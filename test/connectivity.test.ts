// The blank-spot map (issue 14) on both backends: observations posted through the API (surveys
// with exact positions, send attempts with and without), TPS positions set in the store, one
// result submitted; then GET /api/v1/connectivity/{code}: each TPS's class as the rules say, the
// sending point the nearest good point (across a kecamatan border too, checked against every
// candidate with distanceKm), public positions rounded and exact ones only for an operator of the
// region, upload.sent only for the TPS that submitted, desa counts that add up, and the refusals.
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { distanceKm, type LatLng } from '../src/core/connectivity.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { checkRules } from '../src/core/rules.ts';
import { ConnectivityMapSchema, type ConnectivityMap } from '../src/contract/connectivity.ts';
import { buildApp } from '../src/server/app.ts';
import { UnknownTpsError } from '../src/store/connectivity.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { REGIONS_TO_MARTAPURA, storeBackends } from './support/backends.ts';
import { pdfText } from './support/pdf-text.ts';
import { ConnectivityLateSchema, ConnectivityPlanSchema } from '../src/contract/connectivity.ts';

const DESA_1 = '16.08.01.1001' as RegionCode;
const DESA_2 = '16.08.01.1002' as RegionCode;
const KEC_2 = '16.08.02' as RegionCode;
const DESA_3 = '16.08.02.2001' as RegionCode;
const tps = (desa: string, n: number) => `${desa}.${String(n).padStart(3, '0')}` as TpsCode;
/** Blank spot: surveys with no signal at its registry position. */
const A = tps(DESA_1, 1);
/** Good signal, placed by its surveys; its result arrives. */
const B = tps(DESA_1, 2);
/** One old failed send and no position: unknown, no point. */
const C = tps(DESA_1, 3);
/** Weak: slow sends without a position, at its synthetic position. */
const D = tps(DESA_2, 1);
/** Good, in the next kecamatan, nearest to A. */
const E = tps(DESA_3, 1);

const ELECTION: ElectionSetup = {
  name: 'connectivity test',
  demo: false,
  regions: [
    ...REGIONS_TO_MARTAPURA,
    { code: DESA_1, name: 'Sukamaju', level: 'desa' },
    { code: DESA_2, name: 'Tanjung Kemala', level: 'desa' },
    { code: KEC_2, name: 'Belitang', level: 'kecamatan' },
    { code: DESA_3, name: 'Sumber Jaya', level: 'desa' },
  ],
  tps: [A, B, C, D, E].map((code, i) => ({ code, name: `TPS ${i + 1}`, dpt: null })),
  contests: [PPWP_2024],
};

const NOW = new Date('2026-03-10T12:00:00.000Z');
const ago = (hours: number) => new Date(NOW.getTime() - hours * 3600_000).toISOString();

const POS_A = { lat: -4.10432, lng: 104.20187 };
const POS_D = { lat: -4.20318, lng: 104.30544 };
const AT_B = { lat: -4.13071, lng: 104.19822 };
const AT_E = { lat: -4.11216, lng: 104.20655 };
/** Where A's officer sent from on the way, 4 km from A: good signal, a candidate. */
const A_AWAY = { lat: -4.12345, lng: 104.23456 };
/** A good send 100 m from A, but placed only to 800 m: not a candidate. */
const VAGUE = { lat: -4.10512, lng: 104.20233 };

const good = { connection: '4g', rttMs: 180, uploadKbps: 2400, ok: true };
const none = { connection: 'none', rttMs: null, uploadKbps: null, ok: false };

/** Each TPS's observations as its phone posts them. */
const OBSERVATIONS: Record<string, Record<string, unknown>[]> = {
  [A]: [
    { at: ago(30), source: 'survey', ...POS_A, accuracyM: 15, ...none },
    { at: ago(29), source: 'survey', ...POS_A, accuracyM: 15, ...none },
    { at: ago(28), source: 'send', ...A_AWAY, accuracyM: 20, ...good },
  ],
  [B]: [
    { at: ago(26), source: 'survey', ...AT_B, accuracyM: 10, ...good },
    { at: ago(25), source: 'survey', ...AT_B, accuracyM: 12, ...good, signalDbm: -85 },
  ],
  [C]: [{ at: ago(28 * 24), source: 'send', ...none }],
  [D]: [
    { at: ago(5), source: 'send', connection: '2g', rttMs: 900, uploadKbps: 150, ok: true },
    { at: ago(4), source: 'send', connection: '3g', rttMs: 2000, uploadKbps: 300, ok: true },
  ],
  [E]: [
    { at: ago(24), source: 'survey', ...AT_E, accuracyM: 10, ...good },
    { at: ago(23), source: 'send', ...VAGUE, accuracyM: 800, ...good },
  ],
};

const CANDIDATES: { at: LatLng; by: TpsCode }[] = [
  { at: A_AWAY, by: A },
  { at: AT_B, by: B },
  { at: AT_E, by: E },
];

/** The candidate nearest to a point, by brute force. */
function nearestCandidate(p: LatLng) {
  return CANDIDATES.map((c) => ({ ...c, km: distanceKm(p, c.at) })).sort((x, y) => x.km - y.km)[0]!;
}

/** Rounded as the public side rounds (0.01 degree). */
const round2 = (v: number) => Math.round(v * 100) / 100;

describe.each(storeBackends('connectivity'))('the connectivity map on $name', (backend) => {
  let store: Store | undefined;
  let app: FastifyInstance | undefined;
  let cleanup = async () => {};
  let receivedAt = '';
  let operator: Record<string, string> = {};

  const get = (url: string, headers: Record<string, string> = {}) =>
    app!.inject({ method: 'GET', url, headers });
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app!.inject({ method: 'POST', url, payload: payload as object, headers });
  const map = async (url: string, headers: Record<string, string> = {}) => {
    const res = await get(url, headers);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
    return ConnectivityMapSchema.parse(res.json());
  };
  const feature = (m: ConnectivityMap, code: TpsCode) => {
    const f = m.features.find((x) => x.properties.tps === code);
    if (!f) throw new Error(`no feature for ${code}`);
    return f;
  };

  /** A logged-in ppk of `region` with its one-time password changed: the session cookie. */
  async function loginAs(name: string, region: RegionCode) {
    const created = await store!.accounts.create({ name, role: 'ppk', region });
    if (!created.ok) throw new Error(created.error.message);
    const login = await post('/api/operator/login', { name, password: created.value.password });
    expect(login.statusCode).toBe(200);
    const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const { csrf } = login.json<{ csrf: string }>();
    const changed = await post(
      '/api/operator/password',
      { current: created.value.password, next: 'a connectivity test password' },
      { cookie, 'x-csrf-token': csrf },
    );
    expect(changed.statusCode).toBe(200);
    return { cookie };
  }

  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await store.loadElection(ELECTION);
    app = await buildApp({ store, clock: () => NOW });
    const tokens = await store.issueTokens([A, B, C, D, E]);
    for (const t of tokens) {
      const batch = OBSERVATIONS[t.tps]!.map((o) => ({ tps: t.tps, ...o }));
      const res = await post('/api/v1/signal/observations', batch, {
        authorization: `Bearer ${t.token}`,
      });
      expect(res.statusCode, res.body).toBe(202);
    }
    expect(
      await store.setTpsPositions([
        { tps: A, ...POS_A, source: 'registry' },
        { tps: D, ...POS_D, source: 'synthetic' },
      ]),
    ).toBe(2);
    const result = consistentResult({
      dptL: 120,
      dptP: 120,
      votesL: 60,
      votesP: 60,
      invalid: 4,
      votes: { '1': 40, '2': 40, '3': 36 },
    });
    const photo = await store.putPhoto(Buffer.from('connectivity test photo'), {
      contentType: 'image/jpeg',
      width: 10,
      height: 10,
    });
    const recorded = await store.recordSubmission({
      tps: B,
      ballot: 'ppwp',
      result,
      photos: [photo],
      flags: checkRules(result, { ballot: 'ppwp' }),
      uploader: 'kpps:0123456789abcdef',
      receivedAt: new Date(ago(2)),
    });
    receivedAt = recorded.record.receivedAt;
    operator = await loginAs('connectivity-ppk', '16.08.01' as RegionCode);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await cleanup();
  });

  it('sets positions, replacing one, and refuses a TPS the election does not hold', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const unknown = tps(DESA_1, 9);
    const refused = store.setTpsPositions([
      { tps: A, lat: 0, lng: 0, source: 'synthetic' },
      { tps: unknown, lat: -4, lng: 104, source: 'synthetic' },
    ]);
    await expect(refused).rejects.toThrow(UnknownTpsError);
    await expect(refused).rejects.toThrow(unknown);
    // Nothing was written: A keeps its registry position.
    expect(await store.tpsPositionsBelow('16.08' as RegionCode)).toEqual(
      new Map([
        [A, { ...POS_A, source: 'registry' }],
        [D, { ...POS_D, source: 'synthetic' }],
      ]),
    );
    // Replaced, then put back.
    expect(await store.setTpsPositions([{ tps: A, lat: -4, lng: 104, source: 'synthetic' }])).toBe(
      1,
    );
    expect((await store.tpsPositionsBelow(DESA_1)).get(A)).toEqual({
      lat: -4,
      lng: 104,
      source: 'synthetic',
    });
    await store.setTpsPositions([{ tps: A, ...POS_A, source: 'registry' }]);
    expect([...(await store.tpsPositionsBelow(DESA_2)).keys()]).toEqual([D]);
    expect((await store.tpsPositionsBelow(KEC_2)).size).toBe(0);
  });

  it('classes each TPS by the rules and finds the nearest good point, across the kecamatan border', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const m = await map('/api/v1/connectivity/16.08.01?ballot=ppwp&exact=1', operator);
    expect(m).toMatchObject({ region: '16.08.01', ballot: 'ppwp', exact: true });
    expect(m.generatedAt).toBe(NOW.toISOString());
    expect(m.features.map((f) => f.properties.tps)).toEqual([A, B, C, D]);

    const a = feature(m, A);
    expect(a.geometry).toEqual({ type: 'Point', coordinates: [POS_A.lng, POS_A.lat] });
    // Two surveys with no signal; the good send 4 km away was made elsewhere and does not count.
    expect(a.properties).toMatchObject({
      name: 'TPS 1',
      desa: 'Sukamaju',
      kecamatan: 'Martapura',
      class: 'none',
      score: 0,
      observations: 2,
      positionSource: 'registry',
      lastObservation: { at: ago(29), source: 'survey', connection: 'none', ok: false },
      upload: { sent: false, receivedAt: null },
    });
    const nearA = nearestCandidate(POS_A);
    expect(nearA.by).toBe(E);
    const sp = a.properties.sendingPoint!;
    expect(sp).toMatchObject({
      lat: AT_E.lat,
      lng: AT_E.lng,
      measuredBy: E,
      measuredAt: ago(24),
      connection: '4g',
    });
    expect(sp.distanceKm).toBeCloseTo(nearA.km, 9);
    expect(sp.travelMinutes).toBeCloseTo((nearA.km * 1.4 * 60) / 20, 9);
    // E lies south-south-east of A: about 149 degrees, in the south-east's eighth.
    expect(sp.bearingDeg).toBeGreaterThan(135);
    expect(sp.bearingDeg).toBeLessThan(157.5);
    expect(sp.direction).toBe('SE');

    expect(feature(m, B).properties).toMatchObject({
      class: 'good',
      score: 1,
      observations: 2,
      positionSource: 'survey',
      sendingPoint: null,
      lastObservation: { at: ago(25), signalDbm: -85 },
      upload: { sent: true, receivedAt },
    });
    expect(feature(m, B).geometry?.coordinates).toEqual([AT_B.lng, AT_B.lat]);

    const c = feature(m, C);
    expect(c.geometry).toBeNull();
    expect(c.properties).toMatchObject({
      class: 'unknown',
      observations: 1,
      positionSource: null,
      sendingPoint: null,
      lastObservation: { at: ago(28 * 24), connection: 'none' },
    });

    const d = feature(m, D).properties;
    expect(d).toMatchObject({ class: 'weak', score: 0.5, positionSource: 'synthetic' });
    const nearD = nearestCandidate(POS_D);
    expect(d.sendingPoint).toMatchObject({
      lat: nearD.at.lat,
      lng: nearD.at.lng,
      measuredBy: nearD.by,
    });
    expect(d.sendingPoint!.distanceKm).toBeCloseTo(nearD.km, 9);
  });

  it('adds up the counts per desa and overall', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const kec = await map('/api/v1/connectivity/16.08.01');
    expect(kec.counts).toEqual({ good: 1, weak: 1, none: 1, unknown: 1 });
    expect(kec.desa).toEqual([
      {
        code: DESA_1,
        name: 'Sukamaju',
        tps: 3,
        counts: { good: 1, weak: 0, none: 1, unknown: 1 },
        blankShare: 1 / 3,
      },
      {
        code: DESA_2,
        name: 'Tanjung Kemala',
        tps: 1,
        counts: { good: 0, weak: 1, none: 0, unknown: 0 },
        blankShare: 0,
      },
    ]);
    const kab = await map('/api/v1/connectivity/1608');
    expect(kab.region).toBe('16.08');
    expect(kab.features).toHaveLength(5);
    expect(kab.counts).toEqual({ good: 2, weak: 1, none: 1, unknown: 1 });
    expect(kab.desa.map((x) => x.code)).toEqual([DESA_1, DESA_2, DESA_3]);
    for (const m of [kec, kab]) {
      const sum = { good: 0, weak: 0, none: 0, unknown: 0 };
      for (const x of m.desa)
        for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += x.counts[k];
      expect(sum).toEqual(m.counts);
      expect(m.desa.reduce((n, x) => n + x.tps, 0)).toBe(m.features.length);
    }
    // A desa alone: the same TPS, with the same sending point from the whole kabupaten.
    const desa = await map(`/api/v1/connectivity/${DESA_2}`);
    expect(desa.features.map((f) => f.properties)).toEqual([feature(kec, D).properties]);
    expect(desa.desa).toHaveLength(1);
  });

  it('rounds every position of the public answer to 0.01 degree', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const res = await get('/api/v1/connectivity/16.08.01');
    expect(res.headers['cache-control']).toBe('no-cache');
    const m = ConnectivityMapSchema.parse(res.json());
    expect(m.exact).toBe(false);
    for (const f of m.features) {
      for (const v of f.geometry?.coordinates ?? []) expect(v).toBe(round2(v));
      const s = f.properties.sendingPoint;
      if (s) {
        expect(s.lat).toBe(round2(s.lat));
        expect(s.lng).toBe(round2(s.lng));
      }
    }
    const a = feature(m, A);
    const shownA = { lat: round2(POS_A.lat), lng: round2(POS_A.lng) };
    expect(a.geometry?.coordinates).toEqual([shownA.lng, shownA.lat]);
    const sp = a.properties.sendingPoint!;
    expect(sp).toMatchObject({ lat: round2(AT_E.lat), lng: round2(AT_E.lng), measuredBy: E });
    // Measured between the points as shown: no figure is finer than the positions.
    expect(sp.distanceKm).toBeCloseTo(distanceKm(shownA, { lat: sp.lat, lng: sp.lng }), 9);
    expect(res.body).not.toContain(String(AT_E.lat));
    expect(res.body).not.toContain(String(POS_A.lng));
    // Compressed for a client that asks.
    const packed = await get('/api/v1/connectivity/16.08.01', { 'accept-encoding': 'gzip' });
    expect(packed.headers['content-encoding']).toBe('gzip');
    expect(
      ConnectivityMapSchema.parse(JSON.parse(gunzipSync(packed.rawPayload).toString('utf8')))
        .features,
    ).toHaveLength(4);
  });

  it('gives exact positions only to a logged-in operator of the region', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const exact = await get('/api/v1/connectivity/16.08.01.1001?exact=1', operator);
    expect(exact.statusCode).toBe(200);
    expect(exact.headers['cache-control']).toBe('private, no-store');
    expect(exact.json<ConnectivityMap>().exact).toBe(true);
    for (const [url, headers, status, error] of [
      ['/api/v1/connectivity/16.08.01?exact=1', {}, 401, 'not_logged_in'],
      ['/api/v1/connectivity/16.08?exact=1', operator, 403, 'outside_region'],
      [`/api/v1/connectivity/${KEC_2}?exact=1`, operator, 403, 'outside_region'],
      ['/api/v1/connectivity/16.08.01?exact=yes', operator, 400, 'bad_request'],
    ] as const) {
      const res = await get(url, headers);
      expect(res.statusCode, url).toBe(status);
      expect(res.json(), url).toMatchObject({ error });
    }
    // Without ?exact the session changes nothing.
    expect((await map('/api/v1/connectivity/16.08.01', operator)).exact).toBe(false);
  });

  it('refuses the nation and a provinsi, an unknown region, a bad code or ballot', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    for (const [url, status, error] of [
      ['/api/v1/connectivity/id', 400, 'region_too_large'],
      ['/api/v1/connectivity/16', 400, 'region_too_large'],
      ['/api/v1/connectivity/16.08.03', 404, 'unknown_region'],
      ['/api/v1/connectivity/16.09', 404, 'unknown_region'],
      ['/api/v1/connectivity/nope', 400, 'bad_code'],
      ['/api/v1/connectivity/16.08?ballot=nope', 400, 'unknown_ballot'],
    ] as const) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(status);
      expect(res.json(), url).toMatchObject({ error });
    }
    expect((await get('/api/v1/connectivity/id')).json<{ message: string }>().message).toMatch(
      /kabupaten or a region below/,
    );
  });

  it('reads every observation of a kabupaten, page after page, in the order received', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const n = 5_100;
    const many = Array.from({ length: n }, (_, i) => ({
      tps: C,
      at: ago(1 + i / 10_000),
      connection: 'none' as const,
      rttMs: i,
      uploadKbps: null,
      ok: false,
    }));
    expect(await store.recordObservations(many, 'kpps:test')).toBe(n);
    const inputs = (await store.connectivityInputs('16.08' as RegionCode, 'ppwp'))!;
    const ofC = inputs.observations.get(C)!;
    expect(ofC).toHaveLength(n + 1);
    expect(ofC.slice(1).map((o) => o.rttMs)).toEqual(many.map((o) => o.rttMs));
    expect(inputs.observations.get(A)).toHaveLength(3);
    expect(inputs.firstReceived).toEqual(new Map([[B, receivedAt]]));
    expect(inputs.tps.map((t) => t.code)).toEqual([A, B, C, D, E]);
    expect(inputs.tps[4]).toEqual({
      code: E,
      name: 'TPS 5',
      desa: { code: DESA_3, name: 'Sumber Jaya' },
      kecamatan: { code: KEC_2, name: 'Belitang' },
    });
    expect(await store.connectivityInputs('16.08.09' as RegionCode, 'ppwp')).toBeUndefined();
    // Many recent failures: C is a blank spot now, without a point to send from.
    const c = feature(await map('/api/v1/connectivity/16.08.01'), C).properties;
    expect(c).toMatchObject({ class: 'none', observations: n + 1, sendingPoint: null });
  });

  it("plans the blank-spot and weak TPS as CSV, GeoJSON and PDF, with the map's values, and lists the late ones", async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const m = await map('/api/v1/connectivity/16.08.01?ballot=ppwp');
    const planned = m.features
      .filter((f) => f.properties.class === 'none' || f.properties.class === 'weak')
      .map((f) => f.properties);
    // A and D by the rules (C too once the paging test above has posted its failed sends).
    expect(planned.map((p) => p.tps)).toEqual(expect.arrayContaining([A, D]));

    const csv = await get('/api/v1/connectivity/16.08.01/plan.csv?ballot=ppwp');
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 3)).toEqual(['tps', 'name', 'desa_code']);
    const rows = lines
      .slice(1)
      .map((l): Record<string, string> =>
        Object.fromEntries(l.split(',').map((v, k) => [header[k]!, v])),
      );
    expect(rows.map((r) => r.tps)).toEqual(planned.map((p) => p.tps));
    const a = planned[0]!;
    expect(rows[0]).toMatchObject({
      class: 'none',
      desa_name: 'Sukamaju',
      tps_lat: String(a.sendingPoint ? m.features[0]!.geometry!.coordinates[1] : ''),
      send_lat: String(a.sendingPoint!.lat),
      send_lng: String(a.sendingPoint!.lng),
      distance_km: String(a.sendingPoint!.distanceKm),
      direction: a.sendingPoint!.direction,
      measured_by: a.sendingPoint!.measuredBy,
    });

    const geo = await get('/api/v1/connectivity/16.08.01/plan.geojson?ballot=ppwp');
    expect(geo.statusCode).toBe(200);
    const plan = ConnectivityPlanSchema.parse(geo.json());
    const routes = plan.features.filter((f) => f.properties.kind === 'route');
    expect(routes.map((f) => f.properties.tps)).toEqual(
      planned.filter((p) => p.sendingPoint).map((p) => p.tps),
    );
    expect(routes[0]!.geometry!.coordinates[1]).toEqual([a.sendingPoint!.lng, a.sendingPoint!.lat]);

    const pdf = await get('/api/v1/connectivity/16.08.01/plan.pdf?ballot=ppwp');
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = (await pdfText(pdf.rawPayload)).join('\n');
    expect(text).toContain('Martapura');
    expect(text).toContain(A);
    expect(text).toContain(D);

    // Only B has sent (2 hours ago): a region expects its TPS once half have sent, so nobody is late yet.
    const late = await get('/api/v1/connectivity/16.08.01/late?ballot=ppwp');
    expect(late.statusCode, late.body).toBe(200);
    const report = ConnectivityLateSchema.parse(late.json());
    expect(report.expectedAt).toBeNull();
    expect(report.raised).toEqual([]);
    const notSent = Object.values(report.notSent).flatMap((b) => Object.values(b));
    expect(notSent.reduce((x, y) => x + y, 0)).toBe(
      m.features.filter((f) => !f.properties.upload.sent).length,
    );
    expect((await get('/api/v1/connectivity/id/plan.csv')).statusCode).toBe(400);
  });

  it('raises the blank-spot TPS later than the trip to its sending point, once half have sent', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    // D sends 3 hours ago: 2 of Martapura's 4 TPS have sent, so the region expected its TPS at the
    // median of their times, 2.5 hours ago. A is a blank spot 4 km from its sending point (about
    // 17 minutes there): 2.5 hours is later than twice that plus 30 minutes, so A is raised.
    const photo = await store.putPhoto(Buffer.from('connectivity test photo D'), {
      contentType: 'image/jpeg',
      width: 10,
      height: 10,
    });
    const result = consistentResult({
      dptL: 100,
      dptP: 100,
      votesL: 50,
      votesP: 50,
      invalid: 2,
      votes: { '1': 30, '2': 30, '3': 38 },
    });
    await store.recordSubmission({
      tps: D,
      ballot: 'ppwp',
      result,
      photos: [photo],
      flags: checkRules(result, { ballot: 'ppwp' }),
      uploader: 'kpps:0123456789abcdef',
      receivedAt: new Date(ago(3)),
    });
    const m = await map('/api/v1/connectivity/16.08.01?ballot=ppwp');
    const res = await get('/api/v1/connectivity/16.08.01/late?ballot=ppwp');
    expect(res.statusCode, res.body).toBe(200);
    const report = ConnectivityLateSchema.parse(res.json());
    expect(report.now).toBe(NOW.toISOString());
    expect(report.expectedAt).toBe(ago(2.5));
    const a = feature(m, A).properties;
    expect(a.class).toBe('none');
    const raisedA = report.raised.find((r) => r.tps === A);
    expect(raisedA).toMatchObject({ class: 'none', hoursLate: 2.5, sendingPoint: a.sendingPoint });
    expect(raisedA!.reason).toMatch(/km/);
    // Each TPS not sent is counted once, in its class's 2-to-4-hours bucket (2.5 hours late).
    const notSent = m.features.filter((f) => !f.properties.upload.sent).map((f) => f.properties);
    expect(notSent.map((p) => p.tps).sort()).toEqual([A, C]);
    for (const p of notSent) expect(report.notSent[p.class]['2to4']).toBeGreaterThanOrEqual(1);
    const counted = Object.values(report.notSent).flatMap((b) => Object.values(b));
    expect(counted.reduce((x, y) => x + y, 0)).toBe(2);
    // Raised: exactly the blank spots among the TPS not sent (C too when it is one, with no point).
    expect(report.raised.map((r) => r.tps).sort()).toEqual(
      notSent
        .filter((p) => p.class === 'none')
        .map((p) => p.tps)
        .sort(),
    );
  });
});
