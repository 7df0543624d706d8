// A store on each backend for tests that must hold on both: SQLite in a temporary folder, and
// PostgreSQL in a schema of its own (undefined when PostgreSQL is absent; postgresAvailable fails
// instead when CI=true). Also a small election of two TPS in one desa.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PPWP_2024 } from '../../src/core/ballots.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../../src/core/codes.ts';
import type { ElectionSetup } from '../../src/core/election.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from './postgres.ts';

export type OpenedStore = {
  store: Store;
  dataDir: string;
  dbUrl?: string;
  cleanup: () => Promise<void>;
};
export type StoreBackend = { name: string; open: () => Promise<OpenedStore | undefined> };

/** SQLite and PostgreSQL; `tag` names the temporary folders and schemas. */
export function storeBackends(tag: string): StoreBackend[] {
  return [
    {
      name: 'sqlite',
      async open() {
        const dataDir = await mkdtemp(join(tmpdir(), `rekap-${tag}-`));
        return {
          store: await openStore({ dataDir }),
          dataDir,
          cleanup: () => rm(dataDir, { recursive: true, force: true }),
        };
      },
    },
    {
      name: 'postgres',
      async open() {
        if (!(await postgresAvailable())) return undefined;
        const dataDir = await mkdtemp(join(tmpdir(), `rekap-${tag}-`));
        const { url, schema } = testSchemaUrl(tag);
        return {
          store: await openStore({ dataDir, dbUrl: url }),
          dataDir,
          dbUrl: url,
          cleanup: async () => {
            await dropSchema(schema);
            await rm(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}

export const TPS_A = '16.08.01.1001.001' as TpsCode;
export const TPS_B = '16.08.01.1001.002' as TpsCode;

/** The nation, Sumatera Selatan, Ogan Komering Ulu Timur and its kecamatan Martapura. */
export const REGIONS_TO_MARTAPURA: ElectionSetup['regions'] = [
  { code: NATION_CODE, name: 'Indonesia', level: 'nasional' },
  { code: '16' as RegionCode, name: 'Sumatera Selatan', level: 'provinsi' },
  { code: '16.08' as RegionCode, name: 'Ogan Komering Ulu Timur', level: 'kabupaten' },
  { code: '16.08.01' as RegionCode, name: 'Martapura', level: 'kecamatan' },
];

/** One desa of Martapura with two TPS (A and B), PPWP only, no registered DPT. */
export const TWO_TPS_ELECTION: ElectionSetup = {
  name: 'test election',
  demo: false,
  regions: [
    ...REGIONS_TO_MARTAPURA,
    { code: '16.08.01.1001' as RegionCode, name: 'Desa', level: 'desa' },
  ],
  tps: [
    { code: TPS_A, name: 'TPS 1', dpt: null },
    { code: TPS_B, name: 'TPS 2', dpt: null },
  ],
  contests: [PPWP_2024],
};
