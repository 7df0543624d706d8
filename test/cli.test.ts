// The `rekap` command as a user runs it: tokens for one TPS or a whole region, clear errors.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { TpsCode } from '../src/core/codes.ts';
import { EXAMPLE_PPWP } from '../src/core/testing.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { openStore } from '../src/store/store.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'rekap.mjs');
const exec = promisify(execFile);

async function rekap(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rekap-cli-'));
  const store = await openStore({ dataDir });
  await store.loadElection(demoElection());
  await store.close();
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('rekap revoke-device', () => {
  it('revokes an enrolled phone once, says so again, and refuses an unknown id', async () => {
    const store = await openStore({ dataDir });
    const enrolled = await store.enrolDevice({
      tps: '16.08.01.1007.002' as TpsCode,
      publicKey: 'A'.repeat(43),
      label: 'HP ketua KPPS',
      tokenHash: 'test',
    });
    await store.close();
    if (!enrolled.ok) throw new Error('enrolment failed');
    const id = enrolled.device.id;
    const r = await rekap('revoke-device', '--device', id, '--data', dataDir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`revoked device ${id} of TPS 16.08.01.1007.002`));
    const again = await rekap('revoke-device', '--device', id, '--data', dataDir);
    expect(again.stdout).toMatch(/already revoked/);
    const check = await openStore({ dataDir });
    expect((await check.device(id))?.revokedAt).toEqual(expect.any(String));
    await check.close();
    const unknown = await rekap('revoke-device', '--device', 'nope', '--data', dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no device nope/);
    expect((await rekap('revoke-device', '--data', dataDir)).code).toBe(2);
  });
});

describe('rekap kpps-token', () => {
  it('prints a token that authenticates as that TPS, accepting the packed KPU code', async () => {
    const r = await rekap('kpps-token', '--tps', '1608011007001', '--data', dataDir);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^kpps_[A-Za-z0-9_-]{32}$/);
    const store = await openStore({ dataDir });
    try {
      expect(await store.authenticate(token)).toMatchObject({ tps: '16.08.01.1007.001' });
    } finally {
      await store.close();
    }
  });
  it('provisions every TPS below a region as CSV', async () => {
    const r = await rekap('kpps-token', '--region', '16.08', '--csv', '--data', dataDir);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('tps,token');
    expect(lines).toHaveLength(2181);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[1])).size).toBe(2180);
    expect(r.stderr).toContain('2180 tokens');
  });
  it('explains bad input instead of failing obscurely', async () => {
    const unknown = await rekap('kpps-token', '--tps', '16.08.01.1007.099', '--data', dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no TPS 16.08.01.1007.099');
    const malformed = await rekap('kpps-token', '--tps', '16.08.01', '--data', dataDir);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('not a TPS code');
    const both = await rekap('kpps-token', '--data', dataDir);
    expect(both.code).toBe(2);
    const noCsv = await rekap('kpps-token', '--region', '16.08', '--data', dataDir);
    expect(noCsv.stderr).toContain('--csv');
    const typo = await rekap('kpps-tokn');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown command');
    const simulate = await rekap('serve', '--simulate', '--data', dataDir);
    expect(simulate.stderr).toContain('--simulate needs --demo');
  });
});

describe('rekap rebuild', () => {
  it('finds totals that drifted from the submissions, and rebuilds them', async () => {
    const empty = await rekap('rebuild', '--check', '--data', dataDir);
    expect(empty.stdout).toContain('ok: live totals equal a recount of 0 submissions');
    const store = await openStore({ dataDir });
    const tps = '16.08.01.1007.001' as TpsCode;
    await store.recordSubmission({
      tps,
      ballot: 'ppwp',
      result: EXAMPLE_PPWP,
      photos: [],
      flags: [],
      uploader: 'kpps:test',
      receivedAt: new Date(),
    });
    await store.close();
    expect((await rekap('rebuild', '--check', '--data', dataDir)).code).toBe(0);
    // Damage a derived total behind the store's back.
    const db = new Database(join(dataDir, 'rekap.sqlite'));
    db.prepare("update recap_totals set valid = valid + 5 where region_code = '16.08'").run();
    db.close();
    const check = await rekap('rebuild', '--check', '--data', dataDir);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('mismatch 16.08 ppwp');
    const rebuilt = await rekap('rebuild', '--data', dataDir);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(
      /rebuilt from 1 submissions of 1 TPS .* 1 regions differed before, 0 after/,
    );
    expect((await rekap('rebuild', '--check', '--data', dataDir)).code).toBe(0);
  });
});
