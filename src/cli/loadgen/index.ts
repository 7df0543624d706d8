// rekap loadgen URL --tokens FILE: replays an election night against any Rekap (issue 15,
// docs/design/scale.md section 3). N TPS x ballots arrive along a curve (curve.ts), each with a
// unique photo (photo.ts) and, with --sign, the signature of a device enrolled per TPS through the
// API (client.ts); a share of them are resubmitted (a later version, or an identical retry) and a
// share are bad requests that must be refused. Meanwhile the public recap is read every second to
// see how far behind the acknowledged submissions it is. The report (report.ts) goes to stdout,
// progress to stderr.
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import * as z from 'zod';
import { BALLOTS, BallotSchema, voteKeys, type Ballot } from '../../core/ballots.ts';
import { parseRegionCode, parseTpsCode, type TpsCode } from '../../core/codes.ts';
import { MetaSchema, ProgressSchema } from '../../contract/results.ts';
import { processIo, type Io } from '../io.ts';
import { parseWithPositionals } from '../options.ts';
import { UsageError } from '../usage.ts';
import {
  enrolDevice,
  forgedToken,
  getJson,
  photoOf,
  postSubmission,
  sign,
  submissionBody,
  type Answer,
  type Signer,
  type SubmissionSpec,
} from './client.ts';
import { arrivalTimes, CURVE_NAMES, CURVES, curveHours, type CurveName } from './curve.ts';
import { assertDecodable, makeStampablePhoto, type StampablePhoto } from './photo.ts';
import {
  EXPECTED,
  isBad,
  KINDS,
  quantile,
  reportText,
  Samples,
  type Kind,
  type KindTally,
  type LagSample,
  type LoadgenReport,
} from './report.ts';
import { cleanResult, impossibleResult, rng, wrongSum } from './results.ts';

export type LoadgenOptions = {
  url: string;
  tokensFile: string;
  /** TPS to use, the first rows of the file (undefined: all). */
  tps: number | undefined;
  ballots: Ballot[];
  curve: CurveName;
  /** Time compression (3600: an hour a second); undefined with `durationS`. */
  speed: number | undefined;
  /** Real seconds to play the curve in (instead of --speed). */
  durationS: number | undefined;
  /** Most requests started per second. */
  rate: number | undefined;
  photoKb: number;
  sign: boolean;
  /** Shares of all requests: resubmissions, and bad requests. */
  resubmit: number;
  bad: number;
  concurrency: number;
  /** The region whose public recap is read for the lag (default: the nation). */
  region: string;
  settleS: number;
  progressS: number;
  timeoutS: number;
  /** Sends of a good request after a 429, a 503 or no answer. */
  retries: number;
  seed: number;
};

const USAGE =
  'usage: rekap loadgen URL --tokens FILE [--tps N] [--ballots ppwp,...] [--curve 2024|tse|flat] ' +
  '[--speed X | --duration S] [--rate R] [--photo-kb KB] [--sign] [--resubmit SHARE] [--bad SHARE] ' +
  '[--concurrency N] [--region CODE] [--settle S] [--json]';

function num(name: string, v: string | undefined, check: (n: number) => boolean, what: string) {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n))
    throw new UsageError(`--${name}: expected ${what}, got ${v}`);
  return n;
}
const positive = (n: number) => n > 0;
const positiveInt = (n: number) => Number.isInteger(n) && n > 0;
const share = (n: number) => n >= 0 && n < 1;

/** The command's arguments as options; a UsageError names the first that is wrong. */
export function parseLoadgenArgs(args: string[]): LoadgenOptions & { json: boolean } {
  const { values: o, positionals } = parseWithPositionals(args, {
    tokens: { type: 'string' },
    tps: { type: 'string' },
    ballots: { type: 'string', default: 'ppwp' },
    curve: { type: 'string', default: '2024' },
    speed: { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    'photo-kb': { type: 'string', default: '200' },
    sign: { type: 'boolean', default: false },
    resubmit: { type: 'string', default: '0' },
    bad: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '64' },
    region: { type: 'string', default: 'id' },
    settle: { type: 'string', default: '30' },
    progress: { type: 'string', default: '5' },
    timeout: { type: 'string', default: '60' },
    retries: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  });
  const [url, ...extra] = positionals;
  if (!url || extra.length > 0) throw new UsageError(USAGE);
  if (!/^https?:\/\//.test(url))
    throw new UsageError(`URL: expected http:// or https://, got ${url}`);
  if (!o.tokens)
    throw new UsageError(
      `--tokens FILE is required (rekap kpps-token --region CODE --csv)\n${USAGE}`,
    );
  const curve = o.curve as CurveName;
  if (!CURVE_NAMES.includes(curve))
    throw new UsageError(`--curve: expected ${CURVE_NAMES.join(', ')}, got ${o.curve}`);
  const ballots = o.ballots.split(',').map((b) => b.trim());
  for (const b of ballots)
    if (!BallotSchema.safeParse(b).success)
      throw new UsageError(`--ballots: unknown ballot ${b} (expected ${BALLOTS.join(', ')})`);
  if (new Set(ballots).size !== ballots.length) throw new UsageError('--ballots: a ballot twice');
  const speed = num('speed', o.speed, positive, 'a positive number');
  const durationS = num('duration', o.duration, positive, 'a positive number of seconds');
  const rate = num('rate', o.rate, positive, 'a positive number per second');
  if (speed !== undefined && durationS !== undefined)
    throw new UsageError('give --speed or --duration, not both');
  if (curve === 'flat' && speed !== undefined)
    throw new UsageError('--curve flat has no hours to compress: give --duration S or --rate R');
  if (curve === 'flat' && durationS === undefined && rate === undefined)
    throw new UsageError('--curve flat needs --duration S or --rate R');
  const resubmit = num('resubmit', o.resubmit, share, 'a share from 0 to below 1')!;
  const bad = num('bad', o.bad, share, 'a share from 0 to below 1')!;
  if (resubmit + bad >= 1) throw new UsageError('--resubmit and --bad together must stay below 1');
  const sign = o.sign;
  // Once a TPS has a device every ballot of it must be signed, and only ppwp can be (receipt.ts):
  // the other ballots would all be refused with signature_required.
  if (sign && ballots.some((b) => b !== 'ppwp'))
    throw new UsageError('--sign: only ppwp submissions can be signed; use --ballots ppwp');
  const region = parseRegionCode(o.region);
  if (!region) throw new UsageError(`--region: not a region code: ${o.region}`);
  return {
    url: url.replace(/\/+$/, ''),
    tokensFile: o.tokens,
    tps: num('tps', o.tps, positiveInt, 'a positive integer'),
    ballots: ballots as Ballot[],
    curve,
    speed,
    durationS,
    rate,
    photoKb: num('photo-kb', o['photo-kb'], (n) => n >= 1 && n <= 15 * 1024, 'KB from 1 to 15360')!,
    sign,
    resubmit,
    bad,
    concurrency: num('concurrency', o.concurrency, positiveInt, 'a positive integer')!,
    region,
    settleS: num('settle', o.settle, (n) => n >= 0, 'seconds')!,
    progressS: num('progress', o.progress, positive, 'seconds')!,
    timeoutS: num('timeout', o.timeout, positive, 'seconds')!,
    retries: num('retries', o.retries, (n) => Number.isInteger(n) && n >= 0, 'an integer')!,
    seed: num('seed', o.seed, Number.isInteger, 'an integer')!,
    json: o.json,
  };
}

export async function loadgenCommand(args: string[], io: Io = processIo): Promise<number> {
  const { json, ...opts } = parseLoadgenArgs(args);
  const report = await runLoadgen(opts, io);
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
  const bad = report.refused.other > 0;
  return bad ? 1 : 0;
}

// ---- tokens, stations, pairs ------------------------------------------------------------------

type Station = { tps: TpsCode; token: string; dpt: number | null; signer: Signer | undefined };

/** One TPS x ballot: what the night submits for it, and where it stands. */
type Pair = {
  station: Station;
  ballot: Ballot;
  keys: readonly string[];
  /** Versions acknowledged so far. */
  versions: number;
  /** The last acknowledged submission, for an identical retry. */
  last: SubmissionSpec | undefined;
  busy: boolean;
};

const TokenRowSchema = z.object({
  tps: z.string(),
  token: z.string().min(1),
  dpt: z.string().optional(),
});

/** The CSV `tps,token` of `rekap kpps-token --csv` (an optional `dpt` column saves a lookup). */
export function readTokens(
  file: string,
): { tps: TpsCode; token: string; dpt: number | undefined }[] {
  let rows: unknown[];
  try {
    rows = parseCsv(readFileSync(file, 'utf8'), {
      columns: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (e) {
    throw new UsageError(`--tokens ${file}: ${(e as Error).message}`);
  }
  return rows.map((row, i) => {
    const r = TokenRowSchema.safeParse(row);
    const tps = r.success ? parseTpsCode(r.data.tps) : undefined;
    if (!r.success || !tps)
      throw new UsageError(
        `--tokens ${file}, row ${i + 2}: expected columns tps,token with a TPS code`,
      );
    const dpt = r.data.dpt === undefined || r.data.dpt === '' ? undefined : Number(r.data.dpt);
    if (dpt !== undefined && !(Number.isInteger(dpt) && dpt >= 0))
      throw new UsageError(`--tokens ${file}, row ${i + 2}: dpt is not a count`);
    return { tps, token: r.data.token, dpt };
  });
}

/** Runs `fn` over `items`, `limit` at a time. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function shuffle<T>(a: T[] | Uint8Array, next: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const TpsDptSchema = z.object({ dpt: z.number().int().nullable() });
const RecapProgressSchema = z.object({ progress: ProgressSchema });

// ---- the run --------------------------------------------------------------------------------------

export async function runLoadgen(opts: LoadgenOptions, io: Io = processIo): Promise<LoadgenReport> {
  const base = opts.url;
  const timeoutMs = opts.timeoutS * 1000;
  const say = (s: string) => io.stderr(`loadgen: ${s}\n`);

  const rows = readTokens(opts.tokensFile).slice(0, opts.tps);
  if (rows.length === 0) throw new UsageError(`--tokens ${opts.tokensFile}: no TPS`);

  const meta = MetaSchema.safeParse(await getJson(`${base}/api/v1/meta`, timeoutMs));
  if (!meta.success) throw new Error(`${base}: GET /api/v1/meta gave no election`);
  const keysOf = new Map<Ballot, readonly string[]>();
  for (const b of opts.ballots) {
    const contest = meta.data.contests.find((c) => c.ballot === b);
    if (!contest) throw new Error(`${base}: the election has no ${b} contest`);
    keysOf.set(b, voteKeys(contest));
  }

  const photo = await makeStampablePhoto(Math.round(opts.photoKb * 1024));
  const probe = Buffer.from(photo.bytes);
  await assertDecodable(probe);

  // Each TPS's registered DPT, so that every result is clean and counts: from enrolment (--sign),
  // the file's dpt column, or the public TPS page.
  say(
    `${rows.length} TPS: ${opts.sign ? 'enrolling a device each' : 'reading their registered DPT'}`,
  );
  const setupLimit = Math.min(opts.concurrency, 32);
  const stations = await mapLimit(rows, setupLimit, async (row): Promise<Station | string> => {
    if (opts.sign) {
      const e = await enrolDevice(base, row.tps, row.token, timeoutMs);
      if (!e.ok) return `${row.tps}: enrolment refused: ${e.error}`;
      return {
        tps: row.tps,
        token: row.token,
        dpt: row.dpt ?? e.value.registeredDpt,
        signer: e.value,
      };
    }
    if (row.dpt !== undefined)
      return { tps: row.tps, token: row.token, dpt: row.dpt, signer: undefined };
    const t = TpsDptSchema.safeParse(
      await getJson(`${base}/api/v1/tps/${row.tps}?ballot=ppwp`, timeoutMs),
    );
    if (!t.success) return `${row.tps}: GET /api/v1/tps/${row.tps} failed`;
    return { tps: row.tps, token: row.token, dpt: t.data.dpt, signer: undefined };
  });
  const failed = stations.filter((s): s is string => typeof s === 'string');
  const ready = stations.filter((s): s is Station => typeof s !== 'string');
  for (const f of failed.slice(0, 5)) say(f);
  if (failed.length > 0) say(`${failed.length} TPS left out (above: the first of them)`);
  if (ready.length === 0) throw new Error('no TPS left to submit for');

  const next = rng(opts.seed);
  const pairs: Pair[] = [];
  for (const station of ready)
    for (const ballot of opts.ballots)
      pairs.push({
        station,
        ballot,
        keys: keysOf.get(ballot)!,
        versions: 0,
        last: undefined,
        busy: false,
      });
  shuffle(pairs, next);

  // Shares of all requests: firsts F, resubmissions R, bad B, with F + R + B = T.
  const F = pairs.length;
  const T0 = Math.round(F / (1 - opts.resubmit - opts.bad));
  const R = Math.round(T0 * opts.resubmit);
  const B = opts.bad === 0 ? 0 : Math.max(0, T0 - F - R);
  const T = F + R + B;
  const badKinds: Kind[] = [
    'bad_token',
    'bad_photo',
    'bad_result',
    ...(opts.sign ? (['bad_signature'] as const) : []),
  ];
  const plan = new Uint8Array(T); // index into KINDS
  const planned = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  for (let i = 0; i < T; i++) {
    const kind: Kind =
      i < F
        ? 'first'
        : i < F + R
          ? (i - F) % 2 === 0
            ? 'version'
            : 'retry'
          : badKinds[(i - F - R) % badKinds.length]!;
    plan[i] = KINDS.indexOf(kind);
    planned[kind]++;
  }
  shuffle(plan, next);
  // The first request is a first submission: a resubmission needs one acknowledged before it.
  const firstAt = plan.indexOf(0);
  if (firstAt > 0) [plan[0], plan[firstAt]] = [plan[firstAt]!, plan[0]!];

  const curve = CURVES[opts.curve];
  const scheduleS =
    opts.durationS ??
    (opts.curve === 'flat' ? T / opts.rate! : (curveHours(curve) * 3600) / (opts.speed ?? 1));
  const times = arrivalTimes(curve, T, scheduleS);

  // The recap before the load: what this run adds is measured from it.
  const baseline: Record<string, number> = {};
  for (const b of opts.ballots) {
    const r = RecapProgressSchema.safeParse(
      await getJson(recapUrl(base, opts.region, b), timeoutMs),
    );
    if (!r.success)
      throw new Error(`${base}: GET /api/v1/results/${opts.region}?ballot=${b} failed`);
    baseline[b] = r.data.progress.tpsReported;
  }

  say(
    `${T} requests (${F} firsts, ${R} resubmissions, ${B} bad) over ${Math.round(scheduleS * 10) / 10} s, ` +
      `curve ${opts.curve}, at most ${opts.concurrency} at once${opts.rate ? ` and ${opts.rate}/s` : ''}`,
  );

  // ---- state of the run ----
  const kinds = Object.fromEntries(
    KINDS.map((k) => [k, { sent: 0, asExpected: 0, answers: {} } satisfies KindTally]),
  ) as Record<Kind, KindTally>;
  const errors: Record<string, number> = {};
  const latencies = new Samples();
  const startDelays = new Samples();
  const timeline: number[] = [];
  /** Per ballot, when each new TPS's first submission was acknowledged (ms since start, rising). */
  const ackTimes = new Map<Ballot, number[]>(opts.ballots.map((b) => [b, []]));
  const acked: Pair[] = [];
  let firstsOfKnownTps = 0;
  let retries = 0;
  let stamp = (1 + Math.floor(Math.random() * 800_000)) * 1e10;
  let accepted = 0;
  let inFlight = 0;
  const pendingResubmits: Kind[] = [];
  let nextFirst = 0;
  let sent = 0;
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let lastAnswerAt = 0;

  const specFor = async (
    pair: Pair,
    variant: number,
  ): Promise<{ spec: SubmissionSpec; photo: Buffer }> => {
    const s = pair.station;
    const spec: SubmissionSpec = {
      tps: s.tps,
      ballot: pair.ballot,
      token: s.token,
      result: cleanResult(
        pair.ballot,
        pair.keys,
        s.dpt,
        `${opts.seed}/${s.tps}/${pair.ballot}/${variant}`,
      ),
      stamp: stamp++,
    };
    const bytes = photoOf(photo, spec);
    if (s.signer) await sign(spec, s.signer, bytes);
    return { spec, photo: bytes };
  };

  const label = (a: Answer): string => {
    if (a.status === null) return `network ${a.code ?? ''}`.trim();
    if (a.receipt) return `${a.status}${a.receipt.status === 'flagged' ? ' flagged' : ''}`;
    return `${a.status}${a.code ? ` ${a.code}` : ''}`;
  };
  const retryable = (a: Answer) => a.status === null || a.status === 429 || a.status === 503;

  const send = async (kind: Kind, spec: SubmissionSpec, photoBytes: Buffer): Promise<Answer> => {
    kinds[kind].sent++;
    sent++;
    const body = submissionBody(spec, photoBytes);
    for (let attempt = 0; ; attempt++) {
      const a = await postSubmission(base, spec, body, timeoutMs);
      lastAnswerAt = now();
      if (a.status !== null) latencies.push(a.ms);
      const l = label(a);
      if (a.status === null || a.status >= 300) errors[l] = (errors[l] ?? 0) + 1;
      if (retryable(a) && !isBad(kind) && attempt < opts.retries) {
        retries++;
        await sleep(Math.min(30, a.retryAfterS ?? 1) * 1000);
        continue;
      }
      const t = kinds[kind];
      t.answers[l] = (t.answers[l] ?? 0) + 1;
      // As expected: the status wanted, and for an accepted one a clean (counted) version.
      if (String(a.status) === EXPECTED[kind] && a.receipt?.status !== 'flagged') t.asExpected++;
      if (!isBad(kind) && a.receipt) {
        accepted++;
        const second = Math.floor(lastAnswerAt / 1000);
        while (timeline.length <= second) timeline.push(0);
        timeline[second]!++;
      }
      return a;
    }
  };

  const pickAcked = (): Pair | undefined => {
    for (let i = 0; i < 16 && acked.length > 0; i++) {
      const p = acked[Math.floor(next() * acked.length)]!;
      if (!p.busy) return p;
    }
    return undefined;
  };

  const acknowledge = (pair: Pair, spec: SubmissionSpec, a: Answer, first: boolean) => {
    if (!a.receipt) return;
    pair.last = spec;
    pair.versions++;
    if (!first) return;
    acked.push(pair);
    const r = a.receipt;
    if (r.version === 1 && (r.counted || r.duplicate))
      ackTimes.get(pair.ballot)!.push(lastAnswerAt);
    else firstsOfKnownTps++;
  };

  /** Runs one job; a resubmission with no acknowledged TPS free yet waits for a later slot. */
  const job = async (kind: Kind): Promise<void> => {
    if (kind === 'first') {
      const pair = pairs[nextFirst++]!;
      pair.busy = true;
      const { spec, photo: bytes } = await specFor(pair, 0);
      acknowledge(pair, spec, await send(kind, spec, bytes), true);
      pair.busy = false;
      return;
    }
    if (kind === 'version' || kind === 'retry') {
      const pair = pickAcked();
      if (!pair?.last) {
        pendingResubmits.push(kind);
        return;
      }
      pair.busy = true;
      if (kind === 'version') {
        const { spec, photo: bytes } = await specFor(pair, pair.versions);
        acknowledge(pair, spec, await send(kind, spec, bytes), false);
      } else {
        const spec = pair.last;
        await send(kind, spec, photoOf(photo, spec));
      }
      pair.busy = false;
      return;
    }
    const pair = pairs[Math.floor(next() * pairs.length)]!;
    const { spec, photo: bytes } = await specFor(pair, 1000 + pair.versions);
    switch (kind) {
      case 'bad_token':
        spec.token = forgedToken();
        break;
      case 'bad_photo':
        spec.truncatePhoto = true;
        break;
      case 'bad_result':
        spec.sentResult = impossibleResult(spec.result);
        break;
      case 'bad_signature':
        spec.sentResult = wrongSum(spec.result);
        break;
    }
    await send(kind, spec, spec.truncatePhoto ? photoOf(photo, spec) : bytes);
  };

  // ---- concurrency ----
  const waiters: (() => void)[] = [];
  const acquire = async () => {
    while (inFlight >= opts.concurrency) await new Promise<void>((r) => waiters.push(r));
    inFlight++;
  };
  const release = () => {
    inFlight--;
    waiters.shift()?.();
  };
  const drainers: (() => void)[] = [];
  /** Starts a job in the slot `acquire` gave it. */
  const start = (kind: Kind) => {
    void job(kind)
      .catch((e: unknown) => {
        // A bug of loadgen's own (it throws only for those): say it and count it.
        say(`request failed: ${(e as Error).stack ?? String(e)}`);
        errors['loadgen_error'] = (errors['loadgen_error'] ?? 0) + 1;
      })
      .finally(() => {
        release();
        if (inFlight === 0) for (const d of drainers.splice(0)) d();
      });
  };
  const drain = () =>
    inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => drainers.push(r));

  // ---- the recap poller and progress ----
  const samples: LagSample[] = [];
  let polls = 0;
  let pollErrors = 0;
  let lastLag: LagSample = { atS: 0, acked: 0, reported: 0, lagTps: 0, lagS: 0 };
  let stopPolling = false;
  const pollOnce = async (): Promise<LagSample | undefined> => {
    const sentAt = now();
    const ackedAtSend = new Map([...ackTimes].map(([b, t]) => [b, t.length]));
    const answers = await Promise.all(
      opts.ballots.map(async (b) =>
        RecapProgressSchema.safeParse(await getJson(recapUrl(base, opts.region, b), timeoutMs)),
      ),
    );
    polls++;
    if (answers.some((a) => !a.success)) {
      pollErrors++;
      return undefined;
    }
    let lagTps = 0;
    let lagS = 0;
    let reported = 0;
    let ackedSum = 0;
    opts.ballots.forEach((b, i) => {
      const rep = answers[i]!.data!.progress.tpsReported - baseline[b]!;
      const n = ackedAtSend.get(b)!;
      const times = ackTimes.get(b)!;
      reported += rep;
      ackedSum += n;
      if (rep < n) {
        lagTps += n - Math.max(0, rep);
        lagS = Math.max(lagS, (sentAt - times[Math.max(0, rep)]!) / 1000);
      }
    });
    const sample = { atS: sentAt / 1000, acked: ackedSum, reported, lagTps, lagS };
    samples.push(sample);
    lastLag = sample;
    return sample;
  };
  const poller = (async () => {
    while (!stopPolling) {
      const started = now();
      await pollOnce();
      await sleep(Math.max(0, 1000 - (now() - started)));
    }
  })();
  const progress = setInterval(() => {
    const t = now() / 1000;
    say(
      `${Math.round(t)} s: sent ${sent}/${T}, accepted ${accepted} (${Math.round(accepted / Math.max(t, 0.001))}/s), ` +
        `in flight ${inFlight}, recap behind ${lastLag.lagTps} TPS / ${Math.round(lastLag.lagS * 10) / 10} s`,
    );
  }, opts.progressS * 1000);

  // ---- the schedule ----
  let nextStart = 0;
  try {
    for (let i = 0; i < T; i++) {
      const due = times[i]!;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      if (opts.rate) {
        const gap = nextStart - now();
        if (gap > 1) await sleep(gap);
        nextStart = Math.max(now(), nextStart) + 1000 / opts.rate;
      }
      for (const k of [...pendingResubmits.splice(0), KINDS[plan[i]!]!]) {
        await acquire();
        startDelays.push(Math.max(0, now() - due));
        start(k);
      }
    }
    await drain();
    // Resubmissions that found no acknowledged TPS free in time, now that all are answered.
    while (pendingResubmits.length > 0 && acked.length > 0) {
      const left = pendingResubmits.splice(0);
      for (const k of left) {
        await acquire();
        start(k);
      }
      await drain();
    }
  } finally {
    clearInterval(progress);
  }
  const endAt = lastAnswerAt;
  const unsent = pendingResubmits.length;
  if (unsent > 0) say(`${unsent} resubmissions not sent: no TPS was acknowledged`);

  // ---- settle: read the recap until it has every acknowledged TPS, or --settle runs out ----
  stopPolling = true;
  await poller;
  let settledAfterS: number | null = null;
  const settleUntil = now() + opts.settleS * 1000;
  for (;;) {
    const s = await pollOnce();
    if (s && s.lagTps === 0) {
      settledAfterS = Math.max(0, (s.atS * 1000 - endAt) / 1000);
      break;
    }
    if (now() >= settleUntil) break;
    await sleep(1000);
  }

  const lat = latencies.sorted();
  const delays = startDelays.sorted();
  const durationS = Math.max(endAt, 1) / 1000;
  const badSent = KINDS.filter(isBad).reduce((a, k) => a + kinds[k].sent, 0);
  let as4xx = 0;
  for (const k of KINDS.filter(isBad))
    for (const [l, n] of Object.entries(kinds[k].answers)) if (/^4\d\d/.test(l)) as4xx += n;
  const newTpsAcked = [...ackTimes.values()].reduce((a, t) => a + t.length, 0);
  const thin =
    samples.length > 1000
      ? samples.filter((_, i) => i % Math.ceil(samples.length / 1000) === 0)
      : samples;
  return {
    url: base,
    region: opts.region,
    ballots: opts.ballots,
    curve: opts.curve,
    scheduleS,
    tps: ready.length,
    signed: opts.sign,
    photoBytes: photo.bytes.length,
    planned,
    durationS,
    accepted: { total: accepted, perSecond: accepted / durationS, timeline },
    latencyMs: {
      count: lat.length,
      p50: quantile(lat, 0.5),
      p90: quantile(lat, 0.9),
      p99: quantile(lat, 0.99),
      max: lat.length ? lat[lat.length - 1]! : 0,
    },
    kinds,
    refused: { bad: badSent, as4xx, other: badSent - as4xx },
    errors,
    retries,
    startDelayMs: {
      p99: quantile(delays, 0.99),
      max: delays.length ? delays[delays.length - 1]! : 0,
    },
    recap: {
      polls,
      pollErrors,
      baseline,
      newTpsAcked,
      newTpsReported: lastLag.reported,
      firstsOfKnownTps,
      lagTps: { max: samples.reduce((m, s) => Math.max(m, s.lagTps), 0), end: lastLag.lagTps },
      lagS: { max: samples.reduce((m, s) => Math.max(m, s.lagS), 0), end: lastLag.lagS },
      settledAfterS,
      samples: thin,
    },
  };
}

const recapUrl = (base: string, region: string, ballot: Ballot) =>
  `${base}/api/v1/results/${region}?ballot=${ballot}`;

export type { StampablePhoto };
