// Classify digit-box crops: `0`-`9`, or `x` for a crossed-out or empty box (an empty box means 0).

import type { GrayImage } from '../image.ts';
import { preprocessBox } from './preprocess.ts';
import type { DigitClassifier } from './model.ts';

export const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'x'] as const;
export type DigitLabel = (typeof DIGIT_CLASSES)[number];

export type DigitReading = {
  label: DigitLabel;
  /** Probability of `label`. */
  confidence: number;
  probabilities: Record<DigitLabel, number>;
};

function isDigitLabel(s: string): s is DigitLabel {
  return (DIGIT_CLASSES as readonly string[]).includes(s);
}

/**
 * Classify crops of single digit boxes (box border included or not), all in one forward pass.
 * Synchronous: the classifier was made ready beforehand (createDigitClassifier).
 */
export function classifyBoxes(
  imgs: readonly GrayImage[],
  classifier: DigitClassifier,
): DigitReading[] {
  const labels = classifier.classes.map((c) => {
    if (!isDigitLabel(c)) throw new Error(`digit model: unknown class ${c}`);
    return c;
  });
  return classifier.predict(imgs.map((img) => preprocessBox(img).input)).map((probs) => {
    const probabilities = Object.fromEntries(DIGIT_CLASSES.map((c) => [c, 0])) as Record<
      DigitLabel,
      number
    >;
    let best: DigitLabel = 'x';
    let bestP = -1;
    labels.forEach((c, i) => {
      const p = probs[i]!;
      probabilities[c] = p;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    });
    return { label: best, confidence: bestP, probabilities };
  });
}

/** Classify one crop of a single digit box; for many crops, classifyBoxes is faster. */
export function classifyBox(img: GrayImage, classifier: DigitClassifier): DigitReading {
  return classifyBoxes([img], classifier)[0]!;
}
