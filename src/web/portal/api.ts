// The public read API as the portal sees it (DESIGN.md section 3, /api/v1). Only types are
// imported from core, so the bundle stays small.
import type { Finding } from '../../core/anomaly/types.ts';
import type { CHasil } from '../../core/chasil.ts';
import type { RegionLevel } from '../../core/codes.ts';
import type { Text } from '../../core/rules.ts';

export type PairInfo = { number: number; names: string[] };

export type Meta = {
  /** Null before an election is loaded. */
  election: { name: string; demo: boolean } | null;
  contests: { ballot: string; kind: string; scope: string; pairs?: PairInfo[] }[];
};

export type Progress = { tpsReported: number; tpsTotal: number };
export type Totals = {
  votes: Record<string, number>;
  valid: number;
  invalid: number;
  total?: number;
};
export type TpsStatus = 'none' | 'counted' | 'flagged';
export type Level = RegionLevel | 'tps';
export type PlaceRef = { code: string; name: string; level: Level };

export type RegionResult = PlaceRef & {
  ballot: string;
  parents: PlaceRef[];
  progress: Progress;
  totals: Totals;
  children: (PlaceRef & { progress: Progress; totals: Totals; status?: TpsStatus })[];
};

export type Flag = { rule: string; fields: string[]; message: Text };
export type Photo = {
  sha256: string;
  url: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
};

export type TpsVersion = {
  id: string;
  version: number;
  hash: string;
  chainHash?: string;
  receivedAt: string;
  uploader?: string | null;
  status: 'clean' | 'flagged';
  counted: boolean;
  flags: Flag[];
  result: CHasil;
  photos: Photo[];
};

export type TpsResult = PlaceRef & {
  ballot: string;
  parents: PlaceRef[];
  dpt: number | null;
  status: TpsStatus;
  counted: { version: number; submissionId: string } | null;
  /** Newest first. */
  versions: TpsVersion[];
  /**
   * The anomaly engine's findings for the current result (the counted version, else the newest);
   * empty when none. Absent from servers that predate the engine.
   */
  anomalies?: Finding[];
  /** Numbers imported from another source (`rekap import sirekap`); null or absent when none. */
  external?: External | null;
};

export type { Finding };

/**
 * Another source's numbers for the TPS. `result` is keyed like Rekap's fields (`dpt.l`,
 * `voters.dpt.total`, `votes.1`, `valid`): flat dotted keys or the nested shape of a result are
 * both read. Null where the source left the field empty.
 */
export type External = {
  source: 'sirekap';
  importedAt: string;
  result: ExternalValues;
};
export type ExternalValues = { [key: string]: number | null | ExternalValues | undefined };

/** The external value at a dotted field path; null when the source has none. */
export function externalValue(values: ExternalValues, path: string): number | null {
  const flat = values[path];
  if (typeof flat === 'number') return flat;
  let at: ExternalValues | number | null | undefined = values;
  for (const part of path.split('.')) {
    if (at === null || at === undefined || typeof at === 'number') return null;
    at = at[part];
  }
  return typeof at === 'number' ? at : null;
}

export type Fetched<T> =
  { ok: true; value: T; text: string } | { ok: false; notFound: boolean; message: string };

/** GETs JSON; the raw text comes back too, so a refresh can tell whether anything changed. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<Fetched<T>> {
  try {
    const res = await fetch(path, {
      headers: { accept: 'application/json' },
      cache: 'no-store',
      signal: signal ?? null,
    });
    const text = await res.text();
    if (!res.ok) return { ok: false, notFound: res.status === 404, message: `HTTP ${res.status}` };
    return { ok: true, value: JSON.parse(text) as T, text };
  } catch (e) {
    return { ok: false, notFound: false, message: e instanceof Error ? e.message : String(e) };
  }
}

export const BALLOT = 'ppwp';

export const metaUrl = () => '/api/v1/meta';
export const regionUrl = (code: string) =>
  `/api/v1/results/${encodeURIComponent(code)}?ballot=${BALLOT}`;
export const tpsUrl = (code: string) => `/api/v1/tps/${encodeURIComponent(code)}?ballot=${BALLOT}`;
