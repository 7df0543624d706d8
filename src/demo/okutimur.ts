// The demo election: the 2024 presidential ballot in Kabupaten Ogan Komering Ulu Timur (16.08,
// Sumatera Selatan). Regions and their names are real (idn-area-data), and so are the TPS of each
// desa (KPU Sirekap's TPS tree, via src/demo/data/okutimur.json). The registered DPT of each TPS is
// SYNTHETIC: drawn from the seed, mostly 180-300 voters (never above the legal 300), smaller for a
// few hamlets and for the special TPS 901+. Everything shown is labelled DEMO.
import { PPWP_2024 } from '../core/ballots.ts';
import { NATION_CODE, makeTpsCode, type RegionCode, type TpsCode } from '../core/codes.ts';
import type { ElectionSetup, Region, Tps } from '../core/election.ts';
import { areaNames } from './areas.ts';
import { expandTpsRanges, okuTimurFacts } from './facts.ts';
import { createRandom, type Random } from '../core/random.ts';

export const DEMO_SEED = 2024;
export const DEMO_KABUPATEN = '16.08' as RegionCode;
const DEMO_ELECTION_NAME =
  'DEMO: Pemilu Presiden 2024, Kab. Ogan Komering Ulu Timur (DPT dan hasil TPS sintetis)';

/** The most voters a TPS may have in a general election. */
const TPS_LIMIT = 300;

/** A synthetic registered DPT for one TPS. */
function syntheticDpt(rnd: Random, tpsNumber: number): number {
  // TPS "lokasi khusus" (901+: hospitals, prisons, boarding schools) are small.
  if (tpsNumber >= 900) return rnd.int(60, 150);
  // About one TPS in ten serves a small hamlet.
  if (rnd.next() < 0.1) return rnd.int(120, 179);
  const dpt = Math.round(rnd.normal(262, 24));
  return Math.min(TPS_LIMIT, Math.max(180, dpt));
}

function nameOf(names: Map<string, string>, code: string, what: string): string {
  const name = names.get(code);
  if (name === undefined)
    throw new Error(
      `demo: ${what} ${code} is not in idn-area-data; the demo facts and the region list disagree`,
    );
  return name;
}

/**
 * The demo election setup. Deterministic: the same `seed` (default 2024) gives the same synthetic
 * DPT for every TPS.
 */
export function demoElection(opts: { seed?: number } = {}): ElectionSetup {
  const facts = okuTimurFacts();
  const kab = facts.kabupaten;
  const province = kab.slice(0, 2);
  const provinces = areaNames('provinces', province);
  const regencies = areaNames('regencies', kab);
  const districts = areaNames('districts', kab);
  const villages = areaNames('villages', kab);

  const regions: Region[] = [
    { code: NATION_CODE, name: 'Indonesia', level: 'nasional' },
    {
      code: province as RegionCode,
      name: nameOf(provinces, province, 'provinsi'),
      level: 'provinsi',
    },
    { code: kab as RegionCode, name: nameOf(regencies, kab, 'kabupaten'), level: 'kabupaten' },
  ];
  const desaRegions: Region[] = [];
  const tps: Tps[] = [];
  const rnd = createRandom(opts.seed ?? DEMO_SEED).fork('dpt');
  const missing: string[] = [];
  for (const kec of facts.kecamatan) {
    regions.push({
      code: kec.code as RegionCode,
      name: nameOf(districts, kec.code, 'kecamatan'),
      level: 'kecamatan',
    });
    for (const [desa, ranges] of Object.entries(kec.desa)) {
      const name = villages.get(desa);
      if (name === undefined) {
        missing.push(desa);
        continue;
      }
      desaRegions.push({ code: desa as RegionCode, name, level: 'desa' });
      for (const n of expandTpsRanges(ranges)) {
        const code: TpsCode = makeTpsCode(desa as RegionCode, n);
        tps.push({ code, name: `TPS ${String(n).padStart(3, '0')}`, dpt: syntheticDpt(rnd, n) });
      }
    }
  }
  if (missing.length > 0)
    throw new Error(
      `demo: ${String(missing.length)} desa are not in idn-area-data: ${missing.join(', ')}`,
    );
  return {
    name: DEMO_ELECTION_NAME,
    demo: true,
    regions: [...regions, ...desaRegions],
    tps,
    contests: [PPWP_2024],
  };
}
