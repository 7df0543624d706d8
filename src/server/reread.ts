// The server reads every submitted photo again, with the same reader library the phone runs, off
// the request path, and compares what it reads with the numbers the KPPS sent. A field read with
// confidence (no flag) that differs from the submitted value is a disagreement: the version is
// held for a person (src/core/review.ts). Fields the reader was unsure of are not: the rules and
// the officer's own review on the phone cover those, and a guess must not hold a result.
//
// Jobs go through a Queue (queue.ts). The database is the record of what is due: a version with
// no `reread_*` event is found again by the catch-up scan, at start and every few minutes, so a
// job refused by a full queue or lost at a restart is read later, never silently skipped.
import type { FastifyBaseLogger } from 'fastify';
import type { Ballot } from '../core/ballots.ts';
import { fieldEntries, type CHasil } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import { classifyBoxes } from '../reader/digits/classify.ts';
import { loadDigitClassifier } from '../reader/digits/load-node.ts';
import { decodePhoto } from '../reader/node-image.ts';
import {
  readForm,
  type BoxClassifier,
  type FieldResult,
  type PageReport,
  type PhotoInput,
} from '../reader/read-form.ts';
import type { Store } from '../store/store.ts';
import { memoryQueue, type Queue, type QueueStats } from './queue.ts';

/** One version of one TPS result to read again. */
export type RereadJob = { tps: TpsCode; ballot: Ballot; version: number };

/** The ballots whose form the reader knows (its templates: src/reader/template/). */
export const REREAD_BALLOTS: readonly Ballot[] = ['ppwp'];

/** A field whose confident reading differs from the submitted value. */
export type FieldChange = { field: string; from: number | null; to: number | null };

/** What a re-read found, as the store records it (one `reread_*` event). */
export type RereadOutcome =
  | { agrees: true; photos: string[] }
  | { fields: FieldChange[]; photos: string[] }
  | { failed: string };

/** The reader's part of a reading that the comparison looks at. */
export type ReadingForComparison = {
  pages: readonly PageReport[];
  fields: Readonly<Record<string, Pick<FieldResult, 'value' | 'flags'>>>;
};

/**
 * Compares the submitted numbers with a reading of their photos. No page found: `failed` with the
 * reader's reason for the first photo (`no-page`, `not-a-form`, ...). No field read with
 * confidence: `failed` as `nothing-confident`, since agreeing on nothing is not an agreement.
 * Otherwise each confident field that differs, in form order, or `agrees`.
 */
export function compareReading(
  submitted: CHasil,
  reading: ReadingForComparison,
  photos: string[],
): RereadOutcome {
  if (!reading.pages.some((p) => p.found)) {
    const first = reading.pages.find((p) => !p.found);
    return { failed: first && !first.found ? first.reason : 'no-photo' };
  }
  const fields: FieldChange[] = [];
  let confident = 0;
  for (const [field, from] of fieldEntries(submitted)) {
    const read = reading.fields[field];
    if (!read || read.value === null || read.flags.length > 0) continue;
    confident++;
    if (read.value !== from) fields.push({ field, from, to: read.value });
  }
  if (confident === 0) return { failed: 'nothing-confident' };
  return fields.length > 0 ? { fields, photos } : { agrees: true, photos };
}

export type RereadStats = QueueStats & {
  /** Jobs passed over: a ballot the reader cannot read, a correction, or read before. */
  skipped: number;
};

export type Rereader = {
  /** Offers a version just recorded; a refusal is fine (the catch-up scan finds it). */
  offer(job: RereadJob): void;
  /** Looks for versions not re-read yet and offers them; answers how many the queue took. */
  catchUp(): Promise<number>;
  /** Resolves once the queue is empty and no catch-up is under way (tests). */
  idle(): Promise<void>;
  /** Stops the scans, takes no more jobs and waits for the one being read. */
  close(): Promise<void>;
  stats(): RereadStats;
};

export type RereaderDeps = {
  store: Store;
  logger: FastifyBaseLogger;
  /** Records the outcome: `store.recordReread` (the `reread_*` event, the review, the totals). */
  record: (job: RereadJob, outcome: RereadOutcome) => Promise<unknown>;
  /** Default: the in-process queue with `concurrency` workers. */
  queue?: Queue<RereadJob>;
  /** Jobs read at once by the default queue (default 1). */
  concurrency?: number;
  /** Default: the committed digit model (src/reader/digits/), loaded on the first job. */
  loadClassifier?: () => Promise<BoxClassifier>;
  /** How often the catch-up scan runs after the first one at start (default 5 minutes). */
  catchUpEveryMs?: number;
  /** Versions one scan offers at most (default 1,000). */
  scanLimit?: number;
};

const defaultClassifier = async (): Promise<BoxClassifier> => {
  const classifier = await loadDigitClassifier();
  return (crops) => classifyBoxes(crops, classifier).map((r) => r.probabilities);
};

/** Lets the event loop answer requests between the steps of a re-read. */
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The re-read, started: the queue's worker runs, the first catch-up scan is under way, and the
 * next ones follow every `catchUpEveryMs`.
 */
export function startRereader(deps: RereaderDeps): Rereader {
  const { store, logger } = deps;
  const queue =
    deps.queue ??
    memoryQueue<RereadJob>({
      concurrency: deps.concurrency ?? 1,
      key: (j) => `${j.tps}/${j.ballot}/${j.version}`,
      onError: (job, err) => logger.error({ err, ...job }, 're-read failed: will retry at a scan'),
    });
  let skipped = 0;
  let classify: Promise<BoxClassifier> | undefined;
  const classifier = () => {
    classify ??= (deps.loadClassifier ?? defaultClassifier)().catch((e: unknown) => {
      classify = undefined; // the next job tries again
      throw e;
    });
    return classify;
  };

  async function reread(job: RereadJob): Promise<void> {
    if (!REREAD_BALLOTS.includes(job.ballot)) {
      skipped++;
      return;
    }
    const v = await store.versionToReread(job.tps, job.ballot, job.version);
    if (!v) throw new Error(`no version ${job.version} of TPS ${job.tps} ${job.ballot}`);
    if (v.kind === 'correction' || v.reread) {
      skipped++;
      return;
    }
    const classifyBoxes = await classifier();
    const inputs: PhotoInput[] = [];
    const unreadable: PageReport[] = [];
    for (const [i, p] of v.photos.entries()) {
      // Only bytes that match their sha256 come back (blobs.ts); a missing or damaged blob throws,
      // and the job is counted as failed and tried again at the next scan.
      const bytes = await store.blobs.get(p.location, p.sha256);
      const decoded = await decodePhoto(bytes);
      const name = `photo ${i + 1}`;
      if (decoded.ok) inputs.push({ name, image: decoded.value.image });
      else
        unreadable.push({ photo: name, found: false, reason: 'not-a-form', detail: decoded.error });
    }
    await yieldToRequests();
    const contest = await store.contest(job.ballot);
    const reading = readForm(inputs, {
      classify: classifyBoxes,
      registeredDpt: v.dpt,
      ...(contest ? { contest } : {}),
    });
    const photos = v.photos.map((p) => p.sha256);
    const outcome = compareReading(
      v.result,
      { pages: [...unreadable, ...reading.pages], fields: reading.fields },
      photos,
    );
    await yieldToRequests();
    await deps.record(job, outcome);
    logger.info(
      {
        ...job,
        ...('agrees' in outcome
          ? { reread: 'agrees' }
          : 'fields' in outcome
            ? { reread: 'disagrees', fields: outcome.fields.map((f) => f.field) }
            : { reread: 'failed', reason: outcome.failed }),
      },
      're-read',
    );
  }
  queue.start(reread);

  // The scan starts where the oldest version still waiting was found last time, or after the
  // newest submission it looked at when none was waiting (store/reread.ts).
  let cursor = 0;
  let scanning: Promise<number> | undefined;
  let closed = false;
  const scanLimit = deps.scanLimit ?? 1000;
  const catchUp = (): Promise<number> => {
    scanning ??= (async () => {
      try {
        const { versions, scannedTo } = await store.versionsAwaitingReread(scanLimit, {
          ballots: REREAD_BALLOTS,
          after: cursor,
        });
        cursor = versions[0] ? versions[0].seq - 1 : scannedTo;
        let taken = 0;
        for (const v of versions)
          if (queue.enqueue({ tps: v.tps, ballot: v.ballot, version: v.version }) === true) taken++;
        if (taken > 0) logger.info({ versions: taken }, 're-read catch-up: versions queued');
        return taken;
      } finally {
        scanning = undefined;
      }
    })();
    return scanning;
  };
  const scan = () => {
    if (closed) return;
    catchUp().catch((err: unknown) => logger.error({ err }, 're-read catch-up scan failed'));
  };
  scan();
  const timer = setInterval(scan, deps.catchUpEveryMs ?? 5 * 60_000);
  timer.unref();

  return {
    offer(job) {
      const taken = queue.enqueue(job);
      if (taken === 'full')
        logger.warn({ ...job }, 're-read queue full: the catch-up scan will read this version');
    },
    catchUp,
    async idle() {
      while (scanning) await scanning.catch(() => undefined);
      await queue.idle();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await scanning?.catch(() => undefined);
      await queue.close();
    },
    stats: () => ({ ...queue.stats(), skipped }),
  };
}
