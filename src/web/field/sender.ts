// Sends the outbox in the background while the app is open: each item's photos go up resumably
// with tus (the upload URL is stored, so a reload resumes rather than restarts), then the signed
// submission is POSTed referencing the photos' hashes. Failures back off exponentially; coming
// back online retries at once (start.ts calls retryNow on the online event, loading the sender
// first if it is not yet). Every attempt leaves a signal observation, sent in batches. While
// online it also asks the server what it made of the TPS (the public TPS answer's review status),
// so that the outbox says counted, flagged, corrected or superseded, and the home screen shows an
// operator's request for a new photo.
import * as tus from 'tus-js-client';
import {
  SubmissionReceiptSchema,
  type Connection,
  type SignalObservationInput,
  type SignaturePart,
} from '../../contract/kpps.ts';
import { TpsResultSchema, type TpsResult } from '../../contract/results.ts';
import { versionStatus } from '../../contract/version-status.ts';
import { parseAnswer, refusalOf } from './answers.ts';
import type { FieldDb, Observation, OutboxItem } from './db.ts';
import { currentLang } from './i18n.ts';
import { FieldProblem, failureText, problemText } from './problems.ts';

const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** An upload that moves no byte for this long is given up (and resumed on the next attempt). */
export const STALL_MS = 45_000;
/** The longest a small request (ping, submission, check) may take. */
const REQUEST_TIMEOUT_MS = 60_000;
/** tus chunk size: small enough that a cut on weak signal loses little. */
const UPLOAD_CHUNK_BYTES = 64 * 1024;
const TICK_MS = 3_000;
/** How often, online, the server's review of the TPS is asked for (an answer unchanged is a 304). */
export const STATUS_EVERY_MS = 15_000;

/** How long to hold observations back after a 429 that gives no usable Retry-After. */
const OBSERVATIONS_PAUSE_MS = 60_000;

/**
 * What to do with a batch of observations after the server answered: mark it sent (stored, or
 * refused for good), or keep it and send nothing for `pauseMs` (429: the hourly quota of the TPS
 * or a rate limit; `Retry-After` says how long, at most an hour is waited). Anything else (5xx,
 * no answer) is kept and tried on the next tick.
 */
export function afterObservationsPost(
  status: number,
  retryAfter: string | null,
): { sent: boolean; pauseMs: number } {
  if (status === 429) {
    const s = Number(retryAfter);
    const pauseMs = Number.isFinite(s) && s > 0 ? s * 1000 : OBSERVATIONS_PAUSE_MS;
    return { sent: false, pauseMs: Math.min(pauseMs, 3600_000) };
  }
  return { sent: status === 200 || status === 202 || (status >= 400 && status < 500), pauseMs: 0 };
}

function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.75 + 0.5 * random()));
}

type NetInfo = { type?: string; effectiveType?: string };

export function connectionType(): Connection {
  if (!navigator.onLine) return 'none';
  const c = (navigator as Navigator & { connection?: NetInfo }).connection;
  if (!c) return 'unknown';
  if (c.type === 'wifi' || c.type === 'ethernet') return 'wifi';
  if (c.type === 'none') return 'none';
  if (c.effectiveType === 'slow-2g' || c.effectiveType === '2g') return '2g';
  if (c.effectiveType === '3g' || c.effectiveType === '4g') return c.effectiveType;
  return 'unknown';
}

/** The last known position, asked for in the background; never waited on. */
let lastPosition: { lat: number; lng: number; accuracyM: number } | undefined;
function refreshPosition(): void {
  try {
    navigator.geolocation?.getCurrentPosition(
      (p) => {
        lastPosition = {
          lat: Math.round(p.coords.latitude * 1e5) / 1e5,
          lng: Math.round(p.coords.longitude * 1e5) / 1e5,
          accuracyM: Math.round(p.coords.accuracy),
        };
      },
      () => undefined,
      { maximumAge: 5 * 60_000, timeout: 20_000, enableHighAccuracy: false },
    );
  } catch {
    // No geolocation here: the observation goes without a position.
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The message is the officer's words already (a refusal's catalogue text). */
    readonly shown = false,
  ) {
    super(message);
  }
}
const permanent = (e: unknown) =>
  e instanceof HttpError &&
  e.status >= 400 &&
  e.status < 500 &&
  e.status !== 408 &&
  e.status !== 429;

function upload(
  db: FieldDb,
  item: OutboxItem,
  index: number,
  onBytes: (n: number) => void,
): Promise<void> {
  const photo = item.photos[index]!;
  return new Promise((resolve, reject) => {
    let sentBefore = 0;
    let lastMove = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - lastMove < STALL_MS) return;
      clearInterval(watchdog);
      void u.abort(false);
      reject(new Error('upload stalled'));
    }, 5_000);
    const u = new tus.Upload(photo.blob, {
      endpoint: '/api/v1/uploads/',
      ...(photo.uploadUrl ? { uploadUrl: photo.uploadUrl } : {}),
      headers: { authorization: `Bearer ${item.token}` },
      metadata: {
        tps: item.tps,
        sha256: photo.sha256,
        filename: photo.name,
        filetype: 'image/jpeg',
      },
      chunkSize: UPLOAD_CHUNK_BYTES,
      retryDelays: null,
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: true,
      onUploadUrlAvailable() {
        photo.uploadUrl = u.url ?? undefined;
        void db.outbox.update(item.id, { photos: item.photos });
      },
      onProgress(sent) {
        lastMove = Date.now();
        if (sent > sentBefore) onBytes(sent - sentBefore);
        sentBefore = sent;
      },
      onError(err) {
        clearInterval(watchdog);
        const status = (
          err as { originalResponse?: { getStatus(): number } | null }
        ).originalResponse?.getStatus();
        reject(status ? new HttpError(status, err.message) : err);
      },
      onSuccess() {
        clearInterval(watchdog);
        resolve();
      },
    });
    u.start();
  });
}

async function postSubmission(item: OutboxItem): Promise<Response> {
  const form = new FormData();
  form.set('result', new Blob([JSON.stringify(item.summary.result)], { type: 'application/json' }));
  form.set('photos', new Blob([JSON.stringify(item.summary.photos)], { type: 'application/json' }));
  const signature: SignaturePart = {
    deviceId: item.summary.deviceId,
    signedAt: item.summary.signedAt,
    signature: item.signature,
  };
  form.set('signature', new Blob([JSON.stringify(signature)], { type: 'application/json' }));
  return fetch(`/api/v1/tps/${encodeURIComponent(item.tps)}/submissions?ballot=ppwp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${item.token}` },
    body: form,
    cache: 'no-store',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** The public answer for a TPS; `no-cache` revalidates with its ETag, so unchanged is a 304. */
async function publishedTps(tps: string): Promise<TpsResult> {
  const res = await fetch(`/api/v1/tps/${encodeURIComponent(tps)}?ballot=ppwp`, {
    cache: 'no-cache',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!res.ok) throw new HttpError(res.status, `HTTP ${res.status}`);
  // An answer that does not fit proves nothing: the item stays sent, and is checked again.
  const answer = parseAnswer(TpsResultSchema, await res.text(), 'TPS result');
  if (!answer.ok) throw new Error(answer.error);
  return answer.value;
}

/** The published version that is this item, if the server holds it. */
const versionOf = (tps: TpsResult, item: OutboxItem) =>
  tps.versions.find((v) => v.id === item.serverId || v.hash === item.serverHash);

/**
 * Keeps what the server made of the TPS on the phone: its review on the device (the home screen
 * reads it) and each sent item's own status. True when anything shown changed.
 */
export async function keepServerStatus(db: FieldDb, tps: TpsResult): Promise<boolean> {
  let changed = false;
  const dev = await db.devices.get('live');
  if (dev && dev.tps === tps.code && JSON.stringify(dev.review) !== JSON.stringify(tps.review)) {
    await db.devices.update('live', { review: tps.review });
    changed = true;
  }
  const items = await db.outbox.where('status').anyOf('sent', 'confirmed').toArray();
  for (const item of items) {
    if (item.training || item.tps !== tps.code) continue;
    const v = versionOf(tps, item);
    if (!v) continue;
    const status = versionStatus(tps.review, v.version);
    if (JSON.stringify(item.server?.status) === JSON.stringify(status)) continue;
    await db.outbox.update(item.id, {
      server: { version: v.version, status, checkedAt: new Date().toISOString() },
    });
    changed = true;
  }
  return changed;
}

/** What the officer reads of a refusal: the catalogue's words in the app's language, and why. */
function refusalMessage(status: number, text: string): string {
  const body = refusalOf(text);
  if (body) return `${body.text[currentLang()]} (${body.message})`;
  return `${problemText(status >= 500 ? 'send_failed' : 'server_refused')} (HTTP ${status})`;
}

export type Sender = { kick(): void; retryNow(): void; stop(): void };

export function startSender(db: FieldDb, onChange: () => void): Sender {
  let running = false;
  let again = false;

  async function attempt(item: OutboxItem): Promise<void> {
    const started = performance.now();
    let bytes = 0;
    let rttMs: number | null = null;
    let uploadMs = 0;
    let ok = false;
    refreshPosition();
    await db.outbox.update(item.id, { status: 'sending' });
    onChange();
    try {
      const t0 = performance.now();
      const ping = await fetch('/healthz', {
        cache: 'no-store',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      rttMs = Math.round(performance.now() - t0);
      if (!ping.ok) throw new HttpError(ping.status, `HTTP ${ping.status}`);
      if (item.status !== 'sent') {
        const u0 = performance.now();
        for (let i = 0; i < item.photos.length; i++) {
          if (item.photos[i]!.uploaded) continue;
          await upload(db, item, i, (n) => (bytes += n));
          item.photos[i]!.uploaded = true;
          await db.outbox.update(item.id, { photos: item.photos });
        }
        uploadMs = performance.now() - u0;
        const res = await postSubmission(item);
        const text = await res.text();
        bytes += text.length;
        if (res.status === 200 || res.status === 201) {
          // A receipt that does not fit is no proof the server holds the item: it stays waiting
          // and is sent again (an identical resubmission then answers 200 with the receipt).
          const receipt = parseAnswer(SubmissionReceiptSchema, text, 'receipt');
          if (!receipt.ok) throw new Error(receipt.error);
          const body = receipt.value;
          item.serverId = body.id;
          item.serverHash = body.hash;
          // An identical resubmission (200) means the server already holds it: confirmed.
          item.status = res.status === 200 ? 'confirmed' : 'sent';
          await db.outbox.update(item.id, {
            serverId: body.id,
            serverHash: body.hash,
            status: item.status,
            lastError: undefined,
          });
        } else throw new HttpError(res.status, refusalMessage(res.status, text), true);
      }
      if (item.status === 'sent' || item.status === 'confirmed') {
        const tps = await publishedTps(item.tps);
        if (item.status === 'sent' && versionOf(tps, item)) {
          item.status = 'confirmed';
          await db.outbox.update(item.id, { status: 'confirmed' });
        }
        await keepServerStatus(db, tps);
        statusCheckedAt = Date.now();
      }
      ok = true;
      if (item.status !== 'confirmed') throw new FieldProblem('not_yet_published');
    } catch (e) {
      const attempts = item.attempts + 1;
      // Read afresh: the signal may have come back during this attempt and reset the count.
      const failures = ((await db.outbox.get(item.id))?.failures ?? 0) + 1;
      // Shown in the outbox: in the officer's words, an English message only as a detail.
      const message =
        e instanceof HttpError && e.shown
          ? e.message
          : failureText(e, permanent(e) ? 'server_refused' : 'send_failed');
      await db.outbox.update(item.id, {
        status: permanent(e) ? 'rejected' : item.status === 'sent' ? 'sent' : 'waiting',
        attempts,
        failures,
        nextAttemptAt: Date.now() + backoffMs(failures),
        lastError: message,
      });
    } finally {
      const seconds = uploadMs / 1000;
      const obs: Observation = {
        tps: item.tps,
        token: item.token,
        at: new Date().toISOString(),
        ...(lastPosition ?? {}),
        connection: connectionType(),
        rttMs,
        uploadKbps: bytes > 0 && seconds > 0 ? Math.round((bytes * 8) / 1000 / seconds) : null,
        bytes,
        ok,
        sent: 0,
      };
      void started;
      await db.observations.add(obs);
      onChange();
    }
  }

  /** When the server's review of the TPS was last asked for. */
  let statusCheckedAt = 0;
  async function refreshStatus(): Promise<void> {
    if (!navigator.onLine || Date.now() - statusCheckedAt < STATUS_EVERY_MS) return;
    const dev = await db.devices.get('live');
    if (!dev?.tps) return;
    statusCheckedAt = Date.now();
    if (await keepServerStatus(db, await publishedTps(dev.tps))) onChange();
  }

  /** No observations are sent before this (the server answered 429). */
  let observationsPausedUntil = 0;
  async function sendObservations(): Promise<void> {
    if (Date.now() < observationsPausedUntil) return;
    const waiting = await db.observations.where('sent').equals(0).limit(100).toArray();
    const byToken = new Map<string, Observation[]>();
    for (const o of waiting) byToken.set(o.token, [...(byToken.get(o.token) ?? []), o]);
    for (const [token, list] of byToken) {
      const body: SignalObservationInput[] = list.map(
        ({ id: _id, token: _t, sent: _s, ...o }) => o,
      );
      const res = await fetch('/api/v1/signal/observations', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const next = afterObservationsPost(res.status, res.headers.get('retry-after'));
      if (next.sent)
        await db.observations.bulkUpdate(list.map((o) => ({ key: o.id!, changes: { sent: 1 } })));
      if (next.pauseMs > 0) {
        observationsPausedUntil = Date.now() + next.pauseMs;
        return;
      }
    }
  }

  async function tick(): Promise<void> {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const now = Date.now();
        const due = (await db.outbox.toArray()).filter(
          (i) =>
            !i.training &&
            (i.status === 'waiting' || i.status === 'sending' || i.status === 'sent') &&
            i.nextAttemptAt <= now,
        );
        for (const item of due) await attempt(item);
        // No answer now is no news: the status shown stays what it was, and is asked again later.
        await refreshStatus().catch(() => undefined);
        if (navigator.onLine) await sendObservations().catch(() => undefined);
      } while (again);
    } finally {
      running = false;
    }
  }

  const kick = () => void tick();
  /** The signal is back (or the officer asks): try everything now, the backoff starts over. */
  const retryNow = () => {
    void db.outbox
      .where('status')
      .anyOf('waiting', 'sending', 'sent')
      .modify({ nextAttemptAt: 0, failures: 0 })
      .then(kick);
  };
  const timer = setInterval(kick, TICK_MS);
  kick();
  return {
    kick,
    retryNow,
    stop() {
      clearInterval(timer);
    },
  };
}
