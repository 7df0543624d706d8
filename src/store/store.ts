// The store: every persistent thing Rekap keeps, behind one narrow interface, on SQLite or
// PostgreSQL, with photos as content-addressed blobs.
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { jsonColumn } from './rows.ts';
import type { Database } from './schema.ts';
import { BallotSchema, ContestSchema, type Ballot, type Contest } from '../core/ballots.ts';
import type { RegionCode, RegionLevel, TpsCode } from '../core/codes.ts';
import type { ElectionSetup } from '../core/election.ts';
import { packBlobStore, sha256Hex, type BlobStore } from './blobs.ts';
import { lockDataFolder } from './lock.ts';
import { isPostgresUrl, openDb, type Db } from './db.ts';
import {
  importElection,
  isEmpty,
  loadElection,
  type ElectionConflict,
  type ImportOptions,
  type ImportSummary,
} from './election.ts';
import type { ElectionImport } from '../core/election-files.ts';
import type { Result } from '../core/result.ts';
import {
  checkAggregates,
  countSubmissions,
  rebuildAggregates,
  type AggregateMismatch,
} from './rebuild.ts';
import { regionResult, tpsResult, type RegionResult, type TpsResult } from './recap.ts';
import { progressByHour, regionFlagged, regionIssues, searchPlaces } from './portal-queries.ts';
import {
  regionExportRows,
  tpsExportRows,
  type PageQuery,
  type RegionExportRow,
  type TpsExportRow,
} from './export.ts';
import { auditVerify, type AuditOptions, type AuditReport } from './audit-verify.ts';
import {
  recordReread,
  review,
  reviewQueue,
  tpsReview,
  type RereadOutcome,
  type RereadRecorded,
  type RereadRefusal,
  type ReviewAction,
  type ReviewOutcome,
  type ReviewQueueItem,
  type ReviewQueueQuery,
  type ReviewRefusal,
  type TpsReviewView,
} from './review.ts';
import {
  submissionWriter,
  type NewSubmission,
  type PhotoRecord,
  type RecordOutcome,
} from './submissions.ts';
import {
  authenticate,
  issueTokens,
  listTokens,
  revokeTokens,
  tpsBelow,
  type IssuedToken,
  type TokenInfo,
  type TokenSelector,
} from './tokens.ts';
import { listEvents, type Actor, type EventQuery, type StoredEvent } from './events.ts';
import {
  deviceById,
  DEFAULT_MAX_DEVICES_PER_TOKEN,
  devicesByPrefix,
  enrolDevice,
  listDevices,
  revokeDevice,
  tpsHasDevice,
  type DeviceListing,
  type Device,
  type Enrolment,
  type NewDevice,
} from './devices.ts';
import { keepUploadedPhoto, unreferencedUploads, uploadedPhotos } from './uploads.ts';
import {
  observationReceivedAt,
  observationsBelow,
  recordObservations,
  type SignalObservation,
  type StoredObservation,
} from './signal.ts';
import {
  connectivityInputs,
  setTpsPositions,
  tpsPositionsBelow,
  type ConnectivityInputs,
  type NewTpsPosition,
  type TpsPosition,
} from './connectivity.ts';
import {
  chainHead,
  closeRecap,
  latestDHasil,
  recapState,
  reopenRecap,
  type ClosedRecap,
  type DHasilSigner,
  type RecapRefusal,
  type StoredDHasil,
} from './recaps.ts';
import type { RecapState } from '../core/dhasil.ts';
import {
  importExternal,
  knownTps,
  latestExternal,
  type ExternalRecord,
  type ExternalSource,
  type ImportOutcome,
  type StoredExternal,
} from './external.ts';
import { accountStore, type AccountStore, type ScryptCost } from './accounts.ts';
import {
  versionToReread,
  versionsAwaitingReread,
  type AwaitingReread,
  type VersionToReread,
} from './reread.ts';

export type ElectionInfo = { name: string; demo: boolean };
export type TpsInfo = { code: TpsCode; name: string; dpt: number | null };

export type Store = {
  readonly describe: string;
  /** The data folder (`--data`): SQLite, photo packs, partial uploads. */
  readonly dataDir: string;
  /** Changes whenever anything a reader sees may have changed; equal marks, equal answers. */
  changeMark(): Promise<string>;
  /**
   * This process's own writes so far: the part of `changeMark()` before its first '.', read with
   * no query (src/server/change-mark.ts keeps the public side's mark in memory with it).
   */
  localMark(): number;
  /**
   * `changeMark()` where it needs no query: SQLite (its data_version is read from shared memory);
   * undefined on PostgreSQL, whose other writers the public side learns of by a poll.
   */
  quickMark(): string | undefined;
  /** Calls `listener` after each of this process's own writes; returns its removal. */
  onLocalChange(listener: () => void): () => void;
  /**
   * What the public side reads (`--read-db`, issue 15): undefined without a read replica (the
   * public side reads this store, or a wrapper of it, itself). With one, a view of this store
   * whose public result reads (`PUBLIC_READS`) and whose change mark come from the replica, and
   * whose mark moves only when the replica has replayed a change: an answer is never cached under
   * a mark newer than the rows it was read from. Everything else
   * (writes, the review queue, re-reads, tokens, photos) stays on the primary, which sees its own
   * writes. A replica that does not answer fails its reads with status 503.
   */
  readonly publicSide?: Store | undefined;
  readonly blobs: BlobStore;
  /** A stored photo's record, by its sha256. */
  photo(sha256: string): Promise<PhotoRecord | undefined>;
  /** Stored photos in sha256 order, the first `limit` after `after` ('' from the start). */
  listPhotos(after: string, limit: number): Promise<PhotoRecord[]>;
  /** Keeps the bytes of a photo (once: a photo stored before is not written again). */
  putPhoto(
    bytes: Buffer,
    meta: { contentType: string; width: number; height: number },
  ): Promise<PhotoRecord>;
  isEmpty(): Promise<boolean>;
  /** Loads an election into an empty database (throws if it holds one), as an import would. */
  loadElection(setup: ElectionSetup): Promise<void>;
  /** Merges an election's files into the database, all or nothing (election.ts). */
  importElection(
    setup: ElectionImport,
    opts: ImportOptions,
  ): Promise<Result<ImportSummary, ElectionConflict[]>>;
  election(): Promise<ElectionInfo | undefined>;
  contests(): Promise<Contest[]>;
  contest(ballot: Ballot): Promise<Contest | undefined>;
  tps(code: TpsCode): Promise<TpsInfo | undefined>;
  tpsBelow(region: RegionCode): Promise<TpsCode[]>;
  /** New KPPS tokens; each revokes the older tokens of its TPS. `by.actor` defaults to `cli`. */
  issueTokens(tps: TpsCode[], by?: { actor?: Actor }): Promise<IssuedToken[]>;
  /** The tokens of a TPS, or the one a token, uploader id or token hash names (oldest first). */
  tokens(which: TokenSelector): Promise<TokenInfo[]>;
  /** Revokes the valid tokens of a TPS, or one token; answers those revoked now. */
  revokeTokens(
    which: { tps: TpsCode } | { tokenHash: string },
    by?: { actor?: Actor },
  ): Promise<TokenInfo[]>;
  authenticate(
    token: string,
  ): Promise<{ tps: TpsCode; uploader: string; tokenHash: string } | undefined>;
  /** Registers a device's public key for a TPS; the same key again gives the same device. */
  enrolDevice(d: NewDevice): Promise<Enrolment>;
  device(id: string): Promise<Device | undefined>;
  /** Devices whose id starts with this text (the phone shows 8 characters), at most 20. */
  devicesByPrefix(prefix: string): Promise<Device[]>;
  /** The devices of a TPS or of every TPS below a region, with when each was last seen. */
  devices(where: { tps: TpsCode } | { region: RegionCode }): Promise<DeviceListing[]>;
  /** Whether a device was ever enrolled for the TPS: then its submissions must be signed. */
  tpsHasDevice(tps: TpsCode): Promise<boolean>;
  /** Revokes a device and the token it enrolled with; false if unknown or revoked before. */
  revokeDevice(id: string, by?: { actor?: Actor }): Promise<boolean>;
  /** The credential audit trail (events.ts), oldest first. */
  events(q?: EventQuery): Promise<StoredEvent[]>;
  /**
   * Keeps a photo uploaded ahead of its submission (tus) and records which TPS sent it, so that a
   * later submission of that TPS can name it by hash. Bytes first, then the rows.
   */
  keepUploadedPhoto(
    bytes: Buffer,
    meta: { contentType: string; width: number; height: number },
    by: { tps: TpsCode; uploader: string },
  ): Promise<PhotoRecord>;
  /** Of these hashes, the photos that this TPS uploaded (by sha256). */
  uploadedPhotos(tps: TpsCode, sha256: string[]): Promise<Map<string, PhotoRecord>>;
  /** How many photos this TPS uploaded after `since` that none of its submissions names. */
  unreferencedUploads(tps: TpsCode, since: Date): Promise<number>;
  recordObservations(o: SignalObservation[], uploader: string): Promise<number>;
  /** When the observation of this TPS `n` places before its newest, received after `since`, came. */
  observationReceivedAt(tps: TpsCode, since: Date, n: number): Promise<string | undefined>;
  /** The newest `limit` observations below a region, of the newest `perTps` of each TPS. */
  observations(region: RegionCode, limit: number, perTps?: number): Promise<StoredObservation[]>;
  /**
   * Sets where each TPS is (connectivity.ts; inserted or replaced, all or nothing); throws
   * UnknownTpsError naming a code the election does not hold. Answers the rows written.
   */
  setTpsPositions(positions: readonly NewTpsPosition[]): Promise<number>;
  /** The positions of the TPS below a region, by TPS code. */
  tpsPositionsBelow(region: RegionCode): Promise<Map<TpsCode, TpsPosition>>;
  /**
   * What the blank-spot map needs of a region (kabupaten or below), in one snapshot: its TPS,
   * desa, positions, every observation and each TPS's first result of `ballot`; undefined when
   * the election has no such region.
   */
  connectivityInputs(region: RegionCode, ballot: Ballot): Promise<ConnectivityInputs | undefined>;
  recordSubmission(s: NewSubmission): Promise<RecordOutcome>;
  /** A review action on the version an operator saw (review.ts): its event, the review, the totals. */
  review(action: ReviewAction, by: { actor: Actor }): Promise<Result<ReviewOutcome, ReviewRefusal>>;
  /** Records the server's re-read of a version (actor `server`). */
  recordReread(
    tps: TpsCode,
    ballot: Ballot,
    version: number,
    outcome: RereadOutcome,
  ): Promise<Result<RereadRecorded, RereadRefusal>>;
  /** One TPS's review, every version and every event about them (recomputed from the record). */
  tpsReview(tps: TpsCode, ballot: Ballot): Promise<TpsReviewView | undefined>;
  /** The TPS below a region that wait in these review states, by code (keyset: `after`). */
  reviewQueue(q: ReviewQueueQuery): Promise<ReviewQueueItem[]>;
  /** `rekap audit verify`: everything recomputed from the record, in one snapshot. */
  auditVerify(opts?: AuditOptions): Promise<AuditReport>;
  /** KPPS versions of these ballots not re-read yet, oldest first (reread.ts says how it scales). */
  versionsAwaitingReread(
    limit: number,
    opts: { ballots: readonly Ballot[]; after?: number },
  ): Promise<AwaitingReread>;
  /** One version's numbers and photos, the TPS's registered DPT, and whether it was re-read. */
  versionToReread(
    tps: TpsCode,
    ballot: Ballot,
    version: number,
  ): Promise<VersionToReread | undefined>;
  /** Of these codes, the TPS this election holds. */
  knownTps(codes: readonly TpsCode[]): Promise<Set<TpsCode>>;
  /** Keeps records of another source (`rekap import sirekap`); the same record again adds nothing. */
  importExternal(records: readonly ExternalRecord[]): Promise<ImportOutcome>;
  /** The newest import of a source for one TPS. */
  externalResult(
    tps: TpsCode,
    ballot: Ballot,
    source: ExternalSource,
  ): Promise<StoredExternal | undefined>;
  regionResult(code: RegionCode, ballot: Ballot): Promise<RegionResult | undefined>;
  /** The portal's region reads (portal-queries.ts): held or in-review TPS, anomalies, search, by hour. */
  regionFlagged(code: RegionCode, ballot: Ballot): ReturnType<typeof regionFlagged>;
  regionIssues(code: RegionCode, ballot: Ballot): ReturnType<typeof regionIssues>;
  searchPlaces(q: string): ReturnType<typeof searchPlaces>;
  progressByHour(code: RegionCode, ballot: Ballot): ReturnType<typeof progressByHour>;
  tpsResult(code: TpsCode, ballot: Ballot): Promise<TpsResult | undefined>;
  /** One page of the TPS export (export.ts): counted results in TPS code order, after `q.after`. */
  tpsExportRows(ballot: Ballot, q?: PageQuery): Promise<TpsExportRow[]>;
  /** One page of the regions of a level with their recap totals (export.ts), in code order. */
  regionExportRows(ballot: Ballot, level: RegionLevel, q?: PageQuery): Promise<RegionExportRow[]>;
  /** Closes a level's recap with its signed D.Hasil (recaps.ts); `by.actor` defaults to `cli`. */
  closeRecap(
    region: RegionCode,
    ballot: Ballot,
    signer: DHasilSigner,
    by?: { actor?: Actor },
  ): Promise<Result<ClosedRecap, RecapRefusal>>;
  /** Reopens a closed level with a reason, on the record. */
  reopenRecap(
    region: RegionCode,
    ballot: Ballot,
    reason: string,
    by?: { actor?: Actor },
  ): Promise<Result<{ seq: number }, RecapRefusal>>;
  /** `unofficial-partial`, `certified` or `correction` (a desa: its kecamatan's). */
  recapState(region: RegionCode, ballot: Ballot): Promise<RecapState>;
  /** The signed D.Hasil of the level's latest close, checked against its event. */
  dhasil(
    region: RegionCode,
    ballot: Ballot,
  ): Promise<
    Result<StoredDHasil, { code: 'recap_never_closed' | 'dhasil_corrupt'; message: string }>
  >;
  /** The last event on the chain (null before the first). */
  chainHead(): Promise<{ seq: number; hash: string; at: string } | null>;
  rebuild(onProgress?: (n: number) => void): Promise<{ submissions: number; tps: number }>;
  checkAggregates(): Promise<AggregateMismatch[]>;
  countSubmissions(): Promise<number>;
  /** Operator accounts and their login sessions (accounts.ts, docs/operators.md). */
  readonly accounts: AccountStore;
  close(): Promise<void>;
};

export type StoreOptions = {
  /** Where SQLite and the photos live (`--data`). */
  dataDir: string;
  /** `postgres://...` to keep the tables in PostgreSQL (`--db`). */
  dbUrl?: string | undefined;
  /**
   * `postgres://...` of a streaming read replica of `dbUrl` for the public side's reads
   * (`--read-db`; `publicSide`). Its `?schema=` defaults to the primary's.
   */
  readDbUrl?: string | undefined;
  clock?: () => Date;
  /** Open for reading only (`rekap verify-receipt --data`): nothing is migrated or written. */
  readOnly?: boolean;
  /** How many devices one KPPS token may enrol (default 2, `DEFAULT_MAX_DEVICES_PER_TOKEN`). */
  maxDevicesPerToken?: number;
  /**
   * Whether this store may write photos (default: unless `readOnly`). A store that may, on the
   * pack files, holds the data folder's lock (lock.ts) until it is closed, so a second one is
   * refused; commands that only change rows (`kpps-token`, `revoke-device`, `import`) pass false
   * and run beside `serve`.
   */
  writePhotos?: boolean;
  /** The photo store (default: pack files under `<data>/blobs`). */
  blobs?: BlobStore;
  /**
   * Whether a store that writes photos takes the data folder's lock (default true). False only
   * when `blobs` writes no pack files of this folder (photos in S3): several servers then share
   * one database and one bucket, and nothing on this disk.
   */
  lock?: boolean;
  /** Tests only: a cheaper scrypt for their many logins (default and production: SCRYPT_COST). */
  scryptCost?: ScryptCost;
};

/** `contests.definition`, keyed by ballot. */
const contestOf = (ballot: string, definition: string) =>
  jsonColumn(ContestSchema, definition, { table: 'contests', id: ballot, column: 'definition' });

async function photoRecord(db: Kysely<Database>, sha256: string): Promise<PhotoRecord | undefined> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  const row = await db
    .selectFrom('photos')
    .selectAll()
    .where('sha256', '=', sha256)
    .executeTakeFirst();
  return row
    ? {
        sha256,
        size: row.size,
        contentType: row.content_type,
        width: row.width,
        height: row.height,
        location: row.location,
      }
    : undefined;
}

async function listPhotos(
  db: Kysely<Database>,
  after: string,
  limit: number,
): Promise<PhotoRecord[]> {
  const rows = await db
    .selectFrom('photos')
    .selectAll()
    .where('sha256', '>', after)
    .orderBy('sha256')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    sha256: row.sha256,
    size: row.size,
    contentType: row.content_type,
    width: row.width,
    height: row.height,
    location: row.location,
  }));
}

/**
 * Runs reads in one consistent snapshot. PostgreSQL: a repeatable-read, read-only transaction.
 * SQLite: a transaction holds the store's one connection, so no write commits in between.
 */
function snapshot<T>(conn: Db, read: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (conn.dialect === 'sqlite') return conn.reader.transaction().execute(read);
  return conn.reader
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(read);
}

/**
 * The read replica of a PostgreSQL store, opened read-only. Its `?schema=` defaults to the
 * primary's.
 */
async function openReplica(primary: Db, url: string, dataDir: string): Promise<Db> {
  if (primary.dialect !== 'postgres')
    throw new Error('a read replica (--read-db) needs the record in PostgreSQL (--db postgres://)');
  if (!isPostgresUrl(url))
    throw new Error(
      `--read-db must be a postgres:// URL of a read replica, not ${url.split('@').pop()}`,
    );
  const u = new URL(url);
  if (!u.searchParams.has('schema') && primary.schema && primary.schema !== 'public')
    u.searchParams.set('schema', primary.schema);
  return openDb({ url: u.toString(), dataDir, replica: true });
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  const writePhotos = !opts.readOnly && opts.writePhotos !== false;
  // The lock first: a second server on this folder stops before it migrates or writes anything.
  // It guards the pack files, which one process appends to; with photos in S3 (blobs-s3.ts) there
  // are none to guard, and any number of servers run beside each other (issue 15).
  const lock = writePhotos && opts.lock !== false ? lockDataFolder(opts.dataDir) : undefined;
  let conn: Db;
  let blobs: BlobStore;
  try {
    conn = await openDb({ url: opts.dbUrl, dataDir: opts.dataDir, readOnly: opts.readOnly });
    blobs = opts.blobs ?? packBlobStore(join(opts.dataDir, 'blobs'), { readOnly: !writePhotos });
  } catch (e) {
    lock?.release();
    throw e;
  }
  const { db, dialect } = conn;
  const clock = opts.clock ?? (() => new Date());
  const contestCache = new Map<string, Contest | undefined>();
  let ownChanges = 0;
  const localListeners = new Set<() => void>();
  const bump = () => {
    ownChanges++;
    // A listener's failure is not the write's: the write has committed.
    for (const l of localListeners)
      try {
        l();
      } catch {
        // ignored
      }
  };
  const changed = <T>(p: Promise<T>): Promise<T> => p.finally(bump);
  const writeSubmission = submissionWriter(db, dialect);
  const putPhoto = async (
    bytes: Buffer,
    meta: { contentType: string; width: number; height: number },
  ): Promise<PhotoRecord> => {
    const sha256 = sha256Hex(bytes);
    const known = await photoRecord(db, sha256);
    if (known) return known;
    return { sha256, size: bytes.length, ...meta, location: await blobs.put(bytes) };
  };
  let replica: Db | undefined;
  let replicaView: Store | undefined;
  if (opts.readDbUrl) {
    try {
      replica = await openReplica(conn, opts.readDbUrl, opts.dataDir);
    } catch (e) {
      await conn.close().catch(() => undefined);
      // The packs opened here; a photo store given by the caller is the caller's to close.
      if (!opts.blobs) await blobs.close().catch(() => undefined);
      lock?.release();
      throw e;
    }
  }
  const store: Store = {
    describe: conn.describe,
    dataDir: opts.dataDir,
    changeMark: async () => `${ownChanges}.${await conn.externalMark()}`,
    localMark: () => ownChanges,
    quickMark: () => {
      const now = conn.externalMarkNow;
      return now ? `${ownChanges}.${now()}` : undefined;
    },
    onLocalChange(listener) {
      localListeners.add(listener);
      return () => localListeners.delete(listener);
    },
    blobs,
    photo: (sha256) => photoRecord(conn.reader, sha256),
    listPhotos: (after, limit) => listPhotos(conn.reader, after, limit),
    putPhoto,
    isEmpty: () => isEmpty(db),
    async loadElection(setup) {
      contestCache.clear();
      await changed(loadElection(conn, clock(), setup));
    },
    importElection(setup, o) {
      contestCache.clear();
      return changed(importElection(conn, clock(), setup, o));
    },
    async election() {
      const rows = await db
        .selectFrom('meta')
        .selectAll()
        .where('key', 'like', 'election.%')
        .execute();
      const m = new Map(rows.map((r) => [r.key, r.value]));
      const name = m.get('election.name');
      return name === undefined ? undefined : { name, demo: m.get('election.demo') === 'true' };
    },
    async contests() {
      const rows = await db
        .selectFrom('contests')
        .select(['ballot', 'definition'])
        .orderBy('ballot')
        .execute();
      return rows.map((r) => contestOf(r.ballot, r.definition));
    },
    async contest(ballot) {
      if (contestCache.has(ballot)) return contestCache.get(ballot);
      const parsed = BallotSchema.safeParse(ballot);
      if (!parsed.success) return undefined;
      const row = await db
        .selectFrom('contests')
        .select('definition')
        .where('ballot', '=', ballot)
        .executeTakeFirst();
      const contest = row ? contestOf(ballot, row.definition) : undefined;
      contestCache.set(ballot, contest);
      return contest;
    },
    async tps(code) {
      const row = await db
        .selectFrom('tps')
        .select(['code', 'name', 'dpt'])
        .where('code', '=', code)
        .executeTakeFirst();
      return row ? { code: row.code as TpsCode, name: row.name, dpt: row.dpt } : undefined;
    },
    tpsBelow: (region) => tpsBelow(db, region),
    issueTokens: (tps, by) => issueTokens(conn, tps, clock(), by?.actor ?? 'cli'),
    tokens: (which) => listTokens(db, which),
    revokeTokens: (which, by) => revokeTokens(conn, which, clock(), by?.actor ?? 'cli'),
    authenticate: (token) => authenticate(db, token),
    enrolDevice: (d) =>
      enrolDevice(conn, d, clock(), opts.maxDevicesPerToken ?? DEFAULT_MAX_DEVICES_PER_TOKEN),
    device: (id) => deviceById(db, id),
    tpsHasDevice: (tps) => tpsHasDevice(db, tps),
    devicesByPrefix: (prefix) => devicesByPrefix(db, prefix),
    devices: (where) => listDevices(db, where),
    revokeDevice: (id, by) => revokeDevice(conn, id, clock(), by?.actor ?? 'cli'),
    events: (q) => listEvents(db, q),
    async keepUploadedPhoto(bytes, meta, by) {
      return keepUploadedPhoto(db, await putPhoto(bytes, meta), by, clock());
    },
    uploadedPhotos: (tps, hashes) => uploadedPhotos(db, tps, hashes),
    unreferencedUploads: (tps, since) => unreferencedUploads(db, tps, since),
    recordObservations: (o, uploader) => recordObservations(db, o, uploader, clock()),
    observationReceivedAt: (tps, since, n) => observationReceivedAt(db, tps, since, n),
    observations: (region, limit, perTps) => observationsBelow(conn.reader, region, limit, perTps),
    setTpsPositions: (positions) => changed(setTpsPositions(db, positions, clock())),
    tpsPositionsBelow: (region) => tpsPositionsBelow(conn.reader, region),
    connectivityInputs: (region, ballot) =>
      snapshot(conn, (trx) => connectivityInputs(trx, region, ballot)),
    recordSubmission: (s) => changed(writeSubmission(s)),
    review: (action, by) => changed(review(conn, action, by, clock())),
    recordReread: (tps, ballot, version, outcome) =>
      changed(recordReread(conn, { tps, ballot, version }, outcome, clock())),
    tpsReview: (tps, ballot) => snapshot(conn, (trx) => tpsReview(trx, tps, ballot)),
    reviewQueue: (q) => reviewQueue(conn.reader, q),
    auditVerify: (opts) => snapshot(conn, (trx) => auditVerify(trx, blobs, opts)),
    versionsAwaitingReread: (limit, o) => versionsAwaitingReread(conn.reader, dialect, limit, o),
    versionToReread: (tps, ballot, version) =>
      versionToReread(conn.reader, dialect, tps, ballot, version),
    knownTps: (codes) => knownTps(db, codes),
    async importExternal(records) {
      const outcome = await importExternal(db, records, clock());
      if (outcome.imported > 0) bump();
      return outcome;
    },
    ...publicQueries(conn),
    closeRecap: (region, ballot, signer, by) =>
      changed(closeRecap(conn, region, ballot, by?.actor ?? 'cli', clock(), signer)),
    reopenRecap: (region, ballot, reason, by) =>
      changed(reopenRecap(conn, region, ballot, reason, by?.actor ?? 'cli', clock())),
    recapState: (region, ballot) => recapState(conn.reader, region, ballot),
    dhasil: (region, ballot) => latestDHasil(conn.reader, region, ballot),
    chainHead: () => chainHead(conn.reader),
    rebuild: (onProgress) => changed(rebuildAggregates(db, onProgress)),
    checkAggregates: () => checkAggregates(db),
    countSubmissions: () => countSubmissions(db),
    accounts: accountStore(conn, clock, opts.scryptCost),
    get publicSide() {
      return replicaView;
    },
    async close() {
      try {
        await blobs.close();
        await replica?.close();
        await conn.close();
      } finally {
        lock?.release();
      }
    },
  };
  if (replica) replicaView = viewOnReplica(store, replica);
  return store;
}

/** The store's reads that the public side makes, answered from `conn`'s reader. */
function publicQueries(conn: Db) {
  return {
    externalResult: (tps, ballot, source) => latestExternal(conn.reader, tps, ballot, source),
    // Each read sees one snapshot: a region's totals always equal the sum of its children's, even
    // while submissions commit between the queries that make up the answer.
    regionResult: (code, ballot) => snapshot(conn, (trx) => regionResult(trx, code, ballot)),
    regionFlagged: (code, ballot) => snapshot(conn, (trx) => regionFlagged(trx, code, ballot)),
    regionIssues: (code, ballot) => snapshot(conn, (trx) => regionIssues(trx, code, ballot)),
    searchPlaces: (q) => searchPlaces(conn.db, q),
    progressByHour: (code, ballot) => snapshot(conn, (trx) => progressByHour(trx, code, ballot)),
    tpsResult: (code, ballot) => snapshot(conn, (trx) => tpsResult(trx, code, ballot)),
    tpsExportRows: (ballot, q) => tpsExportRows(conn.reader, ballot, q),
    regionExportRows: (ballot, level, q) =>
      snapshot(conn, (trx) => regionExportRows(trx, ballot, level, q)),
  } satisfies Pick<Store, PublicRead>;
}

/** The reads `publicSide` takes from a read replica (`--read-db`). */
export const PUBLIC_READS = [
  'externalResult',
  'regionResult',
  'regionFlagged',
  'regionIssues',
  'searchPlaces',
  'progressByHour',
  'tpsResult',
  'tpsExportRows',
  'regionExportRows',
] as const;
type PublicRead = (typeof PUBLIC_READS)[number];

/**
 * `store`, with its public reads and its change mark on `replica`. The mark is the replica's own
 * (the newest keys it has replayed), with no count of this process's writes: those commit on the
 * primary first, and a mark that moved with them would file the replica's older rows under it.
 * So this process's own writes reach the public side when the replica has them, as any other
 * process's do (the poll, or a nudge from the bus).
 */
function viewOnReplica(store: Store, replica: Db): Store {
  const unavailable = (e: unknown) =>
    Object.assign(new Error(`the read replica does not answer: ${errorText(e)}`, { cause: e }), {
      statusCode: 503,
    });
  const guard =
    <A extends unknown[], R>(read: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      read(...args).catch((e: unknown) => {
        throw unavailable(e);
      });
  const q = publicQueries(replica);
  const reads = Object.fromEntries(
    PUBLIC_READS.map((name) => [name, guard(q[name] as (...a: unknown[]) => Promise<unknown>)]),
  ) as Pick<Store, PublicRead>;
  const view: Store = {
    ...store,
    ...reads,
    describe: `${store.describe}, public reads from ${replica.describe}`,
    changeMark: guard(async () => `0.${await replica.externalMark()}`),
    localMark: () => 0,
    quickMark: () => undefined,
    onLocalChange: () => () => undefined,
    publicSide: undefined,
  };
  return view;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
