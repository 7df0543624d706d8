// Where one version stands, from the TPS answer's review status: every state the review rule
// (src/core/review.ts) can leave a TPS in, seen from the version a phone sent or a receipt matched.
import { describe, expect, it } from 'vitest';
import type { PublicCorrection, PublicReviewReason, TpsReviewStatus } from './results.ts';
import { versionStatus } from './version-status.ts';

const ppk = { actor: 'account:a1', name: 'ppk.martapura', role: 'ppk', region: '16.08.01' };
const rules: PublicReviewReason = {
  code: 'rules',
  version: 1,
  rules: [
    {
      rule: 'votes-sum-valid',
      fields: ['votes.1', 'valid'],
      message: { id: 'jumlah suara tidak sama', en: 'votes do not add up' },
    },
  ],
};
const photo: PublicReviewReason = {
  code: 'photo_requested',
  version: 1,
  reason: 'halaman 2 buram',
  pages: [2],
  at: '2024-02-14T10:00:00.000Z',
  by: ppk,
};
const correction = (version: number, corrects: number): PublicCorrection => ({
  version,
  corrects,
  at: '2024-02-15T10:00:00.000Z',
  by: ppk,
  reason: 'salah tulis',
  reference: 'BA-01/PPK/2024',
  changes: [{ field: 'votes.1', from: 31, to: 30 }],
});
const review = (r: Partial<TpsReviewStatus>): TpsReviewStatus => ({
  state: 'counted',
  counted: 1,
  latest: 1,
  reasons: [],
  corrections: [],
  ...r,
});

describe('versionStatus', () => {
  it('counted, and counted while a newer version waits', () => {
    expect(versionStatus(review({}), 1)).toEqual({ state: 'counted', version: 1, newer: null });
    const held = review({
      state: 'flagged',
      counted: 1,
      latest: 2,
      reasons: [{ ...rules, version: 2 }],
    });
    expect(versionStatus(held, 1)).toEqual({ state: 'counted', version: 1, newer: 2 });
    expect(versionStatus(held, 2)).toMatchObject({ state: 'flagged', version: 2 });
  });

  it('flagged with its reasons, never counted', () => {
    const s = versionStatus(review({ state: 'flagged', counted: null, reasons: [rules] }), 1);
    expect(s).toEqual({ state: 'flagged', version: 1, reasons: [rules] });
  });

  it('in review: an objection, the version counting meanwhile', () => {
    const objection: PublicReviewReason = { code: 'objection', version: 1 };
    const s = versionStatus(review({ state: 'in_review', reasons: [objection] }), 1);
    expect(s).toEqual({ state: 'in_review', version: 1, counts: true, reasons: [objection] });
  });

  it('a photo request names who asked and why', () => {
    const s = versionStatus(
      review({ state: 'photo_requested', counted: null, reasons: [rules, photo] }),
      1,
    );
    expect(s).toMatchObject({ state: 'photo_requested', counts: false, request: photo });
  });

  it('corrected, by whom, even through a correction of a correction', () => {
    const once = review({
      state: 'corrected',
      counted: 2,
      latest: 2,
      corrections: [correction(2, 1)],
    });
    expect(versionStatus(once, 1)).toEqual({
      state: 'corrected',
      version: 1,
      counted: 2,
      correction: correction(2, 1),
    });
    const twice = review({
      state: 'corrected',
      counted: 3,
      latest: 3,
      corrections: [correction(3, 2), correction(2, 1)],
    });
    expect(versionStatus(twice, 1)).toMatchObject({ state: 'corrected', counted: 3 });
    expect(versionStatus(twice, 1)).toMatchObject({ correction: { version: 3 } });
  });

  it('superseded by a later KPPS version, whichever counts', () => {
    const s = versionStatus(review({ counted: 3, latest: 3, corrections: [correction(3, 2)] }), 1);
    expect(s).toEqual({ state: 'superseded', version: 1, by: 2, counted: 3 });
  });

  it('unknown: no result, or a version the server does not hold', () => {
    expect(versionStatus(review({ state: 'none', counted: null, latest: null }), 1)).toEqual({
      state: 'unknown',
      version: 1,
    });
    expect(versionStatus(review({}), 2)).toEqual({ state: 'unknown', version: 2 });
  });
});
