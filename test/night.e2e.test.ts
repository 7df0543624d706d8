// The simulated election night end to end: seeded results for one kecamatan go through the real
// HTTP API (photo and all) into the real app on SQLite; the recap must equal what was sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { runNight } from '../src/demo/night.ts';
import { simulateNight } from '../src/demo/results.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const KECAMATAN = '16.08.05';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ web: false });
});
afterAll(() => server.close());

describe('simulated election night', () => {
  it('fills the recap of a kecamatan with exactly the clean results sent, flagged ones held back', async () => {
    const election = demoElection();
    const night = simulateNight(election, {
      seed: 11,
      durationMs: 2_000,
      flaggedShare: 0.1,
    }).filter((s) => s.tps.startsWith(`${KECAMATAN}.`));
    expect(night.length).toBeGreaterThan(50);
    expect(night.some((s) => s.note === 'slip')).toBe(true);
    const codes = [...new Set(night.map((s) => s.tps))];
    const issued = await server.store.issueTokens(codes);
    const logs: string[] = [];
    const report = await runNight({
      baseUrl: server.url,
      tokens: new Map(issued.map((t) => [t.tps as string, t.token])),
      submissions: night,
      speed: 4,
      log: (m) => logs.push(m),
    });
    expect(report).toMatchObject({ sent: night.length, failed: 0 });
    expect(report.accepted).toBe(night.length);
    expect(logs.at(-1)).toMatch(new RegExp(`${night.length}/${night.length} TPS terkirim`));

    // What should count: per TPS, the last result sent that is not a slip.
    const counted = new Map<string, CHasil>();
    const slipped = new Set<string>();
    for (const s of night) {
      if (s.note === 'slip') slipped.add(s.tps);
      else {
        counted.set(s.tps, s.result);
        slipped.delete(s.tps);
      }
    }
    const want = { '1': 0, '2': 0, '3': 0 } as Record<string, number>;
    let valid = 0;
    for (const r of counted.values()) {
      for (const k of Object.keys(want)) want[k]! += r.votes[k] ?? 0;
      valid += r.valid;
    }
    for (const code of [KECAMATAN, '16.08', 'id']) {
      const res = (await (
        await fetch(`${server.url}/api/v1/results/${code}?ballot=ppwp`)
      ).json()) as {
        progress: { tpsReported: number };
        totals: { votes: Record<string, number>; valid: number };
      };
      expect(res.progress.tpsReported).toBe(counted.size);
      expect(res.totals.votes).toEqual(want);
      expect(res.totals.valid).toBe(valid);
    }
    // A slip that was never corrected stays flagged, with its photo, and out of the totals.
    expect(slipped.size).toBeGreaterThan(0);
    for (const tps of slipped) {
      const t = (await server.store.tpsResult(tps as never, 'ppwp'))!;
      expect(t.status).toBe('flagged');
      expect(t.counted).toBeNull();
      expect(t.versions[0]!.flags.length).toBeGreaterThan(0);
      expect(t.versions[0]!.photos[0]!.contentType).toBe('image/jpeg');
    }
    expect(await server.store.checkAggregates()).toEqual([]);
  });
});
