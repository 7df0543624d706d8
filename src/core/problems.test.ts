import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { PPWP_2024 } from './ballots.ts';
import { parseCHasil } from './chasil.ts';
import {
  MAX_PROBLEMS,
  QUOTE_MAX,
  describeValue,
  pathText,
  problemsOf,
  problemsText,
  quote,
} from './problems.ts';
import { EXAMPLE_PPWP } from '../synth/results.ts';

describe('what is echoed back', () => {
  it('quotes at most 40 characters, says how long the rest was, never splits a pair', () => {
    expect(QUOTE_MAX).toBe(40);
    expect(quote('214')).toBe('"214"');
    expect(quote('x'.repeat(41))).toBe(`"${'x'.repeat(40)}…" (41 characters)`);
    expect(quote('\u0000a')).toBe('"\\u0000a"');
    const emoji = `${'x'.repeat(39)}😀`;
    expect(quote(`${emoji}tail`)).toBe(`"${'x'.repeat(39)}…" (45 characters)`);
  });
  it('describes what came in a few words', () => {
    expect(describeValue('214')).toBe('the string "214"');
    expect(describeValue(1.5)).toBe('1.5');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue({})).toBe('an object');
    expect(describeValue(undefined)).toBe('nothing');
  });
  it('writes paths with long or odd keys quoted', () => {
    expect(pathText(['votes', '2'])).toBe('votes.2');
    expect(pathText(['votes', '__proto__'])).toBe('votes.__proto__');
    expect(pathText(['votes', 'a.b'])).toBe('votes."a.b"');
    expect(pathText(['votes', 'k'.repeat(100)])).toBe(
      `votes."${'k'.repeat(40)}…" (100 characters)`,
    );
    expect(pathText([], '(result)')).toBe('(result)');
  });
});

describe('zod issues in words', () => {
  const S = z.strictObject({
    label: z.string().max(5),
    kind: z.enum(['a', 'b']),
    list: z.array(z.number()).min(1),
    id: z.string().regex(/^[0-9a-f]+$/, 'must be lowercase hex'),
  });
  it('says what was expected and what came, each once', () => {
    const r = S.safeParse(
      { label: 'toolong', kind: 'c', list: [], id: 'XYZ', ['x'.repeat(1000)]: 1 },
      { reportInput: true },
    );
    expect(r.success).toBe(false);
    const p = problemsOf(r.error!.issues, { root: '(body)' });
    expect(p.problems).toEqual([
      { path: 'label', message: 'expected at most 5 characters, got 7' },
      { path: 'kind', message: 'expected "a" or "b", got the string "c"' },
      { path: 'list', message: 'expected at least 1 item, got 0' },
      { path: 'id', message: 'must be lowercase hex, got the string "XYZ"' },
      { path: '(body)', message: `unknown field: "${'x'.repeat(40)}…" (1000 characters)` },
    ]);
    expect(problemsText(p, 'body')).toContain('body.label: expected at most 5 characters, got 7');
    expect(problemsText(p, 'body')).toContain('; body: unknown field');
  });
  it('keeps the first 20 problems and counts the rest', () => {
    const r = z.array(z.number()).safeParse(Array.from({ length: 100 }, String), {
      reportInput: true,
    });
    const p = problemsOf(r.error!.issues);
    expect(p.problems).toHaveLength(MAX_PROBLEMS);
    expect(p.omitted).toBe(80);
    expect(problemsText(p)).toMatch(/; and 80 more problems$/);
  });
});

describe('parseCHasil', () => {
  const clone = () => structuredClone(EXAMPLE_PPWP) as unknown as Record<string, unknown>;
  it('says what was expected and what came, and missing stays missing', () => {
    const r = clone();
    r.valid = '214';
    delete r.invalid;
    const p = parseCHasil(r, PPWP_2024);
    expect(p.ok ? [] : p.error.problems).toEqual([
      { path: 'valid', message: 'expected an integer 0..999, got the string "214"' },
      { path: 'invalid', message: 'missing' },
    ]);
  });
  it('refuses __proto__, constructor and prototype among the choices by name', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const r = JSON.parse(
        JSON.stringify(EXAMPLE_PPWP).replace('"votes":{', `"votes":{"${key}":5,`),
      ) as unknown;
      const p = parseCHasil(r, PPWP_2024);
      expect(p.ok ? [] : p.error.problems).toEqual([
        { path: `votes.${key}`, message: 'unknown choice (expected 1, 2, 3)' },
      ]);
    }
  });
  it('lists at most 20 of 5,000 unknown choices', () => {
    const r = clone();
    const votes = r.votes as Record<string, number>;
    for (let i = 0; i < 5000; i++) votes[`x${i}`] = 1;
    const p = parseCHasil(r, PPWP_2024);
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.error.problems).toHaveLength(20);
      expect(p.error.omitted).toBe(4980);
    }
  });
});
