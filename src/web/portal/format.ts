// Numbers, shares and times in the page's language, for every portal view: Bahasa Indonesia writes
// `2.158` and `56,78%`, English `2,158` and `56.78%`. One Intl formatter per language and shape,
// made once.
import type { Lang } from '../shared/i18n.ts';

/** The locale numbers are written in for a reader of `lang`. */
export const numberLocale = (lang: Lang): string => (lang === 'id' ? 'id-ID' : 'en');

const memo = <T>(make: (lang: Lang) => T) => {
  const made = new Map<Lang, T>();
  return (lang: Lang): T => {
    let f = made.get(lang);
    if (!f) made.set(lang, (f = make(lang)));
    return f;
  };
};

const integers = memo((lang) => new Intl.NumberFormat(numberLocale(lang)));
const percents = memo(
  (lang) =>
    new Intl.NumberFormat(numberLocale(lang), {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }),
);
const hours = memo(
  (lang) =>
    new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', {
      hour: '2-digit',
      minute: '2-digit',
    }),
);
const days = memo(
  (lang) =>
    new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', {
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    }),
);

/** A count: `2.158` (id), `2,158` (en). */
export const formatNumber = (lang: Lang, n: number): string => integers(lang).format(n);

/** A share as a percentage: `56,78%` (id), `56.78%` (en); a dash when there is nothing to divide. */
export function formatPercent(lang: Lang, part: number, whole: number): string {
  if (whole <= 0) return '–';
  return `${percents(lang).format((100 * part) / whole)}%`;
}

/** The time of day of a moment, in the reader's time zone: `13.00` (id), `13:00` (en). */
export function formatHour(lang: Lang, iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : hours(lang).format(d);
}

/** A moment, short, with the day and the zone: `14 Feb 13.05 WIB`. */
export function formatMoment(lang: Lang, iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : days(lang).format(d);
}
