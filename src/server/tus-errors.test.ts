import { ERRORS } from '@tus/server';
import { describe, expect, it } from 'vitest';
import { tusAnswer, tusPrecheck } from './tus-errors.ts';

describe('tus answers in the API style', () => {
  it('never passes on the words of an error it does not know', () => {
    const leak = Object.assign(new Error("EACCES: permission denied, open '/srv/rekap/x'"), {
      code: 'EACCES',
    });
    expect(tusAnswer(leak)).toEqual({
      status_code: 500,
      body: '{"error":"internal_error","message":"internal error","text":{"id":"Terjadi kesalahan di server","en":"Internal error"}}\n',
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

describe('tus headers are checked in our words before tus answers in plain text', () => {
  const ok = { 'tus-resumable': '1.0.0' };
  it('refuses what tus would refuse', () => {
    expect(tusPrecheck('POST', {})).toMatchObject({ status: 412, error: 'tus_resumable_required' });
    expect(tusPrecheck('HEAD', { 'tus-resumable': '0.2.2' })?.status).toBe(412);
    expect(
      tusPrecheck('PATCH', {
        ...ok,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '-1',
      }),
    ).toMatchObject({ status: 400, error: 'bad_offset' });
    expect(tusPrecheck('PATCH', { ...ok, 'content-type': 'text/plain' })?.status).toBe(415);
    expect(tusPrecheck('POST', { ...ok, 'upload-length': '1e3' })?.error).toBe('bad_length');
    expect(tusPrecheck('POST', { ...ok, 'upload-metadata': 'a b,a c' })?.error).toBe(
      'bad_metadata',
    );
    expect(tusPrecheck('POST', { ...ok, 'upload-defer-length': '2' })?.status).toBe(400);
  });
  it('lets through what tus takes', () => {
    expect(tusPrecheck('OPTIONS', {})).toBeUndefined();
    expect(
      tusPrecheck('POST', { ...ok, 'upload-length': '1024', 'upload-metadata': 'tps MTY=,x' }),
    ).toBeUndefined();
    expect(
      tusPrecheck('PATCH', {
        ...ok,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
      }),
    ).toBeUndefined();
  });
});
