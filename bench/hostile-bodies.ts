// Hostile bodies and connections against a real `rekap serve --demo` on 127.0.0.1 (issue 9,
// finding 4): the server's memory (RSS, sampled from /proc) while 16 clients each send a 150 MB
// body, with a Content-Length, chunked, and as bodies just under the limit; and 1,100 connections
// trickling a body at 2 bytes/s under `ulimit -n 1024`, while a normal client goes on asking.
//
//   node bin/run-ts.mjs bench/hostile-bodies.ts [--quick] [--slow 1100] [--no-write]
//
// Linux only (/proc). Writes bench/results/hostile-bodies.json. Needs `npm run build` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '../src/server/limits.ts';
import { rawConnection, writeSome } from '../test/support/raw-connection.ts';
import { ROOT, freePort, provisionTokens } from './server.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    slow: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const MB = 1024 * 1024;
const CLIENTS = 16;
const BODY = (args.quick ? 20 : 150) * MB;
const SLOW = Number(args.slow ?? (args.quick ? 200 : 1100));
const FD_LIMIT = 1024;
const BOUNDARY = 'rekap-hostile-9e2b';

type Server = { url: string; port: number; pid: number; stop(): Promise<void> };

/** `rekap serve --demo` under `ulimit -n 1024`, as the issue ran it. */
async function startServer(dataDir: string): Promise<Server> {
  const port = await freePort();
  const rekap = join(ROOT, 'bin', 'rekap.mjs');
  const child: ChildProcess = spawn(
    'sh',
    [
      '-c',
      `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`,
      process.execPath,
      rekap,
      'serve',
      '--demo',
      '--data',
      dataDir,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--rate-limit',
      'off',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode})`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not yet
    }
    if (i > 600) throw new Error('server not ready after 120 s');
    await sleep(200);
  }
  return {
    url,
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}
const openFds = async (pid: number) => (await readdir(`/proc/${pid}/fd`)).length;

/** Samples the server's RSS and open descriptors until stopped; the peaks. */
function sampler(pid: number) {
  let rss = 0;
  let fds = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      try {
        rss = Math.max(rss, await rssMb(pid));
        fds = Math.max(fds, await openFds(pid));
      } catch {
        // the process is gone
      }
      await sleep(50);
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return { peakRssMb: Math.round(rss), peakFds: fds };
    },
  };
}

const statusOf = (answer: string) => /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 'closed';
const errorOf = (answer: string) => /"error":"([a-z_]+)"/.exec(answer)?.[1];

const head = (path: string, token: string, extra: string) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
  `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\n${extra}\r\n`;
const photoPart = (n: number) =>
  `${n > 0 ? '\r\n' : ''}--${BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="p${n}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
const resultPart = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="result"\r\n\r\n{}\r\n`;
/** Looks like a JPEG to a glance (SOI, then filler): the server finds out only once it is read. */
const filler = (n: number) => {
  const b = Buffer.alloc(n, 0x42);
  b[0] = 0xff;
  b[1] = 0xd8;
  return b;
};

type Outcome = { status: string; error: string | undefined; sentMb: number };
const tally = (outcomes: Outcome[]) => {
  const by: Record<string, number> = {};
  for (const o of outcomes) {
    const k = `${o.status}${o.error ? ` ${o.error}` : ''}`;
    by[k] = (by[k] ?? 0) + 1;
  }
  return by;
};

/**
 * Sends a 150 MB body as fast as the server reads, until it answers: with a Content-Length (one
 * photo part), or chunked, as photo parts of 10 MB each (so that the 40 MB limit of the whole
 * request is what stops it, not the 15 MB limit of one photo).
 */
async function sendBig(server: Server, path: string, token: string, chunked: boolean) {
  const c = rawConnection(server.port);
  await writeSome(
    c.socket,
    head(path, token, chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${BODY}\r\n`),
  );
  const frame = (b: Buffer) =>
    chunked
      ? Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')])
      : b;
  const opening = resultPart + photoPart(0);
  await writeSome(c.socket, frame(Buffer.from(opening)));
  let sent = opening.length;
  const piece = frame(filler(256 * 1024));
  for (let n = 1; sent < BODY - 256 * 1024 && c.answer() === '' && !c.socket.destroyed; n++) {
    await writeSome(c.socket, piece);
    sent += 256 * 1024;
    if (chunked && n % 40 === 0) {
      const next = photoPart(n / 40);
      await writeSome(c.socket, frame(Buffer.from(next)));
      sent += next.length;
    }
  }
  const answer = await Promise.race([c.closed, sleep(60_000).then(() => c.answer())]);
  c.socket.destroy();
  return { status: statusOf(answer), error: errorOf(answer), sentMb: Math.round(sent / MB) };
}

/** A body just under the submission limit: three photos of ~12.6 MB (each under 15 MB). */
async function sendUnderLimit(server: Server, path: string, token: string) {
  const photo = filler(Math.floor((DEFAULT_LIMITS.submissionBytes - 64 * 1024) / 3));
  const body = Buffer.concat([
    Buffer.from(resultPart),
    ...[0, 1, 2].flatMap((n) => [Buffer.from(photoPart(n)), photo]),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
  const c = rawConnection(server.port);
  await writeSome(
    c.socket,
    head(path, token, `Content-Length: ${body.length}\r\nConnection: close\r\n`),
  );
  let sent = 0;
  for (let i = 0; i < body.length && c.answer() === '' && !c.socket.destroyed; i += 256 * 1024) {
    await writeSome(c.socket, body.subarray(i, i + 256 * 1024));
    sent = Math.min(body.length, i + 256 * 1024);
  }
  const answer = await Promise.race([c.closed, sleep(60_000).then(() => c.answer())]);
  c.socket.destroy();
  return { status: statusOf(answer), error: errorOf(answer), sentMb: Math.round(sent / MB) };
}

async function bodies(server: Server, tokens: [string, string][]) {
  const out: Record<string, unknown> = {};
  const scenarios: [string, (path: string, token: string) => Promise<Outcome>][] = [
    ['content-length', (p, t) => sendBig(server, p, t, false)],
    ['chunked', (p, t) => sendBig(server, p, t, true)],
    ['under-the-limit', (p, t) => sendUnderLimit(server, p, t)],
  ];
  for (const [name, send] of scenarios) {
    await sleep(2_000);
    const before = Math.round(await rssMb(server.pid));
    const s = sampler(server.pid);
    const started = Date.now();
    const outcomes = await Promise.all(
      tokens.slice(0, CLIENTS).map(([tps, token]) => send(`/api/v1/tps/${tps}/submissions`, token)),
    );
    const { peakRssMb, peakFds } = await s.stop();
    const row = {
      clients: CLIENTS,
      bodyMb: name === 'under-the-limit' ? DEFAULT_LIMITS.submissionBytes / MB : BODY / MB,
      rssBeforeMb: before,
      peakRssMb,
      peakFds,
      answers: tally(outcomes),
      sentMbPerClient: outcomes.map((o) => o.sentMb),
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    console.log(name.padEnd(16), JSON.stringify(row));
    out[name] = row;
  }
  return out;
}

/** `SLOW` connections trickling a body at 2 bytes/s; a normal client asks all the while. */
async function slowBodies(server: Server, tokens: [string, string][]) {
  const [tps, token] = tokens[CLIENTS]!;
  // The normal client: a keep-alive connection opened before the attack, and a new connection
  // for each request (no pooling), twice a second.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const ask = (via: Agent | false) =>
    new Promise<number>((resolve) => {
      const req = request(`${server.url}/api/v1/meta`, { agent: via, timeout: 5_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end();
    });
  if ((await ask(agent)) !== 200) throw new Error('the server does not answer before the attack');

  const s = sampler(server.pid);
  const started = Date.now();
  const slow = Array.from({ length: SLOW }, () => rawConnection(server.port));
  let trickling = true;
  const trickle = Promise.all(
    slow.map(async (c) => {
      await writeSome(
        c.socket,
        head(`/api/v1/tps/${tps}/submissions`, token, 'Content-Length: 100000\r\n'),
      );
      while (trickling && !c.socket.destroyed) {
        await writeSome(c.socket, 'xx');
        await sleep(1_000);
      }
    }),
  );
  const timeline: { s: number; kept: number; fresh: number; slowOpen: number }[] = [];
  let allCutAt: number | undefined;
  const until = Date.now() + DEFAULT_LIMITS.bodyGraceMs + 60_000;
  while (Date.now() < until) {
    const [kept, fr] = await Promise.all([ask(agent), ask(false)]);
    const slowOpen = slow.filter((c) => !c.socket.destroyed).length;
    timeline.push({ s: Math.round((Date.now() - started) / 100) / 10, kept, fresh: fr, slowOpen });
    if (slowOpen === 0) {
      allCutAt ??= (Date.now() - started) / 1000;
      if (timeline.filter((t) => t.slowOpen === 0).length >= 4) break;
    }
    await sleep(500);
  }
  trickling = false;
  for (const c of slow) c.socket.destroy();
  await trickle;
  agent.destroy();
  const answers = await Promise.all(slow.map((c) => c.closed));
  const { peakRssMb, peakFds } = await s.stop();
  const ok = (xs: number[]) => `${xs.filter((x) => x === 200).length}/${xs.length}`;
  const row = {
    slowConnections: SLOW,
    fdLimit: FD_LIMIT,
    maxConnections: DEFAULT_LIMITS.maxConnections,
    refusedAtConnect: answers.filter((a) => a === '').length,
    cutOff408: answers.filter((a) => statusOf(a) === '408').length,
    allSlowClosedAfterS: allCutAt === undefined ? null : Math.round(allCutAt),
    keptConnectionOk: ok(timeline.map((t) => t.kept)),
    freshConnectionOk: ok(timeline.map((t) => t.fresh)),
    freshConnectionOkAfterCut: ok(timeline.filter((t) => t.slowOpen === 0).map((t) => t.fresh)),
    peakFds,
    peakRssMb,
    serverAlive: (await fetch(`${server.url}/healthz`).catch(() => undefined))?.ok ?? false,
  };
  console.log('slow-bodies'.padEnd(16), JSON.stringify(row));
  return row;
}

const dataDir = await mkdtemp(join(tmpdir(), 'rekap-hostile-'));
const server = await startServer(dataDir);
try {
  const tokens = [...(await provisionTokens('16.08.01', dataDir, undefined))];
  const results = {
    when: new Date().toISOString(),
    node: process.version,
    limits: DEFAULT_LIMITS,
    bodies: await bodies(server, tokens),
    slowBodies: await slowBodies(server, tokens),
  };
  if (!args['no-write'] && !args.quick)
    await writeFile(
      join(ROOT, 'bench', 'results', 'hostile-bodies.json'),
      `${JSON.stringify(results, null, 2)}\n`,
    );
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
