import { ERRORS } from '@tus/server';
import { describe, expect, it } from 'vitest';
import { tusAnswer } from './tus-errors.ts';

describe('tus answers in the API style', () => {
  it('never passes on the words of an error it does not know', () => {
    const leak = Object.assign(new Error("EACCES: permission denied, open '/srv/rekap/x'"), {
      code: 'EACCES',
    });
    expect(tusAnswer(leak)).toEqual({
      status_code: 500,
      body: '{"error":"internal_error","message":"internal error"}\n',
    });
  });
  it('gives tus refusals our codes, and keeps ours', () => {
    expect(JSON.parse(tusAnswer(ERRORS.FILE_NOT_FOUND).body)).toMatchObject({
      error: 'unknown_upload',
    });
    expect(tusAnswer(ERRORS.INVALID_OFFSET).status_code).toBe(409);
    expect(tusAnswer(ERRORS.UNKNOWN_ERROR).body).not.toContain('Something');
    const ours = { status_code: 403, body: '{"error":"wrong_tps","message":"m"}\n' };
    expect(tusAnswer(ours)).toEqual(ours);
  });
});
