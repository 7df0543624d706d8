import { describe, expect, it } from 'vitest';
import { ElectionSetupSchema } from '../core/election.ts';
import { areaNames } from './areas.ts';
import { okuTimurFacts } from './facts.ts';
import { demoElection } from './okutimur.ts';

describe('demoElection', () => {
  const e = demoElection();
  const byLevel = (level: string) => e.regions.filter((r) => r.level === level);

  it('is OKU Timur: 20 kecamatan, 312 desa, 2,180 TPS, one PPWP contest, labelled DEMO', () => {
    expect(e.demo).toBe(true);
    expect(e.name).toMatch(/^DEMO: /);
    expect(byLevel('nasional')).toEqual([{ code: 'id', name: 'Indonesia', level: 'nasional' }]);
    expect(byLevel('provinsi')).toEqual([
      { code: '16', name: 'Sumatera Selatan', level: 'provinsi' },
    ]);
    expect(byLevel('kabupaten').map((r) => r.code)).toEqual(['16.08']);
    expect(byLevel('kecamatan')).toHaveLength(20);
    expect(byLevel('desa')).toHaveLength(312);
    expect(e.tps).toHaveLength(2180);
    expect(e.contests.map((c) => c.ballot)).toEqual(['ppwp']);
    expect(ElectionSetupSchema.safeParse(e).success).toBe(true);
  });

  it('lists parents before children and every TPS under a listed desa', () => {
    const seen = new Set<string>();
    for (const r of e.regions) {
      if (r.code !== 'id')
        expect(
          seen.has(r.code.includes('.') ? r.code.slice(0, r.code.lastIndexOf('.')) : 'id'),
        ).toBe(true);
      seen.add(r.code);
    }
    for (const t of e.tps) expect(seen.has(t.code.slice(0, 13))).toBe(true);
    expect(new Set(e.tps.map((t) => t.code)).size).toBe(2180);
    expect(e.tps.filter((t) => t.code.startsWith('16.08.01.1008.9')).map((t) => t.name)).toEqual([
      'TPS 901',
      'TPS 902',
    ]);
    expect(e.tps.find((t) => t.code === '16.08.01.1007.001')?.name).toBe('TPS 001');
  });

  it('names every desa of the facts file from idn-area-data', () => {
    const villages = areaNames('villages', '16.08');
    const desa = okuTimurFacts().kecamatan.flatMap((k) => Object.keys(k.desa));
    expect(desa).toHaveLength(312);
    for (const code of desa) expect(villages.get(code), code).toBeTruthy();
    for (const r of byLevel('desa')) expect(r.name).toBe(villages.get(r.code));
    expect(byLevel('kecamatan').find((r) => r.code === '16.08.01')?.name).toBe('Martapura');
  });

  it('draws a realistic synthetic DPT: never above 300, mostly 180-300', () => {
    const dpt = e.tps.map((t) => t.dpt ?? -1);
    expect(Math.min(...dpt)).toBeGreaterThan(0);
    expect(Math.max(...dpt)).toBeLessThanOrEqual(300);
    expect(dpt.filter((d) => d >= 180).length / dpt.length).toBeGreaterThan(0.8);
    const mean = dpt.reduce((a, b) => a + b, 0) / dpt.length;
    expect(mean).toBeGreaterThan(220);
    expect(mean).toBeLessThan(280);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(demoElection({ seed: 7 })).toEqual(demoElection({ seed: 7 }));
    expect(demoElection({ seed: 7 }).tps.map((t) => t.dpt)).not.toEqual(e.tps.map((t) => t.dpt));
  });
});
