// The simulated election night: sends each simulated C.Hasil, with a photo of the form, through the
// same HTTP API a KPPS phone uses (POST /api/v1/tps/{code}/submissions), at its time in the night.
import type { TpsCode } from '../core/codes.ts';
import { demoFormPhoto } from './photo.ts';
import type { SimulatedSubmission } from './results.ts';

export type NightReport = {
  /** Submissions posted (at least one request made). */
  sent: number;
  /** Answered 200 or 201. */
  accepted: number;
  /** Accepted with status `flagged`. */
  flagged: number;
  /** Refused (4xx), out of retries, or without a token. */
  failed: number;
};

export type NightOptions = {
  baseUrl: string;
  /** TPS code -> the bearer token of its KPPS. */
  tokens: Map<string, string>;
  submissions: SimulatedSubmission[];
  /** How much faster than `atMs` to play the night (default 1; 0 or Infinity: as fast as possible). */
  speed?: number;
  log?: (msg: string) => void;
  signal?: AbortSignal;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Tries per submission for transient failures: network errors, 5xx, 429 (default 6). */
  attempts?: number;
  /** First retry delay; doubles each time, capped at 10 s (default 500 ms). */
  retryBaseMs?: number;
  /** The photo(s) of the form (default: one demoFormPhoto). */
  photos?: (s: SimulatedSubmission) => Promise<Buffer[]>;
};

type Outcome = 'accepted' | 'flagged' | 'failed' | 'aborted';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

function submissionUrl(baseUrl: string, tps: TpsCode): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v1/tps/${tps}/submissions?ballot=ppwp`;
}

function retryDelay(base: number, attempt: number, res?: Response): number {
  const after = Number(res?.headers.get('retry-after'));
  if (Number.isFinite(after) && after > 0) return Math.min(after * 1000, 30_000);
  return Math.min(base * 2 ** attempt, 10_000) * (0.75 + Math.random() * 0.5);
}

/** Plays the night; resolves when every submission is answered or the signal aborts. */
export async function runNight(opts: NightOptions): Promise<NightReport> {
  const log = opts.log ?? (() => undefined);
  const speed = opts.speed ?? 1;
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const attempts = Math.max(1, opts.attempts ?? 6);
  const retryBaseMs = opts.retryBaseMs ?? 500;
  const photos = opts.photos ?? (async (s) => [await demoFormPhoto(s.tps, s.result)]);
  const signal = opts.signal;
  const total = opts.submissions.length;
  const report: NightReport = { sent: 0, accepted: 0, flagged: 0, failed: 0 };
  let done = 0;
  let lastDecile = 0;

  const progress = () => {
    done++;
    const decile = Math.floor((done * 10) / Math.max(1, total));
    if (decile > lastDecile || done === total) {
      lastDecile = decile;
      const failed = report.failed > 0 ? `, ${String(report.failed)} gagal` : '';
      log(
        `malam pemilu simulasi: ${String(done)}/${String(total)} TPS terkirim, ${String(report.flagged)} ditandai${failed}`,
      );
    }
  };

  async function send(s: SimulatedSubmission, photo: Promise<Buffer[]>): Promise<Outcome> {
    const token = opts.tokens.get(s.tps);
    if (token === undefined) {
      log(`TPS ${s.tps}: tidak ada token, dilewati`);
      return 'failed';
    }
    const images = await photo;
    const url = submissionUrl(opts.baseUrl, s.tps);
    report.sent++;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (signal?.aborted) return 'aborted';
      // A fresh body each try: a FormData stream can be read only once.
      const form = new FormData();
      // A plain field (no filename): a Blob part would become a file upload named "blob".
      form.append('result', JSON.stringify(s.result));
      images.forEach((img, i) =>
        form.append(
          'photo',
          new Blob([Uint8Array.from(img)], { type: 'image/jpeg' }),
          `c-hasil-${String(i + 1)}.jpg`,
        ),
      );
      let res: Response | undefined;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: form,
          signal,
        });
      } catch (e) {
        if (signal?.aborted) return 'aborted';
        log(`TPS ${s.tps}: gagal terhubung (${(e as Error).message}), coba lagi`);
      }
      if (res) {
        if (res.status === 200 || res.status === 201) {
          const body = (await res.json().catch(() => ({}))) as { status?: unknown };
          return body.status === 'flagged' ? 'flagged' : 'accepted';
        }
        const text = await res.text().catch(() => '');
        if (res.status !== 429 && res.status < 500) {
          log(`TPS ${s.tps}: ditolak (${String(res.status)}) ${text.slice(0, 200)}`);
          return 'failed';
        }
        log(`TPS ${s.tps}: server sibuk (${String(res.status)}), coba lagi`);
      }
      if (attempt < attempts - 1) await sleep(retryDelay(retryBaseMs, attempt, res), signal);
    }
    if (signal?.aborted) return 'aborted';
    log(`TPS ${s.tps}: gagal setelah ${String(attempts)} percobaan`);
    return 'failed';
  }

  // Photos are drawn a little ahead of their turn, so each form goes out on time.
  const lookahead = concurrency * 2;
  const drawn = new Map<number, Promise<Buffer[]>>();
  const draw = (i: number) => {
    const s = opts.submissions[i];
    if (s === undefined || drawn.has(i)) return;
    const p = photos(s);
    p.catch(() => undefined); // handled when sent
    drawn.set(i, p);
  };

  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  for (const [i, s] of opts.submissions.entries()) {
    if (signal?.aborted) break;
    for (let k = i; k < i + lookahead; k++) draw(k);
    const due = speed > 0 && Number.isFinite(speed) ? start + s.atMs / speed : start;
    await sleep(due - performance.now(), signal);
    while (inFlight.size >= concurrency && !signal?.aborted) await Promise.race(inFlight);
    if (signal?.aborted) break;
    const photo = drawn.get(i) ?? photos(s);
    drawn.delete(i);
    const task = send(s, photo)
      .catch((e: unknown) => {
        log(`TPS ${s.tps}: ${(e as Error).message}`);
        return 'failed' as const;
      })
      .then((outcome) => {
        if (outcome === 'aborted') return;
        if (outcome === 'failed') report.failed++;
        else report.accepted++;
        if (outcome === 'flagged') report.flagged++;
        progress();
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  if (signal?.aborted)
    log(`malam pemilu simulasi dihentikan: ${String(done)}/${String(total)} terkirim`);
  return report;
}
