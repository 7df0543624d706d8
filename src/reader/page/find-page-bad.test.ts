// Inputs that are not a readable page give a reason, never a throw. Needs no ../shared.

import { describe, expect, it } from 'vitest';
import { grayImage } from '../image.ts';
import { mulberry32 } from '../../core/random.ts';
import { findPage } from './find-page.ts';

describe('findPage on bad input', () => {
  it('a 1x1 image is too small', () => {
    expect(findPage(grayImage(1, 1))).toMatchObject({ ok: false, error: { reason: 'too-small' } });
  });
  it('a 0x0 image and a short buffer are too small', () => {
    expect(findPage({ width: 0, height: 0, data: new Uint8Array(0) })).toMatchObject({
      ok: false,
      error: { reason: 'too-small' },
    });
    expect(findPage({ width: 500, height: 500, data: new Uint8Array(10) })).toMatchObject({
      ok: false,
      error: { reason: 'too-small' },
    });
  });
  it('a blank white image is not a form', () => {
    expect(findPage(grayImage(1500, 2000, 250))).toMatchObject({
      ok: false,
      error: { reason: 'not-a-form' },
    });
  });
  it('a black image is too dark', () => {
    expect(findPage(grayImage(1500, 2000, 10))).toMatchObject({
      ok: false,
      error: { reason: 'too-dark' },
    });
  });
  it('random noise is not a form', () => {
    const img = grayImage(1200, 1600);
    const rnd = mulberry32(1);
    for (let i = 0; i < img.data.length; i++) img.data[i] = rnd() * 256;
    expect(findPage(img)).toMatchObject({ ok: false, error: { reason: 'not-a-form' } });
  });
});
