import { describe, expect, it } from 'vitest';
import type { RegionCode } from '../core/codes.ts';
import { parseElectionFiles } from '../core/election-files.ts';
import { demoElectionFiles, idnAreaDataNames } from './election-dir.ts';
import { demoElection } from './okutimur.ts';

describe('the demo as files', () => {
  it('reads back into the demo election itself', () => {
    const parsed = parseElectionFiles(demoElectionFiles());
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const demo = demoElection();
    const byCode = <T extends { code: string }>(xs: T[]) =>
      [...xs].sort((a, b) => (a.code < b.code ? -1 : 1));
    expect({
      ...parsed.value,
      regions: byCode(parsed.value.regions),
      tps: byCode(parsed.value.tps),
    }).toEqual({ ...demo, regions: byCode(demo.regions), tps: byCode(demo.tps), districts: [] });
  });

  it('reads the same region names from idn-area-data as the demo does', () => {
    const files = { ...demoElectionFiles(), 'regions.csv': undefined };
    const all = parseElectionFiles(files, { regionNames: idnAreaDataNames() });
    const under = parseElectionFiles(files, {
      regionNames: idnAreaDataNames(['16.08' as RegionCode]),
    });
    const names = (r: typeof all) =>
      r.ok ? Object.fromEntries(r.value.regions.map((x) => [x.code, x.name])) : r.error;
    const demo = Object.fromEntries(demoElection().regions.map((x) => [x.code, x.name]));
    expect(names(all)).toEqual(demo);
    expect(names(under)).toEqual(demo);
  });
});
