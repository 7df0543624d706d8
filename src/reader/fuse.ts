// Two channels for one box on page 2: the handwritten digit, and the column of bubbles 0-9 under
// it that the KPPS blackens to match. Each channel is evidence; fused, a clear bubble settles a
// doubtful digit and the other way round. When both are clear and disagree, the box is flagged:
// the form itself says two things, and a person must look.
import { BOX_CLASSES, type BoxClass, type BoxProbabilities } from './decode.ts';

export type BubbleColumn = {
  /** Darkness of each bubble's inside, 0 (paper) to 1 (solid ink), for bubbles 0..9. */
  darkness: number[];
};

export type FusedBox = {
  probabilities: BoxProbabilities;
  /** What the bubbles alone say: a digit, `none` blackened, or `several`. */
  bubbles: BoxClass | 'none' | 'several';
  /**
   * The bubbles clearly name one digit and the handwriting clearly reads another. The fused
   * probabilities still pick the likelier; but the form says two things, so a person looks.
   */
  disagree: boolean;
};

/** The probability that one bubble is blackened, from its darkness. */
function bubbleFilled(darkness: number): number {
  return 1 / (1 + Math.exp(-(darkness - 0.35) / 0.06));
}

/** How often a KPPS writes the digit but blackens no bubble at all (a forgotten column). */
const FORGOTTEN = 0.2;

/**
 * How well each class explains the bubble column. A column is either filled for the digit (one
 * bubble, the digit's) or forgotten (none); a bubble can also be filled wrongly (floor 1e-3).
 */
function bubbleLikelihood(col: BubbleColumn): BoxProbabilities {
  const s = col.darkness.map(bubbleFilled);
  const none = s.reduce((a, f) => a * (1 - f), 1);
  const out = {} as BoxProbabilities;
  for (const c of BOX_CLASSES) {
    if (c === 'x') out[c] = Math.max(1e-3, none);
    else {
      const f = s[Number(c)] ?? 0;
      const onlyThis = f > 0 ? (none / Math.max(1e-9, 1 - f)) * f : 0;
      out[c] = Math.max(1e-3, (1 - FORGOTTEN) * onlyThis + FORGOTTEN * none);
    }
  }
  return out;
}

/** A handwritten digit read at least this surely is a clear channel of its own. */
const CLEAR_DIGIT = 0.9;

const argmax = (p: BoxProbabilities): [BoxClass, number] => {
  let best: BoxClass = '0';
  for (const c of BOX_CLASSES) if (p[c] > p[best]) best = c;
  return [best, p[best]];
};

/** Fuses a digit reading with its bubble column (when the box has one). */
export function fuseBox(digit: BoxProbabilities, col?: BubbleColumn): FusedBox {
  if (!col) return { probabilities: digit, bubbles: 'none', disagree: false };
  const filled = col.darkness.map(bubbleFilled);
  const marked = filled.flatMap((f, j) => (f > 0.5 ? [j] : []));
  const bubbles: FusedBox['bubbles'] =
    marked.length === 0 ? 'none' : marked.length > 1 ? 'several' : (String(marked[0]) as BoxClass);
  // Several blackened bubbles say nothing about which digit is meant.
  if (bubbles === 'several') return { probabilities: digit, bubbles, disagree: false };
  const like = bubbleLikelihood(col);
  const joint = {} as BoxProbabilities;
  let total = 0;
  for (const c of BOX_CLASSES) {
    joint[c] = digit[c] * like[c];
    total += joint[c];
  }
  for (const c of BOX_CLASSES) joint[c] /= total;
  // Disagreement is the form saying two things: one bubble clearly blackened for one digit and
  // a clearly written other digit. A doubtful digit settled by its bubble is the channels working
  // together, and a column left empty (forgotten) says nothing against the digit.
  const [digitBest, digitP] = argmax(digit);
  const same = bubbles === digitBest || (bubbles === '0' && digitBest === 'x'); // a crossed box and a blackened 0 mean the same value
  const disagree = bubbles !== 'none' && digitP >= CLEAR_DIGIT && !same;
  return { probabilities: joint, bubbles, disagree };
}
