// Where one version of a TPS result stands with the server, from the TPS answer's review status
// (GET /api/v1/tps/{code}): what the KPPS outbox shows for the version it sent, and what witness
// mode and `rekap verify-receipt --server` say of the version a receipt matched. One function, so
// that the phone, the witness and the command never disagree about a result that does not count.
import type { PublicCorrection, PublicReviewReason, TpsReviewStatus } from './results.ts';

export type PhotoRequest = Extract<PublicReviewReason, { code: 'photo_requested' }>;

export type VersionStatus =
  /** This version counts. `newer`: a later version that waits for review (it does not count). */
  | { state: 'counted'; version: number; newer: number | null }
  /** The newest version is held (it breaks a rule, or the re-read disagrees): it does not count. */
  | { state: 'flagged'; version: number; reasons: PublicReviewReason[] }
  /** An objection is open on the newest version; it keeps counting meanwhile when it counted. */
  | { state: 'in_review'; version: number; counts: boolean; reasons: PublicReviewReason[] }
  /** An operator asked the KPPS for a new photo of this (the newest) version. */
  | {
      state: 'photo_requested';
      version: number;
      counts: boolean;
      request: PhotoRequest;
      reasons: PublicReviewReason[];
    }
  /** Operators corrected this version: `counted` (a correction) counts instead, `correction` made it. */
  | { state: 'corrected'; version: number; counted: number; correction: PublicCorrection }
  /** A later version from the KPPS replaced this one (`by`); `counted` is the one that counts. */
  | { state: 'superseded'; version: number; by: number; counted: number | null }
  /** The server holds no such version (yet). */
  | { state: 'unknown'; version: number };

export function versionStatus(review: TpsReviewStatus, version: number): VersionStatus {
  const { latest, counted } = review;
  if (latest === null || version < 1 || version > latest) return { state: 'unknown', version };
  const corrections = new Map(review.corrections.map((c) => [c.version, c]));
  if (version < latest) {
    // The versions after this one: a KPPS submission among them replaces it; corrections only
    // mean the operators corrected it (a correction always counts when it is the newest).
    let firstSubmission: number | null = null;
    for (let v = version + 1; v <= latest; v++)
      if (!corrections.has(v)) {
        firstSubmission = v;
        break;
      }
    if (firstSubmission !== null)
      return counted === version
        ? { state: 'counted', version, newer: firstSubmission }
        : { state: 'superseded', version, by: firstSubmission, counted };
    const by =
      (counted !== null && counted > version ? corrections.get(counted) : undefined) ??
      corrections.get(latest)!;
    return { state: 'corrected', version, counted: counted ?? by.version, correction: by };
  }
  const reasons = review.reasons;
  const counts = counted === version;
  switch (review.state) {
    case 'photo_requested': {
      const request = reasons.find((r): r is PhotoRequest => r.code === 'photo_requested');
      if (request) return { state: 'photo_requested', version, counts, request, reasons };
      break;
    }
    case 'in_review':
      return { state: 'in_review', version, counts, reasons };
    case 'flagged':
      return { state: 'flagged', version, reasons };
    case 'counted':
    case 'corrected':
    case 'none':
      break;
  }
  return counts
    ? { state: 'counted', version, newer: null }
    : { state: 'flagged', version, reasons };
}
