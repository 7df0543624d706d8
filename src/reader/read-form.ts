// Reading one C.Hasil PPWP form from the photos of its pages, in any order: find each page and
// which one it is, read every box through its channels, then decode all fields together under the
// form's arithmetic. Pure TypeScript on grayscale arrays: the same code runs on the phone and on
// the server; decoding files into `GrayImage`s is the caller's business.
import { voteKeys, PPWP_2024, type Contest } from '../core/ballots.ts';
import { linearRules } from '../core/rules.ts';
import type { GrayImage } from './image.ts';
import {
  decodeForm,
  type BoxProbabilities,
  type DecodedField,
  type FieldReading,
} from './decode.ts';
import { fuseBox, type BubbleColumn } from './fuse.ts';
import {
  apply,
  multiply,
  warpPerspective,
  type Homography,
  type Point,
} from './page/homography.ts';
import { findPage, type PageFailReason, type PageFound } from './page/find-page.ts';
import { PPWP_TEMPLATE } from './template/ppwp.ts';
import type { FieldTemplate, PageTemplate, Rect } from './template/types.ts';

/** Classifies box crops (hundreds, tens, units, ...) into probabilities over `0`-`9` and `x`. */
export type BoxClassifier = (crops: GrayImage[]) => BoxProbabilities[];

export type PhotoInput = { name: string; image: GrayImage };

export type PageReport =
  | { photo: string; found: true; page: 1 | 2 | 3; rotation: number; quality: PageFound['quality'] }
  | {
      photo: string;
      found: false;
      reason: PageFailReason | 'unknown-page' | 'duplicate-page';
      detail: string;
    };

export type FieldResult = Omit<DecodedField, 'flags' | 'value'> & {
  value: number | null;
  /** Why a person must look at this field (empty: read clearly). */
  flags: (DecodedField['flags'][number] | 'page-missing' | 'channels-disagree')[];
  /** What each channel saw, box by box (hundreds, tens, units): digit classes and bubbles. */
  channels: { digits: string[]; bubbles?: string[] };
  /** Where the boxes are in their photo (corner points, clockwise from top-left), for crops. */
  boxes?: { photo: string; corners: Point[][] };
};

export type FormReading = {
  pages: PageReport[];
  fields: Record<string, FieldResult>;
  /** The C.Hasil as read (null where a page is missing). */
  result: Record<string, unknown> | null;
  /** Rules the decoded numbers break. */
  rules: string[];
  verdict: 'clean' | 'review';
};

export type ReadOptions = {
  classify: BoxClassifier;
  contest?: Contest;
  registeredDpt?: number | null;
};

/** Resolution of a box crop handed to the classifier, in pixels per millimetre. */
const CROP_PX_PER_MM = 3;

function cropRect(
  img: GrayImage,
  pageToPhoto: Homography,
  r: Rect,
  pxPerMm = CROP_PX_PER_MM,
): GrayImage {
  const w = Math.max(8, Math.round(r.w * pxPerMm));
  const h = Math.max(8, Math.round(r.h * pxPerMm));
  const s = 1 / pxPerMm;
  const outToPage = [s, 0, r.x + 0.5 * s, 0, s, r.y + 0.5 * s, 0, 0, 1];
  return warpPerspective(img, multiply(pageToPhoto, outToPage), w, h);
}

/**
 * How dark each bubble of a column is, 0 (as the others) to 1 (solid ink). The bubbles have their
 * digit printed inside, so a bubble is compared with the column's median bubble, not with paper:
 * in a column of ten at most one or two are blackened.
 */
function bubbleColumn(img: GrayImage, pageToPhoto: Homography, col: Rect[]): BubbleColumn {
  const mean = (g: GrayImage) => g.data.reduce((a, v) => a + v, 0) / Math.max(1, g.data.length);
  const levels = col.map((r) =>
    mean(
      cropRect(
        img,
        pageToPhoto,
        { x: r.x + r.w * 0.2, y: r.y + r.h * 0.2, w: r.w * 0.6, h: r.h * 0.6 },
        4,
      ),
    ),
  );
  const median = [...levels].sort((x, y) => x - y)[Math.floor(levels.length / 2)]!;
  return {
    darkness: levels.map((v) => Math.min(1, Math.max(0, (median - v) / Math.max(1, median)))),
  };
}

const corners = (h: Homography, r: Rect): Point[] =>
  [
    { x: r.x, y: r.y },
    { x: r.x + r.w, y: r.y },
    { x: r.x + r.w, y: r.y + r.h },
    { x: r.x, y: r.y + r.h },
  ].map((p) => {
    const q = apply(h, p);
    return { x: Math.round(q.x * 10) / 10, y: Math.round(q.y * 10) / 10 };
  });

const topClass = (p: BoxProbabilities) =>
  (Object.keys(p) as (keyof BoxProbabilities)[]).reduce((a, c) => (p[c] > p[a] ? c : a), '0');

/** Sets a dotted path in a nested object. */
function setPath(obj: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts.at(-1)!] = value;
}

export function readForm(photos: PhotoInput[], opts: ReadOptions): FormReading {
  const contest = opts.contest ?? PPWP_2024;
  const reports: PageReport[] = [];
  const found = new Map<number, { photo: PhotoInput; page: PageFound; template: PageTemplate }>();
  for (const photo of photos) {
    const seen = findPage(photo.image);
    if (!seen.ok) {
      reports.push({ photo: photo.name, found: false, ...seen.error });
      continue;
    }
    const page = seen.value;
    const template = PPWP_TEMPLATE.pages.find((p) => p.page === page.pageId);
    if (!page.pageId || !template) {
      reports.push({
        photo: photo.name,
        found: false,
        reason: 'unknown-page',
        detail: 'the page-ID marker could not be read',
      });
      continue;
    }
    const earlier = found.get(page.pageId);
    if (earlier && earlier.page.quality.blur <= page.quality.blur) {
      reports.push({
        photo: photo.name,
        found: false,
        reason: 'duplicate-page',
        detail: `page ${page.pageId} is also in ${earlier.photo.name}, which is sharper`,
      });
      continue;
    }
    found.set(page.pageId, { photo, page, template });
  }
  for (const [n, { photo, page }] of [...found].sort((a, b) => a[0] - b[0]))
    reports.push({
      photo: photo.name,
      found: true,
      page: n as 1 | 2 | 3,
      rotation: page.rotation,
      quality: page.quality,
    });

  // Read every box of every page found, all crops in one batch for the classifier.
  type Pending = {
    field: FieldTemplate;
    photo: string;
    h: Homography;
    crops: GrayImage[];
    bubbles?: BubbleColumn[];
  };
  const pending: Pending[] = [];
  for (const { photo, page, template } of found.values())
    for (const field of template.fields)
      pending.push({
        field,
        photo: photo.name,
        h: page.homography,
        crops: field.boxes.map((b) => cropRect(photo.image, page.homography, b)),
        ...(field.bubbles
          ? {
              bubbles: field.bubbles.map((col) => bubbleColumn(photo.image, page.homography, col)),
            }
          : {}),
      });
  const probabilities = opts.classify(pending.flatMap((p) => p.crops));
  const readings: FieldReading[] = [];
  const extra = new Map<string, Pick<FieldResult, 'channels' | 'boxes'> & { disagree: boolean }>();
  pending.forEach((p, i) => {
    const digits = probabilities.slice(i * 3, i * 3 + 3);
    const fused = digits.map((d, k) => fuseBox(d, p.bubbles?.[k]));
    readings.push({
      path: p.field.path,
      boxes: fused.map((f) => f.probabilities) as FieldReading['boxes'],
    });
    extra.set(p.field.path, {
      channels: {
        digits: digits.map(topClass),
        ...(p.bubbles ? { bubbles: fused.map((f) => f.bubbles) } : {}),
      },
      boxes: { photo: p.photo, corners: p.field.boxes.map((b) => corners(p.h, b)) },
      disagree: fused.some((f) => f.disagree),
    });
  });

  const rules = linearRules(voteKeys(contest), {
    ballot: contest.ballot,
    registeredDpt: opts.registeredDpt ?? null,
  });
  const decoded =
    readings.length > 0
      ? decodeForm(readings, rules)
      : { fields: [], broken: [], cost: 0, exact: true };
  const fields: Record<string, FieldResult> = {};
  for (const d of decoded.fields) {
    const e = extra.get(d.path)!;
    fields[d.path] = {
      ...d,
      flags: [...d.flags, ...(e.disagree ? (['channels-disagree'] as const) : [])],
      channels: e.channels,
      ...(e.boxes ? { boxes: e.boxes } : {}),
    };
  }
  const allPaths = PPWP_TEMPLATE.pages.flatMap((p) => p.fields.map((f) => f.path));
  for (const path of allPaths)
    fields[path] ??= {
      path,
      value: null,
      confidence: 0,
      readAlone: 0,
      flags: ['page-missing'],
      notes: [],
      channels: { digits: [] },
    };
  const complete = allPaths.every((p) => fields[p]!.value !== null);
  let result: Record<string, unknown> | null = null;
  if (complete) {
    result = {};
    for (const path of allPaths) setPath(result, path, fields[path]!.value);
  }
  const clean =
    complete &&
    decoded.broken.length === 0 &&
    decoded.exact &&
    Object.values(fields).every((f) => f.flags.length === 0);
  return {
    pages: reports,
    fields,
    result,
    rules: [...new Set(decoded.broken)],
    verdict: clean ? 'clean' : 'review',
  };
}
