// The printable sending-point plan (issue 14, docs/design/blank-spot-map.md "Interfaces"): "Rencana
// titik kirim", one section per kecamatan, each starting on a new page, with a table of its
// blank-spot and weak TPS and where each sends from. A4 landscape (the table is wide), the
// standard fonts only (WinAnsi, as the D.Hasil: src/server/dhasil.ts), a header with the region
// and the time it was made, and "Halaman i dari n" on every page.
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { PlanRow } from '../contract/connectivity.ts';
import { DIRECTION_WORDS } from '../core/late.ts';
import { winAnsi } from './dhasil.ts';

export type PlanPdfInput = {
  region: { code: string; name: string };
  ballot: string;
  generatedAt: string;
  exact: boolean;
  /** In kecamatan order (the plan's rows are in TPS code order). */
  rows: readonly PlanRow[];
};

const PAGE = { width: 841.89, height: 595.28 };
const MARGIN = 36;
const GREY = rgb(0.4, 0.4, 0.4);

const idNumber = (n: number, digits: number) =>
  n.toLocaleString('id-ID', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const CLASS_WORDS: Record<PlanRow['class'], string> = { none: 'blank spot', weak: 'lemah' };

/** The table's columns: header (Indonesian / English) and the cell of a row. */
const COLUMNS: { head: string; width: number; cell: (r: PlanRow) => string }[] = [
  { head: 'TPS', width: 118, cell: (r) => `${r.tps} ${r.name}` },
  { head: 'Desa/Kelurahan', width: 110, cell: (r) => r.desaName },
  { head: 'Kelas / class', width: 58, cell: (r) => CLASS_WORDS[r.class] },
  {
    head: 'Titik kirim (lat, lng)',
    width: 100,
    cell: (r) =>
      r.sendLat === null || r.sendLng === null
        ? 'tidak ada dalam 30 km'
        : `${r.sendLat.toFixed(5)}, ${r.sendLng.toFixed(5)}`,
  },
  {
    head: 'Jarak',
    width: 48,
    cell: (r) => (r.distanceKm === null ? '' : `${idNumber(r.distanceKm, 1)} km`),
  },
  { head: 'Arah', width: 60, cell: (r) => (r.direction ? DIRECTION_WORDS[r.direction] : '') },
  {
    head: 'Perjalanan',
    width: 58,
    cell: (r) => (r.travelMinutes === null ? '' : `±${Math.round(r.travelMinutes)} menit`),
  },
  {
    head: 'Diukur oleh / pada',
    width: 218,
    cell: (r) =>
      r.measuredBy === null ? '' : `${r.measuredBy} / ${(r.measuredAt ?? '').replace('T', ' ')}`,
  },
];

/** The rows grouped by kecamatan, in the order they come. */
function byKecamatan(rows: readonly PlanRow[]): { code: string; name: string; rows: PlanRow[] }[] {
  const groups = new Map<string, { code: string; name: string; rows: PlanRow[] }>();
  for (const r of rows) {
    let g = groups.get(r.kecamatanCode);
    if (!g)
      groups.set(r.kecamatanCode, (g = { code: r.kecamatanCode, name: r.kecamatanName, rows: [] }));
    g.rows.push(r);
  }
  return [...groups.values()];
}

/** Cuts a cell to its column's width, with an ellipsis. */
function fit(s: string, font: PDFFont, size: number, width: number): string {
  const text = winAnsi(s);
  if (font.widthOfTextAtSize(text, size) <= width) return text;
  let cut = text.length;
  while (cut > 1 && font.widthOfTextAtSize(`${text.slice(0, cut)}...`, size) > width) cut--;
  return `${text.slice(0, cut)}...`;
}

export async function renderPlanPdf(input: PlanPdfInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const at = new Date(input.generatedAt);
  doc.setTitle(`Rencana titik kirim ${input.region.code}`);
  doc.setProducer('Rekap');
  doc.setCreationDate(at);
  doc.setModificationDate(at);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);

  let page: PDFPage | undefined;
  let y = 0;
  const text = (
    s: string,
    o: { size?: number; bold?: boolean; x?: number; grey?: boolean } = {},
  ) => {
    const size = o.size ?? 9;
    y -= size * 1.4;
    page!.drawText(winAnsi(s), {
      x: MARGIN + (o.x ?? 0),
      y,
      size,
      font: o.bold ? bold : regular,
      color: o.grey ? GREY : rgb(0, 0, 0),
    });
  };
  const header = () => {
    text(`Rencana titik kirim / Sending-point plan: ${input.region.name} (${input.region.code})`, {
      size: 13,
      bold: true,
    });
    text(
      `Jenis / ballot: ${input.ballot} · Dibuat / generated: ${input.generatedAt} · ${
        input.exact
          ? 'posisi tepat / exact positions'
          : 'posisi dibulatkan 0,01° (±1 km) / positions rounded to 0.01°'
      }`,
      { size: 8, grey: true },
    );
    y -= 6;
  };
  const newPage = () => {
    page = doc.addPage([PAGE.width, PAGE.height]);
    y = PAGE.height - MARGIN;
    header();
  };
  const tableRow = (cells: string[], font: PDFFont, size: number) => {
    y -= size * 1.5;
    let x = MARGIN;
    cells.forEach((c, i) => {
      const col = COLUMNS[i]!;
      page!.drawText(fit(c, font, size, col.width - 4), { x, y, size, font });
      x += col.width;
    });
  };
  const tableHead = () => {
    tableRow(
      COLUMNS.map((c) => c.head),
      bold,
      7.5,
    );
    page!.drawLine({
      start: { x: MARGIN, y: y - 3 },
      end: { x: PAGE.width - MARGIN, y: y - 3 },
      thickness: 0.5,
      color: GREY,
    });
    y -= 2;
  };

  const groups = byKecamatan(input.rows);
  if (groups.length === 0) {
    newPage();
    text('Tidak ada TPS blank spot atau bersinyal lemah di wilayah ini.', { size: 10 });
    text('No TPS of this region is a blank spot or has weak signal.', { size: 9, grey: true });
  }
  for (const g of groups) {
    newPage();
    const blank = g.rows.filter((r) => r.class === 'none').length;
    const section = () => {
      text(`Kecamatan ${g.name} (${g.code})`, { size: 11, bold: true });
      text(
        `${blank} TPS blank spot, ${g.rows.length - blank} TPS sinyal lemah / ${blank} blank-spot, ${g.rows.length - blank} weak-signal TPS`,
        { size: 8 },
      );
      tableHead();
    };
    section();
    for (const r of g.rows) {
      if (y - 7.5 * 1.5 < MARGIN + 14) {
        newPage();
        text(`Kecamatan ${g.name} (${g.code}), lanjutan / continued`, { size: 11, bold: true });
        tableHead();
      }
      tableRow(
        COLUMNS.map((c) => c.cell(r)),
        regular,
        7.5,
      );
    }
  }

  const pages = doc.getPages();
  pages.forEach((p, i) => {
    const s = `Halaman ${i + 1} dari ${pages.length} / page ${i + 1} of ${pages.length}`;
    p.drawText(s, {
      x: PAGE.width - MARGIN - regular.widthOfTextAtSize(s, 7),
      y: MARGIN / 2,
      size: 7,
      font: regular,
      color: GREY,
    });
  });
  return doc.save();
}
