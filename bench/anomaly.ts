// Anomaly benchmark (`npm run bench:anomaly [-- --lines N] [--seed S]`): synthesizes a national-size
// file in Sirekap's hhcw/ppwp shape (820,000 TPS, seeded, with injected misreads, slips, empty
// records and copied numbers), runs `rekap audit sirekap`'s streaming audit over it and reports
// records audited per second and peak RSS. How many injected X-misreads got their true value
// back is measured too. Writes bench/results/anomaly.json.
import { createWriteStream, writeFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { mulberry32 } from '../src/core/random.ts';
import { auditSirekapFile } from '../src/cli/audit.ts';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '820000' },
    seed: { type: 'string', default: '2024' },
    keep: { type: 'boolean' },
  },
});
const LINES = Number(args.lines);
const SEED = Number(args.seed);
const TPS_PER_DESA = 10;
const DESA_PER_KEC = 12;

type Injected = 'none' | 'x-misread' | 'slip' | 'empty' | 'copy';
type Synth = { line: string; injected: Injected; field?: string; truth?: number };

/** The TPS code of line i: 38 provinces' worth of kab/kec/desa, 10 TPS a desa. */
function codeOf(i: number): string {
  const desa = Math.floor(i / TPS_PER_DESA);
  const kec = Math.floor(desa / DESA_PER_KEC);
  const kab = Math.floor(kec / 14);
  const prov = 11 + Math.floor(kab / 14);
  const p2 = (n: number, w: number) => String(n).padStart(w, '0');
  return `${p2(prov % 100, 2)}${p2((kab % 14) + 1, 2)}${p2((kec % 14) + 1, 2)}${p2(1001 + (desa % DESA_PER_KEC), 4)}${p2((i % TPS_PER_DESA) + 1, 3)}`;
}

/** Line i of the file, the same for the same seed. */
function synth(i: number): Synth {
  const rnd = mulberry32((SEED * 2654435761) ^ Math.imul(i + 1, 0x9e3779b1));
  const kecRnd = mulberry32(SEED + Math.floor(i / (TPS_PER_DESA * DESA_PER_KEC)));
  const base = [0.1 + 0.3 * kecRnd(), 0.3 + 0.4 * kecRnd()];
  const code = codeOf(i);
  const dptL = 90 + Math.floor(rnd() * 60);
  const dptP = 90 + Math.floor(rnd() * 60);
  const turnout = 0.7 + 0.2 * rnd();
  const vDptL = Math.floor(dptL * turnout);
  const vDptP = Math.floor(dptP * turnout);
  const dptbL = rnd() < 0.3 ? 1 + Math.floor(rnd() * 3) : 0;
  const dpkP = rnd() < 0.2 ? 1 : 0;
  const totL = vDptL + dptbL;
  const totP = vDptP + dpkP;
  const total = totL + totP;
  const invalid = Math.floor(rnd() * 8);
  const valid = total - invalid;
  const s1 = Math.max(0, base[0]! + (rnd() - 0.5) * 0.1);
  const s2 = Math.max(0, base[1]! + (rnd() - 0.5) * 0.1);
  const v1 = Math.floor(valid * s1);
  const v2 = Math.min(valid - v1, Math.floor(valid * s2));
  const chart: Record<string, number | null> = {
    null: null,
    '100025': v1,
    '100026': v2,
    '100027': valid - v1 - v2,
  };
  const admin: Record<string, number> | null = {
    suara_sah: valid,
    suara_total: total,
    suara_tidak_sah: invalid,
    pemilih_dpt_j: dptL + dptP,
    pemilih_dpt_l: dptL,
    pemilih_dpt_p: dptP,
    pengguna_dpt_j: vDptL + vDptP,
    pengguna_dpt_l: vDptL,
    pengguna_dpt_p: vDptP,
    pengguna_dptb_j: dptbL,
    pengguna_dptb_l: dptbL,
    pengguna_dptb_p: 0,
    pengguna_non_dpt_j: dpkP,
    pengguna_non_dpt_l: 0,
    pengguna_non_dpt_p: dpkP,
    pengguna_total_j: total,
    pengguna_total_l: totL,
    pengguna_total_p: totP,
  };
  let injected: Injected = 'none';
  let field: string | undefined;
  let truth: number | undefined;
  const u = rnd();
  let doc: Record<string, unknown> = { chart, administrasi: admin };
  if (u < 0.1) {
    injected = 'empty';
    doc = rnd() < 0.5 ? { chart: null, administrasi: admin } : { chart, administrasi: null };
  } else if (u < 0.12) {
    // The X of a blank hundreds box read as a digit.
    const key = (['100025', '100026', '100027'] as const).find((k) => (chart[k] ?? 100) < 100);
    if (key) {
      injected = 'x-misread';
      field = `votes.${Number(key) - 100024}`;
      truth = chart[key]!;
      chart[key] = truth + 100 * (3 + Math.floor(rnd() * 7));
    }
  } else if (u < 0.13) {
    injected = 'slip';
    admin.suara_sah = valid + 1 + Math.floor(rnd() * 9);
  } else if (u < 0.1302 && i > 0) {
    injected = 'copy';
    const other = JSON.parse(synth(i - 1).line) as Record<string, unknown>;
    doc = { chart: other.chart, administrasi: other.administrasi };
  }
  const img = (k: number) =>
    `https://sirekap-obj-formc.kpu.go.id/${(i % 65536).toString(16)}/pemilu/ppwp/${code}-${k}-${Math.floor(rnd() * 2 ** 32).toString(16)}.jpg`;
  const line = JSON.stringify({
    tps_code: code,
    mode: 'hhcw',
    ...doc,
    images: [img(1), img(2), img(3)],
    psu: null,
    ts: '2024-02-16 12:00:00',
    status_suara: true,
    status_adm: true,
  });
  return { line, injected, field, truth };
}

const dir = await mkdtemp(join(tmpdir(), 'rekap-bench-anomaly-'));
const file = join(dir, 'sirekap-national.jsonl');
try {
  const t0 = performance.now();
  const out = createWriteStream(file);
  const injected: Record<Injected, number> = {
    none: 0,
    'x-misread': 0,
    slip: 0,
    empty: 0,
    copy: 0,
  };
  for (let i = 0; i < LINES; i++) {
    const s = synth(i);
    injected[s.injected]++;
    if (!out.write(`${s.line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const synthS = (performance.now() - t0) / 1000;
  const bytes = (await stat(file)).size;

  const rssBefore = process.memoryUsage().rss;
  let recovered = 0;
  let xFlagged = 0;
  const t1 = performance.now();
  const summary = await auditSirekapFile(file, (r) => {
    const s = synth(r.line - 1);
    if (s.injected !== 'x-misread') return;
    xFlagged++;
    const m = r.findings.find((f) => f.kind === 'misread');
    if (m?.check === 'single-field' && m.field === s.field && m.proposed === s.truth) recovered++;
  });
  const auditS = (performance.now() - t1) / 1000;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const result = {
    lines: LINES,
    seed: SEED,
    fileMb: Math.round(bytes / 1e6),
    synthSeconds: Math.round(synthS * 10) / 10,
    auditSeconds: Math.round(auditS * 10) / 10,
    recordsPerSecond: Math.round(summary.records / auditS),
    passes: 2,
    peakRssMb,
    rssBeforeAuditMb: Math.round(rssBefore / 1e6),
    injected,
    xMisreadsFlagged: xFlagged,
    xMisreadsRecovered: recovered,
    summary,
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    at: new Date().toISOString(),
  };
  const path = resolve(import.meta.dirname, 'results/anomaly.json');
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `anomaly: ${LINES.toLocaleString('en')} lines (${result.fileMb} MB) audited in ${result.auditSeconds} s ` +
      `(two passes): ${result.recordsPerSecond.toLocaleString('en')} records/s, peak RSS ${peakRssMb} MB; ` +
      `X-misreads recovered ${recovered} of ${injected['x-misread']}; results in ${path}`,
  );
} finally {
  if (!args.keep) await rm(dir, { recursive: true, force: true });
}
