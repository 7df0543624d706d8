// Checks over a set of records, in two passes that keep only aggregates: per desa and kecamatan,
// running mean and variance of turnout and of each pair's share (from clean records), and a
// 52-bit hash of each record's full set of numbers and of each photo. The first pass `add`s every
// record; the second asks each record's `findings`. Outlier scores are leave-one-out z-scores
// against the other TPS of the same desa or kecamatan: reported, never used to change a number.
import type { AuditRecord, Finding } from './types.ts';

export type SetOptions = {
  /** |score| at or above which a TPS is an outlier (default 4). */
  threshold?: number;
  /** Fewest other TPS in a scope for a score to count (default 4). */
  minPeers?: number;
  /** Floor under the standard deviation (default 0.05: shares and turnout are fractions). */
  sdFloor?: number;
};

type Metric = { name: string; value: number };

/** Turnout and each pair's share, for a record whose numbers all hold. */
export function metricsOf(r: AuditRecord): Metric[] {
  const out: Metric[] = [];
  const dpt = r.values['dpt.total'];
  const voters = r.values['voters.total.total'] ?? r.values.total;
  if (dpt != null && voters != null && dpt > 0) out.push({ name: 'turnout', value: voters / dpt });
  const valid = r.values.valid;
  if (valid != null && valid > 0)
    for (const k of r.voteKeys) {
      const v = r.values[`votes.${k}`];
      if (v != null) out.push({ name: `share.${k}`, value: v / valid });
    }
  return out;
}

/** A 52-bit FNV-1a style hash of a string, as a safe integer. */
export function hash52(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 15);
  }
  return (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff);
}

const tpsNumber = (code: string) => Number(code.replaceAll('.', ''));
const tpsDotted = (n: number) => {
  const s = String(n).padStart(13, '0');
  return `${s.slice(0, 2)}.${s.slice(2, 4)}.${s.slice(4, 6)}.${s.slice(6, 10)}.${s.slice(10)}`;
};

/** A record's full set of numbers, or undefined when it has too little to compare. */
function numbersKey(r: AuditRecord): string | undefined {
  const entries = Object.entries(r.values);
  if (entries.some(([, v]) => v == null)) return undefined;
  if (!r.voteKeys.some((k) => (r.values[`votes.${k}`] ?? 0) > 0)) return undefined;
  return entries
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([p, v]) => `${p}=${v}`)
    .join(';');
}

class Groups {
  // group -> per metric [n, mean, m2]
  private readonly stats = new Map<string, Map<string, [number, number, number]>>();
  add(group: string, metrics: Metric[]): void {
    let g = this.stats.get(group);
    if (!g) this.stats.set(group, (g = new Map<string, [number, number, number]>()));
    for (const { name, value } of metrics) {
      let s = g.get(name);
      if (!s) g.set(name, (s = [0, 0, 0]));
      s[0] += 1;
      const d = value - s[1];
      s[1] += d / s[0];
      s[2] += d * (value - s[1]);
    }
  }
  /** Mean, sd and count of the group without one value (which was added, when `included`). */
  without(group: string, name: string, x: number, included: boolean) {
    const s = this.stats.get(group)?.get(name);
    if (!s) return undefined;
    let [n, mean, m2] = s;
    if (included) {
      if (n <= 1) return undefined;
      const mean2 = (n * mean - x) / (n - 1);
      m2 -= (x - mean2) * (x - mean);
      mean = mean2;
      n -= 1;
    }
    if (n < 2) return undefined;
    return { n, mean, sd: Math.sqrt(Math.max(0, m2) / (n - 1)) };
  }
  get size(): number {
    return this.stats.size;
  }
}

const desaOf = (tps: string) => tps.split('.').slice(0, 4).join('.');
const kecamatanOf = (tps: string) => tps.split('.').slice(0, 3).join('.');

export class SetAudit {
  private readonly desa = new Groups();
  private readonly kecamatan = new Groups();
  /** hash -> first TPS (as a number); hash -> every TPS once a second one shows up. */
  private readonly numbersFirst = new Map<number, number>();
  private readonly numbersDup = new Map<number, number[]>();
  private readonly photosFirst = new Map<number, number>();
  private readonly photosDup = new Map<number, number[]>();
  private readonly threshold: number;
  private readonly minPeers: number;
  private readonly sdFloor: number;

  constructor(options: SetOptions = {}) {
    this.threshold = options.threshold ?? 4;
    this.minPeers = options.minPeers ?? 4;
    this.sdFloor = options.sdFloor ?? 0.05;
  }

  /** First pass. `clean`: the record's own checks all held (only those feed the statistics). */
  add(r: AuditRecord, clean: boolean): void {
    if (clean) {
      const m = metricsOf(r);
      this.desa.add(desaOf(r.tps), m);
      this.kecamatan.add(kecamatanOf(r.tps), m);
    }
    const code = tpsNumber(r.tps);
    const key = numbersKey(r);
    if (key !== undefined) note(this.numbersFirst, this.numbersDup, hash52(key), code);
    for (const p of new Set(r.photos ?? []))
      if (p) note(this.photosFirst, this.photosDup, hash52(p), code);
  }

  /** Second pass: this record's outlier and duplicate findings. */
  findings(r: AuditRecord, clean: boolean): Finding[] {
    const out: Finding[] = [];
    if (clean)
      for (const m of metricsOf(r))
        for (const [scope, groups, group] of [
          ['desa', this.desa, desaOf(r.tps)],
          ['kecamatan', this.kecamatan, kecamatanOf(r.tps)],
        ] as const) {
          const s = groups.without(group, m.name, m.value, true);
          if (!s || s.n < this.minPeers) continue;
          const score = (m.value - s.mean) / Math.max(s.sd, this.sdFloor);
          if (Math.abs(score) < this.threshold) continue;
          const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
          const what = m.name === 'turnout' ? 'turnout' : `share of pair ${m.name.slice(6)}`;
          const whatId =
            m.name === 'turnout' ? 'partisipasi' : `perolehan pasangan ${m.name.slice(6)}`;
          const scopeId = scope === 'desa' ? 'desa/kelurahan' : 'kecamatan';
          out.push({
            kind: 'outlier',
            check: m.name,
            scope,
            value: Math.round(m.value * 10000) / 10000,
            score: Math.round(score * 100) / 100,
            peers: s.n,
            message: {
              id: `${whatId} ${pct(m.value)} jauh dari TPS lain di ${scopeId} yang sama (rata-rata ${pct(s.mean)}, skor ${score.toFixed(1)}). Hanya untuk diperiksa; angka tidak diubah.`,
              en: `${what} ${pct(m.value)} is far from the other TPS of the same ${scope} (mean ${pct(s.mean)}, score ${score.toFixed(1)}). For review only; no number is changed.`,
            },
          });
        }
    const code = tpsNumber(r.tps);
    const key = numbersKey(r);
    const same = key === undefined ? undefined : this.numbersDup.get(hash52(key));
    if (same) {
      const others = same.filter((c) => c !== code).map(tpsDotted);
      if (others.length > 0)
        out.push({
          kind: 'duplicate',
          check: 'same-numbers',
          others,
          message: {
            id: `Semua angka sama persis dengan TPS ${others.join(', ')}.`,
            en: `Every number is the same as at TPS ${others.join(', ')}.`,
          },
        });
    }
    const photoOthers = new Set<number>();
    for (const p of new Set(r.photos ?? []))
      if (p)
        for (const c of this.photosDup.get(hash52(p)) ?? []) if (c !== code) photoOthers.add(c);
    if (photoOthers.size > 0) {
      const others = [...photoOthers].map(tpsDotted);
      out.push({
        kind: 'duplicate',
        check: 'same-photo',
        others,
        message: {
          id: `Foto yang sama juga dikirim untuk TPS ${others.join(', ')}.`,
          en: `The same photo was also submitted for TPS ${others.join(', ')}.`,
        },
      });
    }
    return out;
  }
}

function note(first: Map<number, number>, dup: Map<number, number[]>, h: number, code: number) {
  const seen = first.get(h);
  if (seen === undefined) {
    first.set(h, code);
    return;
  }
  if (seen === code) return;
  const list = dup.get(h);
  if (!list) dup.set(h, [seen, code]);
  else if (!list.includes(code)) list.push(code);
}
