// Schema migrations, in code so they travel with the package. Each runs once, in order, on both
// SQLite and PostgreSQL.
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

const makeMigrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001-initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('regions')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('parent_code', 'text')
        .addColumn('level', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('regions_parent').on('regions').column('parent_code').execute();
      await db.schema
        .createTable('tps')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('desa_code', 'text', (c) => c.notNull().references('regions.code'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('dpt', 'integer')
        .execute();
      await db.schema.createIndex('tps_desa').on('tps').column('desa_code').execute();
      await db.schema
        .createTable('contests')
        .addColumn('ballot', 'text', (c) => c.primaryKey())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('kpps_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('tps_code', 'text', (c) => c.notNull().references('tps.code'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('photos')
        .addColumn('sha256', 'text', (c) => c.primaryKey())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('height', 'integer', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('submissions')
        .addColumn('seq', 'integer', (c) =>
          dialect === 'postgres'
            ? c.primaryKey().generatedByDefaultAsIdentity()
            : c.primaryKey().autoIncrement(),
        )
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('tps_code', 'text', (c) => c.notNull().references('tps.code'))
        .addColumn('ballot', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('prev_chain_hash', 'text')
        .addColumn('chain_hash', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('photos', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('flags', 'text', (c) => c.notNull())
        .addColumn('uploader', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('submissions_version', ['tps_code', 'ballot', 'version'])
        .addUniqueConstraint('submissions_content', ['tps_code', 'ballot', 'content_hash'])
        .execute();
      await db.schema
        .createTable('tps_status')
        .addColumn('tps_code', 'text', (c) => c.notNull().references('tps.code'))
        .addColumn('ballot', 'text', (c) => c.notNull())
        .addColumn('latest_version', 'integer', (c) => c.notNull())
        .addColumn('latest_status', 'text', (c) => c.notNull())
        .addColumn('latest_chain_hash', 'text', (c) => c.notNull())
        .addColumn('counted_id', 'text')
        .addColumn('counted_version', 'integer')
        .addPrimaryKeyConstraint('tps_status_pk', ['tps_code', 'ballot'])
        .execute();
      await db.schema
        .createTable('recap_totals')
        .addColumn('region_code', 'text', (c) => c.notNull().references('regions.code'))
        .addColumn('ballot', 'text', (c) => c.notNull())
        .addColumn('tps_total', 'integer', (c) => c.notNull())
        .addColumn('tps_reported', 'integer', (c) => c.notNull())
        .addColumn('valid', 'integer', (c) => c.notNull())
        .addColumn('invalid', 'integer', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('recap_totals_pk', ['region_code', 'ballot'])
        .execute();
      await db.schema
        .createTable('recap_votes')
        .addColumn('region_code', 'text', (c) => c.notNull().references('regions.code'))
        .addColumn('ballot', 'text', (c) => c.notNull())
        .addColumn('choice', 'text', (c) => c.notNull())
        .addColumn('votes', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('recap_votes_pk', ['region_code', 'ballot', 'choice'])
        .execute();
    },
  },
  // Issue 4, the KPPS field app: enrolled device keys, photos uploaded ahead of their submission
  // (tus), the signature of each signed submission, and signal observations for the blank-spot map.
  '0002-devices': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tps_code', 'text', (c) => c.notNull().references('tps.code'))
        .addColumn('public_key', 'text', (c) => c.notNull().unique())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('enrolled_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('devices_tps').on('devices').column('tps_code').execute();
      await db.schema
        .createTable('photo_uploads')
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('tps_code', 'text', (c) => c.notNull().references('tps.code'))
        .addColumn('uploader', 'text', (c) => c.notNull())
        .addColumn('uploaded_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('photo_uploads_pk', ['sha256', 'tps_code'])
        .execute();
      // One column per statement: SQLite adds one at a time.
      for (const column of ['device_id', 'signed_at', 'signature'])
        await db.schema.alterTable('submissions').addColumn(column, 'text').execute();
      await db.schema
        .createTable('signal_observations')
        .addColumn('seq', 'integer', (c) =>
          dialect === 'postgres'
            ? c.primaryKey().generatedByDefaultAsIdentity()
            : c.primaryKey().autoIncrement(),
        )
        .addColumn('tps_code', 'text', (c) => c.notNull().references('tps.code'))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('lat', 'double precision')
        .addColumn('lng', 'double precision')
        .addColumn('accuracy_m', 'double precision')
        .addColumn('connection', 'text', (c) => c.notNull())
        .addColumn('rtt_ms', 'double precision')
        .addColumn('upload_kbps', 'double precision')
        .addColumn('bytes', 'bigint')
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addColumn('uploader', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('signal_observations_tps')
        .on('signal_observations')
        .columns(['tps_code', 'at'])
        .execute();
    },
  },
  // Issue 6: results published by another source (Sirekap), imported by `rekap import sirekap`.
  // Append-only: a changed record is a new row and the newest (highest seq) counts; the same
  // record again (same content hash) adds nothing.
  '0003-external-results': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('external_results')
        .addColumn('seq', 'integer', (c) =>
          dialect === 'postgres'
            ? c.primaryKey().generatedByDefaultAsIdentity()
            : c.primaryKey().autoIncrement(),
        )
        .addColumn('tps_code', 'text', (c) => c.notNull().references('tps.code'))
        .addColumn('ballot', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('external_results_content', [
          'tps_code',
          'ballot',
          'source',
          'content_hash',
        ])
        .execute();
      await db.schema
        .createIndex('external_results_tps')
        .on('external_results')
        .columns(['tps_code', 'ballot', 'source', 'seq'])
        .execute();
    },
  },
  // Issue 9: the credential audit trail (src/store/events.ts), append-only and hash-chained, and
  // the indexes that revoking by TPS, by enrolling token and "last seen" per device read. A device
  // revoked before this migration closes the token it enrolled with, as revoking one does now.
  '0004-events': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('events')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('tps_code', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text')
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .execute();
      await db.schema.createIndex('events_tps').on('events').columns(['tps_code', 'seq']).execute();
      await db.schema.createIndex('kpps_tokens_tps').on('kpps_tokens').column('tps_code').execute();
      await db.schema.createIndex('devices_token').on('devices').column('token_hash').execute();
      await db.schema
        .createIndex('submissions_device')
        .on('submissions')
        .columns(['device_id', 'received_at'])
        .execute();
      await sql`
        update kpps_tokens set revoked_at = (
          select min(d.revoked_at) from devices d
          where d.token_hash = kpps_tokens.token_hash and d.revoked_at is not null)
        where revoked_at is null
          and token_hash in (select token_hash from devices where revoked_at is not null)
      `.execute(db);
    },
  },
  // Issue 9, quotas per TPS: the photos a TPS uploaded lately (the unreferenced-photo quota; the
  // key starts with sha256) and the observations it sent in the last hour.
  '0005-quotas': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('photo_uploads_tps')
        .on('photo_uploads')
        .columns(['tps_code', 'uploaded_at'])
        .execute();
      await db.schema
        .createIndex('signal_observations_received')
        .on('signal_observations')
        .columns(['tps_code', 'received_at'])
        .execute();
    },
  },
  // Issue 12, the recap ladder. A correction is a new version of kind `correction` in
  // `submissions` (never an update of the one it corrects). `tps_status` caches each TPS's review
  // state for the review queue. Operator accounts and their sessions; the sign-offs of each
  // level's recap (append-only: a close and a reopen are each a row, each with its event).
  '0006-recap-ladder': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('submissions')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('submission'))
        .execute();
      await db.schema.alterTable('submissions').addColumn('corrects', 'integer').execute();
      await db.schema
        .alterTable('tps_status')
        .addColumn('review_state', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .alterTable('tps_status')
        .addColumn('review_reasons', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .createIndex('tps_status_review')
        .on('tps_status')
        .columns(['ballot', 'review_state', 'tps_code'])
        .execute();
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('region_code', 'text', (c) => c.notNull())
        .addColumn('choice', 'text')
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('must_change_password', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      await db.schema.createIndex('sessions_account').on('sessions').column('account_id').execute();
      await db.schema
        .createTable('recap_signoffs')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('region_code', 'text', (c) => c.notNull().references('regions.code'))
        .addColumn('ballot', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('dhasil', 'text')
        .addColumn('signature', 'text')
        .execute();
      await db.schema
        .createIndex('recap_signoffs_region')
        .on('recap_signoffs')
        .columns(['region_code', 'ballot', 'seq'])
        .execute();
    },
  },
  // Issue 14, the blank-spot map: whether an observation was a send attempt or a survey made at
  // the TPS, the signal strength where the platform gives it, and the position of each TPS
  // (given with the election, or the demo's synthetic one inside its desa).
  '0007-blank-spots': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('signal_observations')
        .addColumn('source', 'text', (c) => c.notNull().defaultTo('send'))
        .execute();
      await db.schema
        .alterTable('signal_observations')
        .addColumn('signal_dbm', 'double precision')
        .execute();
      await db.schema
        .createTable('tps_positions')
        .addColumn('tps_code', 'text', (c) => c.primaryKey().references('tps.code'))
        .addColumn('lat', 'double precision', (c) => c.notNull())
        .addColumn('lng', 'double precision', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('set_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
});

export const migrationProvider = (dialect: Dialect): MigrationProvider => ({
  getMigrations: () => Promise.resolve(makeMigrations(dialect)),
});
