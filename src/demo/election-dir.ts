// An election written out as the directory `rekap election import` reads (election.json,
// regions.csv, tps.csv): the demo's own files (`rekap election export-demo DIR`), for a newcomer to
// start from, and the path the demo loads through.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegionCode, RegionLevel } from '../core/codes.ts';
import type { ElectionSetup } from '../core/election.ts';
import {
  ELECTION_FILES,
  renderElectionFiles,
  type District,
  type ElectionFileTexts,
  type RegionNameSource,
} from '../core/election-files.ts';
import { areaNames, type AreaLevel } from './areas.ts';
import { DEMO_SEED, demoElection } from './okutimur.ts';

/** The demo election's files, as `rekap serve --demo` loads them. */
export function demoElectionFiles(): Required<ElectionFileTexts> {
  return renderElectionFiles(demoElection({ seed: DEMO_SEED }));
}

/**
 * Writes an election's files into `dir` (made if need be). Refuses to write over any of them, so
 * that a directory someone edited is never lost; the names of those in the way, or of those
 * written.
 */
export async function writeElectionDir(
  setup: ElectionSetup & { districts?: District[] },
  dir: string,
): Promise<{ written: string[] } | { inTheWay: string[] }> {
  const files = renderElectionFiles(setup);
  await mkdir(dir, { recursive: true });
  const inTheWay: string[] = [];
  for (const name of ELECTION_FILES)
    if (await stat(join(dir, name)).catch(() => null)) inTheWay.push(name);
  if (inTheWay.length > 0) return { inTheWay };
  for (const name of ELECTION_FILES) await writeFile(join(dir, name), files[name], { flag: 'wx' });
  return { written: ELECTION_FILES.map((name) => join(dir, name)) };
}

/** The files of `dir` as bytes (for their hashes) and text; undefined for a file not there. */
export async function readElectionDir(
  dir: string,
): Promise<Partial<Record<(typeof ELECTION_FILES)[number], Buffer>>> {
  const out: Partial<Record<(typeof ELECTION_FILES)[number], Buffer>> = {};
  for (const name of ELECTION_FILES) {
    const bytes = await readFile(join(dir, name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (bytes) out[name] = bytes;
  }
  return out;
}

const AREA_LEVEL: Record<Exclude<RegionLevel, 'nasional'>, AreaLevel> = {
  provinsi: 'provinces',
  kabupaten: 'regencies',
  kecamatan: 'districts',
  desa: 'villages',
};

/**
 * Region names from the npm package idn-area-data (`--regions idn-area-data[:CODE,...]`): every
 * region under the prefixes, or without them the regions the files need. Each level's file is
 * read once for each code it is asked under.
 */
export function idnAreaDataNames(prefixes?: readonly RegionCode[]): RegionNameSource {
  const cache = new Map<string, ReadonlyMap<string, string>>();
  return {
    label: prefixes ? `--regions idn-area-data:${prefixes.join(',')}` : '--regions idn-area-data',
    prefixes,
    names(level, under) {
      const key = `${level}|${under}`;
      let names = cache.get(key);
      if (!names) {
        names = areaNames(AREA_LEVEL[level], under);
        cache.set(key, names);
      }
      return names;
    },
  };
}
