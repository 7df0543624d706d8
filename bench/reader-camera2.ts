// The reader on camera 2 (eval/camera2: the official renders photographed by code that shares
// nothing with the training camera), per condition: pages found (and where: the found markers
// against camera 2's truth), page number right, fields right / flagged / wrong without a flag,
// forms sent to review, time per page. `npm run bench:reader-camera2 [-- --n N]` (N forms per
// condition, three pages each) writes bench/results/reader-camera2.json and READER-CAMERA2.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { photograph, type Truth } from '../eval/camera2/camera.ts';
import { CONDITIONS } from '../eval/camera2/conditions.ts';
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { decodePhoto } from '../src/reader/node-image.ts';
import { findPage } from '../src/reader/page/find-page.ts';
import { readForm, type BoxClassifier, type PhotoInput } from '../src/reader/read-form.ts';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '5' }, seed: { type: 'string', default: '1000' } },
});
const n = Number(args.n);
const seed0 = Number(args.seed);
if (!Number.isInteger(n) || n < 1) throw new Error('--n needs a whole number of forms, at least 1');

const model = await loadDigitClassifier();
const classify: BoxClassifier = (crops) => classifyBoxes(crops, model).map((r) => r.probabilities);

type Row = {
  condition: string;
  about: string;
  forms: number;
  pages: number;
  /** Pages whose four paper corners all lie inside the photo (camera 2 keeps every page in view). */
  pagesInView: number;
  pagesFound: number;
  /** Found pages whose four markers lie within 2 mm of the truth. */
  pagesPlacedRight: number;
  pageNumberRight: number;
  fields: number;
  fieldsRight: number;
  fieldsFlagged: number;
  fieldsWrongUnflagged: number;
  formsClean: number;
  /** findPage alone, and readForm for the whole form divided by its pages (ms). */
  findMsP50: number;
  readMsPerPageP50: number;
  failures: Record<string, number>;
};

const p50 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : Math.round(s[Math.floor((s.length - 1) / 2)]!);
};

const rows: Row[] = [];
for (const c of CONDITIONS) {
  const row: Row = {
    condition: c.name,
    about: c.about,
    forms: n,
    pages: 0,
    pagesInView: 0,
    pagesFound: 0,
    pagesPlacedRight: 0,
    pageNumberRight: 0,
    fields: 0,
    fieldsRight: 0,
    fieldsFlagged: 0,
    fieldsWrongUnflagged: 0,
    formsClean: 0,
    findMsP50: 0,
    readMsPerPageP50: 0,
    failures: {},
  };
  const findMs: number[] = [];
  const readMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const seed = seed0 + i;
    const photos: PhotoInput[] = [];
    const truths = new Map<string, Truth>();
    for (const page of [1, 2, 3] as const) {
      const shot = await photograph(page, c, seed);
      const decoded = await decodePhoto(shot.jpeg);
      if (!decoded.ok) throw new Error(`camera 2 wrote an unreadable JPEG: ${decoded.error}`);
      const name = `${c.name}-${seed}-p${page}.jpg`;
      photos.push({ name, image: decoded.value.image });
      truths.set(name, shot.truth);
      row.pages++;
      const t = shot.truth;
      if (t.corners.every((p) => p.x >= 0 && p.y >= 0 && p.x < t.width && p.y < t.height))
        row.pagesInView++;
      const t0 = performance.now();
      const found = findPage(decoded.value.image);
      findMs.push(performance.now() - t0);
      if (found.ok) {
        const mmPx = shot.truth.pxPerMm;
        const off = found.value.corners.map((p, k) =>
          Math.hypot(p.x - shot.truth.markers[k]!.x, p.y - shot.truth.markers[k]!.y),
        );
        if (Math.max(...off) <= 2 * mmPx) row.pagesPlacedRight++;
      }
    }
    const t0 = performance.now();
    const reading = readForm(photos, { classify });
    readMs.push((performance.now() - t0) / photos.length);
    for (const p of reading.pages) {
      if (p.found) {
        row.pagesFound++;
        if (p.page === truths.get(p.photo)?.page) row.pageNumberRight++;
      } else row.failures[p.reason] = (row.failures[p.reason] ?? 0) + 1;
    }
    for (const t of truths.values())
      for (const [path, want] of Object.entries(t.values ?? {})) {
        row.fields++;
        const f = reading.fields[path];
        if (!f || f.flags.length > 0) row.fieldsFlagged++;
        else if (f.value === want) row.fieldsRight++;
        else row.fieldsWrongUnflagged++;
      }
    if (reading.verdict === 'clean') row.formsClean++;
  }
  row.findMsP50 = p50(findMs);
  row.readMsPerPageP50 = p50(readMs);
  rows.push(row);
  console.log(
    `${c.name.padEnd(13)} found ${row.pagesFound}/${row.pages} placed ${row.pagesPlacedRight} ` +
      `page# ${row.pageNumberRight} fields ${row.fieldsRight}/${row.fields} right, ` +
      `${row.fieldsFlagged} flagged, ${row.fieldsWrongUnflagged} wrong; clean ${row.formsClean}/${n}`,
  );
}

const outDir = resolve(import.meta.dirname, 'results');
mkdirSync(outDir, { recursive: true });
const meta = { date: new Date().toISOString(), formsPerCondition: n, firstSeed: seed0 };
writeFileSync(
  resolve(outDir, 'reader-camera2.json'),
  `${JSON.stringify({ ...meta, rows }, null, 2)}\n`,
);
const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(0)}%`);
const md = [
  '# The reader on camera 2, per condition',
  '',
  `Camera 2 (\`eval/camera2\`, sharing no code with the training camera) photographs the official`,
  `renders filled with MNIST test-set handwriting. ${n} forms (3 pages each) per condition, seeds`,
  `${seed0}..${seed0 + n - 1}; written by \`npm run bench:reader-camera2 -- --n ${n}\` on ${meta.date.slice(0, 10)}.`,
  'The same forms (numbers and handwriting) are photographed under every condition, so the',
  'differences between rows are the conditions\'. "in view": pages whose four corners are in the',
  'photo. "placed" counts found pages whose four markers lie within 2 mm of the truth; fields: right and',
  'unflagged / flagged for a person / wrong without a flag (the figure that must be 0).',
  '',
  '| condition | in view | pages found | placed | page no. right | fields right | flagged | wrong, no flag | forms clean | findPage p50 | read / page p50 | failures |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.condition} | ${r.pagesInView}/${r.pages} | ${r.pagesFound}/${r.pages} | ${r.pagesPlacedRight} | ${r.pageNumberRight} | ` +
      `${r.fieldsRight}/${r.fields} (${pct(r.fieldsRight, r.fields)}) | ${r.fieldsFlagged} | ` +
      `${r.fieldsWrongUnflagged} | ${r.formsClean}/${r.forms} | ${r.findMsP50} ms | ` +
      `${r.readMsPerPageP50} ms | ${
        Object.entries(r.failures)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || '-'
      } |`,
  ),
  '',
  ...rows.map((r) => `- **${r.condition}**: ${r.about}`),
  '',
];
writeFileSync(resolve(outDir, 'READER-CAMERA2.md'), md.join('\n'));
