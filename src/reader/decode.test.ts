import { describe, expect, it } from 'vitest';
import { fieldEntries, type CHasil } from '../core/chasil.ts';
import { linearRules } from '../core/rules.ts';
import { EXAMPLE_PPWP } from '../synth/results.ts';
import {
  BOX_CLASSES,
  decodeForm,
  fieldCandidates,
  type BoxClass,
  type BoxProbabilities,
  type FieldReading,
} from './decode.ts';

/** A box that reads `sure` with probability p, the rest spread over the other classes. */
function box(sure: BoxClass, p = 0.97, second?: [BoxClass, number]): BoxProbabilities {
  const rest = 1 - p - (second?.[1] ?? 0);
  const out = Object.fromEntries(
    BOX_CLASSES.map((c) => [c, rest / (BOX_CLASSES.length - 1 - (second ? 1 : 0))]),
  ) as BoxProbabilities;
  out[sure] = p;
  if (second) out[second[0]] = second[1];
  return out;
}

/** Confident readings of a whole result; unused leading boxes are crossed (`x`). */
function readingsOf(r: CHasil): FieldReading[] {
  return fieldEntries(r).map(([path, value]) => {
    const digits = String(value).padStart(3, 'x').split('') as BoxClass[];
    return { path, boxes: [box(digits[0]!), box(digits[1]!), box(digits[2]!)] };
  });
}

const RULES = linearRules(['1', '2', '3'], { ballot: 'ppwp', registeredDpt: 290 });
const valueOf = (d: ReturnType<typeof decodeForm>, path: string) =>
  d.fields.find((f) => f.path === path)!;

describe('fieldCandidates', () => {
  it('spells values only with leading crosses and adds up patterns of the same value', () => {
    const c = fieldCandidates([box('x', 0.5, ['0', 0.5]), box('6'), box('2')]);
    expect(c[0]).toMatchObject({ value: 62 });
    expect(Math.exp(-c[0]!.cost)).toBeGreaterThan(0.9); // x62 and 062 are both 62
    const bad = fieldCandidates([box('6'), box('x'), box('2')]);
    expect(bad[0]!.value).not.toBe(602); // 6x2 spells nothing; 602 needs a 0 in the middle
  });
  it('reads three crossed boxes as zero', () => {
    expect(fieldCandidates([box('x'), box('x'), box('x')])[0]!.value).toBe(0);
  });
  it('lets a crossed or empty box stand among leading zeros: 0 x 5 is 5, 0 x 0 is 0', () => {
    expect(fieldCandidates([box('0'), box('x'), box('5')])[0]!.value).toBe(5);
    expect(fieldCandidates([box('0'), box('x'), box('0')])[0]!.value).toBe(0);
    expect(fieldCandidates([box('0'), box('0'), box('x')])[0]!.value).toBe(0);
    expect(fieldCandidates([box('1'), box('x'), box('5')])[0]!.value).not.toBe(15);
  });
});

describe('decodeForm', () => {
  it('keeps a clearly read, consistent form as it is, with no flags', () => {
    const d = decodeForm(readingsOf(EXAMPLE_PPWP), RULES);
    expect(d.broken).toEqual([]);
    for (const [path, value] of fieldEntries(EXAMPLE_PPWP)) {
      const f = valueOf(d, path);
      expect(f.value).toBe(value);
      expect(f.flags).toEqual([]);
      expect(f.confidence).toBeGreaterThan(0.99);
    }
  });

  it('2024\'s "62 became 941": an X read as a digit is put right by the arithmetic, and says so', () => {
    const readings = readingsOf(EXAMPLE_PPWP);
    // votes.1 is 54, written "x 5 4"; the crossed hundreds box is read as a 9 a little more than as x.
    readings.find((f) => f.path === 'votes.1')!.boxes[0] = box('9', 0.55, ['x', 0.4]);
    const d = decodeForm(readings, RULES);
    const f = valueOf(d, 'votes.1');
    expect(f.readAlone).toBe(954);
    expect(f.value).toBe(54);
    expect(f.notes).toContain('corrected-by-arithmetic');
    expect(d.broken).toEqual([]);
  });

  it('a misread digit in the middle of a sum is corrected from the other fields', () => {
    const readings = readingsOf(EXAMPLE_PPWP);
    // votes.2 is 129; its hundreds box reads 7 more than 1 (129 -> 729).
    readings.find((f) => f.path === 'votes.2')!.boxes[0] = box('7', 0.6, ['1', 0.35]);
    const d = decodeForm(readings, RULES);
    expect(valueOf(d, 'votes.2')).toMatchObject({ value: 129, readAlone: 729 });
    expect(valueOf(d, 'votes.2').notes).toContain('corrected-by-arithmetic');
  });

  it('never bends a clear pen stroke silently: a slip of one on paper is flagged when the sums overrule it', () => {
    const onPaper = structuredClone(EXAMPLE_PPWP);
    onPaper.disabled.l = 1; // the KPPS wrote 1 where 0 adds up (disabled L + P = total 1)
    onPaper.disabled.total = 1;
    onPaper.disabled.p = 1;
    const readings = readingsOf(onPaper);
    // The units of disabled.p read 1 at 85% and 0 at 10%: cheaper to bend than to break a rule.
    readings.find((f) => f.path === 'disabled.p')!.boxes[2] = box('1', 0.85, ['0', 0.1]);
    const d = decodeForm(readings, RULES);
    const f = valueOf(d, 'disabled.p');
    expect(f.value).toBe(0); // bending one digit costs less than breaking the rule...
    expect(f.readAlone).toBe(1);
    expect(f.flags).toContain('overrules-reading'); // ...so a person must see it
    expect(f.notes).not.toContain('corrected-by-arithmetic');
  });

  it('a form wrong on paper keeps its numbers and reports the breach, never bending them', () => {
    const onPaper = structuredClone(EXAMPLE_PPWP);
    onPaper.votes['3'] = 41; // the KPPS wrote 41 where 31 adds up; every digit is clear
    const d = decodeForm(readingsOf(onPaper), RULES);
    expect(valueOf(d, 'votes.3').value).toBe(41);
    expect(d.broken).toEqual(['votes-sum-valid']);
    expect(valueOf(d, 'votes.3').flags).toContain('breaks-rule');
    expect(valueOf(d, 'valid').flags).toContain('breaks-rule');
  });

  it('flags a field that neither its boxes nor the arithmetic can settle', () => {
    const readings = readingsOf(EXAMPLE_PPWP);
    // Disabled voters: L is 0 or 1, and the total 1 or 2, equally likely; both add up.
    const dis = (path: string) => readings.find((f) => f.path === path)!;
    dis('disabled.l').boxes[2] = box('0', 0.49, ['1', 0.49]);
    dis('disabled.total').boxes[2] = box('1', 0.49, ['2', 0.49]);
    const d = decodeForm(readings, RULES);
    expect(valueOf(d, 'disabled.l').flags).toContain('ambiguous');
    expect(valueOf(d, 'disabled.total').flags).toContain('ambiguous');
    expect(valueOf(d, 'disabled.l').confidence).toBeLessThan(0.9);
    expect(valueOf(d, 'votes.2').flags).toEqual([]);
  });
});
