// The hostile suite's election: one kabupaten with as many TPS as asked, 50 per desa, 20 desa per
// kecamatan, so that every case can have TPS of its own.
import { PPWP_2024 } from '../../../src/core/ballots.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../../../src/core/codes.ts';
import type { ElectionSetup } from '../../../src/core/election.ts';

/** A code of the right form that is not in the election. */
export const UNKNOWN_TPS = '16.08.99.9999.999';

export function hostileElection(tpsCount: number): ElectionSetup {
  const regions: ElectionSetup['regions'] = [
    { code: NATION_CODE, name: 'Indonesia', level: 'nasional' },
    { code: '16' as RegionCode, name: 'Sumatera Selatan', level: 'provinsi' },
    { code: '16.08' as RegionCode, name: 'Ogan Komering Ulu Timur', level: 'kabupaten' },
  ];
  const tps: ElectionSetup['tps'] = [];
  const desaCount = Math.ceil(tpsCount / 50);
  for (let d = 0; d < desaCount; d++) {
    const kec = `16.08.${String(1 + Math.floor(d / 20)).padStart(2, '0')}`;
    if (d % 20 === 0)
      regions.push({ code: kec as RegionCode, name: `Kec ${kec}`, level: 'kecamatan' });
    const desa = `${kec}.${1001 + (d % 20)}`;
    regions.push({ code: desa as RegionCode, name: `Desa ${desa}`, level: 'desa' });
    for (let t = 1; t <= 50 && tps.length < tpsCount; t++)
      tps.push({
        code: `${desa}.${String(t).padStart(3, '0')}` as TpsCode,
        name: `TPS ${t}`,
        dpt: null,
      });
  }
  return { name: 'hostile-suite election', demo: false, regions, tps, contests: [PPWP_2024] };
}
