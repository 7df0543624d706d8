// KPPS devices: each phone enrols once per TPS with its KPPS token and registers the public half of
// an Ed25519 key; from then on the submissions of that TPS are signed by an enrolled device.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TpsCode } from '../core/codes.ts';
import type { Database } from './schema.ts';

export type Device = {
  id: string;
  tps: TpsCode;
  /** base64url of the raw 32-byte Ed25519 public key. */
  publicKey: string;
  label: string | null;
  enrolledAt: string;
  revokedAt: string | null;
};

export type NewDevice = {
  tps: TpsCode;
  publicKey: string;
  label: string | null;
  tokenHash: string;
};

export type Enrolment =
  | { ok: true; device: Device; created: boolean }
  /** The key is enrolled for another TPS, or was revoked. */
  | { ok: false; reason: 'other-tps' | 'revoked'; device: Device };

const toDevice = (r: Database['devices']): Device => ({
  id: r.id,
  tps: r.tps_code as TpsCode,
  publicKey: r.public_key,
  label: r.label,
  enrolledAt: r.enrolled_at,
  revokedAt: r.revoked_at,
});

async function byKey(db: Kysely<Database>, publicKey: string) {
  const row = await db
    .selectFrom('devices')
    .selectAll()
    .where('public_key', '=', publicKey)
    .executeTakeFirst();
  return row && toDevice(row);
}

/** Enrols a key once: the same key again gives the same device (idempotent, also under races). */
export async function enrolDevice(
  db: Kysely<Database>,
  d: NewDevice,
  now: Date,
): Promise<Enrolment> {
  const known = await byKey(db, d.publicKey);
  let created = false;
  if (!known) {
    const inserted = await db
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
    created = Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  const device = known ?? (await byKey(db, d.publicKey));
  if (!device) throw new Error('device vanished after enrolment');
  if (device.tps !== d.tps) return { ok: false, reason: 'other-tps', device };
  if (device.revokedAt) return { ok: false, reason: 'revoked', device };
  return { ok: true, device, created };
}

export async function deviceById(db: Kysely<Database>, id: string): Promise<Device | undefined> {
  const row = await db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDevice(row);
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

export async function revokeDevice(db: Kysely<Database>, id: string, now: Date): Promise<boolean> {
  const r = await db
    .updateTable('devices')
    .set({ revoked_at: now.toISOString() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
