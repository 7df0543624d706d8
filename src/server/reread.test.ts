// The comparison (pure, on crafted readings) and the re-read's handler on a real SQLite store with
// the reader's classifier and the recording faked: what is read, what is skipped, what an error in
// the handler does. The whole path with the real model and store.recordReread: test/reread.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fieldEntries, type CHasil } from '../core/chasil.ts';
import type { FieldResult, PageReport } from '../reader/read-form.ts';
import { openStore, type Store } from '../store/store.ts';
import { EXAMPLE_PPWP } from '../synth/results.ts';
import { TPS_A, TPS_B, TWO_TPS_ELECTION } from '../../test/support/backends.ts';
import { testPhoto } from '../../test/support/photos.ts';
import {
  compareReading,
  startRereader,
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

describe('the re-read handler (faked classifier and recording)', () => {
  let dataDir: string;
  let store: Store;
  let logs: Record<string, unknown>[];
  const logger = () =>
    pino(
      { level: 'info' },
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

  it('the scan at start finds a version, reads its photo and records why it failed', async () => {
    const { record } = await submitNoise();
    const recorded: [RereadJob, RereadOutcome][] = [];
    let loads = 0;
    const r = startRereader({
      store,
      logger: logger(),
      record: (job, outcome) => Promise.resolve(void recorded.push([job, outcome])),
      loadClassifier: () => {
        loads++;
        return Promise.resolve((crops) => crops.map(() => ({}) as never));
      },
    });
    await r.idle();
    expect(recorded).toEqual([
      [{ tps: TPS_A, ballot: 'ppwp', version: record.version }, { failed: 'not-a-form' }],
    ]);
    expect(loads).toBe(1); // lazily, on the first job
    await r.close();
    expect(r.stats()).toMatchObject({ done: 1, failed: 0, skipped: 0 });
  });

  it('skips ballots the reader cannot read and corrections, without recording anything', async () => {
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
    const r = startRereader({
      store: correction,
      logger: logger(),
      record: (job) => Promise.resolve(void recorded.push(job)),
      loadClassifier: () => Promise.reject(new Error('must not load')),
    });
    r.offer({ tps: TPS_A, ballot: 'dpr', version: 1 });
    r.offer({ tps: TPS_A, ballot: 'ppwp', version: record.version });
    await r.idle();
    await r.close();
    expect(recorded).toEqual([]);
    expect(r.stats()).toMatchObject({ done: 2, failed: 0, skipped: 2 });
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
      record: (job) => Promise.resolve(void recorded.push(job)),
      loadClassifier: () => Promise.resolve(() => []),
    });
    await r.idle();
    await r.close();
    expect(recorded.map((j) => j.tps)).toEqual([TPS_B]);
    expect(r.stats()).toMatchObject({ done: 1, failed: 1 });
    const error = logs.find((l) => l.msg === 're-read failed: will retry at a scan');
    expect(error).toMatchObject({ tps: TPS_A, ballot: 'ppwp', version: 1 });
  });
});
