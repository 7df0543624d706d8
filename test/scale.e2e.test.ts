// Rekap across machines, on loopback (issue 15, docs/scale.md): 3 `rekap serve` processes and 2
// `rekap worker`s over one PostgreSQL schema, photos in an S3-compatible server (s3rver), work and
// news on a 3-node NATS JetStream cluster with streams replicated 3 times. Under load one API
// process and one NATS node are killed -9. Then: every acknowledged submission is in the database
// once, the totals equal a recount, every version is re-read exactly once, and a live stream on a
// surviving node hears a new commit.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TpsCode } from '../src/core/codes.ts';
import { postSubmission, submissionBody, type SubmissionSpec } from '../src/cli/loadgen/client.ts';
import { makeStampablePhoto, writeStamp } from '../src/cli/loadgen/photo.ts';
import { rekapWith, tokenRows } from './support/cli.ts';
import { natsServerBinaryAvailable } from './support/nats-cluster.ts';
import { POSTGRES_URL, postgresAvailable } from './support/postgres.ts';
import { cleanResult } from './support/results.ts';
import { startScaleCluster, type ScaleCluster } from './support/scale-cluster.ts';

const KECAMATAN = '16.08.01';
/** TPS of the load: each gets a first version, some a second, spread over the three nodes. */
const LOAD_TPS = 60;

let c: ScaleCluster | undefined;

beforeAll(async () => {
  if (!(await postgresAvailable()) || !natsServerBinaryAvailable()) return;
  c = await startScaleCluster({
    tag: 'scale',
    api: 3,
    workers: 2,
    serveArgs: ['--intake-workers', '0'],
    workerArgs: ['--catch-up-every-s', '5'],
  });
}, 240_000);

afterAll(async () => {
  await c?.stop();
}, 120_000);

/** Queries the test's schema. */
async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`set search_path to ${c!.schema.schema}`);
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('Rekap across processes: 3 API nodes, 2 workers, 3 NATS nodes, PostgreSQL, S3', () => {
  it('loses and duplicates nothing when an API node and a NATS node die under load', async (ctx) => {
    if (!c) return ctx.skip();
    const { apis, workers, nats } = c;
    const stations = tokenRows(await c.tokensCsv(KECAMATAN)).slice(0, LOAD_TPS);
    expect(stations.length).toBe(LOAD_TPS);

    const photo = await makeStampablePhoto(64 * 1024);
    let stamp = 0;
    /** What the nodes acknowledged (200/201): TPS and version, as the receipt says. */
    const acked: { tps: string; version: number; hash: string }[] = [];
    const down = new Set<number>();
    /** Sends one submission like a phone behind a load balancer: a node that fails is skipped. */
    const send = async (i: number, v2: number) => {
      const st = stations[i]!;
      const spec: SubmissionSpec = {
        tps: st.tps as TpsCode,
        ballot: 'ppwp',
        token: st.token,
        result: cleanResult(v2),
        stamp: ++stamp,
      };
      const bytes = Buffer.from(photo.bytes);
      writeStamp(bytes, photo.stampOffset, spec.stamp);
      const body = submissionBody(spec, bytes);
      for (let attempt = 0; attempt < 12; attempt++) {
        const node = (i + attempt) % apis.length;
        if (down.has(node)) continue;
        const a = await postSubmission(apis[node]!.url, spec, body, 30_000);
        if ((a.status === 200 || a.status === 201) && a.receipt) {
          acked.push({ tps: a.receipt.tps, version: a.receipt.version, hash: a.receipt.hash });
          return;
        }
        // No answer (the node died mid-request) or a 5xx: the phone sends the same bytes again.
        if (a.status !== null && a.status < 500) throw new Error(`refused: ${a.status} ${a.code}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`TPS ${st.tps}: no node took the submission`);
    };

    // First versions from all TPS, 6 at once; the kills land in the middle of them.
    const jobs = stations.map((_, i) => i);
    let next = 0;
    const lanes = Array.from({ length: 6 }, async () => {
      while (next < jobs.length) {
        const i = jobs[next++]!;
        await send(i, 90);
        if (i === 20) {
          down.add(1);
          void apis[1]!.proc.kill9();
          await nats.kill(1);
        }
      }
    });
    await Promise.all(lanes);
    // A second version from every fifth TPS, after the kills, on the surviving nodes.
    for (let i = 0; i < LOAD_TPS; i += 5) await send(i, 91);
    expect(apis[1]!.proc.alive()).toBe(false);

    // Every acknowledged submission is in the database, once.
    const rows = await query<{ tps_code: string; version: number; content_hash: string }>(
      "select tps_code, version, content_hash from submissions where ballot = 'ppwp'",
    );
    const stored = new Map(rows.map((r) => [`${r.tps_code}/${r.version}`, r.content_hash]));
    expect(rows.length).toBe(stored.size);
    for (const a of acked) expect(stored.get(`${a.tps}/${a.version}`)).toBe(a.hash);
    const distinctAcked = new Set(acked.map((a) => `${a.tps}/${a.version}`));
    expect(distinctAcked.size).toBe(LOAD_TPS + LOAD_TPS / 5);
    expect(rows.length).toBe(distinctAcked.size);

    // The totals equal a recount from the stored submissions.
    const check = await rekapWith(
      { env: { ...process.env, ...c.env } },
      'rebuild',
      '--check',
      '--data',
      join(c.dir, 'cli'),
      '--db',
      c.schema.url,
    );
    expect(check.code, check.stdout + check.stderr).toBe(0);

    // Every version is re-read by the workers, once: redeliveries and catch-up scans write nothing.
    const rereads = async () =>
      query<{ tps_code: string; details: string }>(
        "select tps_code, details from events where type like 'reread_%'",
      );
    const deadline = Date.now() + 240_000;
    while ((await rereads()).length < rows.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1000));
    const seen = (await rereads()).map((r) => {
      const d = JSON.parse(r.details) as { ballot: string; version: number };
      return `${r.tps_code}/${d.ballot}/${d.version}`;
    });
    expect(new Set(seen).size, workers.map((w) => w.tail(10)).join('\n')).toBe(rows.length);
    for (const r of rows) expect(seen).toContain(`${r.tps_code}/ppwp/${r.version}`);
    expect(seen.length).toBe(rows.length);

    // A live stream on a surviving node hears the next commit, whichever node made it.
    const live = await fetch(`${apis[2]!.url}/api/v1/live`, {
      signal: AbortSignal.timeout(60_000),
    });
    const reader = live.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const heard = (async () => {
      while (!/event: change/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    })();
    // The stream's first bytes are there: then a new version, sent to another surviving node.
    await new Promise((r) => setTimeout(r, 1500));
    const spec: SubmissionSpec = {
      tps: stations[1]!.tps as TpsCode,
      ballot: 'ppwp',
      token: stations[1]!.token,
      result: cleanResult(92),
      stamp: ++stamp,
    };
    const bytes = Buffer.from(photo.bytes);
    writeStamp(bytes, photo.stampOffset, spec.stamp);
    const a = await postSubmission(apis[0]!.url, spec, submissionBody(spec, bytes), 30_000);
    expect(a.status).toBe(201);
    await heard;
    await reader.cancel();
    expect(text).toMatch(/event: change/);
  }, 600_000);
});
