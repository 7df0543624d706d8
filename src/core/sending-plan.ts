// Where a blank-spot or weak TPS sends its results from (issue 14, docs/design/blank-spot-map.md
// "Sending points"): the nearest point where a phone observed good signal, within reach.
//
// Candidates are observations rated good that carry a position accurate to 500 m, made by any
// TPS's phone (a KPPS officer riding to the kecamatan office sends on the way, and that point
// helps the neighbours). They are indexed once with kdbush (a static k-d tree over coordinates
// only, so the candidates' other fields stay in our own arrays, by index) and searched with
// geokdbush, whose nearest-neighbour search uses great-circle distances. Pure: no I/O.
import KDBush from 'kdbush';
import { around } from 'geokdbush';
import {
  bearingDeg,
  compassPoint,
  distanceKm,
  rateObservation,
  type CompassPoint,
  type LatLng,
  type Observed,
} from './connectivity.ts';

/** A point where good signal was observed. */
export type Candidate = {
  lat: number;
  lng: number;
  /** When it was observed (ISO 8601). */
  at: string;
  /** The TPS whose phone observed it. */
  by: string;
  connection: string;
};

export type SendingPointFound = Candidate & {
  /** As the crow flies from the TPS. */
  distanceKm: number;
  /** From the TPS to the point, clockwise from north, [0, 360). */
  bearingDeg: number;
  direction: CompassPoint;
  travelMinutes: number;
};

export const PLAN_LIMITS = {
  /** Farther than this a point is no use (km, as the crow flies). */
  maxKm: 30,
  /** A candidate's position must be at least this accurate (m). */
  candidateAccuracyM: 500,
  /** Roads are not straight: the road distance is about this times the crow-flies distance. */
  detour: 1.4,
  /** A motorbike on village roads (km/h). */
  speedKmh: 20,
} as const;

/** Expected minutes to travel to a point `distanceKm` away as the crow flies (5 km: 21 minutes). */
export function travelMinutes(distanceKm: number): number {
  return (distanceKm * PLAN_LIMITS.detour * 60) / PLAN_LIMITS.speedKmh;
}

/** Whether an observation may be a sending point: rated good, with a position of accuracy <= 500 m
 *  (a missing accuracy is not good enough). */
export function isCandidate(o: Observed): boolean {
  return (
    typeof o.lat === 'number' &&
    typeof o.lng === 'number' &&
    o.accuracyM !== undefined &&
    o.accuracyM <= PLAN_LIMITS.candidateAccuracyM &&
    rateObservation(o) === 'good'
  );
}

/** The candidates' coordinates, by index, and a way to get the rest of a candidate by its index
 *  (called only for answers, so a large set can keep its fields in compact form). */
export type CandidateColumns = {
  lat: ArrayLike<number>;
  lng: ArrayLike<number>;
  describe(i: number): Omit<Candidate, 'lat' | 'lng'>;
};

/** An index of the candidate sending points, built once and asked many times. */
export class SendingPoints {
  readonly size: number;
  readonly #index: KDBush | null;
  readonly #columns: CandidateColumns;

  private constructor(columns: CandidateColumns, size: number) {
    this.size = size;
    this.#columns = columns;
    if (size === 0) {
      this.#index = null;
      return;
    }
    const index = new KDBush(size, 64, Float64Array);
    for (let i = 0; i < size; i++) index.add(columns.lng[i] as number, columns.lat[i] as number);
    this.#index = index.finish();
  }

  static of(candidates: readonly Candidate[]): SendingPoints {
    return new SendingPoints(
      {
        lat: candidates.map((c) => c.lat),
        lng: candidates.map((c) => c.lng),
        describe: (i) => {
          const { at, by, connection } = candidates[i] as Candidate;
          return { at, by, connection };
        },
      },
      candidates.length,
    );
  }

  /** From columns (typed arrays, for a national set): `lat` and `lng` of equal length. */
  static fromColumns(columns: CandidateColumns): SendingPoints {
    if (columns.lat.length !== columns.lng.length)
      throw new Error('SendingPoints.fromColumns: lat and lng differ in length');
    return new SendingPoints(columns, columns.lat.length);
  }

  /** The nearest candidate within maxKm (default PLAN_LIMITS.maxKm), with distanceKm, bearingDeg,
   *  direction (compassPoint), travelMinutes; undefined when none. */
  nearest(at: LatLng, maxKm: number = PLAN_LIMITS.maxKm): SendingPointFound | undefined {
    if (!this.#index) return undefined;
    const [id] = around(this.#index, at.lng, at.lat, 1, maxKm);
    if (id === undefined) return undefined;
    const point = { lat: this.#columns.lat[id] as number, lng: this.#columns.lng[id] as number };
    const d = distanceKm(at, point);
    const bearing = d === 0 ? 0 : bearingDeg(at, point);
    return {
      ...point,
      ...this.#columns.describe(id),
      distanceKm: d,
      bearingDeg: bearing,
      direction: compassPoint(bearing),
      travelMinutes: travelMinutes(d),
    };
  }
}
