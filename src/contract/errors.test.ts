// The catalogue in code (ERRORS) is the source; docs/errors.md's table says when each code is
// answered and must list exactly the same codes with the same statuses.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, ERROR_CODES, ErrorBodySchema, errorBody, statusesOf } from './errors.ts';

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const root = join(import.meta.dirname, '../..');

/** The table of docs/errors.md: code -> the statuses in its status column. */
function documented(): Map<string, number[]> {
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  const rows = new Map<string, number[]>();
  for (const m of doc.matchAll(/^\| `([^`]+)` +\| ([^|]+)\|/gm))
    rows.set(
      m[1]!,
      [...m[2]!.matchAll(/\d{3}/g)].map((s) => Number(s[0])),
    );
  return rows;
}

describe('the error catalogue', () => {
  it('has snake_case codes, statuses of errors, and words in both languages', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(40);
    for (const code of ERROR_CODES) {
      expect(code).toMatch(SNAKE);
      for (const s of statusesOf(code)) expect(s >= 400 && s < 600, code).toBe(true);
      expect(ERRORS[code].id.length, code).toBeGreaterThan(0);
      expect(ERRORS[code].en.length, code).toBeGreaterThan(0);
      expect(ERRORS[code].id, code).not.toBe(ERRORS[code].en);
    }
  });

  it('is the table of docs/errors.md: the same codes with the same statuses', () => {
    const doc = documented();
    expect([...doc.keys()].sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES)
      expect([...doc.get(code)!].sort(), code).toEqual([...statusesOf(code)].sort());
  });

  it('names every code the server answers (no code string outside it in src/server)', () => {
    const dir = join(root, 'src/server');
    const patterns = [/apiError\(\s*[`'"]([^`'"$]+)[`'"]/g, /\berror: [`'"]([^`'"$]+)[`'"]/g];
    const found = new Set<string>();
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')))
      for (const re of patterns)
        for (const m of readFileSync(join(dir, f), 'utf8').matchAll(re)) found.add(m[1]!);
    expect(found.size).toBeGreaterThan(20);
    expect([...found].filter((c) => !(c in ERRORS))).toEqual([]);
  });

  it('builds bodies that fit the schema, with the words of the code', () => {
    const body = errorBody('unknown_ballot', 'unknown ballot "x"');
    expect(ErrorBodySchema.parse(body)).toEqual({
      error: 'unknown_ballot',
      message: 'unknown ballot "x"',
      text: { id: 'Jenis pemilihan tidak dikenal', en: 'Unknown ballot' },
    });
    expect(errorBody('device_limit', 'm', { limit: 2 }).details).toEqual({ limit: 2 });
    expect(ErrorBodySchema.safeParse({ ...body, error: 'bad_ballot' }).success).toBe(false);
  });
});
