// The Sirekap-compatible answers (/pemilu/hhcw/ppwp/..., docs/sirekap-compat.md): the shapes of
// KPU's 2024 public site, with its field names, so that monitors' scrapers read Rekap unchanged.
// The server builds them (src/server/sirekap-compat.ts), the OpenAPI document describes them.
import * as z from 'zod';
import { named } from './registry.ts';

export const SirekapTpsSchema = named(
  'SirekapTps',
  z.object({
    mode: z.literal('hhcw'),
    chart: z
      .record(z.string(), z.int())
      .nullable()
      .describe(
        'Valid votes by Sirekap pair id (100025, 100026, 100027); null while nothing counts.',
      ),
    images: z
      .array(z.string())
      .describe("The form's pages in page order: paths on this server, /api/v1/photos/{sha256}."),
    administrasi: z
      .record(z.string(), z.int())
      .nullable()
      .describe(
        'suara_sah, suara_total, suara_tidak_sah, pemilih_dpt_{j,l,p}, pengguna_dpt_*, pengguna_dptb_*, pengguna_non_dpt_* (DPK), pengguna_total_*; null while nothing counts.',
      ),
    psu: z.null(),
    ts: z
      .string()
      .nullable()
      .describe('When the counted version was received, `YYYY-MM-DD HH:MM:SS` in WIB (UTC+7).'),
    status_suara: z.boolean(),
    status_adm: z.boolean(),
  }),
  "One TPS in the fields of Sirekap's hhcw/ppwp JSON: its counted version.",
);
export type SirekapTps = z.infer<typeof SirekapTpsSchema>;

export const SirekapRowSchema = z.record(
  z.string(),
  z.union([z.number(), z.boolean(), z.string(), z.null()]),
);
export type SirekapRow = z.infer<typeof SirekapRowSchema>;

export const SirekapRegionSchema = named(
  'SirekapRegion',
  z.object({
    ts: z.string().describe('When the answer was computed, in WIB.'),
    psu: z.literal('Reguler'),
    mode: z.literal('hhcw'),
    chart: z
      .record(z.string(), z.number())
      .describe('Totals by pair id, and `persen`: the share of TPS counted, in percent.'),
    table: z
      .record(z.string(), SirekapRowSchema)
      .describe(
        'One row per child by packed code: psu, votes by pair id (null for a TPS with nothing counted), persen, status_progress.',
      ),
    progres: z.object({ total: z.int().min(0), progres: z.int().min(0) }),
  }),
  "A region in the fields of Sirekap's hhcw/ppwp JSON: totals, a row per child, progress.",
);
export type SirekapRegion = z.infer<typeof SirekapRegionSchema>;
