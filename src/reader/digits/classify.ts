// Classify digit-box crops: `0`-`9`, or `x` for a crossed-out or empty box (an empty box means 0).

import type { GrayImage } from '../image.ts';
import { preprocessBox } from './preprocess.ts';
import { predict, type DigitModel } from './model.ts';

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

/** Classify one crop of a single digit box (box border included or not). */
export function classifyBox(img: GrayImage, model: DigitModel): DigitReading {
  const probs = predict(model, preprocessBox(img).input);
  const probabilities = Object.fromEntries(DIGIT_CLASSES.map((c) => [c, 0])) as Record<
    DigitLabel,
    number
  >;
  let best: DigitLabel = 'x';
  let bestP = -1;
  model.classes.forEach((c, i) => {
    if (!isDigitLabel(c)) throw new Error(`digit model: unknown class ${c}`);
    const p = probs[i]!;
    probabilities[c] = p;
    if (p > bestP) {
      bestP = p;
      best = c;
    }
  });
  return { label: best, confidence: bestP, probabilities };
}

export function classifyBoxes(imgs: readonly GrayImage[], model: DigitModel): DigitReading[] {
  return imgs.map((img) => classifyBox(img, model));
}
