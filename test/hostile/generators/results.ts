// C.Hasil results: valid, near-valid (one field wrong), deep, huge, __proto__, unicode; the text of
// the `result` part and what the server must do with it.
import fc from 'fast-check';
import { mulberry32 } from '../../../src/core/random.ts';
import type { Expect } from './expect.ts';

const GENDERED = ['l', 'p', 'total'] as const;
/** The numeric fields of a PPWP C.Hasil, by dotted path. */
export const RESULT_LEAVES: readonly string[] = [
  ...GENDERED.map((g) => `dpt.${g}`),
  ...['dpt', 'dptb', 'dpk', 'total'].flatMap((k) => GENDERED.map((g) => `voters.${k}.${g}`)),
  ...['received', 'used', 'returned', 'unused'].map((k) => `ballots.${k}`),
  ...GENDERED.map((g) => `disabled.${g}`),
  'votes.1',
  'votes.2',
  'votes.3',
  'valid',
  'invalid',
  'total',
];
/** The objects of a C.Hasil ('' is the result itself). */
export const RESULT_OBJECTS: readonly string[] = [
  '',
  'dpt',
  'voters',
  'voters.dpt',
  'voters.dptb',
  'voters.dpk',
  'voters.total',
  'ballots',
  'disabled',
  'votes',
];

/** The numbers of a valid result: consistent (every rule holds) or any numbers 0..999. */
export type ResultBase =
  | {
      kind: 'consistent';
      dptL: number;
      dptP: number;
      /** Turnout in percent, for men and women. */
      turnL: number;
      turnP: number;
      invalid: number;
      /** How the valid votes split between the pairs, in percent. */
      split: [number, number];
    }
  | { kind: 'any'; seed: number };

export type ResultMutation =
  | { kind: 'none' }
  /** A field holds another JSON type (the raw JSON text of the value). */
  | { kind: 'wrongType'; path: string; json: string }
  /** A field holds a number outside 0..999 or not an integer (raw JSON number). */
  | { kind: 'range'; path: string; json: string }
  | { kind: 'missing'; path: string }
  /** A key added to an object ('' the result itself). */
  | { kind: 'extraKey'; at: string; key: string }
  /** The same key twice; the second holds the valid value. */
  | { kind: 'dupKey'; path: string; firstJson: string }
  /** A field holds a string of `size` copies of `ch`. */
  | { kind: 'hugeString'; path: string; size: number; ch: string }
  /** A key of `size` characters added to the result. */
  | { kind: 'hugeKey'; size: number }
  /** A field holds `depth` nested arrays or objects. */
  | { kind: 'deep'; path: string; depth: number; open: 'array' | 'object' }
  /** The part is this text instead of the result. */
  | { kind: 'text'; text: string }
  /** The result is another JSON value altogether. */
  | { kind: 'root'; json: string };

export type ResultSpec = { base: ResultBase; mutation: ResultMutation };

const baseArb: fc.Arbitrary<ResultBase> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('consistent' as const),
      dptL: fc.integer({ min: 1, max: 450 }),
      dptP: fc.integer({ min: 1, max: 450 }),
      turnL: fc.integer({ min: 0, max: 100 }),
      turnP: fc.integer({ min: 0, max: 100 }),
      invalid: fc.integer({ min: 0, max: 30 }),
      split: fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })),
    }),
  },
  fc.record({ kind: fc.constant('any' as const), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }),
);

const wrongTypeJson = fc.oneof(
  fc.constantFrom(
    '"214"',
    '"0"',
    '""',
    'null',
    'true',
    'false',
    '1.5',
    '0.1',
    '[]',
    '[1]',
    '{}',
    '"\\u0000"',
    '"٢١٤"',
    '" 12"',
    '"12abc"',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }).map((s) => JSON.stringify(s)),
);
const rangeJson = fc.oneof(
  fc.constantFrom(
    '-1',
    '1000',
    '99999',
    '-999999',
    '1e21',
    '1e400',
    '-1e400',
    '9007199254740993',
    '999.5',
    '1E3',
  ),
  fc.integer({ min: 1000, max: 2 ** 31 }).map(String),
  fc.integer({ min: -(2 ** 31), max: -1 }).map(String),
);
export const oddKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '4',
    '0',
    '',
    ' ',
    '\u0000',
    'valid\u0000',
    '\ud800',
    'x'.repeat(300),
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
);
export const notJsonText = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '}',
    '[',
    '{"dpt":}',
    'NaN',
    'undefined',
    '\u0000',
    '{\u0000}',
    "{'dpt': 1}",
    '{"valid": 214,}',
    '\ufeff{}',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

export const resultMutationArb: fc.Arbitrary<ResultMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('wrongType' as const),
    path: fc.constantFrom(...RESULT_LEAVES, ...RESULT_OBJECTS.filter((p) => p !== '')),
    json: wrongTypeJson,
  }),
  fc.record({
    kind: fc.constant('range' as const),
    path: fc.constantFrom(...RESULT_LEAVES),
    json: rangeJson,
  }),
  fc.record({
    kind: fc.constant('missing' as const),
    path: fc.constantFrom(...RESULT_LEAVES, ...RESULT_OBJECTS.filter((p) => p !== '')),
  }),
  fc.record({
    kind: fc.constant('extraKey' as const),
    at: fc.constantFrom(...RESULT_OBJECTS),
    key: oddKey,
  }),
  fc.record({
    kind: fc.constant('dupKey' as const),
    path: fc.constantFrom(...RESULT_LEAVES),
    firstJson: fc.oneof(rangeJson, wrongTypeJson),
  }),
  fc.record({
    kind: fc.constant('hugeString' as const),
    path: fc.constantFrom(...RESULT_LEAVES),
    size: fc.integer({ min: 64 * 1024, max: 1024 * 1024 }),
    ch: fc.constantFrom('a', '9', '\u0000', 'é', '漢', '\u{1F600}'),
  }),
  fc.record({
    kind: fc.constant('hugeKey' as const),
    size: fc.integer({ min: 64 * 1024, max: 1024 * 1024 }),
  }),
  fc.record({
    kind: fc.constant('deep' as const),
    path: fc.constantFrom(...RESULT_LEAVES),
    depth: fc.oneof(fc.integer({ min: 50, max: 2000 }), fc.integer({ min: 2000, max: 50_000 })),
    open: fc.constantFrom('array' as const, 'object' as const),
  }),
  fc.record({ kind: fc.constant('text' as const), text: notJsonText }),
  fc.record({
    kind: fc.constant('root' as const),
    json: fc.constantFrom('null', '0', '[]', '"result"', 'true', '[{}]', '{}'),
  }),
);

export const resultArb = (valid = 0.5): fc.Arbitrary<ResultSpec> =>
  fc.record({
    base: baseArb,
    mutation: fc.oneof(
      {
        weight: Math.round(valid * 100),
        arbitrary: fc.constant<ResultMutation>({ kind: 'none' }),
      },
      { weight: Math.round((1 - valid) * 100), arbitrary: resultMutationArb },
    ),
  });

/** The valid result object of a base, keys in form order. */
export function baseResult(b: ResultBase): Record<string, unknown> {
  if (b.kind === 'any') {
    const next = mulberry32(b.seed);
    const n = () => Math.floor(next() * 1000);
    const g = () => ({ l: n(), p: n(), total: n() });
    return {
      dpt: g(),
      voters: { dpt: g(), dptb: g(), dpk: g(), total: g() },
      ballots: { received: n(), used: n(), returned: n(), unused: n() },
      disabled: g(),
      votes: { '1': n(), '2': n(), '3': n() },
      valid: n(),
      invalid: n(),
      total: n(),
    };
  }
  const votesL = Math.floor((b.dptL * b.turnL) / 100);
  const votesP = Math.floor((b.dptP * b.turnP) / 100);
  const used = votesL + votesP;
  const invalid = Math.min(b.invalid, used);
  const valid = used - invalid;
  const v1 = Math.floor((valid * b.split[0]) / 100);
  const v2 = Math.floor(((valid - v1) * b.split[1]) / 100);
  const received = Math.ceil((b.dptL + b.dptP) * 1.02);
  const g = (l: number, p: number) => ({ l, p, total: l + p });
  return {
    dpt: g(b.dptL, b.dptP),
    voters: { dpt: g(votesL, votesP), dptb: g(0, 0), dpk: g(0, 0), total: g(votesL, votesP) },
    ballots: { received, used, returned: 0, unused: received - used },
    disabled: g(0, 0),
    votes: { '1': v1, '2': v2, '3': valid - v1 - v2 },
    valid,
    invalid,
    total: used,
  };
}

/**
 * JSON as an ordered list of entries, so that a result can hold what a JavaScript object cannot
 * write back out: `__proto__` as a key, the same key twice, raw number literals.
 */
type Tree = { raw: string } | { entries: [string, Tree][] };

const toTree = (v: unknown): Tree =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? { entries: Object.entries(v).map(([k, x]) => [k, toTree(x)]) }
    : { raw: JSON.stringify(v) };

const writeTree = (t: Tree): string =>
  'raw' in t
    ? t.raw
    : `{${t.entries.map(([k, v]) => `${JSON.stringify(k)}:${writeTree(v)}`).join(',')}}`;

function objectAt(root: Tree, path: string): { entries: [string, Tree][] } | undefined {
  let t: Tree | undefined = root;
  for (const k of path === '' ? [] : path.split('.')) {
    if (!t || 'raw' in t) return undefined;
    t = t.entries.find(([key]) => key === k)?.[1];
  }
  return t && 'entries' in t ? t : undefined;
}

function splitPath(path: string): [string, string] {
  const i = path.lastIndexOf('.');
  return i < 0 ? ['', path] : [path.slice(0, i), path.slice(i + 1)];
}

const deepJson = (depth: number, open: 'array' | 'object') =>
  open === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** The text of the `result` part. */
export function resultText(spec: ResultSpec): string {
  const m = spec.mutation;
  if (m.kind === 'text') return m.text;
  if (m.kind === 'root') return m.json;
  const tree = toTree(baseResult(spec.base)) as { entries: [string, Tree][] };
  const replace = (path: string, value: Tree | undefined, dup = false) => {
    const [parent, key] = splitPath(path);
    const obj = objectAt(tree, parent);
    if (!obj) return;
    const i = obj.entries.findIndex(([k]) => k === key);
    if (i < 0) return;
    if (value === undefined) obj.entries.splice(i, 1);
    else if (dup) obj.entries.splice(i, 0, [key, value]);
    else obj.entries[i] = [key, value];
  };
  switch (m.kind) {
    case 'none':
      break;
    case 'wrongType':
    case 'range':
      replace(m.path, { raw: m.json });
      break;
    case 'missing':
      replace(m.path, undefined);
      break;
    case 'extraKey':
      objectAt(tree, m.at)?.entries.push([m.key, { raw: '1' }]);
      break;
    case 'dupKey':
      replace(m.path, { raw: m.firstJson }, true);
      break;
    case 'hugeString':
      replace(m.path, { raw: JSON.stringify(m.ch.repeat(Math.ceil(m.size / m.ch.length))) });
      break;
    case 'hugeKey':
      tree.entries.push(['k'.repeat(m.size), { raw: '1' }]);
      break;
    case 'deep':
      replace(m.path, { raw: deepJson(m.depth, m.open) });
      break;
  }
  return writeTree(tree);
}

const topKeys = (path: string): string[] => {
  const o = objectAt(toTree(baseResult({ kind: 'any', seed: 1 })), path);
  return o ? o.entries.map(([k]) => k) : [];
};

export function resultExpect(spec: ResultSpec): Expect {
  const m = spec.mutation;
  switch (m.kind) {
    case 'none':
      return 'accept';
    case 'dupKey':
      // JSON.parse keeps the last value, which is valid: accepting it is not wrong.
      return 'either';
    case 'extraKey':
      return topKeys(m.at).includes(m.key) ? 'either' : 'refuse';
    default:
      return 'refuse';
  }
}
