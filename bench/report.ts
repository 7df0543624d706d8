// Results on disk (one JSON file per benchmark) and the Markdown summary made from them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, platform } from 'node:os';
import { join } from 'node:path';
import type { CpuUse, LoadSummary, Quiet } from './load.ts';
import type { CheckResult } from './server.ts';
import { ROOT } from './server.ts';

export type Machine = {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  commit: string | null;
};

export function machine(): Machine {
  const list = cpus();
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    if (dirty) commit += ' (src modified)';
  } catch {
    // not a git checkout
  }
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    commit,
  };
}

export type Phase = {
  load: LoadSummary;
  cpu: CpuUse;
  /** Whether the machine was quiet (no other work) when the phase started. */
  before?: Quiet;
  extra?: Record<string, unknown>;
};

export type BenchFile = {
  benchmark: 'ingest' | 'reads';
  backend: 'sqlite' | 'postgres';
  date: string;
  machine: Machine;
  skipped?: string;
  parameters: Record<string, unknown>;
  results?: Record<string, Phase>;
  checks?: Record<string, CheckResult>;
  notes?: string[];
};

export function writeBenchFile(dir: string, f: BenchFile): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${f.benchmark}-${f.backend}.json`);
  writeFileSync(file, `${JSON.stringify(f, null, 2)}\n`);
  return file;
}

function readBenchFiles(dir: string): BenchFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^(ingest|reads)-(sqlite|postgres)\.json$/.test(n));
  } catch {
    return [];
  }
  const order = (f: BenchFile) =>
    (f.benchmark === 'ingest' ? 0 : 2) + (f.backend === 'sqlite' ? 0 : 1);
  return names
    .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as BenchFile)
    .sort((a, b) => order(a) - order(b));
}

const num = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (n: number) => (n >= 100 ? num(n) : num(n, n >= 10 ? 1 : 2));

function cpuCell(c: CpuUse, quiet?: Quiet): string {
  const parts = [`server ${c.serverPct ?? '?'}%`, `load gen ${c.loadGeneratorPct}%`];
  if (c.otherPct !== null) parts.push(`other ${c.otherPct}%`);
  if (quiet && !quiet.quiet) parts.push('(machine busy at start)');
  return parts.join(', ');
}

function errorsCell(l: LoadSummary): string {
  const non2xx = Object.entries(l.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, n]) => `${num(n)}×${code}`);
  const parts = [...non2xx];
  if (l.errors) parts.push(`${num(l.errors)} errors`);
  if (l.timeouts) parts.push(`${num(l.timeouts)} timeouts`);
  return parts.length ? parts.join(', ') : '0';
}

function checkCell(c: CheckResult | undefined): string {
  if (!c) return '';
  return c.ok ? `pass (${num(c.submissions ?? 0)} stored)` : `**FAIL** (exit ${c.exitCode})`;
}

/** The Markdown summary of every result file in `dir`. */
export function summaryMarkdown(dir: string): string {
  const files = readBenchFiles(dir);
  const out: string[] = [];
  const first = files.find((f) => !f.skipped) ?? files[0];
  out.push('# Rekap benchmarks', '');
  if (first) {
    const m = first.machine;
    out.push(
      `Machine: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}` +
        `${m.commit ? `, commit ${m.commit}` : ''}. Server, database and load generator share ` +
        'these cores, so absolute numbers are a floor, not a ceiling.',
      '',
    );
  }
  out.push(
    '| Benchmark | Backend | Load | Rate (2xx/s) | p50 ms | p99 ms | max ms | Non-2xx / errors | CPU (% of one core) | Recount check |',
    '|---|---|---|--:|--:|--:|--:|---|---|---|',
  );
  const row = (cells: string[]) => out.push(`| ${cells.join(' | ')} |`);
  let sqliteIngest: number | undefined;
  let postgresIngest: number | undefined;
  for (const f of files) {
    if (f.skipped) {
      row([f.benchmark, f.backend, '', '', '', '', '', '', '', `skipped: ${f.skipped}`]);
      continue;
    }
    const p = f.parameters;
    const r = f.results ?? {};
    if (f.benchmark === 'ingest' && r.ingest) {
      const l = r.ingest.load;
      if (f.backend === 'sqlite') sqliteIngest = l.okPerSecond;
      else postgresIngest = l.okPerSecond;
      row([
        'Ingest: POST submission (~200 KB photo)',
        f.backend,
        `${String(p.connections)} conns, full speed, ${l.durationS} s`,
        num(l.okPerSecond, 1),
        ms(l.latencyMs.p50),
        ms(l.latencyMs.p99),
        ms(l.latencyMs.max),
        errorsCell(l),
        cpuCell(r.ingest.cpu, r.ingest.before),
        checkCell(f.checks?.afterIngest),
      ]);
    }
    if (f.benchmark === 'reads') {
      if (r.readsAlone) {
        const l = r.readsAlone.load;
        row([
          'Reads alone: GET /api/v1/results/16.08',
          f.backend,
          `${String(p.readConnections)} conns, full speed, ${l.durationS} s`,
          num(l.okPerSecond, 1),
          ms(l.latencyMs.p50),
          ms(l.latencyMs.p99),
          ms(l.latencyMs.max),
          errorsCell(l),
          cpuCell(r.readsAlone.cpu, r.readsAlone.before),
          '',
        ]);
      }
      if (r.readsDuringIngest && r.ingestDuringReads) {
        const l = r.readsDuringIngest.load;
        const i = r.ingestDuringReads.load;
        row([
          'Reads during ingest',
          f.backend,
          `${String(p.readConnections)} conns, full speed, ${l.durationS} s`,
          num(l.okPerSecond, 1),
          ms(l.latencyMs.p50),
          ms(l.latencyMs.p99),
          ms(l.latencyMs.max),
          errorsCell(l),
          cpuCell(r.readsDuringIngest.cpu, r.readsDuringIngest.before),
          '',
        ]);
        row([
          '… the ingest running meanwhile',
          f.backend,
          `${String(p.ingestConnections)} conns, target ${String(p.ingestRate)}/s`,
          num(i.okPerSecond, 1),
          ms(i.latencyMs.p50),
          ms(i.latencyMs.p99),
          ms(i.latencyMs.max),
          errorsCell(i),
          '(shared with the row above)',
          checkCell(f.checks?.afterReads),
        ]);
      }
    }
  }
  out.push('');
  const SUBMISSIONS_2024 = 820_000 * 5;
  const hours = (rate: number) => SUBMISSIONS_2024 / rate / 3600;
  if (sqliteIngest)
    out.push(
      `Capacity: 2024's peak was ~820,000 TPS × 5 ballots = 4.1 M submissions. At the measured ` +
        `SQLite rate of ${num(sqliteIngest, 1)} submissions/s, one such machine ingests them all in ` +
        `${num(hours(sqliteIngest), 1)} h of continuous full-speed load` +
        (postgresIngest
          ? ` (PostgreSQL: ${num(postgresIngest, 1)}/s, ${num(hours(postgresIngest), 1)} h).`
          : '.'),
      '',
    );
  out.push(
    'Notes:',
    '',
    '- Latencies are of 2xx responses only, as autocannon measures them; with a fixed target ' +
      'rate they are corrected for coordinated omission. Reads and ingest run from the same ' +
      'load-generator process.',
    "- Every submission is a consistent C.Hasil whose DPT equals the TPS's registered DPT (so " +
      'all are clean and counted), with a unique ~200 KB JPEG. Requests cycle through the 2,180 ' +
      'demo TPS: after the first pass each one is a resubmission (a new version of its TPS).',
    '- CPU is in percent of one core over the phase: the server process (all its threads), the ' +
      'load generator, and "other" = the rest of the machine: PostgreSQL for the PostgreSQL ' +
      'rows; for SQLite, other work on the machine, which skews the numbers.',
    '- "Recount check" is `rekap rebuild --check` after the run: the live totals equal a ' +
      'recount of the stored submissions. "Stored" can exceed the 2xx count by up to the ' +
      'number of connections: requests in flight when the load generator stopped.',
    '- Regenerate with `npm run bench` (one JSON file per benchmark beside this file).',
    '',
  );
  return out.join('\n');
}
