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
};
