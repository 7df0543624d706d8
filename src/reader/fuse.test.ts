import { describe, expect, it } from 'vitest';
import { BOX_CLASSES, type BoxClass, type BoxProbabilities } from './decode.ts';
import { fuseBox } from './fuse.ts';

function digit(best: BoxClass, p: number, second?: [BoxClass, number]): BoxProbabilities {
  const others = BOX_CLASSES.length - 1 - (second ? 1 : 0);
  const rest = (1 - p - (second?.[1] ?? 0)) / others;
  const out = Object.fromEntries(BOX_CLASSES.map((c) => [c, rest])) as BoxProbabilities;
  out[best] = p;
  if (second) out[second[0]] = second[1];
  return out;
}
const column = (filled: Record<number, number> = {}) => ({
  darkness: Array.from({ length: 10 }, (_, j) => filled[j] ?? 0.05),
});
const top = (p: BoxProbabilities) =>
  BOX_CLASSES.reduce((a, c) => (p[c] > p[a] ? c : a), '0' as BoxClass);

describe('fuseBox', () => {
  it('a clear bubble settles a doubtful digit: the channels work together, nothing to flag', () => {
    const f = fuseBox(digit('7', 0.5, ['1', 0.45]), column({ 1: 0.9 }));
    expect(top(f.probabilities)).toBe('1');
    expect(f.probabilities['1']).toBeGreaterThan(0.95);
    expect(f.bubbles).toBe('1');
    expect(f.disagree).toBe(false);
  });
  it('a forgotten bubble column says nothing against a clearly written digit', () => {
    const f = fuseBox(digit('5', 0.97), column());
    expect(f.bubbles).toBe('none');
    expect(top(f.probabilities)).toBe('5');
    expect(f.disagree).toBe(false);
  });
  it('agreeing channels make a sure box surer', () => {
    const f = fuseBox(digit('4', 0.9), column({ 4: 0.8 }));
    expect(f.probabilities['4']).toBeGreaterThan(0.99);
  });
  it('flags two clear channels that disagree', () => {
    const f = fuseBox(digit('3', 0.97), column({ 8: 0.9 }));
    expect(f.disagree).toBe(true);
  });
  it('a crossed box with no bubble blackened is no disagreement; a faint mark counts for little', () => {
    expect(fuseBox(digit('x', 0.95), column()).disagree).toBe(false);
    const faint = fuseBox(digit('6', 0.9), column({ 5: 0.3 }));
    expect(top(faint.probabilities)).toBe('6');
    expect(faint.bubbles).toBe('none');
  });
  it('several blackened bubbles are no evidence for one of them over the digit', () => {
    const f = fuseBox(digit('2', 0.9), column({ 2: 0.9, 7: 0.9 }));
    expect(f.bubbles).toBe('several');
    expect(top(f.probabilities)).toBe('2');
    expect(f.disagree).toBe(false);
  });
  it('without a bubble column the digit channel stands alone', () => {
    const d = digit('9', 0.8);
    expect(fuseBox(d).probabilities).toBe(d);
  });
});
