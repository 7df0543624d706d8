// The national-size open-data export: `npm run bench:export [-- --tps 100000,823000] [--jsonl]`.
//
// For each size, a synthetic nation is written straight into a fresh SQLite store (38 provinsi,
// 532 kabupaten, 7,448 kecamatan, 81,928 desa — the same regions at every size — and N TPS spread
// over the desa, as many as KPU set up in 2024 at the full size: 823,000): 95% of the TPS with a
// counted PPWP result (half of them signed by an enrolled device, two photo hashes each), 5% with
// a flagged one waiting for review, the rest without a result; the recap totals summed from them.
// The rows are inserted in big transactions (the API would take hours on this machine); their
// shapes are the store's (src/store/schema.ts) and the export reads them as it reads any.
//
// Then a server process of its own (so its memory is the export's, not the synthesis's) opens the
// store and serves `GET /api/v1/export/tps.csv`; this process streams it to a counting sink (no
// file kept) and measures the time, rows/s, bytes, and the server's peak RSS (sampled every 100 ms,
// and the kernel's maxRSS from process.resourceUsage()). Bounded memory means the peak RSS does
// not grow with N. Results: bench/results/export.json and EXPORT.md.
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { CHasil } from '../src/core/chasil.ts';
import { createRandom } from '../src/core/random.ts';
import { buildApp } from '../src/server/app.ts';
import { openStore } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { machine } from './report.ts';

const PROVINCES = 38;
const KAB_PER_PROV = 14;
const KEC_PER_KAB = 14;
const DESA_PER_KEC = 11;
const COUNTED_SHARE = 0.95;
const FLAGGED_SHARE = 0.05;
const SIGNED_SHARE = 0.5;

const { values: args } = parseArgs({
  options: {
    tps: { type: 'string', default: '100000,823000' },
    jsonl: { type: 'boolean', default: false },
    serve: { type: 'string' },
    /** Only writes the synthetic store of the first size into this folder, to look at. */
    'synthesize-into': { type: 'string' },
    out: { type: 'string', default: join(import.meta.dirname, 'results') },
  },
  strict: true,
});

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const pad = (n: number, w: number) => String(n).padStart(w, '0');

type Sums = { tps: number; reported: number; valid: number; invalid: number; total: number };

/** Writes the synthetic nation with `n` TPS into the store at `dataDir`; answers the seconds. */
async function synthesize(dataDir: string, n: number): Promise<number> {
  const t0 = performance.now();
  // The schema first, by the store's own migrations.
  const store = await openStore({ dataDir });
  await store.close();
  const db = new SqliteDatabase(join(dataDir, 'rekap.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const now = new Date().toISOString();
  const rnd = createRandom(823).fork('export');
  const insert = {
    meta: db.prepare('insert into meta (key, value) values (?, ?)'),
    region: db.prepare('insert into regions (code, parent_code, level, name) values (?, ?, ?, ?)'),
    tps: db.prepare('insert into tps (code, desa_code, number, name, dpt) values (?, ?, ?, ?, ?)'),
    contest: db.prepare(
      'insert into contests (ballot, scope, kind, definition) values (?, ?, ?, ?)',
    ),
    device: db.prepare(
      'insert into devices (id, tps_code, public_key, token_hash, label, enrolled_at) values (?, ?, ?, ?, ?, ?)',
    ),
    submission: db.prepare(
      `insert into submissions (id, tps_code, ballot, version, content_hash, prev_chain_hash,
        chain_hash, result, photos, status, flags, uploader, received_at, device_id, signed_at,
        signature, kind) values (?, ?, 'ppwp', 1, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submission')`,
    ),
    status: db.prepare(
      `insert into tps_status (tps_code, ballot, latest_version, latest_status, latest_chain_hash,
        counted_id, counted_version, review_state, review_reasons) values (?, 'ppwp', 1, ?, ?, ?, ?, ?, ?)`,
    ),
    totals: db.prepare(
      `insert into recap_totals (region_code, ballot, tps_total, tps_reported, valid, invalid, total)
        values (?, 'ppwp', ?, ?, ?, ?, ?)`,
    ),
    votes: db.prepare(
      `insert into recap_votes (region_code, ballot, choice, votes) values (?, 'ppwp', ?, ?)`,
    ),
  };
  const desa: string[] = [];
  db.transaction(() => {
    insert.meta.run('election.name', `Pemilu sintetis (${n.toLocaleString('en-US')} TPS)`);
    insert.meta.run('election.demo', 'true');
    insert.contest.run('ppwp', 'id', 'pair', JSON.stringify(PPWP_2024));
    insert.region.run('id', null, 'nasional', 'Indonesia');
    for (let p = 0; p < PROVINCES; p++) {
      const pc = pad(11 + p, 2);
      insert.region.run(pc, 'id', 'provinsi', `Provinsi ${pc}`);
      for (let k = 1; k <= KAB_PER_PROV; k++) {
        const kc = `${pc}.${pad(k, 2)}`;
        insert.region.run(kc, pc, 'kabupaten', `Kabupaten ${kc}`);
        for (let c = 1; c <= KEC_PER_KAB; c++) {
          const cc = `${kc}.${pad(c, 2)}`;
          insert.region.run(cc, kc, 'kecamatan', `Kecamatan ${cc}`);
          for (let d = 1; d <= DESA_PER_KEC; d++) {
            const dc = `${cc}.${pad(1000 + d, 4)}`;
            // Some names need CSV quoting.
            insert.region.run(dc, cc, 'desa', d === 3 ? `Desa "Suka, Maju" ${dc}` : `Desa ${dc}`);
            desa.push(dc);
          }
        }
      }
    }
  })();
  const sums = new Map<string, Sums>();
  const votes = new Map<string, Record<string, number>>();
  const add = (code: string, reported: boolean, r: CHasil | null) => {
    let s = sums.get(code);
    if (!s) sums.set(code, (s = { tps: 0, reported: 0, valid: 0, invalid: 0, total: 0 }));
    s.tps++;
    if (!reported || !r) return;
    s.reported++;
    s.valid += r.valid;
    s.invalid += r.invalid;
    s.total += r.total;
    const v = votes.get(code) ?? {};
    for (const [k, x] of Object.entries(r.votes)) v[k] = (v[k] ?? 0) + x;
    votes.set(code, v);
  };
  const BATCH = 50_000;
  const writeBatch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const d = desa[i % desa.length]!;
      const number = Math.floor(i / desa.length) + 1;
      const code = `${d}.${pad(number, 3)}`;
      const dpt = 200 + Math.floor(rnd.next() * 100);
      insert.tps.run(code, d, number, `TPS ${pad(number, 3)}`, dpt);
      const roll = rnd.next();
      const counted = roll < COUNTED_SHARE;
      const flagged = !counted && roll < COUNTED_SHARE + FLAGGED_SHARE;
      let result: CHasil | null = null;
      if (counted || flagged) {
        const dptL = Math.floor(dpt / 2);
        const votersL = Math.floor(dptL * 0.8);
        const votersP = Math.floor((dpt - dptL) * 0.8);
        const invalid = Math.floor(rnd.next() * 8);
        const valid = votersL + votersP - invalid;
        const v1 = Math.floor(valid * (0.2 + rnd.next() * 0.1));
        const v2 = Math.floor(valid * (0.5 + rnd.next() * 0.1));
        result = consistentResult({
          dptL,
          dptP: dpt - dptL,
          votesL: votersL,
          votesP: votersP,
          invalid,
          votes: { '1': v1, '2': v2, '3': valid - v1 - v2 },
        });
        if (flagged) result.votes['1'] = (result.votes['1'] ?? 0) + 1;
        const id = `sub-${code}`;
        const hash = hex(`content ${code}`);
        const chain = hex(`chain ${code}`);
        const photos = JSON.stringify([hex(`photo 1 ${code}`), hex(`photo 2 ${code}`)]);
        const flags = flagged
          ? JSON.stringify([
              {
                rule: 'votes_sum',
                fields: ['votes.1', 'votes.2', 'votes.3', 'valid'],
                message: 'the votes per pair do not add up to the valid votes',
              },
            ])
          : '[]';
        const signed = rnd.next() < SIGNED_SHARE;
        const device = signed ? `dev-${code}` : null;
        if (device)
          insert.device.run(device, code, hex(`key ${code}`).slice(0, 43), hex(code), null, now);
        insert.submission.run(
          id,
          code,
          hash,
          chain,
          JSON.stringify(result),
          photos,
          flagged ? 'flagged' : 'clean',
          flags,
          'kpps:0123456789ab',
          now,
          device,
          device ? now : null,
          device ? `${hex(`sig ${code}`)}${hex(`sig2 ${code}`)}`.slice(0, 86) : null,
        );
        insert.status.run(
          code,
          flagged ? 'flagged' : 'clean',
          chain,
          counted ? id : null,
          counted ? 1 : null,
          flagged ? 'flagged' : 'counted',
          flagged ? JSON.stringify([{ code: 'rules', version: 1, rules: ['votes_sum'] }]) : '[]',
        );
      }
      const parts = code.split('.');
      for (const depth of [1, 2, 3, 4])
        add(parts.slice(0, depth).join('.'), counted, counted ? result : null);
      add('id', counted, counted ? result : null);
    }
  });
  for (let from = 0; from < n; from += BATCH) {
    writeBatch(from, Math.min(n, from + BATCH));
    const written = Math.min(n, from + BATCH);
    process.stderr.write(
      `  ${written.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} TPS\r`,
    );
  }
  process.stderr.write('\n');
  db.transaction(() => {
    const regions = db.prepare('select code from regions').pluck().all() as string[];
    for (const code of regions) {
      const s = sums.get(code) ?? { tps: 0, reported: 0, valid: 0, invalid: 0, total: 0 };
      insert.totals.run(code, s.tps, s.reported, s.valid, s.invalid, s.total);
      for (const [choice, v] of Object.entries(votes.get(code) ?? {}))
        insert.votes.run(code, choice, v);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return (performance.now() - t0) / 1000;
}

/** The server side (`--serve DIR`): serves the store and reports its peak memory when asked. */
async function serve(dataDir: string): Promise<void> {
  const store = await openStore({ dataDir });
  const app = await buildApp({ store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  let peak = process.memoryUsage().rss;
  const idle = peak;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  process.on('message', (m: { type: string }) => {
    if (m.type === 'reset') {
      peak = process.memoryUsage().rss;
      process.send?.({ type: 'reset', rss: peak });
    }
    if (m.type === 'report') {
      peak = Math.max(peak, process.memoryUsage().rss);
      process.send?.({
        type: 'report',
        idleRss: idle,
        peakRss: peak,
        maxRss: process.resourceUsage().maxRSS * 1024,
        heapUsed: process.memoryUsage().heapUsed,
      });
    }
    if (m.type === 'stop') {
      clearInterval(timer);
      void app
        .close()
        .then(() => store.close())
        .then(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', port: typeof addr === 'object' && addr ? addr.port : 0 });
}

type Measured = {
  path: string;
  seconds: number;
  firstByteMs: number;
  bytes: number;
  rows: number;
  rowsPerS: number;
  mbPerS: number;
};

/** Streams one export to a counting sink. */
async function pull(port: number, path: string, header: boolean): Promise<Measured> {
  const t0 = performance.now();
  // Uncompressed: the export's own cost, not zlib's (a client asking gzip gets it compressed).
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { 'accept-encoding': 'identity' },
  });
  if (!res.ok || !res.body) throw new Error(`${path}: ${res.status}`);
  let firstByteMs = 0;
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (bytes === 0) firstByteMs = performance.now() - t0;
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const rows = newlines - (header ? 1 : 0);
  return {
    path,
    seconds: Math.round(seconds * 10) / 10,
    firstByteMs: Math.round(firstByteMs),
    bytes,
    rows,
    rowsPerS: Math.round(rows / seconds),
    mbPerS: Math.round((bytes / 2 ** 20 / seconds) * 10) / 10,
  };
}

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send({ type });
  });
}

type Memory = { idleRss: number; peakRss: number; maxRss: number; heapUsed: number };
const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

async function runSize(n: number) {
  const dataDir = await mkdtemp(join(tmpdir(), 'rekap-bench-export-'));
  try {
    process.stderr.write(`export bench: synthesizing ${n.toLocaleString('en-US')} TPS\n`);
    const synthS = await synthesize(dataDir, n);
    const child = fork(join(import.meta.dirname, '..', 'bin', 'run-ts.mjs'), [
      join(import.meta.dirname, 'export.ts'),
      '--serve',
      dataDir,
    ]);
    const ready = await new Promise<{ port: number }>((resolve, reject) => {
      child.once('error', reject);
      child.on('message', (m: { type: string; port: number }) => {
        if (m.type === 'ready') resolve(m);
      });
    });
    const runs: (Measured & { memory: Memory; load: number[] })[] = [];
    const paths: [string, boolean][] = [['/api/v1/export/tps.csv?ballot=ppwp', true]];
    if (args.jsonl) paths.push(['/api/v1/export/tps.jsonl?ballot=ppwp', false]);
    for (const [path, header] of paths) {
      await ask(child, 'reset');
      process.stderr.write(`export bench: GET ${path}\n`);
      const loadBefore = loadavg()[0]!;
      const m = await pull(ready.port, path, header);
      const memory = await ask<Memory & { type: string }>(child, 'report');
      // The machine's 1-minute load average around the run: other work slows it (2 cores).
      runs.push({
        ...m,
        memory,
        load: [loadBefore, loadavg()[0]!].map((l) => Math.round(l * 10) / 10),
      });
      process.stderr.write(
        `  ${m.rows.toLocaleString('en-US')} rows, ${mib(m.bytes)} MiB in ${m.seconds} s (${m.rowsPerS.toLocaleString('en-US')} rows/s), peak RSS ${mib(memory.peakRss)} MiB\n`,
      );
      if (m.rows !== n) throw new Error(`${path}: ${m.rows} rows, expected ${n}`);
    }
    child.send({ type: 'stop' });
    await new Promise((r) => child.once('exit', r));
    return {
      tps: n,
      synthesisS: Math.round(synthS * 10) / 10,
      runs: runs.map((r) => ({
        ...r,
        memory: {
          idleRssMiB: mib(r.memory.idleRss),
          peakRssMiB: mib(r.memory.peakRss),
          maxRssMiB: mib(r.memory.maxRss),
          heapUsedMiB: mib(r.memory.heapUsed),
        },
      })),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const sizes = args.tps.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1000 || n > 999 * 81_928))
    throw new Error('--tps: sizes of at least 1000, comma-separated');
  const results = [];
  for (const n of sizes) results.push(await runSize(n));
  const file = {
    benchmark: 'export',
    date: new Date().toISOString(),
    machine: machine(),
    parameters: {
      regions: {
        provinsi: PROVINCES,
        kabupaten: PROVINCES * KAB_PER_PROV,
        kecamatan: PROVINCES * KAB_PER_PROV * KEC_PER_KAB,
        desa: PROVINCES * KAB_PER_PROV * KEC_PER_KAB * DESA_PER_KEC,
      },
      countedShare: COUNTED_SHARE,
      flaggedShare: FLAGGED_SHARE,
      signedShare: SIGNED_SHARE,
      batch: 1000,
      backend: 'sqlite',
    },
    results,
  };
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'export.json'), `${JSON.stringify(file, null, 2)}\n`);
  writeFileSync(join(args.out, 'EXPORT.md'), markdown(file));
  process.stderr.write(`export bench: ${join(args.out, 'export.json')}\n`);
}

function markdown(f: {
  date: string;
  machine: ReturnType<typeof machine>;
  results: Awaited<ReturnType<typeof runSize>>[];
}): string {
  const m = f.machine;
  const lines = [
    '# Open-data export at national size',
    '',
    'Generated by `npm run bench:export` (bench/export.ts). A synthetic nation (38 provinsi, 532',
    'kabupaten, 7,448 kecamatan, 81,928 desa) with N TPS, 95% counted, 5% flagged; a server process',
    'streams `GET /api/v1/export/tps.csv?ballot=ppwp` to a counting sink. Peak RSS is the server',
    "process's (sampled every 100 ms; maxRSS from the kernel). Bounded memory: it does not grow with N.",
    '',
    `${f.date}; ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}, ${m.commit ?? ''}`,
    '',
    '| TPS | export | rows | MiB | seconds | rows/s | first byte ms | idle RSS MiB | peak RSS MiB | maxRSS MiB | load |',
    '| --: | --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |',
  ];
  for (const r of f.results)
    for (const run of r.runs)
      lines.push(
        `| ${r.tps.toLocaleString('en-US')} | ${run.path.replace(/\?.*/, '')} | ${run.rows.toLocaleString('en-US')} | ${mib(run.bytes)} | ${run.seconds} | ${run.rowsPerS.toLocaleString('en-US')} | ${run.firstByteMs} | ${run.memory.idleRssMiB} | ${run.memory.peakRssMiB} | ${run.memory.maxRssMiB} | ${run.load.join(' → ')} |`,
      );
  lines.push(
    '',
    'load: the 1-minute load average before and after the run (2 cores: above 2, other work shared them).',
    'maxRSS is the whole life of the process, its start (loading the code) included.',
    '',
    `Synthesis (direct SQLite inserts): ${f.results.map((r) => `${r.tps.toLocaleString('en-US')} TPS in ${r.synthesisS} s`).join('; ')}.`,
    '',
  );
  return lines.join('\n');
}

if (args.serve) await serve(args.serve);
else if (args['synthesize-into']) {
  const n = Number(args.tps.split(',')[0]);
  mkdirSync(args['synthesize-into'], { recursive: true });
  process.stderr.write(`${(await synthesize(args['synthesize-into'], n)).toFixed(1)} s\n`);
} else await main();
