// The tables, as Kysely sees them. JSON columns are text in both SQLite and PostgreSQL, written
// and read by this layer only.
import type { Generated } from 'kysely';

export type Database = {
  meta: { key: string; value: string };
  regions: { code: string; parent_code: string | null; level: string; name: string };
  tps: { code: string; desa_code: string; number: number; name: string; dpt: number | null };
  contests: { ballot: string; scope: string; kind: string; definition: string };
  kpps_tokens: {
    token_hash: string;
    tps_code: string;
    created_at: string;
    revoked_at: string | null;
  };
  photos: {
    sha256: string;
    size: number;
    content_type: string;
    width: number;
    height: number;
    /** Where the bytes lie in the blob store (blobs.ts). */
    location: string;
    created_at: string;
  };
  /** Append-only: one row per accepted version of a TPS result. Never updated, never deleted. */
  submissions: {
    seq: Generated<number>;
    id: string;
    tps_code: string;
    ballot: string;
    version: number;
    content_hash: string;
    prev_chain_hash: string | null;
    chain_hash: string;
    result: string;
    photos: string;
    status: string;
    flags: string;
    uploader: string;
    received_at: string;
    /** Signed submissions (0002): the enrolled device, the time it signed, the Ed25519 signature. */
    device_id: string | null;
    signed_at: string | null;
    signature: string | null;
    /** 0006: `submission` (from the KPPS) or `correction` (an operator's, with its event). */
    kind: string;
    /** 0006: a correction's corrected version. */
    corrects: number | null;
  };
  /** KPPS devices (0002): each holds an Ed25519 key; its public key is registered here. */
  devices: {
    id: string;
    tps_code: string;
    /** base64url of the raw 32-byte Ed25519 public key. */
    public_key: string;
    /** sha256 of the KPPS token that enrolled it. */
    token_hash: string;
    label: string | null;
    enrolled_at: string;
    revoked_at: string | null;
  };
  /** Photos uploaded ahead of their submission (tus), by which TPS (0002). */
  photo_uploads: { sha256: string; tps_code: string; uploader: string; uploaded_at: string };
  /** Each attempt of a field app to reach the server (0002), for the blank-spot map. */
  signal_observations: {
    seq: Generated<number>;
    tps_code: string;
    at: string;
    lat: number | null;
    lng: number | null;
    accuracy_m: number | null;
    connection: string;
    rtt_ms: number | null;
    upload_kbps: number | null;
    bytes: number | null;
    /** 1 or 0. */
    ok: number;
    uploader: string;
    received_at: string;
    /** 0007: `send` (an attempt to send, wherever the phone was) or `survey` (made at the TPS). */
    source: Generated<string>;
    /** 0007: signal strength in dBm, where the platform gives it. */
    signal_dbm: number | null;
  };
  /** 0007: where each TPS is: `registry` (given with the election) or `synthetic` (the demo's). */
  tps_positions: { tps_code: string; lat: number; lng: number; source: string; set_at: string };
  /**
   * Results another source published (0003), as `rekap import sirekap` parsed them: `result` is
   * the JSON of `{ values, photos }` (field path -> number or null). Append-only; newest seq counts.
   */
  external_results: {
    seq: Generated<number>;
    tps_code: string;
    ballot: string;
    source: string;
    result: string;
    content_hash: string;
    imported_at: string;
  };
  /**
   * The credential audit trail (0004), append-only: token issued or revoked, device enrolled,
   * refused or revoked (src/store/events.ts). Each hash covers the event and the one before it.
   */
  events: {
    seq: number;
    at: string;
    type: string;
    tps_code: string | null;
    /** `cli`, or the uploader id (`kpps:...`) of the token that acted. */
    actor: string;
    /** Canonical JSON. */
    details: string;
    prev_hash: string | null;
    hash: string;
  };
  /** Derived from submissions: which version is the latest and which one counts. */
  tps_status: {
    tps_code: string;
    ballot: string;
    latest_version: number;
    latest_status: string;
    latest_chain_hash: string;
    counted_id: string | null;
    counted_version: number | null;
    /** 0006: the review state (src/core/review.ts) and its reasons (JSON), for the review queue. */
    review_state: Generated<string>;
    review_reasons: Generated<string>;
  };
  /** Derived from submissions: totals per region and ballot. */
  recap_totals: {
    region_code: string;
    ballot: string;
    tps_total: number;
    tps_reported: number;
    valid: number;
    invalid: number;
    total: number;
  };
  recap_votes: { region_code: string; ballot: string; choice: string; votes: number };
  /** Operator accounts (0006): one role, one region (src/core/authz.ts). */
  accounts: {
    id: string;
    /** The login name. */
    name: string;
    role: string;
    region_code: string;
    /** A witness's pair or party (`saksi`). */
    choice: string | null;
    /** scrypt, with its parameters and salt. */
    password_hash: string;
    /** 1 while the password is the one-time one printed at creation or reset. */
    must_change_password: number;
    created_at: string;
    disabled_at: string | null;
  };
  /** Login sessions (0006), by the sha256 of their random id; the id itself is never stored. */
  sessions: {
    id_hash: string;
    account_id: string;
    created_at: string;
    last_seen_at: string;
    expires_at: string;
    ended_at: string | null;
  };
  /**
   * Sign-offs of a level's recap (0006), append-only: `closed` (with the signed D.Hasil JSON and
   * its Ed25519 signature) or `reopened`. seq is the event that records it.
   */
  recap_signoffs: {
    seq: number;
    region_code: string;
    ballot: string;
    action: string;
    at: string;
    actor: string;
    dhasil: string | null;
    signature: string | null;
  };
};
