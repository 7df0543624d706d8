// The open-data exports (src/store/export.ts, src/server/exports.ts, src/core/cdf.ts) on both
// backends: every TPS row against the portal's own answer for that TPS (numbers, status, hashes,
// photos, signature), every region row against its region answer, a flagged TPS's status, CSV
// quoting of a name with a comma and a quote, the CDF's totals against the region totals, and a
// bad ballot or level refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { CHasil } from '../src/core/chasil.ts';
import { type RegionCode, type TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { checkRules } from '../src/core/rules.ts';
import { regionExportPages, tpsExportPages, type TpsExportRow } from '../src/store/export.ts';
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

async function allTpsRows(store: Store, batch: number): Promise<TpsExportRow[]> {
  const rows: TpsExportRow[] = [];
  for await (const page of tpsExportPages(store, 'ppwp', { batch })) rows.push(...page);
  return rows;
}

describe.each(storeBackends('exports'))('the exports on $name', (backend) => {
  let store: Store | undefined;
  let cleanup = async () => {};
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await loadExportElection(store);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await cleanup();
  });

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
        signature: counted?.signature ?? null,
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
});
