// What loadgen measured, and its words: accepted per second, latency percentiles, answers by
// status and code, and how far the public recap was behind the submissions acknowledged.

/** The kinds of request loadgen sends. */
export const KINDS = [
  'first',
  'version',
  'retry',
  'bad_token',
  'bad_photo',
  'bad_result',
  'bad_signature',
] as const;
export type Kind = (typeof KINDS)[number];
export const isBad = (k: Kind): boolean => k.startsWith('bad_');

/** What each kind must get: the good ones a 201 (new version) or 200 (identical retry), the bad a 4xx. */
export const EXPECTED: Record<Kind, string> = {
  first: '201',
  version: '201',
  retry: '200',
  bad_token: '401',
  bad_photo: '422',
  bad_result: '422',
  bad_signature: '403',
};

export type KindTally = { sent: number; asExpected: number; answers: Record<string, number> };

/** The recap's lag: acknowledged first submissions the public recap did not count yet. */
export type LagSample = {
  atS: number;
  acked: number;
  reported: number;
  lagTps: number;
  lagS: number;
};

export type LoadgenReport = {
  url: string;
  region: string;
  ballots: string[];
  curve: string;
  /** Real seconds the curve was played in. */
  scheduleS: number;
  tps: number;
  signed: boolean;
  photoBytes: number;
  planned: Record<Kind, number>;
  /** Wall time from the first request to the last answer. */
  durationS: number;
  accepted: {
    total: number;
    perSecond: number;
    /** 2xx answers to good requests, per second since the start (index = second). */
    timeline: number[];
  };
  latencyMs: { count: number; p50: number; p90: number; p99: number; max: number };
  kinds: Record<Kind, KindTally>;
  /** Bad requests refused with a 4xx, and the ones that were not (a server bug, or an overload). */
  refused: { bad: number; as4xx: number; other: number };
  /** Every answer that was not a 2xx, by "status code" (network failures as "network CODE"). */
  errors: Record<string, number>;
  /** Good requests sent again after a 429, a 503 or no answer. */
  retries: number;
  /** How late requests started against the curve: the server (or --concurrency) held them back. */
  startDelayMs: { p99: number; max: number };
  recap: {
    polls: number;
    pollErrors: number;
    /** The recap's TPS reported per ballot before the load. */
    baseline: Record<string, number>;
    /** First submissions acknowledged as version 1 (new TPS for the recap), all ballots. */
    newTpsAcked: number;
    /** Of them, counted by the recap at the last poll. */
    newTpsReported: number;
    /** First submissions that found an earlier version (a TPS reported before this run). */
    firstsOfKnownTps: number;
    lagTps: { max: number; end: number };
    lagS: { max: number; end: number };
    /** Seconds after the last answer until the lag was 0 (null: not within --settle). */
    settledAfterS: number | null;
    samples: LagSample[];
  };
};

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** A growable array of doubles (latencies of millions of requests without boxing each). */
export class Samples {
  private data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

const r1 = (n: number) => Math.round(n * 10) / 10;
export const round1 = r1;

/** The report as text for people. */
export function reportText(r: LoadgenReport): string {
  const lines: string[] = [];
  const pct = (a: number, b: number) => (b === 0 ? '0%' : `${r1((100 * a) / b)}%`);
  lines.push(
    `rekap loadgen ${r.url}: ${r.tps} TPS x ${r.ballots.join(',')}, curve ${r.curve} in ${r1(r.scheduleS)} s` +
      `, ${r.signed ? 'signed' : 'unsigned'}, photos of ${Math.round(r.photoBytes / 1024)} KB`,
  );
  lines.push(
    `accepted: ${r.accepted.total} in ${r1(r.durationS)} s = ${r1(r.accepted.perSecond)}/s` +
      ` (retries after 429/503/no answer: ${r.retries})`,
  );
  const l = r.latencyMs;
  lines.push(
    `latency: p50 ${r1(l.p50)} ms, p90 ${r1(l.p90)} ms, p99 ${r1(l.p99)} ms, max ${r1(l.max)} ms (${l.count} answers)`,
  );
  lines.push(
    `start delay against the curve: p99 ${r1(r.startDelayMs.p99)} ms, max ${r1(r.startDelayMs.max)} ms`,
  );
  lines.push('requests (sent, as expected, answers):');
  for (const k of KINDS) {
    const t = r.kinds[k];
    if (t.sent === 0 && r.planned[k] === 0) continue;
    const answers = Object.entries(t.answers)
      .sort((a, b) => b[1] - a[1])
      .map(([a, n]) => `${a} x${n}`)
      .join(', ');
    lines.push(
      `  ${k.padEnd(13)} ${String(t.sent).padStart(7)}  ${pct(t.asExpected, t.sent).padStart(6)} (want ${EXPECTED[k]})  ${answers}`,
    );
  }
  lines.push(
    `bad requests: ${r.refused.bad}, refused with 4xx ${r.refused.as4xx}, otherwise ${r.refused.other}`,
  );
  const errors = Object.entries(r.errors).sort((a, b) => b[1] - a[1]);
  lines.push(
    `not 2xx: ${errors.length === 0 ? 'none' : errors.map(([e, n]) => `${e} x${n}`).join(', ')}`,
  );
  const c = r.recap;
  lines.push(
    `recap ${r.region}: ${c.newTpsReported} of ${c.newTpsAcked} new TPS acknowledged are reported` +
      ` (baseline ${Object.entries(c.baseline)
        .map(([b, n]) => `${b} ${n}`)
        .join(', ')}` +
      `${c.firstsOfKnownTps ? `; ${c.firstsOfKnownTps} firsts found an earlier version` : ''})`,
  );
  lines.push(
    `recap lag: max ${c.lagTps.max} TPS / ${r1(c.lagS.max)} s, at the end ${c.lagTps.end} TPS / ${r1(c.lagS.end)} s` +
      `; ${c.settledAfterS === null ? 'not settled within --settle' : `settled ${r1(c.settledAfterS)} s after the last answer`}` +
      ` (${c.polls} polls, ${c.pollErrors} failed)`,
  );
  lines.push(`accepted per second: ${sparkline(r.accepted.timeline)}`);
  return `${lines.join('\n')}\n`;
}

/** At most 60 buckets of the timeline as numbers, so that a long run still fits a screen. */
function sparkline(perSecond: number[]): string {
  if (perSecond.length === 0) return '(none)';
  const width = Math.ceil(perSecond.length / 60);
  const out: string[] = [];
  for (let i = 0; i < perSecond.length; i += width) {
    const slice = perSecond.slice(i, i + width);
    out.push(String(Math.round(slice.reduce((a, b) => a + b, 0) / slice.length)));
  }
  return `${out.join(' ')}${width > 1 ? ` (means over ${width} s)` : ''}`;
}
