// A TPS's connectivity class from the signal observations made at it (issue 14,
// docs/design/blank-spot-map.md "Classification"): each observation is rated good, weak or none;
// the ones made at the TPS count, weighted by recency (the weight halves every week) and by kind
// (a deliberate survey weighs twice a send attempt); the weighted mean of the ratings is the score,
// and the score gives the class, or `unknown` when too little recent evidence exists. A pure
// function of the observations and the time: recomputed whenever asked, nothing stored.
//
// Also the small spherical geometry the map and the sending-point planner (sending-plan.ts) share:
// great-circle distance, initial bearing, and the bearing as a compass point.
//
// Speed matters: the server classifies every TPS of a kabupaten (2,000 and more) on each request,
// and the national benchmark (bench/connectivity.ts) 823,000 of them, so classifyTps allocates
// nothing per observation.

export type ConnectivityClass = 'good' | 'weak' | 'none' | 'unknown';
export type Rating = 'good' | 'weak' | 'none';

export type Connection = 'none' | '2g' | '3g' | '4g' | '5g' | 'wifi' | 'unknown';

/** One signal observation, as the store gives it to the rules. */
export type Observed = {
  /** ISO 8601. */
  at: string;
  /** send: an attempt of the field app to send, wherever the phone was; survey: a deliberate
   *  measurement at the TPS in the field app's survey mode. */
  source: 'send' | 'survey';
  lat?: number;
  lng?: number;
  /** The position's accuracy (radius), metres; absent when the platform did not give one. */
  accuracyM?: number;
  connection: Connection;
  rttMs: number | null;
  uploadKbps: number | null;
  signalDbm?: number | null;
  /** Whether the attempt (or the survey's probe) went through. */
  ok: boolean;
};

export type LatLng = { lat: number; lng: number };

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every number of the classification, in one place (the design's table and paragraph). */
export const CONNECTIVITY_THRESHOLDS = {
  /** Weak when the round trip took longer than this (ms). */
  weakRttMs: 1500,
  /** Weak when the upload was slower than this (kbit/s). */
  weakUploadKbps: 100,
  /** Weak when the signal was below this (dBm), where the platform gives it. */
  weakSignalDbm: -105,
  /** The ratings' values in the score. */
  ratingValue: { good: 1, weak: 0.5, none: 0 } as const satisfies Record<Rating, number>,
  /** A send attempt farther than this from the TPS was made elsewhere (the officer was travelling). */
  atTpsKm: 1,
  /** An observation's weight halves every this many days of age. */
  halfLifeDays: 7,
  /** A survey observation weighs this many send attempts (made on purpose, at the place). */
  surveyWeight: 2,
  /** A send attempt's weight at age 0. */
  sendWeight: 1,
  /** Class good at a score at or above this. */
  goodScore: 0.75,
  /** Class weak at a score at or above this (and below goodScore); none below. */
  weakScore: 0.35,
  /** Class unknown when the total weight is under this. */
  minWeight: 1,
  /** A survey observation places the TPS (surveyPosition) only with an accuracy at or under this (m). */
  surveyPositionAccuracyM: 100,
} as const;

const T = CONNECTIVITY_THRESHOLDS;
const HALF_LIFE_MS = T.halfLifeDays * DAY_MS;

/** The design's rating: none when it did not go through (or there was no connection), weak when it
 *  went through badly (2G, slow round trip, slow upload, low signal), good otherwise. A measure
 *  that is missing (null) does not make it weak. */
export function rateObservation(o: Observed): Rating {
  if (!o.ok || o.connection === 'none') return 'none';
  if (
    o.connection === '2g' ||
    (o.rttMs !== null && o.rttMs > T.weakRttMs) ||
    (o.uploadKbps !== null && o.uploadKbps < T.weakUploadKbps) ||
    (o.signalDbm != null && o.signalDbm < T.weakSignalDbm)
  )
    return 'weak';
  return 'good';
}

function hasPosition(o: Observed): o is Observed & LatLng {
  return typeof o.lat === 'number' && typeof o.lng === 'number';
}

/** Whether the observation was made at the TPS (design: survey, no position, or within 1 km).
 *  Without a TPS position nothing says an observation was made elsewhere, so every one counts. */
export function atTps(o: Observed, tps?: LatLng): boolean {
  if (o.source === 'survey' || !hasPosition(o) || !tps) return true;
  return distanceKm(o, tps) <= T.atTpsKm;
}

export type Classification = {
  class: ConnectivityClass;
  /** The recency-weighted mean rating, 0 to 1; null when no observation was made at the TPS. */
  score: number | null;
  /** The total weight behind the score. */
  weight: number;
  /** How many observations were made at the TPS (counted, whatever their weight). */
  used: number;
};

/** The TPS's class at `now` from its observations (those not made at the TPS are left out; an
 *  observation with an unreadable time too). An observation timed after `now` weighs as if made
 *  at `now`. */
export function classifyTps(observations: Observed[], now: Date, tps?: LatLng): Classification {
  const nowMs = now.getTime();
  let weight = 0;
  let sum = 0;
  let used = 0;
  for (const o of observations) {
    if (!atTps(o, tps)) continue;
    const t = Date.parse(o.at);
    if (Number.isNaN(t)) continue;
    used++;
    const age = nowMs - t;
    const base = o.source === 'survey' ? T.surveyWeight : T.sendWeight;
    // A power of two, so whole half-lives are exact (a week-old survey weighs 1, not 0.99...).
    const w = age > 0 ? base * Math.pow(2, -age / HALF_LIFE_MS) : base;
    weight += w;
    sum += w * T.ratingValue[rateObservation(o)];
  }
  const score = weight > 0 ? sum / weight : null;
  let cls: ConnectivityClass;
  if (score === null || weight < T.minWeight) cls = 'unknown';
  else if (score >= T.goodScore) cls = 'good';
  else if (score >= T.weakScore) cls = 'weak';
  else cls = 'none';
  return { class: cls, score, weight, used };
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1
    ? (values[mid] as number)
    : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

/** Median of the survey observations with accuracy <= 100 m, or undefined. Latitude and longitude
 *  are medians of their own (one stray reading does not move it). A missing accuracy is not good
 *  enough. */
export function surveyPosition(observations: Observed[]): LatLng | undefined {
  const lats: number[] = [];
  const lngs: number[] = [];
  for (const o of observations) {
    if (o.source !== 'survey' || !hasPosition(o)) continue;
    if (o.accuracyM === undefined || !(o.accuracyM <= T.surveyPositionAccuracyM)) continue;
    lats.push(o.lat);
    lngs.push(o.lng);
  }
  if (lats.length === 0) return undefined;
  return { lat: median(lats), lng: median(lngs) };
}

/** The Earth's mean radius, km: the one geokdbush uses, so the planner's search and its reported
 *  distances agree. */
export const EARTH_RADIUS_KM = 6371;
const RAD = Math.PI / 180;

/** Great-circle distance, km (haversine). */
export function distanceKm(a: LatLng, b: LatLng): number {
  const sLat = Math.sin(((b.lat - a.lat) * RAD) / 2);
  const sLng = Math.sin(((b.lng - a.lng) * RAD) / 2);
  const h = sLat * sLat + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * sLng * sLng;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial great-circle bearing from `from` to `to`, degrees clockwise from north, in [0, 360)
 *  (0 for the same point). */
export function bearingDeg(from: LatLng, to: LatLng): number {
  const p1 = from.lat * RAD;
  const p2 = to.lat * RAD;
  const dl = (to.lng - from.lng) * RAD;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  const deg = (Math.atan2(y, x) / RAD + 360) % 360;
  // A bearing a hair below 0 comes out of the modulo as 360.
  return deg >= 360 ? 0 : deg;
}

export const COMPASS_POINTS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const;
export type CompassPoint = (typeof COMPASS_POINTS)[number];

/** The bearing as one of eight compass points, each 45 degrees wide and centred on its direction
 *  (N is [337.5, 22.5)); a bearing on a boundary goes to the next point clockwise. */
export function compassPoint(deg: number): CompassPoint {
  const d = ((deg % 360) + 360) % 360;
  return COMPASS_POINTS[Math.floor((d + 22.5) / 45) % 8] as CompassPoint;
}
