import type { LinearRule } from '../core/rules.ts';
// Decoding a whole form at once under its arithmetic. Each digit box gives a probability for
// every class (`0`-`9`, or `x` for a crossed-out or empty box); each field is three boxes. The
// decoder picks the assignment of all fields that is most probable once the form's rules are
// taken into account, so one misread digit is corrected by the sums around it. A rule may still be
// broken on paper: breaking one costs a fixed penalty instead of being impossible, so a form whose
// digits are all clear keeps its numbers as written and reports the breach. Every field whose
// value was not clear (a close second-best assignment) is flagged for a person to look at.

export const BOX_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'x'] as const;
export type BoxClass = (typeof BOX_CLASSES)[number];
export type BoxProbabilities = Record<BoxClass, number>;

/** One field as read: its path (`votes.2`) and its hundreds, tens and units boxes. */
export type FieldReading = {
  path: string;
  boxes: [BoxProbabilities, BoxProbabilities, BoxProbabilities];
};

export type DecodedField = {
  path: string;
  value: number;
  /** How sure the decoder is of this value, 0..1. */
  confidence: number;
  /** The value the boxes alone read most probably, before the arithmetic. */
  readAlone: number;
  /**
   * Why a person must look. `ambiguous`: another value is nearly as probable, arithmetic included;
   * `breaks-rule`: the field is in a rule the form breaks as written; `overrules-reading`: the
   * arithmetic chose a value that the boxes alone found OVERRIDE_ODDS or more times less likely
   * than what they read. That is a confident misread put right, or a slip of the pen on paper
   * being bent to fit: only a person can tell, so the paper's numbers are never bent silently.
   */
  flags: ('ambiguous' | 'breaks-rule' | 'overrules-reading')[];
  /**
   * What a reviewer may want to know, without needing a person: `corrected-by-arithmetic`: the
   * boxes alone were doubtful between this value and another (less than OVERRIDE_ODDS to one), and
   * the sums around it settle this one clearly (the X-read-as-a-digit case of 2024);
   * `unsure-read`: the boxes alone are unsure (best value under 50%), and the arithmetic settles
   * it clearly. Neither is raised with `ambiguous`'s doubt.
   */
  notes: ('corrected-by-arithmetic' | 'unsure-read')[];
};

export type Decoding = {
  fields: DecodedField[];
  /** Rules the chosen assignment breaks (the form as written is inconsistent). */
  broken: LinearRule['id'][];
  /** -log probability of the chosen assignment, penalties included. */
  cost: number;
  /** False when the search gave up early and the answer is only the best found. */
  exact: boolean;
};

export type DecodeOptions = {
  /** Candidate values kept per field (default 8). */
  candidates?: number;
  /**
   * Cost of breaking a rule, in nats. Default ln 100: about one form in a hundred breaks a given
   * rule on paper, so a digit read at 97% or better is kept as written (and the breach reported)
   * rather than changed to fit.
   */
  rulePenalty?: number;
  /** A field is flagged when the best assignment without its value costs less than this more (default ln 50). */
  ambiguityMargin?: number;
  /** Search budget in expanded states (default 40,000; each alternative gets a twentieth). */
  maxExpansions?: number;
};

type Candidate = { value: number; cost: number };

const FLOOR = 1e-9;
/**
 * Odds at which the boxes' own reading is clear enough that only a person may overrule it: the
 * arithmetic may settle a doubt, not contradict a clear pen stroke.
 */
const OVERRIDE_ODDS = 4;
/** Alternatives costing this much more than the best (in nats) are not looked for: confidence >= 0.993. */
const CONFIDENCE_HORIZON = 5;

/**
 * The values three boxes can spell, most probable first. `x` (crossed or empty) may only stand
 * among the leading zeros: `x x 7` is 7, `x 6 2` is 62, `x x x` is 0, and a writer who mixes
 * habits gives `0 x 5` (5) or `0 x 0` (0); `6 x 2` spells nothing. Patterns spelling the same
 * value add up.
 */
export function fieldCandidates(boxes: FieldReading['boxes'], keep = 8): Candidate[] {
  const p = boxes.map((b) => BOX_CLASSES.map((c) => Math.max(FLOOR, b[c] ?? 0)));
  const byValue = new Map<number, number>();
  for (let h = 0; h < 11; h++)
    for (let t = 0; t < 11; t++)
      for (let u = 0; u < 11; u++) {
        const hx = h === 10;
        const tx = t === 10;
        const ux = u === 10;
        const hLeading = hx || h === 0;
        if ((tx && !hLeading) || (ux && !(hLeading && (tx || t === 0)))) continue;
        const value = (hx ? 0 : h) * 100 + (tx ? 0 : t) * 10 + (ux ? 0 : u);
        byValue.set(value, (byValue.get(value) ?? 0) + p[0]![h]! * p[1]![t]! * p[2]![u]!);
      }
  const total = [...byValue.values()].reduce((a, b) => a + b, 0);
  return [...byValue]
    .map(([value, prob]) => ({ value, cost: -Math.log(prob / total) }))
    .sort((a, b) => a.cost - b.cost)
    .slice(0, keep);
}

class Heap<T> {
  private items: { key: number; value: T }[] = [];
  get size() {
    return this.items.length;
  }
  push(key: number, value: T) {
    const a = this.items;
    a.push({ key, value });
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.key <= a[i]!.key) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }
  pop(): { key: number; value: T } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.key < a[m]!.key) m = l;
        if (r < a.length && a[r]!.key < a[m]!.key) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

type Problem = {
  order: number[];
  cands: Candidate[][];
  /** Rules that become fully assigned when the field at this position of `order` is assigned. */
  closing: { rule: LinearRule; idx: number[]; coef: number[] }[][];
  /** Best cost of the fields from this position of `order` on. */
  rest: number[];
  penalty: number;
};

/** A partial assignment: the candidate chosen at this depth, and the state it extends. */
type Node = { depth: number; cand: number; parent: Node | null; cost: number };
type State = { depth: number; choice: number[]; cost: number; broken: LinearRule['id'][] };

function violated(r: Problem['closing'][number][number], values: number[]): boolean {
  let s = r.rule.constant ?? 0;
  for (let k = 0; k < r.idx.length; k++) s += r.coef[k]! * values[r.idx[k]!]!;
  return r.rule.kind === 'eq' ? s !== 0 : s > 0;
}

/** The choices of a node, in `order`, completed greedily past its depth. */
function choices(p: Problem, node: Node, forbid?: { field: number; value: number }): number[] {
  const choice: number[] = new Array<number>(node.depth);
  for (let m: Node | null = node; m && m.depth > 0; m = m.parent) choice[m.depth - 1] = m.cand;
  for (let d = node.depth; d < p.order.length; d++) {
    const field = p.order[d]!;
    const c = p.cands[field]!.findIndex(
      (x) => !(forbid && forbid.field === field && forbid.value === x.value),
    );
    choice.push(Math.max(0, c));
  }
  return choice;
}

/** A complete assignment's cost and broken rules, computed from scratch. */
function score(p: Problem, choice: number[]): State {
  const all: number[] = new Array<number>(p.cands.length).fill(0);
  choice.forEach((c, d) => (all[p.order[d]!] = p.cands[p.order[d]!]![c]!.value));
  let cost = choice.reduce((a, c, d) => a + p.cands[p.order[d]!]![c]!.cost, 0);
  const broken: LinearRule['id'][] = [];
  for (const rules of p.closing)
    for (const r of rules)
      if (violated(r, all)) {
        cost += p.penalty;
        broken.push(r.rule.id);
      }
  return { depth: choice.length, choice, cost, broken };
}

/**
 * Best-first search over the fields in `order`; `forbid` excludes one value of one field, and no
 * assignment costing more than `bound` is looked at. States share their prefixes (parent
 * pointers), so an expansion costs little more than the rules it closes.
 */
function search(
  p: Problem,
  maxExpansions: number,
  forbid?: { field: number; value: number },
  bound = Infinity,
): { state: State; exact: boolean } | undefined {
  const n = p.order.length;
  const heap = new Heap<Node>();
  heap.push(p.rest[0]!, { depth: 0, cand: -1, parent: null, cost: 0 });
  const values: number[] = new Array<number>(p.cands.length).fill(0);
  let expansions = 0;
  let bestIncomplete: Node | undefined;
  while (heap.size > 0) {
    const { value: s } = heap.pop()!;
    if (s.depth === n) return { state: score(p, choices(p, s)), exact: true };
    if (++expansions > maxExpansions) {
      bestIncomplete = s;
      break;
    }
    for (let m: Node | null = s; m && m.depth > 0; m = m.parent) {
      const f = p.order[m.depth - 1]!;
      values[f] = p.cands[f]![m.cand]!.value;
    }
    const field = p.order[s.depth]!;
    const list = p.cands[field]!;
    for (let c = 0; c < list.length; c++) {
      const cand = list[c]!;
      if (forbid && forbid.field === field && forbid.value === cand.value) continue;
      values[field] = cand.value;
      let cost = s.cost + cand.cost;
      for (const r of p.closing[s.depth]!) if (violated(r, values)) cost += p.penalty;
      const key = cost + p.rest[s.depth + 1]!;
      if (key > bound) continue;
      heap.push(key, { depth: s.depth + 1, cand: c, parent: s, cost });
    }
  }
  // Nothing within the bound, or out of budget: finish the most promising partial assignment
  // greedily, or take every field's own best reading if that costs less (an answer, though maybe
  // not the best; a form this tangled is sent to a person anyway).
  if (!bestIncomplete) return undefined;
  const greedy = score(p, choices(p, bestIncomplete, forbid));
  const root: Node = { depth: 0, cand: -1, parent: null, cost: 0 };
  const asRead = score(p, choices(p, root, forbid));
  return { state: asRead.cost <= greedy.cost ? asRead : greedy, exact: false };
}

/** Decodes every field of a form together under `rules`. */
export function decodeForm(
  fields: FieldReading[],
  rules: LinearRule[],
  opts: DecodeOptions = {},
): Decoding {
  const keep = opts.candidates ?? 8;
  const penalty = opts.rulePenalty ?? Math.log(100);
  const margin = opts.ambiguityMargin ?? Math.log(50);
  const maxExpansions = opts.maxExpansions ?? 40_000;
  const index = new Map(fields.map((f, i) => [f.path, i]));
  const cands = fields.map((f) => fieldCandidates(f.boxes, keep));
  const known = rules
    .filter((r) => r.terms.every(([path]) => index.has(path)))
    .map((rule) => ({
      rule,
      idx: rule.terms.map(([path]) => index.get(path)!),
      coef: rule.terms.map(([, c]) => c),
    }));
  // Order fields so that rules close as early as possible: follow the rules one after another.
  const order: number[] = [];
  const placed = new Set<number>();
  for (const r of known)
    for (const i of r.idx)
      if (!placed.has(i)) {
        placed.add(i);
        order.push(i);
      }
  for (let i = 0; i < fields.length; i++) if (!placed.has(i)) order.push(i);
  const position = new Map(order.map((f, d) => [f, d]));
  const closing: Problem['closing'] = order.map(() => []);
  for (const r of known) closing[Math.max(...r.idx.map((i) => position.get(i)!))]!.push(r);
  const rest: number[] = new Array<number>(order.length + 1).fill(0);
  for (let d = order.length - 1; d >= 0; d--)
    rest[d] = rest[d + 1]! + (cands[order[d]!]![0]?.cost ?? 0);
  const problem: Problem = { order, cands, closing, rest, penalty };

  const best = search(problem, maxExpansions);
  if (!best) throw new Error('decodeForm: no assignment at all (no candidates)');
  const chosen: number[] = new Array<number>(fields.length).fill(0);
  best.state.choice.forEach((c, d) => (chosen[order[d]!] = c));
  const brokenFields = new Set(
    known
      .filter((r) => best.state.broken.includes(r.rule.id))
      .flatMap((r) => r.rule.terms.map(([path]) => path)),
  );
  let exact = best.exact;
  const out: DecodedField[] = fields.map((f, i) => {
    const cand = cands[i]![chosen[i]!]!;
    // The best assignment without this value, looked for only as far as it could matter.
    const alt = search(
      problem,
      Math.floor(maxExpansions / 20),
      { field: i, value: cand.value },
      best.state.cost + CONFIDENCE_HORIZON,
    );
    if (alt && !alt.exact) exact = false;
    const gap = alt
      ? Math.min(CONFIDENCE_HORIZON, alt.state.cost - best.state.cost)
      : CONFIDENCE_HORIZON;
    const confidence = 1 / (1 + Math.exp(-gap));
    const flags: DecodedField['flags'] = [];
    const notes: DecodedField['notes'] = [];
    if (gap < margin) flags.push('ambiguous');
    if (brokenFields.has(f.path)) flags.push('breaks-rule');
    if (cand.value !== cands[i]![0]!.value)
      if (cand.cost - cands[i]![0]!.cost >= Math.log(OVERRIDE_ODDS))
        flags.push('overrules-reading');
      else notes.push('corrected-by-arithmetic');
    if (cands[i]![0]!.cost > Math.log(2)) notes.push('unsure-read');
    return {
      path: f.path,
      value: cand.value,
      confidence,
      readAlone: cands[i]![0]!.value,
      flags,
      notes,
    };
  });
  return { fields: out, broken: best.state.broken, cost: best.state.cost, exact };
}
