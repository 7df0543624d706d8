// The reader on real photographs (`npm run bench:reader-real`): every photo of the real-photo
// corpus (test/fixtures/real-photos/, and its external/ where derived: see its README) read as
// `rekap form read` reads it. Per photo: page found or the reason, page number right, the known
// fields read right / flagged / wrong without a flag, time. Writes bench/results/reader-real.json
// and bench/results/READER-REAL.md.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { loadIndex, photoPath } from '../test/fixtures/real-photos/corpus.ts';
import { evaluatePhoto, type PhotoOutcome } from '../test/fixtures/real-photos/evaluate.ts';

const root = resolve(import.meta.dirname, '..');
const model = await loadDigitClassifier();
const classify = (crops: Parameters<typeof classifyBoxes>[0]) =>
  classifyBoxes(crops, model).map((r) => r.probabilities);

const index = loadIndex();
const rows: (PhotoOutcome & {
  committed: boolean;
  surface: string;
  corners: string;
  expectedPage: number;
})[] = [];
const missing: string[] = [];
for (const p of index) {
  const path = photoPath(p);
  if (!path) {
    missing.push(p.file);
    console.log(`${p.file}: not derived here (external/; scripts/derive-real-photos.ts)`);
    continue;
  }
  const o = await evaluatePhoto(p, path, classify);
  rows.push({
    ...o,
    committed: p.committed,
    surface: p.surface,
    corners: p.corners,
    expectedPage: p.expected.page,
  });
  console.log(
    `${p.file}: ${o.page.found ? `page ${o.page.page}` : `not found (${o.page.reason}: ${o.page.detail})`}` +
      `, ${o.fields.map((f) => `${f.path} ${f.grade}`).join(', ') || 'no known fields'}` +
      `, ${Math.round(o.ms)} ms`,
  );
}

const count = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).length;
function groupFound(key: (r: (typeof rows)[number]) => string) {
  const out: Record<string, { photos: number; found: number }> = {};
  for (const r of rows) {
    const g = (out[key(r)] ??= { photos: 0, found: 0 });
    g.photos++;
    if (r.page.found) g.found++;
  }
  return out;
}
const groupLine = (g: Record<string, { photos: number; found: number }>) =>
  Object.entries(g)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${v.found} of ${v.photos}`)
    .join(', ');
const fields = rows.flatMap((r) => r.fields);
const inView = rows.filter((r) => r.corners === 'all-in-view');
const summary = {
  photos: rows.length,
  notDerived: missing,
  pagesFound: count((r) => r.page.found),
  pageNumberRight: count((r) => r.pageRight),
  allCornersInView: { photos: inView.length, found: inView.filter((r) => r.page.found).length },
  /** Photos and pages found, by surface (paper, screen) and by the page they show. */
  bySurface: groupFound((r) => r.surface),
  byPage: groupFound((r) => `page ${r.expectedPage}`),
  fields: {
    known: fields.length,
    right: fields.filter((f) => f.grade === 'right').length,
    flagged: fields.filter((f) => f.grade === 'flagged').length,
    wrongWithoutFlag: fields.filter((f) => f.grade === 'wrong').length,
  },
  msPerPhoto: {
    p50: rows.length
      ? [...rows.map((r) => r.ms)].sort((a, b) => a - b)[(rows.length - 1) >> 1]!
      : 0,
    max: Math.max(0, ...rows.map((r) => r.ms)),
  },
};
const result = {
  date: new Date().toISOString(),
  machine: { cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`, node: process.version },
  summary,
  photos: rows,
};
writeFileSync(join(root, 'bench/results/reader-real.json'), `${JSON.stringify(result, null, 2)}\n`);

const cell = (s: string) => s.replace(/\|/g, '\\|');
const md = `# The reader on real photographs

\`npm run bench:reader-real\`, ${result.date.slice(0, 10)}, ${result.machine.cpus}, Node ${result.machine.node}.
The corpus and where each photo comes from: \`test/fixtures/real-photos/\` (README.md, index.json).
${missing.length ? `Not derived on this machine, so not measured: ${missing.join(', ')}.\n` : ''}
- Pages found: **${summary.pagesFound} of ${summary.photos}** (all four corners in view: ${summary.allCornersInView.found} of ${summary.allCornersInView.photos}); page number right: ${summary.pageNumberRight}.
- Found by surface: ${groupLine(summary.bySurface)}; by the page shown: ${groupLine(summary.byPage)}.
- Known fields: ${summary.fields.known}; right ${summary.fields.right}, flagged ${summary.fields.flagged}, **wrong without a flag ${summary.fields.wrongWithoutFlag}**.
- Time per photo (decode and read, one core): p50 ${Math.round(summary.msPerPhoto.p50)} ms, max ${Math.round(summary.msPerPhoto.max)} ms.

| photo | size | surface | corners | page | page right | fields (right / flagged / wrong) | ms |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows
  .map((r) => {
    const g = (k: string) => r.fields.filter((f) => f.grade === k).length;
    const page = r.page.found
      ? `page ${r.page.page}`
      : `not found: ${r.page.reason} (${cell(r.page.detail)})`;
    return `| ${r.file}${r.committed ? '' : ' (external)'} | ${r.width} x ${r.height} | ${r.surface} | ${r.corners} | ${page} | ${r.pageRight ? 'yes' : 'no'} | ${r.fields.length ? `${g('right')} / ${g('flagged')} / ${g('wrong')} of ${r.fields.length}` : '-'} | ${Math.round(r.ms)} |`;
  })
  .join('\n')}
`;
writeFileSync(join(root, 'bench/results/READER-REAL.md'), md);
console.log(
  `pages found ${summary.pagesFound}/${summary.photos}; fields right ${summary.fields.right}, flagged ${summary.fields.flagged}, wrong ${summary.fields.wrongWithoutFlag}`,
);
