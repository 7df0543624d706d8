// Running autocannon with progress lines, and where the CPU went while it ran.
import autocannon, { type Options, type Result } from 'autocannon';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** CPU seconds of one process from /proc (Linux); null elsewhere. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

export function machineBusySeconds(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy: busy / 1000, total: total / 1000 };
}

export type Quiet = { quiet: boolean; waitedS: number; busyPctOfOneCore: number };

/**
 * Waits (up to `maxS`) until the machine is quiet: less than `thresholdPct` of one core busy for
 * two seconds in a row. Other work on a shared machine (a test run, a build) skews a benchmark.
 */
export async function waitForQuiet(maxS = 90, thresholdPct = 25): Promise<Quiet> {
  const started = performance.now();
  let calm = 0;
  for (;;) {
    const m0 = machineBusySeconds();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1000));
    const m1 = machineBusySeconds();
    const last = Math.round(((m1.busy - m0.busy) / ((performance.now() - t0) / 1000)) * 100);
    calm = last < thresholdPct ? calm + 1 : 0;
    const waitedS = Math.round((performance.now() - started) / 100) / 10;
    if (calm >= 2) return { quiet: true, waitedS, busyPctOfOneCore: last };
    if (waitedS >= maxS) return { quiet: calm > 0, waitedS, busyPctOfOneCore: last };
  }
}

export type CpuUse = {
  /** Percent of one core. */
  serverPct: number | null;
  loadGeneratorPct: number;
  /** Percent of all cores together (100 = every core busy). */
  machinePct: number;
  /** Everything else (PostgreSQL, the OS, ...), in percent of one core. */
  otherPct: number | null;
};

/** Measures CPU use between `start()` and the returned function's call. */
export function cpuMeter(serverPid: number): () => CpuUse {
  const t0 = performance.now();
  const server0 = procCpuSeconds(serverPid);
  const self0 = process.cpuUsage();
  const m0 = machineBusySeconds();
  return () => {
    const wall = (performance.now() - t0) / 1000;
    const server1 = procCpuSeconds(serverPid);
    const self = process.cpuUsage(self0);
    const m1 = machineBusySeconds();
    const serverPct =
      server0 !== null && server1 !== null ? ((server1 - server0) / wall) * 100 : null;
    const loadGeneratorPct = ((self.user + self.system) / 1e6 / wall) * 100;
    const busy = m1.busy - m0.busy;
    const machinePct = (busy / Math.max(1e-9, m1.total - m0.total)) * 100;
    const busyCores = (busy / wall) * 100;
    const round = (x: number) => Math.round(x);
    return {
      serverPct: serverPct === null ? null : round(serverPct),
      loadGeneratorPct: round(loadGeneratorPct),
      machinePct: round(machinePct),
      otherPct:
        serverPct === null ? null : round(Math.max(0, busyCores - serverPct - loadGeneratorPct)),
    };
  };
}

export type LoadSummary = {
  durationS: number;
  requests: number;
  ok2xx: number;
  okPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
};

export function summarize(r: Result): LoadSummary {
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats)) statusCodes[code] = s.count;
  const requests = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  const ok2xx = r['2xx'];
  return {
    durationS: r.duration,
    requests,
    ok2xx,
    okPerSecond: Math.round((ok2xx / r.duration) * 10) / 10,
    latencyMs: {
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
      mean: Math.round(r.latency.mean * 10) / 10,
    },
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
  };
}

/** Every running autocannon, so Ctrl-C can stop them. */
const running = new Set<{ stop(): void }>();
export function stopAllLoad(): void {
  for (const i of running) i.stop();
}

/** Runs autocannon, printing a progress line every `everyS` seconds. */
export async function runLoad(
  label: string,
  what: string,
  opts: Options,
  everyS = 2,
): Promise<Result> {
  const instance = autocannon(opts);
  running.add(instance);
  let seconds = 0;
  let ok = 0;
  let bad = 0;
  let errors = 0;
  instance.on('response', (_client: unknown, status: number) => {
    if (status >= 200 && status < 300) ok++;
    else bad++;
  });
  instance.on('reqError', () => errors++);
  instance.on('tick', () => {
    seconds++;
    if (seconds % everyS === 0)
      console.log(
        `  ${label}: ${seconds} s, ${fmt(ok)} ${what}` +
          `${bad ? `, ${fmt(bad)} non-2xx` : ''}${errors ? `, ${fmt(errors)} errors` : ''}`,
      );
  });
  try {
    return await instance;
  } finally {
    running.delete(instance);
  }
}
