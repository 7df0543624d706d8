// Draws what the reader saw on one photo: each field's boxes outlined (green: read with no flag;
// orange: flagged for a person) with the value read. For the README:
//   node bin/run-ts.mjs scripts/reader-picture.ts [SEED] [INDEX]   page 1 of a synthesized form,
//                                                                  docs/read-form.jpg
//   node bin/run-ts.mjs scripts/reader-picture.ts --photo FILE OUT  a real photo (one page), OUT
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import sharp from 'sharp';
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { decodePhoto } from '../src/reader/node-image.ts';
import { readForm, type PhotoInput } from '../src/reader/read-form.ts';
import { synthForm } from '../src/synth/photo.ts';

const real = process.argv[2] === '--photo';
const photos: PhotoInput[] = [];
let target = 'docs/read-form.jpg';
let pageName = 'page1.jpg';
if (real) {
  const file = process.argv[3];
  target = process.argv[4] ?? '';
  if (!file || !target) throw new Error('usage: reader-picture.ts --photo FILE OUT.jpg');
  const d = await decodePhoto(readFileSync(file));
  if (!d.ok) throw new Error(`${file}: ${d.error}`);
  pageName = basename(file);
  photos.push({ name: pageName, image: d.value.image });
} else {
  const form = await synthForm(Number(process.argv[2] ?? 2026), Number(process.argv[3] ?? 0));
  for (const j of form.jpegs) {
    const d = await decodePhoto(j.data);
    if (d.ok) photos.push({ name: j.file, image: d.value.image });
  }
}
const model = await loadDigitClassifier();
const reading = readForm(photos, {
  classify: (c) => classifyBoxes(c, model).map((r) => r.probabilities),
});
const page = photos.find((p) => p.name === pageName)!;
const shapes: string[] = [];
for (const f of Object.values(reading.fields)) {
  if (f.boxes?.photo !== pageName) continue;
  const colour = f.flags.length === 0 ? '#1a9850' : '#f46d43';
  for (const quad of f.boxes.corners)
    shapes.push(
      `<polygon points="${quad.map((p) => `${p.x},${p.y}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="4"/>`,
    );
  const last = f.boxes.corners[2]![1]!;
  shapes.push(
    `<text x="${last.x + 8}" y="${last.y + 20}" font-family="sans-serif" font-size="26" font-weight="bold" fill="${colour}" stroke="white" stroke-width="1">${f.value ?? '?'}</text>`,
  );
}
const { width, height } = page.image;
const svg = Buffer.from(
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`,
);
const drawn = await sharp(Buffer.from(page.image.data), { raw: { width, height, channels: 1 } })
  .toColourspace('srgb')
  .composite([{ input: svg }])
  .png()
  .toBuffer();
// Crop to the fields, with a margin, so the values can be read.
const pts = Object.values(reading.fields).flatMap((f) =>
  f.boxes?.photo === pageName ? f.boxes.corners.flat() : [],
);
const margin = 60;
const left = Math.max(0, Math.floor(Math.min(...pts.map((p) => p.x)) - margin));
const top = Math.max(0, Math.floor(Math.min(...pts.map((p) => p.y)) - margin));
const right = Math.min(width, Math.ceil(Math.max(...pts.map((p) => p.x)) + margin + 60));
const bottom = Math.min(height, Math.ceil(Math.max(...pts.map((p) => p.y)) + margin));
const out = await sharp(drawn)
  .extract({ left, top, width: right - left, height: bottom - top })
  .resize({ width: 1000, withoutEnlargement: true })
  .jpeg({ quality: 75 })
  .toBuffer();
writeFileSync(target, out);
console.log(`${target}: ${out.length} bytes; verdict ${reading.verdict}`);
