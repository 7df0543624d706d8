// The benchmark's one grading (bench/reader-grade.ts): what counts as right, flagged and wrong
// without a flag, which forms are clean on paper, and which codes sent a clean form to review.
// Every figure of `npm run bench:reader` comes through these functions, so they are pinned here.
import { describe, expect, it } from 'vitest';
import { gradeField, gradeForm, reviewCodes, summarize } from '../bench/reader-grade.ts';
import type { FieldResult, FormReading } from '../src/reader/read-form.ts';

function field(value: number | null, flags: FieldResult['flags'], digits: string[]): FieldResult {
  return {
    path: 'votes.1',
    value,
    flags,
    confidence: 0.99,
    readAlone: value ?? 0,
    notes: [],
    channels: { digits },
  };
}

const quality = { blur: 0.5, contrast: 120, markerScore: 0.5, pxPerMm: 1.7, pageIdDistance: 0 };

function reading(fields: Record<string, FieldResult>, verdict: 'clean' | 'review'): FormReading {
  return {
    pages: ([1, 2, 3] as const).map((page) => ({
      photo: `p${page}.jpg`,
      found: true as const,
      page,
      rotation: 0,
      quality,
    })),
    fields,
    result: null,
    rules: [],
    verdict,
  };
}

const truth = (cleanOnPaper: boolean | undefined, values: Record<string, number>) => ({
  photos: [{ name: 'p2.jpg', page: 2 as const, inView: true }],
  values,
  cleanOnPaper,
});

describe('the reader benchmark grading', () => {
  it('calls a field right only unflagged and equal to the paper, and wrong only unflagged', () => {
    expect(gradeField(field(24, [], ['x', '2', '4']), 24)).toBe('right');
    expect(gradeField(field(34, [], ['x', '3', '4']), 24)).toBe('wrong');
    expect(gradeField(field(24, ['ambiguous'], ['x', '2', '4']), 24)).toBe('flagged');
    expect(gradeField(field(34, ['overrules-reading'], ['x', '3', '4']), 24)).toBe('flagged');
    expect(gradeField(undefined, 24)).toBe('flagged');
  });

  it('counts boxes with a leading X as a leading zero, and names every wrong field', () => {
    const r = reading(
      {
        'votes.1': field(24, [], ['x', '2', '4']),
        'votes.2': field(13, [], ['x', '1', '3']),
        'votes.3': field(7, [], ['0', 'x', '7']),
      },
      'clean',
    );
    const g = gradeForm(
      'camera',
      'clean',
      'f1',
      r,
      truth(true, { 'votes.1': 24, 'votes.2': 73, 'votes.3': 7 }),
      [],
      0,
    );
    expect(g.fields).toMatchObject({ total: 3, right: 2, flagged: 0 });
    expect(g.fields.wrong).toEqual(['votes.2: read 13, paper 73']);
    // 24 as X24 (3 right), 73 read as X13 (2 right), 7 as 0X7 (3 right: both leading boxes).
    expect(g.boxes).toEqual({ read: 9, right: 8 });
    expect(g.clean).toBe(true);
    expect(g.review).toBe(false);
  });

  it('says what sent a form to review, one code each, and which code alone', () => {
    const flagged = reading(
      {
        'votes.1': field(24, ['overrules-reading'], ['x', '2', '4']),
        'votes.2': field(73, ['overrules-reading', 'ambiguous'], ['x', '7', '3']),
      },
      'review',
    );
    expect(reviewCodes(flagged)).toEqual(['ambiguous', 'overrules-reading']);
    // One page handed in alone (a real photo): the other two are missing from the form.
    expect(reviewCodes({ ...flagged, pages: flagged.pages.slice(1, 2) })).toContain(
      'page-not-given',
    );
    expect(reviewCodes(reading({ 'votes.1': field(24, [], ['x', '2', '4']) }, 'clean'))).toEqual(
      [],
    );
    // A form in review with no flag and every page found: the decoder's search was not exact.
    expect(reviewCodes(reading({ 'votes.1': field(24, [], ['x', '2', '4']) }, 'review'))).toEqual(
      expect.arrayContaining(['inexact-decode']),
    );
    const alone = reading(
      { 'votes.1': field(24, ['overrules-reading'], ['x', '2', '4']) },
      'review',
    );
    const grades = [
      gradeForm('c', 'g', 'a', flagged, truth(true, { 'votes.1': 24, 'votes.2': 73 }), [], 0),
      gradeForm('c', 'g', 'b', alone, truth(true, { 'votes.1': 24 }), [], 0),
      // Wrong on paper: must go to review, and is not a clean form.
      gradeForm('c', 'g', 'c', alone, truth(false, { 'votes.1': 24 }), [], 0),
      // Unknown paper (a real photo of one page): neither clean nor wrong.
      gradeForm('c', 'g', 'd', alone, truth(undefined, { 'votes.1': 24 }), [], 0),
    ];
    const s = summarize(grades);
    expect(s.cleanForms).toBe(2);
    expect(s.cleanFormsToReview).toBe(2);
    expect(s.cleanReviewCodes).toEqual({
      'overrules-reading': { forms: 2, alone: 1 },
      ambiguous: { forms: 1, alone: 0 },
    });
    expect(s.paperWrongForms).toBe(1);
    expect(s.paperWrongToReview).toBe(1);
    expect(s.fieldsWrongWithoutFlag).toBe(0);
  });

  it('does not count a page cut off by the camera among the pages in view', () => {
    const r: FormReading = {
      ...reading({}, 'review'),
      pages: [{ photo: 'p2.jpg', found: false, reason: 'cut-off', detail: 'x' }],
    };
    const cut = {
      ...truth(true, {}),
      photos: [{ name: 'p2.jpg', page: 2 as const, inView: false }],
    };
    const s = summarize([gradeForm('c', 'g', 'a', r, cut, [], 0)]);
    expect(s).toMatchObject({ pages: 1, pagesInView: 0, pagesFound: 0, cleanForms: 0 });
    expect(s.notFound).toEqual({ 'cut-off (cut off by the camera)': 1 });
  });
});
