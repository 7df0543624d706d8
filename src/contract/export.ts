// The rows of the open-data TPS export (GET /api/v1/export/tps.csv and tps.jsonl, issue 13):
// one row per TPS of the election, with its counted version's C.Hasil (null when none is counted).
import * as z from 'zod';
import { CHasilSchema } from '../core/chasil.ts';
import { BallotSchema } from '../core/ballots.ts';
import { FlagSchema, TpsStatusSchema } from './results.ts';

export const ExportRowSchema = z.object({
  tps: z.string(),
  name: z.string(),
  ballot: BallotSchema,
  status: TpsStatusSchema,
  countedVersion: z.int().min(1).nullable(),
  result: CHasilSchema.nullable(),
  flags: z.array(FlagSchema),
  photos: z.array(z.string()),
  submissionHash: z.string().nullable(),
  receivedAt: z.iso.datetime().nullable(),
});
export type ExportRow = z.infer<typeof ExportRowSchema>;
