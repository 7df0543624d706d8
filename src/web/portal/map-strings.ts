// The map panel's strings (map-loader.ts), in Bahasa Indonesia (first) and English.
import type { Dictionary } from '../shared/i18n.ts';

export const MAP_STRINGS = {
  mapTitle: { id: 'Peta', en: 'Map' },
  mapShow: { id: 'Tampilkan peta', en: 'Show map' },
  mapLoading: { id: 'Memuat peta…', en: 'Loading the map…' },
  mapFailed: {
    id: 'Peta tidak dapat dimuat di peramban ini. Semua angka ada di tabel.',
    en: 'The map could not be loaded in this browser. Every number is in the table.',
  },
  mapModeLabel: { id: 'Warnai menurut', en: 'Colour by' },
  mapModeLeading: { id: 'Yang unggul', en: 'Leading pair' },
  mapModeProgress: { id: 'Progres', en: 'Progress' },
  mapLeads: { id: '{pair} unggul', en: '{pair} leads' },
  mapNoResults: { id: 'Belum ada hasil', en: 'No results yet' },
  mapShade: {
    id: 'Makin pekat warnanya, makin besar bagian suara pasangan yang unggul.',
    en: "The darker the colour, the larger the leading pair's share of the votes.",
  },
  mapProgressScale: { id: 'TPS yang sudah masuk', en: 'TPS reported' },
  mapHint: {
    id: 'Klik wilayah di peta untuk membukanya. Tabel memuat angka yang sama.',
    en: 'Click a region on the map to open it. The table holds the same numbers.',
  },
  mapSource: {
    id: 'Batas wilayah: cahyadsn/wilayah_boundaries (MIT), disederhanakan.',
    en: 'Boundaries: cahyadsn/wilayah_boundaries (MIT), simplified.',
  },
} as const satisfies Dictionary;

export type MapStringKey = keyof typeof MAP_STRINGS;
