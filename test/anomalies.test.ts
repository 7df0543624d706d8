// GET /api/v1/anomalies/{code}: the anomaly engine over Rekap's own current results, on SQLite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegionCode } from '../src/core/codes.ts';
import { consistentResult } from '../src/synth/results.ts';
import type { RegionAnomalies } from '../src/contract/results.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const DESA = '16.08.01.1007';
let server: TestServer;
let codes: string[];

const result = (v1: number) =>
  consistentResult({
    dptL: 120,
    dptP: 120,
    votesL: 100,
    votesP: 100,
    invalid: 4,
    votes: { '1': v1, '2': 150 - v1, '3': 46 },
  });

beforeAll(async () => {
  server = await startTestServer({ web: false });
  codes = (await server.store.tpsBelow(DESA as RegionCode)).slice(0, 4);
  expect(codes.length).toBe(4);
  for (const [i, code] of codes.entries()) {
    const r = result(40 + i);
    if (i === 3) r.votes['1'] = 743; // 43 with the crossed hundreds box read as 7
    expect((await server.submit(code, r)).status).toBe(201);
  }
});
afterAll(() => server.close());

describe('GET /api/v1/anomalies/{code}', () => {
  it('lists each flagged TPS of a region with its reasons and the misread proposal', async () => {
    const res = await fetch(`${server.url}/api/v1/anomalies/${DESA}?ballot=ppwp`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as RegionAnomalies;
    expect(body).toMatchObject({ region: DESA, ballot: 'ppwp', tpsAudited: 4 });
    expect(body.tps.map((t) => t.tps)).toEqual([codes[3]]);
    const findings = body.tps[0]!.findings;
    expect(findings.map((f) => f.kind)).toEqual(
      expect.arrayContaining(['rule', 'impossible', 'misread']),
    );
    expect(findings.find((f) => f.kind === 'misread')).toMatchObject({
      field: 'votes.1',
      read: 743,
      proposed: 43,
      how: 'leading',
    });
    expect(findings.every((f) => f.message.id && f.message.en)).toBe(true);
    expect(body.summary.misread).toBe(1);
  });

  it('rejects a bad code or ballot and answers 404 for an unknown region', async () => {
    expect((await fetch(`${server.url}/api/v1/anomalies/x1?ballot=ppwp`)).status).toBe(400);
    expect((await fetch(`${server.url}/api/v1/anomalies/${DESA}?ballot=nope`)).status).toBe(400);
    expect((await fetch(`${server.url}/api/v1/anomalies/99.99?ballot=ppwp`)).status).toBe(404);
  });
});
