// Connections a client cannot hold forever: header, body and idle timeouts, a minimum body rate
// (so that a body trickling in at a few bytes a second is cut off within about half a minute, not
// after the whole request timeout), and a cap on open connections below the file-descriptor limit.
// Node's own timeouts are answered by errors.ts's clientErrorHandler; the rate check answers the
// same way (408 `request_timeout`), saying how slow the body was.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import type { ServerLimits } from './limits.ts';
import { apiError, rawAnswer } from './errors.ts';

/** A request whose body is still arriving, as the rate check sees it. */
type Incoming = {
  req: IncomingMessage;
  res: ServerResponse;
  since: number;
  bytesBefore: number;
};

export type ConnectionGuard = {
  /** For the Fastify constructor: the timeouts. */
  fastifyOptions: Pick<
    FastifyServerOptions,
    'requestTimeout' | 'connectionTimeout' | 'keepAliveTimeout'
  > & {
    http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
  };
  /** Sets the connection cap and starts the body-rate check on the app's server. */
  attach(server: Server): void;
};

const timeoutAnswer = (message: string): string => rawAnswer(apiError('request_timeout', message));

export function connectionGuard(limits: ServerLimits): ConnectionGuard {
  const incoming = new Set<Incoming>();

  /** Cuts off requests whose body arrives slower than the minimum rate. */
  const checkRates = () => {
    const now = Date.now();
    for (const entry of incoming) {
      const { req, res, since, bytesBefore } = entry;
      const socket = req.socket;
      if (req.complete || socket.destroyed) {
        incoming.delete(entry);
        continue;
      }
      const received = socket.bytesRead - bytesBefore;
      const allowedMs = limits.bodyGraceMs + (received / limits.minBodyBytesPerS) * 1000;
      if (now - since <= allowedMs) continue;
      incoming.delete(entry);
      // Never into an answer already begun; either way the connection goes once it is flushed.
      if (socket.writable && !res.headersSent)
        socket.end(
          timeoutAnswer(
            `the request body arrives too slowly (${received} bytes in ${Math.round((now - since) / 1000)} s; at least ${limits.minBodyBytesPerS} bytes/s after the first ${limits.bodyGraceMs / 1000} s)`,
          ),
        );
      socket.destroySoon();
    }
  };

  return {
    fastifyOptions: {
      requestTimeout: limits.requestTimeoutMs,
      connectionTimeout: limits.idleTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      http: {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: limits.timeoutCheckMs,
      },
    },
    attach(server) {
      server.maxConnections = limits.maxConnections;
      if (limits.minBodyBytesPerS <= 0) return;
      server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        const hasBody =
          req.headers['transfer-encoding'] !== undefined ||
          Number(req.headers['content-length'] ?? 0) > 0;
        if (!hasBody || req.complete) return;
        const entry = { req, res, since: Date.now(), bytesBefore: req.socket.bytesRead };
        incoming.add(entry);
        res.once('close', () => incoming.delete(entry));
      });
      const timer = setInterval(checkRates, limits.timeoutCheckMs);
      timer.unref();
      server.once('close', () => clearInterval(timer));
    },
  };
}

/**
 * How long a refused request's connection goes on reading (and dropping) what the client still
 * sends, once the answer is written. Closing at once, with unread bytes in the kernel, sends a
 * reset, and a client still sending may lose the answer it has not read yet (a 413 or a 503 with
 * Retry-After would then look like a broken network, and be retried at once). Apache's "lingering
 * close" does the same.
 */
const LINGER_MS = 2_000;

/**
 * For a request answered before its body was read (set `Connection: close` on the answer too):
 * when Node ends the connection after the answer, it half-closes it and drops the rest of the body
 * for at most LINGER_MS, instead of destroying the socket at once.
 */
export function lingerAfterAnswer(req: IncomingMessage): void {
  const socket = req.socket;
  // Node ends the socket of a `Connection: close` answer with destroySoon() once it is written.
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    socket.end();
    req.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}
