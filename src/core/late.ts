// Election night's late list (issue 14, docs/design/blank-spot-map.md "Election night"): when a
// region's TPS were expected to have sent (the median time at which those that sent did, once at
// least half have), how many of the others are late by class and by hours, and which blank-spot
// TPS to chase: those later than the trip to their sending point and back, plus half an hour.
// Pure: a function of the region's TPS (the connectivity map's properties) and the time.
import type { CompassPoint, ConnectivityClass } from './connectivity.ts';

export const LATE_BUCKETS = ['lt1', '1to2', '2to4', 'gt4'] as const;
export type LateBucket = (typeof LATE_BUCKETS)[number];

const CLASSES = ['good', 'weak', 'none', 'unknown'] as const satisfies readonly ConnectivityClass[];

export const LATE_RULES = {
  /** A blank-spot TPS is raised once later than this many times its travel (there and back) ... */
  travelFactor: 2,
  /** ... plus this many minutes (counting, signing, the forms). */
  slackMinutes: 30,
} as const;

/** The part of a sending point the late list reads (the contract's SendingPoint has it). */
export type SendingPointLike = {
  distanceKm: number;
  direction: CompassPoint;
  travelMinutes: number;
};

/** The part of a TPS's connectivity the late list reads (the contract's TpsConnectivity has it). */
export type LateTps<P extends SendingPointLike = SendingPointLike> = {
  tps: string;
  name: string;
  class: ConnectivityClass;
  sendingPoint: P | null;
  upload: { sent: boolean; receivedAt: string | null };
};

export type RaisedTps<P extends SendingPointLike = SendingPointLike> = {
  tps: string;
  name: string;
  class: ConnectivityClass;
  hoursLate: number;
  sendingPoint: P | null;
  /** Why it is raised, in Bahasa Indonesia. */
  reason: string;
};

export type LateReport<P extends SendingPointLike = SendingPointLike> = {
  now: string;
  expectedAt: string | null;
  notSent: Record<ConnectivityClass, Record<LateBucket, number>>;
  raised: RaisedTps<P>[];
};

/** The eight compass points in Indonesian, as a plan or an officer says them. */
export const DIRECTION_WORDS: Record<CompassPoint, string> = {
  N: 'utara',
  NE: 'timur laut',
  E: 'timur',
  SE: 'tenggara',
  S: 'selatan',
  SW: 'barat daya',
  W: 'barat',
  NW: 'barat laut',
};

const HOUR_MS = 60 * 60 * 1000;

/** The bucket of a lateness in hours: under 1, 1 to under 2, 2 to under 4, 4 and over. */
export function lateBucket(hours: number): LateBucket {
  if (hours < 1) return 'lt1';
  if (hours < 2) return '1to2';
  if (hours < 4) return '2to4';
  return 'gt4';
}

/** When the region's TPS were expected to have sent: the median of the times those that sent
 *  were received (the mean of the middle two for an even count), or null while fewer than half
 *  of the region's TPS have sent. */
export function expectedAt(tps: readonly LateTps[]): Date | null {
  const times = tps
    .filter((t) => t.upload.sent && t.upload.receivedAt !== null)
    .map((t) => Date.parse(t.upload.receivedAt!))
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);
  if (times.length === 0 || times.length * 2 < tps.length) return null;
  const mid = times.length >> 1;
  const ms = times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return new Date(Math.round(ms));
}

/** The minutes a blank-spot TPS may be late before it is raised: twice its travel plus the slack;
 *  without a sending point, none (raised as soon as it is late). */
export function allowedMinutes(point: SendingPointLike | null): number {
  return point ? LATE_RULES.travelFactor * point.travelMinutes + LATE_RULES.slackMinutes : 0;
}

/** A number the Indonesian way, with a decimal comma: 2.345 -> "2,3". */
const idNumber = (n: number, digits = 1) =>
  n.toLocaleString('id-ID', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Why a blank-spot TPS is raised: "Blank spot, 2,3 jam terlambat; titik kirim 4,1 km ke timur
 *  laut, perjalanan ±17 menit". */
export function raiseReason(hoursLate: number, point: SendingPointLike | null): string {
  const late = `Blank spot, ${idNumber(hoursLate)} jam terlambat`;
  return point
    ? `${late}; titik kirim ${idNumber(point.distanceKm)} km ke ${DIRECTION_WORDS[point.direction]}, perjalanan ±${Math.round(point.travelMinutes)} menit`
    : `${late}; tidak ada titik kirim dengan sinyal baik dalam jangkauan`;
}

/** The late list of a region's TPS at `now`. */
export function lateReport<P extends SendingPointLike>(
  tps: readonly LateTps<P>[],
  now: Date,
): LateReport<P> {
  const expected = expectedAt(tps);
  const lateMs = expected ? Math.max(0, now.getTime() - expected.getTime()) : 0;
  const hoursLate = lateMs / HOUR_MS;
  const bucket = lateBucket(hoursLate);
  const notSent = Object.fromEntries(
    CLASSES.map((c) => [c, Object.fromEntries(LATE_BUCKETS.map((b) => [b, 0]))]),
  ) as LateReport['notSent'];
  const raised: (RaisedTps<P> & { over: number })[] = [];
  for (const t of tps) {
    if (t.upload.sent) continue;
    notSent[t.class][bucket]++;
    if (t.class !== 'none' || lateMs === 0) continue;
    const over = lateMs / 60_000 - allowedMinutes(t.sendingPoint);
    if (over <= 0) continue;
    raised.push({
      tps: t.tps,
      name: t.name,
      class: t.class,
      hoursLate: Math.round(hoursLate * 100) / 100,
      sendingPoint: t.sendingPoint,
      reason: raiseReason(hoursLate, t.sendingPoint),
      over,
    });
  }
  // Every TPS of a region has the same expected time, so "most late" is the one furthest past its
  // allowance: no sending point first, then the shortest trips; the TPS code breaks ties.
  raised.sort((a, b) => b.over - a.over || (a.tps < b.tps ? -1 : a.tps > b.tps ? 1 : 0));
  return {
    now: now.toISOString(),
    expectedAt: expected ? expected.toISOString() : null,
    notSent,
    raised: raised.map(({ over: _over, ...r }) => r),
  };
}
