// KPPS devices: each phone enrols once per TPS with its KPPS token and registers the public half of
// an Ed25519 key; from then on the submissions of that TPS are signed by an enrolled device.
// A token enrols at most a few devices (`maxDevicesPerToken`, default 2). Revoking a device also
// revokes the token it enrolled with, so whoever holds that token cannot enrol a fresh key: the
// operator issues a new token for the replacement phone. Every enrolment, refusal and revocation
// is an event (events.ts).
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { regionContains, type RegionCode, type TpsCode } from '../core/codes.ts';
import { err, ok, type Result } from '../core/result.ts';
import { withEvents, type Actor } from './events.ts';
import type { Database } from './schema.ts';
import { closeTokens, uploaderOf, type TokenContext } from './tokens.ts';

/**
 * How many devices one KPPS token may enrol for its TPS, unless the store is told otherwise
 * (`openStore({ maxDevicesPerToken })`, `rekap serve --max-devices-per-token N`): the phone of the
 * KPPS chair and one spare. Revoked devices do not count (their token is revoked with them).
 */
export const DEFAULT_MAX_DEVICES_PER_TOKEN = 2;

/** The shortest device-id prefix the operator's commands accept: what the phone shows. */
export const DEVICE_PREFIX_LENGTH = 8;

export type Device = {
  id: string;
  tps: TpsCode;
  /** base64url of the raw 32-byte Ed25519 public key. */
  publicKey: string;
  label: string | null;
  enrolledAt: string;
  revokedAt: string | null;
  /** The uploader id (`kpps:...`) of the token it enrolled with. */
  enrolledWith: string;
};

/** A device as `rekap devices` lists it. */
export type DeviceListing = Device & {
  /** When its newest signed submission was received; its enrolment when it has signed none. */
  lastSeenAt: string;
};

export type NewDevice = {
  tps: TpsCode;
  publicKey: string;
  label: string | null;
  tokenHash: string;
};

/** Why an enrolment is refused (the reasons its `device_refused` event logs). */
export type EnrolRefusal =
  /** The key is enrolled for another TPS, or was revoked. */
  | { reason: 'other_tps' | 'revoked_key'; device: Device }
  /** The token has enrolled `limit` devices that are not revoked. */
  | { reason: 'device_limit'; limit: number };

/** The enrolled device (`created` when this call enrolled it), or why not. */
export type Enrolment = Result<{ device: Device; created: boolean }, EnrolRefusal>;

const toDevice = (r: Database['devices']): Device => ({
  id: r.id,
  tps: r.tps_code as TpsCode,
  publicKey: r.public_key,
  label: r.label,
  enrolledAt: r.enrolled_at,
  revokedAt: r.revoked_at,
  enrolledWith: uploaderOf(r.token_hash),
});

async function byKey(db: Kysely<Database>, publicKey: string) {
  const row = await db
    .selectFrom('devices')
    .selectAll()
    .where('public_key', '=', publicKey)
    .executeTakeFirst();
  return row && toDevice(row);
}

/**
 * Enrols a key once: the same key again gives the same device (idempotent, also under races, and
 * also when the token is at its cap). A new key is refused once the token has `limit` devices.
 */
export async function enrolDevice(
  ctx: TokenContext,
  d: NewDevice,
  now: Date,
  limit: number,
): Promise<Enrolment> {
  const actor = uploaderOf(d.tokenHash);
  return withEvents(ctx.db, ctx.dialect, now, async (trx, log): Promise<Enrolment> => {
    const refused = (details: Record<string, unknown>) =>
      log({ type: 'device_refused', tps: d.tps, actor, details: { token: actor, ...details } });
    const check = (device: Device, created: boolean): Enrolment => {
      const reason =
        device.tps !== d.tps ? 'other_tps' : device.revokedAt ? 'revoked_key' : undefined;
      if (!reason) return ok({ device, created });
      refused({ reason, deviceId: device.id });
      return err({ reason, device });
    };
    const known = await byKey(trx, d.publicKey);
    if (known) return check(known, false);
    const enrolled = await trx
      .selectFrom('devices')
      .select((e) => e.fn.countAll<number>().as('n'))
      .where('token_hash', '=', d.tokenHash)
      .where('tps_code', '=', d.tps)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(enrolled.n) >= limit) {
      refused({ reason: 'device_limit', limit });
      return err({ reason: 'device_limit', limit });
    }
    const inserted = await trx
      .insertInto('devices')
      .values({
        id: randomUUID(),
        tps_code: d.tps,
        public_key: d.publicKey,
        token_hash: d.tokenHash,
        label: d.label,
        enrolled_at: now.toISOString(),
        revoked_at: null,
      })
      .onConflict((oc) => oc.column('public_key').doNothing())
      .executeTakeFirst();
    const created = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
    const device = await byKey(trx, d.publicKey);
    if (!device) throw new Error('device vanished after enrolment');
    if (created)
      log({
        type: 'device_enrolled',
        tps: d.tps,
        actor,
        details: { deviceId: device.id, token: actor, label: device.label },
      });
    return check(device, created);
  });
}

export async function deviceById(db: Kysely<Database>, id: string): Promise<Device | undefined> {
  const row = await db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDevice(row);
}

/** The devices whose id starts with this text (any case), at most 20. */
export async function devicesByPrefix(db: Kysely<Database>, prefix: string): Promise<Device[]> {
  const p = prefix.trim().toLowerCase();
  if (!/^[0-9a-f-]{1,36}$/.test(p)) return [];
  const rows = await db
    .selectFrom('devices')
    .selectAll()
    .where('id', 'like', `${p}%`)
    .orderBy('id')
    .limit(20)
    .execute();
  return rows.map(toDevice);
}

/** The devices of one TPS or of every TPS below a region, by TPS and enrolment. */
export async function listDevices(
  db: Kysely<Database>,
  where: { tps: TpsCode } | { region: RegionCode },
): Promise<DeviceListing[]> {
  let q = db
    .selectFrom('devices as d')
    .selectAll('d')
    .select((eb) =>
      eb
        .selectFrom('submissions as s')
        .select((e) => e.fn.max('s.received_at').as('m'))
        .whereRef('s.device_id', '=', 'd.id')
        .as('last_signed'),
    )
    .orderBy('d.tps_code')
    .orderBy('d.enrolled_at')
    .orderBy('d.id');
  if ('tps' in where) q = q.where('d.tps_code', '=', where.tps);
  else if (where.region !== 'id') q = q.where('d.tps_code', 'like', `${where.region}.%`);
  const rows = await q.execute();
  return rows
    .filter((r) => 'tps' in where || regionContains(where.region, r.tps_code as TpsCode))
    .map((r) => ({ ...toDevice(r), lastSeenAt: r.last_signed ?? r.enrolled_at }));
}

/** Whether any device was ever enrolled for the TPS (revoked ones count: no going back to unsigned). */
export async function tpsHasDevice(db: Kysely<Database>, tps: TpsCode): Promise<boolean> {
  const row = await db
    .selectFrom('devices')
    .select('id')
    .where('tps_code', '=', tps)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Revokes a device and the token it enrolled with, in one transaction. False when there is no
 * such device or it was revoked before.
 */
export async function revokeDevice(
  ctx: TokenContext,
  id: string,
  now: Date,
  actor: Actor,
): Promise<boolean> {
  return withEvents(ctx.db, ctx.dialect, now, async (trx, log) => {
    const row = await trx
      .updateTable('devices')
      .set({ revoked_at: now.toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returning(['tps_code', 'token_hash'])
      .executeTakeFirst();
    if (!row) return false;
    log({
      type: 'device_revoked',
      tps: row.tps_code as TpsCode,
      actor,
      details: { deviceId: id, token: uploaderOf(row.token_hash) },
    });
    await closeTokens(trx, [row.token_hash], now, log, {
      actor,
      reason: 'device_revoked',
      deviceId: id,
    });
    return true;
  });
}
