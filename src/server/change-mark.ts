// The public side's change mark, kept in memory (docs/design/public-side.md, "reads never queue
// behind writes"). A cached public answer is keyed on it, the live stream (live.ts) announces it.
//
// It moves at once with this process's own writes (the store counts them: `localMark()`, and says
// so: `onLocalChange`). Writers in other processes (`rekap rebuild`, an import, a second server on
// PostgreSQL) are seen on SQLite at once too (its data_version is read from shared memory, no
// query: `quickMark()`), and on PostgreSQL by ONE shared poll of `changeMark()` every `pollMs`,
// whatever the number of readers. So a cached read costs no database query at all.
//
// When that poll fails, the mark is behind: `staleSince()` says since when (the last good poll),
// and subscribers hear `stale`, then `fresh` once a poll succeeds again.
import type { Store } from '../store/store.ts';

export const DEFAULT_POLL_MS = 500;
/**
 * How often `rekap serve` lets the public mark move (`--public-refresh-ms`): at most once a second,
 * so that during full-speed ingest each public answer is made about once a second, not once per
 * submission, and reads never queue behind writes. The live stream announces at most 1/s anyway.
 */
export const SERVE_PUBLISH_MS = 1_000;

export type MarkEvent =
  | { type: 'change'; mark: string }
  | { type: 'stale'; since: Date }
  | { type: 'fresh'; mark: string };

export type ChangeMarks = {
  /** The mark now, with no query; undefined until the first poll of the store has answered. */
  current(): string | undefined;
  /** The mark, waiting for the first poll if there was none yet (rejects when the store fails). */
  mark(): Promise<string>;
  /** Since when the marks of other processes' writes are unknown (the last good poll), or null. */
  staleSince(): Date | null;
  /** Hears each change of the mark, and when it goes stale and fresh again; returns the removal. */
  subscribe(listener: (e: MarkEvent) => void): () => void;
  /**
   * Polls the store now instead of at the next tick: another API node said it wrote (the event
   * bus, bus.ts). Only news: the mark still comes from the store, and a nudge lost changes nothing
   * but how soon the mark moves. Nudges during a poll are folded into it.
   */
  nudge(): void;
  /** Stops the poll and the store's listener; marks are still answered from the last poll. */
  close(): void;
};

export type ChangeMarkOptions = {
  /** How often other processes' writes are looked for (PostgreSQL; SQLite sees them at once). */
  pollMs?: number;
  /**
   * The least time between two moves of the mark readers see (default 0: every change at once).
   * A change within it is published when it ends (a timer), so no change is ever left unannounced;
   * until then readers get the answers of the last published mark, from the cache.
   */
  publishMs?: number;
  clock?: () => Date;
};

/** The part of a store mark after this process's own count: other processes' writes. */
function externalPart(mark: string): string {
  const dot = mark.indexOf('.');
  return dot < 0 ? mark : mark.slice(dot + 1);
}

/**
 * The change marks of one store. Nothing runs until first asked (a mark, a subscriber); the poll's
 * timer is unref'd, so it never keeps a process alive, and `close()` (on the app's close) ends it.
 */
export function changeMarks(store: Store, opts: ChangeMarkOptions = {}): ChangeMarks {
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const publishMs = opts.publishMs ?? 0;
  let published: string | undefined;
  let publishedAt = 0;
  let pending: NodeJS.Timeout | undefined;
  const clock = opts.clock ?? (() => new Date());
  const listeners = new Set<(e: MarkEvent) => void>();
  let external: string | undefined;
  let lastGood: Date | undefined;
  let stale: Date | null = null;
  let announced: string | undefined;
  let priming: Promise<string> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let unlisten: (() => void) | undefined;
  let closed = false;

  const emit = (e: MarkEvent) => {
    for (const l of listeners)
      try {
        l(e);
      } catch {
        // one listener's failure is not the others'
      }
  };
  /** The newest mark, as the store counts it. */
  const latest = (): string | undefined => {
    const quick = store.quickMark();
    if (quick !== undefined && external !== undefined) return quick;
    return external === undefined ? undefined : `${store.localMark()}.${external}`;
  };
  /**
   * The mark readers see: the latest, or while `publishMs` has not passed since the last move, the
   * last published one, with a timer that publishes (and announces) the latest when it has.
   */
  const now = (): string | undefined => {
    const m = latest();
    if (m === undefined || m === published) return published ?? m;
    const wait = published === undefined ? 0 : publishedAt + publishMs - clock().getTime();
    if (wait <= 0) {
      published = m;
      publishedAt = clock().getTime();
    } else if (!pending && !closed) {
      pending = setTimeout(() => {
        pending = undefined;
        announce();
      }, wait);
      pending.unref();
    }
    return published;
  };
  /** Tells subscribers when the mark is not the one they were last told. */
  const announce = () => {
    const m = now();
    if (m === undefined || m === announced) return;
    announced = m;
    emit({ type: 'change', mark: m });
  };
  const poll = async (): Promise<string> => {
    try {
      const m = await store.changeMark();
      external = externalPart(m);
      lastGood = clock();
      if (stale) {
        stale = null;
        announced = now();
        emit({ type: 'fresh', mark: announced! });
      } else announce();
      return now()!;
    } catch (e) {
      if (!stale && lastGood) {
        stale = lastGood;
        emit({ type: 'stale', since: stale });
      }
      throw e;
    }
  };
  let again = false;
  const tick = () => {
    if (polling) {
      again = true;
      return;
    }
    polling = true;
    // SQLite: its quick mark shows other connections' commits at once; the poll still runs, to
    // notice a store that no longer answers.
    poll()
      .catch(() => undefined)
      .finally(() => {
        polling = false;
        if (store.quickMark() !== undefined) announce();
        // A nudge that came during the poll may name a commit the poll did not see yet.
        if (again && !closed) {
          again = false;
          tick();
        }
      });
  };
  const start = () => {
    if (closed || timer) return;
    unlisten = store.onLocalChange(announce);
    timer = setInterval(tick, pollMs);
    timer.unref();
  };

  return {
    current() {
      start();
      return now();
    },
    mark() {
      start();
      const m = now();
      if (m !== undefined) return Promise.resolve(m);
      // One first poll however many readers wait for it; a failed one is tried again by the next.
      priming ??= poll().finally(() => {
        priming = undefined;
      });
      return priming;
    },
    staleSince: () => stale,
    nudge() {
      if (closed) return;
      start();
      tick();
    },
    subscribe(listener) {
      start();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (pending) clearTimeout(pending);
      pending = undefined;
      unlisten?.();
      listeners.clear();
    },
  };
}
