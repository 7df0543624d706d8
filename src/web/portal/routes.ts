// Navigation lives in the URL hash, so every view has a link and the back button works:
// `#/` (the nation), `#/wilayah/16.08`, `#/tps/16.08.01.1007.001`, `#/tps/16.08.01.1007.001/v/1`.

import { parseRegionCode, parseTpsCode } from '../../core/codes.ts';

export type Route =
  | { kind: 'region'; code: string }
  | { kind: 'anomalies'; code: string }
  | { kind: 'tps'; code: string; version: number | null };

// A code may be dotted, as KPU writes it, or packed, as Sirekap's addresses carry it
// (`#/tps/1608011017003`): codes.ts reads both, and the route carries the dotted form.
const REGION = /^#\/wilayah\/([^/]+)\/?$/;
const TPS = /^#\/tps\/([^/]+)(?:\/v\/(\d+))?\/?$/;
const ANOMALIES = /^#\/anomali\/([^/]+)\/?$/;

export function parseRoute(hash: string): Route {
  const region = parseRegionCode(REGION.exec(hash)?.[1] ?? '');
  if (region) return { kind: 'region', code: region };
  const anomalies = parseRegionCode(ANOMALIES.exec(hash)?.[1] ?? '');
  if (anomalies) return { kind: 'anomalies', code: anomalies };
  const t = TPS.exec(hash);
  const tps = parseTpsCode(t?.[1] ?? '');
  if (t && tps) return { kind: 'tps', code: tps, version: t[2] ? Number(t[2]) : null };
  return { kind: 'region', code: 'id' };
}

export const regionHref = (code: string): string => (code === 'id' ? '#/' : `#/wilayah/${code}`);
export const anomaliesHref = (code: string): string => `#/anomali/${code}`;
export const tpsHref = (code: string, version?: number): string =>
  version === undefined ? `#/tps/${code}` : `#/tps/${code}/v/${version}`;
export const placeHref = (code: string, level: string): string =>
  level === 'tps' ? tpsHref(code) : regionHref(code);
