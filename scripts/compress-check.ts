// Does the reader still read a page photo after the field app compresses it? Synthesizes forms
// (synthForm), compresses each page photo the way the app does (compress.ts: scale to MAX_SIDE,
// then JPEG qualities until it fits the byte target; sharp here, a canvas on the phone) at several
// byte targets, reads original and compressed with the same reader, and compares with the truth.
//   node bin/run-ts.mjs scripts/compress-check.ts [--forms 6] [--seed 41] [--targets 150000,250000,400000]
import sharp from 'sharp';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { decodePhoto } from '../src/reader/node-image.ts';
import { readForm, type PhotoInput } from '../src/reader/read-form.ts';
import { synthForm } from '../src/synth/photo.ts';
import { compressToTarget, TARGET_BYTES } from '../src/web/field/compress.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const forms = Number(arg('forms', '6'));
const seed = Number(arg('seed', '41'));
const targets = arg('targets', `150000,250000,${TARGET_BYTES}`).split(',').map(Number);

const classifier = await loadDigitClassifier();
const classify = (crops: Parameters<typeof classifyBoxes>[0]) =>
  classifyBoxes(crops, classifier).map((r) => r.probabilities);

const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((a, k) => (a as Record<string, unknown> | undefined)?.[k], o);

type Tally = {
  bytes: number[];
  pages: number;
  right: number;
  flagged: number;
  wrongUnflagged: number;
  fields: number;
};
const tallies = new Map<string, Tally>();
const tally = (k: string) => {
  let t = tallies.get(k);
  if (!t)
    tallies.set(
      k,
      (t = { bytes: [], pages: 0, right: 0, flagged: 0, wrongUnflagged: 0, fields: 0 }),
    );
  return t;
};

async function readJpegs(key: string, jpegs: { file: string; data: Buffer }[], truth: unknown) {
  const inputs: PhotoInput[] = [];
  for (const j of jpegs) {
    const d = await decodePhoto(j.data);
    if (d.ok) inputs.push({ name: j.file, image: d.value.image });
  }
  const reading = readForm(inputs, { classify });
  const t = tally(key);
  t.bytes.push(...jpegs.map((j) => j.data.length));
  t.pages += reading.pages.filter((p) => p.found).length;
  for (const [path, f] of Object.entries(reading.fields)) {
    t.fields++;
    const ok = f.value === get(truth, path);
    if (ok) t.right++;
    if (f.flags.length) t.flagged++;
    else if (!ok) t.wrongUnflagged++;
  }
  return reading;
}

for (let i = 0; i < forms; i++) {
  const form = await synthForm(seed, i, { slipRate: 0 });
  const original = await readJpegs('original', form.jpegs, form.truth.result);
  const pages = original.pages.filter((p) => p.found).length;
  const flagged = Object.values(original.fields).filter((f) => f.flags.length).length;
  console.log(`form ${seed}/${i}: ${pages} pages found, ${flagged} fields flagged`);
  // A phone's camera gives 12 MP JPEGs of 3-5 MB; the synthetic camera's are smaller. Each page is
  // also blown up to a phone's 4000 px at quality 92 and compressed from there.
  const phone: { file: string; data: Buffer }[] = [];
  for (const j of form.jpegs)
    phone.push({
      file: j.file,
      data: await sharp(j.data)
        .resize({ width: 4000, height: 4000, fit: 'inside' })
        .jpeg({ quality: 92 })
        .toBuffer(),
    });
  await readJpegs('phone', phone, form.truth.result);
  for (const target of targets) {
    const packed: { file: string; data: Buffer }[] = [];
    for (const j of phone) {
      const meta = await sharp(j.data).metadata();
      const c = await compressToTarget(
        meta.width,
        meta.height,
        async (w, h, q) => {
          const data = await sharp(j.data)
            .resize(w, h)
            .jpeg({ quality: Math.round(q * 100) })
            .toBuffer();
          return { size: data.length, data };
        },
        target,
      );
      packed.push({ file: j.file, data: c.blob.data });
    }
    await readJpegs(`${target}`, packed, form.truth.result);
  }
}

const kb = (n: number) => `${Math.round(n / 1000)} KB`;
console.log(
  '\n| photos | median size | largest | pages found | fields right | flagged | wrong without flag |',
);
console.log('| --- | --: | --: | --: | --: | --: | --: |');
for (const [key, t] of tallies) {
  const sorted = [...t.bytes].sort((a, b) => a - b);
  console.log(
    `| ${key === 'original' ? 'synthetic camera' : key === 'phone' ? 'the same at 4000 px, q92 (a phone)' : `phone photo compressed to <= ${kb(Number(key))}`} | ${kb(sorted[Math.floor(sorted.length / 2)]!)} | ${kb(sorted.at(-1)!)} | ${t.pages}/${forms * 3} | ${t.right}/${t.fields} | ${t.flagged} | ${t.wrongUnflagged} |`,
  );
}
