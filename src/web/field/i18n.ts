// The field app's strings in the reader's language: `t` looks a key up in field/strings.ts in the
// language chosen on the switch (kept on the phone, read when first asked), and the review and
// witness screens name the form's fields with `fieldSection` and `fieldLabel`.
import { storedLang, translate, type Lang } from '../shared/i18n.ts';
import { FIELD_STRINGS, type Key } from './strings.ts';

const lang = storedLang('rekap-kpps-lang');

export const currentLang = (): Lang => lang.get();

export function setLang(next: Lang): void {
  lang.set(next);
  document.documentElement.lang = next;
}

export const t = (key: Key, vars?: Record<string, string | number>): string =>
  translate(FIELD_STRINGS, lang.get(), key, vars);

/** The section of the printed form a field belongs to (I.A, I.B, II, III, IV, V). */
export function fieldSection(path: string): string {
  const head = path.split('.')[0];
  const sections: Record<string, string> = {
    dpt: 'I.A',
    voters: 'I.B',
    ballots: 'II',
    disabled: 'III',
    votes: 'IV',
  };
  return sections[head ?? ''] ?? 'V';
}

/** The field's label, from its dotted path. */
export function fieldLabel(path: string): string {
  const [a, b, c] = path.split('.');
  if (a === 'dpt') return `DPT · ${t(b as 'l' | 'p' | 'total')}`;
  if (a === 'voters') return `${t(`g_${b}` as Key)} · ${t(c as 'l' | 'p' | 'total')}`;
  if (a === 'ballots') return t(b as Key);
  if (a === 'disabled') return t(b as 'l' | 'p' | 'total');
  if (a === 'votes') return t('pairN', { n: b ?? '' });
  if (a === 'total') return t('vtotal');
  return t(a as Key);
}
