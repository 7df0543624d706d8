// Sirekap's published TPS JSON (`hhcw/ppwp/<prov>/<kab>/<kec>/<desa>/<tps>.json`, one object a
// line with the `tps_code` added) as an audit record. Sirekap leaves much empty (`chart` or
// `administrasi` null, a candidate null): that is a finding of the record, never an error here.
// It carries no section II (ballot papers) and no section III (disabled voters).
import { dotted, parseTpsCode } from '../codes.ts';
import { err, ok, type Result } from '../result.ts';
import type { AuditRecord } from './types.ts';

/** Sirekap's ids of the 2024 PPWP pairs, in pair order. */
const SIREKAP_PPWP_PAIRS: Readonly<Record<string, string>> = {
  '1': '100025',
  '2': '100026',
  '3': '100027',
};

const ADMIN: [path: string, key: string][] = [
  ['dpt.l', 'pemilih_dpt_l'],
  ['dpt.p', 'pemilih_dpt_p'],
  ['dpt.total', 'pemilih_dpt_j'],
  ['voters.dpt.l', 'pengguna_dpt_l'],
  ['voters.dpt.p', 'pengguna_dpt_p'],
  ['voters.dpt.total', 'pengguna_dpt_j'],
  ['voters.dptb.l', 'pengguna_dptb_l'],
  ['voters.dptb.p', 'pengguna_dptb_p'],
  ['voters.dptb.total', 'pengguna_dptb_j'],
  ['voters.dpk.l', 'pengguna_non_dpt_l'],
  ['voters.dpk.p', 'pengguna_non_dpt_p'],
  ['voters.dpk.total', 'pengguna_non_dpt_j'],
  ['voters.total.l', 'pengguna_total_l'],
  ['voters.total.p', 'pengguna_total_p'],
  ['voters.total.total', 'pengguna_total_j'],
  ['valid', 'suara_sah'],
  ['invalid', 'suara_tidak_sah'],
  ['total', 'suara_total'],
];

/** The fields a Sirekap PPWP record maps to, in form order. */
export const SIREKAP_FIELDS: readonly string[] = [
  ...Object.keys(SIREKAP_PPWP_PAIRS).map((k) => `votes.${k}`),
  ...ADMIN.map(([p]) => p),
];

/** A record, or why the line is not one (for people). */
export type SirekapParse = Result<AuditRecord, string>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;

/** One parsed JSON value (a line of the file) as a record, or why it is not one. */
export function fromSirekap(json: unknown): SirekapParse {
  if (!isObject(json)) return err('not a JSON object');
  const code = typeof json.tps_code === 'string' ? parseTpsCode(json.tps_code) : undefined;
  if (!code) return err('tps_code missing or not a TPS code');
  const chart = json.chart;
  const admin = json.administrasi;
  if (chart != null && !isObject(chart)) return err('chart is not an object');
  if (admin != null && !isObject(admin)) return err('administrasi is not an object');
  const values: Record<string, number | null> = {};
  for (const [k, id] of Object.entries(SIREKAP_PPWP_PAIRS))
    values[`votes.${k}`] = chart ? count(chart[id]) : null;
  for (const [path, key] of ADMIN) values[path] = admin ? count(admin[key]) : null;
  const photos = Array.isArray(json.images)
    ? json.images.map((u) => (typeof u === 'string' && u ? u : null))
    : [];
  return ok({ tps: dotted(code), ballot: 'ppwp', voteKeys: ['1', '2', '3'], values, photos });
}

/** A line of a Sirekap JSONL file; blank lines give undefined. */
export function parseSirekapLine(line: string): SirekapParse | undefined {
  if (line.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (e) {
    return err(`malformed JSON: ${(e as Error).message}`);
  }
  return fromSirekap(json);
}
