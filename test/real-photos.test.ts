// Pins what the reader does today on each real photograph of the corpus
// (test/fixtures/real-photos/: README.md says where each comes from). A photo the reader gets
// right must stay right; a photo it fails on is listed in KNOWN_FAILURES with the reason, and the
// test asserts it still fails that way, so a fix shows up here as a shorter list.
// The committed photos always run; the external ones (no licence to commit them) run where
// scripts/derive-real-photos.ts has derived them.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyBoxes } from '../src/reader/digits/classify.ts';
import { loadDigitClassifier } from '../src/reader/digits/load-node.ts';
import type { BoxClassifier } from '../src/reader/read-form.ts';
import { loadIndex, photoPath, REAL_PHOTOS_DIR } from './fixtures/real-photos/corpus.ts';
import { evaluatePhoto } from './fixtures/real-photos/evaluate.ts';

type KnownFailure = { reason: string; detail: string; why: string };

/** Photos the reader finds no page on today: the failure it gives, and whether it is right to. */
const KNOWN_FAILURES: Record<string, KnownFailure> = {
  'jakarta-kemayoran-048-page2.jpg': {
    reason: 'too-small',
    detail: 'the page is photographed at 0.90 px/mm; at least 1 is needed',
    why:
      'the right answer: all four markers are in view, but the photo (493 x 769) is under the ' +
      "reader's 1 px/mm floor, so the field worker is asked to come closer",
  },
  'kawalc1-screen-page1-blank.jpg': {
    reason: 'cut-off',
    detail: 'only two corner markers found: is the whole page in the photo?',
    why:
      'wrong: all four markers are in view (a monitor shot at an angle, about 2 px/mm), but the ' +
      'page finder takes only two of them (moire bands over the left half, perspective)',
  },
  'kawalc1-screen-page1-blank-cam2.jpg': {
    reason: 'not-a-form',
    detail: 'no four corner markers of the C.HASIL form were found',
    why:
      'wrong: it is page 1 with all four markers in view (about 1.75 px/mm, a steep angle off a ' +
      'screen, a reflection washing out the top-right marker): at worst "glare", not "not a form"',
  },
};

/**
 * Fields the reader sends to a person today on a page it finds: what it reads and the flags it
 * gives. Every other known field of a found page is read right.
 */
const FLAGGED_TODAY: Record<string, Record<string, { read: number | null; flags: string[] }>> = {
  // 123 read as 33 and flagged: sent to a person (dark, slightly blurred, steep), not a silent
  // error.
  'kawalc1-screen-page2-mock-cam2.jpg': { 'votes.1': { read: 33, flags: ['ambiguous'] } },
};

const index = loadIndex();

describe('the real-photo corpus', () => {
  it('lists every committed photo, and each is the file its index entry names', () => {
    const jpgs = readdirSync(REAL_PHOTOS_DIR).filter((f) => f.endsWith('.jpg'));
    expect(jpgs.sort()).toEqual(
      index
        .filter((p) => p.committed)
        .map((p) => p.file)
        .sort(),
    );
    for (const p of index.filter((q) => q.committed)) {
      const sha = createHash('sha256')
        .update(readFileSync(photoPath(p)!))
        .digest('hex');
      expect(sha, p.file).toBe(p.sha256);
    }
  });

  it('keeps each committed photo small (at most 400 KB)', () => {
    for (const p of index.filter((q) => q.committed))
      expect(statSync(photoPath(p)!).size, p.file).toBeLessThanOrEqual(400 * 1024);
  });

  it('names a known failure or a flagged field only for photos it holds', () => {
    const files = new Set(index.map((p) => p.file));
    for (const f of [...Object.keys(KNOWN_FAILURES), ...Object.keys(FLAGGED_TODAY)])
      expect(files.has(f), f).toBe(true);
  });
});

describe('the reader on real photographs', () => {
  let classify: BoxClassifier;
  beforeAll(async () => {
    const model = await loadDigitClassifier();
    classify = (crops) => classifyBoxes(crops, model).map((r) => r.probabilities);
  });

  for (const p of index) {
    const path = photoPath(p);
    const known = KNOWN_FAILURES[p.file];
    const title = known
      ? `${p.file}: still fails as it does today (${known.reason}): ${known.why}`
      : `${p.file}: finds page ${p.expected.page} and reads each known field as it does today`;
    it.skipIf(!path)(title, async () => {
      const o = await evaluatePhoto(p, path!, classify);
      if (known) {
        expect(o.page.found).toBe(false);
        if (!o.page.found) {
          expect(o.page.reason).toBe(known.reason);
          expect(o.page.detail).toBe(known.detail);
        }
        return;
      }
      expect(o.page.found).toBe(true);
      expect(o.pageRight).toBe(true);
      // Every field a person reads on the photo: read right, or sent to a person with the flags
      // it gets today; never wrong without a flag.
      const flagged = FLAGGED_TODAY[p.file] ?? {};
      for (const f of o.fields) {
        const today = flagged[f.path];
        if (today) expect({ read: f.read, flags: f.flags }, f.path).toEqual(today);
        else
          expect({ read: f.read, grade: f.grade }, f.path).toEqual({
            read: f.expected,
            grade: 'right',
          });
      }
    });
  }
});
