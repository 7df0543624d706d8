// GET /api/v1/live: the public side's server-sent event stream (docs/design/public-side.md, "live
// without polling"). A portal page opens it once and re-reads the view it shows, by its ETag, only
// when told the data changed: a crowd of open pages costs no queries between submissions.
//
// Events (each with an `id:`, the mark it tells of):
//   hello   on connect: {"mark", "time", "stale": null | since}
//   change  the mark moved: {"mark", "time"}; at most one a second (`minIntervalMs`), the last
//           mark of the second, never one per submission
//   stale   the marks of other processes' writes are unknown (their poll fails): {"since", "time"}
//   fresh   they are known again: {"mark", "time"}
//   heartbeat  every 15 s (`heartbeatMs`): {"mark", "time"}, so a page and any proxy on the way know
//           the stream is alive; a page that hears nothing for two heartbeats says its data is
//           stale. (An event, not a comment line: a browser's EventSource never shows comments.)
//
// At most `maxStreams` streams are open at once (app.ts: half the server's connection cap,
// limits.ts `maxConnections`, 500 by default, so 250; never more than 10,000): each holds a socket
// (a file descriptor) for as long as the page is open, and open pages must never take the
// connections KPPS phones submit on. The next is refused with 503 `server_busy` and a Retry-After,
// and the page falls back to reading by ETag every 15 s. A crowd larger than that is for a CDN or
// proxy in front that fans one stream out (the stream is `no-transform`, `X-Accel-Buffering: no`),
// with `rekap serve --max-connections` raised where `ulimit -n` allows.
import type { FastifyInstance } from 'fastify';
import type { ChangeMarks, MarkEvent } from './change-mark.ts';
import { apiError, sendError } from './errors.ts';

export const LIVE_PATH = '/api/v1/live';
export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_MIN_INTERVAL_MS = 1_000;
export const DEFAULT_MAX_STREAMS = 10_000;
/** What a browser's EventSource waits before it reconnects (the `retry:` field). */
const RETRY_MS = 3_000;

/** The streams a server with `maxConnections` keeps open: half of them, at most 10,000. */
export const liveStreamCap = (maxConnections: number): number =>
  Math.max(1, Math.min(DEFAULT_MAX_STREAMS, Math.floor(maxConnections / 2)));

export type LiveOptions = {
  marks: ChangeMarks;
  clock?: () => Date;
  heartbeatMs?: number;
  minIntervalMs?: number;
  maxStreams?: number;
};

export type LiveStats = { open: () => number };

export function registerLive(app: FastifyInstance, opts: LiveOptions): LiveStats {
  const { marks } = opts;
  const clock = opts.clock ?? (() => new Date());
  const heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const minIntervalMs = opts.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  const maxStreams = opts.maxStreams ?? DEFAULT_MAX_STREAMS;
  /** Each open stream's end. */
  const streams = new Set<() => void>();
  let closing = false;

  app.addHook('onClose', () => {
    closing = true;
    for (const end of [...streams]) end();
  });
  // Fastify waits for open requests on close (and so would a test): end the streams first.
  app.addHook('preClose', () => {
    closing = true;
    for (const end of [...streams]) end();
  });

  app.get(LIVE_PATH, async (req, reply) => {
    if (closing)
      return sendError(
        reply.header('retry-after', '5'),
        apiError('server_busy', 'the server is shutting down; try again shortly'),
      );
    if (streams.size >= maxStreams)
      return sendError(
        reply.header('retry-after', '30'),
        apiError(
          'server_busy',
          `${maxStreams} live streams are open, the most this server keeps; read by ETag instead, or try again later`,
        ),
      );
    // The first mark (a store that never answered fails here, as any read would: 500).
    const first = await marks.mark();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx and others buffer a response unless told not to; an event must arrive as it is sent.
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    // A stream is idle by design between events: Node's idle and request timeouts must not cut it.
    req.raw.socket.setTimeout(0);

    let seq = 0;
    const send = (event: string, data: object) => {
      seq++;
      res.write(`id: ${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const now = () => clock().toISOString();

    let told = first;
    let pending: string | undefined;
    let lastSent = 0;
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (pending === undefined || pending === told) return;
      told = pending;
      pending = undefined;
      lastSent = Date.now();
      send('change', { mark: told, time: now() });
    };
    const onMark = (e: MarkEvent) => {
      if (e.type === 'stale') {
        send('stale', { since: e.since.toISOString(), time: now() });
        return;
      }
      if (e.type === 'fresh') {
        send('fresh', { mark: e.mark, time: now() });
        if (e.mark !== told) pending = e.mark;
      } else pending = e.mark;
      if (flushTimer) return;
      const wait = lastSent + minIntervalMs - Date.now();
      if (wait <= 0) flush();
      else flushTimer = setTimeout(flush, wait);
    };

    res.write(`retry: ${RETRY_MS}\n\n`);
    const since = marks.staleSince();
    send('hello', { mark: first, time: now(), stale: since ? since.toISOString() : null });
    const unsubscribe = marks.subscribe(onMark);
    // A change between the first mark and the subscription is told at once.
    const latest = marks.current();
    if (latest !== undefined && latest !== first) onMark({ type: 'change', mark: latest });
    const heartbeat = setInterval(
      () => send('heartbeat', { mark: marks.current() ?? told, time: now() }),
      heartbeatMs,
    );

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      streams.delete(end);
      clearInterval(heartbeat);
      if (flushTimer) clearTimeout(flushTimer);
      unsubscribe();
      res.end();
    };
    streams.add(end);
    res.on('close', end);
    res.on('error', end);
  });

  return { open: () => streams.size };
}
