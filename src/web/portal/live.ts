// The portal's live updates (docs/design/public-side.md, "live without polling"): one EventSource
// on GET /api/v1/live; on each `change` the page re-reads only the view it shows, by its ETag
// (`refresh`). The page always says when its data was last updated ("Diperbarui pukul 20.15.03")
// and, when the stream is silent past two heartbeats, fails, or the server says its data is behind,
// "Tertinggal sejak 20.14" instead of freezing silently. Without EventSource, or when the stream
// keeps failing (a proxy that buffers it, a server at its cap of streams), it reads by ETag every
// 15 s instead.
import { h, patch } from '../shared/dom.ts';
import { dateLocale, translate, type Lang } from '../shared/i18n.ts';
import { PORTAL_STRINGS } from './strings.ts';

export const LIVE_URL = '/api/v1/live';
/** The server's heartbeat (src/server/live.ts); silence past two of them means stale. */
export const HEARTBEAT_MS = 15_000;
export const FALLBACK_POLL_MS = 15_000;
/** A failed read of the view is tried again after this long. */
const RETRY_READ_MS = 5_000;
/** Failures in a row, with no event between them, before the page gives up on the stream. */
const MAX_FAILURES = 3;

export type LiveOptions = {
  /** Reads the view shown again (by its ETag). */
  refresh: () => void;
  /** Something the status line says has changed: render it again. */
  onStatus: () => void;
  lang: () => Lang;
  url?: string;
  heartbeatMs?: number;
  pollMs?: number;
  /** For tests; default globalThis.EventSource (absent: polling). */
  eventSource?: typeof EventSource | undefined;
};

export type LiveClient = {
  /** 'live' while the stream runs, 'polling' once it fell back to reading every 15 s. */
  mode(): 'live' | 'polling';
  /** Since when the page's data may be behind, or null. */
  staleSince(): Date | null;
  /**
   * The status line into `el`: updated at `updatedAt` (the view's last good read), or stale since
   * when; `failing`: the view's last read failed.
   */
  render(el: HTMLElement, updatedAt: Date | null, failing: boolean): void;
  stop(): void;
};

const clockTime = (d: Date, lang: Lang, seconds: boolean) =>
  d.toLocaleTimeString(dateLocale(lang), {
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
  });

export function startLive(opts: LiveOptions): LiveClient {
  const url = opts.url ?? LIVE_URL;
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const pollMs = opts.pollMs ?? FALLBACK_POLL_MS;
  const ES = 'eventSource' in opts ? opts.eventSource : globalThis.EventSource;
  let mode: 'live' | 'polling' = 'live';
  let source: EventSource | null = null;
  /** The server's word: its data is behind since then. */
  let serverStale: Date | null = null;
  /** The stream went silent or failed; the page last heard from it then. */
  let silentSince: Date | null = null;
  let lastHeard = new Date();
  let failures = 0;
  let hellos = 0;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  let poller: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const status = () => opts.onStatus();
  const heard = () => {
    lastHeard = new Date();
    failures = 0;
    if (silentSince) {
      silentSince = null;
      status();
    }
    clearTimeout(watchdog);
    // Two heartbeats and a little more without a word: the stream is stuck (a dead connection
    // that never errors, a proxy holding it): say so, and open it again.
    watchdog = setTimeout(
      () => {
        silentSince = lastHeard;
        status();
        reopen();
      },
      heartbeatMs * 2 + 2_000,
    );
  };
  const data = (e: Event): Record<string, unknown> => {
    try {
      return JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const since = (v: unknown): Date | null => {
    if (typeof v !== 'string') return null;
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  };

  const fallBack = () => {
    source?.close();
    source = null;
    clearTimeout(watchdog);
    mode = 'polling';
    silentSince = null;
    serverStale = null;
    status();
    poller = setInterval(() => {
      if (!document.hidden) opts.refresh();
    }, pollMs);
  };

  const open = () => {
    if (stopped) return;
    if (!ES) return fallBack();
    const es = new ES(url);
    source = es;
    es.addEventListener('hello', (e) => {
      heard();
      serverStale = since(data(e).stale);
      // After a reconnect, changes may have been missed: read again (by ETag, so cheap).
      if (hellos++ > 0) opts.refresh();
      status();
    });
    es.addEventListener('change', () => {
      heard();
      opts.refresh();
    });
    es.addEventListener('heartbeat', heard);
    es.addEventListener('stale', (e) => {
      heard();
      serverStale = since(data(e).since) ?? new Date();
      status();
    });
    es.addEventListener('fresh', () => {
      heard();
      serverStale = null;
      opts.refresh();
      status();
    });
    es.addEventListener('error', () => {
      if (source !== es) return;
      failures++;
      if (!silentSince) {
        silentSince = lastHeard;
        status();
      }
      // EventSource tries again by itself unless the server refused (a 503 at the cap): then, or
      // after a few failures in a row, read by ETag instead.
      if (es.readyState === 2 || failures >= MAX_FAILURES) fallBack();
    });
  };
  const reopen = () => {
    source?.close();
    source = null;
    failures++;
    if (failures >= MAX_FAILURES) fallBack();
    else open();
  };

  open();

  return {
    mode: () => mode,
    staleSince: () => serverStale ?? silentSince,
    render(el, updatedAt, failing) {
      // A read that failed is tried again in 5 s, whatever the stream says meanwhile.
      if (failing && retry === undefined && !stopped)
        retry = setTimeout(() => {
          retry = undefined;
          opts.refresh();
        }, RETRY_READ_MS);
      const lang = opts.lang();
      const t = (key: keyof typeof PORTAL_STRINGS, time: string) =>
        translate(PORTAL_STRINGS, lang, key, { time });
      const behind = serverStale ?? silentSince ?? (failing ? (updatedAt ?? new Date()) : null);
      const text = behind
        ? t('liveStaleSince', clockTime(behind, lang, false))
        : updatedAt
          ? t(
              mode === 'live' ? 'liveUpdatedAt' : 'livePollingUpdatedAt',
              clockTime(updatedAt, lang, true),
            )
          : '';
      el.classList.toggle('live-stale', behind !== null);
      patch(el, [
        h(
          'span',
          {
            role: 'status',
            'aria-live': 'polite',
            class: behind ? 'live-status stale' : 'live-status',
            'data-testid': 'live-status',
          },
          text,
        ),
      ]);
    },
    stop() {
      stopped = true;
      source?.close();
      source = null;
      clearTimeout(watchdog);
      clearTimeout(retry);
      clearInterval(poller);
    },
  };
}
