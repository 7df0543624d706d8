import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { TpsCode } from '../core/codes.ts';
import { EXAMPLE_PPWP } from '../synth/results.ts';
import { demoFormPhoto } from './photo.ts';

const TPS = '16.08.01.1007.001' as TpsCode;

describe('demoFormPhoto', () => {
  it('makes a decodable JPEG of about 600x900 and 30-80 KB', async () => {
    for (const pages of [undefined, 1, 2, 3] as const) {
      const jpeg = await demoFormPhoto(TPS, EXAMPLE_PPWP, { pages });
      const meta = await sharp(jpeg).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.width).toBe(600);
      expect(meta.height).toBe(900);
      expect(jpeg.length).toBeGreaterThan(20_000);
      expect(jpeg.length).toBeLessThan(100_000);
    }
  });

  it('is deterministic and shows the numbers (different results, different images)', async () => {
    const a = await demoFormPhoto(TPS, EXAMPLE_PPWP);
    expect((await demoFormPhoto(TPS, EXAMPLE_PPWP)).equals(a)).toBe(true);
    const other = structuredClone(EXAMPLE_PPWP);
    other.votes['2'] = 130;
    expect((await demoFormPhoto(TPS, other)).equals(a)).toBe(false);
  });
});
