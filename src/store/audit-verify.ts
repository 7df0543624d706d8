// `rekap audit verify`: recompute everything the record says and compare it with what is stored,
// naming the first thing that does not match. Read-only, in pages: the event chain and each
// event's details; every version row (its content hash, its chain hash, its place in the TPS's
// chain, its one event); every photo's bytes; tps_status and the totals against a recount from
// the versions and events (the review rule); each sign-off row against its event.
import type { Kysely } from 'kysely';
import type { RegionCode, TpsCode } from '../core/codes.ts';
import { ancestorsOfTps, regionContains } from '../core/codes.ts';
import { canonicalJson } from '../core/canonical.ts';
import { verifyDHasil } from '../core/dhasil.ts';
import { EVENT_TYPES, type EventType } from '../contract/events.ts';
import { BlobCorruptError, sha256Hex, type BlobStore } from './blobs.ts';
import { verifyEventChain, type StoredEvent } from './events.ts';
import { recountFromRecord, statusRowOf } from './rebuild.ts';
import { jsonColumn, StoredPhotosSchema, StoredResultSchema, StoredRowError } from './rows.ts';
import type { Database } from './schema.ts';
import { chainHash, contentHash } from './submissions.ts';

/** The first thing that does not hold: where (table, key, column), what was expected, what is. */
export type AuditMismatch = {
  table: string;
  key: string;
  column: string;
  expected: string;
  found: string;
};

export type AuditCounts = {
  events: number;
  submissions: number;
  photos: number;
  tpsStatus: number;
  totals: number;
  votes: number;
  signoffs: number;
};

export type AuditReport =
  { ok: true; counts: AuditCounts } | { ok: false; mismatch: AuditMismatch; counts: AuditCounts };

export type AuditProgress = (stage: keyof AuditCounts, n: number) => void;

const PAGE = 2_000;

/** An event that records a version, as the version's row must match it. */
type VersionEventFacts = {
  seq: number;
  type: 'submission_received' | 'result_corrected';
  tps: string | null;
  ballot: string;
  version: number;
  contentHash: string;
  chainHash: string;
  corrects: number | null;
};
type SignoffEventFacts = {
  seq: number;
  type: 'recap_closed' | 'recap_reopened';
  region: string;
  ballot: string;
  at: string;
  actor: string;
  dhasil: string | null;
};

/** What the first stages gather from the events for the later ones. */
type Gathered = {
  versions: Map<string, VersionEventFacts>;
  signoffs: Map<number, SignoffEventFacts>;
};

type Found = AuditMismatch | undefined;

const miss = (
  table: string,
  key: string,
  column: string,
  expected: unknown,
  found: unknown,
): AuditMismatch => ({
  table,
  key,
  column,
  expected: typeof expected === 'string' ? expected : JSON.stringify(expected),
  found: typeof found === 'string' ? found : JSON.stringify(found),
});

/** Every check in order; stops at the first mismatch. */
export type AuditOptions = {
  onProgress?: AuditProgress;
  /**
   * The server's Ed25519 public key (base64url): each closed recap's D.Hasil must verify with it
   * (signature and totals). Without it only the D.Hasil's sha256 is checked against its event.
   */
  publicKey?: string;
};

export async function auditVerify(
  db: Kysely<Database>,
  blobs: BlobStore,
  opts: AuditOptions = {},
): Promise<AuditReport> {
  const onProgress = opts.onProgress ?? (() => {});
  const counts: AuditCounts = {
    events: 0,
    submissions: 0,
    photos: 0,
    tpsStatus: 0,
    totals: 0,
    votes: 0,
    signoffs: 0,
  };
  const gathered: Gathered = { versions: new Map(), signoffs: new Map() };
  const stages: (() => Promise<Found>)[] = [
    () => checkEvents(db, gathered, counts, onProgress),
    () => checkSubmissions(db, gathered, counts, onProgress),
    () => checkPhotos(db, blobs, counts, onProgress),
    () => checkAggregatesExactly(db, counts, onProgress),
    () => checkSignoffs(db, gathered, counts, opts.publicKey),
  ];
  for (const stage of stages) {
    let found: Found;
    try {
      found = await stage();
    } catch (e) {
      // A stored column that is not what its schema says is a mismatch too, named where it is.
      if (!(e instanceof StoredRowError)) throw e;
      found = miss(e.table, String(e.id), e.column, 'a value that fits its schema', e.message);
    }
    if (found) return { ok: false, mismatch: found, counts };
  }
  return { ok: true, counts };
}

async function checkEvents(
  db: Kysely<Database>,
  g: Gathered,
  counts: AuditCounts,
  onProgress: AuditProgress,
): Promise<Found> {
  let prev: { seq: number; hash: string } | null = null;
  for (;;) {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .where('seq', '>', prev?.seq ?? 0)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) return undefined;
    const events: StoredEvent[] = [];
    for (const r of rows) {
      const seq = Number(r.seq);
      const key = `seq ${seq}`;
      let details: unknown;
      try {
        details = JSON.parse(r.details);
      } catch {
        return miss('events', key, 'details', 'JSON', r.details.slice(0, 80));
      }
      if (!Object.hasOwn(EVENT_TYPES, r.type))
        return miss('events', key, 'type', 'a type of the catalogue', r.type);
      const type = r.type as EventType;
      const parsed = EVENT_TYPES[type].details.safeParse(details);
      if (!parsed.success)
        return miss(
          'events',
          key,
          'details',
          `details of ${type} (src/contract/events.ts)`,
          parsed.error.issues[0]?.message ?? 'invalid',
        );
      events.push({
        seq,
        at: r.at,
        type,
        tps: r.tps_code as TpsCode | null,
        actor: r.actor,
        details: details as Record<string, unknown>,
        prevHash: r.prev_hash,
        hash: r.hash,
      });
      const d = parsed.data as Record<string, unknown>;
      if (type === 'submission_received' || type === 'result_corrected') {
        const id = d.id as string;
        const other = g.versions.get(id);
        if (other)
          return miss(
            'events',
            key,
            'details.id',
            `one event for version ${id}`,
            `also seq ${other.seq}`,
          );
        g.versions.set(id, {
          seq,
          type,
          tps: r.tps_code,
          ballot: d.ballot as string,
          version: d.version as number,
          contentHash: d.contentHash as string,
          chainHash: d.chainHash as string,
          corrects: type === 'result_corrected' ? (d.corrects as number) : null,
        });
      } else if (type === 'recap_closed' || type === 'recap_reopened')
        g.signoffs.set(seq, {
          seq,
          type,
          region: d.region as string,
          ballot: d.ballot as string,
          at: r.at,
          actor: r.actor,
          dhasil: type === 'recap_closed' ? (d.dhasil as string) : null,
        });
    }
    const chain = verifyEventChain(events, prev);
    if (!chain.ok) {
      const e = events.find((x) => x.seq === chain.error.seq);
      const column = /hash does not match/.test(chain.error.reason)
        ? 'hash'
        : /linked/.test(chain.error.reason)
          ? 'prev_hash'
          : 'seq';
      return miss(
        'events',
        `seq ${chain.error.seq}`,
        column,
        chain.error.reason,
        e?.[column === 'prev_hash' ? 'prevHash' : column] ?? null,
      );
    }
    const last = events.at(-1)!;
    prev = { seq: last.seq, hash: last.hash };
    counts.events += events.length;
    onProgress('events', counts.events);
  }
}

async function checkSubmissions(
  db: Kysely<Database>,
  g: Gathered,
  counts: AuditCounts,
  onProgress: AuditProgress,
): Promise<Found> {
  let after: { tps: string; ballot: string; version: number } | null = null;
  type Prev = { tps: string; ballot: string; version: number; chain: string };
  let prev: Prev | null = null;
  for (;;) {
    let query = db.selectFrom('submissions').selectAll();
    if (after) {
      const a = after;
      query = query.where((eb) =>
        eb(eb.refTuple('tps_code', 'ballot', 'version'), '>', eb.tuple(a.tps, a.ballot, a.version)),
      );
    }
    const rows = await query
      .orderBy('tps_code')
      .orderBy('ballot')
      .orderBy('version')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    const named = new Map<string, string>();
    for (const r of rows) {
      const key = `${r.id} (${r.tps_code} ${r.ballot} v${r.version})`;
      const place = (column: string) => ({ table: 'submissions' as const, id: r.id, column });
      const result = jsonColumn(StoredResultSchema, r.result, place('result'));
      const photos = jsonColumn(StoredPhotosSchema, r.photos, place('photos'));
      if (r.kind !== 'submission' && r.kind !== 'correction')
        return miss('submissions', key, 'kind', 'submission or correction', r.kind);
      const same: Prev | null =
        prev && prev.tps === r.tps_code && prev.ballot === r.ballot ? prev : null;
      const version: number = same ? same.version + 1 : 1;
      if (r.version !== version) return miss('submissions', key, 'version', version, r.version);
      if ((r.kind === 'correction') !== (r.corrects !== null))
        return miss(
          'submissions',
          key,
          'corrects',
          r.kind === 'correction' ? 'a version' : null,
          r.corrects,
        );
      const hash = contentHash({
        tps: r.tps_code,
        ballot: r.ballot,
        result,
        photos,
        kind: r.kind,
        corrects: r.corrects,
      });
      if (r.content_hash !== hash)
        return miss('submissions', key, 'content_hash', hash, r.content_hash);
      const prevChain = same?.chain ?? null;
      if (r.prev_chain_hash !== prevChain)
        return miss('submissions', key, 'prev_chain_hash', prevChain, r.prev_chain_hash);
      const signature =
        r.device_id && r.signed_at && r.signature
          ? { deviceId: r.device_id, signedAt: r.signed_at, signature: r.signature }
          : null;
      const chain = chainHash(prevChain, hash, r.uploader, r.received_at, r.status, signature);
      if (r.chain_hash !== chain)
        return miss('submissions', key, 'chain_hash', chain, r.chain_hash);
      const e = g.versions.get(r.id);
      const wantType = r.kind === 'correction' ? 'result_corrected' : 'submission_received';
      if (!e)
        return miss('submissions', key, '(event)', `one ${wantType} event with id ${r.id}`, 'none');
      g.versions.delete(r.id);
      const facts: [string, unknown, unknown][] = [
        ['type', wantType, e.type],
        ['tps_code', r.tps_code, e.tps],
        ['ballot', r.ballot, e.ballot],
        ['version', r.version, e.version],
        ['content_hash', r.content_hash, e.contentHash],
        ['chain_hash', r.chain_hash, e.chainHash],
        ['corrects', r.corrects, e.corrects],
      ];
      for (const [column, row, event] of facts)
        if (row !== event)
          return miss(
            'submissions',
            key,
            column,
            `${String(event)} (its event, seq ${e.seq})`,
            row,
          );
      for (const p of photos) named.set(p, key);
      prev = { tps: r.tps_code, ballot: r.ballot, version: r.version, chain: r.chain_hash };
    }
    const hashes = [...named.keys()];
    const stored = new Set<string>();
    for (let i = 0; i < hashes.length; i += 500) {
      const found = await db
        .selectFrom('photos')
        .select('sha256')
        .where('sha256', 'in', hashes.slice(i, i + 500))
        .execute();
      for (const f of found) stored.add(f.sha256);
    }
    for (const [h, key] of named)
      if (!stored.has(h))
        return miss('submissions', key, 'photos', `photo ${h} stored`, 'no such photo row');
    const last = rows.at(-1)!;
    after = { tps: last.tps_code, ballot: last.ballot, version: last.version };
    counts.submissions += rows.length;
    onProgress('submissions', counts.submissions);
  }
  const left = [...g.versions.entries()][0];
  if (left)
    return miss(
      'events',
      `seq ${left[1].seq}`,
      'details.id',
      `a submissions row with id ${left[0]}`,
      'none',
    );
  return undefined;
}

async function checkPhotos(
  db: Kysely<Database>,
  blobs: BlobStore,
  counts: AuditCounts,
  onProgress: AuditProgress,
): Promise<Found> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('photos')
      .select(['sha256', 'location'])
      .where('sha256', '>', after)
      .orderBy('sha256')
      .limit(500)
      .execute();
    for (const p of rows) {
      try {
        await blobs.get(p.location, p.sha256);
      } catch (e) {
        if (!(e instanceof BlobCorruptError)) throw e;
        return miss(
          'photos',
          p.sha256,
          `bytes at ${p.location}`,
          'bytes that hash to the sha256',
          `${e.problem}: ${e.detail}`,
        );
      }
    }
    counts.photos += rows.length;
    onProgress('photos', counts.photos);
    if (rows.length < 500) return undefined;
    after = rows.at(-1)!.sha256;
  }
}

/** tps_status, recap_totals and recap_votes, row by row and column by column, against a recount. */
async function checkAggregatesExactly(
  db: Kysely<Database>,
  counts: AuditCounts,
  onProgress: AuditProgress,
): Promise<Found> {
  const recount = await recountFromRecord(db);
  const expected = new Map([...recount.status].map(([k, s]) => [k, statusRowOf(s)]));
  const live = await db
    .selectFrom('tps_status')
    .selectAll()
    .orderBy('tps_code')
    .orderBy('ballot')
    .execute();
  for (const row of live) {
    const key = `${row.tps_code}/${row.ballot}`;
    const want = expected.get(key);
    if (!want) return miss('tps_status', key, '(row)', 'no row (the TPS has no version)', 'a row');
    expected.delete(key);
    for (const column of [
      'latest_version',
      'latest_status',
      'latest_chain_hash',
      'counted_id',
      'counted_version',
      'review_state',
    ] as const)
      if (row[column] !== want[column])
        return miss('tps_status', key, column, want[column], row[column]);
    let reasons: unknown;
    try {
      reasons = JSON.parse(row.review_reasons);
    } catch {
      reasons = row.review_reasons;
    }
    if (canonicalJson(reasons) !== canonicalJson(JSON.parse(want.review_reasons)))
      return miss('tps_status', key, 'review_reasons', want.review_reasons, row.review_reasons);
    counts.tpsStatus++;
  }
  const missing = [...expected.keys()][0];
  if (missing) return miss('tps_status', missing, '(row)', 'a row for the TPS and ballot', 'none');
  onProgress('tpsStatus', counts.tpsStatus);

  // The totals rows an election has: each contest's regions above and below its scope, each
  // counting the TPS inside the scope (as loadElection writes them).
  const contests = await db.selectFrom('contests').select(['ballot', 'scope']).execute();
  const regions = await db.selectFrom('regions').select('code').execute();
  const tpsCount = new Map<string, number>();
  let afterTps = '';
  for (;;) {
    const rows = await db
      .selectFrom('tps')
      .select('code')
      .where('code', '>', afterTps)
      .orderBy('code')
      .limit(10_000)
      .execute();
    for (const t of rows)
      for (const c of contests)
        if (regionContains(c.scope as RegionCode, t.code as TpsCode))
          for (const region of ancestorsOfTps(t.code as TpsCode)) {
            const key = `${region}/${c.ballot}`;
            tpsCount.set(key, (tpsCount.get(key) ?? 0) + 1);
          }
    if (rows.length < 10_000) break;
    afterTps = rows.at(-1)!.code;
  }
  const wanted = new Set<string>();
  for (const c of contests)
    for (const r of regions)
      if (
        regionContains(c.scope as RegionCode, r.code as RegionCode) ||
        regionContains(r.code as RegionCode, c.scope as RegionCode)
      )
        wanted.add(`${r.code}/${c.ballot}`);
  const totals = await db
    .selectFrom('recap_totals')
    .selectAll()
    .orderBy('region_code')
    .orderBy('ballot')
    .execute();
  for (const row of totals) {
    const key = `${row.region_code}/${row.ballot}`;
    if (!wanted.delete(key))
      return miss('recap_totals', key, '(row)', 'no row (outside every contest)', 'a row');
    const t = recount.totals.get(key);
    const want = {
      tps_total: tpsCount.get(key) ?? 0,
      tps_reported: t?.tpsReported ?? 0,
      valid: t?.valid ?? 0,
      invalid: t?.invalid ?? 0,
      total: t?.total ?? 0,
    };
    for (const column of Object.keys(want) as (keyof typeof want)[])
      if (row[column] !== want[column])
        return miss('recap_totals', key, column, want[column], row[column]);
    counts.totals++;
  }
  const absent = [...wanted][0];
  if (absent)
    return miss('recap_totals', absent, '(row)', 'a row for the region and ballot', 'none');
  onProgress('totals', counts.totals);

  // Votes: a choice without a row is a zero (a row stays at zero when a result stops counting).
  const votes = await db
    .selectFrom('recap_votes')
    .selectAll()
    .orderBy('region_code')
    .orderBy('ballot')
    .orderBy('choice')
    .execute();
  const seen = new Set<string>();
  for (const v of votes) {
    const key = `${v.region_code}/${v.ballot}`;
    seen.add(`${key}/${v.choice}`);
    const want = recount.totals.get(key)?.votes[v.choice] ?? 0;
    if (v.votes !== want) return miss('recap_votes', `${key}/${v.choice}`, 'votes', want, v.votes);
    counts.votes++;
  }
  for (const [key, t] of recount.totals)
    for (const [choice, n] of Object.entries(t.votes))
      if (n !== 0 && !seen.has(`${key}/${choice}`))
        return miss('recap_votes', `${key}/${choice}`, '(row)', `a row of ${n} votes`, 'none');
  onProgress('votes', counts.votes);
  return undefined;
}

async function checkSignoffs(
  db: Kysely<Database>,
  g: Gathered,
  counts: AuditCounts,
  publicKey: string | undefined,
): Promise<Found> {
  const rows = await db.selectFrom('recap_signoffs').selectAll().orderBy('seq').execute();
  for (const r of rows) {
    const key = `seq ${r.seq}`;
    const e = g.signoffs.get(Number(r.seq));
    const wantType =
      r.action === 'closed'
        ? 'recap_closed'
        : r.action === 'reopened'
          ? 'recap_reopened'
          : undefined;
    if (!wantType) return miss('recap_signoffs', key, 'action', 'closed or reopened', r.action);
    if (!e)
      return miss('recap_signoffs', key, '(event)', `a ${wantType} event at seq ${r.seq}`, 'none');
    g.signoffs.delete(Number(r.seq));
    const facts: [string, unknown, unknown][] = [
      ['action', wantType, e.type],
      ['region_code', e.region, r.region_code],
      ['ballot', e.ballot, r.ballot],
      ['at', e.at, r.at],
      ['actor', e.actor, r.actor],
      ['dhasil', e.dhasil, r.dhasil === null ? null : sha256Hex(r.dhasil)],
    ];
    for (const [column, event, row] of facts)
      if (event !== row)
        return miss('recap_signoffs', key, column, `${String(event)} (its event)`, row);
    if (publicKey && r.action === 'closed') {
      // The hash matched its event; the document must also be what this server signed, and
      // add up from its children.
      let document: unknown;
      try {
        document = { dhasil: JSON.parse(r.dhasil ?? 'null') as unknown, signature: r.signature };
      } catch {
        return miss('recap_signoffs', key, 'dhasil', 'the signed D.Hasil (JSON)', 'not JSON');
      }
      const verified = await verifyDHasil(document, publicKey);
      if (!verified.ok)
        return miss(
          'recap_signoffs',
          key,
          'signature',
          "a D.Hasil that verifies with the server's key",
          verified.error.join('; '),
        );
    }
    counts.signoffs++;
  }
  const left = [...g.signoffs.values()][0];
  if (left)
    return miss(
      'events',
      `seq ${left.seq}`,
      '(row)',
      `a recap_signoffs row at seq ${left.seq}`,
      'none',
    );
  return undefined;
}
