// Security headers on every answer and rate limits on the routes a hostile client could use to bend
// the server (issue 9). Headers: @fastify/helmet with a Content-Security-Policy that the portal and
// the KPPS field app pass as they are (no inline script or style, wasm for the reader, workers and
// fetches to this origin only), no framing (the KPPS app holds the token and the signing key), no
// referrer, no sniffing; HSTS only when asked for (the server often runs on plain http behind a
// proxy that does TLS). Limits: @fastify/rate-limit counters per token and per client address on
// writes, enrolment, failed authentication and heavy reads, set far above what a phone, the demo
// night or the test suite send, attached by URL to routes registered in other files (devices.ts,
// uploads.ts, signal.ts, anomalies.ts) so that each of those files stays about its own job. The
// counters live in this process's memory: several servers behind one balancer each count alone,
// so a shared store (Redis, via `store`) is needed across machines (issue 15).
import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit, { normalizeIP, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import type { Store } from '../store/store.ts';
import { bearerToken } from './auth.ts';
import { apiError, sendError } from './errors.ts';

/** Most requests per window, per bearer token and per client address; absent: not limited. */
export type Limit = { perToken?: number; perAddress?: number };

/** The routes each limit counts, and how a refusal names them. */
const GROUPS = {
  submissions: {
    what: 'submissions',
    token: true,
    routes: [['POST', '/api/v1/tps/:code/submissions']],
  },
  /** Every tus request: create (POST), offset (HEAD), chunk (PATCH), cancel (DELETE), OPTIONS. */
  uploads: {
    what: 'upload requests',
    token: true,
    routes: [
      ['*', '/api/v1/uploads'],
      ['*', '/api/v1/uploads/*'],
    ],
  },
  observations: {
    what: 'observation posts',
    token: true,
    routes: [['POST', '/api/v1/signal/observations']],
  },
  enrolment: { what: 'enrolments', token: true, routes: [['POST', '/api/v1/kpps/devices']] },
  reads: {
    what: 'result reads',
    token: false,
    routes: [
      ['GET', '/api/v1/results/:code'],
      ['GET', '/api/v1/tps/:code'],
    ],
  },
  anomalies: { what: 'anomaly reads', token: false, routes: [['GET', '/api/v1/anomalies/:code']] },
  observationsRead: {
    what: 'observation reads',
    token: false,
    routes: [['GET', '/api/v1/signal/observations']],
  },
  photos: { what: 'photo reads', token: false, routes: [['GET', '/api/v1/photos/:sha256']] },
  /** The survey's timed upload (signal-probe.ts also keeps an hourly quota per TPS). */
  probes: { what: 'probes', token: true, routes: [['POST', '/api/v1/signal/probe']] },
  /** The blank-spot map and its plan: made afresh on each read (hundreds of ms for a kabupaten). */
  connectivity: {
    what: 'connectivity reads',
    token: false,
    routes: [
      ['GET', '/api/v1/connectivity/:code'],
      ['GET', '/api/v1/connectivity/:code/plan.csv'],
      ['GET', '/api/v1/connectivity/:code/plan.geojson'],
      ['GET', '/api/v1/connectivity/:code/plan.pdf'],
      ['GET', '/api/v1/connectivity/:code/late'],
    ],
  },
  /** Operator logins, whatever the name (session.ts also throttles each name). */
  logins: { what: 'login attempts', token: false, routes: [['POST', '/api/operator/login']] },
} as const satisfies Record<
  string,
  { what: string; token: boolean; routes: readonly (readonly [string, string])[] }
>;
export type LimitGroup = keyof typeof GROUPS;
const LIMIT_GROUPS = Object.keys(GROUPS) as LimitGroup[];

export type RateLimits = Record<LimitGroup, Limit> & {
  /** Requests without a valid token on a route that needs one, per client address. */
  authFailures: { perAddress?: number };
  /** The window every limit counts over, in milliseconds (fixed, from a key's first request). */
  windowMs: number;
  /** Keys each limit remembers in memory (least recently used forgotten first). */
  keys: number;
};

/**
 * The defaults, per minute. Per address they are generous: on election night a carrier-grade NAT
 * puts many phones (and many portal readers) behind one public address, so they are set for about
 * a thousand phones behind one address, and stop only a single host hammering the server; behind a
 * reverse proxy set `trustProxy`, or every client shares the proxy's address. Per token they are
 * tight: a TPS sends about five ballots, a few photos each, and a few retries. Failed
 * authentication (no token or an unknown or revoked one) is 30 a minute per address; a request
 * with a valid token is never refused for the failures of others behind the same address.
 * `npm start` plays 2,180 submissions from 127.0.0.1 in 4 minutes (1,043 in its busiest minute);
 * a field app sends ~8 tus requests per photo (64 KB chunks) and backs off from 2 s on failure.
 */
export const DEFAULT_RATE_LIMITS = {
  windowMs: 60_000,
  keys: 20_000,
  submissions: { perToken: 60, perAddress: 6_000 },
  uploads: { perToken: 1_200, perAddress: 30_000 },
  observations: { perToken: 60, perAddress: 6_000 },
  enrolment: { perToken: 10, perAddress: 600 },
  authFailures: { perAddress: 30 },
  reads: { perAddress: 12_000 },
  anomalies: { perAddress: 1_200 },
  observationsRead: { perAddress: 600 },
  photos: { perAddress: 6_000 },
  probes: { perToken: 30, perAddress: 6_000 },
  connectivity: { perAddress: 120 },
  logins: { perAddress: 120 },
} as const satisfies RateLimits;

/** A limit changed from the defaults: a number, or `false` for no limit of that kind. */
type LimitChange = { perToken?: number | false; perAddress?: number | false };
export type RateLimitsOption = Partial<Record<LimitGroup | 'authFailures', LimitChange | false>> & {
  windowMs?: number;
  keys?: number;
  /** Multiplies every default maximum (a big deployment behind few addresses: e.g. 10). */
  scale?: number;
};

export type SecurityOptions = {
  /** Changes from DEFAULT_RATE_LIMITS, or `false` for no rate limit at all (benchmarks). */
  rateLimits?: RateLimitsOption | false;
  /** A shared counter store for several servers (e.g. @fastify/rate-limit's RedisStore). */
  rateLimitStore?: FastifyRateLimitStoreCtor;
  /**
   * Strict-Transport-Security, only where the site is served over TLS (directly or by a proxy):
   * browsers then refuse plain http to this host for maxAgeSeconds. Off by default. With it on,
   * the CSP also asks browsers to upgrade any http subresource to https.
   */
  hsts?: false | { maxAgeSeconds: number; includeSubDomains?: boolean };
  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (Fastify's trustProxy:
   * addresses, CIDRs or 'loopback'; `true` believes anyone, so only behind a proxy that
   * overwrites the header). Used by buildApp when it creates the server.
   */
  trustProxy?: boolean | string | string[];
};

/** The defaults with the changes applied. */
export function resolveRateLimits(option: RateLimitsOption = {}): RateLimits {
  const scale = option.scale ?? 1;
  const scaled = (n: number | undefined) => (n === undefined ? undefined : Math.ceil(n * scale));
  const one = (defaults: Limit, change: LimitChange | false | undefined): Limit => {
    if (change === false) return {};
    const pick = (k: keyof Limit): number | undefined => {
      const v = change?.[k];
      return v === false ? undefined : (v ?? scaled(defaults[k]));
    };
    const perToken = pick('perToken');
    const perAddress = pick('perAddress');
    return {
      ...(perToken === undefined ? {} : { perToken }),
      ...(perAddress === undefined ? {} : { perAddress }),
    };
  };
  const groups = Object.fromEntries(
    LIMIT_GROUPS.map((g) => [g, one(DEFAULT_RATE_LIMITS[g], option[g])]),
  ) as Record<LimitGroup, Limit>;
  const failures = one(DEFAULT_RATE_LIMITS.authFailures, option.authFailures);
  return {
    ...groups,
    authFailures: failures.perAddress === undefined ? {} : { perAddress: failures.perAddress },
    windowMs: option.windowMs ?? DEFAULT_RATE_LIMITS.windowMs,
    keys: option.keys ?? DEFAULT_RATE_LIMITS.keys,
  };
}

/**
 * Reads a rate-limit setting as `rekap serve --rate-limit` and REKAP_RATE_LIMIT take it: `off`, or
 * comma-separated changes: `scale=10`, `window=60` (seconds), `keys=50000`,
 * `submissions.perToken=100`, `reads.perAddress=off`, `photos=off`. Answers an Error naming the
 * bad part.
 */
export function parseRateLimitSpec(spec: string): RateLimitsOption | false | Error {
  const text = spec.trim();
  if (text === 'off' || text === 'false' || text === '0') return false;
  const option: RateLimitsOption = {};
  const names = [...LIMIT_GROUPS, 'authFailures'] as const;
  for (const part of text.split(',').map((p) => p.trim())) {
    if (!part) continue;
    const m = /^([A-Za-z]+)(?:\.(perToken|perAddress))?=(.+)$/.exec(part);
    const [, name, kind, value] = m ?? [];
    const bad = new Error(
      `bad rate limit "${part}": expected off, scale=N, window=SECONDS, keys=N, or LIMIT[.perToken|.perAddress]=N|off with LIMIT one of ${names.join(', ')}`,
    );
    if (!name || !value) return bad;
    const n = value === 'off' ? false : Number(value);
    if (n !== false && !(Number.isFinite(n) && n > 0)) return bad;
    if (name === 'scale' && !kind && n !== false) option.scale = n;
    else if (name === 'window' && !kind && n !== false) option.windowMs = Math.round(n * 1000);
    else if (name === 'keys' && !kind && n !== false) option.keys = Math.round(n);
    else if ((names as readonly string[]).includes(name)) {
      const group = name as (typeof names)[number];
      if (!kind) {
        if (n !== false) return bad;
        option[group] = false;
      } else {
        const before = option[group];
        option[group] = { ...(before || {}), [kind]: n === false ? false : Math.round(n) };
      }
    } else return bad;
  }
  return option;
}

/** `--trust-proxy` / REKAP_TRUST_PROXY: `true`, or a comma-separated list of addresses or CIDRs. */
function parseTrustProxy(value: string): boolean | string[] {
  const text = value.trim();
  if (text === 'true') return true;
  if (text === 'false' || text === '') return false;
  return text.split(',').map((s) => s.trim());
}

/**
 * The security options of `rekap serve`, from its flags or, where a flag is absent, the
 * environment: --rate-limit / REKAP_RATE_LIMIT (parseRateLimitSpec), --trust-proxy /
 * REKAP_TRUST_PROXY (parseTrustProxy), --hsts / REKAP_HSTS (max-age in seconds; off by default).
 */
export function securityOptions(raw: {
  rateLimit?: string | undefined;
  trustProxy?: string | undefined;
  hsts?: string | undefined;
}): SecurityOptions | Error {
  const out: SecurityOptions = {};
  if (raw.rateLimit !== undefined) {
    const limits = parseRateLimitSpec(raw.rateLimit);
    if (limits instanceof Error) return limits;
    out.rateLimits = limits;
  }
  if (raw.trustProxy !== undefined) out.trustProxy = parseTrustProxy(raw.trustProxy);
  if (raw.hsts !== undefined && raw.hsts !== 'off' && raw.hsts !== '0') {
    const maxAgeSeconds = Number(raw.hsts);
    if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds <= 0)
      return new Error(`bad --hsts "${raw.hsts}": expected the max-age in seconds, or off`);
    out.hsts = { maxAgeSeconds };
  }
  return out;
}

/**
 * The Content-Security-Policy. The pages load only their own files (module scripts, one stylesheet
 * each, no inline code), so 'self' is enough almost everywhere:
 * - script-src 'self' 'wasm-unsafe-eval': the field app's reader runs TensorFlow.js's wasm backend
 *   in its worker; compiling WebAssembly needs 'wasm-unsafe-eval' (which allows no JS eval). No
 *   'unsafe-inline', no 'unsafe-eval' (zod runs jitless in the field app for this, jitless.ts).
 * - script-src-attr 'none': no inline event handlers (onclick=...).
 * - style-src 'self': one stylesheet per app; widths set from script go through the CSSOM.
 * - img-src 'self' blob:: photo previews are object URLs of the captured files.
 * - connect-src 'self': the API, tus uploads, the model and the wasm files, all on this origin.
 * - worker-src 'self': the reader worker (/kpps/reader.js) and the service worker (/kpps/sw.js).
 * - frame-ancestors 'none' (and X-Frame-Options DENY for older browsers): no page may be framed, so
 *   no other site can overlay the KPPS app to make an officer enrol or sign.
 * - frame-src 'none', object-src 'none', base-uri 'none', form-action 'self': no frames, no
 *   plugins, no <base> rewriting the app's URLs, forms post only here.
 * - upgrade-insecure-requests only with HSTS (on plain http it would break every request).
 * Everything else (fonts, media, the manifest) falls back to default-src 'self'.
 */
function contentSecurityPolicy(tls: boolean): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'blob:'],
    'connect-src': ["'self'"],
    'worker-src': ["'self'"],
    'frame-src': ["'none'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    ...(tls ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

const PHOTO_ROUTE = '/api/v1/photos/:sha256';

function windowText(ms: number): string {
  if (ms === 1000) return 'second';
  if (ms === 60_000) return 'minute';
  if (ms === 3_600_000) return 'hour';
  if (ms % 60_000 === 0) return `${ms / 60_000} minutes`;
  return `${Math.round(ms / 1000)} seconds`;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type Verdict = Awaited<ReturnType<Limiter>>;

/**
 * Registers the headers and the limits on `app`. Call it before any route is added: limits are
 * attached to routes as they are registered (onRoute), ahead of their handlers (onRequest), so a
 * refused request is never parsed, and tus requests are counted before the route hands them over.
 */
export async function registerSecurity(
  app: FastifyInstance,
  opts: SecurityOptions & { store: Store },
): Promise<void> {
  const hsts = opts.hsts || undefined;
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(!!hsts) },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: hsts
      ? { maxAge: hsts.maxAgeSeconds, includeSubDomains: hsts.includeSubDomains ?? false }
      : false,
  });
  // A photo is public evidence that observers may show on their own sites (<img>); the rest of
  // the API and the pages are for this origin only.
  app.addHook('onRoute', (route) => {
    if (route.url === PHOTO_ROUTE)
      route.config = {
        ...route.config,
        helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' } },
      } as typeof route.config;
  });

  if (opts.rateLimits === false) return;
  const limits = resolveRateLimits(opts.rateLimits);
  await app.register(rateLimit, {
    global: false,
    skipOnError: true,
    ...(opts.rateLimitStore ? { store: opts.rateLimitStore } : {}),
  });
  app.log.info({ rateLimits: limits }, 'rate limits');

  const address = (req: FastifyRequest) => normalizeIP(req.ip);
  const tokenKey = (req: FastifyRequest) =>
    createHash('sha256')
      .update(bearerToken(req) ?? '')
      .digest('hex')
      .slice(0, 32);
  const limiter = (name: string, max: number, key: (req: FastifyRequest) => string): Limiter =>
    app.createRateLimit({
      max,
      timeWindow: limits.windowMs,
      keyGenerator: (req) => `${name}:${key(req)}`,
      // Passed through to the memory store (the type does not list it).
      ...{ cache: limits.keys },
    });

  const refuse = (reply: FastifyReply, v: Verdict, max: number, reason: string) => {
    const after = Math.max(1, v.isAllowed ? 1 : v.ttlInSeconds);
    reply.request.log.debug({ reason, max }, 'rate limited');
    return sendError(
      reply.header('retry-after', String(after)),
      apiError(
        'rate_limited',
        `${reason}: at most ${max} per ${windowText(limits.windowMs)}; retry in ${after} s`,
      ),
    );
  };

  const failuresMax = limits.authFailures.perAddress;
  const failures =
    failuresMax === undefined ? undefined : limiter('auth-failures', failuresMax, address);
  if (failures)
    app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode === 401 && req.routeOptions.config.rekapLimited) await failures(req);
    });

  const hookFor = (group: LimitGroup): onRequestAsyncHookHandler | undefined => {
    const { what, token } = GROUPS[group];
    const { perToken, perAddress } = limits[group];
    const byAddress =
      perAddress === undefined ? undefined : limiter(`${group}:address`, perAddress, address);
    const byToken =
      token && perToken !== undefined ? limiter(`${group}:token`, perToken, tokenKey) : undefined;
    const needsToken = token;
    if (!byAddress && !byToken && !(needsToken && failures)) return undefined;
    return async function rateLimited(req, reply) {
      if (byAddress && perAddress !== undefined) {
        const v = await byAddress(req);
        if (!v.isAllowed && v.isExceeded)
          return refuse(reply, v, perAddress, `too many ${what} from this address`);
      }
      if (!needsToken || req.method === 'OPTIONS') return;
      if (failures && failuresMax !== undefined) {
        // After too many failures from this address, only a valid token gets through.
        const v = await failures(req, { increment: false });
        if (!v.isAllowed && v.remaining === 0) {
          const presented = bearerToken(req);
          if (!presented || !(await opts.store.authenticate(presented)))
            return refuse(
              reply,
              v,
              failuresMax,
              'too many failed authentications from this address',
            );
        }
      }
      if (byToken && perToken !== undefined && bearerToken(req) !== undefined) {
        const v = await byToken(req);
        if (!v.isAllowed && v.isExceeded)
          return refuse(reply, v, perToken, `too many ${what} with this token`);
      }
    };
  };

  const routes = new Map<string, LimitGroup>();
  for (const group of LIMIT_GROUPS)
    for (const [method, url] of GROUPS[group].routes) routes.set(`${method} ${url}`, group);
  const hooks = new Map<LimitGroup, onRequestAsyncHookHandler | undefined>(
    LIMIT_GROUPS.map((g) => [g, hookFor(g)]),
  );
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = [route.method].flat();
    const group =
      routes.get(`* ${route.url}`) ??
      methods.map((m) => routes.get(`${m === 'HEAD' ? 'GET' : m} ${route.url}`)).find(Boolean);
    const hook = group && hooks.get(group);
    const before = [route.onRequest ?? []].flat();
    // Once per route, even where Fastify copies a GET route's options into its HEAD route.
    if (!group || !hook || before.includes(hook)) return;
    route.config = { ...route.config, rekapLimited: group };
    route.onRequest = [...before, hook];
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The rate limit group of a route (security.ts). */
    rekapLimited?: LimitGroup;
  }
}
