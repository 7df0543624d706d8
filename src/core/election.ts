// What an election needs before results can come in: its regions, its TPS and its contests.
import * as z from 'zod';
import { ContestSchema } from './ballots.ts';
import {
  REGION_LEVELS,
  parseRegionCode,
  parseTpsCode,
  type RegionCode,
  type TpsCode,
} from './codes.ts';

const RegionCodeSchema = z.string().transform((s, ctx) => {
  const c = parseRegionCode(s);
  if (!c) ctx.addIssue({ code: 'custom', message: `not a region code: ${s}` });
  return c as RegionCode;
});
const TpsCodeSchema = z.string().transform((s, ctx) => {
  const c = parseTpsCode(s);
  if (!c) ctx.addIssue({ code: 'custom', message: `not a TPS code: ${s}` });
  return c as TpsCode;
});

export const RegionSchema = z.object({
  code: RegionCodeSchema,
  name: z.string().min(1),
  level: z.enum(REGION_LEVELS as [string, ...string[]]),
});
export type Region = { code: RegionCode; name: string; level: (typeof REGION_LEVELS)[number] };

export const TpsSchema = z.object({
  code: TpsCodeSchema,
  name: z.string().min(1),
  /** Registered DPT of this TPS, when known. */
  dpt: z.number().int().min(0).max(999).nullable(),
});
export type Tps = { code: TpsCode; name: string; dpt: number | null };

export const ElectionSetupSchema = z.object({
  name: z.string().min(1),
  /** A demo election is labelled DEMO everywhere it shows. */
  demo: z.boolean(),
  /** Every region from the nation down to the desa, parents before children. */
  regions: z.array(RegionSchema),
  tps: z.array(TpsSchema),
  contests: z.array(ContestSchema).min(1),
});
export type ElectionSetup = {
  name: string;
  demo: boolean;
  regions: Region[];
  tps: Tps[];
  contests: z.infer<typeof ContestSchema>[];
};
