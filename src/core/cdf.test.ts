// The CDF writer alone: its pieces make one JSON document with the format's names, for each kind
// of contest; a summary report stops above the TPS; the report's status follows the nation's.
import { describe, expect, it } from 'vitest';
import { PPWP_2024, type Contest } from './ballots.ts';
import { cdfReport, reportStatus, type CdfReportInfo, type CdfUnit } from './cdf.ts';

const unit = (code: string, level: CdfUnit['level'], over: Partial<CdfUnit> = {}): CdfUnit => ({
  code,
  name: `Unit ${code}`,
  level,
  children: [],
  tpsReported: 1,
  tpsTotal: 1,
  counted: true,
  votes: { '1': 10, '2': 20, '3': 5 },
  invalid: 2,
  total: 37,
  ...over,
});

const UNITS: CdfUnit[][] = [
  [unit('id', 'nasional', { children: ['16'], recap: 'unofficial-partial', tpsTotal: 2 })],
  [unit('16.08.01.1001', 'desa', { children: ['16.08.01.1001.001', '16.08.01.1001.002'] })],
  [
    unit('16.08.01.1001.001', 'tps', { votersRegistered: 200, votersParticipated: 37 }),
    unit('16.08.01.1001.002', 'tps', { counted: false, tpsReported: 0, votes: {} }),
  ],
];

const info = (contest: Contest, format: CdfReportInfo['format']): CdfReportInfo => ({
  contest,
  electionName: 'Uji',
  date: '2024-02-14',
  demo: true,
  format,
  status: 'unofficial-partial',
  generatedDate: '2024-02-14T20:00:00Z',
  vendorApplicationId: 'Rekap',
  sequence: 1,
});

/** The units, anew for every pass. */
async function* pages() {
  for (const page of UNITS) yield await Promise.resolve(page);
}

async function report(i: CdfReportInfo) {
  let text = '';
  for await (const piece of cdfReport(i, pages)) text += piece;
  return JSON.parse(text) as Record<string, unknown> & {
    Election: { Contest: { ContestSelection: { '@id': string; VoteCounts: unknown[] }[] }[] }[];
    GpUnit: { '@id': string; Type: string; CountStatus: { Status: string }[] }[];
  };
}

describe('cdfReport', () => {
  it('writes one ElectionReport: selections with counts per counted unit, units down to TPS', async () => {
    const r = await report(info(PPWP_2024, 'precinct-level'));
    expect(r).toMatchObject({
      '@type': 'ElectionResults.ElectionReport',
      Format: 'precinct-level',
      Issuer: 'Rekap',
      IssuerAbbreviation: 'Rekap',
      SequenceStart: 1,
      SequenceEnd: 1,
      VendorApplicationId: 'Rekap',
    });
    const selections = r.Election[0]!.Contest[0]!.ContestSelection;
    expect(selections.map((s) => s['@id'])).toEqual(['sel-ppwp-1', 'sel-ppwp-2', 'sel-ppwp-3']);
    // The TPS without a counted version has no counts.
    expect(selections[0]!.VoteCounts).toHaveLength(3);
    expect(selections[1]!.VoteCounts).toContainEqual({
      '@type': 'ElectionResults.VoteCounts',
      Count: 20,
      GpUnitId: 'ru-16.08.01.1001.001',
      Type: 'total',
    });
    expect(r.GpUnit.map((u) => u.Type)).toEqual([
      'country',
      'other',
      'polling-place',
      'polling-place',
    ]);
    expect(r.GpUnit[3]!.CountStatus[0]!.Status).toBe('not-processed');
  });

  it('stops at the desa for summary-contest, and names party-list selections', async () => {
    const parties: Contest = {
      kind: 'party-list',
      ballot: 'dpr',
      scope: 'id',
      parties: [{ number: 1, name: 'Partai Satu', candidates: [{ number: 1, name: 'Caleg' }] }],
    };
    const r = await report(info(parties, 'summary-contest'));
    expect(r.GpUnit.map((u) => u.Type)).toEqual(['country', 'other']);
    expect(r.Election[0]!.Contest[0]!.ContestSelection.map((s) => s['@id'])).toEqual([
      'sel-dpr-P1',
      'sel-dpr-P1.C1',
    ]);
    expect(r.Party).toEqual([expect.objectContaining({ '@id': 'party-dpr-1' })]);
  });

  it('takes the report status from the nation', () => {
    expect(reportStatus({ tpsReported: 0, tpsTotal: 5, recap: 'unofficial-partial' })).toBe(
      'pre-election',
    );
    expect(reportStatus({ tpsReported: 2, tpsTotal: 5, recap: 'unofficial-partial' })).toBe(
      'unofficial-partial',
    );
    expect(reportStatus({ tpsReported: 5, tpsTotal: 5, recap: 'unofficial-partial' })).toBe(
      'unofficial-complete',
    );
    expect(reportStatus({ tpsReported: 5, tpsTotal: 5, recap: 'certified' })).toBe('certified');
  });
});
