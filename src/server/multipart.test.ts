import { describe, expect, it } from 'vitest';
import { PatternCount, boundaryOf, byteBudget } from './multipart.ts';

describe('boundaryOf', () => {
  it.each([
    ['multipart/form-data; boundary=abc', 'abc'],
    [
      'multipart/form-data;boundary=----WebKitFormBoundary7MA4YWxk',
      '----WebKitFormBoundary7MA4YWxk',
    ],
    ['multipart/form-data; charset=utf-8; BOUNDARY="a b;c"', 'a b;c'],
    ['multipart/form-data', undefined],
    ['multipart/form-data; xboundary=abc', undefined],
    [undefined, undefined],
  ])('%s', (type, boundary) => expect(boundaryOf(type)).toBe(boundary));
});

describe('PatternCount', () => {
  const body = Buffer.from('--b\r\nA\r\n--b\r\nBB\r\n--b--\r\n');
  const count = (chunks: Buffer[]) => {
    const delimiters = new PatternCount(Buffer.from('\r\n--b'), Buffer.from('\r\n'));
    for (const c of chunks) delimiters.feed(c);
    return delimiters.count;
  };
  it('counts every delimiter, the first one after an assumed CRLF', () => {
    expect(count([body])).toBe(3);
  });
  it('counts the same across every way of cutting the body into chunks', () => {
    for (let size = 1; size <= body.length; size++) {
      const chunks = [];
      for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
      expect(count(chunks)).toBe(3);
    }
  });
});

describe('byteBudget', () => {
  it('takes while there is room and gets bytes back', () => {
    const b = byteBudget(10);
    expect(b.take(6)).toBe(true);
    expect(b.take(5)).toBe(false);
    b.give(6);
    expect(b.take(10)).toBe(true);
    expect(b.inUse).toBe(10);
  });
});
