// The server's review status in words, Bahasa Indonesia first: what the KPPS outbox, the home
// screen, witness mode and the portal's TPS page say of a result (src/contract/version-status.ts).
// One dictionary, so that the phone, the witness and the public read the same sentence.
import type { PublicReviewReason, ReviewActor, TpsReviewStatus } from '../../contract/results.ts';
import type { PhotoRequest, VersionStatus } from '../../contract/version-status.ts';
import { translate, type Dictionary, type Lang } from './i18n.ts';

export const REVIEW_WORDS = {
  rv_received: { id: 'Diterima server', en: 'Received by the server' },
  rv_counted: { id: 'dihitung', en: 'counted' },
  rv_counted_newer: {
    id: 'dihitung; versi {v} yang lebih baru menunggu peninjauan',
    en: 'counted; the newer version {v} waits for review',
  },
  rv_flagged: {
    id: 'ditandai: {reasons}. Tidak dihitung sampai ditinjau.',
    en: 'flagged: {reasons}. Not counted until reviewed.',
  },
  rv_in_review: { id: 'sedang ditinjau: {reasons}', en: 'in review: {reasons}' },
  rv_in_review_counts: {
    id: 'sedang ditinjau: {reasons}. Tetap dihitung selama ditinjau.',
    en: 'in review: {reasons}. It keeps counting meanwhile.',
  },
  rv_photo_requested: {
    id: '{who} meminta foto baru: {reason}',
    en: '{who} asks for a new photo: {reason}',
  },
  rv_not_counted: { id: 'Belum dihitung.', en: 'Not counted yet.' },
  rv_corrected: {
    id: 'dikoreksi oleh {who}: {reason} (berita acara {reference}). Versi {v} yang dihitung.',
    en: 'corrected by {who}: {reason} (minutes {reference}). Version {v} counts.',
  },
  rv_superseded: {
    id: 'diganti oleh versi {v} dari KPPS',
    en: 'superseded by version {v} from the KPPS',
  },
  rv_unknown: { id: 'belum ada di server', en: 'not on the server yet' },
  rv_reason_reread: {
    id: 'pembacaan ulang foto oleh server berbeda ({fields})',
    en: "the server's re-read of the photos differs ({fields})",
  },
  rv_reason_objection: { id: 'ada keberatan', en: 'an objection is open' },
  rv_reason_photo: { id: 'foto baru diminta', en: 'a new photo was asked for' },
  rv_cli: { id: 'operator server', en: 'a server operator' },
  rv_state_none: { id: 'belum masuk', en: 'not yet reported' },
  rv_state_counted: { id: 'dihitung', en: 'counted' },
  rv_state_corrected: { id: 'dikoreksi', en: 'corrected' },
  rv_state_flagged: { id: 'ditandai', en: 'flagged' },
  rv_state_in_review: { id: 'sedang ditinjau', en: 'in review' },
  rv_state_photo_requested: { id: 'foto baru diminta', en: 'new photo requested' },
} as const satisfies Dictionary;

type Key = keyof typeof REVIEW_WORDS;
const w = (lang: Lang, key: Key, vars?: Record<string, string | number>) =>
  translate(REVIEW_WORDS, lang, key, vars);

/** How each role is named on the forms and in the PKPU (the same in both languages). */
const ROLE_NAMES: Record<string, string> = {
  pps: 'PPS',
  ppk: 'PPK',
  kpu_kab: 'KPU Kabupaten/Kota',
  kpu_prov: 'KPU Provinsi',
  kpu_ri: 'KPU RI',
  bawaslu: 'Bawaslu',
  saksi: 'Saksi',
  admin: 'Admin',
};

/** Who acted: the role and its region, with the account's name (`PPK 16.08.01 (ppk.belitang)`). */
export function actorWords(a: ReviewActor, lang: Lang): string {
  if (!a.role) return a.actor === 'cli' ? w(lang, 'rv_cli') : a.actor;
  const role = ROLE_NAMES[a.role] ?? a.role;
  return `${role}${a.region ? ` ${a.region}` : ''}${a.name ? ` (${a.name})` : ''}`;
}

/** The role alone, for a sentence that starts with it ("PPK meminta foto baru"). */
export const roleWords = (a: ReviewActor, lang: Lang): string =>
  a.role ? (ROLE_NAMES[a.role] ?? a.role) : w(lang, 'rv_cli');

/** An operator's request for a new photo: "PPK meminta foto baru: <reason>". */
export const photoRequestWords = (r: PhotoRequest, lang: Lang): string =>
  w(lang, 'rv_photo_requested', { who: roleWords(r.by, lang), reason: r.reason });

/** One reason in words; `label` names a field of the form (`votes.1`). */
export function reasonWords(
  r: PublicReviewReason,
  lang: Lang,
  label: (path: string) => string = (p) => p,
): string {
  switch (r.code) {
    case 'rules':
      return r.rules.map((b) => b.message[lang]).join('; ');
    case 'reread':
      return w(lang, 'rv_reason_reread', { fields: r.fields.map(label).join(', ') });
    case 'objection':
      return w(lang, 'rv_reason_objection');
    case 'photo_requested':
      return w(lang, 'rv_reason_photo');
  }
}

const reasonsWords = (
  reasons: readonly PublicReviewReason[],
  lang: Lang,
  label?: (path: string) => string,
  only?: readonly PublicReviewReason['code'][],
) =>
  reasons
    .filter((r) => !only || only.includes(r.code))
    // A rule's message is a sentence; here it is one item of a list that a sentence ends.
    .map((r) => reasonWords(r, lang, label).replace(/[.\s]+$/, ''))
    .join('; ');

/** What the server made of one version, in one sentence. */
export function versionStatusWords(
  s: VersionStatus,
  lang: Lang,
  label?: (path: string) => string,
): string {
  switch (s.state) {
    case 'counted':
      return s.newer === null ? w(lang, 'rv_counted') : w(lang, 'rv_counted_newer', { v: s.newer });
    case 'flagged':
      return w(lang, 'rv_flagged', { reasons: reasonsWords(s.reasons, lang, label) });
    case 'in_review':
      return w(lang, s.counts ? 'rv_in_review_counts' : 'rv_in_review', {
        reasons: reasonsWords(s.reasons, lang, label, ['objection', 'rules', 'reread']),
      });
    case 'photo_requested': {
      const held = reasonsWords(s.reasons, lang, label, ['rules', 'reread']);
      const asked = `${photoRequestWords(s.request, lang)}${held ? ` (${held})` : ''}.`;
      return s.counts ? asked : `${asked} ${w(lang, 'rv_not_counted')}`;
    }
    case 'corrected':
      return w(lang, 'rv_corrected', {
        who: actorWords(s.correction.by, lang),
        reason: s.correction.reason,
        reference: s.correction.reference,
        v: s.counted,
      });
    case 'superseded':
      return w(lang, 'rv_superseded', { v: s.by });
    case 'unknown':
      return w(lang, 'rv_unknown');
  }
}

/** The state of a TPS in a word or two (a badge). */
export const reviewStateWords = (r: TpsReviewStatus, lang: Lang): string =>
  w(lang, `rv_state_${r.state}`);

/** The words of a key of this dictionary (the received line, for instance). */
export const reviewWord = (lang: Lang, key: Key, vars?: Record<string, string | number>): string =>
  w(lang, key, vars);
