// Operator sessions over HTTP (docs/operators.md): login, logout, the current account, a password
// change, and `requireOperator`, which every operator route calls to learn who asks and whether
// `can` (src/core/authz.ts) lets them.
//
// - The session id travels in the `__Host-rekap_session` cookie: HttpOnly (no script reads it),
//   Secure (browsers send it over https only, and over http to localhost and 127.0.0.1, so the
//   demo works; a real deployment is behind TLS), SameSite=Strict (no other site's page sends it),
//   Path=/ and no Domain (the `__Host-` prefix makes browsers refuse it otherwise).
// - CSRF: a double-submit token. The `rekap_csrf` cookie (readable by the page) holds an HMAC of
//   the session id, keyed by the id itself: nobody without the id can make it, and it tells nothing
//   of the id. Every state-changing request under /api/operator/ but the login repeats it in an
//   `x-csrf-token` header. No server secret is needed, so the token survives a restart and holds
//   across servers behind one balancer.
// - Throttling: after 5 failed logins for one name within 15 minutes, the name is refused
//   (`login_failed`, reason `throttled`) until the oldest failure leaves the window. Attempts in
//   flight count, so parallel guesses get no more tries. The counters live in this process, as the
//   per-address rate limits do (security.ts counts `POST /api/operator/login` per address too).
import { createHmac, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type Action, type Target } from '../core/authz.ts';
import {
  LoggedOutSchema,
  LoginSchema,
  OperatorAccountSchema,
  PasswordChangeSchema,
  type OperatorAccount,
  type OperatorSession,
} from '../contract/operator.ts';
import { SESSION_MAX_MS, type Account, type Session } from '../store/accounts.ts';
import type { Store } from '../store/store.ts';
import { ApiFailure, apiError, sendError } from './errors.ts';

export const SESSION_COOKIE = '__Host-rekap_session';
export const CSRF_COOKIE = 'rekap_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const OPERATOR_PREFIX = '/api/operator/';
export const LOGIN_PATH = '/api/operator/login';

/** Failed logins a name may have within the window before it is refused. */
export const LOGIN_THROTTLE = { failures: 5, windowMs: 15 * 60 * 1000, names: 10_000 };

export type SessionDeps = { store: Store; clock: () => Date };

/** The CSRF token of a session: HMAC-SHA256 keyed by the session id, base64url. */
export const csrfOf = (sessionId: string): string =>
  createHmac('sha256', Buffer.from(sessionId, 'utf8')).update('rekap csrf v1').digest('base64url');

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const pathOf = (req: FastifyRequest) => req.url.split('?', 1)[0] ?? req.url;

/** What the API shows of an account. */
export const publicAccount = (a: Account): OperatorAccount =>
  OperatorAccountSchema.parse({
    id: a.id,
    name: a.name,
    role: a.role,
    region: a.region,
    choice: a.choice,
    mustChangePassword: a.mustChangePassword,
  });

/** The failed logins of each name in the window, oldest first; a bounded, in-memory map. */
function loginThrottle(clock: () => Date) {
  const failures = new Map<string, number[]>();
  const recent = (name: string, now: number) => {
    const kept = (failures.get(name) ?? []).filter((t) => t > now - LOGIN_THROTTLE.windowMs);
    if (kept.length === 0) failures.delete(name);
    else failures.set(name, kept);
    return kept;
  };
  return {
    /** Seconds until the name may try again, or 0 when it may now (and then counts the try). */
    begin(name: string): { waitS: number; attempt: number } {
      const now = clock().getTime();
      const kept = recent(name, now);
      if (kept.length >= LOGIN_THROTTLE.failures)
        return {
          waitS: Math.max(1, Math.ceil((kept[0]! + LOGIN_THROTTLE.windowMs - now) / 1000)),
          attempt: now,
        };
      // Counted as a failure until it succeeds, so parallel guesses all count.
      failures.delete(name);
      failures.set(name, [...kept, now]);
      if (failures.size > LOGIN_THROTTLE.names) {
        const oldest = failures.keys().next().value;
        if (oldest !== undefined) failures.delete(oldest);
      }
      return { waitS: 0, attempt: now };
    },
    succeeded(name: string, attempt: number) {
      const kept = failures.get(name);
      if (!kept) return;
      const i = kept.indexOf(attempt);
      if (i >= 0) kept.splice(i, 1);
      if (kept.length === 0) failures.delete(name);
    },
  };
}

type Ctx = SessionDeps & { throttle: ReturnType<typeof loginThrottle> };

declare module 'fastify' {
  interface FastifyInstance {
    /** The operator sessions' dependencies (session.ts), for `requireOperator`. */
    rekapOperators?: Ctx;
  }
}

/** The session each request was found to have, looked up once. */
const found = new WeakMap<FastifyRequest, { id: string; session: Session } | null>();

async function sessionOf(req: FastifyRequest, ctx: Ctx) {
  if (found.has(req)) return found.get(req)!;
  const id = req.cookies[SESSION_COOKIE];
  const session = id ? await ctx.store.accounts.session(id) : undefined;
  const value = id && session ? { id, session } : null;
  found.set(req, value);
  return value;
}

const notLoggedIn = () =>
  apiError('not_logged_in', 'log in first: no live operator session (POST /api/operator/login)');

function csrfProblem(req: FastifyRequest, sessionId: string) {
  const header = req.headers[CSRF_HEADER];
  const given = typeof header === 'string' ? header : undefined;
  const cookieValue = req.cookies[CSRF_COOKIE];
  if (!given)
    return apiError(
      'csrf_mismatch',
      `a ${req.method} needs the ${CSRF_HEADER} header (the ${CSRF_COOKIE} cookie's value)`,
    );
  if (!cookieValue || !sameText(given, cookieValue) || !sameText(given, csrfOf(sessionId)))
    return apiError('csrf_mismatch', `the ${CSRF_HEADER} header is not this session's token`);
  return undefined;
}

function contextOf(req: FastifyRequest): Ctx {
  const ctx = req.server.rekapOperators;
  if (!ctx) throw new Error('requireOperator: registerSession was not called on this app');
  return ctx;
}

/**
 * The account of the request's session, when it may take `action` on `target`. Otherwise throws
 * the refusal (the app's error handler answers it): 401 `not_logged_in` (no live session), 403
 * `csrf_mismatch` (a state-changing request without the session's CSRF token), 403
 * `must_change_password` (a one-time password not changed yet), 403 `forbidden` or
 * `outside_region` (`can` says no).
 */
export async function requireOperator(
  req: FastifyRequest,
  action: Action,
  target: Target,
): Promise<Account> {
  const ctx = contextOf(req);
  const live = await sessionOf(req, ctx);
  if (!live) throw new ApiFailure(notLoggedIn());
  if (STATE_CHANGING.has(req.method)) {
    const problem = csrfProblem(req, live.id);
    if (problem) throw new ApiFailure(problem);
  }
  const account = live.session.account;
  if (account.mustChangePassword)
    throw new ApiFailure(
      apiError(
        'must_change_password',
        'this account still has its one-time password: change it first (POST /api/operator/password)',
      ),
    );
  const verdict = can(account, action, target);
  if (!verdict.ok) throw new ApiFailure(apiError(verdict.error.code, verdict.error.why));
  return account;
}

const COOKIE_BASE = { secure: true, sameSite: 'strict', path: '/' } as const;

function setSessionCookies(reply: FastifyReply, sessionId: string) {
  // The browser may forget them at the session's absolute end; the server ends it anyway.
  const maxAge = SESSION_MAX_MS / 1000;
  reply.setCookie(SESSION_COOKIE, sessionId, { ...COOKIE_BASE, httpOnly: true, maxAge });
  reply.setCookie(CSRF_COOKIE, csrfOf(sessionId), { ...COOKIE_BASE, httpOnly: false, maxAge });
}

function clearSessionCookies(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { ...COOKIE_BASE, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, { ...COOKIE_BASE, httpOnly: false });
}

const sessionBody = (account: Account, sessionId: string): OperatorSession => ({
  account: publicAccount(account),
  csrf: csrfOf(sessionId),
});

function malformed(what: string, issues: { path: PropertyKey[]; message: string }[]) {
  const first = issues[0];
  const where =
    first && first.path.length > 0 ? `${what}.${first.path.map(String).join('.')}` : what;
  return apiError('malformed_request', `${where}: ${first?.message ?? 'does not fit its schema'}`);
}

/** Registers the cookie parser, the CSRF check and the /api/operator/ session routes. */
export async function registerSession(app: FastifyInstance, deps: SessionDeps): Promise<void> {
  await app.register(cookie);
  const ctx: Ctx = { ...deps, throttle: loginThrottle(deps.clock) };
  app.decorate('rekapOperators', ctx);
  const { store } = deps;

  // Every state-changing operator request but the login needs a live session and its CSRF token,
  // checked before the route parses anything.
  app.addHook('onRequest', async (req, reply) => {
    const path = pathOf(req);
    if (!path.startsWith(OPERATOR_PREFIX) || !STATE_CHANGING.has(req.method)) return;
    if (path === LOGIN_PATH) return;
    const live = await sessionOf(req, ctx);
    if (!live) return sendError(reply, notLoggedIn());
    const problem = csrfProblem(req, live.id);
    if (problem) return sendError(reply, problem);
  });

  app.post(LOGIN_PATH, async (req, reply) => {
    const body = LoginSchema.safeParse(req.body);
    if (!body.success) return sendError(reply, malformed('body', body.error.issues));
    const name = body.data.name.trim().toLowerCase();
    const turn = ctx.throttle.begin(name);
    if (turn.waitS > 0) {
      await store.accounts.refuseLogin(name, 'throttled');
      return sendError(
        reply.header('retry-after', String(turn.waitS)),
        apiError(
          'rate_limited',
          `${LOGIN_THROTTLE.failures} failed logins for this name within ${LOGIN_THROTTLE.windowMs / 60_000} minutes; retry in ${turn.waitS} s`,
        ),
      );
    }
    const login = await store.accounts.login(name, body.data.password);
    if (!login.ok)
      return sendError(
        reply,
        apiError('login_refused', 'the name or password is wrong, or the account is disabled'),
      );
    ctx.throttle.succeeded(name, turn.attempt);
    const { sessionId, session } = login.value;
    setSessionCookies(reply, sessionId);
    return reply.header('cache-control', 'no-store').send(sessionBody(session.account, sessionId));
  });

  app.post('/api/operator/logout', async (req, reply) => {
    const live = await sessionOf(req, ctx);
    if (!live) return sendError(reply, notLoggedIn());
    await store.accounts.logout(live.id);
    clearSessionCookies(reply);
    return reply
      .header('cache-control', 'no-store')
      .send(LoggedOutSchema.parse({ loggedOut: true }));
  });

  app.get('/api/operator/me', async (req, reply) => {
    const live = await sessionOf(req, ctx);
    if (!live) return sendError(reply, notLoggedIn());
    // The CSRF cookie again, in case the page lost it; the session cookie is left as it is.
    reply.setCookie(CSRF_COOKIE, csrfOf(live.id), {
      ...COOKIE_BASE,
      httpOnly: false,
      maxAge: SESSION_MAX_MS / 1000,
    });
    return reply
      .header('cache-control', 'no-store')
      .send(sessionBody(live.session.account, live.id));
  });

  app.post('/api/operator/password', async (req, reply) => {
    const live = await sessionOf(req, ctx);
    if (!live) return sendError(reply, notLoggedIn());
    const body = PasswordChangeSchema.safeParse(req.body);
    if (!body.success) return sendError(reply, malformed('body', body.error.issues));
    // A wrong current password counts as a failed login: a stolen session must not become a
    // way to guess the password without limit.
    const name = live.session.account.name;
    const turn = ctx.throttle.begin(name);
    if (turn.waitS > 0)
      return sendError(
        reply.header('retry-after', String(turn.waitS)),
        apiError(
          'rate_limited',
          `too many wrong passwords for this account; retry in ${turn.waitS} s`,
        ),
      );
    const changed = await store.accounts.changePassword(live.id, body.data.current, body.data.next);
    if (!changed.ok) {
      const e = changed.error;
      if (e.code !== 'wrong_password') ctx.throttle.succeeded(name, turn.attempt);
      if (e.code === 'not_logged_in') return sendError(reply, notLoggedIn());
      if (e.code === 'wrong_password')
        return sendError(reply, apiError('wrong_password', 'the current password is wrong'));
      return sendError(reply, apiError('password_too_weak', e.message));
    }
    ctx.throttle.succeeded(name, turn.attempt);
    return reply.header('cache-control', 'no-store').send(sessionBody(changed.value, live.id));
  });
}
