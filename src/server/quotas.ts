// Quotas: how much one TPS may hold or send, so that one KPPS token (each belongs to one TPS)
// cannot fill the disk, the tables or the public answers. Every default lives here, with why;
// `buildApp({ quotas })` overrides any of them. A request beyond a quota is answered 429 (wait, or
// finish what is pending) or 413 (this one request can never fit), with
// `{ error: 'quota_exceeded', message }` naming the quota, its limit and what to do.
import { apiError, type ApiError } from './errors.ts';

export type Quotas = {
  /**
   * Bytes one TPS may have parked in unfinished tus uploads, counted by their declared
   * `Upload-Length`. The field app sends one photo at a time (about 400 KB each); four photos of
   * the largest size (15 MB) fit.
   */
  parkedUploadBytes: number;
  /** An unfinished upload is refused (410) and its bytes removed this long after it began. */
  uploadExpiryMs: number;
  /** How often the server removes expired uploads while it runs (and once at start). */
  uploadPurgeIntervalMs: number;
  /**
   * Complete uploaded photos of one TPS that no submission of that TPS names, among those
   * uploaded within `unreferencedPhotoWindowMs`. A TPS has about 5 ballots x 3 pages, and the
   * field app uploads a photo only when it sends the submission that names it.
   */
  unreferencedPhotos: number;
  /**
   * An unreferenced photo counts toward `unreferencedPhotos` for this long. Its bytes stay (the
   * photo store is append-only) and a late submission may still name it.
   */
  unreferencedPhotoWindowMs: number;
  /**
   * Signal observations the server accepts from one TPS in any hour (by the time it received
   * them). The field app records one per send attempt: per outbox item at most ~23 in the first
   * hour of failures and ~16 an hour after that (backoff 2 s doubling to 5 min, +-25%); with 6
   * items on each of 2 phones that is under 300. A batch beyond it is refused whole, with
   * `Retry-After`; the field app keeps it and sends it later.
   */
  observationsPerHour: number;
  /**
   * The public `GET /api/v1/signal/observations` answer holds at most this many of each TPS (its
   * newest), so that one TPS cannot push the others out; `truncated` says when any were left out.
   */
  publicObservationsPerTps: number;
  /**
   * Timed uploads of the field app's survey (`POST /api/v1/signal/probe`, at most 64 KiB each)
   * one TPS may make in any hour. A survey measurement makes one; the officer is advised to
   * measure three times, at different hours. Counted in memory (nothing is stored): a restart
   * starts the count again.
   */
  probesPerHour: number;
};

const MB = 1024 * 1024;
const HOUR = 3600_000;

export const QUOTAS: Readonly<Quotas> = {
  parkedUploadBytes: 64 * MB,
  uploadExpiryMs: 24 * HOUR,
  uploadPurgeIntervalMs: 10 * 60_000,
  unreferencedPhotos: 30,
  unreferencedPhotoWindowMs: 24 * HOUR,
  observationsPerHour: 600,
  publicObservationsPerTps: 50,
  probesPerHour: 60,
};

/** The defaults with what `buildApp` was given on top. */
export const withQuotas = (given?: Partial<Quotas>): Quotas => ({ ...QUOTAS, ...given });

/** The answer to a request beyond a quota; `quota` is its name in `Quotas`. */
export const quotaExceeded = (status: 413 | 429, quota: keyof Quotas, message: string): ApiError =>
  apiError('quota_exceeded', status, `quota ${quota}: ${message}`);

/** Bytes for people: `64 MB`, `3.5 MB`, `512 KB`. */
export function formatBytes(n: number): string {
  if (n >= MB) return `${Math.round((n / MB) * 10) / 10} MB`;
  return `${Math.ceil(n / 1024)} KB`;
}

/** Durations for people: `24 h`, `10 min`, `45 s`. */
export function formatDuration(ms: number): string {
  if (ms >= HOUR && ms % HOUR === 0) return `${ms / HOUR} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.ceil(ms / 1000)} s`;
}
