// The synthetic camera, end to end (Node: JPEG via sharp): fills a form, draws its three pages
// from the template, photographs each and returns the JPEGs with the ground truth.
import sharp from 'sharp';
import type { CHasil } from '../core/chasil.ts';
import { PPWP_TEMPLATE } from '../reader/template/ppwp.ts';
import type { FormTemplate } from '../reader/template/types.ts';
import { chooseShot, photograph, type CameraShot } from './camera.ts';
import { fillForm, type BoxMark, type BubbleMark, type FillOptions, type Slip } from './fill.ts';
import { syntheticHandwriting, type DigitSource } from './handwriting.ts';
import { applyH, type Homography, type Point } from './homography.ts';
import { createRandom } from '../core/random.ts';
import { drawBlankPage, writeFill } from './page.ts';

export type SynthOptions = FillOptions & {
  template?: FormTemplate;
  digitSource?: DigitSource;
};

export type PageTruth = {
  page: 1 | 2 | 3;
  file: string;
  width: number;
  height: number;
  /** Page millimetres to photo pixels. */
  pageToPhoto: Homography;
  /** The page's corners (TL, TR, BR, BL of the upright page) in photo pixels. */
  pageCorners: Point[];
  /** Centres of the four corner markers (TL, TR, BR, BL) in photo pixels; may lie outside. */
  markerCentres: Point[];
  camera: Omit<CameraShot, 'pageToPhoto' | 'width' | 'height'>;
};

export type FormTruth = {
  seed: number;
  index: number;
  ballot: 'ppwp';
  /** The numbers as written on the paper (with any slip): what a perfect reader returns. */
  result: CHasil;
  intended: CHasil;
  slips: Slip[];
  boxes: Record<string, [BoxMark, BoxMark, BoxMark]>;
  bubbles: Record<string, [BubbleMark, BubbleMark, BubbleMark]>;
  pages: PageTruth[];
};

export type SynthForm = { truth: FormTruth; jpegs: { file: string; data: Buffer }[] };

/** Synthesizes form number `index` of the series `seed`: the same pair always gives the same bytes. */
export async function synthForm(
  seed: number,
  index: number,
  opts: SynthOptions = {},
): Promise<SynthForm> {
  const template = opts.template ?? PPWP_TEMPLATE;
  const digits = opts.digitSource ?? syntheticHandwriting();
  const rnd = createRandom(seed).fork(`form-${index}`);
  const fill = fillForm(rnd.fork('fill'), opts);
  const pages: PageTruth[] = [];
  const jpegs: SynthForm['jpegs'] = [];
  for (const pt of template.pages) {
    const prnd = rnd.fork(`page-${pt.page}`);
    const shot = chooseShot(prnd.fork('shot'), template.pageSizeMm);
    // Render at about the photo's own resolution, so warping neither wastes time nor aliases.
    const c = shot.pageToPhoto;
    const mid = { x: template.pageSizeMm.w / 2, y: template.pageSizeMm.h / 2 };
    const a = applyH(c, mid);
    const b = applyH(c, { x: mid.x + 10, y: mid.y });
    const pxPerMm = Math.min(5, Math.max(2, Math.hypot(b.x - a.x, b.y - a.y) / 10));
    const ro = { pxPerMm, pageSizeMm: template.pageSizeMm, boxLineMm: template.boxLineMm };
    const img = drawBlankPage(pt, ro);
    writeFill(img, pt, fill, ro, digits, prnd.fork('ink'));
    const photo = photograph(img, pxPerMm, shot, prnd.fork('camera'));
    const data = await sharp(photo.data, {
      raw: { width: photo.width, height: photo.height, channels: 1 },
    })
      .blur(shot.blurSigma)
      .jpeg({ quality: shot.jpegQuality })
      .toBuffer();
    const file = `page${pt.page}.jpg`;
    jpegs.push({ file, data });
    const { pageToPhoto, width, height, ...camera } = shot;
    const { w, h } = template.pageSizeMm;
    pages.push({
      page: pt.page,
      file,
      width,
      height,
      pageToPhoto,
      pageCorners: [
        { x: 0, y: 0 },
        { x: w, y: 0 },
        { x: w, y: h },
        { x: 0, y: h },
      ].map((p) => roundPt(applyH(pageToPhoto, p))),
      markerCentres: pt.markers.map((m) =>
        roundPt(applyH(pageToPhoto, { x: m.x + m.w / 2, y: m.y + m.h / 2 })),
      ),
      camera,
    });
  }
  return {
    truth: { seed, index, ballot: 'ppwp', ...fill, pages },
    jpegs,
  };
}

const roundPt = (p: Point): Point => ({
  x: Math.round(p.x * 100) / 100,
  y: Math.round(p.y * 100) / 100,
});
