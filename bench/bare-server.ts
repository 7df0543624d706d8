// The yardstick (issue 15): a bare `node:http` server with no Rekap code, driven by the
// same load as the ingest benchmark (bench/run.ts: autocannon, 16 connections, the same multipart
// bodies, a unique ~200 KB photo each). It reads each POST body as it streams in, appends it to one
// file and fdatasyncs it, then answers 201: what any server must do at least to keep a submission
// across a power cut. Appending to one file, like Rekap's photo packs, since creating a file per
// request is slow on these machines (`--mode file-per-request` measures that too).
//
//   node bin/run-ts.mjs bench/bare-server.ts [--duration S] [--connections N] [--mode M] [--out DIR]
//
// Other benchmarks call `measureBareServer` in the same run and report their rates as a ratio.
// The server runs as a child process, as `rekap serve` does in bench/run.ts, so that the load
// generator does not share its event loop.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Request } from 'autocannon';
import { cpuMeter, runLoad, summarize, type CpuUse, type LoadSummary } from './load.ts';
import { makeStampablePhoto, writeStamp } from './photo.ts';
import { machine, type Machine } from './report.ts';
import { freePort } from './server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

export type BareMode = 'append' | 'file-per-request';

export type BareServerResult = {
  mode: BareMode;
  connections: number;
  durationS: number;
  photoBytes: number;
  load: LoadSummary;
  cpu: CpuUse;
};

// ---- the server ------------------------------------------------------------------------------------

/** Serves until killed: each POST body to disk with an fdatasync, then 201. */
async function serve(port: number, dir: string, mode: BareMode): Promise<void> {
  const pack = mode === 'append' ? await open(join(dir, 'bodies.dat'), 'a') : undefined;
  let end = 0;
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks, size);
      const done = (e?: unknown) => {
        res.writeHead(e ? 500 : 201, { 'content-type': 'application/json' });
        res.end(e ? '{"error":"write failed"}' : `{"stored":${size}}`);
      };
      const store = async () => {
        if (pack) {
          // Each body gets its place at the end, so concurrent ones never interleave.
          const at = end;
          end += size;
          await pack.write(body, 0, size, at);
          await pack.datasync();
        } else {
          let f: FileHandle | undefined;
          try {
            f = await open(join(dir, `body-${++n}.dat`), 'wx');
            await f.write(body);
            await f.datasync();
          } finally {
            await f?.close();
          }
        }
      };
      store().then(() => done(), done);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  process.send?.('listening');
}

// ---- the measurement ----------------------------------------------------------------------------

const BOUNDARY = '----rekap-bare-3f6a9c1e';

/** The same shape of body as bench/bodies.ts: a small result part, then a unique ~200 KB JPEG. */
async function bodies(): Promise<{ photoBytes: number; requests: Request[] }> {
  const photo = await makeStampablePhoto();
  const prefix = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="result"\r\n\r\n` +
      `${JSON.stringify({ dpt: { l: 120, p: 130, total: 250 }, note: 'about a kilobyte of C.Hasil in the real load'.padEnd(900, '.') })}\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="c-hasil.jpg"\r\n` +
      'Content-Type: image/jpeg\r\n\r\n',
  );
  const suffix = Buffer.from(`\r\n--${BOUNDARY}--\r\n`, 'latin1');
  let i = 0;
  const headers = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
  return {
    photoBytes: photo.bytes.length,
    requests: [
      {
        setupRequest: (req) => {
          const body = Buffer.concat([prefix, photo.bytes, suffix]);
          writeStamp(body, prefix.length + photo.stampOffset, i++);
          return { ...req, method: 'POST', path: '/submissions', headers, body };
        },
      },
    ],
  };
}

/**
 * Starts the bare server in a child process, drives it like bench/run.ts's ingest (full speed,
 * `connections` at once, for `durationS`), stops it and answers its rate, latencies and CPU.
 */
export async function measureBareServer(
  opts: { durationS?: number; connections?: number; mode?: BareMode } = {},
): Promise<BareServerResult> {
  const durationS = opts.durationS ?? 10;
  const connections = opts.connections ?? 16;
  const mode = opts.mode ?? 'append';
  const dir = await mkdtemp(join(tmpdir(), 'rekap-bare-'));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'run-ts.mjs'), SELF, '--serve', String(port), '--dir', dir, '--mode', mode],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) =>
        reject(new Error(`bare server exited (${code}) before listening`)),
      );
    });
    const { photoBytes, requests } = await bodies();
    const meter = cpuMeter(child.pid!);
    const result = await runLoad(`bare server (${mode})`, 'bodies stored', {
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: durationS,
      timeout: 30,
      requests,
    });
    return { mode, connections, durationS, photoBytes, load: summarize(result), cpu: meter() };
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
    await rm(dir, { recursive: true, force: true });
  }
}

export type BareServerFile = {
  benchmark: 'bare-server';
  date: string;
  machine: Machine;
  parameters: Record<string, unknown>;
  results: BareServerResult[];
  notes: string[];
};

// ---- the command --------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      serve: { type: 'string' },
      dir: { type: 'string' },
      mode: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const modes: BareMode[] =
    a.mode === 'append' || a.mode === 'file-per-request'
      ? [a.mode]
      : a.mode === 'both'
        ? ['append', 'file-per-request']
        : a.mode === undefined
          ? ['append']
          : (() => {
              throw new Error(`bad --mode ${a.mode} (append, file-per-request or both)`);
            })();
  if (a.serve) return serve(Number(a.serve), a.dir ?? tmpdir(), modes[0]!);
  const durationS = Number(a.duration ?? 10);
  const connections = Number(a.connections ?? 16);
  const results: BareServerResult[] = [];
  for (const mode of modes) {
    const r = await measureBareServer({ durationS, connections, mode });
    console.log(
      `  bare server (${mode}): ${r.load.okPerSecond}/s, p50 ${r.load.latencyMs.p50} ms, p99 ${r.load.latencyMs.p99} ms; CPU server ${r.cpu.serverPct ?? '?'}%, load gen ${r.cpu.loadGeneratorPct}%`,
    );
    results.push(r);
  }
  const file: BareServerFile = {
    benchmark: 'bare-server',
    date: new Date().toISOString(),
    machine: machine(),
    parameters: {
      durationS,
      connections,
      server:
        'node:http, no Rekap code: each POST body read as it streams in, written to disk and fdatasync-ed, then 201',
      load: 'autocannon at full speed from this process, multipart bodies shaped like bench/bodies.ts (a ~1 KB result part and a unique ~200 KB JPEG each)',
    },
    results,
    notes: [
      'append: every body is written at its own place at the end of one file, with an fdatasync per request (the way Rekap appends photos to its packs); file-per-request: a new file per body, written, fdatasync-ed and closed.',
      `The machine has ${machine().cores} cores shared by the server and the load generator.`,
    ],
  };
  const outDir = a.out ?? join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, 'bare-server.json');
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`  wrote ${path}`);
}

// Run by itself (bin/run-ts.mjs sets argv[1] to the script), not when imported.
if (process.argv[1] === SELF) await main();
