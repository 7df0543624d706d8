// NIST SP 1500-100 (version 2) Election Results Common Data Format, JSON: one contest's results
// as an `ElectionResults.ElectionReport`, written piece by piece so that a national report
// (823,000 polling places) is never held in memory whole (docs/open-data.md).
//
// How Rekap's election maps onto the format:
// - the nation, each provinsi, kabupaten, kecamatan and desa, and each TPS is a ReportingUnit
//   (`country`, `state`, `county`, `other` with OtherType `kecamatan` / `desa`, `polling-place`),
//   whose ComposingGpUnitIds are its children; ids are `ru-` and the dotted Kemendagri code;
// - the ballot is a CandidateContest; each vote key of the ballot (a pair, a candidate, a party's
//   own votes) is a CandidateSelection with one VoteCounts (Type `total`) per reporting unit that
//   has counted results (a TPS without a counted version has none);
// - the invalid votes and the total ballots cast are the Election's BallotCounts per unit
//   (BallotsRejected, BallotsCast);
// - each unit's CountStatus says how far its count is: `total` for the TPS reported below it
//   (completed, in-process, not-processed) and, for regions, `other` with OtherType
//   `recap-<state>` for its recap's sign-off (certified, correction, unofficial-partial).
import type { Contest } from './ballots.ts';
import { voteKeys } from './ballots.ts';
import type { RegionLevel } from './codes.ts';
import type { RecapState } from './dhasil.ts';

export const CDF_FORMATS = ['precinct-level', 'summary-contest'] as const;
export type CdfFormat = (typeof CDF_FORMATS)[number];

/** The report's ResultsStatus. */
export type CdfStatus =
  'pre-election' | 'unofficial-partial' | 'unofficial-complete' | 'certified' | 'correction';

/** One reporting unit with its counted totals (a region's recap, or a TPS's counted version). */
export type CdfUnit = {
  code: string;
  name: string;
  level: RegionLevel | 'tps';
  /** Codes of the units it is made of (regions, or the TPS of a desa). */
  children: readonly string[];
  tpsReported: number;
  tpsTotal: number;
  /** Regions: the recap's sign-off. */
  recap?: RecapState;
  /** Whether it has counted results: a TPS without a counted version has no VoteCounts. */
  counted: boolean;
  votes: Readonly<Record<string, number>>;
  invalid: number;
  total: number;
  /** A TPS: its registered DPT and the voters who voted (C.Hasil I.B4). */
  votersRegistered?: number | null;
  votersParticipated?: number | null;
};

export type CdfReportInfo = {
  contest: Contest;
  electionName: string;
  /** The election's day (YYYY-MM-DD). */
  date: string;
  demo: boolean;
  format: CdfFormat;
  status: CdfStatus;
  generatedDate: string;
  vendorApplicationId: string;
  /** A number that grows with every change (the store's change mark, as a number). */
  sequence: number;
};

/**
 * The units of the report, in pages, from the nation down: called once for every pass the
 * writer makes (each selection's VoteCounts, the BallotCounts, the GpUnit list), each time anew.
 */
export type CdfUnits = () => AsyncIterable<readonly CdfUnit[]>;

const UNIT_TYPE: Record<CdfUnit['level'], { Type: string; OtherType?: string }> = {
  nasional: { Type: 'country' },
  provinsi: { Type: 'state' },
  kabupaten: { Type: 'county' },
  kecamatan: { Type: 'other', OtherType: 'kecamatan' },
  desa: { Type: 'other', OtherType: 'desa' },
  tps: { Type: 'polling-place' },
};

export const gpUnitId = (code: string): string => `ru-${code}`;
const text = (content: string) => ({
  '@type': 'ElectionResults.InternationalizedText',
  Text: [{ '@type': 'ElectionResults.LanguageString', Content: content, Language: 'id' }],
});

/** A vote key's selection: its id, and the candidates or party it stands for. */
type Selection = { key: string; id: string; candidates: string[]; party?: string };
type Named = { id: string; name: string; party?: string };

function choices(contest: Contest): {
  selections: Selection[];
  candidates: Named[];
  parties: Named[];
} {
  const sel = (key: string) => `sel-${contest.ballot}-${key}`;
  const cand = (key: string) => `cand-${contest.ballot}-${key}`;
  switch (contest.kind) {
    case 'pair': {
      const candidates: Named[] = [];
      const selections: Selection[] = contest.pairs.map((p) => {
        const ids = p.names.map((name, i) => {
          const id = cand(`${p.number}-${i + 1}`);
          candidates.push({ id, name });
          return id;
        });
        return { key: String(p.number), id: sel(String(p.number)), candidates: ids };
      });
      const keys = voteKeys(contest);
      if (keys.includes('kosong'))
        selections.push({ key: 'kosong', id: sel('kosong'), candidates: [] });
      return { selections, candidates, parties: [] };
    }
    case 'individual':
      return {
        selections: contest.candidates.map((c) => ({
          key: String(c.number),
          id: sel(String(c.number)),
          candidates: [cand(String(c.number))],
        })),
        candidates: contest.candidates.map((c) => ({ id: cand(String(c.number)), name: c.name })),
        parties: [],
      };
    case 'party-list': {
      const parties = contest.parties.map((p) => ({
        id: `party-${contest.ballot}-${p.number}`,
        name: p.name,
      }));
      const candidates: Named[] = [];
      const selections: Selection[] = [];
      for (const p of contest.parties) {
        const party = `party-${contest.ballot}-${p.number}`;
        selections.push({ key: `P${p.number}`, id: sel(`P${p.number}`), candidates: [], party });
        for (const c of p.candidates) {
          const key = `P${p.number}.C${c.number}`;
          candidates.push({ id: cand(key), name: c.name, party });
          selections.push({ key, id: sel(key), candidates: [cand(key)], party });
        }
      }
      return { selections, candidates, parties };
    }
  }
}

/** How far a unit's count is. */
function countStatus(u: CdfUnit): object[] {
  const progress =
    u.level === 'tps'
      ? u.counted
        ? 'completed'
        : u.tpsReported > 0
          ? 'in-process'
          : 'not-processed'
      : u.tpsTotal > 0 && u.tpsReported >= u.tpsTotal
        ? 'completed'
        : u.tpsReported > 0
          ? 'in-process'
          : 'not-processed';
  const out: object[] = [
    { '@type': 'ElectionResults.CountStatus', Status: progress, Type: 'total' },
  ];
  if (u.recap)
    out.push({
      '@type': 'ElectionResults.CountStatus',
      OtherType: `recap-${u.recap}`,
      Status:
        u.recap === 'certified'
          ? 'completed'
          : u.tpsReported > 0 || u.recap === 'correction'
            ? 'in-process'
            : 'not-processed',
      Type: 'other',
    });
  return out;
}

function reportingUnit(u: CdfUnit): object {
  return {
    '@id': gpUnitId(u.code),
    '@type': 'ElectionResults.ReportingUnit',
    ...(u.children.length > 0 ? { ComposingGpUnitIds: u.children.map(gpUnitId) } : {}),
    CountStatus: countStatus(u),
    ExternalIdentifier: [
      { '@type': 'ElectionResults.ExternalIdentifier', Type: 'national-level', Value: u.code },
    ],
    Name: text(u.name),
    ...(u.level === 'tps' ? {} : { SubUnitsReported: u.tpsReported, TotalSubUnits: u.tpsTotal }),
    ...UNIT_TYPE[u.level],
    ...(u.votersParticipated != null ? { VotersParticipated: u.votersParticipated } : {}),
    ...(u.votersRegistered != null ? { VotersRegistered: u.votersRegistered } : {}),
  };
}

/** Writes `items` of every page as the elements of a JSON array (comma-separated, no brackets). */
async function* elements(
  pages: AsyncIterable<readonly CdfUnit[]>,
  item: (u: CdfUnit) => object | undefined,
): AsyncGenerator<string> {
  let first = true;
  for await (const page of pages) {
    const parts: string[] = [];
    for (const u of page) {
      const value = item(u);
      if (value !== undefined) parts.push(JSON.stringify(value));
    }
    if (parts.length === 0) continue;
    yield (first ? '' : ',') + parts.join(',');
    first = false;
  }
}

/** Opens an object and writes these members, then opens `key` as an array: `{...,"key":[`. */
const open = (members: object, key: string) => {
  const json = JSON.stringify(members);
  return `${json.length > 2 ? `${json.slice(0, -1)},` : '{'}${JSON.stringify(key)}:[`;
};

/** Units of the report's format: `summary-contest` stops above the TPS. */
const inFormat = (format: CdfFormat, units: CdfUnits): CdfUnits =>
  format === 'precinct-level'
    ? units
    : async function* () {
        for await (const page of units()) {
          const regions = page
            .filter((u) => u.level !== 'tps')
            .map((u) => (u.level === 'desa' ? { ...u, children: [] } : u));
          if (regions.length > 0) yield regions;
        }
      };

/**
 * The report as JSON text in pieces; their concatenation is one JSON document. Each selection,
 * the ballot counts and the unit list read the units once each, a page at a time.
 */
export async function* cdfReport(info: CdfReportInfo, allUnits: CdfUnits): AsyncGenerator<string> {
  const { contest } = info;
  const units = inFormat(info.format, allUnits);
  const { selections, candidates, parties } = choices(contest);
  const scope = gpUnitId('id');
  yield open(
    {
      '@type': 'ElectionResults.ElectionReport',
      Format: info.format,
      GeneratedDate: info.generatedDate,
      IsTest: info.demo,
      Issuer: 'Rekap',
      IssuerAbbreviation: 'Rekap',
      ...(parties.length > 0
        ? {
            Party: parties.map((p) => ({
              '@id': p.id,
              '@type': 'ElectionResults.Party',
              Name: text(p.name),
            })),
          }
        : {}),
      SequenceEnd: info.sequence,
      SequenceStart: info.sequence,
      Status: info.status,
      VendorApplicationId: info.vendorApplicationId,
    },
    'Election',
  );
  yield open(
    {
      '@type': 'ElectionResults.Election',
      Candidate: candidates.map((c) => ({
        '@id': c.id,
        '@type': 'ElectionResults.Candidate',
        BallotName: text(c.name),
        ...(c.party ? { PartyId: c.party } : {}),
      })),
      ElectionScopeId: scope,
      EndDate: info.date,
      Name: text(info.electionName),
      StartDate: info.date,
      Type: 'general',
    },
    'BallotCounts',
  );
  yield* elements(units(), (u) =>
    u.counted
      ? {
          '@type': 'ElectionResults.BallotCounts',
          BallotsCast: u.total,
          BallotsRejected: u.invalid,
          GpUnitId: gpUnitId(u.code),
          Type: 'total',
        }
      : undefined,
  );
  yield '],"Contest":[';
  yield open(
    {
      '@id': `contest-${contest.ballot}`,
      '@type': 'ElectionResults.CandidateContest',
      ElectionDistrictId: gpUnitId(contest.scope),
      Name: contest.ballot,
      VotesAllowed: 1,
    },
    'ContestSelection',
  );
  for (const [i, s] of selections.entries()) {
    yield (
      (i > 0 ? ',' : '') +
      open(
        {
          '@id': s.id,
          '@type': 'ElectionResults.CandidateSelection',
          ...(s.candidates.length > 0 ? { CandidateIds: s.candidates } : {}),
          ...(s.party ? { EndorsementPartyIds: [s.party] } : {}),
          SequenceOrder: i + 1,
        },
        'VoteCounts',
      )
    );
    yield* elements(units(), (u) =>
      u.counted
        ? {
            '@type': 'ElectionResults.VoteCounts',
            Count: u.votes[s.key] ?? 0,
            GpUnitId: gpUnitId(u.code),
            Type: 'total',
          }
        : undefined,
    );
    yield ']}';
  }
  // The contest, the election.
  yield ']}]}],"GpUnit":[';
  yield* elements(units(), reportingUnit);
  yield ']}';
}

/** The report's status from the nation's: nothing reported, partial, complete, or signed off. */
export function reportStatus(nation: {
  tpsReported: number;
  tpsTotal: number;
  recap: RecapState;
}): CdfStatus {
  if (nation.recap === 'certified' || nation.recap === 'correction') return nation.recap;
  if (nation.tpsReported === 0) return 'pre-election';
  return nation.tpsReported >= nation.tpsTotal ? 'unofficial-complete' : 'unofficial-partial';
}
