// The comparison (pure, on crafted readings) and the re-read's handler on a real SQLite store and
// the real worker thread, with the recording faked: what is read and on which thread, what is
// skipped, what an error in the handler or in the worker does, and a worker that dies. The whole
// path with store.recordReread and real form photos: test/reread.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Contest } from '../core/ballots.ts';
import { fieldEntries, type CHasil } from '../core/chasil.ts';
import type { FieldResult, PageReport } from '../reader/read-form.ts';
import { openStore, type Store } from '../store/store.ts';
import { EXAMPLE_PPWP } from '../synth/results.ts';
import { TPS_A, TPS_B, TWO_TPS_ELECTION } from '../../test/support/backends.ts';
import { testPhoto } from '../../test/support/photos.ts';
import {
  compareReading,
  startRereader,
  workerReader,
  type FormReader,
  type ReadingForComparison,
  type RereadJob,
  type RereadOutcome,
} from './reread.ts';

const PHOTOS = ['a'.repeat(64)];
const FOUND: PageReport = {
  photo: 'photo 1',
  found: true,
  page: 1,
  rotation: 0,
  quality: {} as Extract<PageReport, { found: true }>['quality'],
};

/** A reading of every field of `result` as written, clean, with `change` applied on top. */
function reading(
  result: CHasil,
  change: Record<string, Partial<Pick<FieldResult, 'value' | 'flags'>>> = {},
  pages: PageReport[] = [FOUND],
): ReadingForComparison {
  const fields: Record<string, Pick<FieldResult, 'value' | 'flags'>> = {};
  for (const [path, value] of fieldEntries(result))
    fields[path] = { value, flags: [], ...change[path] };
  return { pages, fields };
}

describe('compareReading', () => {
  it('agrees when every confident field has the submitted value', () => {
    expect(compareReading(EXAMPLE_PPWP, reading(EXAMPLE_PPWP), PHOTOS)).toEqual({
      agrees: true,
      photos: PHOTOS,
    });
  });

  it('names each confident field read otherwise, with the submitted and the read value', () => {
    const v1 = EXAMPLE_PPWP.votes['1']!;
    const out = compareReading(
      EXAMPLE_PPWP,
      reading(EXAMPLE_PPWP, { 'votes.1': { value: v1 + 10 }, invalid: { value: 0 } }),
      PHOTOS,
    );
    expect(out).toEqual({
      fields: [
        { field: 'votes.1', from: v1, to: v1 + 10 },
        { field: 'invalid', from: EXAMPLE_PPWP.invalid, to: 0 },
      ],
      photos: PHOTOS,
    });
  });

  it('does not count a field the reader was unsure of, or could not read, as a disagreement', () => {
    const out = compareReading(
      EXAMPLE_PPWP,
      reading(EXAMPLE_PPWP, {
        'votes.1': { value: 999, flags: ['ambiguous'] },
        'votes.2': { value: null, flags: ['page-missing'] },
        valid: { value: 1, flags: ['channels-disagree'] },
      }),
      PHOTOS,
    );
    expect(out).toEqual({ agrees: true, photos: PHOTOS });
  });

  it('fails with the reader reason when no page is found', () => {
    const pages: PageReport[] = [
      { photo: 'photo 1', found: false, reason: 'not-a-form', detail: 'not an image' },
      { photo: 'photo 2', found: false, reason: 'unknown-page', detail: '...' },
    ];
    expect(compareReading(EXAMPLE_PPWP, reading(EXAMPLE_PPWP, {}, pages), PHOTOS)).toEqual({
      failed: 'not-a-form',
    });
    expect(compareReading(EXAMPLE_PPWP, { pages: [], fields: {} }, PHOTOS)).toEqual({
      failed: 'no-photo',
    });
  });

  it('fails when pages were found but not one field was read with confidence', () => {
    const flags: FieldResult['flags'] = ['ambiguous'];
    const unsure = Object.fromEntries(fieldEntries(EXAMPLE_PPWP).map(([p]) => [p, { flags }]));
    expect(compareReading(EXAMPLE_PPWP, reading(EXAMPLE_PPWP, unsure), PHOTOS)).toEqual({
      failed: 'nothing-confident',
    });
  });
});

/** A reader that reads nothing, for the tests of what the handler does around the reading. */
const emptyReader = (): FormReader => ({
  read: () => Promise.resolve({ pages: [], fields: {}, thread: threadId }),
  close: () => Promise.resolve(),
});

describe('the re-read handler (real store and worker, faked recording)', () => {
  let dataDir: string;
  let store: Store;
  let logs: Record<string, unknown>[];
  const logger = () =>
    pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rekap-reread-unit-'));
    store = await openStore({ dataDir });
    await store.loadElection(TWO_TPS_ELECTION);
    logs = [];
  });
  afterEach(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function submitNoise(tps = TPS_A) {
    const bytes = await testPhoto(`noise ${tps}`);
    const photo = await store.putPhoto(bytes, {
      contentType: 'image/jpeg',
      width: 400,
      height: 600,
    });
    const { record } = await store.recordSubmission({
      tps,
      ballot: 'ppwp',
      result: EXAMPLE_PPWP,
      photos: [photo],
      flags: [],
      uploader: 'kpps:test',
      receivedAt: new Date(),
    });
    return { record, photo };
  }

  /**
   * The real worker with a second listener that, for a job whose first photo is the bytes `exit`
   * or `throw`, ends the thread or throws out of it while the real one has just begun the job: a
   * worker that dies mid-job.
   */
  async function crashingEntry(): Promise<URL> {
    const real = new URL('./reread-worker.ts', import.meta.url).href;
    const path = join(dataDir, 'crashing-reread-worker.mjs');
    await writeFile(
      path,
      `import ${JSON.stringify(real)};
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (job) => {
  const first = job.photos[0] ? new TextDecoder().decode(job.photos[0]) : '';
  if (first === 'exit') process.exit(3);
  if (first === 'throw') throw new Error('the test made the worker throw');
});
`,
    );
    return pathToFileURL(path);
  }

  it('the scan at start finds a version, and its photo is read on another thread', async () => {
    const { record } = await submitNoise();
    const recorded: [RereadJob, RereadOutcome][] = [];
    const reader = workerReader();
    const r = startRereader({
      store,
      logger: logger(),
      reader,
      record: (job, outcome) => Promise.resolve(void recorded.push([job, outcome])),
    });
    await r.idle();
    expect(recorded).toEqual([
      [{ tps: TPS_A, ballot: 'ppwp', version: record.version }, { failed: 'not-a-form' }],
    ]);
    const read = logs.find((l) => l.msg === 're-read');
    expect(read).toMatchObject({ tps: TPS_A, reread: 'failed', reason: 'not-a-form' });
    // The worker answers its thread id with the reading: not this thread's.
    expect(read?.thread).toEqual(expect.any(Number));
    expect(read?.thread).not.toBe(threadId);
    expect(reader.starts()).toBe(1); // lazily, on the first job
    await r.close();
    expect(r.stats()).toMatchObject({ done: 1, failed: 0, skipped: 0 });
    // Closing the rereader stopped its reader.
    await expect(reader.read([], { registeredDpt: null })).rejects.toThrow(/closed/);
  });

  it('close waits for the form being read and records it, then stops the worker', async () => {
    await submitNoise();
    const recorded: RereadOutcome[] = [];
    const reader = workerReader();
    const r = startRereader({
      store,
      logger: logger(),
      reader,
      record: (_job, outcome) => Promise.resolve(void recorded.push(outcome)),
    });
    // The scan at start has the job; closing now waits for it.
    await r.close();
    expect(recorded).toEqual([{ failed: 'not-a-form' }]);
    expect(reader.starts()).toBe(1);
    expect(r.stats()).toMatchObject({ done: 1, failed: 0 });
  });

  it('skips ballots the reader cannot read and corrections, without starting the worker', async () => {
    const { record } = await submitNoise();
    const recorded: RereadJob[] = [];
    const correction: Store = {
      ...store,
      // The scan at start finds nothing here; the jobs below are offered by hand.
      versionsAwaitingReread: () => Promise.resolve({ versions: [], scannedTo: 0 }),
      versionToReread: async (...a) => {
        const v = await store.versionToReread(...a);
        return v && { ...v, kind: 'correction' };
      },
    };
    const reader = workerReader();
    const r = startRereader({
      store: correction,
      logger: logger(),
      reader,
      record: (job) => Promise.resolve(void recorded.push(job)),
    });
    r.offer({ tps: TPS_A, ballot: 'dpr', version: 1 });
    r.offer({ tps: TPS_A, ballot: 'ppwp', version: record.version });
    await r.idle();
    await r.close();
    expect(recorded).toEqual([]);
    expect(r.stats()).toMatchObject({ done: 2, failed: 0, skipped: 2 });
    expect(reader.starts()).toBe(0);
  });

  it('a missing blob is logged and counted, not thrown, and the next job still runs', async () => {
    await submitNoise(TPS_A);
    await submitNoise(TPS_B);
    const recorded: RereadJob[] = [];
    let first = true;
    const broken: Store = {
      ...store,
      blobs: {
        ...store.blobs,
        get: (location, sha256) => {
          if (!first) return store.blobs.get(location, sha256);
          first = false;
          return Promise.reject(new Error('ENOENT: no such pack file'));
        },
      },
    };
    const r = startRereader({
      store: broken,
      logger: logger(),
      reader: emptyReader(),
      record: (job) => Promise.resolve(void recorded.push(job)),
    });
    await r.idle();
    await r.close();
    expect(recorded.map((j) => j.tps)).toEqual([TPS_B]);
    expect(r.stats()).toMatchObject({ done: 1, failed: 1 });
    const error = logs.find((l) => l.msg === 're-read failed: will retry at a scan');
    expect(error).toMatchObject({ tps: TPS_A, ballot: 'ppwp', version: 1 });
  });

  it('an error inside the worker fails that job, and the same worker reads the next', async () => {
    await submitNoise(TPS_A);
    await submitNoise(TPS_B);
    const recorded: [RereadJob, RereadOutcome][] = [];
    let first = true;
    // A contest the reader cannot use: readForm throws inside the worker, for the first job only.
    const badContest: Store = {
      ...store,
      contest: (ballot) => {
        if (!first) return store.contest(ballot);
        first = false;
        return Promise.resolve({} as Contest);
      },
    };
    const reader = workerReader();
    const r = startRereader({
      store: badContest,
      logger: logger(),
      reader,
      record: (job, outcome) => Promise.resolve(void recorded.push([job, outcome])),
    });
    await r.idle();
    await r.close();
    expect(recorded).toEqual([[expect.objectContaining({ tps: TPS_B }), { failed: 'not-a-form' }]]);
    expect(r.stats()).toMatchObject({ done: 1, failed: 1 });
    const error = logs.find((l) => l.msg === 're-read failed: will retry at a scan');
    expect(error).toMatchObject({
      tps: TPS_A,
      err: { message: expect.stringMatching(/^the re-read worker failed: /) as string },
    });
    expect(reader.starts()).toBe(1);
  });

  it('a worker that exits mid-job fails that job, and a new worker reads the next', async () => {
    await submitNoise(TPS_A);
    await submitNoise(TPS_B);
    const recorded: [RereadJob, RereadOutcome][] = [];
    let first = true;
    const exiting: Store = {
      ...store,
      blobs: {
        ...store.blobs,
        get: (location, sha256) => {
          if (!first) return store.blobs.get(location, sha256);
          first = false;
          return Promise.resolve(Buffer.from('exit'));
        },
      },
    };
    const reader = workerReader({ logger: logger(), entry: await crashingEntry() });
    const r = startRereader({
      store: exiting,
      logger: logger(),
      reader,
      record: (job, outcome) => Promise.resolve(void recorded.push([job, outcome])),
    });
    await r.idle();
    await r.close();
    expect(recorded).toEqual([[expect.objectContaining({ tps: TPS_B }), { failed: 'not-a-form' }]]);
    expect(r.stats()).toMatchObject({ done: 1, failed: 1 });
    expect(reader.starts()).toBe(2);
    expect(logs.find((l) => l.msg === 're-read failed: will retry at a scan')).toMatchObject({
      tps: TPS_A,
      err: { message: 'the re-read worker stopped (exit code 3)' },
    });
    expect(
      logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('the re-read worker stopped')),
    ).toMatchObject({ code: 3, jobs: 1 });
  });

  it('a worker that throws out of its handler fails that reading, and the next one starts anew', async () => {
    const reader = workerReader({ entry: await crashingEntry() });
    try {
      await expect(
        reader.read([new TextEncoder().encode('throw')], { registeredDpt: null }),
      ).rejects.toThrow(
        /the re-read worker stopped \(exit code 1: the test made the worker throw\)/,
      );
      const reading = await reader.read([await testPhoto('after the crash')], {
        registeredDpt: null,
      });
      expect(reading.pages).toMatchObject([{ photo: 'photo 1', found: false }]);
      expect(reading.thread).not.toBe(threadId);
      expect(reader.starts()).toBe(2);
    } finally {
      await reader.close();
    }
  });
});
