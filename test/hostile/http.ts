// A raw HTTP/1.1 client over node:net for the hostile suite: it sends exactly the bytes it is given
// (malformed headers, a Content-Length that lies, a body cut short, a multipart body without its
// closing boundary), which fetch and node:http refuse to send.
import { connect } from 'node:net';

export type RawRequest = {
  method: string;
  /** The request target as it goes on the wire (already percent-encoded, or deliberately not). */
  target: string;
  /** In order; values go out as latin1 bytes (a Buffer as it is). */
  headers: [string, string | Buffer][];
  body?: Buffer;
  /**
   * How the body is framed: `length` sets Content-Length to the body's size (unless a header sets
   * one), `chunked` sends it chunked, `none` adds nothing (a header may still declare a length).
   */
  framing?: 'length' | 'chunked' | 'none';
  /** After the body, half-close the connection (the client is done, whatever was declared). */
  finish?: boolean;
  /** How long to wait for a whole answer after the last byte is written (default 10 s). */
  waitMs?: number;
};

export type RawAnswer =
  | {
      kind: 'answer';
      status: number;
      headers: Record<string, string>;
      body: Buffer;
    }
  /** The connection closed before a whole answer came. */
  | { kind: 'closed'; received: number }
  /** No whole answer within `waitMs`. */
  | { kind: 'timeout'; received: number };

const CRLF = '\r\n';

/** Sends one request on a fresh connection (`Connection: close`) and reads the one answer. */
export function rawRequest(port: number, req: RawRequest): Promise<RawAnswer> {
  const framing = req.framing ?? 'length';
  const has = (name: string) => req.headers.some(([k]) => k.toLowerCase() === name);
  const head: Buffer[] = [
    Buffer.from(`${req.method} ${req.target} HTTP/1.1${CRLF}`, 'utf8'),
    Buffer.from(`host: 127.0.0.1:${port}${CRLF}connection: close${CRLF}`, 'latin1'),
  ];
  for (const [k, v] of req.headers)
    head.push(
      Buffer.concat([
        Buffer.from(`${k}: `, 'latin1'),
        typeof v === 'string' ? Buffer.from(v, 'latin1') : v,
        Buffer.from(CRLF),
      ]),
    );
  const body = req.body ?? Buffer.alloc(0);
  if (framing === 'length' && !has('content-length') && (req.body || req.method !== 'GET'))
    head.push(Buffer.from(`content-length: ${body.length}${CRLF}`));
  if (framing === 'chunked' && !has('transfer-encoding'))
    head.push(Buffer.from(`transfer-encoding: chunked${CRLF}`));
  head.push(Buffer.from(CRLF));
  const payload =
    framing === 'chunked'
      ? Buffer.concat([
          ...chunks(body, 64 * 1024).flatMap((c) => [
            Buffer.from(`${c.length.toString(16)}${CRLF}`),
            c,
            Buffer.from(CRLF),
          ]),
          Buffer.from(`0${CRLF}${CRLF}`),
        ])
      : body;

  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let size = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect({ host: '127.0.0.1', port });
    const settle = (how: 'closed' | 'timeout') => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      socket.destroy();
      resolve(
        parseAnswer(Buffer.concat(received), req.method, how === 'closed') ?? {
          kind: how,
          received: size,
        },
      );
    };
    socket.on('data', (d: Buffer) => {
      received.push(d);
      size += d.length;
      const whole = parseAnswer(Buffer.concat(received), req.method, false);
      if (whole && !settled) {
        settled = true;
        if (timer) clearTimeout(timer);
        socket.destroy();
        resolve(whole);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => settle('closed'));
    socket.on('connect', () => {
      // The server may answer (413) and close before it has read everything: stop writing then.
      socket.write(Buffer.concat(head));
      socket.write(payload, () => {
        if (req.finish) socket.end();
        timer = setTimeout(() => settle('timeout'), req.waitMs ?? 10_000);
      });
    });
  });
}

function chunks(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

/** A whole answer from the bytes so far, or undefined while more are due. */
function parseAnswer(
  bytes: Buffer,
  method: string,
  closed: boolean,
): Extract<RawAnswer, { kind: 'answer' }> | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = bytes.subarray(0, end).toString('latin1').split(CRLF);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
    }
  }
  const code = Number(status[1]);
  const rest = bytes.subarray(end + 4);
  const answer = (body: Buffer) => ({ kind: 'answer' as const, status: code, headers, body });
  if (method === 'HEAD' || code === 204 || code === 304 || (code >= 100 && code < 200))
    return answer(Buffer.alloc(0));
  if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
    const body = dechunk(rest);
    return body ? answer(body) : closed ? answer(rest) : undefined;
  }
  const length = headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    if (rest.length >= n) return answer(rest.subarray(0, n));
    return closed ? answer(rest) : undefined;
  }
  return closed ? answer(rest) : undefined;
}

function dechunk(b: Buffer): Buffer | undefined {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf(CRLF, i);
    if (eol < 0) return undefined;
    const n = parseInt(b.subarray(i, eol).toString('latin1'), 16);
    if (!Number.isFinite(n)) return undefined;
    if (n === 0) return Buffer.concat(out);
    if (b.length < eol + 2 + n + 2) return undefined;
    out.push(b.subarray(eol + 2, eol + 2 + n));
    i = eol + 2 + n + 2;
  }
}
