// Every string the field app shows, Bahasa Indonesia first, English on the switch; the mechanism
// (language, lookup) is shared/i18n.ts, the field app's binding of it field/i18n.ts.
import { SWITCH_LANG, type Dictionary } from '../shared/i18n.ts';

export const FIELD_STRINGS = {
  switchLang: SWITCH_LANG,
  online: { id: 'Daring', en: 'Online' },
  offline: { id: 'Tanpa sinyal', en: 'Offline' },
  trainingBanner: {
    id: 'LATIHAN (Bimtek): TPS latihan, tidak ada yang dikirim ke server.',
    en: 'TRAINING (Bimtek): practice TPS, nothing is sent to the server.',
  },
  enrolTitle: { id: 'Daftarkan perangkat ini', en: 'Enrol this device' },
  enrolHelp: {
    id: 'Sekali saja per perangkat. Kode TPS dan token ada di surat penugasan KPPS.',
    en: 'Once per device. The TPS code and token are on the KPPS assignment slip.',
  },
  tpsCode: { id: 'Kode TPS', en: 'TPS code' },
  token: { id: 'Token KPPS', en: 'KPPS token' },
  enrol: { id: 'Daftarkan', en: 'Enrol' },
  enrolling: { id: 'Mendaftarkan…', en: 'Enrolling…' },
  enrolNeedsSignal: {
    id: 'Pendaftaran perlu sinyal sekali. Coba lagi di tempat bersinyal.',
    en: 'Enrolling needs a signal once. Try again where there is signal.',
  },
  enrolDeviceLimit: {
    id: 'token ini sudah mendaftarkan {n} perangkat, batas satu token. Minta operator KPU mencabut perangkat yang tidak dipakai lagi dan menerbitkan token baru.',
    en: 'this token has already enrolled {n} devices, the most one token may. Ask the KPU operator to revoke a device no longer in use and to issue a new token.',
  },
  enrolBadToken: {
    id: 'token tidak dikenal atau sudah dicabut (token lama tidak berlaku setelah token baru diterbitkan). Minta token yang berlaku kepada operator KPU.',
    en: 'unknown or revoked token (an old token stops working once a new one is issued). Ask the KPU operator for the current token.',
  },
  badTps: {
    id: 'Kode TPS tidak sah (contoh 16.08.01.1007.001).',
    en: 'Not a TPS code (e.g. 16.08.01.1007.001).',
  },
  photoRequestTitle: { id: 'Foto baru diminta', en: 'A new photo is asked for' },
  photoRequestHelp: {
    id: 'Foto ulang formulir C.Hasil, periksa angkanya, lalu tanda tangani dan kirim lagi: server menyimpannya sebagai versi baru.',
    en: 'Photograph the C.Hasil form again, check the numbers, then sign and send again: the server keeps it as a new version.',
  },
  photoRequestStart: { id: 'Foto ulang sekarang', en: 'Photograph again now' },
  serverStatusLine: { id: 'Status di server: {s}', en: 'Status at the server: {s}' },
  witnessMode: { id: 'Mode saksi (periksa tanda terima)', en: 'Witness mode (check a receipt)' },
  trainingMode: { id: 'Latihan (Bimtek)', en: 'Training (Bimtek)' },
  leaveTraining: { id: 'Keluar dari latihan', en: 'Leave training' },
  home: { id: 'Beranda', en: 'Home' },
  newForm: { id: 'Foto formulir C.Hasil', en: 'Photograph a C.Hasil form' },
  outbox: { id: 'Kotak keluar', en: 'Outbox' },
  deviceInfo: { id: 'TPS {tps} · perangkat {id}', en: 'TPS {tps} · device {id}' },
  captureTitle: { id: 'Foto 3 halaman (PPWP)', en: 'Photograph the 3 pages (PPWP)' },
  captureHelp: {
    id: 'Foto setiap halaman utuh, keempat sudut terlihat, tegak lurus, cukup terang. Urutan bebas.',
    en: 'Photograph each whole page, all four corners in view, straight on, well lit. Any order.',
  },
  takePhoto: { id: 'Ambil foto', en: 'Take a photo' },
  processing: { id: 'Memproses foto…', en: 'Processing the photo…' },
  pageN: { id: 'Halaman {n} ditemukan', en: 'Page {n} found' },
  pageUnknown: {
    id: 'Formulir ditemukan, nomor halaman tidak terbaca',
    en: 'Form found, page number unreadable',
  },
  blurry: { id: 'agak buram: foto ulang bila bisa', en: 'a little blurry: retake if you can' },
  sharp: { id: 'tajam', en: 'sharp' },
  'reason_not-a-form': {
    id: 'Formulir tidak ditemukan: foto seluruh halaman.',
    en: 'No form found: photograph the whole page.',
  },
  'reason_too-dark': { id: 'Terlalu gelap: tambah cahaya.', en: 'Too dark: add light.' },
  'reason_too-blurry': {
    id: 'Terlalu buram: pegang ponsel diam.',
    en: 'Too blurry: hold the phone still.',
  },
  'reason_cut-off': {
    id: 'Ada sudut di luar foto: mundur sedikit.',
    en: 'A corner is outside the photo: step back.',
  },
  'reason_corner-hidden': {
    id: 'Satu sudut tertutup atau gelap: keempat kotak hitam di sudut harus terlihat jelas.',
    en: 'A corner is covered or dark: all four black corner squares must show clearly.',
  },
  'reason_too-small': {
    id: 'Halaman terlalu kecil: dekatkan ponsel.',
    en: 'The page is too small: move closer.',
  },
  remove: { id: 'Hapus', en: 'Remove' },
  pagesMissing: { id: 'Belum ada: halaman {p}', en: 'Still missing: page {p}' },
  allPages: { id: 'Ketiga halaman lengkap.', en: 'All three pages are in.' },
  read: { id: 'Baca angka', en: 'Read the numbers' },
  reading: { id: 'Membaca… (ponsel tetap bisa dipakai)', en: 'Reading… (the phone stays usable)' },
  reviewTitle: { id: 'Periksa angka', en: 'Check the numbers' },
  reviewHelp: {
    id: 'Bandingkan setiap angka dengan kertas. Kolom bertanda kuning harus dipastikan atau diperbaiki.',
    en: 'Compare every number with the paper. Yellow fields must be confirmed or corrected.',
  },
  flagged: { id: 'Perlu dicek', en: 'Check this' },
  confirmField: { id: 'Sesuai kertas', en: 'Matches the paper' },
  noCrop: { id: 'tidak ada foto', en: 'no photo' },
  rulesOk: { id: 'Semua aturan hitung terpenuhi.', en: 'All the arithmetic rules hold.' },
  rulesBroken: { id: 'Aturan hitung yang dilanggar:', en: 'Arithmetic rules broken:' },
  fillAll: { id: 'Isi semua kolom (0-999).', en: 'Fill in every field (0-999).' },
  pendingFlags: { id: 'Masih {n} kolom perlu dicek.', en: '{n} fields still need checking.' },
  confirmBreach: {
    id: 'Saya sudah memeriksa: kertas C.Hasil memang tertulis seperti ini.',
    en: 'I have checked: the C.Hasil paper really says this.',
  },
  sign: { id: 'Tanda tangani dan simpan untuk dikirim', en: 'Sign and queue for sending' },
  signing: { id: 'Menandatangani…', en: 'Signing…' },
  receiptTitle: { id: 'Tanda terima untuk saksi', en: 'Receipt for the witnesses' },
  receiptHelp: {
    id: 'Saksi memindai kode QR ini dengan Rekap (mode saksi) untuk menyimpan salinan yang ditandatangani.',
    en: 'Witnesses scan this QR code with Rekap (witness mode) to keep a signed copy.',
  },
  copyText: { id: 'Teks tanda terima', en: 'Receipt text' },
  outboxEmpty: { id: 'Kotak keluar kosong.', en: 'The outbox is empty.' },
  st_local: { id: 'latihan (tidak dikirim)', en: 'training (not sent)' },
  st_waiting: { id: 'menunggu', en: 'waiting' },
  st_sending: { id: 'mengirim', en: 'sending' },
  st_sent: { id: 'terkirim', en: 'sent' },
  // The server holds it; whether it counts is the server's status, shown beside (outbox.ts).
  st_confirmed: { id: 'diterima server', en: 'received by the server' },
  st_rejected: { id: 'ditolak', en: 'rejected' },
  attempts: { id: '{n} percobaan', en: '{n} attempts' },
  flaggedItem: {
    id: 'melanggar aturan (dikonfirmasi petugas)',
    en: 'breaks a rule (confirmed by the officer)',
  },
  showReceipt: { id: 'Tanda terima (QR)', en: 'Receipt (QR)' },
  sendNow: { id: 'Kirim sekarang', en: 'Send now' },
  // Survey mode (#/survei): measuring the signal at the TPS days before the vote (issue 14).
  survey: { id: 'Survei sinyal', en: 'Signal survey' },
  surveyHelp: {
    id: 'Berdiri di lokasi TPS, beberapa hari sebelum pemungutan suara, lalu tekan Ukur sekarang. Ukur 3 kali pada jam yang berbeda (pagi, siang, sore): sinyal berubah sepanjang hari. Hasilnya dipakai untuk peta titik kosong sinyal dan rencana tempat mengirim hasil.',
    en: 'Stand at the TPS location, a few days before the vote, and press Measure now. Measure 3 times at different hours (morning, midday, afternoon): the signal changes through the day. The results make the blank-spot map and the plan of where to send results from.',
  },
  surveyMeasure: { id: 'Ukur sekarang', en: 'Measure now' },
  surveyMeasuring: {
    id: 'Mengukur… (lokasi, jaringan, waktu tempuh, unggahan)',
    en: 'Measuring… (position, network, round trip, upload)',
  },
  surveyGood: { id: 'Sinyal baik', en: 'Good signal' },
  surveyWeak: { id: 'Sinyal lemah', en: 'Weak signal' },
  surveyNone: { id: 'Tidak ada sinyal', en: 'No signal' },
  surveyQueued: { id: 'tersimpan, akan dikirim nanti', en: 'saved, will be sent later' },
  surveySent: { id: 'terkirim', en: 'sent' },
  surveyConnUnknown: { id: 'jaringan tak dikenal', en: 'unknown network' },
  surveyAccuracy: { id: 'lokasi ±{m} m', en: 'position ±{m} m' },
  surveyNoPosition: { id: 'tanpa lokasi', en: 'no position' },
  surveyPos_denied: {
    id: 'Lokasi tidak diizinkan: pengukuran disimpan tanpa lokasi. Izinkan lokasi untuk aplikasi ini di pengaturan browser, lalu ukur lagi.',
    en: 'Location not allowed: the measurement is saved without a position. Allow location for this app in the browser settings, then measure again.',
  },
  surveyPos_unavailable: {
    id: 'Lokasi tidak ditemukan: pengukuran disimpan tanpa lokasi. Nyalakan GPS dan coba lagi di tempat terbuka.',
    en: 'No position found: the measurement is saved without one. Turn GPS on and try again in the open.',
  },
  surveyPos_timeout: {
    id: 'GPS belum mendapat lokasi dalam 20 detik: pengukuran disimpan tanpa lokasi. Coba lagi di tempat terbuka.',
    en: 'GPS found no position within 20 seconds: the measurement is saved without one. Try again in the open.',
  },
  surveyPos_unsupported: {
    id: 'Ponsel ini tidak memberi lokasi: pengukuran disimpan tanpa lokasi.',
    en: 'This phone gives no position: the measurement is saved without one.',
  },
  surveyPos_outside: {
    id: 'Lokasi yang diberikan ponsel di luar Indonesia atau terlalu kasar (lebih dari 100 km): pengukuran disimpan tanpa lokasi.',
    en: 'The position the phone gave is outside Indonesia or too coarse (over 100 km): the measurement is saved without one.',
  },
  surveyRefused: {
    id: 'Server menolak pengukuran: {m}. Tidak ada yang disimpan.',
    en: 'The server refused the measurement: {m}. Nothing was saved.',
  },
  surveyWaiting: {
    id: '{n} pengukuran menunggu dikirim.',
    en: '{n} measurements waiting to be sent.',
  },
  surveyAllSent: { id: 'Semua pengukuran sudah terkirim.', en: 'Every measurement has been sent.' },
  surveyEmpty: { id: 'Belum ada pengukuran.', en: 'No measurements yet.' },
  surveyListTitle: { id: 'Pengukuran di TPS ini', en: 'Measurements at this TPS' },
  surveyMore: {
    id: 'Sudah {n} pengukuran, pada {h} dari 3 jam berbeda yang disarankan. Ukur lagi nanti pada jam yang lain.',
    en: 'Measured {n} times, at {h} of the 3 different hours advised. Measure again later, at another hour.',
  },
  surveyEnough: {
    id: 'Sudah {n} pengukuran pada {h} jam berbeda: cukup. Terima kasih.',
    en: 'Measured {n} times at {h} different hours: enough. Thank you.',
  },
  witnessTitle: { id: 'Mode saksi', en: 'Witness mode' },
  witnessHelp: {
    id: 'Pindai kode QR di ponsel KPPS, atau pilih foto kode QR, atau tempel teksnya. Pemeriksaan tanda tangan tidak perlu sinyal.',
    en: 'Scan the QR code on the KPPS phone, pick a photo of it, or paste its text. Checking the signature needs no signal.',
  },
  scanCamera: { id: 'Pindai dengan kamera', en: 'Scan with the camera' },
  stopCamera: { id: 'Hentikan kamera', en: 'Stop the camera' },
  qrPhoto: { id: 'Foto kode QR', en: 'Photo of the QR code' },
  pasteText: { id: 'Tempel teks tanda terima', en: 'Paste the receipt text' },
  check: { id: 'Periksa', en: 'Check' },
  sigValid: { id: 'Tanda tangan SAH', en: 'Signature VALID' },
  sigInvalid: {
    id: 'Tanda tangan TIDAK SAH: angka telah diubah atau rusak',
    en: 'Signature NOT VALID: the numbers were altered or damaged',
  },
  publishedSame: {
    id: 'Sama dengan yang diterbitkan (versi {v}).',
    en: 'Matches the published result (version {v}).',
  },
  publishedStatus: { id: 'Status di server: {s}', en: 'Status at the server: {s}' },
  correctedTitle: {
    id: 'Angka yang dihitung (versi {v}) berbeda dari yang ditandatangani:',
    en: 'The numbers that count (version {v}) differ from the signed ones:',
  },
  colSigned: { id: 'Ditandatangani', en: 'Signed' },
  colCounted: { id: 'Dihitung', en: 'Counted' },
  publishedOffline: {
    id: 'Tanpa sinyal: hasil terbit akan dicek saat daring.',
    en: 'Offline: the published result is checked when online.',
  },
  signedAt: { id: 'Ditandatangani', en: 'Signed' },
  photos: { id: 'Foto', en: 'Photos' },
  // What went wrong (problems.ts): one sentence per code, never a browser's English message.
  problem_camera_missing: {
    id: 'Kamera tidak ditemukan di ponsel ini. Pakai "Foto kode QR" atau tempel teksnya.',
    en: 'No camera found on this phone. Use "Photo of the QR code" or paste the text.',
  },
  problem_camera_denied: {
    id: 'Izin kamera ditolak. Izinkan kamera untuk Rekap di pengaturan peramban, lalu coba lagi.',
    en: 'Camera permission was refused. Allow the camera for Rekap in the browser settings, then try again.',
  },
  problem_camera_busy: {
    id: 'Kamera sedang dipakai aplikasi lain. Tutup aplikasi itu, lalu coba lagi.',
    en: 'Another app is using the camera. Close it, then try again.',
  },
  problem_camera_unavailable: {
    id: 'Kamera tidak dapat dipakai di halaman ini. Pakai "Foto kode QR" atau tempel teksnya.',
    en: 'The camera cannot be used on this page. Use "Photo of the QR code" or paste the text.',
  },
  problem_camera_failed: {
    id: 'Kamera tidak dapat dinyalakan. Pakai "Foto kode QR" atau tempel teksnya.',
    en: 'The camera could not be started. Use "Photo of the QR code" or paste the text.',
  },
  problem_no_qr: {
    id: 'Kode QR tidak terbaca. Foto lagi lebih dekat dan lebih terang.',
    en: 'No QR code could be read. Take the photo again, closer and in more light.',
  },
  problem_not_receipt: {
    id: 'Ini bukan tanda terima Rekap (tanda terima diawali RKP1.).',
    en: 'This is not a Rekap receipt (a receipt starts with RKP1.).',
  },
  problem_receipt_version: {
    id: 'Tanda terima dari versi Rekap lain: perbarui aplikasi ini.',
    en: 'A receipt from another version of Rekap: update this app.',
  },
  problem_receipt_damaged: {
    id: 'Tanda terima rusak atau tidak lengkap. Pindai atau tempel lagi seluruhnya.',
    en: 'The receipt is damaged or incomplete. Scan or paste all of it again.',
  },
  problem_not_published: {
    id: 'Belum sama dengan yang diterbitkan: belum ada versi terbit dengan angka dan foto ini.',
    en: 'Not (yet) matching the published result: no published version has these numbers and photos.',
  },
  problem_other_signature: {
    id: 'Versi terbit {v} memuat angka dan foto ini, tetapi dengan tanda tangan lain.',
    en: 'Published version {v} has these numbers and photos, but another signature.',
  },
  problem_published_unchecked: {
    id: 'Hasil terbit belum dapat dicek: server tidak menjawab. Coba lagi nanti.',
    en: 'The published result could not be checked: the server did not answer. Try again later.',
  },
  problem_storage_full: {
    id: 'Penyimpanan ponsel penuh. Hapus foto atau berkas lain, lalu coba lagi.',
    en: 'The phone storage is full. Delete photos or other files, then try again.',
  },
  problem_photo_failed: {
    id: 'Foto ini tidak dapat diproses. Foto lagi.',
    en: 'This photo could not be processed. Take it again.',
  },
  problem_read_failed: {
    id: 'Angka tidak dapat dibaca dari foto. Coba lagi, atau foto ulang halamannya.',
    en: 'The numbers could not be read from the photos. Try again, or retake the pages.',
  },
  problem_sign_failed: {
    id: 'Hasil tidak dapat ditandatangani dan disimpan. Coba lagi.',
    en: 'The result could not be signed and saved. Try again.',
  },
  problem_enrol_refused: { id: 'Pendaftaran ditolak: {m}', en: 'Enrolment refused: {m}' },
  problem_enrol_unreachable: {
    id: 'Server tidak dapat dihubungi. Coba lagi di tempat bersinyal lebih baik.',
    en: 'The server could not be reached. Try again where the signal is better.',
  },
  problem_enrol_failed: { id: 'Pendaftaran gagal. Coba lagi.', en: 'Enrolment failed. Try again.' },
  problem_server_answer: {
    id: 'Jawaban server tidak dapat dibaca. Coba lagi nanti.',
    en: "The server's answer could not be read. Try again later.",
  },
  problem_not_yet_published: {
    id: 'Diterima server, menunggu diterbitkan.',
    en: 'Received by the server, waiting to be published.',
  },
  problem_server_refused: {
    id: 'Server menolak kiriman ini. Tunjukkan ke operator KPU.',
    en: 'The server refused this submission. Show it to the KPU operator.',
  },
  problem_send_failed: {
    id: 'Belum terkirim, dicoba lagi otomatis.',
    en: 'Not sent yet, tried again automatically.',
  },
  // Why a field is flagged (FieldResult.flags)
  flag_ambiguous: { id: 'angka kurang jelas', en: 'unclear digits' },
  'flag_corrected-by-arithmetic': {
    id: 'diubah agar sesuai aturan hitung: cek kertas',
    en: 'changed to fit the arithmetic: check the paper',
  },
  'flag_unsure-read': { id: 'pembacaan ragu', en: 'unsure reading' },
  'flag_overrules-reading': {
    id: 'hitungan tidak cocok dengan angka yang terbaca: cek kertas',
    en: 'the arithmetic disagrees with the digits read: check the paper',
  },
  'flag_breaks-rule': { id: 'melanggar aturan hitung', en: 'breaks an arithmetic rule' },
  'flag_channels-disagree': { id: 'angka dan bulatan berbeda', en: 'digits and bubbles disagree' },
  'flag_page-missing': {
    id: 'halamannya belum terfoto: isi dari kertas',
    en: 'page not photographed: type it from the paper',
  },
  // Field labels
  sec_dpt: { id: 'I.A DPT', en: 'I.A Voter list (DPT)' },
  sec_voters: { id: 'I.B Pengguna hak pilih', en: 'I.B Voters who voted' },
  sec_ballots: { id: 'II Surat suara', en: 'II Ballot papers' },
  sec_disabled: { id: 'III Pemilih disabilitas', en: 'III Voters with disabilities' },
  sec_votes: { id: 'IV Suara sah per pasangan', en: 'IV Valid votes per pair' },
  sec_totals: { id: 'V Jumlah suara', en: 'V Vote totals' },
  l: { id: 'Laki-laki', en: 'Male' },
  p: { id: 'Perempuan', en: 'Female' },
  total: { id: 'Jumlah', en: 'Total' },
  g_dpt: { id: 'DPT', en: 'DPT' },
  g_dptb: { id: 'DPTb', en: 'DPTb' },
  g_dpk: { id: 'DPK', en: 'DPK' },
  g_total: { id: 'Semua', en: 'All' },
  received: { id: 'Diterima (termasuk 2% cadangan)', en: 'Received (incl. 2% reserve)' },
  used: { id: 'Digunakan', en: 'Used' },
  returned: { id: 'Rusak/keliru coblos', en: 'Damaged/miscast' },
  unused: { id: 'Tidak digunakan', en: 'Unused' },
  pairN: { id: 'Pasangan nomor {n}', en: 'Pair number {n}' },
  valid: { id: 'A. Suara sah', en: 'A. Valid votes' },
  invalid: { id: 'B. Suara tidak sah', en: 'B. Invalid votes' },
  vtotal: { id: 'C. Jumlah suara sah dan tidak sah', en: 'C. Valid and invalid votes' },
} as const satisfies Dictionary;

export type Key = keyof typeof FIELD_STRINGS;
