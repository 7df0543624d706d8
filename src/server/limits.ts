// What one client, and all of them together, may take of the server: body bytes, memory, time and
// connections. Each limit has its default here; `buildApp({ limits })` overrides any of them
// (tests use small ones), and `rekap serve --max-connections` the one that depends on the machine.

export type ServerLimits = {
  /**
   * Bytes of one submission request (all its parts). A `Content-Length` above it answers 413
   * `payload_too_large` before any byte of the body is read; a chunked body is cut off with the
   * same 413 when it passes it.
   */
  submissionBytes: number;
  /**
   * Bytes of submission bodies held in memory at once, over all requests in flight. A request
   * whose bytes would pass it is answered 503 `server_busy` with Retry-After.
   */
  bufferedBytes: number;
  /** Retry-After of a 503 `server_busy`, in seconds. */
  busyRetryAfterS: number;
  /** Time to receive a request's headers (Node's `headersTimeout`), then 408. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (Node's `requestTimeout`), then 408. */
  requestTimeoutMs: number;
  /**
   * A body must arrive at least this fast on average, after `bodyGraceMs` (like Apache's
   * mod_reqtimeout `MinRate`): by `bodyGraceMs + received / minBodyBytesPerS` seconds since the
   * headers, or the request is cut off with 408. 0 turns it off.
   */
  minBodyBytesPerS: number;
  bodyGraceMs: number;
  /** A connection on which nothing moves for this long is closed (Fastify's `connectionTimeout`). */
  idleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (Node's `keepAliveTimeout`). */
  keepAliveTimeoutMs: number;
  /** Connections open at once; further ones are closed as they arrive (`server.maxConnections`). */
  maxConnections: number;
  /** How often the timeouts above are checked (Node's `connectionsCheckingInterval`). */
  timeoutCheckMs: number;
};

export const DEFAULT_LIMITS: ServerLimits = {
  // The field app sends ~3 x 400 KB per submission (its photos usually go ahead by tus, leaving a
  // few KB); a phone's full-size JPEG is 3-8 MB, so 40 MB holds five of those with room to spare.
  submissionBytes: 40 * 1024 * 1024,
  // Each file part counts twice (its pieces as they arrive, then the one buffer they are joined
  // into), so this is about 96 MB of photos in flight: 80 submissions of 3 x 400 KB at once. With
  // the process's own 120-250 MB it stays under 500 MB of memory however many clients send at
  // once (bench/hostile-bodies.ts: 16 bodies of 150 MB at once peaked at 146 MB with a
  // Content-Length, 387 MB chunked; 16 of 40 MB at 361 MB).
  bufferedBytes: 192 * 1024 * 1024,
  busyRetryAfterS: 5,
  // Apache's mod_reqtimeout defaults, in spirit: 20 s for the headers; a body 20 s, then 500 B/s.
  headersTimeoutMs: 20_000,
  // A 2G phone (GPRS, ~16 kbit/s = 2 KB/s) sends a 1.2 MB multipart submission in ~600 s. Slower
  // links and larger photos go through tus, whose 64 KB chunks are each a short request.
  requestTimeoutMs: 10 * 60_000,
  // 500 B/s after 20 s: a quarter of that 2G phone's rate, and 250 times what a slow-body attack
  // (2 bytes/s) sends, which is then cut after about 20 s instead of holding a connection 10 minutes.
  minBodyBytesPerS: 500,
  bodyGraceMs: 20_000,
  idleTimeoutMs: 2 * 60_000,
  // Long enough for a phone's run of requests (tus POST, PATCHes, the submission); short, so that
  // idle phones do not hold many of the connections below.
  keepAliveTimeoutMs: 10_000,
  // Each connection is a file descriptor, and a tus PATCH in flight holds a second (its partial
  // file): 500 x 2 plus the store's own files stays under a `ulimit -n` of 1024. With a higher
  // `ulimit -n`, raise it (`rekap serve --max-connections`) to about half of that.
  maxConnections: 500,
  timeoutCheckMs: 2_000,
};

export const resolveLimits = (limits: Partial<ServerLimits> = {}): ServerLimits => ({
  ...DEFAULT_LIMITS,
  ...limits,
});
