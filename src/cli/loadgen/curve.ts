// When the submissions of an election night arrive: a curve is the cumulative share of all
// first submissions (TPS x ballot) that have arrived, as a piecewise-linear function of the hours
// since polls closed. `rekap loadgen` places its requests at the curve's quantiles, compressed in
// time by --speed or fitted into --duration.

export const CURVE_NAMES = ['2024', 'tse', 'flat'] as const;
export type CurveName = (typeof CURVE_NAMES)[number];

/** [hours since polls closed, cumulative share 0..1]: starts at [0, 0], ends at share 1. */
export type CurvePoint = readonly [hours: number, share: number];

export type Curve = { name: CurveName; description: string; points: readonly CurvePoint[] };

/**
 * The 2024 evening, from polls closing at 13:00 WIB (14 February 2024). Two points are sourced:
 * Sirekap's entry only worked from 18:30 WIB (+5.5 h), so nothing arrived before it, and Sirekap
 * had 42.5% of the TPS by noon the next day (+23 h). The rest is assumed, and said so:
 * - 18:30-19:30, 8%: the backlog of the KPPS that had finished counting the PPWP ballot (counted
 *   first of the five) and had waited for the app, sent in the hour it came back;
 * - 19:30-24:00, to 22%: the evening, as the PPWP counts finish; counting the other four ballots
 *   kept most KPPS busy past midnight;
 * - 24:00-06:00, to 33%: the night, slower;
 * - 06:00-12:00, to 42.5%: the morning (the sourced point);
 * - then to 80% by noon of the second day and all of it by the end of the third (+72 h): Sirekap's
 *   later progress was slowed by its own freezes, so this tail is a guess of when the forms were
 *   ready rather than a record of when they arrived.
 */
export const CURVE_2024: Curve = {
  name: '2024',
  description: 'the 2024 evening from 13:00 WIB (Sirekap: entry from 18:30, 42.5% by noon +1 day)',
  points: [
    [0, 0],
    [5.5, 0],
    [6.5, 0.08],
    [11, 0.22],
    [17, 0.33],
    [23, 0.425],
    [47, 0.8],
    [72, 1],
  ],
};

/**
 * Brazil's TSE: 98.77% of the sections within about three hours of polls closing (the sourced
 * point). The shape before it is assumed: the first bulletins some 15 minutes after closing (the
 * ballot box prints and sends them), half by the first hour, then a tail; the last 1.23% within the
 * fourth hour.
 */
export const CURVE_TSE: Curve = {
  name: 'tse',
  description: "the TSE's three hours: 98.77% of the sections within about 3 h",
  points: [
    [0, 0],
    [0.25, 0.02],
    [0.5, 0.15],
    [1, 0.5],
    [1.5, 0.75],
    [2, 0.9],
    [3, 0.9877],
    [4, 1],
  ],
};

/** A constant rate over the run (its length comes from --duration or --rate). */
export const CURVE_FLAT: Curve = {
  name: 'flat',
  description: 'a constant rate',
  points: [
    [0, 0],
    [1, 1],
  ],
};

export const CURVES: Record<CurveName, Curve> = {
  '2024': CURVE_2024,
  tse: CURVE_TSE,
  flat: CURVE_FLAT,
};

/** The hours a curve spans. */
export const curveHours = (c: Curve): number => c.points[c.points.length - 1]![0];

/** The cumulative share at `hours` since polls closed. */
export function shareAt(c: Curve, hours: number): number {
  const p = c.points;
  if (hours <= p[0]![0]) return 0;
  for (let i = 1; i < p.length; i++) {
    const [h1, s1] = p[i]!;
    const [h0, s0] = p[i - 1]!;
    if (hours <= h1) return h1 === h0 ? s1 : s0 + ((s1 - s0) * (hours - h0)) / (h1 - h0);
  }
  return 1;
}

/** The hours at which the cumulative share first reaches `q` (0 < q <= 1). */
export function hoursAt(c: Curve, q: number): number {
  const p = c.points;
  for (let i = 1; i < p.length; i++) {
    const [h1, s1] = p[i]!;
    const [h0, s0] = p[i - 1]!;
    if (q <= s1 && s1 > s0) return h0 + ((h1 - h0) * (Math.max(q, s0) - s0)) / (s1 - s0);
  }
  return curveHours(c);
}

/**
 * When each of `n` requests starts, in milliseconds from the run's start, for a curve played in
 * `seconds` of real time: request i at the curve's (i + 0.5) / n quantile, so that the requests
 * follow the curve exactly and the run is the same every time.
 */
export function arrivalTimes(c: Curve, n: number, seconds: number): Float64Array {
  const out = new Float64Array(n);
  const msPerHour = (seconds * 1000) / curveHours(c);
  for (let i = 0; i < n; i++) out[i] = hoursAt(c, (i + 0.5) / n) * msPerHour;
  return out;
}

/** Every curve's points are non-decreasing from [0, 0] to share 1 (a bug otherwise). */
export function checkCurve(c: Curve): void {
  const p = c.points;
  const ok =
    p.length >= 2 &&
    p[0]![0] === 0 &&
    p[0]![1] === 0 &&
    p[p.length - 1]![1] === 1 &&
    p.every((x, i) => i === 0 || (x[0] > p[i - 1]![0] && x[1] >= p[i - 1]![1]));
  if (!ok) throw new Error(`curve ${c.name}: points must rise from [0, 0] to share 1`);
}
