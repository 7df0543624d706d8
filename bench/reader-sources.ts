// The photos of one form from each evaluation source of `npm run bench:reader`, with what is
// true of them (bench/reader-grade.ts grades the reading against it): camera 1 (src/synth, the
// camera the reader was trained on), camera 2 (eval/camera2, which shares no code with it), and
// the real-photo corpus (test/fixtures/real-photos).
import { photograph } from '../eval/camera2/camera.ts';
import { CONDITIONS } from '../eval/camera2/conditions.ts';
import { fieldEntries } from '../src/core/chasil.ts';
import type { DigitSource } from '../src/synth/handwriting.ts';
import { synthForm } from '../src/synth/photo.ts';
import { loadIndex, photoPath } from '../test/fixtures/real-photos/corpus.ts';
import { allInView, type FormTruth } from './reader-grade.ts';

/** One form to read: a synthesized one, camera 2's under a condition, or one corpus photo. */
export type Job =
  | { source: 'camera1'; seed: number; index: number }
  | { source: 'camera2'; condition: string; seed: number }
  | { source: 'real'; file: string };

export type FormPhotos = {
  group: string;
  id: string;
  /** JPEG bytes, or the path of a JPEG file. */
  photos: { name: string; jpeg: Buffer | string }[];
  truth: FormTruth;
};

export type Sources = { digitSource: () => DigitSource };

export function camera1Jobs(seed: number, forms: number): Job[] {
  return Array.from({ length: forms }, (_, index) => ({ source: 'camera1', seed, index }));
}

/** `forms` forms under every condition of camera 2, the same seeds (so the same forms) each. */
export function camera2Jobs(firstSeed: number, forms: number): Job[] {
  return CONDITIONS.flatMap((c) =>
    Array.from({ length: forms }, (_, i) => ({
      source: 'camera2' as const,
      condition: c.name,
      seed: firstSeed + i,
    })),
  );
}

/** Every corpus photo present on this machine, and those that are not (external/, not derived). */
export function realJobs(): { jobs: Job[]; notDerived: string[] } {
  const index = loadIndex();
  return {
    jobs: index.filter((p) => photoPath(p)).map((p) => ({ source: 'real', file: p.file })),
    notDerived: index.filter((p) => !photoPath(p)).map((p) => p.file),
  };
}

export async function formPhotos(job: Job, opts: Sources): Promise<FormPhotos> {
  switch (job.source) {
    case 'camera1': {
      const form = await synthForm(job.seed, job.index, { digitSource: opts.digitSource() });
      const t = form.truth;
      return {
        group: 'camera1',
        id: `form ${job.index}`,
        photos: form.jpegs.map((j) => ({ name: j.file, jpeg: j.data })),
        truth: {
          photos: t.pages.map((p) => ({
            name: p.file,
            page: p.page,
            inView: allInView(p.pageCorners, p.width, p.height),
          })),
          values: Object.fromEntries(fieldEntries(t.result)),
          cleanOnPaper:
            t.slips.length === 0 &&
            !Object.values(t.bubbles).some((cols) => cols.some((c) => c.state === 'wrong')),
        },
      };
    }
    case 'camera2': {
      const photos: FormPhotos['photos'] = [];
      const truth: FormTruth = { photos: [], values: {}, cleanOnPaper: true };
      for (const page of [1, 2, 3] as const) {
        const shot = await photograph(page, job.condition, job.seed);
        const name = `${job.condition}-${job.seed}-p${page}.jpg`;
        photos.push({ name, jpeg: shot.jpeg });
        const t = shot.truth;
        truth.photos.push({
          name,
          page,
          inView: allInView(t.corners, t.width, t.height),
          markers: { at: t.markers, tolerancePx: 2 * t.pxPerMm },
        });
        Object.assign(truth.values, t.values ?? {});
      }
      return { group: job.condition, id: `${job.condition} seed ${job.seed}`, photos, truth };
    }
    case 'real': {
      const p = loadIndex().find((q) => q.file === job.file);
      const path = p && photoPath(p);
      if (!p || !path) throw new Error(`${job.file}: not in the corpus on this machine`);
      return {
        group: p.file,
        id: p.file,
        photos: [{ name: p.file, jpeg: path }],
        truth: {
          photos: [{ name: p.file, page: p.expected.page, inView: p.corners === 'all-in-view' }],
          values: p.expected.values ?? {},
          cleanOnPaper: undefined,
        },
      };
    }
  }
}
