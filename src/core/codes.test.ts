import { describe, expect, it } from 'vitest';
import {
  ancestorsOfTps,
  dotted,
  packed,
  parseRegionCode,
  parseTpsCode,
  regionContains,
  regionLevel,
} from './codes.ts';

describe('codes', () => {
  it('accepts packed and dotted TPS codes and stores the dotted one', () => {
    expect(parseTpsCode('1608011007001')).toBe('16.08.01.1007.001');
    expect(parseTpsCode('16.08.01.1007.001')).toBe('16.08.01.1007.001');
    expect(packed(parseTpsCode('16.08.01.1007.001')!)).toBe('1608011007001');
  });
  it('refuses malformed codes', () => {
    for (const bad of ['', '1608', '16.08.01.1007', '160801100700', '16-08-01', 'x'])
      expect(parseTpsCode(bad)).toBeUndefined();
    expect(parseRegionCode('16.8')).toBeUndefined();
    expect(parseRegionCode('16.08.01.100')).toBeUndefined();
  });
  it('knows each level', () => {
    expect(regionLevel(parseRegionCode('id')!)).toBe('nasional');
    expect(regionLevel(parseRegionCode('16')!)).toBe('provinsi');
    expect(regionLevel(parseRegionCode('1608')!)).toBe('kabupaten');
    expect(regionLevel(parseRegionCode('160801')!)).toBe('kecamatan');
    expect(regionLevel(parseRegionCode('1608011007')!)).toBe('desa');
    expect(dotted('1608011007')).toBe('16.08.01.1007');
  });
  it('lists the ladder above a TPS', () => {
    expect(ancestorsOfTps(parseTpsCode('16.08.01.1007.001')!)).toEqual([
      '16.08.01.1007',
      '16.08.01',
      '16.08',
      '16',
      'id',
    ]);
  });
  it('tells containment without prefix confusion', () => {
    const kab = parseRegionCode('16.08')!;
    expect(regionContains(kab, parseTpsCode('16.08.01.1007.001')!)).toBe(true);
    expect(regionContains(parseRegionCode('16.01')!, parseRegionCode('16.01')!)).toBe(true);
    expect(regionContains(parseRegionCode('16.01')!, parseRegionCode('16.01.10')!)).toBe(true);
    expect(regionContains(parseRegionCode('16.01.1')!, parseRegionCode('16.01.10')!)).toBe(false);
  });
});
