// The map page's values in words, in the page's language: a class ("Sinyal lemah"), a distance
// ("4,1 km"), a compass point ("timur laut"), a travel time ("1 jam 5 menit"), a connection, the
// counts summary. Pure: no DOM, so the list, the panel and the legend all say the same.
import type {
  ConnectivityClassName,
  ConnectivityCounts,
  SendingPoint,
} from '../../contract/connectivity.ts';
import { translate, type Lang } from '../shared/i18n.ts';
import { formatNumber, numberLocale } from '../portal/format.ts';
import { PETA_STRINGS, type PetaStringKey } from './strings.ts';

export const t = (lang: Lang, key: PetaStringKey, vars?: Record<string, string | number>) =>
  translate(PETA_STRINGS, lang, key, vars);

/**
 * The colour of each class, from the Okabe-Ito palette (told apart with every kind of colour
 * blindness): bluish green, orange, vermillion, grey. The legend and the panel say the class in
 * words too, and a blank spot is drawn larger with a dark ring, so no reader depends on colour.
 */
export const CLASS_COLOURS: Record<ConnectivityClassName, string> = {
  good: '#009e73',
  weak: '#e69f00',
  none: '#d55e00',
  unknown: '#8c8c8c',
};

/** The order classes are listed in: the ones that need a plan first. */
export const CLASS_ORDER: readonly ConnectivityClassName[] = ['none', 'weak', 'good', 'unknown'];

export const classWords = (lang: Lang, c: ConnectivityClassName): string => t(lang, `class_${c}`);

export const directionWords = (lang: Lang, d: SendingPoint['direction']): string =>
  t(lang, `dir_${d}`);

const oneDecimal = new Map<Lang, Intl.NumberFormat>();

/** A distance in kilometres with one decimal: `4,1 km` (id), `4.1 km` (en). */
export function formatKm(lang: Lang, km: number): string {
  let f = oneDecimal.get(lang);
  if (!f)
    oneDecimal.set(
      lang,
      (f = new Intl.NumberFormat(numberLocale(lang), {
        minimumFractionDigits: 1,
        maximumFractionDigits: 1,
      })),
    );
  return `${f.format(km)} km`;
}

/** A score in [0, 1] with two decimals (`0,75`), a dash when there is none. */
export function formatScore(lang: Lang, score: number | null): string {
  if (score === null) return '–';
  return score.toLocaleString(numberLocale(lang), {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
}

/** Minutes of travel, whole: `21 menit`, `1 jam 5 menit`. */
export function formatTravel(lang: Lang, minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return t(lang, 'minutes', { m });
  return t(lang, 'hoursMinutes', { h: Math.floor(m / 60), m: m % 60 });
}

/** A connection as the field app reports it: `4G`, `Wi-Fi`, `tidak ada sinyal`. */
export function connectionWords(lang: Lang, connection: string): string {
  if (connection === 'none') return t(lang, 'conn_none');
  if (connection === 'wifi') return t(lang, 'conn_wifi');
  if (connection === 'unknown') return t(lang, 'conn_unknown');
  return connection.toUpperCase();
}

/** "2.180 TPS: 1.400 baik · 600 lemah · 90 blank spot · 90 belum diketahui". */
export function countsSummary(lang: Lang, counts: ConnectivityCounts): string {
  const n = (x: number) => formatNumber(lang, x);
  const total = counts.good + counts.weak + counts.none + counts.unknown;
  return t(lang, 'summary', {
    total: n(total),
    good: n(counts.good),
    weak: n(counts.weak),
    none: n(counts.none),
    unknown: n(counts.unknown),
  });
}

/** "4,1 km ke arah timur laut". */
export function sendingWords(lang: Lang, p: SendingPoint): string {
  return t(lang, 'sendingAt', {
    distance: formatKm(lang, p.distanceKm),
    direction: directionWords(lang, p.direction),
  });
}
