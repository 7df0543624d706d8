// `rekap loadgen` against the real `rekap serve --demo` (a child process on SQLite): a few seconds
// of 30 signed TPS on a flat curve, with resubmissions and bad requests, and the server's own
// recap to check what loadgen says it counted.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrivalTimes, CURVE_2024, CURVE_TSE, hoursAt, shareAt } from '../src/cli/loadgen/curve.ts';
import { loadgenCommand, parseLoadgenArgs } from '../src/cli/loadgen/index.ts';
import type { LoadgenReport } from '../src/cli/loadgen/report.ts';
import { UsageError } from '../src/cli/usage.ts';
import { freePort, rekap } from './support/cli.ts';
import { spawnRekap, waitHealthy, type RekapProcess } from './support/rekap-process.ts';

const REGION = '16.08.01';
let dataDir = '';
let server: RekapProcess | undefined;
let url = '';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rekap-loadgen-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = await spawnRekap({
    name: 'serve',
    logDir: dataDir,
    args: ['serve', '--demo', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1']
      // Every request comes from one address, as it does from any load generator.
      .concat(['--rate-limit', 'off']),
  });
  // Up to two minutes: the machine may be busy with other test files.
  await waitHealthy(server, `${url}/healthz`);
}, 150_000);

afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const reportedBelow = async (code: string): Promise<number> => {
  const r = await fetch(`${url}/api/v1/results/${code}?ballot=ppwp`, { cache: 'no-store' });
  return ((await r.json()) as { progress: { tpsReported: number } }).progress.tpsReported;
};

describe('rekap loadgen', () => {
  it('replays 30 signed TPS with resubmissions and bad requests, and the recap catches up', async () => {
    const tokens = await rekap('kpps-token', '--region', REGION, '--csv', '--data', dataDir);
    expect(tokens.code, tokens.stderr).toBe(0);
    const file = join(dataDir, 'tokens.csv');
    await writeFile(file, tokens.stdout);
    const before = await reportedBelow(REGION);

    let stdout = '';
    let stderr = '';
    const code = await loadgenCommand(
      [
        url,
        '--tokens',
        file,
        '--tps',
        '30',
        '--curve',
        'flat',
        '--duration',
        '4',
        '--sign',
        '--bad',
        '0.1',
        '--resubmit',
        '0.1',
        '--concurrency',
        '4',
        '--photo-kb',
        '100',
        '--region',
        REGION,
        '--settle',
        '60',
        '--progress',
        '2',
        '--json',
      ],
      { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) },
    );
    const report = JSON.parse(stdout) as LoadgenReport;
    expect(code, stderr).toBe(0);
    expect(report.tps).toBe(30);

    // Every first submission was acknowledged as a new TPS, and the server's recap counts exactly them.
    expect(report.kinds.first.sent).toBe(30);
    expect(report.kinds.first.asExpected).toBe(30);
    expect(report.recap.newTpsAcked).toBe(30);
    expect((await reportedBelow(REGION)) - before).toBe(report.recap.newTpsAcked);
    expect(report.recap.newTpsReported).toBe(30);

    // Bad requests are refused with 4xx, and counted apart from the accepted ones.
    const bad = ['bad_token', 'bad_photo', 'bad_result', 'bad_signature'] as const;
    const badSent = bad.reduce((n, k) => n + report.kinds[k].sent, 0);
    expect(badSent).toBeGreaterThan(0);
    expect(report.refused).toEqual({ bad: badSent, as4xx: badSent, other: 0 });
    for (const k of bad) expect(report.kinds[k].asExpected, k).toBe(report.kinds[k].sent);
    expect(report.kinds.bad_token.answers).toEqual(
      report.kinds.bad_token.sent ? { '401 bad_token': report.kinds.bad_token.sent } : {},
    );

    // Resubmissions are accepted: later versions as new ones (201), identical ones as such (200).
    const { version, retry } = report.kinds;
    expect(version.sent + retry.sent).toBeGreaterThan(0);
    expect(version.asExpected).toBe(version.sent);
    expect(retry.asExpected).toBe(retry.sent);
    expect(report.accepted.total).toBe(30 + version.sent + retry.sent);

    // The recap caught up: no lag at the end.
    expect(report.recap.lagTps.end).toBe(0);
    expect(report.recap.settledAfterS).not.toBeNull();
    expect(report.latencyMs.count).toBeGreaterThanOrEqual(report.accepted.total);
    expect(stderr).toContain('sent');
  }, 240_000);
});

describe('loadgen curves and options', () => {
  it('places requests along the curves', () => {
    // 2024: nothing before entry worked at 18:30 WIB, 42.5% by noon the next day.
    expect(shareAt(CURVE_2024, 5)).toBe(0);
    expect(shareAt(CURVE_2024, 23)).toBeCloseTo(0.425);
    expect(hoursAt(CURVE_2024, 0.425)).toBeCloseTo(23);
    // TSE: 98.77% within three hours.
    expect(shareAt(CURVE_TSE, 3)).toBeCloseTo(0.9877);
    const t = arrivalTimes(CURVE_2024, 1000, 72);
    expect(t[0]).toBeGreaterThanOrEqual(5.5 * 1000);
    expect(t.every((x, i) => i === 0 || x >= t[i - 1]!)).toBe(true);
    expect(t[999]).toBeLessThanOrEqual(72_000);
  });

  it('refuses what cannot be run', () => {
    const base = ['http://127.0.0.1:1', '--tokens', 'x.csv'];
    expect(() => parseLoadgenArgs([...base, '--curve', 'flat'])).toThrow(UsageError);
    expect(() => parseLoadgenArgs([...base, '--sign', '--ballots', 'ppwp,dpr'])).toThrow(/ppwp/);
    expect(() => parseLoadgenArgs([...base, '--bad', '0.6', '--resubmit', '0.5'])).toThrow(
      UsageError,
    );
    expect(parseLoadgenArgs([...base, '--speed', '3600']).speed).toBe(3600);
  });
});
