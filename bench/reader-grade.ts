// The one grading of a reading against what is on the paper, for every evaluation source of
// `npm run bench:reader` (camera 1, camera 2, the real-photo corpus): per form, pages found (and
// whether their four corners were in view), fields right / flagged / wrong without a flag, digit
// boxes and bubbles, and what sent it to review; then one summary over any set of graded forms.
import type { FieldResult, FormReading } from '../src/reader/read-form.ts';

export type Point = { x: number; y: number };

/** What is true of one photo of a form. */
export type PhotoTruth = {
  name: string;
  page: 1 | 2 | 3;
  /** All four paper corners inside the photo (pages cut off by the camera are not). */
  inView: boolean;
  /** Where the four corner markers' centres are (TL, TR, BR, BL), and how far off counts as placed. */
  markers?: { at: Point[]; tolerancePx: number };
};

/** What is true of one form (one or more photos). */
export type FormTruth = {
  photos: PhotoTruth[];
  /** Field path -> the number written on the paper; only the fields known (all, on a camera). */
  values: Record<string, number>;
  /**
   * The paper is right: no slip of the pen, no bubble blackened for another digit. Undefined where
   * nobody knows (a real photo of one page).
   */
  cleanOnPaper: boolean | undefined;
};

/** Time spent on one page, in milliseconds. */
export type PageTiming = {
  /** JPEG to grey pixels (sharp), outside the reader. */
  decodeMs: number;
  /** `readForm` on this page alone: find, crop, classify, decode its fields. */
  readMs: number;
  /** `findPage` alone, where the page finder's placement is checked (markers known). */
  findMs?: number;
};

export type FormGrade = {
  source: string;
  /** Camera 2's condition, the corpus photo, or the camera 1 series. */
  group: string;
  id: string;
  pages: {
    photo: string;
    page: number;
    inView: boolean;
    found: boolean;
    /** Found and named the right page number. */
    pageRight: boolean;
    /** Found with its four markers within the tolerance of the truth (where the truth knows them). */
    placed?: boolean;
    reason?: string;
  }[];
  fields: {
    total: number;
    /** Unflagged and equal to the paper. */
    right: number;
    flagged: number;
    flaggedRight: number;
    /** Unflagged and different from the paper ("path: read R, paper P"). */
    wrong: string[];
  };
  /** Each box's top digit class against the paper (a leading zero may be written 0 or X). */
  boxes: { read: number; right: number };
  /** Each bubble column's verdict against the paper's digit (page 2). */
  bubbles: { read: number; right: number };
  /** Clean on paper with every page in view: the forms the reader should pass on its own. */
  clean: boolean;
  /** The paper itself says something wrong (a slip, a wrong bubble): it must go to review. */
  paperWrong: boolean;
  review: boolean;
  /** Why the form went to review: field flag codes, `page-not-found:<reason>`, or `inexact-decode`. */
  reviewCodes: string[];
  timing: PageTiming[];
  /** `readForm` on the whole form at once, divided by its photos (ms). */
  formReadMsPerPage: number;
};

export function allInView(corners: readonly Point[], width: number, height: number): boolean {
  return corners.every((p) => p.x >= 0 && p.y >= 0 && p.x < width && p.y < height);
}

function placed(found: Point[] | undefined, truth: NonNullable<PhotoTruth['markers']>): boolean {
  if (!found) return false;
  const off = found.map((p, k) => Math.hypot(p.x - truth.at[k]!.x, p.y - truth.at[k]!.y));
  return Math.max(...off) <= truth.tolerancePx;
}

/** The three boxes (hundreds, tens, units) of a number as written, leading zeros as 0. */
const boxDigits = (n: number) => String(n).padStart(3, '0').split('');

/** What sent a form to review, one code each (empty when the verdict is clean). */
export function reviewCodes(reading: FormReading): string[] {
  if (reading.verdict === 'clean') return [];
  const codes = new Set<string>();
  for (const p of reading.pages) if (!p.found) codes.add(`page-not-found:${p.reason}`);
  // Pages no photo was handed in for (a real photo of one page alone).
  const found = reading.pages.filter((p) => p.found).length;
  if (3 - found > reading.pages.length - found) codes.add('page-not-given');
  for (const f of Object.values(reading.fields))
    for (const flag of f.flags) if (flag !== 'page-missing') codes.add(flag);
  // The verdict also wants the decoder's search exact: a form with nothing else against it.
  if (codes.size === 0) codes.add('inexact-decode');
  return [...codes].sort();
}

/** One field: flagged (a person looks), else right or wrong (wrong without a flag: the failure). */
export function gradeField(
  f: Pick<FieldResult, 'value' | 'flags'> | undefined,
  want: number,
): 'right' | 'flagged' | 'wrong' {
  if (!f || f.flags.length > 0) return 'flagged';
  return f.value === want ? 'right' : 'wrong';
}

export function gradeForm(
  source: string,
  group: string,
  id: string,
  reading: FormReading,
  truth: FormTruth,
  timing: PageTiming[],
  formReadMs: number,
  /** The page finder's corner markers per photo name, where it was run apart. */
  located: Record<string, Point[]> = {},
): FormGrade {
  const pages = truth.photos.map((t) => {
    const r = reading.pages.find((p) => p.photo === t.name);
    return {
      photo: t.name,
      page: t.page,
      inView: t.inView,
      found: r?.found ?? false,
      pageRight: r?.found === true && r.page === t.page,
      ...(t.markers && r?.found ? { placed: placed(located[t.name], t.markers) } : {}),
      ...(r && !r.found ? { reason: r.reason } : r ? {} : { reason: 'not-decoded' }),
    };
  });
  const fields: FormGrade['fields'] = {
    total: 0,
    right: 0,
    flagged: 0,
    flaggedRight: 0,
    wrong: [],
  };
  const boxes = { read: 0, right: 0 };
  const bubbles = { read: 0, right: 0 };
  for (const [path, want] of Object.entries(truth.values)) {
    const f = reading.fields[path];
    const value = f?.value ?? null;
    const grade = gradeField(f, want);
    fields.total++;
    if (grade === 'flagged') {
      fields.flagged++;
      if (value === want) fields.flaggedRight++;
    } else if (grade === 'right') fields.right++;
    else fields.wrong.push(`${path}: read ${value}, paper ${want}`);
    const digits = boxDigits(want);
    const leading = want === 0 ? 2 : 3 - String(want).length;
    f?.channels.digits.forEach((d, k) => {
      boxes.read++;
      if (d === digits[k] || (k < leading && d === 'x')) boxes.right++;
    });
    f?.channels.bubbles?.forEach((b, k) => {
      bubbles.read++;
      if (b === digits[k]) bubbles.right++;
    });
  }
  return {
    source,
    group,
    id,
    pages,
    fields,
    boxes,
    bubbles,
    clean: truth.cleanOnPaper === true && truth.photos.every((p) => p.inView),
    paperWrong: truth.cleanOnPaper === false,
    review: reading.verdict === 'review',
    reviewCodes: reviewCodes(reading),
    timing,
    formReadMsPerPage: formReadMs / Math.max(1, truth.photos.length),
  };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const spread = (xs: number[]) => ({
  p50: Math.round(quantile(xs, 0.5)),
  p95: Math.round(quantile(xs, 0.95)),
  max: Math.round(quantile(xs, 1)),
});

export type Summary = ReturnType<typeof summarize>;

/** The same figures for any set of graded forms: a source, a condition, one photo. */
export function summarize(grades: readonly FormGrade[]) {
  const pages = grades.flatMap((g) => g.pages);
  const inView = pages.filter((p) => p.inView);
  const notFound: Record<string, number> = {};
  for (const p of pages)
    if (!p.found) {
      const key = `${p.reason ?? '?'}${p.inView ? '' : ' (cut off by the camera)'}`;
      notFound[key] = (notFound[key] ?? 0) + 1;
    }
  const sum = (f: (g: FormGrade) => number) => grades.reduce((a, g) => a + f(g), 0);
  const clean = grades.filter((g) => g.clean);
  /** For the clean forms sent to review: how many carried each code, and how many it alone. */
  const cleanReviewCodes: Record<string, { forms: number; alone: number }> = {};
  for (const g of clean.filter((c) => c.review))
    for (const code of g.reviewCodes) {
      const c = (cleanReviewCodes[code] ??= { forms: 0, alone: 0 });
      c.forms++;
      if (g.reviewCodes.length === 1) c.alone++;
    }
  const wrong = grades.flatMap((g) => g.fields.wrong.map((w) => `${g.id} ${w}`));
  return {
    forms: grades.length,
    pages: pages.length,
    pagesFound: pages.filter((p) => p.found).length,
    pagesInView: inView.length,
    pagesInViewFound: inView.filter((p) => p.found).length,
    pageNumberRight: pages.filter((p) => p.pageRight).length,
    /** Found pages whose markers the truth knows, and those the finder placed within tolerance. */
    placement: {
      checked: pages.filter((p) => p.placed !== undefined).length,
      placed: pages.filter((p) => p.placed === true).length,
    },
    notFound,
    fields: sum((g) => g.fields.total),
    fieldsRight: sum((g) => g.fields.right),
    fieldsFlagged: sum((g) => g.fields.flagged),
    fieldsFlaggedRight: sum((g) => g.fields.flaggedRight),
    fieldsWrongWithoutFlag: wrong.length,
    /** Wrong fields in forms passed clean: what would be published with no person looking. */
    wrongInFormsPassedClean: grades
      .filter((g) => !g.review)
      .reduce((a, g) => a + g.fields.wrong.length, 0),
    boxes: { read: sum((g) => g.boxes.read), right: sum((g) => g.boxes.right) },
    bubbles: { read: sum((g) => g.bubbles.read), right: sum((g) => g.bubbles.right) },
    formsToReview: grades.filter((g) => g.review).length,
    cleanForms: clean.length,
    cleanFormsToReview: clean.filter((g) => g.review).length,
    cleanReviewCodes,
    paperWrongForms: grades.filter((g) => g.paperWrong).length,
    paperWrongToReview: grades.filter((g) => g.paperWrong && g.review).length,
    ms: {
      decode: spread(grades.flatMap((g) => g.timing.map((t) => t.decodeMs))),
      readPage: spread(grades.flatMap((g) => g.timing.map((t) => t.readMs))),
      findPage: spread(grades.flatMap((g) => g.timing.flatMap((t) => t.findMs ?? []))),
      formReadPerPage: spread(grades.map((g) => g.formReadMsPerPage)),
    },
    examplesWrongWithoutFlag: wrong.slice(0, 20),
  };
}
