// Everything the field app keeps on the phone, in IndexedDB (Dexie): the enrolled device (its
// Ed25519 private key is a non-extractable CryptoKey, stored as is), the outbox of signed results
// with their compressed page photos, and the signal observations. It all survives closing the app
// and restarting the phone.
import { Dexie, type EntityTable } from 'dexie';
import type { Connection } from '../../contract/kpps.ts';
import type { TpsReviewStatus } from '../../contract/results.ts';
import type { VersionStatus } from '../../contract/version-status.ts';
import type { CHasil } from '../../core/chasil.ts';
import { err, ok } from '../../core/result.ts';
import type { FormReading } from '../../reader/read-form.ts';
import type { SignedSummary } from './signing.ts';
import type { Guidance, PhotoAdded } from './worker-protocol.ts';

export type Mode = 'live' | 'training';

export type Device = {
  mode: Mode;
  tps: string;
  /** Empty in training mode. */
  token: string;
  deviceId: string;
  publicKey: string;
  privateKey: CryptoKey | Uint8Array;
  enrolledAt: string;
  /**
   * The registered DPT of the TPS, learnt at enrolment, so the phone checks the form against the
   * register as the server does. Absent on a device enrolled before the server told it; null when
   * the election holds none.
   */
  registeredDpt?: number | null;
  /** The server's review of the TPS as last fetched (a photo request shows on the home screen). */
  review?: TpsReviewStatus;
};

type OutboxPhoto = {
  sha256: string;
  page: number | null;
  name: string;
  blob: Blob;
  bytes: number;
  /** The tus upload's URL once the server made it, to resume after a reload. */
  uploadUrl?: string;
  uploaded: boolean;
};

type OutboxStatus = 'local' | 'waiting' | 'sending' | 'sent' | 'confirmed' | 'rejected';

export type OutboxItem = {
  id?: number;
  createdAt: string;
  training: boolean;
  tps: string;
  token: string;
  summary: SignedSummary;
  signature: string;
  publicKey: string;
  photos: OutboxPhoto[];
  /** Rules the signed numbers break, confirmed by the officer as written on the paper. */
  breaches: string[];
  status: OutboxStatus;
  /** Every attempt so far (shown in the outbox). */
  attempts: number;
  /** Failures in a row since the signal last came back: what the backoff grows with. */
  failures?: number;
  nextAttemptAt: number;
  lastError?: string;
  serverId?: string;
  serverHash?: string;
  /** What the server made of this version when last asked: counted, flagged, corrected... */
  server?: { version: number; status: VersionStatus; checkedAt: string };
};

export type Observation = {
  id?: number;
  tps: string;
  token: string;
  at: string;
  lat?: number;
  lng?: number;
  accuracyM?: number;
  connection: Connection;
  rttMs: number | null;
  uploadKbps: number | null;
  bytes: number;
  ok: boolean;
  /** survey: measured on purpose in survey mode (survey.ts); absent: a send attempt. */
  source?: 'send' | 'survey';
  /** 0 while waiting to be sent, 1 once the server took it. */
  sent: 0 | 1;
};

/**
 * The ballot being photographed and reviewed, kept as it changes so that closing the app (or a
 * phone that kills it in the background) loses nothing: `${mode}/photos` and `${mode}/review`.
 */
type DraftRecord = {
  key: string;
  photos?: PhotoAdded[];
  reading?: FormReading;
  values?: Record<string, number | null>;
  touched?: string[];
};

export type FieldDb = Dexie & {
  drafts: EntityTable<DraftRecord, 'key'>;
  devices: EntityTable<Device, 'mode'>;
  outbox: EntityTable<OutboxItem, 'id'>;
  observations: EntityTable<Observation, 'id'>;
};

export function openFieldDb(name = 'rekap-kpps'): FieldDb {
  const db = new Dexie(name) as FieldDb;
  db.version(1).stores({
    devices: 'mode',
    outbox: '++id, status, training',
    observations: '++id, sent',
  });
  db.version(2).stores({ drafts: 'key' });
  // Version 3: a photo's guidance is a Result (`value` / `error`); drafts saved before carried it
  // flat (`{ ok, page, blur, pxPerMm }` or `{ ok, reason, detail }`).
  db.version(3)
    .stores({ drafts: 'key' })
    .upgrade((tx) =>
      tx
        .table<DraftRecord, string>('drafts')
        .toCollection()
        .modify((d) => {
          for (const p of d.photos ?? []) p.guidance = guidanceOfVersion2(p.guidance);
        }),
    );
  return db;
}

/** A guidance as version 2 stored it, as a Result; one already a Result is kept. */
function guidanceOfVersion2(g: Guidance): Guidance {
  if ('value' in g || 'error' in g) return g;
  const { ok: found, ...rest } = g as { ok: boolean } & Record<string, unknown>;
  return (found ? ok(rest) : err(rest)) as Guidance;
}

export type { CHasil };
