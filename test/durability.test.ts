// An accepted (201) submission survives kill -9 of the server at any moment, and no half-written
// submission is ever visible: the real `rekap serve` process, killed in the middle of a burst.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectivityMap } from '../src/contract/connectivity.ts';
import { variedResult } from './support/results.ts';
import { testPhoto } from './support/photos.ts';
import { freePort, rekap, tokenRows } from './support/cli.ts';
import { spawnRekap, waitHealthy, type RekapProcess } from './support/rekap-process.ts';

let starts = 0;
/** `rekap serve --demo` on this folder and port, once it answers (each start logs apart). */
async function startServer(dataDir: string, port: number): Promise<RekapProcess> {
  const server = await spawnRekap({
    name: `serve-${++starts}`,
    logDir: dataDir,
    args: ['serve', '--demo', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1'],
  });
  // Up to two minutes: the machine may be busy with other test files.
  await waitHealthy(server, `http://127.0.0.1:${port}/healthz`);
  return server;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('durability', () => {
  it('keeps every acknowledged submission across kill -9, with totals equal to a recount', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rekap-kill-'));
    dirs.push(dataDir);
    const port = await freePort();
    let server = await startServer(dataDir, port);
    // The demo comes with a synthetic position for each TPS and a simulated signal survey
    // (src/demo/survey.ts), so its blank-spot map has a class for every TPS.
    const map = (await (
      await fetch(`http://127.0.0.1:${port}/api/v1/connectivity/16.08.01?ballot=ppwp`)
    ).json()) as ConnectivityMap;
    expect(map.features.length).toBeGreaterThan(100);
    expect(
      map.features.filter((f) => !f.geometry || f.properties.positionSource !== 'synthetic'),
    ).toEqual([]);
    expect(map.counts.unknown).toBe(0);
    const provisioned = await rekap(
      'kpps-token',
      '--region',
      '16.08.01',
      '--csv',
      '--data',
      dataDir,
    );
    expect(provisioned.code, provisioned.stderr).toBe(0);
    const tokens = tokenRows(provisioned.stdout).map((r) => [r.tps, r.token] as const);
    expect(tokens.length).toBeGreaterThan(100);
    const photos = await Promise.all(Array.from({ length: 8 }, (_, i) => testPhoto(`kill-${i}`)));

    const acked: { tps: string; id: string; hash: string }[] = [];
    let n = 0;
    for (const round of [0, 1]) {
      let stop = false;
      const worker = async () => {
        while (!stop) {
          const i = n++;
          const [tps, token] = tokens[i % tokens.length]!;
          const v = i % 50;
          const result = variedResult(v);
          const form = new FormData();
          form.set('result', JSON.stringify(result));
          form.append(
            'photo',
            new Blob([new Uint8Array(photos[i % photos.length]!)], { type: 'image/jpeg' }),
            'p.jpg',
          );
          try {
            const res = await fetch(`http://127.0.0.1:${port}/api/v1/tps/${tps}/submissions`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}` },
              body: form,
            });
            if (res.status === 201) {
              const body = (await res.json()) as { id: string; hash: string };
              acked.push({ tps, id: body.id, hash: body.hash });
            }
          } catch {
            /* the server died under this request: it was never acknowledged */
          }
        }
      };
      const workers = Array.from({ length: 12 }, worker);
      // Kill in the middle of the burst: once this round has had some submissions acknowledged
      // (however slow the machine), then after a delay that depends on the round.
      const before = acked.length;
      for (let t = 0; t < 1200 && acked.length - before < 15; t++)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300 + round * 400));
      const killed = server.kill9();
      stop = true;
      await Promise.all(workers);
      await killed;
      server = await startServer(dataDir, port);
    }
    expect(acked.length).toBeGreaterThan(20);
    console.log(`durability: ${acked.length} submissions acknowledged over two kill -9`);

    // Every acknowledged submission is there, with the hash the client was given.
    const byTps = new Map<string, { id: string; hash: string; photos: { url: string }[] }[]>();
    for (const tps of new Set(acked.map((a) => a.tps))) {
      const res = (await (await fetch(`http://127.0.0.1:${port}/api/v1/tps/${tps}`)).json()) as {
        versions: { id: string; hash: string; version: number; photos: { url: string }[] }[];
      };
      byTps.set(tps, res.versions);
      // Versions are gapless: nothing half-written in between.
      expect(res.versions.map((v) => v.version)).toEqual(
        res.versions.map((_, i) => res.versions.length - i),
      );
    }
    for (const a of acked) expect(byTps.get(a.tps)?.find((v) => v.id === a.id)?.hash).toBe(a.hash);
    // Every stored version's photo is there.
    const urls = new Set([...byTps.values()].flat().flatMap((v) => v.photos.map((p) => p.url)));
    for (const url of urls)
      expect((await fetch(`http://127.0.0.1:${port}${url}`)).status).toBe(200);
    // SIGTERM, waited for up to the test's own time limit, as before: no early SIGKILL.
    await server.stop(280_000);
    // The aggregates equal a recount of what survived.
    const check = await rekap('rebuild', '--check', '--data', dataDir);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^ok: live totals equal a recount/);
    // Three server starts and three other commands: generous on a loaded two-core machine.
  }, 300_000);
});
