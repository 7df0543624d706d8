// NATS for tests: the server of this machine (and of CI) at 127.0.0.1:4222, and a cluster of three
// `/usr/sbin/nats-server` with JetStream, each on free ports with its store in a temporary folder,
// for the tests that kill a node (test/jetstream.test.ts, test/scale.e2e.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_URL = process.env.REKAP_TEST_NATS ?? 'nats://127.0.0.1:4222';
export const NATS_SERVER_BIN = process.env.REKAP_NATS_SERVER ?? '/usr/sbin/nats-server';

/** Whether a TCP connection to host:port opens. */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(2000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(port, host);
  });
}

let available: Promise<boolean> | undefined;

/** Whether NATS_URL answers; without it tests skip with a message, except in CI, where it fails. */
export function natsAvailable(): Promise<boolean> {
  available ??= (async () => {
    const u = new URL(NATS_URL);
    if (await answers(u.hostname, Number(u.port || 4222))) return true;
    if (process.env.CI) throw new Error(`NATS is required in CI but ${NATS_URL} does not answer`);
    console.warn(`skipping NATS tests: no server at ${NATS_URL}; set REKAP_TEST_NATS`);
    return false;
  })();
  return available;
}

/** Whether the cluster can be started (the binary is there); same rule as natsAvailable. */
export function natsServerBinaryAvailable(): boolean {
  if (existsSync(NATS_SERVER_BIN)) return true;
  if (process.env.CI)
    throw new Error(`nats-server is required in CI: ${NATS_SERVER_BIN} is absent`);
  console.warn(`skipping NATS cluster tests: no ${NATS_SERVER_BIN}; set REKAP_NATS_SERVER`);
  return false;
}

/** A free TCP port on loopback (free when asked; the server binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export type NatsCluster = {
  /** Each node's client URL, `nats://127.0.0.1:<port>`, in node order. */
  urls: string[];
  /** All of them as one `--queue` URL. */
  url: string;
  /** SIGKILLs node i and waits for it to exit. */
  kill(i: number): Promise<void>;
  /** Kills what still runs and removes the stores. */
  stop(): Promise<void>;
};

/** Starts `size` (default 3) JetStream nodes routed to one another; resolves once each listens. */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'rekap-nats-'));
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(await freePort());
    routePorts.push(await freePort());
  }
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(',');
  const nodes: { child: ChildProcess; exited: Promise<void>; log: string[] }[] = [];
  for (let i = 0; i < size; i++) {
    const log: string[] = [];
    const child = spawn(
      NATS_SERVER_BIN,
      [
        '-js',
        '-a',
        '127.0.0.1',
        '-p',
        String(clientPorts[i]),
        '-n',
        `rekap-n${i}`,
        '-sd',
        join(dir, `n${i}`),
        '--cluster_name',
        'rekap-test',
        '--cluster',
        `nats://127.0.0.1:${routePorts[i]}`,
        '--routes',
        routes,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (b: Buffer) => {
      log.push(b.toString());
      if (log.length > 200) log.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    nodes.push({ child, exited, log });
  }
  const urls = clientPorts.map((p) => `nats://127.0.0.1:${p}`);
  const stop = async () => {
    for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      for (let tries = 0; !(await answers('127.0.0.1', clientPorts[i]!)); tries++) {
        if (nodes[i]!.child.exitCode !== null || tries > 100)
          throw new Error(`nats-server node ${i} did not start:\n${nodes[i]!.log.join('')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    urls,
    url: urls.join(','),
    async kill(i) {
      const n = nodes[i];
      if (!n) throw new Error(`no node ${i}`);
      if (n.child.exitCode === null) n.child.kill('SIGKILL');
      await n.exited;
    },
    stop,
  };
}
