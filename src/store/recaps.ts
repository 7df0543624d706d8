// Sign-off of a level's recap (issue 12, decision 3): closing a kecamatan, kabupaten, provinsi or
// the nation writes its D.Hasil (src/core/dhasil.ts), signed with the server's key, as a
// `recap_closed` event and a `recap_signoffs` row in one transaction; reopening, with a reason, is
// a `recap_reopened` event and row. Nothing is updated in place: a level's state is its latest
// sign-off row.
//
// The ladder starts at the kecamatan: the PPS (desa) runs no recap in 2024, the PPK recapitulates
// the C.Hasil of its TPS directly. A kecamatan closes when every TPS below it is counted or
// corrected; a level above closes when every child region that holds a TPS is closed, and its
// D.Hasil is built from the children's signed D.Hasil (the level above builds on closed recaps
// only). A level is reopened from the top down: a kecamatan cannot be reopened while its kabupaten
// is closed, so that no closed level ever rests on an open one.
import type { Kysely } from 'kysely';
import type { Ballot } from '../core/ballots.ts';
import { canonicalJson } from '../core/canonical.ts';
import {
  ancestorsOfTps,
  parentRegion,
  regionLevel,
  type RegionCode,
  type TpsCode,
} from '../core/codes.ts';
import {
  DHASIL_FORMAT,
  DHasilSchema,
  RECAP_LEVELS,
  sumTotals,
  type DHasil,
  type DHasilChild,
  type DHasilCorrection,
  type DHasilTotals,
  type DHasilTps,
  type RecapLevel,
  type RecapState,
  type SignedDHasil,
} from '../core/dhasil.ts';
import { ContestSchema } from '../core/ballots.ts';
import { err, ok, type Result } from '../core/result.ts';
import { EVENT_TYPES } from '../contract/events.ts';
import { sha256Hex } from './blobs.ts';
import type { Db } from './db.ts';
import { withEvents, type Actor } from './events.ts';
import { jsonColumn, StoredResultSchema } from './rows.ts';
import { parentsOf } from './regions.ts';
import type { Database } from './schema.ts';

/** Signs the canonical bytes of a D.Hasil: the server's key (src/server/keys.ts). */
export type DHasilSigner = { keyId: string; sign(bytes: Uint8Array): Promise<string> | string };

/** How many unresolved TPS or open child regions a refusal names. */
const NAMED = 5;

export type RecapRefusal =
  | { code: 'unknown_region'; message: string }
  | { code: 'unknown_contest'; message: string }
  | { code: 'no_recap_level'; message: string }
  | {
      code: 'recap_not_ready';
      message: string;
      /** TPS below that are not counted or corrected (a kecamatan), and the first few. */
      unresolved: number;
      tps: { code: string; state: string }[];
      /** Child regions whose recap is not closed (above a kecamatan), and the first few. */
      open: number;
      regions: string[];
    }
  | { code: 'recap_already_closed'; message: string; seq: number }
  | { code: 'recap_not_closed'; message: string }
  | { code: 'parent_recap_closed'; message: string; parent: string }
  | { code: 'reason_required'; message: string };

export type ClosedRecap = { seq: number; sha256: string; document: SignedDHasil };

export type StoredDHasil = ClosedRecap & {
  at: string;
  actor: string;
  /** The level's state now: `correction` when it was reopened after this close. */
  state: RecapState;
};

type SignoffRow = Database['recap_signoffs'];

const isRecapLevel = (level: string): level is RecapLevel =>
  (RECAP_LEVELS as readonly string[]).includes(level);

async function latestSignoff(
  db: Kysely<Database>,
  region: string,
  ballot: Ballot,
  action?: 'closed',
): Promise<SignoffRow | undefined> {
  let q = db
    .selectFrom('recap_signoffs')
    .selectAll()
    .where('region_code', '=', region)
    .where('ballot', '=', ballot);
  if (action) q = q.where('action', '=', action);
  const row = await q.orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row && { ...row, seq: Number(row.seq) };
}

const stateOf = (row: SignoffRow | undefined): RecapState =>
  !row ? 'unofficial-partial' : row.action === 'closed' ? 'certified' : 'correction';

/**
 * What the published totals of a region say: `unofficial-partial` until its level is first
 * closed, `certified` while closed, `correction` once reopened until closed again. A desa follows
 * its kecamatan (it has no recap of its own).
 */
export async function recapState(
  db: Kysely<Database>,
  region: RegionCode,
  ballot: Ballot,
): Promise<RecapState> {
  const level = regionLevel(region);
  const own = level === 'desa' ? parentRegion(region)! : region;
  return stateOf(await latestSignoff(db, own, ballot));
}

/** The last event on the chain, or null before the first. */
export async function chainHead(
  db: Kysely<Database>,
): Promise<{ seq: number; hash: string; at: string } | null> {
  const row = await db
    .selectFrom('events')
    .select(['seq', 'hash', 'at'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash, at: row.at } : null;
}

type TpsRow = {
  code: string;
  name: string;
  desa_code: string;
  review_state: string | null;
  latest_status: string | null;
  counted_id: string | null;
  counted_version: number | null;
  result: string | null;
  content_hash: string | null;
  chain_hash: string | null;
  kind: string | null;
};

/** Every TPS below a kecamatan with its review state and counted version. */
async function tpsOf(db: Kysely<Database>, kecamatan: string, ballot: Ballot): Promise<TpsRow[]> {
  return db
    .selectFrom('tps')
    .leftJoin('tps_status', (j) =>
      j.onRef('tps_status.tps_code', '=', 'tps.code').on('tps_status.ballot', '=', ballot),
    )
    .leftJoin('submissions', 'submissions.id', 'tps_status.counted_id')
    .select([
      'tps.code',
      'tps.name',
      'tps.desa_code',
      'tps_status.review_state',
      'tps_status.latest_status',
      'tps_status.counted_id',
      'tps_status.counted_version',
      'submissions.result',
      'submissions.content_hash',
      'submissions.chain_hash',
      'submissions.kind',
    ])
    .where('tps.code', 'like', `${kecamatan}.%`)
    .orderBy('tps.code')
    .execute();
}

/**
 * The review state of a TPS (src/core/review.ts) as tps_status caches it. A row written before
 * the review cache existed has none: its latest status says it (clean counts, flagged waits).
 */
function reviewStateOf(t: TpsRow): string {
  if (t.latest_status === null) return 'none';
  if (t.review_state) return t.review_state;
  return t.latest_status === 'clean' ? 'counted' : 'flagged';
}

const RESOLVED = new Set(['counted', 'corrected']);

async function corrections(
  db: Kysely<Database>,
  region: string,
  ballot: Ballot,
): Promise<DHasilCorrection[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('type', '=', 'result_corrected')
    .where('tps_code', 'like', `${region}.%`)
    .orderBy('seq')
    .execute();
  return rows.flatMap((r) => {
    const d = jsonColumn(EVENT_TYPES.result_corrected.details, r.details, {
      table: 'events',
      id: Number(r.seq),
      column: 'details',
    });
    if (d.ballot !== ballot) return [];
    return [
      {
        tps: r.tps_code ?? '',
        version: d.version,
        corrects: d.corrects,
        changes: d.changes,
        reason: d.reason,
        reference: d.reference,
        by: r.actor,
        at: r.at,
        seq: Number(r.seq),
      },
    ];
  });
}

/** Parses a stored D.Hasil; a row that does not fit is a damaged row (StoredRowError). */
const storedDHasil = (row: SignoffRow): DHasil =>
  jsonColumn(DHasilSchema, row.dhasil ?? 'null', {
    table: 'recap_signoffs',
    id: row.seq,
    column: 'dhasil',
  });

type Built = { totals: DHasilTotals; children: DHasilChild[] };

async function kecamatanChildren(
  db: Kysely<Database>,
  region: string,
  ballot: Ballot,
): Promise<Result<Built, RecapRefusal>> {
  const tps = await tpsOf(db, region, ballot);
  if (tps.length === 0)
    return err({
      code: 'recap_not_ready',
      message: `no TPS below ${region}: nothing to close`,
      unresolved: 0,
      tps: [],
      open: 0,
      regions: [],
    });
  const unresolved = tps
    .map((t) => ({ code: t.code, state: reviewStateOf(t) }))
    .filter((t) => !RESOLVED.has(t.state));
  if (unresolved.length > 0)
    return err({
      code: 'recap_not_ready',
      message: `${unresolved.length} of ${tps.length} TPS below ${region} are not counted or corrected: ${unresolved
        .slice(0, NAMED)
        .map((t) => `${t.code} (${t.state})`)
        .join(', ')}${unresolved.length > NAMED ? ', ...' : ''}`,
      unresolved: unresolved.length,
      tps: unresolved.slice(0, NAMED),
      open: 0,
      regions: [],
    });
  const desas = await db
    .selectFrom('regions')
    .select(['code', 'name', 'level'])
    .where('parent_code', '=', region)
    .orderBy('code')
    .execute();
  const byDesa = new Map<string, DHasilTps[]>();
  for (const t of tps) {
    if (!t.counted_id || t.counted_version === null || !t.result || !t.content_hash)
      throw new Error(`TPS ${t.code} is ${reviewStateOf(t)} but has no counted version`);
    const r = jsonColumn(StoredResultSchema, t.result, {
      table: 'submissions',
      id: t.counted_id,
      column: 'result',
    });
    const list = byDesa.get(t.desa_code) ?? [];
    list.push({
      code: t.code,
      name: t.name,
      version: t.counted_version,
      kind: t.kind === 'correction' ? 'correction' : 'submission',
      contentHash: t.content_hash,
      chainHash: t.chain_hash!,
      totals: { votes: r.votes, valid: r.valid, invalid: r.invalid, total: r.total },
    });
    byDesa.set(t.desa_code, list);
  }
  const children: DHasilChild[] = desas.flatMap((d) => {
    const list = byDesa.get(d.code);
    if (!list) return [];
    return [
      {
        code: d.code,
        name: d.name,
        level: d.level,
        totals: {
          ...sumTotals(list.map((t) => t.totals)),
          tpsReported: list.length,
          tpsTotal: list.length,
        },
        tps: list,
      },
    ];
  });
  return ok({ totals: addUp(children), children });
}

function addUp(children: readonly DHasilChild[]): DHasilTotals {
  return {
    ...sumTotals(children.map((c) => c.totals)),
    tpsReported: children.reduce((n, c) => n + c.totals.tpsReported, 0),
    tpsTotal: children.reduce((n, c) => n + c.totals.tpsTotal, 0),
  };
}

async function upperChildren(
  db: Kysely<Database>,
  region: RegionCode,
  ballot: Ballot,
): Promise<Result<Built, RecapRefusal>> {
  const rows = await db
    .selectFrom('regions')
    .select(['code', 'name', 'level'])
    .where('parent_code', '=', region)
    .orderBy('code')
    .execute();
  // A child region that holds no TPS (a province outside this election's data) has nothing to
  // close and adds nothing.
  const withTps = await db
    .selectFrom('tps')
    .select('code')
    .where('code', 'like', region === 'id' ? '%' : `${region}.%`)
    .execute();
  const held = new Set(
    withTps.flatMap((t) => ancestorsOfTps(t.code as TpsCode).map((r) => String(r))),
  );
  const children: DHasilChild[] = [];
  const open: string[] = [];
  for (const r of rows.filter((c) => held.has(c.code))) {
    const last = await latestSignoff(db, r.code, ballot);
    if (last?.action !== 'closed') {
      open.push(`${r.code} (${stateOf(last)})`);
      continue;
    }
    const d = storedDHasil(last);
    children.push({
      code: r.code,
      name: r.name,
      level: r.level,
      totals: d.totals,
      dhasil: sha256Hex(Buffer.from(last.dhasil!, 'utf8')),
    });
  }
  if (children.length === 0 && open.length === 0)
    return err({
      code: 'recap_not_ready',
      message: `no TPS below ${region}: nothing to close`,
      unresolved: 0,
      tps: [],
      open: 0,
      regions: [],
    });
  if (open.length > 0)
    return err({
      code: 'recap_not_ready',
      message: `${open.length} region(s) below ${region} are not closed: ${open.slice(0, NAMED).join(', ')}${open.length > NAMED ? ', ...' : ''}`,
      unresolved: 0,
      tps: [],
      open: open.length,
      regions: open.slice(0, NAMED).map((o) => o.split(' ')[0]!),
    });
  return ok({ totals: addUp(children), children });
}

/**
 * Closes a level's recap: refuses unless everything below is resolved (see the file's head), then
 * writes the signed D.Hasil, its `recap_closed` event and the `recap_signoffs` row together.
 */
export async function closeRecap(
  conn: Pick<Db, 'db' | 'dialect'>,
  region: RegionCode,
  ballot: Ballot,
  by: Actor,
  now: Date,
  signer: DHasilSigner,
): Promise<Result<ClosedRecap, RecapRefusal>> {
  return withEvents(conn.db, conn.dialect, now, async (trx, log) => {
    const row = await trx
      .selectFrom('regions')
      .select(['code', 'name', 'level'])
      .where('code', '=', region)
      .executeTakeFirst();
    if (!row)
      return err({ code: 'unknown_region', message: `no region ${region} in this election` });
    if (!isRecapLevel(row.level))
      return err({
        code: 'no_recap_level',
        message: `${region} is a ${row.level}: recaps close at the kecamatan and above (the PPS runs no recap)`,
      });
    const contestRow = await trx
      .selectFrom('contests')
      .select('definition')
      .where('ballot', '=', ballot)
      .executeTakeFirst();
    if (!contestRow)
      return err({ code: 'unknown_contest', message: `no ${ballot} contest in this election` });
    const last = await latestSignoff(trx, region, ballot);
    if (last?.action === 'closed')
      return err({
        code: 'recap_already_closed',
        message: `the ${ballot} recap of ${region} was closed (event ${last.seq}); reopen it first`,
        seq: last.seq,
      });
    const built =
      row.level === 'kecamatan'
        ? await kecamatanChildren(trx, region, ballot)
        : await upperChildren(trx, region, ballot);
    if (!built.ok) return built;
    const election = await trx
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'election.name')
      .executeTakeFirst();
    const head = await chainHead(trx);
    const previous = await latestSignoff(trx, region, ballot, 'closed');
    const dhasil: DHasil = {
      format: DHASIL_FORMAT,
      election: election?.value ?? '',
      contest: jsonColumn(ContestSchema, contestRow.definition, {
        table: 'contests',
        id: ballot,
        column: 'definition',
      }),
      level: row.level,
      region: { code: row.code, name: row.name },
      parents: await parentsOf(trx, region),
      status: 'certified',
      at: now.toISOString(),
      by,
      chainHead: { seq: head?.seq ?? 0, hash: head?.hash ?? null },
      replaces: previous?.dhasil ? sha256Hex(Buffer.from(previous.dhasil, 'utf8')) : null,
      keyId: signer.keyId,
      totals: built.value.totals,
      children: built.value.children,
      corrections: await corrections(trx, region, ballot),
    };
    const text = canonicalJson(dhasil);
    const bytes = Buffer.from(text, 'utf8');
    const sha256 = sha256Hex(bytes);
    const signature = await signer.sign(bytes);
    // The one event of this transaction comes right after the head.
    const seq = (head?.seq ?? 0) + 1;
    log({
      type: 'recap_closed',
      tps: null,
      actor: by,
      details: {
        region,
        ballot,
        dhasil: sha256,
        totals: sha256Hex(Buffer.from(canonicalJson(dhasil.totals), 'utf8')),
        // The event schema wants a hash: the very first event of a chain cannot be a close
        // anyway (the election import comes first).
        chainHead: { seq: head?.seq ?? 0, hash: head?.hash ?? '0'.repeat(64) },
      },
    });
    await trx
      .insertInto('recap_signoffs')
      .values({
        seq,
        region_code: region,
        ballot,
        action: 'closed',
        at: dhasil.at,
        actor: by,
        dhasil: text,
        signature,
      })
      .execute();
    return ok({ seq, sha256, document: { dhasil, signature } });
  });
}

/**
 * Reopens a closed level with a reason, on the record, so that a result below it can change.
 * Refused while a level above it is closed: reopen from the top down.
 */
export async function reopenRecap(
  conn: Pick<Db, 'db' | 'dialect'>,
  region: RegionCode,
  ballot: Ballot,
  reason: string,
  by: Actor,
  now: Date,
): Promise<Result<{ seq: number }, RecapRefusal>> {
  const why = reason.trim();
  if (!why) return err({ code: 'reason_required', message: 'a reopening needs a reason' });
  return withEvents(conn.db, conn.dialect, now, async (trx, log) => {
    const row = await trx
      .selectFrom('regions')
      .select(['code', 'level'])
      .where('code', '=', region)
      .executeTakeFirst();
    if (!row)
      return err({ code: 'unknown_region', message: `no region ${region} in this election` });
    const last = await latestSignoff(trx, region, ballot);
    if (last?.action !== 'closed')
      return err({
        code: 'recap_not_closed',
        message: `the ${ballot} recap of ${region} is not closed (${stateOf(last)})`,
      });
    for (let p = parentRegion(region); p; p = parentRegion(p)) {
      const above = await latestSignoff(trx, p, ballot);
      if (above?.action === 'closed')
        return err({
          code: 'parent_recap_closed',
          message: `the ${ballot} recap of ${p} above ${region} is closed: reopen it first`,
          parent: p,
        });
    }
    const head = await chainHead(trx);
    const seq = (head?.seq ?? 0) + 1;
    log({ type: 'recap_reopened', tps: null, actor: by, details: { region, ballot, reason: why } });
    await trx
      .insertInto('recap_signoffs')
      .values({
        seq,
        region_code: region,
        ballot,
        action: 'reopened',
        at: now.toISOString(),
        actor: by,
        dhasil: null,
        signature: null,
      })
      .execute();
    return ok({ seq });
  });
}

/**
 * The signed D.Hasil of the level's latest close, checked against the event that recorded it
 * (evidence is checked where it is read): a row whose D.Hasil no longer hashes to its event's is
 * `dhasil_corrupt`, and never served.
 */
export async function latestDHasil(
  db: Kysely<Database>,
  region: RegionCode,
  ballot: Ballot,
): Promise<
  Result<StoredDHasil, { code: 'recap_never_closed' | 'dhasil_corrupt'; message: string }>
> {
  const closed = await latestSignoff(db, region, ballot, 'closed');
  if (!closed?.dhasil || !closed.signature)
    return err({
      code: 'recap_never_closed',
      message: `the ${ballot} recap of ${region} was never closed: it has no D.Hasil`,
    });
  const sha256 = sha256Hex(Buffer.from(closed.dhasil, 'utf8'));
  const event = await db
    .selectFrom('events')
    .select(['type', 'details'])
    .where('seq', '=', closed.seq)
    .executeTakeFirst();
  const details =
    event?.type === 'recap_closed'
      ? EVENT_TYPES.recap_closed.details.safeParse(JSON.parse(event.details))
      : undefined;
  if (
    !details?.success ||
    details.data.dhasil !== sha256 ||
    details.data.region !== region ||
    details.data.ballot !== ballot
  )
    return err({
      code: 'dhasil_corrupt',
      message: `the stored D.Hasil of ${region} (sign-off ${closed.seq}) does not match the event that recorded it`,
    });
  const latest = await latestSignoff(db, region, ballot);
  return ok({
    seq: closed.seq,
    sha256,
    at: closed.at,
    actor: closed.actor,
    state: stateOf(latest),
    document: { dhasil: storedDHasil(closed), signature: closed.signature },
  });
}
