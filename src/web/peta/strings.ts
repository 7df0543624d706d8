// Every string of the signal map page (/peta/), in Bahasa Indonesia (first) and English; the
// mechanism (language, lookup) is shared/i18n.ts, numbers follow portal/format.ts.
import { SWITCH_LANG, type Dictionary } from '../shared/i18n.ts';

export const PETA_STRINGS = {
  skipToContent: { id: 'Langsung ke isi', en: 'Skip to content' },
  switchLang: SWITCH_LANG,
  switchLangLabel: { id: 'Switch to English', en: 'Ganti ke Bahasa Indonesia' },
  demoTag: { id: 'DEMO', en: 'DEMO' },
  demoBanner: {
    id: 'data simulasi, bukan hasil resmi pemilu.',
    en: 'simulated data, not official election results.',
  },
  pageTitle: { id: 'Peta sinyal TPS', en: 'TPS signal map' },
  eyebrow: { id: 'Blank spot dan titik kirim', en: 'Blank spots and sending points' },
  intro: {
    id: 'Kelas sinyal tiap TPS dari pengukuran di lapangan, dan untuk TPS tanpa sinyal: titik terdekat dengan sinyal baik untuk mengirim hasil.',
    en: 'The signal class of each TPS from measurements in the field and, for a TPS without signal, the nearest point with good signal to send its result from.',
  },
  loading: { id: 'Memuat…', en: 'Loading…' },
  loadFailed: {
    id: 'Data sinyal tidak dapat dimuat. Coba muat ulang halaman.',
    en: 'The signal data could not be loaded. Try reloading the page.',
  },
  notFound: { id: 'Wilayah ini tidak ditemukan.', en: 'This region was not found.' },
  noRegion: {
    id: 'Pemilu yang dimuat tidak memiliki peta wilayah.',
    en: 'The loaded election has no region map.',
  },
  filterLabel: { id: 'Kecamatan', en: 'District (kecamatan)' },
  filterAll: { id: 'Semua kecamatan', en: 'All districts' },
  listFilterLabel: { id: 'Tampilkan', en: 'Show' },
  listNone: { id: 'Blank spot', en: 'Blank spots' },
  listNoneWeak: { id: 'Blank spot dan sinyal lemah', en: 'Blank spots and weak signal' },
  listAll: { id: 'Semua TPS', en: 'Every TPS' },
  summaryLabel: { id: 'Ringkasan', en: 'Summary' },
  summary: {
    id: '{total} TPS: {good} baik · {weak} lemah · {none} blank spot · {unknown} belum diketahui',
    en: '{total} TPS: {good} good · {weak} weak · {none} blank spot · {unknown} unknown',
  },

  // Classes
  class_good: { id: 'Sinyal baik', en: 'Good signal' },
  class_weak: { id: 'Sinyal lemah', en: 'Weak signal' },
  class_none: { id: 'Blank spot / tidak ada sinyal', en: 'Blank spot / no signal' },
  class_unknown: { id: 'Belum diketahui', en: 'Not known yet' },

  // Map
  mapTitle: { id: 'Peta', en: 'Map' },
  mapShow: { id: 'Tampilkan peta', en: 'Show map' },
  mapLoading: { id: 'Memuat peta…', en: 'Loading the map…' },
  mapFailed: {
    id: 'Peta tidak dapat dimuat di peramban ini. Semua TPS ada di daftar.',
    en: 'The map could not be loaded in this browser. Every TPS is in the list.',
  },
  mapHint: {
    id: 'Klik titik TPS di peta untuk melihat rinciannya. Daftar memuat hal yang sama.',
    en: 'Click a TPS point on the map to see its details. The list holds the same.',
  },
  legendTitle: { id: 'Keterangan', en: 'Legend' },
  legendSending: {
    id: 'Titik kirim (sinyal baik terdekat)',
    en: 'Sending point (nearest good signal)',
  },
  legendLine: {
    id: 'Garis: dari TPS ke titik kirimnya',
    en: 'Line: from a TPS to its sending point',
  },
  legendShade: {
    id: 'Warna desa: makin pekat, makin besar bagian TPS-nya yang blank spot.',
    en: 'Desa colour: the darker, the larger the share of its TPS that are blank spots.',
  },
  mapSource: {
    id: 'Batas wilayah: cahyadsn/wilayah_boundaries (MIT), disederhanakan.',
    en: 'Boundaries: cahyadsn/wilayah_boundaries (MIT), simplified.',
  },

  // The list
  listTitle: { id: 'Daftar TPS', en: 'TPS list' },
  listCount: { id: '{n} TPS', en: '{n} TPS' },
  listEmpty: { id: 'Tidak ada TPS dalam pilihan ini.', en: 'No TPS in this selection.' },
  noSendingPoint: { id: 'tanpa titik kirim', en: 'no sending point' },

  // The panel
  panelTitle: { id: 'Rincian TPS', en: 'TPS details' },
  panelEmpty: {
    id: 'Pilih TPS di peta atau di daftar untuk melihat kelas sinyal dan titik kirimnya.',
    en: 'Choose a TPS on the map or in the list to see its signal class and sending point.',
  },
  panelClose: { id: 'Tutup rincian', en: 'Close the details' },
  fieldDesa: { id: 'Desa/Kelurahan', en: 'Village (desa)' },
  fieldClass: { id: 'Kelas sinyal', en: 'Signal class' },
  fieldScore: { id: 'Skor', en: 'Score' },
  fieldObservations: { id: 'Jumlah pengamatan', en: 'Observations' },
  fieldLast: { id: 'Pengamatan terakhir', en: 'Last observation' },
  fieldSending: { id: 'Titik kirim', en: 'Sending point' },
  fieldUpload: { id: 'Status unggah', en: 'Upload status' },
  fieldPosition: { id: 'Posisi', en: 'Position' },
  noObservation: { id: 'Belum ada pengamatan.', en: 'No observation yet.' },
  lastOk: { id: 'terkirim', en: 'went through' },
  lastFailed: { id: 'gagal', en: 'failed' },
  source_send: { id: 'saat mengirim', en: 'while sending' },
  source_survey: { id: 'survei', en: 'survey' },
  rtt: { id: 'rtt {ms} ms', en: 'rtt {ms} ms' },
  upload: { id: 'unggah {kbps} kbit/s', en: 'upload {kbps} kbit/s' },
  signal: { id: 'sinyal {dbm} dBm', en: 'signal {dbm} dBm' },
  sendingAt: { id: '{distance} ke arah {direction}', en: '{distance} to the {direction}' },
  travel: { id: 'perkiraan perjalanan {time}', en: 'expected travel {time}' },
  measured: { id: 'diukur oleh TPS {tps}, {at}', en: 'measured by TPS {tps}, {at}' },
  sendingNone: {
    id: 'Tidak ada titik dengan sinyal baik dalam jangkauan.',
    en: 'No point with good signal within reach.',
  },
  sendingNotNeeded: {
    id: 'Tidak perlu: hasil dapat dikirim dari TPS.',
    en: 'Not needed: the result can be sent from the TPS.',
  },
  minutes: { id: '{m} menit', en: '{m} min' },
  hoursMinutes: { id: '{h} jam {m} menit', en: '{h} h {m} min' },
  uploadSent: { id: 'Hasil sudah masuk, {at}', en: 'Result received, {at}' },
  uploadSentNoTime: { id: 'Hasil sudah masuk', en: 'Result received' },
  uploadNotSent: { id: 'Hasil belum masuk', en: 'No result yet' },
  position_registry: { id: 'dari data TPS', en: 'from the TPS register' },
  position_survey: { id: 'dari survei di TPS', en: 'from the survey at the TPS' },
  position_synthetic: { id: 'sintetis (demo)', en: 'synthetic (demo)' },
  positionUnknown: { id: 'tidak diketahui (tidak ada di peta)', en: 'not known (not on the map)' },
  notOnMap: { id: 'Posisi TPS ini tidak diketahui.', en: 'The position of this TPS is not known.' },

  // Connections
  conn_none: { id: 'tidak ada sinyal', en: 'no signal' },
  conn_wifi: { id: 'Wi-Fi', en: 'Wi-Fi' },
  conn_unknown: { id: 'jenis tidak diketahui', en: 'unknown type' },

  // Directions (the contract's eight compass points)
  dir_N: { id: 'utara', en: 'north' },
  dir_NE: { id: 'timur laut', en: 'north-east' },
  dir_E: { id: 'timur', en: 'east' },
  dir_SE: { id: 'tenggara', en: 'south-east' },
  dir_S: { id: 'selatan', en: 'south' },
  dir_SW: { id: 'barat daya', en: 'south-west' },
  dir_W: { id: 'barat', en: 'west' },
  dir_NW: { id: 'barat laut', en: 'north-west' },

  // Downloads and notes
  downloadsTitle: { id: 'Rencana pengiriman', en: 'Sending plan' },
  downloadsIntro: {
    id: 'Satu baris per TPS blank spot atau bersinyal lemah, dengan titik kirimnya:',
    en: 'One row per TPS with no or weak signal, with its sending point:',
  },
  downloadCsv: { id: 'CSV (tabel)', en: 'CSV (table)' },
  downloadGeojson: { id: 'GeoJSON (peta)', en: 'GeoJSON (map)' },
  downloadPdf: { id: 'PDF (untuk dicetak)', en: 'PDF (to print)' },
  roundedNote: {
    id: 'Posisi di halaman publik ini dibulatkan hingga sekitar 1 km.',
    en: 'Positions on this public page are rounded to about 1 km.',
  },
  roundedExact: {
    id: 'Posisi di halaman ini tepat (operator yang masuk).',
    en: 'Positions on this page are exact (a logged-in operator).',
  },
  syntheticNote: {
    id: 'Posisi TPS pada demo ini sintetis: titik acak di dalam desanya, bukan lokasi sebenarnya.',
    en: 'The TPS positions of this demo are synthetic: points placed inside their desa, not the real locations.',
  },
  backToPortal: { id: 'Kembali ke portal hasil', en: 'Back to the results portal' },
  generatedAt: { id: 'Dihitung {at}', en: 'Computed {at}' },
} as const satisfies Dictionary;

export type PetaStringKey = keyof typeof PETA_STRINGS;
