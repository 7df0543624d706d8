// The web apps' one i18n mechanism, for the portal and the field app alike: the reader's language
// (Bahasa Indonesia first, English on the switch) and where it is kept, the lookup of a string in an
// app's dictionary, and numbers and dates written the way KPU writes them. Each app keeps its own
// strings in its own dictionary (portal/strings.ts, field/strings.ts).
import type { Text } from '../../core/rules.ts';

export type Lang = keyof Text;

/** An app's strings: every key in Bahasa Indonesia and English. */
export type Dictionary = Record<string, Text>;

/** The label of the language switch, the same in both apps: it names the other language. */
export const SWITCH_LANG = { id: 'English', en: 'Bahasa Indonesia' } as const satisfies Text;

/** The string `key` of `dict` in `lang`, with `{name}` placeholders filled from `vars`. */
export function translate<D extends Dictionary>(
  dict: D,
  lang: Lang,
  key: keyof D,
  vars: Record<string, string | number> = {},
): string {
  return dict[key]![lang].replace(/\{(\w+)\}/g, (m, name: string) => {
    const v = vars[name];
    return v === undefined ? m : String(v);
  });
}

/** The reader's language, as a value read when asked and changed by the switch. */
type LangChoice = { get(): Lang; set(lang: Lang): void };

/**
 * The language kept in localStorage under `storageKey`: read on the first `get` (not when the
 * module loads), Bahasa Indonesia unless English was chosen. Without storage (private mode) the
 * choice still holds for this visit.
 */
export function storedLang(storageKey: string): LangChoice {
  let lang: Lang | undefined;
  return {
    get: () => (lang ??= load(storageKey)),
    set: (next) => {
      lang = next;
      try {
        localStorage.setItem(storageKey, next);
      } catch {
        // Not remembered; the switch still works for this visit.
      }
    },
  };
}

function load(storageKey: string): Lang {
  try {
    if (localStorage.getItem(storageKey) === 'en') return 'en';
  } catch {
    // Storage can be unavailable (private mode); fall through to the default.
  }
  return 'id';
}

export const otherLang = (lang: Lang): Lang => (lang === 'id' ? 'en' : 'id');

/** The locale dates are written in for a reader of `lang`. */
export const dateLocale = (lang: Lang): string => (lang === 'id' ? 'id-ID' : 'en-GB');

/** Numbers the Indonesian way, whatever the language: `1.234.567`. */
export function formatNumber(n: number): string {
  return n.toLocaleString('id-ID');
}

/** A share as an Indonesian percentage (`56,78%`); a dash when there is nothing to divide. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '–';
  const pct = (100 * part) / whole;
  return `${pct.toLocaleString('id-ID', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}%`;
}

/** A moment in the reader's time zone, named, e.g. `14 Feb 2024 13.05.09 WIB`. */
export function formatTime(iso: string, lang: Lang): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(dateLocale(lang), {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
  });
}
