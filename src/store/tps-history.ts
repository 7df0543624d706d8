// The public history of one TPS result (the TPS page's timeline): every event of the audit chain
// about its versions, oldest first, with who acted and why, each version's newest re-read, and
// each signing device's public facts (label, enrolment, the key's fingerprint). Read in the
// caller's snapshot (recap.ts tpsResult).
import type { Kysely } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import type { TpsCode } from '../core/codes.ts';
import type { ReviewActor, RereadSummary, TimelineEvent } from '../contract/results.ts';
import { sha256Hex } from './blobs.ts';
import type { Database } from './schema.ts';
import { VERSION_EVENT_TYPES, versionEventOf, type SubmissionRecord } from './submissions.ts';

export type TpsHistory = {
  timeline: TimelineEvent[];
  /** Each version's newest re-read, by version number. */
  rereads: Map<number, RereadSummary>;
};

type Change = { field: string; from: number | null; to: number | null };

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const changes = (v: unknown): Change[] => (Array.isArray(v) ? (v as Change[]) : []);

/**
 * The events of one TPS's ballot of the given types, oldest first, and who each actor is (an
 * operator account's name, role and region; null for `cli`, a KPPS token and the like).
 */
export async function tpsEventsWithActors(
  db: Kysely<Database>,
  code: TpsCode,
  ballot: Ballot,
  types: readonly string[],
) {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('tps_code', '=', code)
    .where('type', 'in', [...types])
    .orderBy('seq')
    .execute();
  const events = rows.flatMap((r) => {
    const e = versionEventOf(r);
    return e && e.details.ballot === ballot ? [e] : [];
  });
  const accountIds = [
    ...new Set(events.flatMap((e) => (e.actor.startsWith('account:') ? [e.actor.slice(8)] : []))),
  ];
  const accounts =
    accountIds.length === 0
      ? []
      : await db
          .selectFrom('accounts')
          .select(['id', 'name', 'role', 'region_code'])
          .where('id', 'in', accountIds)
          .execute();
  const accountBy = new Map(accounts.map((a) => [a.id, a]));
  const actorOf = (actor: string): ReviewActor => {
    const a = actor.startsWith('account:') ? accountBy.get(actor.slice(8)) : undefined;
    return { actor, name: a?.name ?? null, role: a?.role ?? null, region: a?.region_code ?? null };
  };
  return { events, actorOf };
}

export async function tpsHistory(
  db: Kysely<Database>,
  code: TpsCode,
  ballot: Ballot,
  records: readonly SubmissionRecord[],
): Promise<TpsHistory> {
  const { events, actorOf } = await tpsEventsWithActors(db, code, ballot, VERSION_EVENT_TYPES);
  const timeline: TimelineEvent[] = [];
  const rereads = new Map<number, RereadSummary>();
  const seen = new Set<number>();
  for (const e of events) {
    const d = e.details;
    if (e.type === 'submission_received' || e.type === 'result_corrected') seen.add(d.version);
    if (e.type === 'reread_agrees' || e.type === 'reread_disagrees' || e.type === 'reread_failed')
      rereads.set(d.version, {
        outcome:
          e.type === 'reread_agrees'
            ? 'agrees'
            : e.type === 'reread_disagrees'
              ? 'disagrees'
              : 'failed',
        at: e.at,
        fields: changes(d.fields),
        reason: e.type === 'reread_failed' ? str(d.reason) : null,
      });
    timeline.push({
      seq: e.seq,
      at: e.at,
      type: e.type,
      version: d.version,
      by: actorOf(e.actor),
      // An objection's text is for the reviewers (decision 7): the public sees that one was made.
      reason: e.type === 'objection_filed' ? null : str(d.reason),
      reference: str(d.reference),
      corrects: num(d.corrects),
      fields: e.type === 'result_corrected' ? changes(d.changes) : changes(d.fields),
    });
  }
  // A version stored before versions had events (seq 0) is still on the timeline, from its row.
  for (const r of records)
    if (!seen.has(r.version))
      timeline.push({
        seq: 0,
        at: r.receivedAt,
        type: 'submission_received',
        version: r.version,
        by: actorOf(r.uploader),
        reason: null,
        reference: null,
        corrects: null,
        fields: [],
      });
  timeline.sort((a, b) => a.at.localeCompare(b.at) || a.seq - b.seq || a.version - b.version);
  return { timeline, rereads };
}

/** A device's public facts for its signatures: label, enrolment, the key's fingerprint. */
export type DeviceFacts = { label: string | null; enrolledAt: string; fingerprint: string };

export function deviceFacts(d: {
  public_key: string;
  label: string | null;
  enrolled_at: string;
}): DeviceFacts {
  const raw = Buffer.from(d.public_key, 'base64url');
  return { label: d.label, enrolledAt: d.enrolled_at, fingerprint: sha256Hex(raw) };
}
