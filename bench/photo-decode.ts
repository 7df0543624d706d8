// What it costs to decode every photo fully before it counts (issue 9, finding 5), on phone-like
// photos made from a real C.Hasil page: a 12-megapixel phone photo (3000x4000, q85, sensor-like
// noise), the field app's page photo (at most 2400 px and 400 KB) and the ingest benchmark's
// 200 KB photo. For each: the header check alone, a full decode, and the 1/8 shrink-on-load decode
// that checkPhoto does; then checkPhoto's throughput with several photos at once, and how long the
// event loop waits meanwhile (sharp runs libvips on libuv's thread pool, not on the event loop).
// Last, that every bad photo of the finding is caught by both decodes.
//
//   node bin/run-ts.mjs bench/photo-decode.ts [--quick] [--no-write]
//
// Writes bench/results/photo-decode.json.
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { PHOTO_LIMITS, checkPhoto, checkPhotoHeader } from '../src/server/photos.ts';
import { badPhotos } from '../test/support/bad-photos.ts';
import { makeStampablePhoto } from './photo.ts';
import { ROOT } from './server.ts';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, 'no-write': { type: 'boolean' } },
});
const FORM = join(ROOT, '..', 'shared', 'data', 'forms', 'C.HASIL-PPWP_page2_100dpi.png');

/** The form page at this size with sensor-like noise (JPEG cannot compress it away). */
async function phonePhoto(width: number, height: number, quality: number, noise: number) {
  const { data } = await sharp(FORM)
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let h = 2024;
  for (let i = 0; i < data.length; i++) {
    h = Math.imul(h ^ (h >>> 15), 2246822519) >>> 0;
    const n = (((h & 0xff) + ((h >>> 8) & 0xff) - 255) * noise) / 128;
    data[i] = Math.max(0, Math.min(255, data[i]! + n));
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/** Like the field app: the largest quality of its ladder that fits 400 KB at 2400 px. */
async function fieldAppPhoto() {
  for (const q of [85, 75, 65, 55]) {
    const b = await phonePhoto(1600, 2400, q, 6);
    if (b.length <= 400_000) return { bytes: b, note: `1600x2400 q${q}` };
  }
  return { bytes: await phonePhoto(1360, 2040, 55, 6), note: '1360x2040 q55' };
}

const opts = { failOn: 'warning', limitInputPixels: PHOTO_LIMITS.maxPixels } as const;
const fullDecode = (b: Buffer) => sharp(b, opts).raw().toBuffer();
const shrinkDecode = async (b: Buffer) => {
  const { width = 8 } = await sharp(b).metadata();
  return sharp(b, { ...opts, sequentialRead: true })
    .resize({ width: Math.ceil(width / 8), kernel: 'nearest' })
    .raw()
    .toBuffer();
};

/** Mean wall and CPU (all threads of the process) per call, one call at a time. */
async function perCall(f: () => Promise<unknown>, n: number) {
  for (let i = 0; i < 2; i++) await f();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  const wall = (performance.now() - t0) / n;
  const cpu = process.cpuUsage(cpu0);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { wallMs: r(wall), cpuMs: r((cpu.user + cpu.system) / 1000 / n) };
}

/** checkPhoto on `n` photos with `parallel` in flight; photos/s and the event loop's worst wait. */
async function throughput(bytes: Buffer, n: number, parallel: number) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < n) {
        const r = await checkPhoto(bytes);
        if (!r.ok) throw new Error(`a good photo was refused: ${r.error}`);
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  loop.disable();
  return {
    parallel,
    photosPerS: Math.round(n / s),
    eventLoopMaxDelayMs: Math.round(loop.max / 1e6),
    eventLoopP99DelayMs: Math.round(loop.percentile(99) / 1e6),
  };
}

const n = args.quick ? 5 : 30;
const bench = await makeStampablePhoto();
const field = await fieldAppPhoto();
const photos: { name: string; bytes: Buffer; note: string; n: number }[] = [
  {
    name: 'phone',
    bytes: await phonePhoto(3000, 4000, 85, 16),
    note: '3000x4000 q85',
    n: Math.ceil(n / 3),
  },
  { name: 'field-app', bytes: field.bytes, note: field.note, n },
  { name: 'field-400k', bytes: await phonePhoto(1500, 2250, 80, 5), note: '1500x2250 q80', n },
  { name: 'bench-200k', bytes: bench.bytes, note: '900x1200 grey noise (bench/photo.ts)', n },
];

const rows = [];
for (const p of photos) {
  const row = {
    photo: p.name,
    what: p.note,
    kb: Math.round(p.bytes.length / 1024),
    header: await perCall(() => Promise.resolve(checkPhotoHeader(p.bytes)), p.n * 10),
    fullDecode: await perCall(() => fullDecode(p.bytes), p.n),
    shrinkOnLoad: await perCall(() => shrinkDecode(p.bytes), p.n),
    checkPhoto: await perCall(() => checkPhoto(p.bytes), p.n),
    atOnce: await throughput(p.bytes, p.n * 2, 4),
  };
  console.log(JSON.stringify(row));
  rows.push(row);
}

const caught = [];
for (const [name, bytes] of await badPhotos()) {
  const verdict = async (f: (b: Buffer) => Promise<unknown>) =>
    f(bytes).then(
      () => 'accepted',
      (e: Error) => `refused (${e.message.split('\n')[0]})`,
    );
  const row = {
    photo: name,
    header: checkPhotoHeader(bytes).ok ? 'accepted' : 'refused',
    fullDecode: await verdict(fullDecode),
    shrinkOnLoad: await verdict(shrinkDecode),
    checkPhoto: (await checkPhoto(bytes)).ok ? 'accepted' : 'refused',
  };
  console.log(JSON.stringify(row));
  caught.push(row);
}

if (!args['no-write'] && !args.quick)
  await writeFile(
    join(ROOT, 'bench', 'results', 'photo-decode.json'),
    `${JSON.stringify(
      {
        when: new Date().toISOString(),
        node: process.version,
        cores: availableParallelism(),
        sharp: sharp.versions,
        photos: rows,
        badPhotos: caught,
      },
      null,
      2,
    )}\n`,
  );
