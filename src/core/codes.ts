// Kemendagri region codes and TPS codes. KPU packs them without dots (`1608011007001`); Rekap
// accepts both and stores the dotted form (`16.08.01.1007.001`).

declare const regionBrand: unique symbol;
declare const tpsBrand: unique symbol;

/** A region: `id` (the nation), `16`, `16.08`, `16.08.01` or `16.08.01.1007`. */
export type RegionCode = string & { readonly [regionBrand]: true };
/** A polling station: desa code + 3-digit TPS number, `16.08.01.1007.001`. */
export type TpsCode = string & { readonly [tpsBrand]: true };

export const NATION_CODE = 'id' as RegionCode;

export type RegionLevel = 'nasional' | 'provinsi' | 'kabupaten' | 'kecamatan' | 'desa';
export const REGION_LEVELS: readonly RegionLevel[] = [
  'nasional',
  'provinsi',
  'kabupaten',
  'kecamatan',
  'desa',
];

const DOTTED_REGION = /^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$/;
const DOTTED_TPS = /^\d{2}\.\d{2}\.\d{2}\.\d{4}\.\d{3}$/;

/** Turns a packed KPU code (2, 4, 6, 10 or 13 digits) into the dotted form; other input is returned as is. */
export function dotted(code: string): string {
  const c = code.trim();
  if (!/^\d+$/.test(c)) return c;
  const cuts = [2, 4, 6, 10, 13];
  if (!cuts.includes(c.length)) return c;
  const parts: string[] = [];
  let start = 0;
  for (const end of cuts) {
    if (end > c.length) break;
    parts.push(c.slice(start, end));
    start = end;
  }
  return parts.join('.');
}

/** The packed KPU form of a dotted code (`16.08.01.1007.001` -> `1608011007001`). */
export function packed(code: RegionCode | TpsCode): string {
  return code === NATION_CODE ? code : code.replaceAll('.', '');
}

export function parseRegionCode(input: string): RegionCode | undefined {
  const c = input.trim().toLowerCase() === 'id' ? 'id' : dotted(input);
  if (c === 'id' || DOTTED_REGION.test(c)) return c as RegionCode;
  return undefined;
}

export function parseTpsCode(input: string): TpsCode | undefined {
  const c = dotted(input);
  return DOTTED_TPS.test(c) ? (c as TpsCode) : undefined;
}

export function regionLevel(code: RegionCode): RegionLevel {
  if (code === NATION_CODE) return 'nasional';
  const depth = code.split('.').length;
  const level = REGION_LEVELS[depth];
  if (!level) throw new Error(`not a region code: ${code}`);
  return level;
}

/** The region one step up; the nation for a province. */
export function parentRegion(code: RegionCode): RegionCode | undefined {
  if (code === NATION_CODE) return undefined;
  const i = code.lastIndexOf('.');
  return (i < 0 ? NATION_CODE : code.slice(0, i)) as RegionCode;
}

function tpsDesa(code: TpsCode): RegionCode {
  return code.slice(0, code.lastIndexOf('.')) as RegionCode;
}

export function tpsNumber(code: TpsCode): number {
  return Number(code.slice(code.lastIndexOf('.') + 1));
}

export function makeTpsCode(desa: RegionCode, number: number): TpsCode {
  return `${desa}.${String(number).padStart(3, '0')}` as TpsCode;
}

/** The desa, kecamatan, kabupaten, provinsi and the nation above a TPS, nearest first. */
export function ancestorsOfTps(code: TpsCode): RegionCode[] {
  const out: RegionCode[] = [];
  let r: RegionCode | undefined = tpsDesa(code);
  while (r) {
    out.push(r);
    r = parentRegion(r);
  }
  return out;
}

/** True when `region` is `code` itself or lies above it. */
export function regionContains(region: RegionCode, code: RegionCode | TpsCode): boolean {
  return region === NATION_CODE || code === region || code.startsWith(`${region}.`);
}
