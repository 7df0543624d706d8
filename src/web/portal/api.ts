// The public read API as the portal sees it (DESIGN.md section 3, /api/v1). Only types are
// imported from core, so the bundle stays small.
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
};

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
