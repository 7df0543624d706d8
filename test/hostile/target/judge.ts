// The oracle of the hostile suite: what an answer must be (no 5xx, a JSON error body with a
// snake_case code and no internal detail, the verdict the generator expects, a message that names
// the field of a near-valid result) and what a refused request must not have stored.
import { tmpdir } from 'node:os';
import type { HostileCase } from '../generators.ts';
import { RESULT_OBJECTS } from '../generators/results.ts';
import type { RawAnswer } from '../http.ts';
import { parseJson } from './rig.ts';
import type { Counts } from './stored.ts';
import type { Violation } from './verdicts.ts';

/** Where the server keeps its data, which no answer may show, and how long a lying body waits. */
export type Where = { dataDir: string; schema: string | undefined; lyingBodyWaitMs: number };

/** What internal detail a text shows (a path, a database URL or error code, a stack), if any. */
export const leaks = (text: string, where: Where): string | undefined => {
  const checks: [RegExp | string, string][] = [
    [where.dataDir, 'the data folder'],
    [`${tmpdir()}/`, 'a temporary path'],
    [/postgres(ql)?:\/\//i, 'a database URL'],
    [/\bat [^\s]+ \(?[^\s]*:\d+:\d+\)?/, 'a stack trace'],
    [/node_modules/, 'a module path'],
    [/SQLITE_[A-Z]+|SQLSTATE/i, 'a database error code'],
    [/"error"\s*:\s*"(0[0-9A-Z]|2[0-9A-Z]|4[0-9A-Z]|5[3-8]|XX)[0-9A-Z]{3}"/, 'an SQLSTATE'],
    [/\/work\/|\/home\/|\/usr\//, 'a file path'],
  ];
  if (where.schema) checks.push([where.schema, 'the PostgreSQL schema']);
  for (const [pattern, what] of checks)
    if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return what;
  return undefined;
};

/** The answer itself: no 5xx, a well-formed error body without internal detail, the expected verdict. */
export function judgeAnswer(
  c: HostileCase,
  a: RawAnswer,
  lying: boolean,
  where: Where,
): Violation[] {
  const wait = where.lyingBodyWaitMs;
  const v: Violation[] = [];
  if (a.kind === 'timeout') {
    v.push({
      kind: 'no_answer',
      detail: lying
        ? `no answer within ${wait} ms to a body that declares more than it sends (expected an early 413, or the connection closed)`
        : `no answer within the wait (${a.received} bytes received)`,
    });
    return v;
  }
  if (a.kind === 'closed') {
    if (!lying && c.expect === 'accept')
      v.push({ kind: 'refused_valid', detail: 'the connection closed without an answer' });
    else if (!lying)
      v.push({ kind: 'no_answer', detail: 'the connection closed without an answer' });
    return v;
  }
  const text = a.body.toString('utf8');
  const body = parseJson(a.body) as { error?: unknown; message?: unknown } | undefined;
  if (a.status >= 500) {
    const reason = typeof body?.error === 'string' ? body.error : '';
    if (a.status === 503 && ['storage_full', 'server_busy'].includes(reason))
      v.push({ kind: 'unavailable', detail: `503 ${reason}` });
    else v.push({ kind: 'server_error', detail: `${a.status} ${text.slice(0, 300)}` });
  }
  if (a.status >= 400 && a.body.length > 0) {
    if (
      !body ||
      typeof body.error !== 'string' ||
      !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(body.error) ||
      typeof body.message !== 'string' ||
      body.message.length === 0
    )
      v.push({
        kind: 'bad_error_body',
        detail: `${a.status} ${a.headers['content-type'] ?? ''} ${text.slice(0, 300)}`,
      });
    if (a.body.length > 16 * 1024)
      v.push({
        kind: 'echo',
        detail: `${a.status} error answer of ${a.body.length} bytes: ${text.slice(0, 120)}`,
      });
  }
  const leak = leaks(text, where);
  if (leak && a.status >= 400)
    v.push({
      kind: 'internal_detail',
      detail: `${a.status} shows ${leak}: ${text.slice(0, 300)}`,
    });
  const ok = a.status >= 200 && a.status < 300;
  if (ok && c.expect === 'refuse')
    v.push({ kind: 'accepted_refusable', detail: `${a.status} ${text.slice(0, 300)}` });
  if (!ok && c.expect === 'accept')
    v.push({ kind: 'refused_valid', detail: `${a.status} ${text.slice(0, 300)}` });
  return v;
}

/** For a near-valid result: the error names the field, and a wrong type is not "missing". */
export function judgeMessage(c: HostileCase, a: RawAnswer): Violation[] {
  if (c.spec.type !== 'submission' || a.kind !== 'answer' || a.status < 400) return [];
  const m = c.spec.parts.find((p) => p.name === 'result' && p.content.kind === 'result');
  if (!m || m.content.kind !== 'result') return [];
  const mutation = m.content.result.mutation;
  if (mutation.kind !== 'wrongType' && mutation.kind !== 'range' && mutation.kind !== 'missing')
    return [];
  // Only when the result is the one thing wrong.
  if (c.spec.parts.some((p) => p.content.kind === 'photo' && p.content.photo.kind !== 'valid'))
    return [];
  const text = a.body.toString('utf8');
  const v: Violation[] = [];
  if (!text.includes(mutation.path))
    v.push({
      kind: 'vague_message',
      detail: `${mutation.kind} at ${mutation.path}: ${text.slice(0, 300)}`,
    });
  else if (
    mutation.kind === 'wrongType' &&
    // An object where an object belongs is not a wrong type (its fields may be missing).
    !(RESULT_OBJECTS.includes(mutation.path) && mutation.json.startsWith('{')) &&
    new RegExp(`${mutation.path.replaceAll('.', '\\.')}[^;]*missing`).test(text)
  )
    v.push({
      kind: 'vague_message',
      detail: `${mutation.path} holds ${mutation.json} but the answer says missing: ${text.slice(0, 300)}`,
    });
  return v;
}

/** The counts that grew between two snapshots of what is stored. */
export const storedDiff = (before: Counts, after: Counts): string[] =>
  Object.keys(after)
    .filter((k) => (after[k] ?? 0) > (before[k] ?? 0))
    .map((k) => `${k} ${before[k]} -> ${after[k]}`);
