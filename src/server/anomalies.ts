// GET /api/v1/anomalies/{code}?ballot=ppwp: the anomaly engine over Rekap's own current results
// below a region: per TPS its flags, each with its reason (rule breaches, impossible values,
// likely misreads with a proposal, outliers against its desa and kecamatan, duplicates). Ready to
// feed the operators' review; nothing here changes a number.
import type { FastifyInstance } from 'fastify';
import type { Ballot } from '../core/ballots.ts';
import { parseRegionCode, type TpsCode } from '../core/codes.ts';
import {
  auditRecord,
  FINDING_KINDS,
  fromCHasil,
  readingOfReread,
  SetAudit,
  type AuditRecord,
  type Finding,
  type FindingKind,
} from '../core/anomaly/index.ts';
import type { RegionAnomalies } from '../contract/results.ts';
import type { TpsResult } from '../store/recap.ts';
import type { Store } from '../store/store.ts';
import { ballotOf } from './ballot.ts';
import { apiError, sendError } from './errors.ts';

/** The most TPS one answer audits (a kabupaten is about 2,000; ask per kabupaten or below). */
export const ANOMALY_REGION_LIMIT = 5000;

export function registerAnomalies(app: FastifyInstance, deps: { store: Store }): void {
  const { store } = deps;
  const cache = new Map<string, { mark: string; body: RegionAnomalies }>();
  app.get<{ Params: { code: string }; Querystring: { ballot?: string } }>(
    '/api/v1/anomalies/:code',
    async (req, reply) => {
      const ballot = ballotOf(req.query);
      if (!ballot.ok) return sendError(reply, ballot.error);
      const region = parseRegionCode(req.params.code);
      if (!region)
        return sendError(reply, apiError('bad_code', `not a region code: ${req.params.code}`));
      const key = `${region}/${ballot.value}`;
      const mark = await store.changeMark();
      const hit = cache.get(key);
      if (hit?.mark === mark) return hit.body;
      const codes = await store.tpsBelow(region);
      if (codes.length === 0)
        return sendError(reply, apiError('unknown_region', `no TPS below ${region}`));
      if (codes.length > ANOMALY_REGION_LIMIT)
        return sendError(
          reply,
          apiError(
            'region_too_large',
            `${codes.length} TPS below ${region}; ask for a region of at most ${ANOMALY_REGION_LIMIT}`,
          ),
        );
      const body = await regionAnomalies(store, region, ballot.value, codes);
      cache.set(key, { mark, body });
      if (cache.size > 200) cache.delete(cache.keys().next().value!);
      return body;
    },
  );
}

/**
 * The per-record checks over a TPS's current version (the one that counts, else the newest), or
 * undefined when it has no result yet.
 */
export function auditCurrent(
  t: TpsResult,
): { record: AuditRecord; version: number; own: ReturnType<typeof auditRecord> } | undefined {
  const current = t.versions.find((v) => v.counted) ?? t.versions[0];
  if (!current) return undefined;
  const record = fromCHasil(
    t.code,
    t.ballot,
    current.result,
    current.photos.map((p) => p.sha256),
    // What the server's re-read found: a slip the photo plainly shows is a breach on paper.
    readingOfReread(current.result, current.reread),
  );
  return { record, version: current.version, own: auditRecord(record) };
}

async function regionAnomalies(
  store: Store,
  region: string,
  ballot: Ballot,
  codes: TpsCode[],
): Promise<RegionAnomalies> {
  const records: { record: AuditRecord; version: number; clean: boolean; own: Finding[] }[] = [];
  for (const code of codes) {
    const t = await store.tpsResult(code, ballot);
    const audited = t && auditCurrent(t);
    if (!audited) continue;
    const { record, version, own } = audited;
    records.push({ record, version, clean: own.clean, own: own.findings });
  }
  const set = new SetAudit();
  for (const r of records) set.add(r.record, r.clean);
  const summary = Object.fromEntries(FINDING_KINDS.map((k) => [k, 0])) as Record<
    FindingKind,
    number
  >;
  const tps: RegionAnomalies['tps'] = [];
  for (const r of records) {
    const findings = [...r.own, ...set.findings(r.record, r.clean)];
    if (findings.length === 0) continue;
    for (const k of new Set(findings.map((f) => f.kind))) summary[k]++;
    tps.push({ tps: r.record.tps, version: r.version, findings });
  }
  return { region, ballot, tpsAudited: records.length, summary, tps };
}
