// The reader benchmark (issue 11): `npm run bench:reader [-- --forms 60 --n 4 --only camera2]`.
// Every evaluation source, read and graded the same way (bench/reader-worker.ts reads,
// bench/reader-grade.ts grades), side by side:
//  - camera 1: --forms forms synthesized by the camera the reader was trained on (src/synth, seeded);
//  - camera 2: --n forms under each of its conditions (eval/camera2, no code shared with camera 1);
//  - the real-photo corpus (test/fixtures/real-photos, every photo present on this machine);
// plus the digit model on the held-out real crops and the cross-source digit figure
// (bench/results/digits-cross-source.json, written by training/digits/evaluate.ts --cross-source).
// Writes bench/results/reader.json and READER.md, and camera 2's per-condition
// reader-camera2.json and READER-CAMERA2.md. With --only, READER.md and reader.json are left
// as they are (a partial run would hide the other sources); camera 2's files are written when it ran.
import { fork } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { CONDITIONS } from '../eval/camera2/conditions.ts';
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { decodeGrayFile } from '../src/reader/digits/decode-node.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { cropClass, realCropSplit } from '../src/synth/real-crops.ts';
import { summarize, type FormGrade, type Summary } from './reader-grade.ts';
import { camera1Jobs, camera2Jobs, realJobs, type Job } from './reader-sources.ts';
import type { WorkerMessage } from './reader-worker.ts';

const SOURCES = ['camera1', 'camera2', 'real'] as const;
type Source = (typeof SOURCES)[number];
const TITLE: Record<Source, string> = {
  camera1: 'camera 1 (training camera)',
  camera2: 'camera 2 (all conditions)',
  real: 'real photos',
};

/** Sizes that keep the whole run near 10 minutes on a 2-core machine. */
const DEFAULT = { forms: 60, n: 4 };
const { values: args } = parseArgs({
  options: {
    forms: { type: 'string', default: String(DEFAULT.forms) },
    n: { type: 'string', default: String(DEFAULT.n) },
    seed: { type: 'string', default: '2026' },
    seed2: { type: 'string', default: '1000' },
    only: { type: 'string', multiple: true },
    workers: { type: 'string' },
  },
});
const whole = (s: string, name: string) => {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a whole number, at least 1`);
  return v;
};
const N1 = whole(args.forms, 'forms');
const N2 = whole(args.n, 'n');
const SEED1 = Number(args.seed);
const SEED2 = Number(args.seed2);
const only = (args.only ?? []).flatMap((s) => s.split(','));
for (const s of only)
  if (!(SOURCES as readonly string[]).includes(s))
    throw new Error(`--only takes ${SOURCES.join(', ')}, not ${s}`);
const run = (s: Source) => only.length === 0 || only.includes(s);
const root = resolve(import.meta.dirname, '..');
const results = join(root, 'bench/results');
const pct = (a: number, b: number, digits = 1) =>
  b === 0 ? '-' : `${((100 * a) / b).toFixed(digits)}%`;

// 1. The digit model alone: held-out real crops (TPS never trained on), and cross-source.
type RealCrops = { boxes: number; right: number; accuracy: number } | { skipped: string };
async function realCropAccuracy(): Promise<RealCrops> {
  const dataDir = resolve(root, '../shared/data/digits/chasil-eikona');
  if (!existsSync(join(dataDir, 'labels.csv'))) return { skipped: `no ${dataDir}` };
  const model = await loadDigitClassifier();
  const test = realCropSplit(readFileSync(join(dataDir, 'labels.csv'), 'utf8')).crops.filter(
    (c) => c.test,
  );
  let right = 0;
  for (const crop of test) {
    const img = await decodeGrayFile(join(dataDir, crop.file));
    if (classifyBoxes([img], model)[0]!.label === cropClass(crop, img)) right++;
  }
  return { boxes: test.length, right, accuracy: right / test.length };
}
/** What training/digits/evaluate.ts --cross-source --json writes (only the parts shown here). */
const CrossSourceFile = z.looseObject({
  date: z.string(),
  data: z.looseObject({ source: z.string() }),
  models: z.looseObject({ noEikona: z.looseObject({ trainedOn: z.string() }) }),
  commands: z.looseObject({ trainNoEikona: z.string() }),
  crossSource: z.looseObject({
    accuracy: z.number().min(0).max(1),
    n: z.number().int().nonnegative(),
    right: z.number().int().nonnegative(),
  }),
});
type CrossSource =
  | { notMeasured: string }
  | { accuracy: number; n: number; source: string; model: string; date: string };
function crossSource(): CrossSource {
  const path = join(results, 'digits-cross-source.json');
  if (!existsSync(path))
    return { notMeasured: 'not measured: run training/digits/evaluate.ts --cross-source' };
  const parsed = CrossSourceFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    return {
      notMeasured: `bench/results/digits-cross-source.json unreadable: ${parsed.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    };
  const f = parsed.data;
  return {
    accuracy: f.crossSource.accuracy,
    n: f.crossSource.n,
    source: f.data.source,
    model: `trained on ${f.models.noEikona.trainedOn} (${f.commands.trainNoEikona})`,
    date: f.date,
  };
}
const allSources = only.length === 0;
const realCrops: RealCrops = allSources
  ? await realCropAccuracy()
  : { skipped: 'not run (--only)' };
const cross = crossSource();
if ('accuracy' in realCrops)
  console.log(`real crops: ${realCrops.right}/${realCrops.boxes} boxes right`);

// 2. Every form of every source, by one worker process per core.
const real = run('real') ? realJobs() : { jobs: [], notDerived: [] };
const jobs: Job[] = [
  ...(run('camera1') ? camera1Jobs(SEED1, N1) : []),
  ...(run('camera2') ? camera2Jobs(SEED2, N2) : []),
  ...real.jobs,
];
const WORKERS = Math.max(1, Math.min(Number(args.workers ?? cpus().length), jobs.length));
const graded: [number, FormGrade][] = [];
const started = performance.now();
/** The machine's 1-minute load average every 10 s of the run: other work on the cores slows the times. */
const loads: number[] = [];
const sampler = setInterval(() => loads.push(loadavg()[0]!), 10_000);
await Promise.all(
  Array.from(
    { length: WORKERS },
    (_, w) =>
      new Promise<void>((done, fail) => {
        const child = fork(join(root, 'bin/run-ts.mjs'), [join(root, 'bench/reader-worker.ts')], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        child.on('message', (m: WorkerMessage) => {
          if (!('grade' in m)) return;
          graded.push([m.index, m.grade]);
          if (graded.length % 25 === 0 || graded.length === jobs.length) {
            const s = summarize(graded.map(([, g]) => g));
            console.log(
              `${graded.length}/${jobs.length} forms (${((performance.now() - started) / 1000).toFixed(0)} s): ` +
                `fields right ${s.fieldsRight}/${s.fields}, flagged ${s.fieldsFlagged}, wrong without a flag ${s.fieldsWrongWithoutFlag}`,
            );
          }
        });
        child.on('error', fail);
        child.on('exit', (code) =>
          code === 0 ? done() : fail(new Error(`reader worker ${w} exited with ${code}`)),
        );
        child.send(jobs.map((job, index) => ({ index, job })).filter((_, i) => i % WORKERS === w));
      }),
  ),
);
const seconds = Math.round((performance.now() - started) / 1000);
clearInterval(sampler);
const meanLoad = loads.length ? loads.reduce((a, b) => a + b, 0) / loads.length : loadavg()[0]!;
const grades = [...graded].sort((a, b) => a[0] - b[0]).map(([, g]) => g);

const bySource = Object.fromEntries(
  SOURCES.filter(run).map((s) => [s, summarize(grades.filter((g) => g.source === s))]),
) as Partial<Record<Source, Summary>>;
const conditions = run('camera2')
  ? CONDITIONS.map((c) => ({
      condition: c.name,
      about: c.about,
      ...summarize(grades.filter((g) => g.source === 'camera2' && g.group === c.name)),
    }))
  : [];
const photos = grades
  .filter((g) => g.source === 'real')
  .map((g) => ({ photo: g.id, page: g.pages[0], fields: g.fields, boxes: g.boxes }));

// 3. Each target beside its figure, per source.
type Verdict = { value: string; met: boolean | null };
const verdict = (value: string, met: boolean | null): Verdict => ({ value, met });
const TARGETS: { name: string; want: string; of: (s: Summary) => Verdict }[] = [
  {
    name: 'pages found, all four corners in view',
    want: '≥ 99%',
    of: (s) =>
      s.pagesInView === 0
        ? verdict('no page in view', null)
        : verdict(
            `${pct(s.pagesInViewFound, s.pagesInView)} (${s.pagesInViewFound}/${s.pagesInView})`,
            s.pagesInViewFound / s.pagesInView >= 0.99,
          ),
  },
  {
    name: 'fields wrong without a flag',
    want: '0',
    of: (s) =>
      verdict(`${s.fieldsWrongWithoutFlag} of ${s.fields}`, s.fieldsWrongWithoutFlag === 0),
  },
  {
    name: 'clean forms sent to review',
    want: '≤ 10%',
    of: (s) =>
      s.cleanForms === 0
        ? verdict('no form known clean', null)
        : verdict(
            `${pct(s.cleanFormsToReview, s.cleanForms)} (${s.cleanFormsToReview}/${s.cleanForms})`,
            s.cleanFormsToReview / s.cleanForms <= 0.1,
          ),
  },
  {
    name: 'time per page p50, one core (reader alone, decode excluded)',
    want: '≤ 300 ms',
    of: (s) => verdict(`${s.ms.readPage.p50} ms`, s.ms.readPage.p50 <= 300),
  },
];
const targets = [
  ...TARGETS.map((t) => ({
    target: t.name,
    want: t.want,
    bySource: Object.fromEntries(Object.entries(bySource).map(([k, s]) => [k, t.of(s)])),
  })),
  {
    target: 'digit boxes right, cross-source (a source never trained on)',
    want: '≥ 99.5%',
    all:
      'accuracy' in cross
        ? verdict(
            `${pct(cross.accuracy * cross.n, cross.n, 2)} of ${cross.n}`,
            cross.accuracy >= 0.995,
          )
        : verdict(cross.notMeasured, null),
  },
];

const machine = {
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  /** Mean 1-minute load average during the run. */
  loadAverage: Math.round(meanLoad * 10) / 10,
};
const options = { forms: N1, seed: SEED1, n: N2, seed2: SEED2, workers: WORKERS, only, seconds };
const date = new Date().toISOString();

// 4. Markdown.
const metCell = (v: Verdict | undefined) =>
  !v ? '-' : `${v.value}: **${v.met === null ? 'n/a' : v.met ? 'met' : 'not met'}**`;
const ran = Object.keys(bySource) as Source[];
const sideBySide = [
  '| source | forms | pages | found, all corners in view | pages found, all | fields right | flagged | wrong without a flag | clean forms to review | digit boxes right | bubbles right | read ms/page p50 / p95 | decode ms p50 |',
  '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
  ...ran.map((k) => {
    const s = bySource[k]!;
    return (
      `| ${TITLE[k]} | ${s.forms} | ${s.pages} | ${pct(s.pagesInViewFound, s.pagesInView)} (${s.pagesInViewFound}/${s.pagesInView}) | ` +
      `${s.pagesFound}/${s.pages} | ${pct(s.fieldsRight, s.fields)} (${s.fieldsRight}/${s.fields}) | ` +
      `${pct(s.fieldsFlagged, s.fields)} (${s.fieldsFlagged}) | ${s.fieldsWrongWithoutFlag} | ` +
      `${s.cleanForms ? `${pct(s.cleanFormsToReview, s.cleanForms)} (${s.cleanFormsToReview}/${s.cleanForms})` : 'n/a'} | ` +
      `${pct(s.boxes.right, s.boxes.read)} (${s.boxes.right}/${s.boxes.read}) | ${pct(s.bubbles.right, s.bubbles.read)} | ` +
      `${s.ms.readPage.p50} / ${s.ms.readPage.p95} | ${s.ms.decode.p50} |`
    );
  }),
];
const targetTable = [
  `| target | wanted | ${ran.map((k) => TITLE[k]).join(' | ')} |`,
  `| --- | --- | ${ran.map(() => '---').join(' | ')} |`,
  ...targets.map((t) =>
    'all' in t
      ? `| ${t.target} | ${t.want} | ${metCell(t.all)}${ran
          .slice(1)
          .map(() => ' |')
          .join('')} |`
      : `| ${t.target} | ${t.want} | ${ran.map((k) => metCell(t.bySource[k])).join(' | ')} |`,
  ),
];
const conditionTable = [
  '| condition | pages found (in view) | placed | page no. right | fields right | flagged | wrong, no flag | bubbles right | digit boxes right | clean forms to review | read ms/page p50 | findPage ms p50 | pages not found |',
  '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |',
  ...conditions.map(
    (r) =>
      `| ${r.condition} | ${r.pagesFound}/${r.pages} (${r.pagesInViewFound}/${r.pagesInView}) | ${r.placement.placed} | ${r.pageNumberRight} | ` +
      `${pct(r.fieldsRight, r.fields, 0)} (${r.fieldsRight}/${r.fields}) | ${r.fieldsFlagged} | ${r.fieldsWrongWithoutFlag} | ` +
      `${pct(r.bubbles.right, r.bubbles.read)} (${r.bubbles.right}/${r.bubbles.read}) | ` +
      `${pct(r.boxes.right, r.boxes.read)} (${r.boxes.right}/${r.boxes.read}) | ` +
      `${pct(r.cleanFormsToReview, r.cleanForms, 0)} (${r.cleanFormsToReview}/${r.cleanForms}) | ${r.ms.readPage.p50} | ${r.ms.findPage.p50} | ` +
      `${
        Object.entries(r.notFound)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || '-'
      } |`,
  ),
];
const codes = [...new Set(ran.flatMap((k) => Object.keys(bySource[k]!.cleanReviewCodes)))].sort();
const codeTable = [
  `| code | ${ran.map((k) => TITLE[k]).join(' | ')} |`,
  `| --- | ${ran.map(() => '--:').join(' | ')} |`,
  ...codes.map(
    (code) =>
      `| \`${code}\` | ${ran
        .map((k) => {
          const c = bySource[k]!.cleanReviewCodes[code];
          return c ? `${c.forms} (alone ${c.alone})` : '-';
        })
        .join(' | ')} |`,
  ),
  `| clean forms sent to review, of clean forms | ${ran
    .map((k) => `${bySource[k]!.cleanFormsToReview} of ${bySource[k]!.cleanForms}`)
    .join(' | ')} |`,
];
const notFoundLines = ran.flatMap((k) =>
  Object.entries(bySource[k]!.notFound).map(([reason, n]) => `- ${TITLE[k]}: ${reason} ${n}`),
);
const c1 = bySource.camera1;
const rc = realCrops;
const camera2Section = `## Camera 2, per condition

The same ${N2} forms (numbers and handwriting) under every condition, so the differences between rows are
the conditions'. "Placed": found pages whose four corner markers the page finder put within 2 mm of the
truth (findPage run apart, its time beside).

${conditionTable.join('\n')}

${conditions.map((r) => `- **${r.condition}**: ${r.about}`).join('\n')}

`;
const realSection = `## Real photos

${photos
  .map((p) => {
    const page = p.page?.found ? `page ${p.page.page} found` : `not found (${p.page?.reason})`;
    return `- ${p.photo}: ${page}; fields ${p.fields.right} right, ${p.fields.flagged} flagged, ${p.fields.wrong.length} wrong of ${p.fields.total}; digit boxes ${p.boxes.right}/${p.boxes.read}`;
  })
  .join('\n')}

Per-photo detail: \`npm run bench:reader-real\` (\`READER-REAL.md\`).
`;
const md = `# Reader benchmark

\`npm run bench:reader -- --forms ${N1} --n ${N2}\` on ${date.slice(0, 10)}, ${machine.cpus}, Node ${machine.node}:
${WORKERS} worker processes, one form at a time each, ${seconds} s in all, under a mean load average of
${machine.loadAverage} on ${cpus().length} cores. Camera 1: ${N1} forms synthesized
by the camera the reader was trained on (\`src/synth\`, seed ${SEED1}, MNIST test-split digits). Camera 2:
${N2} forms (seeds ${SEED2}..${SEED2 + N2 - 1}) under each of its ${CONDITIONS.length} conditions (\`eval/camera2\`, no code shared
with camera 1 or the reader). Real photos: the corpus in \`test/fixtures/real-photos\`${real.notDerived.length ? ` (not derived here, so not read: ${real.notDerived.join(', ')})` : ''}.
Every form is graded by the same function (\`bench/reader-grade.ts\`).

- **Fields**: right = unflagged and equal to the paper; flagged = sent to a person; wrong without a flag = the
  figure that must be 0. Real photos: only the fields a person reads on the photo with certainty.
- **Clean forms**: no slip of the pen and no bubble blackened for another digit, every page's four corners
  in view (camera 2 writes only such forms; a real photo of one page is never a whole clean form).
- **Time**: one page at a time in a worker process (one core): \`readForm\` on that page alone (find,
  crop, classify, decode), with decoding the JPEG shown apart (the wasm backend runs on one
  thread). A load average above the core count means other work shared the cores: times are a ceiling.
- **Digit boxes**: each box's top class against the paper's digit (a leading zero may be 0 or X);
  **bubbles**: the bubble column's verdict against the digit (page 2).

## Targets (issue 11)

${targetTable.join('\n')}

Digit model alone: held-out real crops (TPS never trained on, same source as training):
${'accuracy' in rc ? `${pct(rc.right, rc.boxes, 2)} (${rc.right}/${rc.boxes})` : rc.skipped}. Cross-source: ${'accuracy' in cross ? `${pct(cross.accuracy * cross.n, cross.n, 2)} of ${cross.n} boxes${cross.source ? ` from ${cross.source}` : ''}${cross.model ? `, model ${cross.model}` : ''}${cross.date ? `, ${cross.date.slice(0, 10)}` : ''}` : cross.notMeasured}.

## Every source side by side

${sideBySide.join('\n')}

Pages not found: ${notFoundLines.length ? `\n\n${notFoundLines.join('\n')}` : 'none.'}
${
  c1
    ? `
Camera 1 forms wrong on paper (a slip of the pen or a wrong bubble, made on purpose): ${c1.paperWrongToReview} of
${c1.paperWrongForms} sent to review (must be all). Wrong fields inside forms passed clean (published with no person looking):
${c1.wrongInFormsPassedClean}.${c1.examplesWrongWithoutFlag.length ? ` Wrong without a flag: ${c1.examplesWrongWithoutFlag.slice(0, 5).join('; ')}.` : ''}
`
    : ''
}
## What sent clean forms to review

For every form clean on paper with its pages in view that went to review: each code it carried (a field
flag, \`page-not-found:<reason>\`, \`page-not-given\` or \`inexact-decode\`), counted once a form; "alone": the
forms this code alone sent.

${codeTable.join('\n')}

${conditions.length ? camera2Section : ''}${photos.length ? realSection : ''}`;

const result = {
  date,
  machine,
  options,
  realCrops,
  crossSource: cross,
  targets,
  sources: bySource,
  camera2Conditions: conditions,
  realPhotos: { notDerived: real.notDerived, photos },
};
if (allSources) {
  writeFileSync(join(results, 'reader.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(results, 'READER.md'), md);
}
if (run('camera2')) {
  writeFileSync(
    join(results, 'reader-camera2.json'),
    `${JSON.stringify({ date, machine, formsPerCondition: N2, firstSeed: SEED2, rows: conditions }, null, 2)}\n`,
  );
  writeFileSync(
    join(results, 'READER-CAMERA2.md'),
    `# The reader on camera 2, per condition

Camera 2 (\`eval/camera2\`, sharing no code with the training camera) photographs the official renders
filled with MNIST test-set handwriting. ${N2} forms (3 pages each) per condition, seeds ${SEED2}..${SEED2 + N2 - 1};
written by \`npm run bench:reader${allSources ? '' : '-camera2'} -- --n ${N2}\` on ${date.slice(0, 10)}, graded as every source of
\`READER.md\` is (\`bench/reader-grade.ts\`). The same forms are photographed under every condition, so the
differences between rows are the conditions'. Camera 2 writes only forms clean on paper. "Placed": found
pages whose four corner markers the page finder put within 2 mm of the truth (findPage run apart, its time beside).

${conditionTable.join('\n')}

${conditions.map((r) => `- **${r.condition}**: ${r.about}`).join('\n')}
`,
  );
}
console.log(md);
