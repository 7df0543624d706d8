import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  formatNumber,
  formatPercent,
  formatTime,
  otherLang,
  storedLang,
  translate,
  type Dictionary,
} from './i18n.ts';

const DICT = {
  hello: { id: 'Halo {name}', en: 'Hello {name}' },
  of: { id: '{a} dari {b}', en: '{a} of {b}' },
} as const satisfies Dictionary;

/** A Storage that keeps its items in a Map, as a browser's localStorage would. */
function memoryStorage(items: Record<string, string> = {}) {
  const map = new Map(Object.entries(items));
  return {
    getItem: vi.fn((k: string) => map.get(k) ?? null),
    setItem: (k: string, v: string) => void map.set(k, v),
    map,
  };
}

afterEach(() => vi.unstubAllGlobals());

describe('translate', () => {
  it('fills placeholders and leaves unknown ones as written', () => {
    expect(translate(DICT, 'id', 'of', { a: 3, b: '7' })).toBe('3 dari 7');
    expect(translate(DICT, 'en', 'hello')).toBe('Hello {name}');
  });
});

describe('storedLang', () => {
  it('reads the stored language when first asked, not when made', () => {
    const storage = memoryStorage({ k: 'en' });
    vi.stubGlobal('localStorage', storage);
    const lang = storedLang('k');
    expect(storage.getItem).not.toHaveBeenCalled();
    expect(lang.get()).toBe('en');
    lang.set('id');
    expect(lang.get()).toBe('id');
    expect(storage.map.get('k')).toBe('id');
  });

  it('is Bahasa Indonesia by default, and works for the visit without storage', () => {
    vi.stubGlobal('localStorage', memoryStorage({ k: 'fr' }));
    expect(storedLang('k').get()).toBe('id');
    vi.stubGlobal('localStorage', undefined);
    const lang = storedLang('k');
    expect(lang.get()).toBe('id');
    lang.set(otherLang(lang.get()));
    expect(lang.get()).toBe('en');
  });
});

describe('numbers and dates', () => {
  it('writes numbers the Indonesian way in either language', () => {
    expect(formatNumber(1234567)).toBe('1.234.567');
    expect(formatPercent(5678, 10000)).toBe('56,78%');
    expect(formatPercent(1, 0)).toBe('–');
  });

  it('names the time zone and keeps a string that is not a date', () => {
    expect(formatTime('2024-02-14T12:00:00Z', 'en')).toMatch(/^14 Feb 2024/);
    expect(formatTime('not a date', 'id')).toBe('not a date');
  });
});
