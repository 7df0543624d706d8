// A stand-in for a photographed C.Hasil PPWP sheet, for the demo's simulated night: a simplified
// form with the TPS code, every field's label and its number in three digit boxes, and a large DEMO
// watermark. The machine may have no fonts, so digits, the TPS code and the watermark are drawn as
// strokes (7-segment style, slightly wobbly like handwriting); only the labels are SVG text.
import sharp from 'sharp';
import { PPWP_2024 } from '../core/ballots.ts';
import type { CHasil } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import { createRandom, type Random } from '../core/random.ts';
import { DIGIT_SEGMENTS } from '../core/seven-segment.ts';

const W = 600;
const H = 900;
const INK = '#1c2f86';
const PRINT = '#222';
const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

type Pt = [number, number];

// Segment end points in a unit box (x right, y down): a top, b top-right, c bottom-right, d bottom,
// e bottom-left, f top-left, g middle.
const SEGMENTS: Record<string, [Pt, Pt]> = {
  a: [
    [0, 0],
    [1, 0],
  ],
  b: [
    [1, 0],
    [1, 0.5],
  ],
  c: [
    [1, 0.5],
    [1, 1],
  ],
  d: [
    [0, 1],
    [1, 1],
  ],
  e: [
    [0, 0.5],
    [0, 1],
  ],
  f: [
    [0, 0],
    [0, 0.5],
  ],
  g: [
    [0, 0.5],
    [1, 0.5],
  ],
};

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const f1 = (n: number) => n.toFixed(1);

/** A 7-segment digit (or `x` for a crossed-out box) as an SVG path inside the given box. */
function digitPath(
  rnd: Random,
  ch: string,
  x: number,
  y: number,
  w: number,
  h: number,
  wobble: number,
): string {
  const j = () => rnd.uniform(-wobble, wobble);
  if (ch === 'x')
    return `M${f1(x + j())} ${f1(y + j())}L${f1(x + w + j())} ${f1(y + h + j())}M${f1(x + w + j())} ${f1(y + j())}L${f1(x + j())} ${f1(y + h + j())}`;
  const segs = DIGIT_SEGMENTS[Number(ch)] ?? '';
  const slant = 0.12 * w;
  const at = ([u, v]: Pt): string =>
    f1(x + u * w + (1 - v) * slant + j()) + ' ' + f1(y + v * h + j());
  return [...segs]
    .map((s) => {
      const seg = SEGMENTS[s];
      return seg ? `M${at(seg[0])}L${at(seg[1])}` : '';
    })
    .join('');
}

/** A string of digits and dots drawn as strokes, left to right; returns the path data. */
function strokeText(rnd: Random, text: string, x: number, y: number, w: number, h: number): string {
  let cx = x;
  let d = '';
  for (const ch of text) {
    if (ch === '.') {
      d += `M${f1(cx + 1)} ${f1(y + h - 1)}l0.1 0`;
      cx += w * 0.5;
    } else if (/\d/.test(ch)) {
      // A 7-segment 1 sits on the right of its cell; pull it left so it doesn't look like a gap.
      const shift = ch === '1' ? -w * 0.45 : 0;
      d += digitPath(rnd, ch, cx + shift, y, w * 0.8, h, 0);
      cx += ch === '1' ? w * 0.8 : w * 1.25;
    } else cx += w;
  }
  return d;
}

/** "DEMO" as strokes in a 4-letter grid; letter size `s` (height), origin top-left. */
function demoLetters(x: number, y: number, s: number): string {
  const w = s * 0.7;
  const gap = s * 0.25;
  const L = (i: number) => x + i * (w + gap);
  const d0 = L(0);
  const e0 = L(1);
  const m0 = L(2);
  const o0 = L(3);
  return [
    `M${f1(d0)} ${f1(y)}L${f1(d0)} ${f1(y + s)}L${f1(d0 + w * 0.55)} ${f1(y + s)}Q${f1(d0 + w)} ${f1(y + s)} ${f1(d0 + w)} ${f1(y + s / 2)}Q${f1(d0 + w)} ${f1(y)} ${f1(d0 + w * 0.55)} ${f1(y)}Z`,
    `M${f1(e0 + w)} ${f1(y)}L${f1(e0)} ${f1(y)}L${f1(e0)} ${f1(y + s)}L${f1(e0 + w)} ${f1(y + s)}M${f1(e0)} ${f1(y + s / 2)}L${f1(e0 + w * 0.8)} ${f1(y + s / 2)}`,
    `M${f1(m0)} ${f1(y + s)}L${f1(m0)} ${f1(y)}L${f1(m0 + w / 2)} ${f1(y + s * 0.55)}L${f1(m0 + w)} ${f1(y)}L${f1(m0 + w)} ${f1(y + s)}`,
    `M${f1(o0 + w / 2)} ${f1(y)}A${f1(w / 2)} ${f1(s / 2)} 0 1 0 ${f1(o0 + w / 2)} ${f1(y + s)}A${f1(w / 2)} ${f1(s / 2)} 0 1 0 ${f1(o0 + w / 2)} ${f1(y)}Z`,
  ].join('');
}

type Field = { label: string; value: number };
type Row =
  | { kind: 'title'; text: string }
  | { kind: 'gender-head' }
  | { kind: 'gender'; label: string; g: { l: number; p: number; total: number } }
  | { kind: 'fields'; fields: Field[] };

function pageRows(r: CHasil, page: 1 | 2 | 3 | undefined): Row[] {
  const pairName = (n: string) => {
    const p =
      PPWP_2024.kind === 'pair' ? PPWP_2024.pairs.find((x) => String(x.number) === n) : undefined;
    const first = (s: string) => s.split(' ')[0] ?? s;
    return p ? `${n}. ${first(p.names[0])} - ${first(p.names[1])}` : `Pasangan ${n}`;
  };
  const one: Row[] = [
    { kind: 'title', text: 'I. DATA PEMILIH DAN PENGGUNA HAK PILIH' },
    { kind: 'gender-head' },
    { kind: 'gender', label: 'A. DPT', g: r.dpt },
    { kind: 'gender', label: 'B1. Pengguna DPT', g: r.voters.dpt },
    { kind: 'gender', label: 'B2. Pengguna DPTb', g: r.voters.dptb },
    { kind: 'gender', label: 'B3. Pengguna DPK', g: r.voters.dpk },
    { kind: 'gender', label: 'B4. Jumlah pengguna', g: r.voters.total },
    { kind: 'title', text: 'II. DATA PENGGUNAAN SURAT SUARA' },
    {
      kind: 'fields',
      fields: [
        { label: '1. Diterima', value: r.ballots.received },
        { label: '2. Digunakan', value: r.ballots.used },
      ],
    },
    {
      kind: 'fields',
      fields: [
        { label: '3. Dikembalikan', value: r.ballots.returned },
        { label: '4. Tidak digunakan', value: r.ballots.unused },
      ],
    },
    { kind: 'title', text: 'III. PEMILIH DISABILITAS' },
    { kind: 'gender', label: 'Disabilitas', g: r.disabled },
  ];
  const two: Row[] = [
    { kind: 'title', text: 'IV. PEROLEHAN SUARA PASANGAN CALON' },
    ...Object.entries(r.votes).map(([k, v]): Row => ({
      kind: 'fields',
      fields: [{ label: pairName(k), value: v }],
    })),
  ];
  const three: Row[] = [
    { kind: 'title', text: 'V. SUARA SAH DAN TIDAK SAH' },
    {
      kind: 'fields',
      fields: [
        { label: 'A. Suara sah', value: r.valid },
        { label: 'B. Tidak sah', value: r.invalid },
      ],
    },
    { kind: 'fields', fields: [{ label: 'C. Jumlah (A+B)', value: r.total }] },
  ];
  if (page === 1) return one;
  if (page === 2) return two;
  if (page === 3) return three;
  return [...one, ...two, ...three];
}

/** Three digit boxes with the value written in them; unused leading boxes crossed with an X. */
function boxes(
  rnd: Random,
  value: number,
  x: number,
  y: number,
  bw: number,
  bh: number,
): { frame: string; ink: string } {
  const digits = String(Math.max(0, Math.min(999, value))).padStart(3, '0');
  const firstUsed = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  let frame = '';
  let ink = '';
  for (let i = 0; i < 3; i++) {
    const bx = x + i * bw;
    frame += `<rect x="${f1(bx)}" y="${f1(y)}" width="${f1(bw)}" height="${f1(bh)}"/>`;
    const m = bw * 0.22;
    const ch = i < firstUsed ? 'x' : (digits[i] ?? '0');
    ink += digitPath(rnd, ch, bx + m, y + bh * 0.16, bw - 2.2 * m, bh * 0.68, bw * 0.03);
  }
  return { frame, ink };
}

/**
 * A JPEG of a simplified, "photographed" C.Hasil PPWP sheet with the numbers of `result`, about
 * 600x900 px. `pages`: draw only that page of the three-page plano form (1: sections I-III, 2:
 * section IV, 3: section V); left out, one sheet holds every section. Deterministic for its inputs.
 */
export async function demoFormPhoto(
  tps: TpsCode,
  result: CHasil,
  opts: { pages?: 1 | 2 | 3 } = {},
): Promise<Buffer> {
  const page = opts.pages;
  const rnd = createRandom(0).fork(`${tps}/${String(page ?? 0)}`);
  const rows = pageRows(result, page);
  const big = page === 2 || page === 3;
  const bw = big ? 40 : 20;
  const bh = big ? 56 : 27;
  const rowH = bh + (big ? 26 : 8);
  const titleH = big ? 34 : 22;
  const left = 46;
  const right = W - 46;

  const text: string[] = [];
  const frames: string[] = [];
  const ink: string[] = [];
  const label = (x: number, y: number, s: string, size = 11, weight = 'normal', anchor = 'start') =>
    text.push(
      `<text x="${f1(x)}" y="${f1(y)}" font-size="${String(size)}" font-weight="${weight}" text-anchor="${anchor}">${esc(s)}</text>`,
    );

  // Header: title box, page, TPS code in strokes.
  frames.push(`<rect x="${String(left)}" y="48" width="210" height="34" stroke-width="2"/>`);
  label(left + 105, 71, 'MODEL C.HASIL-PPWP', 15, 'bold', 'middle');
  label(right, 62, 'PEMILU PRESIDEN DAN WAKIL PRESIDEN 2024', 9, 'bold', 'end');
  label(
    right,
    76,
    page ? `Halaman ${String(page)} dari 3` : 'Ringkasan halaman 1-3',
    9,
    'normal',
    'end',
  );
  label(left, 110, 'TPS', 12, 'bold');
  const code = strokeText(rnd, tps, left + 40, 96, 11, 18);
  label(left, 136, 'Kab. Ogan Komering Ulu Timur, Sumatera Selatan', 10);

  let y = 156;
  const gx = [300, 390, 480];
  for (const row of rows) {
    switch (row.kind) {
      case 'title':
        y += 6;
        frames.push(
          `<line x1="${String(left)}" y1="${f1(y)}" x2="${String(right)}" y2="${f1(y)}"/>`,
        );
        label(left, y + titleH - 6, row.text, big ? 15 : 11, 'bold');
        y += titleH;
        break;
      case 'gender-head':
        for (const [i, h] of ['L', 'P', 'L+P'].entries())
          label((gx[i] ?? 0) + bw * 1.5, y + 12, h, 11, 'bold', 'middle');
        y += 18;
        break;
      case 'gender': {
        label(left + 6, y + bh * 0.68, row.label, 11);
        for (const [i, v] of [row.g.l, row.g.p, row.g.total].entries()) {
          const b = boxes(rnd, v, gx[i] ?? 0, y, bw, bh);
          frames.push(b.frame);
          ink.push(b.ink);
        }
        y += rowH;
        break;
      }
      case 'fields': {
        const colW = (right - left) / 2;
        for (const [i, f] of row.fields.entries()) {
          const x0 = left + i * colW;
          const single = row.fields.length === 1;
          label(x0 + 6, y + bh * 0.66, f.label, big ? 15 : 11);
          const bx = single ? right - 3 * bw - 10 : x0 + colW - 3 * bw - 14;
          const b = boxes(rnd, f.value, bx, y, bw, bh);
          frames.push(b.frame);
          ink.push(b.ink);
        }
        y += rowH;
        break;
      }
    }
  }
  // Signature lines.
  const sy = Math.max(y + 30, H - 110);
  for (const [i, who] of ['Ketua KPPS', 'Saksi', 'Pengawas TPS'].entries()) {
    const x0 = left + i * 175;
    frames.push(
      `<line x1="${String(x0)}" y1="${String(sy + 40)}" x2="${String(x0 + 150)}" y2="${String(sy + 40)}"/>`,
    );
    label(x0, sy + 55, who, 9);
    ink.push(`M${f1(x0 + 20)} ${String(sy + 34)}q12 -22 24 -4t24 -6t30 2`);
  }

  // Registration markers: two black squares touching diagonally, in each corner of the sheet.
  const marker = (x: number, y0: number) =>
    `<rect x="${String(x)}" y="${String(y0)}" width="9" height="9"/><rect x="${String(x + 9)}" y="${String(y0 + 9)}" width="9" height="9"/>`;
  const markers = [
    marker(24, 24),
    marker(W - 42, 24),
    marker(24, H - 42),
    marker(W - 42, H - 42),
  ].join('');

  const tilt = rnd.uniform(-1.5, 1.5);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${String(W)}" height="${String(H)}" viewBox="0 0 ${String(W)} ${String(H)}">
<defs>
  <radialGradient id="light" cx="${f1(rnd.uniform(0.3, 0.7))}" cy="0.35" r="0.8">
    <stop offset="0" stop-color="#fff" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.28"/>
  </radialGradient>
</defs>
<rect width="100%" height="100%" fill="#5b4a3a"/>
<g transform="rotate(${tilt.toFixed(2)} ${String(W / 2)} ${String(H / 2)})">
  <rect x="8" y="8" width="${String(W - 16)}" height="${String(H - 16)}" fill="#f3f0e6"/>

  <g fill="#000">${markers}</g>
  <g fill="none" stroke="${PRINT}" stroke-width="1.2">${frames.join('')}</g>
  <g fill="${PRINT}" font-family="${FONT}">${text.join('')}</g>
  <path d="${code}" fill="none" stroke="${PRINT}" stroke-width="2" stroke-linecap="round"/>
  <path d="${ink.join('')}" fill="none" stroke="${INK}" stroke-width="${big ? '4' : '2.6'}" stroke-linecap="round" stroke-linejoin="round"/>
  <path d="${demoLetters(70, 380, 150)}" transform="rotate(-32 300 450)" fill="none" stroke="#d01818" stroke-opacity="0.22" stroke-width="22" stroke-linejoin="round" stroke-linecap="round"/>
</g>
<rect width="100%" height="100%" fill="url(#light)"/>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 72 }).toBuffer();
}
