// Signal observations: every attempt of a field app to reach the server (time, place, connection,
// round-trip time, bytes moved, success), kept for the blank-spot map.
import type { Kysely, Selectable } from 'kysely';
import { regionContains, type RegionCode, type TpsCode } from '../core/codes.ts';
import type { Database } from './schema.ts';

export type Connection = 'none' | '2g' | '3g' | '4g' | '5g' | 'wifi' | 'unknown';

export type SignalObservation = {
  tps: TpsCode;
  at: string;
  lat?: number | undefined;
  lng?: number | undefined;
  accuracyM?: number | undefined;
  connection: Connection;
  rttMs: number | null;
  uploadKbps: number | null;
  bytes?: number | undefined;
  ok: boolean;
  /** Absent: `send`. */
  source?: 'send' | 'survey' | undefined;
  signalDbm?: number | undefined;
};

export type StoredObservation = SignalObservation & { receivedAt: string };

export async function recordObservations(
  db: Kysely<Database>,
  observations: SignalObservation[],
  uploader: string,
  now: Date,
): Promise<number> {
  const receivedAt = now.toISOString();
  const rows = observations.map((o) => ({
    tps_code: o.tps,
    at: o.at,
    lat: o.lat ?? null,
    lng: o.lng ?? null,
    accuracy_m: o.accuracyM ?? null,
    connection: o.connection,
    rtt_ms: o.rttMs,
    upload_kbps: o.uploadKbps,
    bytes: o.bytes ?? null,
    ok: o.ok ? 1 : 0,
    source: o.source ?? 'send',
    signal_dbm: o.signalDbm ?? null,
    uploader,
    received_at: receivedAt,
  }));
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 200)
      await trx
        .insertInto('signal_observations')
        .values(rows.slice(i, i + 200))
        .execute();
  });
  return rows.length;
}

/**
 * When the server received the observation of this TPS that lies `n` places before its newest
 * (0: the newest), among those received after `since`; undefined when there are not that many.
 * The hourly quota asks for the one whose leaving the window makes room for a batch.
 */
export async function observationReceivedAt(
  db: Kysely<Database>,
  tps: TpsCode,
  since: Date,
  n: number,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('signal_observations')
    .select('received_at')
    .where('tps_code', '=', tps)
    .where('received_at', '>', since.toISOString())
    .orderBy('received_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(1)
    .offset(n)
    .executeTakeFirst();
  return row?.received_at;
}

/** Rows read at a time while looking for the newest observations of each TPS. */
const CHUNK = 2000;

/**
 * The newest observations of the TPS below a region (`id` for all), oldest first: the newest
 * `limit` of those that are among the newest `perTps` of their TPS (all of them without it).
 * With `perTps`, rows are read newest first, a chunk at a time, leaving out each TPS once it has
 * its share, until `limit` are found: the cost follows the answer, not the size of the table.
 */
export async function observationsBelow(
  db: Kysely<Database>,
  region: RegionCode,
  limit: number,
  perTps?: number,
): Promise<StoredObservation[]> {
  const below = () => {
    const q = db.selectFrom('signal_observations').selectAll();
    return region === 'id' ? q : q.where('tps_code', 'like', `${region}.%`);
  };
  let rows: Selectable<Database['signal_observations']>[];
  if (perTps === undefined) rows = await below().orderBy('seq', 'desc').limit(limit).execute();
  else {
    rows = [];
    const ofTps = new Map<string, number>();
    const full: string[] = [];
    let before: number | undefined;
    while (rows.length < limit) {
      let q = below();
      if (before !== undefined) q = q.where('seq', '<', before);
      if (full.length > 0) q = q.where('tps_code', 'not in', full);
      const chunk = await q.orderBy('seq', 'desc').limit(CHUNK).execute();
      for (const r of chunk) {
        const n = (ofTps.get(r.tps_code) ?? 0) + 1;
        ofTps.set(r.tps_code, n);
        if (n > perTps) continue;
        if (n === perTps) full.push(r.tps_code);
        rows.push(r);
        if (rows.length === limit) break;
      }
      if (chunk.length < CHUNK) break;
      before = chunk[chunk.length - 1]!.seq;
    }
  }
  return rows
    .reverse()
    .filter((r) => regionContains(region, r.tps_code as TpsCode))
    .map((r) => ({
      tps: r.tps_code as TpsCode,
      at: r.at,
      ...(r.lat === null ? {} : { lat: r.lat }),
      ...(r.lng === null ? {} : { lng: r.lng }),
      ...(r.accuracy_m === null ? {} : { accuracyM: r.accuracy_m }),
      connection: r.connection as Connection,
      rttMs: r.rtt_ms,
      uploadKbps: r.upload_kbps,
      ...(r.bytes === null ? {} : { bytes: Number(r.bytes) }),
      ok: r.ok === 1,
      source: r.source as 'send' | 'survey',
      ...(r.signal_dbm === null ? {} : { signalDbm: r.signal_dbm }),
      receivedAt: r.received_at,
    }));
}
