// `rekap import sirekap`: Sirekap records kept beside Rekap's results as an external source, on
// SQLite and PostgreSQL; and GET /api/v1/tps/{code} showing the newest import and the anomaly
// engine's findings on the current version.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packed, type RegionCode, type TpsCode } from '../src/core/codes.ts';
import type { Finding } from '../src/core/anomaly/index.ts';
import { consistentResult } from '../src/synth/results.ts';
import { importCommand, importSirekapFile } from '../src/cli/import.ts';
import type { TpsResult } from '../src/contract/results.ts';
import {
  storeBackends,
  TPS_A,
  TPS_B,
  TWO_TPS_ELECTION,
  type OpenedStore,
} from './support/backends.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** A Sirekap hhcw/ppwp record as published (pairs by Sirekap id, administrasi by its keys). */
function sirekap(tps: string, votes: [number, number, number], admin = true): object {
  const [a, b, c] = votes;
  const valid = a + b + c;
  return {
    tps_code: packed(tps as TpsCode),
    mode: 'hhcw',
    chart: { null: null, '100025': a, '100026': b, '100027': c },
    images: [`https://sirekap-obj-formc.kpu.go.id/x/${packed(tps as TpsCode)}-1.jpg`, null],
    administrasi: admin
      ? {
          suara_sah: valid,
          suara_tidak_sah: 4,
          suara_total: valid + 4,
          pemilih_dpt_l: 120,
          pemilih_dpt_p: 120,
          pemilih_dpt_j: 240,
          pengguna_dpt_l: 100,
          pengguna_dpt_p: valid + 4 - 100,
          pengguna_dpt_j: valid + 4,
          pengguna_dptb_l: 0,
          pengguna_dptb_p: 0,
          pengguna_dptb_j: 0,
          pengguna_non_dpt_l: 0,
          pengguna_non_dpt_p: 0,
          pengguna_non_dpt_j: 0,
          pengguna_total_l: 100,
          pengguna_total_p: valid + 4 - 100,
          pengguna_total_j: valid + 4,
        }
      : null,
    ts: '2024-02-16 16:25:10',
  };
}

const jsonl = (lines: (object | string)[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

const A = TPS_A;
const B = TPS_B;
const UNKNOWN = '31.01.01.1001.001';
const setup = TWO_TPS_ELECTION;
type Opened = OpenedStore;
const backends = storeBackends('import');

describe.each(backends)('external results in the store on $name', (backend) => {
  let opened: Opened | undefined;
  beforeAll(async () => {
    opened = await backend.open();
    await opened?.store.loadElection(setup);
  });
  afterAll(async () => {
    await opened?.store.close();
    await opened?.cleanup();
  });

  it('imports once, skips unknown TPS and bad lines, and keeps a changed record as the newest', async (ctx) => {
    if (!opened) return ctx.skip();
    const { store, dataDir: dir } = opened;
    const file = join(dir, 'sirekap.jsonl');
    await writeFile(
      file,
      jsonl([
        sirekap(A, [50, 100, 46]),
        sirekap(B, [60, 90, 46], false),
        sirekap(UNKNOWN, [1, 2, 3]),
        '{"tps_code": "1608011001001", "chart": ',
        '',
        { tps_code: 'nope' },
      ]),
    );
    const bad: number[] = [];
    const first = await importSirekapFile(store, file, (line) => bad.push(line));
    expect(first).toEqual({
      lines: 6,
      records: 3,
      imported: 2,
      unchanged: 0,
      unknownTps: 1,
      badLines: 2,
    });
    expect(bad).toEqual([4, 6]);
    const a = await store.externalResult(A, 'ppwp', 'sirekap');
    expect(a).toMatchObject({ source: 'sirekap', values: { 'votes.1': 50, valid: 196 } });
    expect(a?.photos).toEqual([expect.stringContaining('1608011001001'), null]);
    // administrasi null: every administrative field is kept as null.
    const b = await store.externalResult(B, 'ppwp', 'sirekap');
    expect(b?.values).toMatchObject({ 'votes.2': 90, valid: null, 'dpt.total': null });

    const mark = await store.changeMark();
    const again = await importSirekapFile(store, file);
    expect(again).toMatchObject({ imported: 0, unchanged: 2, unknownTps: 1, badLines: 2 });

    await writeFile(file, jsonl([sirekap(A, [51, 100, 46])]));
    expect(await importSirekapFile(store, file)).toMatchObject({ imported: 1, unchanged: 0 });
    expect((await store.externalResult(A, 'ppwp', 'sirekap'))?.values['votes.1']).toBe(51);
    expect(await store.changeMark()).not.toBe(mark);
    expect(await store.externalResult(A, 'dpd', 'sirekap')).toBeUndefined();
  });
});

describe('GET /api/v1/tps/{code} with a Sirekap import (demo election, SQLite)', () => {
  let server: TestServer;
  let codes: string[];
  let file: string;
  beforeAll(async () => {
    server = await startTestServer({ web: false });
    codes = (await server.store.tpsBelow('16.08.01.1007' as RegionCode)).slice(0, 3);
    expect(codes).toHaveLength(3);
    file = join(server.dataDir, 'sirekap.jsonl');
    await writeFile(
      file,
      jsonl([
        sirekap(codes[0]!, [50, 100, 46]),
        sirekap(codes[1]!, [743, 100, 46]),
        sirekap(UNKNOWN, [1, 2, 3]),
        'not json',
      ]),
    );
  });
  afterAll(() => server.close());

  const get = async (code: string) => {
    const res = await fetch(`${server.url}/api/v1/tps/${code}?ballot=ppwp`);
    expect(res.status).toBe(200);
    return { etag: res.headers.get('etag'), body: (await res.json()) as TpsResult };
  };

  it('shows no external result and no anomalies before anything is imported or submitted', async () => {
    const { body } = await get(codes[0]!);
    expect(body.external).toBeNull();
    expect(body.anomalies).toEqual([]);
  });

  it('imports from the command line (another connection) and the TPS page shows it', async () => {
    const before = await get(codes[0]!);
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) };
    expect(await importCommand(['sirekap', file, '--data', server.dataDir], io)).toBe(0);
    expect(out.join('')).toContain(
      '3 records from 4 lines: 2 imported, 0 unchanged, 1 skipped (TPS not in this election), 1 bad lines',
    );
    expect(err.join('')).toMatch(/^line 4: malformed JSON/);

    // The import changed the store's mark: the old ETag no longer answers 304.
    const stale = await fetch(`${server.url}/api/v1/tps/${codes[0]}?ballot=ppwp`, {
      headers: { 'if-none-match': before.etag! },
    });
    expect(stale.status).toBe(200);
    const { body, etag } = await get(codes[0]!);
    expect(etag).not.toBe(before.etag);
    expect(body.external).toMatchObject({
      source: 'sirekap',
      result: {
        votes: { '1': 50, '2': 100, '3': 46 },
        valid: 196,
        invalid: 4,
        total: 200,
        dpt: { l: 120, p: 120, total: 240 },
        voters: { total: { l: 100, p: 100, total: 200 } },
        // Sirekap carries no section II or III.
        ballots: { received: null, used: null, returned: null, unused: null },
        disabled: { l: null, p: null, total: null },
      },
    });
    expect(Date.parse(body.external!.importedAt)).not.toBeNaN();

    out.length = 0;
    expect(await importCommand(['sirekap', file, '--data', server.dataDir], io)).toBe(0);
    expect(out.join('')).toContain('0 imported, 2 unchanged');
    // Opening the store from another process may touch SQLite (the migrator's lock), which only
    // costs a fresh answer. In the server's own process, an import that adds nothing keeps the ETag.
    const { etag: now } = await get(codes[0]!);
    expect(await importSirekapFile(server.store, file)).toMatchObject({ imported: 0 });
    const same = await fetch(`${server.url}/api/v1/tps/${codes[0]}?ballot=ppwp`, {
      headers: { 'if-none-match': now! },
    });
    expect(same.status).toBe(304);
  });

  it('lists the findings of the current version of a result that breaks a rule', async () => {
    const r = consistentResult({
      dptL: 120,
      dptP: 120,
      votesL: 100,
      votesP: 100,
      invalid: 4,
      votes: { '1': 50, '2': 100, '3': 46 },
    });
    expect((await server.submit(codes[0]!, r)).status).toBe(201);
    const clean = await get(codes[0]!);
    expect(clean.body.anomalies).toEqual([]);

    r.votes['1'] = 743; // the other fields determine 50
    expect((await server.submit(codes[2]!, r)).status).toBe(201);
    const { body } = await get(codes[2]!);
    expect(body.external).toBeNull();
    const kinds = body.anomalies.map((f: Finding) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(['rule', 'impossible', 'misread']));
    expect(body.anomalies.find((f) => f.kind === 'misread')).toMatchObject({
      field: 'votes.1',
      read: 743,
      proposed: 50,
    });
  });

  it('rejects a usage error and a missing file', async () => {
    const io = { stdout: () => {}, stderr: () => {} };
    await expect(importCommand(['nope', file], io)).rejects.toThrow(/usage/);
    expect(await importCommand(['sirekap', join(server.dataDir, 'none.jsonl')], io)).toBe(1);
  });
});
