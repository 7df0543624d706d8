// Every string the public portal shows, in Bahasa Indonesia (first) and English; the mechanism
// (language, lookup, numbers written the Indonesian way) is shared/i18n.ts.
import { SWITCH_LANG, type Dictionary } from '../shared/i18n.ts';

export const PORTAL_STRINGS = {
  tagline: {
    id: 'Hasil penghitungan suara per TPS, terbuka dan dapat diperiksa',
    en: 'Polling-station results, open and verifiable',
  },
  skipToContent: { id: 'Langsung ke isi', en: 'Skip to content' },
  switchLang: SWITCH_LANG,
  switchLangLabel: { id: 'Switch to English', en: 'Ganti ke Bahasa Indonesia' },
  demoBanner: {
    id: 'DEMO: data simulasi, bukan hasil resmi pemilu.',
    en: 'DEMO: simulated data, not official election results.',
  },
  demoTag: { id: 'DEMO', en: 'DEMO' },
  breadcrumb: { id: 'Lokasi', en: 'Location' },
  loading: { id: 'Memuat…', en: 'Loading…' },
  notFound: { id: 'Wilayah atau TPS tidak ditemukan.', en: 'Region or TPS not found.' },
  loadFailed: {
    id: 'Data tidak dapat dimuat. Mencoba lagi…',
    en: 'Could not load the data. Retrying…',
  },
  offline: {
    id: 'Koneksi terputus; data di bawah mungkin belum terbaru. Mencoba lagi…',
    en: 'Connection lost; the data below may be out of date. Retrying…',
  },
  backToNation: { id: 'Kembali ke tingkat nasional', en: 'Back to the national level' },
  updatedAt: { id: 'Diperbarui', en: 'Updated' },
  // Live updates (live.ts)
  liveUpdatedAt: {
    id: 'Diperbarui pukul {time}; halaman ini mengikuti hasil terbaru secara langsung.',
    en: 'Updated at {time}; this page follows new results live.',
  },
  livePollingUpdatedAt: {
    id: 'Diperbarui pukul {time}; diperiksa ulang setiap 15 detik.',
    en: 'Updated at {time}; checked again every 15 seconds.',
  },
  liveStaleSince: {
    id: 'Tertinggal sejak {time}: data di halaman ini mungkin belum terbaru.',
    en: 'Stale since {time}: the data on this page may be out of date.',
  },
  ballotPpwp: { id: 'Presiden dan Wakil Presiden', en: 'President and Vice-President' },

  // Levels
  level_nasional: { id: 'Nasional', en: 'National' },
  level_provinsi: { id: 'Provinsi', en: 'Province' },
  level_kabupaten: { id: 'Kabupaten/Kota', en: 'Regency/City' },
  level_kecamatan: { id: 'Kecamatan', en: 'District (kecamatan)' },
  level_desa: { id: 'Desa/Kelurahan', en: 'Village (desa)' },
  level_tps: { id: 'TPS', en: 'Polling station (TPS)' },
  nation: { id: 'Indonesia', en: 'Indonesia' },

  // Region view
  progress: { id: 'Progres TPS masuk', en: 'Polling stations reported' },
  progressOf: { id: '{a} dari {b} TPS', en: '{a} of {b} polling stations' },
  progressShort: { id: 'Progres', en: 'Progress' },
  resultsTitle: { id: 'Perolehan suara', en: 'Votes' },
  pair: { id: 'Pasangan', en: 'Pair' },
  pairNo: { id: 'Nomor urut {n}', en: 'Number {n}' },
  votes: { id: 'suara', en: 'votes' },
  validVotes: { id: 'Suara sah', en: 'Valid votes' },
  invalidVotes: { id: 'Suara tidak sah', en: 'Invalid votes' },
  totalVotes: { id: 'Jumlah suara', en: 'Total votes' },
  childrenTitle: { id: 'Rincian per {level}', en: 'By {level}' },
  childrenEmpty: { id: 'Tidak ada wilayah di bawah ini.', en: 'No regions below this one.' },
  colRegion: { id: 'Wilayah', en: 'Region' },
  colStatus: { id: 'Status', en: 'Status' },
  countedOnly: {
    id: 'Hanya hasil TPS yang lolos pemeriksaan aritmetika yang dihitung. Hasil yang ditandai menunggu pemeriksaan.',
    en: 'Only polling-station results that pass the arithmetic checks are counted. Flagged results await review.',
  },

  // TPS status
  status_none: { id: 'Belum masuk', en: 'Not yet reported' },
  status_counted: { id: 'Dihitung', en: 'Counted' },
  status_flagged: { id: 'Ditandai', en: 'Flagged' },
  vstatus_clean: { id: 'Konsisten', en: 'Consistent' },
  vstatus_flagged: { id: 'Ditandai', en: 'Flagged' },

  // TPS view
  registeredDpt: { id: 'DPT terdaftar', en: 'Registered voters (DPT)' },
  notReportedYet: {
    id: 'Hasil TPS ini belum masuk.',
    en: 'This polling station has not reported yet.',
  },
  showingVersion: { id: 'Menampilkan versi {v}', en: 'Showing version {v}' },
  countingVersion: { id: 'Versi {v} yang dihitung.', en: 'Version {v} counts.' },
  noCountingVersion: {
    id: 'Belum ada versi yang dihitung: hasil yang ditandai menunggu pemeriksaan.',
    en: 'No version counts yet: flagged results await review.',
  },
  flaggedNotCounted: {
    id: 'Versi ini ditandai dan tidak dihitung sampai diperiksa.',
    en: 'This version is flagged and does not count until reviewed.',
  },
  flagsTitle: { id: 'Aturan yang dilanggar', en: 'Broken rules' },
  noFlags: {
    id: 'Semua pemeriksaan aritmetika terpenuhi.',
    en: 'All arithmetic checks pass.',
  },
  photosTitle: { id: 'Foto formulir C.Hasil', en: 'Photos of form C.Hasil' },
  photoAlt: { id: 'Foto formulir C.Hasil, halaman {n}', en: 'Photo of form C.Hasil, page {n}' },
  openPhoto: { id: 'Buka ukuran penuh', en: 'Open full size' },
  noPhotos: { id: 'Tidak ada foto.', en: 'No photos.' },
  formTitle: { id: 'Isi formulir C.Hasil', en: 'Form C.Hasil as written' },
  secI: { id: 'I. Data pemilih dan pengguna hak pilih', en: 'I. Voters' },
  secIA: { id: 'A. Daftar Pemilih Tetap (DPT)', en: 'A. Permanent voter list (DPT)' },
  secIB: { id: 'B. Pengguna hak pilih', en: 'B. Voters who voted' },
  rowDpt: { id: 'Pemilih dalam DPT', en: 'From the DPT' },
  rowDptb: { id: 'Pemilih pindahan (DPTb)', en: 'Moved in (DPTb)' },
  rowDpk: { id: 'Pemilih tambahan (DPK)', en: 'ID card only (DPK)' },
  rowVotersTotal: { id: 'Jumlah pengguna hak pilih', en: 'All voters' },
  colL: { id: 'L', en: 'M' },
  colP: { id: 'P', en: 'F' },
  colLFull: { id: 'Laki-laki', en: 'Male' },
  colPFull: { id: 'Perempuan', en: 'Female' },
  colTotal: { id: 'Jumlah', en: 'Total' },
  secII: { id: 'II. Data penggunaan surat suara', en: 'II. Ballot papers' },
  rowReceived: {
    id: 'Diterima (termasuk cadangan 2%)',
    en: 'Received (incl. 2% reserve)',
  },
  rowUsed: { id: 'Digunakan', en: 'Used' },
  rowReturned: { id: 'Dikembalikan (rusak/keliru coblos)', en: 'Returned (damaged/miscast)' },
  rowUnused: { id: 'Tidak digunakan', en: 'Unused' },
  secIII: { id: 'III. Pemilih disabilitas yang memilih', en: 'III. Voters with disabilities' },
  secIV: { id: 'IV. Perolehan suara sah', en: 'IV. Valid votes per pair' },
  secV: { id: 'V. Jumlah suara', en: 'V. Vote totals' },
  rowValid: { id: 'A. Suara sah', en: 'A. Valid votes' },
  rowInvalid: { id: 'B. Suara tidak sah', en: 'B. Invalid votes' },
  rowTotal: { id: 'C. Jumlah suara sah dan tidak sah', en: 'C. Valid and invalid votes' },
  fieldBreaks: { id: 'melanggar aturan', en: 'breaks a rule' },
  fieldAnomaly: { id: 'ada temuan anomali', en: 'has an anomaly finding' },
  rowDisabled: { id: 'Pemilih disabilitas', en: 'Voters with disabilities' },

  // Anomalies (the anomaly engine's findings for the current result)
  anomaliesTitle: { id: 'Anomali', en: 'Anomalies' },
  anomaliesIntro: {
    id: 'Pemeriksaan otomatis atas hasil terkini (versi {v}): aturan formulir, angka yang mustahil, kemungkinan salah baca, pencilan dibanding TPS sekitar, dan duplikat.',
    en: 'Automatic checks of the current result (version {v}): form rules, impossible values, likely misreads, outliers against nearby TPS, and duplicates.',
  },
  anomaliesOtherVersion: {
    id: 'Temuan ini untuk versi {v}, bukan versi yang sedang dilihat.',
    en: 'These findings are for version {v}, not the one shown.',
  },
  noAnomalies: { id: 'Tidak ada anomali.', en: 'No anomalies.' },
  anomaliesNote: {
    id: 'Temuan hanya untuk diperiksa. Pencilan dan usulan salah baca tidak pernah mengubah angka: hanya kiriman baru yang dapat mengubahnya.',
    en: 'Findings are for review only. Outliers and proposed misreads never change a number: only a new submission can.',
  },
  kind_rule: { id: 'Aturan', en: 'Rule' },
  kind_impossible: { id: 'Mustahil', en: 'Impossible' },
  kind_incomplete: { id: 'Tidak lengkap', en: 'Incomplete' },
  kind_misread: { id: 'Salah baca?', en: 'Misread?' },
  kind_outlier: { id: 'Pencilan', en: 'Outlier' },
  kind_duplicate: { id: 'Duplikat', en: 'Duplicate' },
  misreadProposal: {
    id: 'kemungkinan salah baca: {read} → {proposed} (yakin {pct})',
    en: 'likely misread: {read} → {proposed} ({pct} confident)',
  },
  misreadOthers: { id: 'kemungkinan lain', en: 'other possibilities' },
  misreadSum: {
    id: 'kemungkinan beberapa angka salah baca; jumlahnya seharusnya {sum}',
    en: 'several values likely misread; their sum should be {sum}',
  },
  sameAsTps: { id: 'TPS terkait', en: 'Related TPS' },

  // Another source's numbers beside Rekap's
  colRekap: { id: 'Rekap', en: 'Rekap' },
  colSirekap: { id: 'Sirekap', en: 'Sirekap' },
  sirekapImported: {
    id: 'Kolom Sirekap: angka dari Sirekap KPU untuk TPS ini, diimpor {time}.',
    en: "Sirekap column: the KPU's Sirekap numbers for this TPS, imported {time}.",
  },
  sirekapDiffers: {
    id: '{n} angka berbeda dengan Sirekap (ditandai kuning).',
    en: '{n} number(s) differ from Sirekap (marked in yellow).',
  },
  sirekapSame: {
    id: 'Semua angka yang ada di Sirekap sama dengan Rekap.',
    en: 'Every number Sirekap has matches Rekap.',
  },
  differsFromSirekap: { id: 'berbeda dengan Sirekap', en: 'differs from Sirekap' },
  emptyInSirekap: { id: 'kosong di Sirekap', en: 'empty in Sirekap' },

  historyTitle: { id: 'Riwayat versi', en: 'Version history' },
  historyNote: {
    id: 'Tidak ada yang ditimpa: setiap kiriman disimpan sebagai versi baru, lengkap dengan sidik (hash) dan foto.',
    en: 'Nothing is overwritten: every submission is kept as a new version, with its hash and photos.',
  },
  colVersion: { id: 'Versi', en: 'Version' },
  colReceived: { id: 'Diterima', en: 'Received' },
  colHash: { id: 'Hash', en: 'Hash' },
  counts: { id: 'dihitung', en: 'counts' },
  replaces: { id: 'menggantikan v{v}', en: 'replaces v{v}' },
  replacedBy: { id: 'digantikan v{v}', en: 'replaced by v{v}' },
  view: { id: 'Lihat', en: 'View' },
  viewing: { id: 'Sedang dilihat', en: 'Viewing' },
  footerSource: { id: 'Perangkat lunak sumber terbuka', en: 'Open-source software' },
  footerApi: { id: 'Data terbuka (API)', en: 'Open data (API)' },
  chainHead: {
    id: 'Kepala rantai catatan: peristiwa #{seq}, {hash}',
    en: 'Head of the record chain: event #{seq}, {hash}',
  },
  recapTitle: { id: 'Status rekapitulasi', en: 'Recap status' },
  'recap-unofficial-partial': {
    id: 'Sementara: rekapitulasi tingkat ini belum ditutup',
    en: "Unofficial, partial: this level's recap is not closed yet",
  },
  'recap-certified': {
    id: 'Ditetapkan: rekapitulasi tingkat ini ditutup dan ditandatangani (D.Hasil)',
    en: "Certified: this level's recap is closed and signed (D.Hasil)",
  },
  'recap-correction': {
    id: 'Koreksi: rekapitulasi dibuka kembali setelah ditutup; angka dapat berubah',
    en: 'Correction: the recap was reopened after it closed; the numbers may change',
  },
  recapDhasil: { id: 'D.Hasil yang ditandatangani', en: 'The signed D.Hasil' },
  recapDhasilLast: {
    id: 'D.Hasil terakhir (sebelum dibuka kembali)',
    en: 'The last D.Hasil (before it was reopened)',
  },
  // Region pages (region-view.ts, progress-chart.ts, search-view.ts, the anomalies page)
  progressReported: { id: '{a} dari {b} TPS melapor', en: '{a} of {b} polling stations reported' },
  progressCounted: { id: 'Dihitung', en: 'Counted' },
  progressFlagged: { id: 'Ditandai', en: 'Flagged' },
  progressInReview: { id: 'Dalam peninjauan', en: 'In review' },
  progressCell: { id: '{a}/{b} melapor · {c} dihitung', en: '{a}/{b} reported · {c} counted' },
  progressFlaggedN: { id: '{n} ditandai', en: '{n} flagged' },
  validShort: { id: 'Sah', en: 'Valid' },
  flaggedTitle: {
    id: 'TPS yang ditandai atau ditinjau',
    en: 'Flagged or in-review polling stations',
  },
  flaggedNone: {
    id: 'Tidak ada TPS yang ditandai atau dalam peninjauan.',
    en: 'No polling station is flagged or in review.',
  },
  flaggedCount: {
    id: '{n} TPS menunggu pemeriksaan petugas:',
    en: '{n} polling station(s) wait for an official to check them:',
  },
  listCut: { id: 'Menampilkan {n} dari {total}.', en: 'Showing {n} of {total}.' },
  anomaliesPageLink: {
    id: 'Halaman anomali wilayah ini (ditandai, koreksi, terlambat)',
    en: "This region's anomalies page (flagged, corrections, late)",
  },
  review_none: { id: 'Belum masuk', en: 'Not yet reported' },
  review_counted: { id: 'Dihitung', en: 'Counted' },
  review_corrected: { id: 'Dikoreksi', en: 'Corrected' },
  review_flagged: { id: 'Ditandai', en: 'Flagged' },
  review_in_review: { id: 'Dalam peninjauan', en: 'In review' },
  review_photo_requested: { id: 'Menunggu foto baru', en: 'Waiting for a new photo' },
  chartTitle: { id: 'TPS melapor per jam', en: 'Polling stations reported by hour' },
  chartSummary: {
    id: '{n} dari {total} TPS ({pct}) telah melapor sampai pukul {time}.',
    en: '{n} of {total} polling stations ({pct}) had reported by {time}.',
  },
  chartEmpty: { id: 'Belum ada TPS yang melapor.', en: 'No polling station has reported yet.' },
  chartTable: { id: 'Angka per jam', en: 'Figures by hour' },
  chartHour: { id: 'Jam', en: 'Hour' },
  chartNew: { id: 'TPS baru melapor', en: 'Newly reported' },
  chartCumulative: { id: 'Jumlah sampai jam itu', en: 'Total by then' },
  searchLabel: {
    id: 'Cari TPS, desa atau kecamatan',
    en: 'Search a polling station, village or district',
  },
  searchPlaceholder: { id: 'Kode TPS atau nama wilayah', en: 'TPS code or region name' },
  searchButton: { id: 'Cari', en: 'Search' },
  searchFailed: { id: 'Pencarian gagal. Coba lagi.', en: 'The search failed. Try again.' },
  searchNone: { id: 'Tidak ada hasil untuk “{q}”.', en: 'Nothing found for “{q}”.' },
  searchCount: { id: '{n} hasil untuk “{q}”:', en: '{n} result(s) for “{q}”:' },
  anomaliesPageTitle: { id: 'Anomali', en: 'Anomalies' },
  anomaliesPageIntro: {
    id: 'TPS yang ditandai atau ditinjau, koreksi oleh petugas, dan TPS yang terlambat di wilayah ini.',
    en: 'Flagged or in-review polling stations, corrections by officials, and late polling stations in this region.',
  },
  backToRegion: { id: 'Kembali ke hasil wilayah ini', en: "Back to this region's results" },
  issuesFlaggedTitle: { id: 'Ditandai atau ditinjau', en: 'Flagged or in review' },
  issuesFlaggedIntro: {
    id: 'Hasil terbaru TPS ini ditahan sampai diperiksa, menunggu foto baru, atau ada keberatan terbuka.',
    en: 'The newest result of these polling stations is held until checked, waits for a new photo, or has an open objection.',
  },
  issuesCorrectionsTitle: { id: 'Koreksi', en: 'Corrections' },
  issuesCorrectionsIntro: {
    id: 'Versi baru yang dibuat petugas dalam rapat pleno, dengan alasannya. Versi lama tetap tersimpan.',
    en: 'New versions made by officials in a plenary, with their reason. The old version stays on record.',
  },
  issuesCorrectionsNone: { id: 'Belum ada koreksi.', en: 'No corrections yet.' },
  issuesLateTitle: { id: 'Terlambat', en: 'Late' },
  issuesLateIntro: {
    id: 'TPS yang belum melapor, padahal TPS lain di desanya sudah.',
    en: 'Polling stations that have not reported while others in their village have.',
  },
  issuesLateNone: { id: 'Tidak ada TPS yang terlambat.', en: 'No polling station is late.' },
  issueNoCounted: {
    id: 'Versi terbaru v{v}; belum ada versi yang dihitung.',
    en: 'Newest version v{v}; no version counts yet.',
  },
  issueCounted: {
    id: 'Versi terbaru v{v}; versi v{c} tetap dihitung.',
    en: 'Newest version v{v}; version v{c} still counts.',
  },
  issueCorrection: {
    id: 'v{from} dikoreksi menjadi v{to} ({n} angka diubah)',
    en: 'v{from} corrected as v{to} ({n} number(s) changed)',
  },
  issueLate: {
    id: '{a} dari {b} TPS di desa ini sudah melapor.',
    en: '{a} of {b} polling stations in this village have reported.',
  },
  footerApiDocs: { id: 'Referensi API', en: 'API reference' },
  footerSignalMap: { id: 'Peta sinyal', en: 'Signal map' },
} as const satisfies Dictionary;

export type StringKey = keyof typeof PORTAL_STRINGS;
