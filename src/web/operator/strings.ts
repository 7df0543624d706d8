// Every string the review queue (/operator/) shows, in Bahasa Indonesia (first) and English; the
// mechanism (language, lookup) is shared/i18n.ts.
import type { Text } from '../../core/rules.ts';
import { SWITCH_LANG, type Dictionary } from '../shared/i18n.ts';

export const OPERATOR_STRINGS = {
  title: { id: 'Antrean pemeriksaan', en: 'Review queue' },
  switchLang: SWITCH_LANG,
  switchLangLabel: { id: 'Switch to English', en: 'Ganti ke Bahasa Indonesia' },
  skipToContent: { id: 'Langsung ke isi', en: 'Skip to content' },
  loading: { id: 'Memuat…', en: 'Loading…' },
  failed: { id: 'Gagal: {message}', en: 'Failed: {message}' },

  // Login and the one-time password
  loginTitle: { id: 'Masuk sebagai petugas', en: 'Operator login' },
  name: { id: 'Nama akun', en: 'Account name' },
  password: { id: 'Kata sandi', en: 'Password' },
  login: { id: 'Masuk', en: 'Log in' },
  loginRefused: {
    id: 'Nama atau kata sandi salah, atau akun dinonaktifkan.',
    en: 'The name or password is wrong, or the account is disabled.',
  },
  logout: { id: 'Keluar', en: 'Log out' },
  changeTitle: { id: 'Ganti kata sandi sekali pakai', en: 'Change the one-time password' },
  changeHelp: {
    id: 'Akun ini masih memakai kata sandi sekali pakai. Buat kata sandi baru (minimal 12 karakter).',
    en: 'This account still has its one-time password. Choose a new one (at least 12 characters).',
  },
  currentPassword: { id: 'Kata sandi saat ini', en: 'Current password' },
  newPassword: { id: 'Kata sandi baru', en: 'New password' },
  changePassword: { id: 'Simpan kata sandi', en: 'Save the password' },

  // The queue
  queueOf: { id: 'TPS yang perlu diperiksa di {region}', en: 'TPS to review in {region}' },
  account: { id: '{name} · {role} · {region}', en: '{name} · {role} · {region}' },
  filter: { id: 'Saring menurut status', en: 'Filter by state' },
  allStates: { id: 'Semua', en: 'All' },
  emptyQueue: { id: 'Tidak ada TPS yang perlu diperiksa.', en: 'No TPS needs review.' },
  missing: {
    id: '{missing} dari {total} TPS belum punya hasil yang terhitung.',
    en: '{missing} of {total} TPS have no counted result yet.',
  },
  more: { id: 'Berikutnya', en: 'Next page' },
  keysQueue: {
    id: 'Tombol: j/k atau panah untuk berpindah, Enter untuk membuka.',
    en: 'Keys: j/k or arrows to move, Enter to open.',
  },
  keysTps: {
    id: 'Tombol: c konfirmasi, e koreksi, f minta foto, Esc kembali.',
    en: 'Keys: c confirm, e correct, f request a photo, Esc back.',
  },
  state_none: { id: 'Belum ada hasil', en: 'No result' },
  state_counted: { id: 'Terhitung', en: 'Counted' },
  state_corrected: { id: 'Dikoreksi', en: 'Corrected' },
  state_flagged: { id: 'Ditandai', en: 'Flagged' },
  state_in_review: { id: 'Keberatan', en: 'Objection open' },
  state_photo_requested: { id: 'Foto baru diminta', en: 'New photo requested' },
  reason_rules: { id: 'Aturan dilanggar: {rules}', en: 'Rules broken: {rules}' },
  reason_reread: {
    id: 'Pembacaan server berbeda: {fields}',
    en: 'Server re-read differs: {fields}',
  },
  reason_objection: { id: 'Keberatan terbuka', en: 'Open objection' },
  reason_photo_requested: { id: 'Menunggu foto baru', en: 'Waiting for a new photo' },

  // One TPS
  back: { id: 'Kembali ke antrean', en: 'Back to the queue' },
  version: { id: 'Versi {n}', en: 'Version {n}' },
  photos: { id: 'Foto dan bagian yang dipertanyakan', en: 'Photos and the fields in question' },
  wholePhoto: { id: 'Foto utuh (halaman tidak ditemukan)', en: 'Whole photo (page not found)' },
  photoPage: { id: 'Foto halaman {page}', en: 'Photo of page {page}' },
  zoomOf: { id: 'Kotak {field}', en: 'Boxes of {field}' },
  noPhotos: { id: 'Tidak ada foto.', en: 'No photos.' },
  numbers: { id: 'Angka', en: 'Numbers' },
  field: { id: 'Isian', en: 'Field' },
  submitted: { id: 'Dikirim KPPS', en: 'Submitted' },
  read: { id: 'Dibaca server', en: 'Read by server' },
  corrected: { id: 'Koreksi', en: 'Corrected' },
  newValue: { id: 'Nilai baru', en: 'New value' },
  differs: { id: 'berbeda', en: 'differs' },
  findings: { id: 'Temuan', en: 'Findings' },
  history: { id: 'Riwayat', en: 'History' },
  kind_submission: { id: 'kiriman KPPS', en: 'KPPS submission' },
  kind_correction: { id: 'koreksi', en: 'correction' },
  countedTag: { id: 'terhitung', en: 'counted' },
  by: { id: 'oleh {who}, {at}', en: 'by {who}, {at}' },
  confirmedEvent: { id: 'Dikonfirmasi (v{v}): {reason}', en: 'Confirmed (v{v}): {reason}' },
  correctedEvent: {
    id: 'Dikoreksi v{from} → v{v} ({reference}): {reason}',
    en: 'Corrected v{from} → v{v} ({reference}): {reason}',
  },
  photoEvent: {
    id: 'Foto baru diminta (v{v}): {reason}',
    en: 'New photo requested (v{v}): {reason}',
  },
  objectionEvent: { id: 'Keberatan (v{v}): {text}', en: 'Objection (v{v}): {text}' },
  answerEvent: { id: 'Dijawab: {reason}', en: 'Answered: {reason}' },
  rereadFailed: {
    id: 'Server tidak dapat membaca foto: {reason}',
    en: 'The server could not read the photos: {reason}',
  },

  // Actions
  confirm: { id: 'Konfirmasi sesuai tertulis (c)', en: 'Confirm as written (c)' },
  correct: { id: 'Koreksi (e)', en: 'Correct (e)' },
  requestPhoto: { id: 'Minta foto baru (f)', en: 'Request a new photo (f)' },
  answerObjection: { id: 'Jawab keberatan', en: 'Answer the objection' },
  reason: { id: 'Alasan (wajib)', en: 'Reason (required)' },
  reference: { id: 'Nomor berita acara pleno (wajib)', en: "The plenary's reference (required)" },
  send: { id: 'Kirim', en: 'Send' },
  cancel: { id: 'Batal (Esc)', en: 'Cancel (Esc)' },
  addField: { id: 'Koreksi isian lain', en: 'Correct another field' },
  chooseField: { id: '— pilih isian —', en: '— choose a field —' },
  rulesHold: { id: 'Semua aturan terpenuhi.', en: 'All the rules hold.' },
  rulesBroken: { id: 'Koreksi ini melanggar aturan:', en: 'This correction breaks rules:' },
  nothingChanged: {
    id: 'Ketik nilai baru untuk isian yang berubah.',
    en: 'Type the new value of each field that changes.',
  },
  done_confirm: { id: 'TPS {tps} dikonfirmasi.', en: 'TPS {tps} confirmed.' },
  done_correct: { id: 'TPS {tps} dikoreksi.', en: 'TPS {tps} corrected.' },
  'done_photo-request': {
    id: 'Foto baru diminta dari TPS {tps}.',
    en: 'New photo requested from TPS {tps}.',
  },
  'done_objection-answer': {
    id: 'Keberatan TPS {tps} dijawab.',
    en: 'The objection of TPS {tps} was answered.',
  },
  done_objection: {
    id: 'Keberatan atas TPS {tps} dicatat.',
    en: 'Objection to TPS {tps} recorded.',
  },
  stale: {
    id: 'Orang lain sudah bertindak atas TPS ini; halaman dimuat ulang.',
    en: 'Someone else acted on this TPS first; reloaded.',
  },

  // Sign-off of the account's own level
  recapTitle: { id: 'Rekapitulasi {region}', en: 'Recap of {region}' },
  'recap-unofficial-partial': {
    id: 'Belum ditutup: angka sementara.',
    en: 'Not closed: the totals are unofficial.',
  },
  'recap-certified': {
    id: 'Ditutup dan ditandatangani (D.Hasil).',
    en: 'Closed and signed (D.Hasil).',
  },
  'recap-correction': {
    id: 'Dibuka kembali: koreksi sedang berlangsung.',
    en: 'Reopened: under correction.',
  },
  recapClose: { id: 'Tutup rekapitulasi…', en: 'Close the recap…' },
  recapCloseSure: {
    id: 'Setelah ditutup, tidak ada angka di bawahnya yang dapat berubah sampai dibuka kembali. Tutup sekarang?',
    en: 'Once closed, no number below it can change until it is reopened. Close it now?',
  },
  recapCloseYes: { id: 'Ya, tutup dan tandatangani', en: 'Yes, close and sign' },
  recapClosed: {
    id: 'Rekapitulasi ditutup. D.Hasil ditandatangani oleh server.',
    en: 'The recap is closed. The server signed the D.Hasil.',
  },
  recapDhasil: { id: 'D.Hasil', en: 'D.Hasil' },
  recapReopenReason: {
    id: 'Alasan membuka kembali (dicatat)',
    en: 'Why it is reopened (on the record)',
  },
  recapReopen: { id: 'Buka kembali', en: 'Reopen' },
  recapReopened: {
    id: 'Rekapitulasi dibuka kembali.',
    en: 'The recap is reopened.',
  },

  // Election night: the TPS not yet sent, by connectivity class (connectivity.ts)
  lateTitle: { id: 'Belum terkirim menurut sinyal', en: 'Not yet sent, by signal' },
  lateTooLarge: {
    id: 'Daftar TPS yang terlambat dibuat per kabupaten/kota atau wilayah di bawahnya. Buka peta sinyal untuk memilih kabupaten.',
    en: 'The list of late TPS is made per kabupaten or a region below it. Open the signal map to choose a kabupaten.',
  },
  lateMap: { id: 'Peta sinyal dan titik kirim', en: 'Signal map and sending points' },
  lateExpected: {
    id: 'TPS di wilayah ini diperkirakan sudah mengirim pada {at} (median waktu kirim).',
    en: 'The TPS of this region were expected to have sent by {at} (the median time of those sent).',
  },
  lateNoExpected: {
    id: 'Belum separuh TPS mengirim, jadi belum ada yang dihitung terlambat.',
    en: 'Fewer than half the TPS have sent, so none counts as late yet.',
  },
  lateCaption: {
    id: '{total} TPS belum mengirim, menurut kelas sinyal dan keterlambatan',
    en: '{total} TPS not yet sent, by signal class and how late',
  },
  lateClass: { id: 'Kelas sinyal', en: 'Signal class' },
  late_lt1: { id: '< 1 jam', en: '< 1 h' },
  late_1to2: { id: '1–2 jam', en: '1–2 h' },
  late_2to4: { id: '2–4 jam', en: '2–4 h' },
  late_gt4: { id: '≥ 4 jam', en: '≥ 4 h' },
  lateTotal: { id: 'Jumlah', en: 'Total' },
  lateRaisedTitle: {
    id: 'TPS blank spot yang perlu dihubungi: {count}',
    en: 'Blank-spot TPS to chase: {count}',
  },
  lateRaisedHelp: {
    id: 'Terlambat lebih dari dua kali perjalanan ke titik kirim ditambah 30 menit, atau tanpa titik kirim.',
    en: 'Later than twice the trip to their sending point plus 30 minutes, or without a sending point.',
  },
  lateNoneRaised: {
    id: 'Tidak ada TPS blank spot yang terlambat melebihi perjalanannya.',
    en: 'No blank-spot TPS is later than its trip allows.',
  },
  lateHours: { id: 'terlambat {hours} jam', en: '{hours} h late' },
  lateSendAt: {
    id: 'Titik kirim: {where}, {travel}',
    en: 'Sending point: {where}, {travel}',
  },
  lateNoPoint: {
    id: 'Tidak ada titik dengan sinyal baik dalam jangkauan: hubungi lewat telepon atau kurir.',
    en: 'No point with good signal within reach: call or send a courier.',
  },
  lateUpdated: { id: 'Diperbarui {at}, setiap menit', en: 'Updated {at}, every minute' },
} as const satisfies Dictionary;

export type StringKey = keyof typeof OPERATOR_STRINGS;

/** The label of a field of the form, by its path, in both languages. */
export function fieldLabel(path: string): Text {
  const parts = path.split('.');
  const last = parts.at(-1)!;
  const gender: Record<string, Text> = {
    l: { id: 'L', en: 'M' },
    p: { id: 'P', en: 'F' },
    total: { id: 'Jml', en: 'Total' },
  };
  const base: Record<string, Text> = {
    dpt: { id: 'DPT (I.A)', en: 'DPT (I.A)' },
    'voters.dpt': { id: 'Pemilih DPT (I.B1)', en: 'DPT voters (I.B1)' },
    'voters.dptb': { id: 'Pemilih DPTb (I.B2)', en: 'DPTb voters (I.B2)' },
    'voters.dpk': { id: 'Pemilih DPK (I.B3)', en: 'DPK voters (I.B3)' },
    'voters.total': { id: 'Jumlah pemilih (I.B4)', en: 'All voters (I.B4)' },
    disabled: { id: 'Pemilih disabilitas (III)', en: 'Voters with disabilities (III)' },
    'ballots.received': { id: 'Surat suara diterima (II.1)', en: 'Ballots received (II.1)' },
    'ballots.used': { id: 'Surat suara digunakan (II.2)', en: 'Ballots used (II.2)' },
    'ballots.returned': { id: 'Surat suara rusak/keliru (II.3)', en: 'Ballots spoilt (II.3)' },
    'ballots.unused': { id: 'Surat suara tidak digunakan (II.4)', en: 'Ballots unused (II.4)' },
    valid: { id: 'Suara sah (V.A)', en: 'Valid votes (V.A)' },
    invalid: { id: 'Suara tidak sah (V.B)', en: 'Invalid votes (V.B)' },
    total: { id: 'Jumlah suara (V.C)', en: 'All votes (V.C)' },
  };
  if (base[path]) return base[path];
  if (parts[0] === 'votes') return { id: `Suara paslon ${parts[1]}`, en: `Votes for ${parts[1]}` };
  const head = base[parts.slice(0, -1).join('.')];
  const g = gender[last];
  if (head && g) return { id: `${head.id} ${g.id}`, en: `${head.en} ${g.en}` };
  return { id: path, en: path };
}
