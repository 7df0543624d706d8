// Does declarative partitioning pay for Rekap's hot tables on PostgreSQL (issue 15)?
// `node bin/run-ts.mjs bench/pg-partition.ts [--rows N] [--out DIR] [--postgres URL]`
//
// Two variants, each in a schema of its own (rekap_bench_partition_*), built by opening a Rekap
// store there (the real migrations), then loaded with the same synthetic election night:
//   plain:       `submissions` and `events` as the migrations make them;
//   partitioned: `submissions` by HASH(tps_code), `events` by RANGE(seq), same columns; the
//                unique constraints that lack the partition key gain it (see CONSTRAINTS below).
// For each it measures, with `pg` directly: the bulk load, the write path of a submission as
// submissions.ts runs it (batches of 64 in one transaction, a savepoint each), plain multi-row
// inserts of 64 versions and their events per transaction, the latency of the hot reads, the
// size on disk, ANALYZE and VACUUM, and archiving the oldest events. Both variants are loaded at
// once, and every write and read alternates between them, so other work on the machine weighs on
// both alike. Default 400,000 versions (about 3 minutes on 2 cores); --rows 4100000 is a national
// night. Results go to DIR/pg-partition.json (default bench/results), the write-up to
// bench/results/PG-PARTITION.md. Every schema it made is dropped, also on error.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDb } from '../src/store/db.ts';
import { VERSION_EVENT_TYPES } from '../src/store/submissions.ts';
import { dropSchema, POSTGRES_URL, postgresProblem } from '../test/support/postgres.ts';
import { machine } from './report.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' },
    out: { type: 'string' },
    postgres: { type: 'string' },
    'hash-partitions': { type: 'string' },
    'event-partitions': { type: 'string' },
  },
  strict: true,
});

const intArg = (name: string, v: string | undefined, dflt: number): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`pg-partition: --${name} needs a positive integer`);
    process.exit(2);
  }
  return n;
};

/** The five ballots of 2024's national night. */
const BALLOTS = ['ppwp', 'dpr', 'dpd', 'dprd_prov', 'dprd_kabko'] as const;
/** Versions per TPS result beyond the first (resubmissions and corrections). */
const RESUBMIT_SHARE = 0.05;
/** Events per version: its `submission_received` and the worker's `reread_*`. */
const EVENTS_PER_VERSION = 2;
const BATCH = 64;

const ROWS = intArg('rows', args.rows, 400_000);
const OUT = args.out ?? join(import.meta.dirname, 'results');
const BASE_URL = args.postgres ?? process.env.REKAP_BENCH_POSTGRES ?? POSTGRES_URL;
const HASH_PARTITIONS = intArg('hash-partitions', args['hash-partitions'], 16);
const EVENT_PARTITIONS = intArg('event-partitions', args['event-partitions'], 8);

const TPS_LOADED = Math.ceil(ROWS / (BALLOTS.length * (1 + RESUBMIT_SHARE)));
const PAIRS = TPS_LOADED * BALLOTS.length;
const EXTRA_VERSIONS = ROWS - PAIRS;
const EVENTS = ROWS * EVENTS_PER_VERSION;
/** Submissions through the emulated write path, and plain inserted versions, after the load. */
const WRITE_PATH = 50 * BATCH;
const RAW_INSERT = 100 * BATCH;
/** TPS with no result yet, for the writes after the load (first versions, as on the night). */
const TPS_FRESH = Math.ceil((WRITE_PATH + RAW_INSERT) / BALLOTS.length) + 10;
const EVENT_RANGE = Math.ceil(EVENTS / EVENT_PARTITIONS / 10_000) * 10_000;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/** Multipliers that spread arrivals over the TPS (a permutation of the pairs: coprime to PAIRS). */
const coprime = (start: number) => {
  let m = start;
  while (gcd(m, PAIRS) !== 1) m += 2;
  return m;
};
const SPREAD_FIRST = coprime(7919);
const SPREAD_AGAIN = coprime(104_729);

type Variant = 'plain' | 'partitioned';

/**
 * What partitioning costs the constraints: PostgreSQL 15 enforces a unique constraint on a
 * partitioned table only if it contains the partition key, so these become weaker.
 */
const CONSTRAINTS = [
  'submissions primary key (seq) -> (seq, tps_code): seq is unique only by its identity sequence, no longer by an index',
  'submissions unique (id) -> (id, tps_code): a version id is unique per TPS only; a lookup by id alone (resultOf) probes every partition',
  'submissions unique (tps_code, ballot, version) and (tps_code, ballot, content_hash): unchanged (they hold tps_code)',
  'events primary key (seq): unchanged (seq is the key); unique (hash) -> (hash, seq): a repeated hash is no longer refused (the chain verification still finds it)',
  'events index (tps_code, seq): one per partition, so reading the events of one TPS probes every range',
];

// A TPS code from its index, in Kemendagri's shape: 10 TPS a desa, 12 desa a kecamatan, 14
// kecamatan a kabupaten, kabupaten spread over 38 provinces.
const FUNCTIONS = `
create function bench_tps_code(i bigint) returns text language sql immutable as $$
  select lpad((11 + (i / 1680) % 38)::text, 2, '0') || '.' || lpad((1 + i / 1680 / 38)::text, 2, '0')
    || '.' || lpad((1 + (i / 120) % 14)::text, 2, '0') || '.' || (2001 + (i / 10) % 12)::text
    || '.' || lpad((1 + i % 10)::text, 3, '0') $$;
create function bench_pair(g bigint) returns bigint language sql immutable as $$
  select case when g <= ${PAIRS} then (g * ${SPREAD_FIRST}) % ${PAIRS}
    else ((g - ${PAIRS}) * ${SPREAD_AGAIN}) % ${PAIRS} end $$;
create function bench_hex(t text) returns text language sql immutable as $$
  select encode(sha256(convert_to(t, 'UTF8')), 'hex') $$;
create function bench_at(g bigint) returns text language sql immutable as $$
  select to_char(timestamp '2024-02-14 06:00:00' + g * interval '10 ms', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
`;

/** A ballot's votes in a result's JSON: 3 pairs, 20 DPD candidates, or party lists. */
const votesJson = (n: number) =>
  Array.from({ length: n }, (_, k) => `"${k + 1}":${((k + 1) * 37) % 97}`).join(',');

/** A result's JSON as stored: the C.Hasil fields and a ballot's votes (3 pairs, or party lists). */
const resultSql = (g: string, ballotIndex: string) => `
  '{"ballots":{"received":' || (250 + ${g} % 50) || ',"returned":0,"unused":10,"used":' || (240 + ${g} % 50)
  || '},"disabled":{"l":1,"p":0,"total":1},"dpt":{"l":120,"p":' || (130 + ${g} % 50) || ',"total":' || (250 + ${g} % 50)
  || '},"invalid":' || (${g} % 7) || ',"total":' || (240 + ${g} % 50) || ',"valid":' || (233 + ${g} % 43)
  || ',"voters":{"dpk":{"l":0,"p":0,"total":0},"dpt":{"l":110,"p":120,"total":230},"dptb":{"l":2,"p":3,"total":5},"total":{"l":112,"p":123,"total":235}},"votes":{'
  || case ${ballotIndex} when 0 then '${votesJson(3)}' when 2 then '${votesJson(20)}' else '${votesJson(60)}' end || '}}'`;

const BALLOT_SQL = `(array['${BALLOTS.join("','")}'])`;

/**
 * Readies a migrated schema for the bulk load: the plain variant's constraints and indexes on
 * `submissions` and `events` are dropped (and answered, to be made again after the load, as a bulk
 * load would); the partitioned variant's tables are made again partitioned, with the same columns,
 * and its constraints and indexes are answered to be made after the load.
 */
async function prepare(c: pg.Client, variant: Variant): Promise<string[]> {
  if (variant === 'plain') {
    const after: string[] = [];
    for (const table of ['submissions', 'events']) {
      const constraints = await c.query<{ conname: string; def: string }>(
        `select conname, pg_get_constraintdef(oid) as def from pg_constraint
         where conrelid = $1::regclass and contype in ('p', 'u', 'f') order by contype, conname`,
        [table],
      );
      const indexes = await c.query<{ indexname: string; indexdef: string }>(
        `select indexname, indexdef from pg_indexes where schemaname = current_schema()
           and tablename = $1 and indexname not in
           (select conname from pg_constraint where conrelid = $1::regclass)`,
        [table],
      );
      for (const k of constraints.rows) {
        await c.query(`alter table ${table} drop constraint ${k.conname}`);
        after.push(`alter table ${table} add constraint ${k.conname} ${k.def}`);
      }
      for (const i of indexes.rows) {
        await c.query(`drop index ${i.indexname}`);
        after.push(i.indexdef);
      }
    }
    return after;
  }
  await c.query(`
    alter table submissions rename to submissions_unpartitioned;
    create table submissions (like submissions_unpartitioned including defaults including identity)
      partition by hash (tps_code);
    drop table submissions_unpartitioned;
    alter table events rename to events_unpartitioned;
    create table events (like events_unpartitioned including defaults) partition by range (seq);
    drop table events_unpartitioned;`);
  for (let r = 0; r < HASH_PARTITIONS; r++)
    await c.query(
      `create table submissions_p${r} partition of submissions for values with (modulus ${HASH_PARTITIONS}, remainder ${r})`,
    );
  const eventsNeeded = EVENTS + (WRITE_PATH + RAW_INSERT) * EVENTS_PER_VERSION;
  for (let i = 0; i * EVENT_RANGE < eventsNeeded + EVENT_RANGE; i++)
    await c.query(
      `create table events_p${i} partition of events for values from (${i * EVENT_RANGE + 1}) to (${(i + 1) * EVENT_RANGE + 1})`,
    );
  return [
    'alter table submissions add constraint submissions_pkey primary key (seq, tps_code)',
    'alter table submissions add constraint submissions_id_key unique (id, tps_code)',
    'alter table submissions add constraint submissions_version unique (tps_code, ballot, version)',
    'alter table submissions add constraint submissions_content unique (tps_code, ballot, content_hash)',
    'alter table submissions add foreign key (tps_code) references tps (code)',
    'create index submissions_device on submissions (device_id, received_at)',
    'alter table events add constraint events_pkey primary key (seq)',
    'alter table events add constraint events_hash_key unique (hash, seq)',
    'create index events_tps on events (tps_code, seq)',
  ];
}

/**
 * No autovacuum on the bench's tables: it would run at a different moment in each variant. The
 * VACUUM and ANALYZE a night needs are measured instead, explicitly.
 */
async function noAutovacuum(c: pg.Client): Promise<void> {
  const tables = await c.query<{ t: string }>(
    `select c.oid::regclass::text as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = current_schema() and c.relkind = 'r'`,
  );
  for (const { t } of tables.rows)
    await c.query(
      `alter table ${t} set (autovacuum_enabled = off, toast.autovacuum_enabled = off)`,
    );
}

/** The same synthetic night in either variant: regions, TPS, versions, events, review states. */
async function load(c: pg.Client, after: string[]): Promise<Record<string, number>> {
  const ms: Record<string, number> = {};
  const step = async (name: string, text: string) => {
    const t = performance.now();
    await c.query(text);
    ms[name] = Math.round(performance.now() - t);
  };
  await c.query(FUNCTIONS);
  const tpsAll = TPS_LOADED + TPS_FRESH;
  await step(
    'regions_tps',
    `
    insert into regions (code, parent_code, level, name) values ('id', null, 'nasional', 'Indonesia');
    create temporary table codes as select bench_tps_code(i) as code from generate_series(0, ${tpsAll - 1}) i;
    insert into regions (code, parent_code, level, name)
      select distinct left(code, 2), 'id', 'provinsi', 'P ' || left(code, 2) from codes;
    insert into regions (code, parent_code, level, name)
      select distinct left(code, 5), left(code, 2), 'kabupaten', 'K ' || left(code, 5) from codes;
    insert into regions (code, parent_code, level, name)
      select distinct left(code, 8), left(code, 5), 'kecamatan', 'C ' || left(code, 8) from codes;
    insert into regions (code, parent_code, level, name)
      select distinct left(code, 13), left(code, 8), 'desa', 'D ' || left(code, 13) from codes;
    insert into tps (code, desa_code, number, name, dpt)
      select code, left(code, 13), right(code, 3)::int, 'TPS ' || right(code, 3), 250 from codes;
    insert into recap_totals (region_code, ballot, tps_total, tps_reported, valid, invalid, total)
      select r.code, b, 10, 9, 2000, 30, 2030 from regions r, unnest(${BALLOT_SQL}[1:5]) b;`,
  );
  await step(
    'submissions',
    `
    insert into submissions (seq, id, tps_code, ballot, version, content_hash, prev_chain_hash,
      chain_hash, result, photos, status, flags, uploader, received_at, device_id, signed_at,
      signature, kind, corrects)
    select g, md5('s' || g)::uuid::text, bench_tps_code(p / 5), ${BALLOT_SQL}[p % 5 + 1], v,
      bench_hex('c' || g), case when v = 1 then null else bench_hex('h' || p || '.' || (v - 1)) end,
      bench_hex('h' || p || '.' || v), ${resultSql('g', 'p % 5')},
      '["' || bench_hex('p1.' || g) || '","' || bench_hex('p2.' || g) || '"]',
      case when g % 33 = 0 then 'flagged' else 'clean' end,
      case when g % 33 = 0 then '[{"rule":"valid_sum","detail":"valid + invalid != used"}]' else '[]' end,
      'kpps:' || left(md5('u' || p / 5), 12), bench_at(g), md5('d' || p / 5)::uuid::text, bench_at(g),
      encode(sha512(convert_to('sig' || g, 'UTF8')), 'base64'), 'submission', null
    from generate_series(1, ${ROWS}) g, lateral (select bench_pair(g) as p,
      case when g <= ${PAIRS} then 1 else 2 end as v) x;
    select setval(pg_get_serial_sequence('submissions', 'seq'), ${ROWS});`,
  );
  await step(
    'events',
    `
    insert into events (seq, at, type, tps_code, actor, details, prev_hash, hash)
    select e, bench_at(g), case when e % 2 = 1 then 'submission_received' else 'reread_agrees' end,
      bench_tps_code(p / 5), case when e % 2 = 1 then 'kpps:' || left(md5('u' || p / 5), 12) else 'worker' end,
      case when e % 2 = 1 then '{"ballot":"' || ${BALLOT_SQL}[p % 5 + 1] || '","chainHash":"' || bench_hex('h' || p)
        || '","contentHash":"' || bench_hex('c' || g) || '","flags":[],"id":"' || md5('s' || g)::uuid::text
        || '","status":"clean","version":1}'
      else '{"ballot":"' || ${BALLOT_SQL}[p % 5 + 1] || '","version":1,"reader":"digits-v3"}' end,
      case when e = 1 then null else bench_hex('e' || (e - 1)) end, bench_hex('e' || e)
    from generate_series(1, ${EVENTS}) e, lateral (select (e + 1) / 2 as g) gg,
      lateral (select bench_pair(gg.g) as p) x;`,
  );
  await step(
    'tps_status',
    `
    insert into tps_status (tps_code, ballot, latest_version, latest_status, latest_chain_hash,
      counted_id, counted_version, review_state, review_reasons)
    select distinct on (tps_code, ballot) tps_code, ballot, version, status, chain_hash,
      case when status = 'clean' then id end, case when status = 'clean' then version end,
      case when status = 'flagged' then 'flagged' when seq % 97 = 0 then 'in_review' else 'counted' end,
      case when status = 'flagged' then '[{"code":"rules","version":1,"rules":["valid_sum"]}]' else '[]' end
    from submissions order by tps_code, ballot, version desc;`,
  );
  await step('constraints_indexes', after.join(';\n'));
  await step('analyze_checkpoint', 'analyze; checkpoint');
  return ms;
}

type Latency = { n: number; p50Ms: number; p99Ms: number; meanMs: number; rows: number };
type Query = { text: string; values: unknown[] };
type Pair = { plain: pg.Client; partitioned: pg.Client };
const VARIANTS: readonly Variant[] = ['plain', 'partitioned'];

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round2 = (x: number) => Math.round(x * 100) / 100;

function summary(times: number[], rows: number): Latency {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50Ms: round3(quantile(sorted, 0.5)),
    p99Ms: round3(quantile(sorted, 0.99)),
    meanMs: round3(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    rows: Math.round(rows / sorted.length),
  };
}

/**
 * The latency of one query in both variants, in alternating blocks of 50 (after 50 to warm up),
 * so that whatever else the machine does at the time weighs on both alike.
 */
async function compare(
  clients: Pair,
  n: number,
  query: (i: number) => Query,
): Promise<Record<Variant, Latency>> {
  const times: Record<Variant, number[]> = { plain: [], partitioned: [] };
  const rows: Record<Variant, number> = { plain: 0, partitioned: 0 };
  // A long scan (few iterations) alternates one by one and is not warmed up.
  const block = n >= 100 ? 50 : 1;
  for (let start = n >= 100 ? -block : 0; start < n; start += block)
    for (const v of VARIANTS)
      for (let i = start; i < Math.min(start + block, n); i++) {
        const q = query(Math.abs(i));
        const t = performance.now();
        const r = await clients[v].query(q.text, q.values);
        const dt = performance.now() - t;
        if (i >= 0) {
          times[v].push(dt);
          rows[v] += r.rowCount ?? 0;
        }
      }
  return {
    plain: summary(times.plain, rows.plain),
    partitioned: summary(times.partitioned, rows.partitioned),
  };
}

type NewVersion = ReturnType<typeof newVersion>;

/** A new first version of a fresh TPS result, as the writer would store it. */
function newVersion(k: number, p: { tps: string; ballot: string }) {
  const at = new Date(Date.UTC(2024, 1, 14, 12) + k * 10).toISOString();
  const hex = k.toString(16).padStart(8, '0');
  return {
    id: randomUUID(),
    tps: p.tps,
    ballot: p.ballot,
    hash: `${hex}${'a'.repeat(56)}`,
    chain: `${hex}${'b'.repeat(56)}`,
    result: JSON.stringify({
      ballots: { received: 255, returned: 0, unused: 10, used: 245 },
      votes: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [String(i + 1), i * 7])),
      valid: 240,
      invalid: 5,
      total: 245,
    }),
    photos: JSON.stringify(['c'.repeat(64), 'd'.repeat(64)]),
    at,
  };
}

const SUBMISSION_COLUMNS = `id, tps_code, ballot, version, content_hash, prev_chain_hash, chain_hash,
  result, photos, status, flags, uploader, received_at, device_id, signed_at, signature, kind`;
const submissionValues = (v: NewVersion) => [
  v.id,
  v.tps,
  v.ballot,
  1,
  v.hash,
  null,
  v.chain,
  v.result,
  v.photos,
  'clean',
  '[]',
  'kpps:bench',
  v.at,
  null,
  null,
  null,
  'submission',
];
const placeholders = (row: number, width: number) =>
  `(${Array.from({ length: width }, (_, i) => `$${row * width + i + 1}`).join(', ')})`;

/**
 * One transaction of the write path: the queries submissions.ts makes on a batch (the TPS locks in
 * order, then the chain's) and, for each submission in a savepoint of its own, on `submissions`,
 * `events` and `tps_status` (duplicate check, status, insert, chain head, event, closed recap,
 * versions, events of the TPS, status row, counted result by id). The recap totals are left out:
 * they are the same unpartitioned rows in both variants.
 */
async function writeBatch(c: pg.Client, batch: NewVersion[]): Promise<void> {
  await c.query('begin');
  for (const key of batch.map((v) => `${v.tps}/${v.ballot}`).sort())
    await c.query('select pg_advisory_xact_lock(hashtext($1))', [key]);
  await c.query('lock table events in exclusive mode');
  for (const v of batch) {
    await c.query('savepoint submission');
    await c.query('select pg_advisory_xact_lock(hashtext($1))', [`${v.tps}/${v.ballot}`]);
    await c.query(
      'select * from submissions where tps_code = $1 and ballot = $2 and content_hash = $3',
      [v.tps, v.ballot, v.hash],
    );
    await c.query('select * from tps_status where tps_code = $1 and ballot = $2', [
      v.tps,
      v.ballot,
    ]);
    await c.query(
      `insert into submissions (${SUBMISSION_COLUMNS}) values ${placeholders(0, 17)}`,
      submissionValues(v),
    );
    await c.query('lock table events in exclusive mode');
    const head = await c.query<{ seq: number }>(
      'select seq, hash from events order by seq desc limit 1',
    );
    const seq = Number(head.rows[0]?.seq ?? 0) + 1;
    await c.query(
      `insert into events (seq, at, type, tps_code, actor, details, prev_hash, hash)
       values ($1, $2, 'submission_received', $3, 'kpps:bench', $4, $5, $6)`,
      [seq, v.at, v.tps, `{"ballot":"${v.ballot}","version":1}`, 'x', `${v.chain}${seq}`],
    );
    await c.query(
      `select region_code, action, seq from recap_signoffs
       where region_code = any($1) and ballot = $2 order by seq desc`,
      [[v.tps.slice(0, 2), v.tps.slice(0, 5), v.tps.slice(0, 8), v.tps.slice(0, 13)], v.ballot],
    );
    await c.query(
      `select id, version, kind, status, flags, chain_hash from submissions
       where tps_code = $1 and ballot = $2 order by version`,
      [v.tps, v.ballot],
    );
    await c.query('select * from events where tps_code = $1 and type = any($2) order by seq', [
      v.tps,
      [...VERSION_EVENT_TYPES],
    ]);
    await c.query(
      `insert into tps_status (tps_code, ballot, latest_version, latest_status,
         latest_chain_hash, counted_id, counted_version, review_state, review_reasons)
       values ($1, $2, 1, 'clean', $3, $4, 1, 'counted', '[]')`,
      [v.tps, v.ballot, v.chain, v.id],
    );
    await c.query('select result from submissions where id = $1', [v.id]);
    await c.query('release submission');
  }
  await c.query('commit');
}

/** One transaction of plain multi-row inserts: 64 versions and their 128 events. */
async function insertBatch(c: pg.Client, batch: NewVersion[]): Promise<void> {
  await c.query('begin');
  await c.query(
    `insert into submissions (${SUBMISSION_COLUMNS}) values ${batch.map((_, i) => placeholders(i, 17)).join(', ')}`,
    batch.flatMap(submissionValues),
  );
  const head = await c.query<{ seq: number }>('select seq from events order by seq desc limit 1');
  const first = Number(head.rows[0]?.seq ?? 0) + 1;
  const events = batch.flatMap((v, i) =>
    [0, 1].map((j) => [
      first + 2 * i + j,
      v.at,
      j === 0 ? 'submission_received' : 'reread_agrees',
      v.tps,
      'kpps:bench',
      `{"ballot":"${v.ballot}","version":1}`,
      'x',
      `${v.chain}${first + 2 * i + j}`,
    ]),
  );
  await c.query(
    `insert into events (seq, at, type, tps_code, actor, details, prev_hash, hash)
     values ${events.map((_, i) => placeholders(i, 8)).join(', ')}`,
    events.flat(),
  );
  await c.query('commit');
}

/** Runs the same batches in both variants, alternating, and answers each variant's rate. */
async function compareBatches(
  clients: Pair,
  versions: NewVersion[],
  write: (c: pg.Client, batch: NewVersion[]) => Promise<void>,
) {
  const ms: Record<Variant, number[]> = { plain: [], partitioned: [] };
  for (let b = 0; b < versions.length; b += BATCH) {
    const batch = versions.slice(b, b + BATCH);
    for (const v of (b / BATCH) % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
      const t = performance.now();
      await write(clients[v], batch);
      ms[v].push(performance.now() - t);
    }
  }
  const rate = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    const seconds = times.reduce((a, b) => a + b, 0) / 1000;
    return {
      versions: versions.length,
      transactions: times.length,
      seconds: round2(seconds),
      perSecond: Math.round(versions.length / seconds),
      transactionP50Ms: round2(quantile(sorted, 0.5)),
      transactionP99Ms: round2(quantile(sorted, 0.99)),
    };
  };
  return { plain: rate(ms.plain), partitioned: rate(ms.partitioned) };
}

async function timed(c: pg.Client, text: string): Promise<number> {
  const t = performance.now();
  await c.query(text);
  return Math.round(performance.now() - t);
}

/** Bytes of a table with its indexes and TOAST, summed over its partitions. */
async function sizeOf(c: pg.Client, table: string) {
  const r = await c.query<{ total: string; indexes: string }>(
    `with leaves as (
       select relid from pg_partition_tree($1::regclass) where isleaf
       union select $1::regclass where not exists (select 1 from pg_partition_tree($1::regclass)))
     select sum(pg_total_relation_size(relid))::bigint as total,
       sum(pg_indexes_size(relid))::bigint as indexes from leaves`,
    [table],
  );
  const mib = (b: string | undefined) => round2(Number(b ?? 0) / 2 ** 20);
  return { totalMiB: mib(r.rows[0]?.total), indexesMiB: mib(r.rows[0]?.indexes) };
}

const sizes = async (c: pg.Client) => ({
  submissions: await sizeOf(c, 'submissions'),
  events: await sizeOf(c, 'events'),
});

/** The plan of a query, one line a node, without costs (which partitions it touches). */
async function plan(c: pg.Client, q: Query): Promise<string[]> {
  const r = await c.query<{ 'QUERY PLAN': string }>(`explain (costs off) ${q.text}`, q.values);
  return r.rows.map((x) => x['QUERY PLAN'].trim());
}

/** A schema with Rekap's tables made by its migrations, and a client on it. */
async function openVariant(variant: Variant, dataDir: string, made: string[]) {
  const schema = `rekap_bench_partition_${variant}_${process.pid}`;
  made.push(schema);
  const url = new URL(BASE_URL);
  url.searchParams.set('schema', schema);
  const store = await openDb({ url: url.toString(), dataDir });
  await store.close();
  const c = new pg.Client({ connectionString: BASE_URL, options: `-c search_path=${schema}` });
  await c.connect();
  await c.query(`set maintenance_work_mem = '256MB'`);
  return c;
}

async function loadVariant(c: pg.Client, variant: Variant) {
  const after = await prepare(c, variant);
  await noAutovacuum(c);
  const t = performance.now();
  const steps = await load(c, after);
  return { seconds: round2((performance.now() - t) / 1000), stepsMs: steps };
}

async function maintenanceAfterLoad(c: pg.Client) {
  const r = {
    vacuumSubmissionsMs: await timed(c, 'vacuum submissions'),
    vacuumEventsMs: await timed(c, 'vacuum events'),
    analyzeSubmissionsMs: await timed(c, 'analyze submissions'),
    analyzeEventsMs: await timed(c, 'analyze events'),
    allVisible: await allVisible(c),
  };
  await c.query('checkpoint');
  return r;
}

/**
 * The share of heap pages VACUUM could mark all-visible (a later VACUUM skips those). An older
 * snapshot held by another session on the same server keeps it low, and every VACUUM a full pass.
 */
async function allVisible(c: pg.Client) {
  const r = await c.query<{ t: string; share: number }>(
    `select t, round(sum(c.relallvisible)::numeric / greatest(sum(c.relpages), 1), 3)::float8 as share
     from unnest(array['submissions', 'events']) t,
       lateral (select relid from pg_partition_tree(t::regclass) where isleaf
         union select t::regclass where not exists (select 1 from pg_partition_tree(t::regclass))) l
       join pg_class c on c.oid = l.relid
     group by t`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.t, x.share]));
}

async function maintenanceAfterWrites(c: pg.Client, variant: Variant) {
  const r: Record<string, number | string> = {
    vacuumSubmissionsMs: await timed(c, 'vacuum submissions'),
    vacuumEventsMs: await timed(c, 'vacuum events'),
    analyzeSubmissionsMs: await timed(c, 'analyze submissions'),
    analyzeEventsMs: await timed(c, 'analyze events'),
  };
  if (variant === 'partitioned') {
    const newest = (
      await c.query<{ t: string }>(
        'select tableoid::regclass::text as t from events order by seq desc limit 1',
      )
    ).rows[0]!.t;
    r.newestEventsPartition = newest;
    r.vacuumNewestEventsPartitionMs = await timed(c, `vacuum ${newest}`);
    r.analyzeNewestEventsPartitionMs = await timed(c, `analyze ${newest}`);
    r.vacuumOneSubmissionsPartitionMs = await timed(c, 'vacuum submissions_p0');
    r.analyzeOneSubmissionsPartitionMs = await timed(c, 'analyze submissions_p0');
  }
  return r;
}

/**
 * Archiving the oldest events (the first range): a DELETE and the VACUUM that makes its space
 * reusable, or detaching and dropping its partition. Rekap never does this today (the write-up).
 */
async function archive(c: pg.Client, variant: Variant) {
  if (variant === 'partitioned')
    return {
      events: EVENT_RANGE,
      detachMs: await timed(c, 'alter table events detach partition events_p0'),
      dropMs: await timed(c, 'drop table events_p0'),
    };
  return {
    events: EVENT_RANGE,
    deleteMs: await timed(c, `delete from events where seq <= ${EVENT_RANGE}`),
    vacuumMs: await timed(c, 'vacuum events'),
  };
}

async function measure(clients: Pair) {
  const { plain } = clients;
  const fresh = (
    await plain.query<{ code: string }>(
      'select code from tps t where not exists (select 1 from tps_status s where s.tps_code = t.code) order by code',
    )
  ).rows.flatMap((r) => BALLOTS.map((ballot) => ({ tps: r.code, ballot })));
  const versions = fresh.slice(0, WRITE_PATH + RAW_INSERT).map((p, k) => newVersion(k, p));
  console.log('write path (both variants, alternating)');
  const writePath = await compareBatches(clients, versions.slice(0, WRITE_PATH), writeBatch);
  console.log('plain inserts');
  const plainInsert = await compareBatches(clients, versions.slice(WRITE_PATH), insertBatch);
  for (const v of VARIANTS) await clients[v].query('checkpoint');

  // Keys of the hot reads: versions drawn at random from the whole night.
  const sample = (
    await plain.query<{ tps_code: string; ballot: string; id: string }>(
      'select tps_code, ballot, id from submissions where seq = any($1::int[])',
      [Array.from({ length: 4000 }, () => 1 + Math.floor(Math.random() * ROWS))],
    )
  ).rows;
  const pick = (i: number) => sample[(i * 7) % sample.length]!;
  const kabupaten = [...new Set(sample.map((s) => s.tps_code.slice(0, 5)))];
  const kecamatan = [...new Set(sample.map((s) => s.tps_code.slice(0, 8)))];
  const queries = {
    latestVersion: (i: number) => ({
      text: 'select * from submissions where tps_code = $1 and ballot = $2 order by version desc limit 1',
      values: [pick(i).tps_code, pick(i).ballot],
    }),
    versionById: (i: number) => ({
      text: 'select result from submissions where id = $1',
      values: [pick(i).id],
    }),
    eventsOfTps: (i: number) => ({
      text: 'select * from events where tps_code = $1 and type = any($2) order by seq',
      values: [pick(i).tps_code, [...VERSION_EVENT_TYPES]],
    }),
    chainHead: () => ({
      text: 'select seq, hash from events order by seq desc limit 1',
      values: [],
    }),
    submissionsMaxSeq: () => ({ text: 'select max(seq) from submissions', values: [] }),
    eventsSeqRange1000: (i: number) => ({
      text: 'select * from events where seq > $1 order by seq limit 1000',
      values: [EVENT_RANGE + Math.floor((((i * 7919) % 1000) / 1000) * (EVENTS - 2 * EVENT_RANGE))],
    }),
    reviewQueuePage: (i: number) => {
      const k = kabupaten[i % kabupaten.length]!;
      return {
        text: `select s.tps_code, t.name, s.review_state, s.review_reasons, s.latest_version,
            s.counted_version
          from tps_status s join tps t on t.code = s.tps_code
          where s.ballot = $1 and s.review_state = $2 and s.tps_code >= $3 and s.tps_code < $4
          order by s.tps_code limit 50`,
        values: [BALLOTS[i % 5], i % 2 ? 'flagged' : 'in_review', `${k}.`, `${k}/`],
      };
    },
    regionTotals: (i: number) => ({
      text: `select t.* from recap_totals t join regions r on r.code = t.region_code
        where (r.parent_code = $1 or r.code = $1) and t.ballot = $2`,
      values: [kecamatan[i % kecamatan.length], BALLOTS[i % 5]],
    }),
    progressByHourKabupaten: (i: number) => ({
      text: `select substr(f.first_at, 1, 13) as hour, count(*) from (
          select tps_code, min(received_at) as first_at from submissions
          where ballot = $1 and tps_code like $2 group by tps_code) f
        group by substr(f.first_at, 1, 13) order by 1`,
      values: [BALLOTS[i % 5], `${kabupaten[i % kabupaten.length]}.%`],
    }),
  };
  const iterations: Record<keyof typeof queries, number> = {
    latestVersion: 2000,
    versionById: 2000,
    eventsOfTps: 2000,
    chainHead: 2000,
    submissionsMaxSeq: 1000,
    eventsSeqRange1000: 300,
    reviewQueuePage: 1000,
    regionTotals: 1000,
    progressByHourKabupaten: 6,
  };
  console.log('reads (both variants, alternating)');
  const reads: Record<string, Record<Variant, Latency>> = {};
  for (const [name, q] of Object.entries(queries))
    reads[name] = await compare(clients, iterations[name as keyof typeof queries], q);
  const plans: Record<string, Record<Variant, string[]>> = {};
  for (const name of ['latestVersion', 'versionById', 'eventsOfTps', 'chainHead'] as const)
    plans[name] = {
      plain: await plan(clients.plain, queries[name](0)),
      partitioned: await plan(clients.partitioned, queries[name](0)),
    };
  return { writePath, plainInsert, reads, plans };
}

async function main() {
  const problem = await postgresProblem(BASE_URL);
  if (problem) {
    console.error(`pg-partition: no PostgreSQL at ${BASE_URL}: ${problem.message}`);
    process.exit(1);
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'rekap-pg-partition-'));
  const made: string[] = [];
  const started = performance.now();
  const open: pg.Client[] = [];
  try {
    const info = new pg.Client({ connectionString: BASE_URL });
    await info.connect();
    const settings = (
      await info.query<{ name: string; setting: string; unit: string | null }>(
        `select name, setting, unit from pg_settings where name in
           ('shared_buffers', 'max_wal_size', 'synchronous_commit', 'work_mem', 'fsync')`,
      )
    ).rows.map((r) => `${r.name}=${r.setting}${r.unit ?? ''}`);
    const version = (
      await info.query<{ v: string }>("select current_setting('server_version') as v")
    ).rows[0]!.v;
    await info.end();
    const clients: Pair = {
      plain: await openVariant('plain', dataDir, made),
      partitioned: await openVariant('partitioned', dataDir, made),
    };
    open.push(clients.plain, clients.partitioned);
    console.log(`loading ${ROWS} versions and ${EVENTS} events into both variants at once`);
    const [plainLoad, partitionedLoad] = await Promise.all([
      loadVariant(clients.plain, 'plain'),
      loadVariant(clients.partitioned, 'partitioned'),
    ]);
    const sizeAfterLoad = {
      plain: await sizes(clients.plain),
      partitioned: await sizes(clients.partitioned),
    };
    console.log('vacuum and analyze after the load');
    const afterLoad = {
      plain: await maintenanceAfterLoad(clients.plain),
      partitioned: await maintenanceAfterLoad(clients.partitioned),
    };
    const measured = await measure(clients);
    const sizeAfterWrites = {
      plain: await sizes(clients.plain),
      partitioned: await sizes(clients.partitioned),
    };
    console.log('vacuum and analyze after the writes, archive');
    const afterWrites = {
      plain: await maintenanceAfterWrites(clients.plain, 'plain'),
      partitioned: await maintenanceAfterWrites(clients.partitioned, 'partitioned'),
    };
    const archived = {
      plain: await archive(clients.plain, 'plain'),
      partitioned: await archive(clients.partitioned, 'partitioned'),
    };
    const result = {
      benchmark: 'pg-partition',
      date: new Date().toISOString(),
      machine: machine(),
      postgres: { version, settings },
      seconds: round2((performance.now() - started) / 1000),
      parameters: {
        versions: ROWS,
        events: EVENTS,
        tpsLoaded: TPS_LOADED,
        resubmissions: EXTRA_VERSIONS,
        ballots: BALLOTS.length,
        resubmitShare: RESUBMIT_SHARE,
        hashPartitions: HASH_PARTITIONS,
        eventRange: EVENT_RANGE,
        batch: BATCH,
        writePathSubmissions: WRITE_PATH,
        plainInsertVersions: RAW_INSERT,
      },
      constraints: CONSTRAINTS,
      load: { plain: plainLoad, partitioned: partitionedLoad },
      sizeAfterLoad,
      maintenanceAfterLoad: afterLoad,
      ...measured,
      sizeAfterWrites,
      maintenanceAfterWrites: afterWrites,
      archive: archived,
    };
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, 'pg-partition.json');
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file} in ${result.seconds} s`);
  } finally {
    for (const c of open) await c.end().catch(() => undefined);
    for (const schema of made) await dropSchema(schema, BASE_URL).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
