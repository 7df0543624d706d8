// Reading a multipart/form-data body under limits, with every way it can be malformed answered as
// a 4xx that names the problem. The bytes are counted as they arrive: a `Content-Length` over the
// request limit is refused before any byte is read, a chunked body when it passes the limit, and
// every byte held counts against one budget shared by all requests in flight (503 `server_busy`
// once it is spent). Bodies are kept in memory, not spooled to temporary files: a photo is at most
// 15 MB and the whole of it is needed at once anyway (hashing is cheap; decoding and the blob store
// take one buffer), and at ingest rates of hundreds of photos a second a round trip through the
// disk would cost more than the memory it saves. The budget is what bounds the memory.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Multipart } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { lingerAfterAnswer } from './connections.ts';
import { err, ok, type Result } from '../core/result.ts';
import { apiError, partRefusal, type ApiError, type PartLimits } from './errors.ts';
import type { ServerLimits } from './limits.ts';

/** Bytes held by the requests in flight, against one total. */
export type ByteBudget = {
  readonly total: number;
  readonly inUse: number;
  take(n: number): boolean;
  give(n: number): void;
};

export function byteBudget(total: number): ByteBudget {
  let inUse = 0;
  return {
    total,
    get inUse() {
      return inUse;
    },
    take(n) {
      if (inUse + n > total) return false;
      inUse += n;
      return true;
    },
    give(n) {
      inUse = Math.max(0, inUse - n);
    },
  };
}

/** What the app keeps for reading submission bodies: its limits and the shared budget. */
export type MultipartIntake = { limits: ServerLimits; budget: ByteBudget };

export const multipartIntake = (limits: ServerLimits): MultipartIntake => ({
  limits,
  budget: byteBudget(limits.bufferedBytes),
});

/** The `boundary` parameter of a multipart Content-Type (quoted or not), or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  // RFC 2046 allows 1 to 70 characters; the parser takes longer ones, and so does this.
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;,"]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Counts the occurrences of one byte pattern in a stream of chunks, across chunk edges. */
export class PatternCount {
  count = 0;
  private carry: Buffer;
  constructor(
    private readonly pattern: Buffer,
    prefix = Buffer.alloc(0),
  ) {
    this.carry = prefix;
  }
  feed(chunk: Buffer): void {
    const p = this.pattern;
    const keep = p.length - 1;
    if (this.carry.length > 0) {
      // Only matches that start in the carried tail: the others lie wholly in the chunk.
      const edge = Buffer.concat([this.carry, chunk.subarray(0, keep)]);
      for (let i = edge.indexOf(p); i !== -1 && i < this.carry.length; i = edge.indexOf(p, i + 1))
        this.count++;
    }
    for (let i = chunk.indexOf(p); i !== -1; i = chunk.indexOf(p, i + p.length)) this.count++;
    const tail = chunk.length >= keep ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = Buffer.from(tail.subarray(Math.max(0, tail.length - keep)));
  }
}

/** A refusal that stops reading the body: over the request limit, or the budget is spent. */
class BodyRefused extends Error {
  constructor(readonly refusal: ApiError) {
    super(refusal.message);
  }
}

const megabytes = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

/**
 * Counts a request's body as it arrives: its size against the request limit, the bytes held
 * against the shared budget, and the multipart delimiters seen (so that a body cut before its
 * closing boundary, or a part that the parser skipped for a malformed header, is told apart from a
 * whole body). The bytes go back to the budget when the answer has gone.
 */
class BodyMeter {
  bytes = 0;
  private held = 0;
  private readonly delimiters: PatternCount;
  private readonly closings: PatternCount;
  private stopped = false;
  refusal: ApiError | undefined;
  private onRefuse: ((e: BodyRefused) => void)[] = [];
  readonly refused: Promise<never>;

  constructor(
    private readonly raw: IncomingMessage,
    boundary: string,
    private readonly intake: MultipartIntake,
  ) {
    // The parser looks for CRLF "--" boundary, with a CRLF assumed before the first byte.
    this.delimiters = new PatternCount(
      Buffer.from(`\r\n--${boundary}`, 'latin1'),
      Buffer.from('\r\n'),
    );
    this.closings = new PatternCount(
      Buffer.from(`\r\n--${boundary}--`, 'latin1'),
      Buffer.from('\r\n'),
    );
    this.refused = new Promise<never>((_resolve, reject) => this.onRefuse.push(reject));
    this.refused.catch(() => undefined);
  }

  /** Starts counting; call right after the parser was attached to the request. */
  start(): void {
    this.raw.on('data', this.onData);
  }

  get parts(): number {
    return Math.max(0, this.delimiters.count - 1);
  }
  get closed(): boolean {
    return this.closings.count > 0;
  }

  private readonly onData = (chunk: Buffer) => {
    if (this.stopped) return;
    this.bytes += chunk.length;
    const { limits } = this.intake;
    if (this.bytes > limits.submissionBytes)
      return this.refuse(
        apiError(
          'payload_too_large',
          `the request body is too large: over ${megabytes(limits.submissionBytes)} (at most ${limits.submissionBytes} bytes per submission)`,
        ),
      );
    if (!this.hold(chunk.length)) return;
    this.delimiters.feed(chunk);
    this.closings.feed(chunk);
  };

  /**
   * Counts `n` more bytes held in memory against the shared budget (the body's bytes as they
   * arrive, and each file part again when its pieces are joined into one buffer: until the pieces
   * are collected, both are in memory). False, and a 503, when the budget is spent.
   */
  hold(n: number): boolean {
    if (this.refusal) return false;
    const { limits, budget } = this.intake;
    if (!budget.take(n)) {
      this.refuse(
        apiError(
          'server_busy',
          `the server holds as many uploads as it can (${megabytes(budget.total)}); try again in ${limits.busyRetryAfterS} s`,
        ),
      );
      return false;
    }
    this.held += n;
    return true;
  }

  refuse(e: ApiError): void {
    if (this.refusal) return;
    this.refusal = e;
    this.stop();
    for (const reject of this.onRefuse) reject(new BodyRefused(e));
  }

  /** Stops counting and reading: the rest of the body, if any, is never read. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.raw.off('data', this.onData);
    if (!this.raw.complete) {
      this.raw.unpipe();
      this.raw.pause();
    }
  }

  release(): void {
    this.intake.budget.give(this.held);
    this.held = 0;
  }
}

/** Reads a file part's bytes, at most `maxBytes` (else `tooLarge`), or stops at a refusal. */
function collect(
  file: Readable & { truncated?: boolean },
  maxBytes: number,
  tooLarge: () => ApiError,
  meter: BodyMeter,
): Promise<Result<Buffer, ApiError>> {
  const read = new Promise<Result<Buffer, ApiError>>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const over = () => {
      file.off('data', onData);
      file.resume(); // the parser goes on to the end of the part (or the request is cut off)
      resolve(err(tooLarge()));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) over();
      else chunks.push(chunk);
    };
    file.on('data', onData);
    // Refused: drop the pieces now. The connection lingers a moment after the answer, and the
    // budget has them back already, so they must not stay in memory meanwhile.
    meter.refused.catch(() => {
      file.off('data', onData);
      chunks.length = 0;
    });
    file.once('limit', over);
    file.once('error', reject);
    // The parser may have ended the part already (a body cut off inside it, read while this
    // request waited for the database): a stream destroyed without its 'end' is a cut-off body.
    let ended = false;
    const cut = () => {
      if (!ended) reject(file.errored ?? new Error('Unexpected end of form'));
    };
    if (file.destroyed || file.errored) cut();
    file.once('close', cut);
    file.once('end', () => {
      ended = true;
      if (file.truncated) over();
      // On a refusal `refused` below has answered already.
      else if (meter.hold(size)) resolve(ok(Buffer.concat(chunks, size)));
    });
  });
  read.catch(() => undefined);
  return Promise.race([read, meter.refused]);
}

export type PartReader = {
  /** The bytes of a file part, at most `maxBytes`; over it, the answer `tooLarge` gives. */
  bytes(
    part: Extract<Multipart, { type: 'file' }>,
    maxBytes: number,
    tooLarge: () => ApiError,
  ): Promise<Result<Buffer, ApiError>>;
};

/**
 * The 4xx for what @fastify/multipart (its codes: errors.ts `partRefusal`, the one mapping) or its
 * parser threw, or undefined for what is a bug.
 */
function multipartError(e: unknown, limits: PartLimits): ApiError | undefined {
  const { code, message = '' } = e as { code?: string; message?: string };
  const known = partRefusal(code, limits);
  if (known) return known;
  if (/boundary not found/i.test(message))
    return apiError(
      'malformed_multipart',
      'the Content-Type multipart/form-data has no boundary parameter',
    );
  if (/unexpected end|terminated early/i.test(message)) return cutOff();
  if ((e as { code?: string }).code === 'ECONNRESET' || /aborted/i.test(message))
    return apiError('malformed_multipart', 'the request body was cut off (connection closed)');
  return undefined;
}

/** How long the parser may take, once the whole body is in, to name its next part or its end. */
const STALL_MS = 2000;
const STALL_CHECK_MS = 250;

const stalledParts = (meter: BodyMeter, seen: number): ApiError =>
  meter.parts > seen
    ? apiError(
        'malformed_multipart',
        `${meter.parts - seen} of ${meter.parts} parts have a malformed header: each part needs Content-Disposition: form-data; name="..."`,
      )
    : apiError('malformed_multipart', 'the multipart body could not be read to its end');

const cutOff = () =>
  apiError(
    'malformed_multipart',
    'the multipart body ends before its closing boundary (cut off in transit?)',
  );

/**
 * Reads a multipart body part by part: `onPart` sees each one (and reads a file part's bytes with
 * the reader), and answers an error to stop. Answers the first refusal, or undefined when the whole
 * body was read and well-formed. On a refusal the rest of the body is not read, and the connection
 * is closed after the answer (so Node does not read the rest either).
 */
export async function readMultipart(
  req: FastifyRequest,
  reply: FastifyReply,
  intake: MultipartIntake,
  partLimits: PartLimits,
  onPart: (part: Multipart, reader: PartReader) => Promise<ApiError | undefined>,
): Promise<ApiError | undefined> {
  const { limits } = intake;
  const declared = Number(req.headers['content-length']);
  const refuse = (e: ApiError) => {
    // The rest of the body is not read: the connection closes after the answer (lingering).
    if (!req.raw.complete) {
      reply.header('connection', 'close');
      lingerAfterAnswer(req.raw);
    }
    if (e.status === 503) reply.header('retry-after', String(limits.busyRetryAfterS));
    return e;
  };
  if (Number.isFinite(declared) && declared > limits.submissionBytes)
    return refuse(
      apiError(
        'payload_too_large',
        `the request body is too large: ${declared} bytes (at most ${limits.submissionBytes}, ${megabytes(limits.submissionBytes)}, per submission)`,
      ),
    );
  const boundary = boundaryOf(req.headers['content-type']);
  if (!boundary)
    return refuse(
      apiError(
        'malformed_multipart',
        'the Content-Type multipart/form-data has no boundary parameter (for example: multipart/form-data; boundary=XYZ)',
      ),
    );
  const meter = new BodyMeter(req.raw, boundary, intake);
  reply.raw.once('close', () => meter.release());
  const reader: PartReader = {
    bytes: (part, maxBytes, tooLarge) => collect(part.file, maxBytes, tooLarge, meter),
  };
  let seen = 0;
  try {
    const parts = req.parts()[Symbol.asyncIterator]();
    // A `next` that loses the race to a refusal may still settle later, unheard.
    const next = () => {
      const p = parts.next();
      p.catch(() => undefined);
      // The parser names no next part and no end, and no byte moves: either every byte of the
      // body was read, or the body is paused because the parser stopped asking for more (seen
      // with a part that has no Content-Disposition after a photo, which the parser skips and
      // then waits on forever). A slow client is not this: its body keeps flowing. Without this the request would hold its bytes
      // of the budget until the request timeout.
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_resolve, reject) => {
        let bytes = meter.bytes;
        let still = 0;
        timer = setInterval(() => {
          const raw = req.raw;
          const stuck = raw.readableEnded || raw.readableFlowing === false;
          if (!stuck || meter.bytes !== bytes) {
            bytes = meter.bytes;
            still = 0;
            return;
          }
          still += STALL_CHECK_MS;
          if (still >= STALL_MS) reject(new BodyRefused(stalledParts(meter, seen)));
        }, STALL_CHECK_MS);
      });
      stalled.catch(() => undefined);
      return Promise.race([p, meter.refused, stalled]).finally(() => clearInterval(timer));
    };
    // The first `next` attaches the parser to the request; the meter listens from then on.
    const first = next();
    meter.start();
    for (let r = await first; !r.done;) {
      seen++;
      const refused = await onPart(r.value, reader);
      if (refused) {
        meter.stop();
        return refuse(refused);
      }
      r = await next();
    }
  } catch (e) {
    meter.stop();
    if (e instanceof BodyRefused) return refuse(e.refusal);
    const known = multipartError(e, partLimits);
    if (known) return refuse(known);
    throw e;
  }
  meter.stop();
  if (!meter.closed) return refuse(cutOff());
  if (seen < meter.parts)
    return refuse(
      apiError(
        'malformed_multipart',
        `${meter.parts - seen} of ${meter.parts} parts have a malformed header: each part needs Content-Disposition: form-data; name="..."`,
      ),
    );
  return undefined;
}
