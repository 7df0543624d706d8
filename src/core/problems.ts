// What was wrong with an untrusted input, in words for the sender: each problem names its field by
// a dotted path and says what was expected and what came. Everything echoed back is bounded: a
// value or key is quoted to at most QUOTE_MAX characters, and a list keeps its first MAX_PROBLEMS
// problems and counts the rest, so a hostile input of megabytes never comes back as megabytes.
// Pure: runs in the browser and in Node.
import type { z } from 'zod';

export type FieldProblem = { path: string; message: string };
/** The first problems, each once, and how many more there were. */
export type Problems = { problems: FieldProblem[]; omitted: number };

/** The most characters of a value or key quoted back. */
export const QUOTE_MAX = 40;
/** The most problems listed in one answer (the rest are counted). */
export const MAX_PROBLEMS = 20;
/** The most unknown keys named in one problem. */
const MAX_KEYS = 5;
/** The most characters of one problem's message (a schema's own words included). */
const MESSAGE_MAX = 300;

/**
 * `text` as a JSON string literal of at most `max` of its characters; a longer text is cut, marked
 * with an ellipsis and followed by its length.
 */
export function quote(text: string, max = QUOTE_MAX): string {
  if (text.length <= max) return JSON.stringify(text);
  let cut = text.slice(0, max);
  // Never split a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${JSON.stringify(`${cut}…`)} (${text.length} characters)`;
}

/** What came, in a few words: `the string "214"`, `1.5`, `null`, `an array`. Bounded. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${quote(value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

const SIMPLE_KEY = /^[A-Za-z0-9_$-]{1,40}$/;

/** A dotted path: `votes.2`, `voters.dpt.l`; a key that is long or odd is quoted (bounded). */
export function pathText(path: readonly PropertyKey[], root = '(root)'): string {
  if (path.length === 0) return root;
  return path
    .map((seg) =>
      typeof seg === 'number'
        ? String(seg)
        : typeof seg === 'string' && SIMPLE_KEY.test(seg)
          ? seg
          : quote(String(seg)),
    )
    .join('.');
}

/** `"a", "b" and 3 more`: at most a few keys, each quoted (bounded). */
function keyList(keys: readonly string[]): string {
  const shown = keys.slice(0, MAX_KEYS).map((k) => quote(k));
  return keys.length > MAX_KEYS
    ? `${shown.join(', ')} and ${keys.length - MAX_KEYS} more`
    : shown.join(', ');
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  bigint: 'an integer',
  null: 'null',
  array: 'an array',
  tuple: 'an array',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  set: 'an array',
  date: 'a date',
  nonoptional: 'a value',
  never: 'nothing',
};

const UNITS: Record<string, string> = {
  string: ' character',
  array: ' item',
  set: ' item',
  file: ' byte',
};

const bounded = (message: string) =>
  message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX)}…` : message;

function sizeOf(value: unknown): string {
  if (typeof value === 'string' || Array.isArray(value)) return String(value.length);
  if (value instanceof Set) return String(value.size);
  return describeValue(value);
}

/**
 * One zod issue in words: `missing`; `expected an object, got an array`; `expected at most 200
 * characters, got 5000`; `unknown field(s): "x"`. Needs the issue's input (parse with
 * `{ reportInput: true }`); never echoes more than QUOTE_MAX characters of it.
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'missing'
        : `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}`;
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const limit = big ? issue.maximum : issue.minimum;
      const unit = UNITS[issue.origin] ?? '';
      const bound = issue.exact
        ? 'exactly'
        : issue.inclusive === false
          ? big
            ? 'less than'
            : 'more than'
          : big
            ? 'at most'
            : 'at least';
      const came = unit ? sizeOf(issue.input) : got;
      const plural = unit && String(limit) !== '1' ? 's' : '';
      return `expected ${bound} ${String(limit)}${unit}${plural}, got ${came}`;
    }
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'}: ${keyList(issue.keys)}`;
    case 'invalid_value':
      return `expected ${issue.values
        .slice(0, MAX_KEYS)
        .map((v) => (typeof v === 'string' ? quote(v) : String(v)))
        .join(' or ')}${issue.values.length > MAX_KEYS ? ' or …' : ''}, got ${got}`;
    case 'invalid_format':
      return `${bounded(issue.format === 'regex' ? issue.message : `expected ${issue.format}`)}, got ${got}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}, got ${got}`;
    case 'invalid_union':
      return `matches none of the allowed forms, got ${got}`;
    case 'invalid_key':
      return `a key is invalid (${bounded(issue.issues.map((i) => describeIssue(i)).join('; '))})`;
    case 'invalid_element':
      return `an element is invalid (${bounded(issue.issues.map((i) => describeIssue(i)).join('; '))})`;
    case 'custom':
      return `${bounded(issue.message)}, got ${got}`;
    default:
      return bounded((issue as { message: string }).message);
  }
}

/** Collects problems once each (same path and words), keeping the first MAX_PROBLEMS. */
export function problemCollector(max = MAX_PROBLEMS) {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  let omitted = 0;
  return {
    add(path: string, message: string): void {
      const key = `${path}\u0000${message}`;
      if (seen.has(key)) return;
      seen.add(key);
      if (problems.length < max) problems.push({ path, message });
      else omitted++;
    },
    get size(): number {
      return problems.length + omitted;
    },
    done(): Problems {
      return { problems, omitted };
    },
  };
}

/**
 * The issues of a zod parse (made with `{ reportInput: true }`) as bounded problems. `describe`
 * may word some issues itself (answering undefined leaves an issue to `describeIssue`).
 */
export function problemsOf(
  issues: readonly z.core.$ZodIssue[],
  opts: { root?: string; describe?: (issue: z.core.$ZodIssue) => string | undefined } = {},
): Problems {
  const out = problemCollector();
  for (const issue of issues)
    out.add(pathText(issue.path, opts.root), opts.describe?.(issue) ?? describeIssue(issue));
  return out.done();
}

/**
 * `prefix.path: message; …; and 12 more problems`, for an answer's `message` (a problem of the
 * whole input, path `(root)`, is named by the prefix alone).
 */
export function problemsText(p: Problems, prefix?: string): string {
  const where = (path: string) =>
    !prefix ? path : path.startsWith('(') ? prefix : `${prefix}.${path}`;
  const lines = p.problems.map((x) => `${where(x.path)}: ${x.message}`);
  if (p.omitted > 0) lines.push(`and ${p.omitted} more problem${p.omitted === 1 ? '' : 's'}`);
  return lines.join('; ');
}
