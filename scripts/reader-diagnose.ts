// Where do the reader's flags and misreads come from? Reads synthesized forms (seed 2026) and
// prints every field that is flagged or wrong, with what each channel saw and what the paper
// holds, then the flag counts, the page failures and the digit confusions (box by box).
//   node bin/run-ts.mjs scripts/reader-diagnose.ts [COUNT=10] [FIRST=0]
// STROKES=1 uses stroke-drawn digits instead of MNIST's test split; ALL=1 prints every field.
import { fieldEntries } from '../src/core/chasil.ts';
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import { decodePhoto } from '../src/reader/node-image.ts';
import { readForm, type BoxClassifier, type PhotoInput } from '../src/reader/read-form.ts';
import { synthForm } from '../src/synth/photo.ts';
import { mnistHandwriting } from '../src/synth/mnist.ts';
const digitSource = process.env.STROKES ? undefined : mnistHandwriting();

const N = Number(process.argv[2] ?? 10);
const START = Number(process.argv[3] ?? 0);
const model = await loadDigitClassifier();
const classify: BoxClassifier = (crops) => classifyBoxes(crops, model).map((r) => r.probabilities);
const flagCount = new Map<string, number>();
const pageFail = new Map<string, number>();
let boxWrong = 0,
  boxes = 0;
const confusions = new Map<string, number>();
for (let i = START; i < START + N; i++) {
  const form = await synthForm(2026, i, digitSource ? { digitSource } : {});
  const photos: PhotoInput[] = [];
  for (const j of form.jpegs) {
    const d = await decodePhoto(j.data);
    if (d.ok) photos.push({ name: j.file, image: d.value.image });
  }
  const r = readForm(photos, { classify });
  for (const p of r.pages)
    if (!p.found) {
      const pt = form.truth.pages.find((x) => x.file === p.photo);
      const k = `${p.reason} (page ${pt?.page}, cropped=${pt?.camera.cropped}, blur=${pt?.camera.blurSigma.toFixed(1)}, tilt=${Math.hypot(pt!.camera.tiltXDeg, pt!.camera.tiltYDeg).toFixed(0)})`;
      console.log(`form ${i} page not found: ${k}: ${p.detail}`);
      pageFail.set(p.reason, (pageFail.get(p.reason) ?? 0) + 1);
    }
  for (const [path, truth] of fieldEntries(form.truth.result)) {
    const f = r.fields[path]!;
    if (f.flags.includes('page-missing')) continue;
    for (const fl of f.flags) flagCount.set(fl, (flagCount.get(fl) ?? 0) + 1);
    const marks = form.truth.boxes[path]!;
    const want = marks.map((m) => (m.kind === 'digit' ? String(m.digit) : 'x'));
    f.channels.digits.forEach((d, k) => {
      boxes++;
      if (d !== want[k]) {
        boxWrong++;
        const key = `${want[k]}->${d}`;
        confusions.set(key, (confusions.get(key) ?? 0) + 1);
      }
    });
    if (f.flags.length || f.value !== truth || process.env.ALL)
      console.log(
        `form ${i} ${path}: paper ${truth} read ${f.value} conf ${f.confidence.toFixed(3)} flags ${f.flags.join(',')} notes ${f.notes.join(',')} digits ${f.channels.digits.join('')} want ${want.join('')} bubbles ${f.channels.bubbles?.join('') ?? ''} marks ${JSON.stringify(marks.map((m) => m.kind))}`,
      );
  }
  console.log(`form ${i}: verdict ${r.verdict} rules ${r.rules.join(',')}`);
}
console.log({
  flagCount,
  pageFail,
  boxWrong,
  boxes,
  confusions: [...confusions].sort((a, b) => b[1] - a[1]),
});
