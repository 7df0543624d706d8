// The public read API as the portal reads it: the shapes are the contract's (src/contract), and
// every answer is parsed with its schema, so an answer the portal cannot show is said to be one
// ("the server answered something this page does not understand") instead of failing deep in a
// view.
import '../shared/jitless.ts';
import type { z } from 'zod';
import type { Pair } from '../../core/ballots.ts';
import { err, ok, type Result } from '../../core/result.ts';
import type { NullableResult } from '../../contract/results.ts';

export {
  MetaSchema,
  RegionResultSchema,
  TpsResultSchema,
  type External,
  type Flag,
  type Meta,
  type Photo,
  type PlaceRef,
  type Progress,
  type RegionResult,
  type Totals,
  type TpsResult,
  type TpsStatus,
  type TpsVersion,
} from '../../contract/results.ts';
export type { Finding } from '../../core/anomaly/types.ts';

/** A pair as the portal shows it: from /meta, or only its number when /meta did not answer. */
export type PairInfo = Pick<Pair, 'number'> & { names: readonly string[] };
export type ExternalValues = NullableResult;

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

/** A read that did not give an answer the portal can show. */
export type ReadFailure = {
  /** 404: no such region or TPS. */
  notFound: boolean;
  message: string;
};

/** A read's answer, parsed, with its raw text (so a refresh can tell whether anything changed). */
export type Fetched<T> = Result<{ value: T; text: string }, ReadFailure>;

/** GETs JSON and parses it with the contract's schema for the route. */
export async function getJson<S extends z.ZodType>(
  path: string,
  schema: S,
  signal?: AbortSignal,
): Promise<Fetched<z.output<S>>> {
  try {
    const res = await fetch(path, {
      headers: { accept: 'application/json' },
      // Revalidate with the answer's ETag: an unchanged answer is a 304, not a second download.
      cache: 'no-cache',
      signal: signal ?? null,
    });
    const text = await res.text();
    if (!res.ok) return err({ notFound: res.status === 404, message: `HTTP ${res.status}` });
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return err({
        notFound: false,
        message: `unexpected answer from ${path}: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`,
      });
    }
    return ok({ value: parsed.data, text });
  } catch (e) {
    return err({ notFound: false, message: e instanceof Error ? e.message : String(e) });
  }
}

export const BALLOT = 'ppwp';

export const metaUrl = () => '/api/v1/meta';
export const regionUrl = (code: string) =>
  `/api/v1/results/${encodeURIComponent(code)}?ballot=${BALLOT}`;
export const tpsUrl = (code: string) => `/api/v1/tps/${encodeURIComponent(code)}?ballot=${BALLOT}`;
