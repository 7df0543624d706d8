// The real C.Hasil crops of ../shared/data/digits/chasil-eikona: deduplicated by md5, split into
// train and test by TPS (never by image), and the label-0 crops sorted into X marks and written
// zeros. See training/digits/README.md.

import { parse } from 'csv-parse/sync';
import type { DigitLabel } from '../reader/digits/classify.ts';
import { preprocessBox, type Preprocessed } from '../reader/digits/preprocess.ts';
import type { GrayImage } from '../reader/image.ts';

export const X_LABEL = 10;
/** One TPS in TEST_MODULUS goes to the held-out test set (hash bucket 0). */
const TEST_MODULUS = 5;
/** Of the training TPS, those in hash bucket VAL_BUCKET form the validation split (model selection). */
const VAL_BUCKET = 1;

export type RealCrop = {
  file: string;
  label: number;
  tps: string;
  zeroGuess: 'x_mark' | 'written_zero' | null;
  test: boolean;
  /** A training-TPS crop in the validation split: used to choose models, never the test split. */
  val: boolean;
};

/** FNV-1a, 32 bit: a stable hash for assigning a TPS to train or test. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function realCropSplit(csv: string): {
  crops: RealCrop[];
  trainTps: number;
  testTps: number;
  dropped: number;
} {
  const rows: Record<string, string>[] = parse(csv, { columns: true, skip_empty_lines: true });
  const seen = new Set<string>();
  const crops: RealCrop[] = [];
  const tpsTrain = new Set<string>();
  const tpsTest = new Set<string>();
  let dropped = 0;
  for (const f of rows) {
    const file = f.file!;
    let label = Number(f.label);
    const md5 = f.md5!;
    // The one conflicting duplicate (3_... and 7_... are the same image) shows a 7.
    if (file === '3_C_5305032015002_3_3.jpg') label = 7;
    if (seen.has(md5)) {
      dropped++;
      continue;
    }
    seen.add(md5);
    // Malformed codes have no tps_code: group by the code as written in the file name.
    const tps = f.tps_code || `raw:${file.split('_')[2] ?? file}`;
    const guess = f.zero_form_guess;
    const bucket = fnv1a(tps) % TEST_MODULUS;
    const test = bucket === 0;
    (test ? tpsTest : tpsTrain).add(tps);
    crops.push({
      file,
      label,
      tps,
      zeroGuess: label === 0 && (guess === 'x_mark' || guess === 'written_zero') ? guess : null,
      test,
      val: bucket === VAL_BUCKET,
    });
  }
  return { crops, trainTps: tpsTrain.size, testTps: tpsTest.size, dropped };
}

/**
 * The class of a label-0 crop: X mark or written zero. Starts from the dataset's heuristic guess
 * and overrides it where the preprocessed image clearly says otherwise (see README).
 */
export function cleanZeroLabel(p: Preprocessed, guess: 'x_mark' | 'written_zero'): number {
  const f = zeroFeatures(p);
  if (f.inkShare === 0) return X_LABEL; // an empty box means zero votes: class x
  // Measured on the preprocessed crops: written zeros (rectangles, ovals) are hollow, centre ink
  // below 0.05 for all but a handful; X marks cross there, centre ink 0.13 and above. Between the
  // two thresholds the guess stands.
  if (f.centre >= 0.125) return X_LABEL;
  if (f.centre < 0.05) return 0;
  return guess === 'x_mark' ? X_LABEL : 0;
}

/** The class a real crop should read as, from its decoded image: label 0 sorted into `x` or `0`. */
export function cropClass(crop: RealCrop, img: GrayImage): DigitLabel {
  const label = crop.zeroGuess ? cleanZeroLabel(preprocessBox(img), crop.zeroGuess) : crop.label;
  return label === X_LABEL ? 'x' : (String(label) as DigitLabel);
}

/** Ink at the centre (an X crosses there, a written zero is hollow) and on the two diagonals. */
export function zeroFeatures(p: Preprocessed): {
  centre: number;
  diagonal: number;
  inkShare: number;
} {
  const at = (x: number, y: number) => p.input[y * 28 + x]!;
  let centre = 0;
  for (let y = 11; y <= 16; y++) for (let x = 11; x <= 16; x++) centre += at(x, y);
  let diagonal = 0;
  for (let k = 4; k <= 23; k++) {
    let a = 0;
    let b = 0;
    // The 20x20 fitted box may be narrower than tall: follow the diagonals of the inked box.
    for (let d = -1; d <= 1; d++) {
      a = Math.max(a, at(Math.min(27, Math.max(0, k + d)), k));
      b = Math.max(b, at(Math.min(27, Math.max(0, 27 - k + d)), k));
    }
    diagonal += a + b;
  }
  return { centre: centre / 36, diagonal: diagonal / 40, inkShare: p.inkShare };
}
