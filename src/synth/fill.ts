// What a KPPS writes on the form: a result (consistent, or with a deliberate arithmetic slip), and
// how each box and bubble is marked. This is the ground truth of a synthesized form.
import type { CHasil } from '../core/chasil.ts';
import { fieldEntries } from '../core/chasil.ts';
import { consistentResult } from './results.ts';
import type { Random } from '../core/random.ts';

/** One digit box as written: a digit, a cross (unused leading box) or nothing. */
export type BoxMark = { kind: 'digit'; digit: number } | { kind: 'x' } | { kind: 'blank' };

/**
 * One bubble column: `well` (the right bubble, dark), `faint` (the right one, light), `wrong`
 * (another digit's bubble), `double` (the right one and another), `none` (left empty).
 */
export type BubbleState = 'well' | 'faint' | 'wrong' | 'double' | 'none';
export type BubbleMark = { state: BubbleState; digit: number; filled: number[]; darkness: number };

export type Slip = { path: string; intended: number; written: number };

export type FormFill = {
  /** The numbers as written on the paper (slips included). */
  result: CHasil;
  /** The consistent result before any slip. */
  intended: CHasil;
  slips: Slip[];
  /** Per field path: hundreds, tens, units. */
  boxes: Record<string, [BoxMark, BoxMark, BoxMark]>;
  /** Page 2 only, per field path: one column per box. */
  bubbles: Record<string, [BubbleMark, BubbleMark, BubbleMark]>;
};

export type FillOptions = {
  /** Probability that a form carries one arithmetic slip. */
  slipRate?: number;
};

/** A random consistent PPWP result of a plausible TPS. */
export function randomResult(rnd: Random): CHasil {
  const dptL = rnd.int(40, 150);
  const dptP = rnd.int(40, 150);
  const turnout = rnd.uniform(0.55, 0.95);
  const dptbL = rnd.chance(0.4) ? rnd.int(1, 6) : 0;
  const dpkP = rnd.chance(0.3) ? rnd.int(1, 4) : 0;
  const votesL = Math.round(dptL * turnout) + dptbL;
  const votesP = Math.round(dptP * turnout) + dpkP;
  const invalid = rnd.chance(0.15)
    ? 0
    : rnd.int(1, Math.min(25, Math.floor((votesL + votesP) / 10)));
  const valid = votesL + votesP - invalid;
  const w = [rnd.uniform(0.05, 1), rnd.uniform(0.2, 1.5), rnd.uniform(0.05, 1)];
  const sum = w[0]! + w[1]! + w[2]!;
  const v1 = Math.round((valid * w[0]!) / sum);
  const v2 = Math.min(valid - v1, Math.round((valid * w[1]!) / sum));
  return consistentResult({
    dptL,
    dptP,
    votesL,
    votesP,
    invalid,
    votes: { '1': v1, '2': v2, '3': valid - v1 - v2 },
    dptbL,
    dpkP,
    returned: rnd.chance(0.4) ? rnd.int(1, 4) : 0,
    disabledP: rnd.chance(0.4) ? rnd.int(1, 3) : 0,
  });
}

function setPath(result: CHasil, path: string, value: number): void {
  const keys = path.split('.');
  let node = result as unknown as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/** Fills a form: the numbers, the marks in every box and, for the vote totals, the bubbles. */
export function fillForm(rnd: Random, opts: FillOptions = {}): FormFill {
  const intended = randomResult(rnd.fork('result'));
  const result = structuredClone(intended);
  const slips: Slip[] = [];
  if (rnd.chance(opts.slipRate ?? 0.1)) {
    const entries = fieldEntries(intended);
    const [path, value] = rnd.pick(entries);
    let written = value + rnd.pick([-10, -2, -1, 1, 1, 2, 10]);
    if (written < 0 || written > 999) written = value + 1;
    setPath(result, path, written);
    slips.push({ path, intended: value, written });
  }
  // Each writer has a habit for unused leading boxes; a few boxes stray from it.
  const habit = rnd.pick(['x', 'x', 'x', 'blank', 'zero'] as const);
  const boxes: FormFill['boxes'] = {};
  const bubbles: FormFill['bubbles'] = {};
  for (const [path, value] of fieldEntries(result)) {
    const digits = [Math.floor(value / 100), Math.floor(value / 10) % 10, value % 10];
    const marks = digits.map((digit, i): BoxMark => {
      const leading = i < 2 && digits.slice(0, i + 1).every((d) => d === 0);
      if (!leading) return { kind: 'digit', digit };
      const h = rnd.chance(0.9) ? habit : rnd.pick(['x', 'blank', 'zero'] as const);
      return h === 'x'
        ? { kind: 'x' }
        : h === 'blank'
          ? { kind: 'blank' }
          : { kind: 'digit', digit: 0 };
    });
    boxes[path] = [marks[0]!, marks[1]!, marks[2]!];
    if (path.startsWith('votes.')) {
      const col = digits.map((digit): BubbleMark => {
        const state = rnd.pick<BubbleState>([
          ...Array<BubbleState>(16).fill('well'),
          'faint',
          'faint',
          'wrong',
          'double',
          'none',
        ]);
        const other = (digit + rnd.int(1, 9)) % 10;
        const filled =
          state === 'none'
            ? []
            : state === 'wrong'
              ? [other]
              : state === 'double'
                ? [digit, other]
                : [digit];
        const darkness = state === 'faint' ? rnd.uniform(0.25, 0.5) : rnd.uniform(0.75, 1);
        return { state, digit, filled, darkness };
      });
      bubbles[path] = [col[0]!, col[1]!, col[2]!];
    }
  }
  return { result, intended, slips, boxes, bubbles };
}
