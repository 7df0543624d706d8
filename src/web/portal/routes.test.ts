import { describe, expect, it } from 'vitest';
import { parseRoute } from './routes.ts';

describe('parseRoute', () => {
  it('opens a TPS from its dotted or packed code, with or without a version', () => {
    const tps = { kind: 'tps', code: '16.08.01.1017.003', version: null };
    expect(parseRoute('#/tps/16.08.01.1017.003')).toEqual(tps);
    expect(parseRoute('#/tps/1608011017003')).toEqual(tps);
    expect(parseRoute('#/tps/1608011017003/v/2')).toEqual({ ...tps, version: 2 });
  });

  it('opens a region from its dotted or packed code at every level', () => {
    for (const [hash, code] of [
      ['#/wilayah/16', '16'],
      ['#/wilayah/1608', '16.08'],
      ['#/wilayah/160801', '16.08.01'],
      ['#/wilayah/1608011017', '16.08.01.1017'],
      ['#/wilayah/16.08.01.1017', '16.08.01.1017'],
    ])
      expect(parseRoute(hash!)).toEqual({ kind: 'region', code });
  });

  it('falls back to the nation for an address it does not know', () => {
    for (const hash of ['', '#/', '#/tps/160801101700', '#/wilayah/16080', '#/wilayah/16.8'])
      expect(parseRoute(hash)).toEqual({ kind: 'region', code: 'id' });
  });
});
