// The open-data exports' JSON answer (docs/open-data.md): the NIST SP 1500-100 CDF report, as far
// as the API document describes it. The format itself is NIST's (ElectionResultsReporting, v2);
// src/core/cdf.ts writes it.
import * as z from 'zod';
import { CDF_FORMATS } from '../core/cdf.ts';
import { named } from './registry.ts';

export const CdfReportSchema = named(
  'CdfReport',
  z.looseObject({
    '@type': z.literal('ElectionResults.ElectionReport'),
    Format: z.enum(CDF_FORMATS),
    GeneratedDate: z.string(),
    Issuer: z.literal('Rekap'),
    IssuerAbbreviation: z.string(),
    SequenceStart: z.int(),
    SequenceEnd: z.int(),
    Status: z.enum([
      'pre-election',
      'unofficial-partial',
      'unofficial-complete',
      'certified',
      'correction',
    ]),
    VendorApplicationId: z.string(),
    Election: z
      .array(z.looseObject({ '@type': z.literal('ElectionResults.Election') }))
      .describe('One election with its candidates, ballot counts and the contest of the ballot.'),
    GpUnit: z
      .array(
        z.looseObject({ '@id': z.string(), '@type': z.literal('ElectionResults.ReportingUnit') }),
      )
      .describe(
        'Every reporting unit, from the nation (`ru-id`) down to each TPS (`polling-place`).',
      ),
  }),
  'An ElectionResults.ElectionReport of the NIST SP 1500-100 Common Data Format, version 2 (docs/open-data.md tells how Rekap maps onto it).',
);
