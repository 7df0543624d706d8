// What went wrong, in the officer's words: every failure the field app shows has a code here and
// its sentence in both languages in field/strings.ts (`problem_<code>`), never a browser's or a
// library's English message. The server's refusals come with the catalogue's words
// (src/contract/errors.ts) and are shown in those; the app's own failures (the camera, a receipt
// that is not one, storage, the reader worker, the network) are told apart here by what they are
// (a DOMException's name, the receipt's prefix), not by their English text.
import { RECEIPT_PREFIX } from './signing.ts';
import { t } from './i18n.ts';
import type { Key } from './strings.ts';

/** Every failure the app names in its own words. */
export const PROBLEMS = [
  'camera_missing',
  'camera_denied',
  'camera_busy',
  'camera_unavailable',
  'camera_failed',
  'no_qr',
  'not_receipt',
  'receipt_version',
  'receipt_damaged',
  'not_published',
  'other_signature',
  'published_unchecked',
  'storage_full',
  'photo_failed',
  'read_failed',
  'sign_failed',
  'enrol_refused',
  'enrol_unreachable',
  'enrol_failed',
  'server_answer',
  'not_yet_published',
  'send_failed',
  'server_refused',
] as const;
export type Problem = (typeof PROBLEMS)[number];

/** The dictionary key of a problem's sentence. */
export const problemKey = (p: Problem): Key => `problem_${p}`;

/** A failure the app raised itself, with its code (and the sentence's `{placeholders}`). */
export class FieldProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly vars: Record<string, string | number> = {},
    /** Detail for whoever debugs it (English, not shown): the underlying message. */
    readonly detail?: string,
  ) {
    super(detail ? `${problem}: ${detail}` : problem);
  }
}

const nameOf = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string'
    ? e.name
    : undefined;

/** Whether storage on the phone is full (a QuotaExceededError, bare or wrapped by Dexie). */
export function isStorageFull(e: unknown): boolean {
  if (nameOf(e) === 'QuotaExceededError') return true;
  const inner = typeof e === 'object' && e !== null && 'inner' in e ? e.inner : undefined;
  return inner !== undefined && inner !== e && isStorageFull(inner);
}

/** Why the camera did not start (getUserMedia's refusal, by its DOMException name). */
export function cameraProblem(e: unknown): Problem {
  switch (nameOf(e)) {
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'camera_missing';
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'camera_denied';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'camera_busy';
    default:
      return 'camera_failed';
  }
}

/**
 * Why a text that did not decode is not a receipt, from what the text is (core's decodeReceipt
 * says why in English sentences, for the CLI): not one at all, another version, or damaged.
 */
export function receiptProblem(text: string): Problem {
  const s = text.trim();
  if (!s.startsWith('RKP')) return 'not_receipt';
  if (!s.startsWith(RECEIPT_PREFIX)) return 'receipt_version';
  return 'receipt_damaged';
}

/** The sentence of a problem in the app's language. */
export const problemText = (p: Problem, vars?: Record<string, string | number>): string =>
  t(problemKey(p), vars);

/**
 * What the officer reads of a failure caught at a step: the app's own problem in its words,
 * storage full wherever it happened, anything else as the step's `fallback` (with the English
 * message behind it only as a detail in brackets, for whoever is asked to help).
 */
export function failureText(e: unknown, fallback: Problem): string {
  if (e instanceof FieldProblem) return problemText(e.problem, e.vars);
  if (isStorageFull(e)) return problemText('storage_full');
  const detail = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  return detail ? `${problemText(fallback)} (${detail})` : problemText(fallback);
}
