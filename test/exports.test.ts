// The open-data exports (src/store/export.ts, src/server/exports.ts, src/core/cdf.ts) on both
// backends: every TPS row against the portal's own answer for that TPS (numbers, status, hashes,
// photos, signature), every region row against its region answer, a flagged TPS's status, CSV
// quoting of a name with a comma and a quote, the CDF's totals against the region totals, and a
// bad ballot or level refused.
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { CHasil } from '../src/core/chasil.ts';
import { type RegionCode, type TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { checkRules } from '../src/core/rules.ts';
import { buildApp } from '../src/server/app.ts';
import {
  regionExportPages,
  tpsExportPages,
  type RegionExportRow,
  type TpsExportRow,
} from '../src/store/export.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { REGIONS_TO_MARTAPURA, storeBackends } from './support/backends.ts';

const DESA_1 = '16.08.01.1001' as RegionCode;
const DESA_2 = '16.08.01.1002' as RegionCode;
const tps = (desa: string, n: number) => `${desa}.${String(n).padStart(3, '0')}` as TpsCode;
const SIGNED = tps(DESA_1, 1);
const FLAGGED = tps(DESA_1, 2);
const EMPTY = tps(DESA_1, 3);
const OTHER = tps(DESA_2, 1);

/** Two desa of Martapura, one named with a comma and quotes; four TPS. */
const ELECTION: ElectionSetup = {
  name: 'export test',
  demo: false,
  regions: [
    ...REGIONS_TO_MARTAPURA,
    { code: DESA_1, name: 'Desa "Suka, Maju"', level: 'desa' },
    { code: DESA_2, name: 'Tanjung Kemala', level: 'desa' },
  ],
  tps: [
    { code: SIGNED, name: 'TPS 1', dpt: 240 },
    { code: FLAGGED, name: 'TPS 2', dpt: null },
    { code: EMPTY, name: 'TPS 3', dpt: 200 },
    { code: OTHER, name: 'TPS 1', dpt: 210 },
  ],
  contests: [PPWP_2024],
};

const result = (v1: number): CHasil =>
  consistentResult({
    dptL: 120,
    dptP: 120,
    votesL: 60,
    votesP: 60,
    invalid: 4,
    votes: { '1': v1, '2': 80 - v1, '3': 36 },
  });

let photoN = 0;
async function submit(
  store: Store,
  code: TpsCode,
  r: CHasil,
  signature?: { deviceId: string; signedAt: string; signature: string },
) {
  const photos = await Promise.all(
    [0, 1].map(() =>
      store.putPhoto(Buffer.from(`export photo ${photoN++}`), {
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
    receivedAt: new Date(),
    signature: signature ?? null,
  });
}

/** Loads the election and submits: SIGNED twice (signed), FLAGGED with a slip, OTHER clean. */
export async function loadExportElection(store: Store): Promise<void> {
  await store.loadElection(ELECTION);
  const enrolled = await store.enrolDevice({
    tps: SIGNED,
    publicKey: 'B'.repeat(43),
    label: 'HP ketua KPPS',
    tokenHash: 'c4'.repeat(32),
  });
  if (!enrolled.ok) throw new Error('enrolment failed');
  const sig = (n: number) => ({
    deviceId: enrolled.value.device.id,
    signedAt: new Date().toISOString(),
    signature: String(n).repeat(86),
  });
  await submit(store, SIGNED, result(30), sig(1));
  await submit(store, SIGNED, result(31), sig(2));
  const bad = result(20);
  bad.votes['1'] = 21;
  await submit(store, FLAGGED, bad);
  await submit(store, OTHER, result(40));
}

/** The signature's fields an export row carries (the TPS page adds the device's facts). */
const signatureOf = (s: {
  deviceId: string;
  publicKey: string;
  signedAt: string;
  signature: string;
}) => ({
  deviceId: s.deviceId,
  publicKey: s.publicKey,
  signedAt: s.signedAt,
  signature: s.signature,
});

async function allTpsRows(store: Store, batch: number): Promise<TpsExportRow[]> {
  const rows: TpsExportRow[] = [];
  for await (const page of tpsExportPages(store, 'ppwp', { batch })) rows.push(...page);
  return rows;
}

describe.each(storeBackends('exports'))('the exports on $name', (backend) => {
  let store: Store | undefined;
  let app: FastifyInstance | undefined;
  let cleanup = async () => {};
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await loadExportElection(store);
    app = await buildApp({ store });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await cleanup();
  });
  const get = (url: string, headers: Record<string, string> = {}) =>
    app!.inject({ method: 'GET', url, headers });

  it('has one row per TPS in code order, each equal to the TPS answer', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    // A batch of 1 pages through every TPS one at a time (keyset after each code).
    const rows = await allTpsRows(store, 1);
    expect(rows.map((r) => r.code)).toEqual([SIGNED, FLAGGED, EMPTY, OTHER]);
    expect(await allTpsRows(store, 1000)).toEqual(rows);
    for (const row of rows) {
      const answer = (await store.tpsResult(row.code as TpsCode, 'ppwp'))!;
      const counted = answer.versions.find((v) => v.counted);
      expect(row).toMatchObject({
        packed: row.code.replaceAll('.', ''),
        name: answer.name,
        dpt: answer.dpt,
        status: answer.status,
        review: answer.review.state,
        countedVersion: answer.counted?.version ?? null,
        latestVersion: answer.review.latest,
        result: counted?.result ?? null,
        flags: counted?.flags.map((f) => f.rule) ?? [],
        photos: counted?.photos.map((p) => p.sha256) ?? [],
        hash: counted?.hash ?? null,
        chainHash: counted?.chainHash ?? null,
        uploader: counted?.uploader ?? null,
        receivedAt: counted?.receivedAt ?? null,
        signature: counted?.signature ? signatureOf(counted.signature) : null,
      });
      expect([row.provinsi, row.kabupaten, row.kecamatan, row.desa]).toEqual(
        answer.parents.slice(1).map((p) => p.name),
      );
    }
    const signed = rows[0]!;
    expect(signed.countedVersion).toBe(2);
    expect(signed.signature).toMatchObject({
      publicKey: 'B'.repeat(43),
      signature: '2'.repeat(86),
    });
    expect(signed.photos).toHaveLength(2);
    const flagged = rows[1]!;
    expect(flagged.status).toBe('flagged');
    expect(flagged.review).toBe('flagged');
    expect(rows[2]).toMatchObject({ status: 'none', review: 'none', result: null, photos: [] });
  });

  it('has one row per region of a level, each equal to the region answer', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    for (const level of ['provinsi', 'kabupaten', 'kecamatan', 'desa'] as const) {
      const rows = [];
      for await (const page of regionExportPages(store, 'ppwp', level, { batch: 1 }))
        rows.push(...page);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const answer = (await store.regionResult(row.code as RegionCode, 'ppwp'))!;
        expect(row).toMatchObject({
          name: answer.name,
          level,
          tpsTotal: answer.progress.tpsTotal,
          tpsReported: answer.progress.tpsReported,
          votes: answer.totals.votes,
          valid: answer.totals.valid,
          invalid: answer.totals.invalid,
          total: answer.totals.total,
          recap: answer.recap,
        });
      }
    }
  });

  it('serves tps.csv: a header, one quoted line per TPS, equal to the rows', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const res = await get('/api/v1/export/tps.csv?ballot=ppwp');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers['content-disposition']).toBe('attachment; filename="rekap-tps-ppwp.csv"');
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+/);
    // RFC 4180: the desa's name with a comma and quotes is quoted, its quotes doubled.
    expect(res.body).toContain(',"Desa ""Suka, Maju""",');
    expect(res.body.split('\r\n')[0]).toMatch(/^code,packed,provinsi,kabupaten,kecamatan,desa,/);
    const records = parse<Record<string, string>>(res.body, { columns: true });
    const rows = await allTpsRows(store, 1000);
    expect(records.map((r) => r.code)).toEqual(rows.map((r) => r.code));
    for (const rec of records) {
      const answer = (await store.tpsResult(rec.code as TpsCode, 'ppwp'))!;
      const counted = answer.versions.find((v) => v.counted);
      const n = (v: number | undefined) => (v === undefined ? '' : String(v));
      expect(rec.desa).toBe(answer.parents.at(-1)!.name);
      expect(rec.status).toBe(answer.status);
      expect(rec.review).toBe(answer.review.state);
      expect(rec.dpt_registered).toBe(answer.dpt === null ? '' : String(answer.dpt));
      expect(rec.counted_version).toBe(n(counted?.version));
      expect(rec['votes.1']).toBe(n(counted?.result.votes['1']));
      expect(rec['voters.dpt.l']).toBe(n(counted?.result.voters.dpt.l));
      expect(rec['ballots.used']).toBe(n(counted?.result.ballots.used));
      expect(rec.valid).toBe(n(counted?.result.valid));
      expect(rec.invalid).toBe(n(counted?.result.invalid));
      expect(rec.total).toBe(n(counted?.result.total));
      expect(rec.photos).toBe(counted ? counted.photos.map((p) => p.sha256).join(' ') : '');
      expect(rec.hash).toBe(counted?.hash ?? '');
      expect(rec.device_id).toBe(counted?.signature?.deviceId ?? '');
      expect(rec.public_key).toBe(counted?.signature?.publicKey ?? '');
      expect(rec.signature).toBe(counted?.signature?.signature ?? '');
    }
    // The flagged TPS says so.
    expect(records.find((r) => r.code === FLAGGED)!.status).toBe('flagged');
    // Asked gzip, the same bytes compressed.
    const gz = await app!.inject({
      method: 'GET',
      url: '/api/v1/export/tps.csv?ballot=ppwp',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString('utf8')).toBe(res.body);
    // Its ETag is the change mark: asked again with it, 304.
    const again = await get('/api/v1/export/tps.csv', { 'if-none-match': res.headers.etag! });
    expect(again.statusCode).toBe(304);
  });

  it('serves tps.jsonl: one JSON row per line, the same rows', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const res = await get('/api/v1/export/tps.jsonl?ballot=ppwp');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/jsonl; charset=utf-8/);
    const lines = res.body.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as TpsExportRow)).toEqual(await allTpsRows(store, 1000));
  });

  it('serves regions.csv and .jsonl per level, equal to the region answers', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    for (const level of ['provinsi', 'kabupaten', 'kecamatan', 'desa']) {
      const csv = await get(`/api/v1/export/regions.csv?ballot=ppwp&level=${level}`);
      expect(csv.statusCode).toBe(200);
      const records = parse<Record<string, string>>(csv.body, { columns: true });
      const jsonl = await get(`/api/v1/export/regions.jsonl?level=${level}`);
      const rows = jsonl.body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as RegionExportRow);
      expect(records.map((r) => r.code)).toEqual(rows.map((r) => r.code));
      for (const [i, rec] of records.entries()) {
        const answer = (await store.regionResult(rec.code as RegionCode, 'ppwp'))!;
        expect(rec).toMatchObject({
          name: answer.name,
          level,
          tps_total: String(answer.progress.tpsTotal),
          tps_reported: String(answer.progress.tpsReported),
          'votes.1': String(answer.totals.votes['1'] ?? 0),
          'votes.2': String(answer.totals.votes['2'] ?? 0),
          'votes.3': String(answer.totals.votes['3'] ?? 0),
          valid: String(answer.totals.valid),
          invalid: String(answer.totals.invalid),
          total: String(answer.totals.total),
          recap: answer.recap,
        });
        expect(rows[i]).toMatchObject({ code: rec.code, valid: answer.totals.valid });
      }
    }
    expect((await get('/api/v1/export/regions.csv?level=desa')).body).toContain(
      '"Desa ""Suka, Maju"""',
    );
  });

  it('serves the NIST CDF report: every unit, totals equal to the region answers', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    const res = await get('/api/v1/export/cdf.json?ballot=ppwp');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const report = JSON.parse(res.body) as Report;
    expect(report).toMatchObject({
      '@type': 'ElectionResults.ElectionReport',
      Format: 'precinct-level',
      Issuer: 'Rekap',
      Status: 'unofficial-partial',
    });
    const units = new Map(report.GpUnit.map((u) => [u['@id'], u]));
    expect(units.get('ru-id')!.Type).toBe('country');
    expect(units.get('ru-16')!.Type).toBe('state');
    expect(units.get('ru-16.08')!.Type).toBe('county');
    expect(units.get('ru-16.08.01')).toMatchObject({ Type: 'other', OtherType: 'kecamatan' });
    expect(units.get(`ru-${DESA_1}`)).toMatchObject({
      Type: 'other',
      OtherType: 'desa',
      ComposingGpUnitIds: [SIGNED, FLAGGED, EMPTY].map((c) => `ru-${c}`),
    });
    expect(units.get(`ru-${SIGNED}`)!.Type).toBe('polling-place');
    expect(units.get(`ru-${FLAGGED}`)!.CountStatus[0]!.Status).toBe('in-process');
    expect(units.get(`ru-${EMPTY}`)!.CountStatus[0]!.Status).toBe('not-processed');
    expect(units.size).toBe(4 + 2 + 4);
    const election = report.Election[0]!;
    const contest = election.Contest[0]!;
    expect(contest['@type']).toBe('ElectionResults.CandidateContest');
    expect(contest.ContestSelection).toHaveLength(3);
    const candidateIds = new Set(election.Candidate.map((c) => c['@id']));
    const ballots = new Map(election.BallotCounts.map((b) => [b.GpUnitId, b]));
    for (const code of ['id', '16', '16.08', '16.08.01', DESA_1, DESA_2]) {
      const answer = (await store.regionResult(code as RegionCode, 'ppwp'))!;
      for (const [i, sel] of contest.ContestSelection.entries()) {
        expect(sel.CandidateIds.every((c) => candidateIds.has(c))).toBe(true);
        const count = sel.VoteCounts.find((v) => v.GpUnitId === `ru-${code}`);
        expect(count?.Count).toBe(answer.totals.votes[String(i + 1)] ?? 0);
      }
      expect(ballots.get(`ru-${code}`)).toMatchObject({
        BallotsCast: answer.totals.total,
        BallotsRejected: answer.totals.invalid,
      });
      expect(units.get(`ru-${code}`)!.CountStatus).toContainEqual(
        expect.objectContaining({ Type: 'other', OtherType: `recap-${answer.recap}` }),
      );
    }
    // Each TPS with a counted version has its counts; one without has none.
    for (const row of await allTpsRows(store, 1000)) {
      const count = contest.ContestSelection[0]!.VoteCounts.find(
        (v) => v.GpUnitId === `ru-${row.code}`,
      );
      expect(count?.Count).toBe(row.result?.votes['1']);
    }
    const summary = JSON.parse(
      (await get('/api/v1/export/cdf.json?format=summary-contest')).body,
    ) as Report;
    expect(summary.Format).toBe('summary-contest');
    expect(summary.GpUnit.some((u) => u.Type === 'polling-place')).toBe(false);
  });

  it('refuses an unknown ballot, level or format with the error body', async (ctx) => {
    if (!store) return ctx.skip('PostgreSQL not available');
    for (const url of [
      '/api/v1/export/tps.csv?ballot=nope',
      '/api/v1/export/tps.jsonl?ballot=dpr',
      '/api/v1/export/regions.csv?level=tps',
      '/api/v1/export/regions.jsonl?level=nasional',
      '/api/v1/export/cdf.json?ballot=xx',
      '/api/v1/export/cdf.json?format=xml',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      const body = JSON.parse(res.body) as { error: string; message: string };
      expect(['unknown_ballot', 'bad_request']).toContain(body.error);
      expect(body.message.length).toBeGreaterThan(0);
    }
  });
});

/** The parts of a CDF report the test reads. */
type Report = {
  '@type': string;
  Format: string;
  Status: string;
  Issuer: string;
  GpUnit: {
    '@id': string;
    Type: string;
    OtherType?: string;
    ComposingGpUnitIds?: string[];
    CountStatus: { Status: string; Type: string; OtherType?: string }[];
  }[];
  Election: {
    BallotCounts: { GpUnitId: string; BallotsCast: number; BallotsRejected: number }[];
    Contest: {
      '@type': string;
      ContestSelection: {
        '@id': string;
        CandidateIds: string[];
        VoteCounts: { GpUnitId: string; Count: number; Type: string }[];
      }[];
    }[];
    Candidate: { '@id': string }[];
  }[];
};
