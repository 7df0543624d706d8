// The TPS page's own strings (signature, reading, timeline, breaches), Bahasa Indonesia first; the
// portal's shared strings are strings.ts, the mechanism shared/i18n.ts.
import { translate, type Dictionary, type Lang } from '../shared/i18n.ts';

export const TPS_STRINGS = {
  // The signature of the shown version
  sigTitle: { id: 'Tanda tangan', en: 'Signature' },
  sigSignedBy: { id: 'Ditandatangani perangkat KPPS', en: 'Signed by the KPPS device' },
  sigDevice: { id: 'Perangkat', en: 'Device' },
  sigKey: { id: 'Sidik kunci', en: 'Key fingerprint' },
  sigSignedAt: { id: 'Ditandatangani', en: 'Signed' },
  sigEnrolled: { id: 'Terdaftar', en: 'Enrolled' },
  sigUploader: { id: 'Pengirim', en: 'Sent by' },
  sigVerified: {
    id: 'terverifikasi: server memeriksa tanda tangan ini dengan kunci perangkat saat menerimanya',
    en: 'verified: the server checked this signature against the device key when it took it',
  },
  sigVerifiedShort: { id: 'terverifikasi', en: 'verified' },
  sigUnverified: {
    id: 'tidak dapat diverifikasi: kunci perangkat tidak ada di catatan',
    en: 'cannot be verified: the device key is not on record',
  },
  sigNone: {
    id: 'Versi ini tidak ditandatangani perangkat KPPS.',
    en: 'This version is not signed by a KPPS device.',
  },
  sigCorrection: {
    id: 'Koreksi oleh {who}, bukan kiriman perangkat KPPS.',
    en: 'A correction by {who}, not a KPPS device submission.',
  },
  sigPublicKey: { id: 'Kunci publik (base64url)', en: 'Public key (base64url)' },
  sigCheck: {
    id: 'Siapa pun dapat memeriksanya ulang: kunci publik dan tanda tangan ada di API.',
    en: 'Anyone can check it again: the public key and the signature are in the API.',
  },
  // The reading of the photos
  readTitle: { id: 'Pembacaan foto', en: 'Reading of the photos' },
  readAgrees: {
    id: 'Server membaca ulang foto versi ini: setiap angka yang terbaca dengan yakin sama dengan yang dikirim.',
    en: 'The server read the photos of this version again: every number it read with confidence is the one sent.',
  },
  readDisagrees: {
    id: 'Server membaca ulang foto versi ini dan membaca {n} angka lain dengan yakin (ditandai ≠ di formulir).',
    en: 'The server read the photos of this version again and read {n} numbers otherwise, with confidence (marked ≠ on the form).',
  },
  readFailed: {
    id: 'Server tidak dapat membaca ulang foto versi ini ({reason}).',
    en: 'The server could not read the photos of this version again ({reason}).',
  },
  readNone: {
    id: 'Foto versi ini belum dibaca ulang oleh server.',
    en: 'The server has not read the photos of this version again yet.',
  },
  readCell: { id: 'foto terbaca {v}', en: 'the photo reads {v}' },
  readUnsureNote: {
    id: 'Angka yang tidak terbaca dengan yakin tidak dibandingkan.',
    en: 'Numbers the reader was unsure of are not compared.',
  },
  // Breaches
  breachesTitle: { id: 'Catatan pemeriksaan', en: 'Checks' },
  breach_rule: { id: 'Aturan', en: 'Rule' },
  breach_impossible: { id: 'Mustahil', en: 'Impossible' },
  breach_incomplete: { id: 'Tidak lengkap', en: 'Incomplete' },
  breach_misread: { id: 'Salah baca?', en: 'Misread?' },
  breach_paper: { id: 'Di atas kertas', en: 'On paper' },
  breach_other: { id: 'Catatan', en: 'Note' },
  // Photos
  photoSha: { id: 'sidik sha256', en: 'sha256' },
  zoomPhoto: { id: 'Perbesar foto', en: 'Zoom the photo' },
  // The timeline
  timelineTitle: { id: 'Riwayat lengkap', en: 'Full history' },
  timelineNote: {
    id: 'Setiap langkah dari rantai audit, dari yang paling awal: versi, pembacaan ulang, konfirmasi, koreksi, keberatan, permintaan foto.',
    en: 'Every step from the audit chain, oldest first: versions, re-reads, confirmations, corrections, objections, photo requests.',
  },
  tl_submission_received: { id: 'v{v} diterima dari KPPS', en: 'v{v} received from the KPPS' },
  tl_result_corrected: { id: 'v{v} mengoreksi v{c}', en: 'v{v} corrects v{c}' },
  tl_reread_agrees: {
    id: 'Foto v{v} dibaca ulang: angkanya sama',
    en: 'Photos of v{v} read again: the numbers agree',
  },
  tl_reread_disagrees: {
    id: 'Foto v{v} dibaca ulang: terbaca lain',
    en: 'Photos of v{v} read again: read otherwise',
  },
  tl_reread_failed: {
    id: 'Foto v{v} tidak dapat dibaca ulang',
    en: 'Photos of v{v} could not be read again',
  },
  tl_result_confirmed: {
    id: 'v{v} dikonfirmasi sebagaimana tertulis',
    en: 'v{v} confirmed as written',
  },
  tl_photo_requested: { id: 'Foto baru diminta untuk v{v}', en: 'A new photo asked for v{v}' },
  tl_objection_filed: { id: 'Keberatan atas v{v}', en: 'Objection to v{v}' },
  tl_objection_answered: { id: 'Keberatan atas v{v} dijawab', en: 'Objection to v{v} answered' },
  tlBy: { id: 'oleh', en: 'by' },
  tlWhy: { id: 'Alasan', en: 'Reason' },
  tlReference: { id: 'berita acara', en: 'minutes' },
  tlChanges: { id: 'Perubahan', en: 'Changes' },
  tlSignedBy: { id: 'ditandatangani perangkat {d}', en: 'signed by device {d}' },
  tlUnsigned: { id: 'tanpa tanda tangan perangkat', en: 'no device signature' },
  tlCounted: { id: 'dihitung', en: 'counts' },
  tlServer: { id: 'server Rekap', en: 'the Rekap server' },
  tlKpps: { id: 'KPPS ({id})', en: 'KPPS ({id})' },
  tlObjectionText: {
    id: 'Isi keberatan hanya untuk peninjau.',
    en: 'The text of an objection is for the reviewers.',
  },
  tlClean: { id: 'konsisten', en: 'consistent' },
  tlFlagged: { id: 'ditandai', en: 'flagged' },
} as const satisfies Dictionary;

export type TpsStringKey = keyof typeof TPS_STRINGS;

export const ts = (lang: Lang, key: TpsStringKey, vars?: Record<string, string | number>) =>
  translate(TPS_STRINGS, lang, key, vars);
