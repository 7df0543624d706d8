// Every failure the field app can show is in the officer's language: each problem code has its
// sentence in Bahasa Indonesia and English, the dictionary's two languages carry the same
// placeholders, and the browser's own failures (getUserMedia's DOMExceptions, a full disk, a
// receipt that is not one) are told apart by what they are, not by their English message.
import { describe, expect, it } from 'vitest';
import { translate } from '../shared/i18n.ts';
import { decodeReceipt } from './signing.ts';
import { FIELD_STRINGS } from './strings.ts';
import {
  FieldProblem,
  PROBLEMS,
  cameraProblem,
  failureText,
  isStorageFull,
  problemKey,
  receiptProblem,
} from './problems.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the field app dictionary', () => {
  it('has every problem in both languages, and the two say different things', () => {
    for (const p of PROBLEMS) {
      const entry = FIELD_STRINGS[problemKey(p)] as { id: string; en: string } | undefined;
      expect(entry, p).toBeDefined();
      expect(entry!.id.trim(), p).not.toBe('');
      expect(entry!.en.trim(), p).not.toBe('');
      expect(entry!.id, p).not.toBe(entry!.en);
    }
  });

  it('has no problem sentence that no code names', () => {
    const named = new Set<string>(PROBLEMS.map(problemKey));
    const orphans = Object.keys(FIELD_STRINGS).filter(
      (k) => k.startsWith('problem_') && !named.has(k),
    );
    expect(orphans).toEqual([]);
  });

  it('gives every string the same placeholders in both languages', () => {
    for (const [key, text] of Object.entries(FIELD_STRINGS))
      expect(placeholders(text.en), key).toEqual(placeholders(text.id));
  });
});

describe('the camera', () => {
  it("names getUserMedia's failures by their DOMException name", () => {
    const e = (message: string, name: string) => new DOMException(message, name);
    expect(cameraProblem(e('Requested device not found', 'NotFoundError'))).toBe('camera_missing');
    expect(cameraProblem(e('Permission denied', 'NotAllowedError'))).toBe('camera_denied');
    expect(cameraProblem(e('Could not start video source', 'NotReadableError'))).toBe(
      'camera_busy',
    );
    expect(cameraProblem(e('Constraints could be not satisfied', 'OverconstrainedError'))).toBe(
      'camera_missing',
    );
    expect(cameraProblem(new Error('something else'))).toBe('camera_failed');
    expect(cameraProblem('not even an error')).toBe('camera_failed');
  });

  it("says a missing camera in the officer's words, not the browser's", () => {
    const p = cameraProblem(new DOMException('Requested device not found', 'NotFoundError'));
    const id = translate(FIELD_STRINGS, 'id', problemKey(p));
    expect(id).toMatch(/Kamera tidak ditemukan/);
    expect(id).not.toMatch(/Requested|device/);
  });
});

describe('receipts that are not one', () => {
  const cases = [
    ['hello, witness', 'not_receipt'],
    ['RKP2.AAAA', 'receipt_version'],
    ['  RKP1.!!not-base64!!  ', 'receipt_damaged'],
    ['RKP1.AAAA', 'receipt_damaged'],
  ] as const;
  for (const [text, problem] of cases)
    it(`names ${JSON.stringify(text)} ${problem}, a text core also refuses`, () => {
      expect(decodeReceipt(text).ok).toBe(false);
      expect(receiptProblem(text)).toBe(problem);
    });

  it('says "not a receipt" in Bahasa Indonesia', () => {
    expect(translate(FIELD_STRINGS, 'id', problemKey(receiptProblem('x')))).toMatch(
      /bukan tanda terima Rekap/,
    );
  });
});

describe('failureText', () => {
  it('tells storage full wherever it happened, bare or wrapped by Dexie', () => {
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    expect(isStorageFull(quota)).toBe(true);
    const dexie = Object.assign(new Error('QuotaExceededError: quota'), {
      name: 'AbortError',
      inner: quota,
    });
    expect(isStorageFull(dexie)).toBe(true);
    expect(isStorageFull(new Error('nope'))).toBe(false);
    expect(failureText(dexie, 'sign_failed')).toBe(
      translate(FIELD_STRINGS, 'id', 'problem_storage_full'),
    );
  });

  it("shows the app's own problem in its words, with its placeholders filled", () => {
    const e = new FieldProblem('enrol_refused', { m: 'token tidak dikenal' }, 'bad_token');
    expect(failureText(e, 'enrol_failed')).toBe('Pendaftaran ditolak: token tidak dikenal');
  });

  it("shows anything else as the step's failure, the English message only in brackets", () => {
    const text = failureText(new Error('worker crashed'), 'photo_failed');
    expect(text).toBe(`${translate(FIELD_STRINGS, 'id', 'problem_photo_failed')} (worker crashed)`);
    expect(failureText(undefined, 'read_failed')).toBe(
      translate(FIELD_STRINGS, 'id', 'problem_read_failed'),
    );
  });
});
