// Navigation lives in the URL hash, so every view has a link and the back button works:
// `#/` (the nation), `#/wilayah/16.08`, `#/tps/16.08.01.1007.001`, `#/tps/16.08.01.1007.001/v/1`.

import { dotted } from '../../core/codes.ts';

export type Route =
  { kind: 'region'; code: string } | { kind: 'tps'; code: string; version: number | null };

// A code may be dotted, as KPU writes it, or packed, as Sirekap's addresses carry it
// (`#/tps/1608011017003`): both open the same page.
const REGION = /^#\/wilayah\/(id|\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?|\d{4}|\d{6}|\d{10})\/?$/;
const TPS = /^#\/tps\/(\d{2}\.\d{2}\.\d{2}\.\d{4}\.\d{3}|\d{13})(?:\/v\/(\d+))?\/?$/;

export function parseRoute(hash: string): Route {
  const r = REGION.exec(hash);
  if (r?.[1]) return { kind: 'region', code: r[1] === 'id' ? 'id' : dotted(r[1]) };
  const t = TPS.exec(hash);
  if (t?.[1]) return { kind: 'tps', code: dotted(t[1]), version: t[2] ? Number(t[2]) : null };
  return { kind: 'region', code: 'id' };
}

export const regionHref = (code: string): string => (code === 'id' ? '#/' : `#/wilayah/${code}`);
export const tpsHref = (code: string, version?: number): string =>
  version === undefined ? `#/tps/${code}` : `#/tps/${code}/v/${version}`;
export const placeHref = (code: string, level: string): string =>
  level === 'tps' ? tpsHref(code) : regionHref(code);
