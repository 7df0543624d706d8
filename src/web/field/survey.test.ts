// The survey's measurement with the browser's parts given by the test: a good signal gives the
// pings' median and the upload's speed; no signal, or requests that get no answer, give an
// observation that did not go through (kept, to be sent later); a server that refuses gives no
// observation at all (it says nothing about the signal); a position the server would refuse is
// left out. And the words the officer reads, and the advice to measure at 3 different hours.
import { describe, expect, it } from 'vitest';
import { err, ok, type Result } from '../../core/result.ts';
import type { Connection } from '../../contract/kpps.ts';
import {
  PROBE_BYTES,
  measure,
  median,
  positionOf,
  surveyAdvice,
  surveyWords,
  uploadKbps,
  type Position,
  type PositionProblem,
  type SurveyDeps,
} from './survey.ts';

const DEV = { tps: '16.08.01.1007.001', token: 'tok' };
const AT = '2024-02-10T01:00:00.000Z';

type Call = { url: string; method: string; auth?: string; bytes?: number };

/** A fake network: each request takes the next of `ms` on the timer, and answers with `answer`. */
function rig(opts: {
  online?: boolean;
  connection?: Connection;
  position?: Result<Position, PositionProblem>;
  ms?: number[];
  answer?: (c: Call) => Response | Error;
}) {
  let now = 0;
  const ms = [...(opts.ms ?? [])];
  const calls: Call[] = [];
  const deps: SurveyDeps = {
    online: () => opts.online ?? true,
    connection: () => opts.connection ?? '4g',
    position: () => Promise.resolve(opts.position ?? ok({ lat: -4.1, lng: 104.2, accuracyM: 8 })),
    timer: () => now,
    clock: () => new Date(AT),
    randomBytes: (n) => new Uint8Array(n).fill(7),
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      const body = init?.body as Uint8Array | undefined;
      const call: Call = {
        url: input as string,
        method: init?.method ?? 'GET',
        ...(headers.get('authorization') ? { auth: headers.get('authorization')! } : {}),
        ...(body ? { bytes: body.length } : {}),
      };
      calls.push(call);
      now += ms.shift() ?? 10;
      const a = opts.answer?.(call) ?? defaultAnswer(call);
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
  return { deps, calls };
}

const defaultAnswer = (c: Call) =>
  c.url === '/healthz'
    ? Response.json({ ok: true, store: true })
    : Response.json({ received: c.bytes ?? 0, at: AT });

describe('measure', () => {
  it('online: 3 pings (median kept), a timed 32 KiB upload with the token, position and type', async () => {
    const { deps, calls } = rig({ ms: [300, 120, 180, 1000] });
    const r = await measure(DEV, deps, 'id');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /healthz',
      'GET /healthz',
      'GET /healthz',
      'POST /api/v1/signal/probe',
    ]);
    expect(calls[3]).toMatchObject({ auth: 'Bearer tok', bytes: PROBE_BYTES });
    expect(r).toEqual(
      ok({
        observation: {
          tps: DEV.tps,
          token: 'tok',
          at: AT,
          lat: -4.1,
          lng: 104.2,
          accuracyM: 8,
          connection: '4g',
          rttMs: 180,
          // 32,768 bytes in 1 s: 262 kbit/s.
          uploadKbps: 262,
          bytes: PROBE_BYTES,
          ok: true,
          source: 'survey',
          sent: 0,
        },
      }),
    );
  });

  it('offline: nothing is requested, connection none, kept to be sent later', async () => {
    const { deps, calls } = rig({ online: false, position: err('denied') });
    const r = await measure(DEV, deps, 'id');
    expect(calls).toEqual([]);
    expect(r.ok && r.value).toEqual({
      positionProblem: 'denied',
      observation: expect.objectContaining({
        connection: 'none',
        rttMs: null,
        uploadKbps: null,
        ok: false,
        source: 'survey',
        sent: 0,
      }) as unknown,
    });
    expect(r.ok && 'lat' in r.value.observation).toBe(false);
  });

  it('a request with no answer: did not go through, with the type the phone had', async () => {
    const { deps } = rig({
      connection: '3g',
      answer: (c) => (c.method === 'POST' ? new TypeError('Failed to fetch') : defaultAnswer(c)),
    });
    const r = await measure(DEV, deps, 'id');
    expect(r.ok && r.value.observation).toMatchObject({
      connection: '3g',
      rttMs: null,
      uploadKbps: null,
      ok: false,
    });
  });

  it('an upload that did not all arrive did not go through', async () => {
    const { deps } = rig({
      answer: (c) =>
        c.method === 'POST' ? Response.json({ received: 100, at: AT }) : defaultAnswer(c),
    });
    const r = await measure(DEV, deps, 'id');
    expect(r.ok && r.value.observation.ok).toBe(false);
  });

  it("a refusal of the server is no measurement: the catalogue's words, nothing kept", async () => {
    const { deps } = rig({
      answer: (c) =>
        c.method === 'POST'
          ? Response.json(
              {
                error: 'quota_exceeded',
                text: { id: 'Kuota terlampaui', en: 'Quota exceeded' },
                message: 'quota probesPerHour: ...',
              },
              { status: 429 },
            )
          : defaultAnswer(c),
    });
    expect(await measure(DEV, deps, 'id')).toEqual(
      err('Kuota terlampaui (quota probesPerHour: ...)'),
    );
  });
});

describe('the parts of a measurement', () => {
  it('median, upload speed within bounds', () => {
    expect(median([300, 120, 180])).toBe(180);
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(uploadKbps(32 * 1024, 1000)).toBe(262);
    // A request faster than the timer can tell is counted as 1 ms, and capped at 10 Gbit/s.
    expect(uploadKbps(32 * 1024, 0)).toBe(262_144);
    expect(uploadKbps(1024 ** 3, 0)).toBe(10_000_000);
  });

  it('keeps a position rounded to about a metre, and leaves out one the server would refuse', () => {
    expect(positionOf({ latitude: -4.123456, longitude: 104.654321, accuracy: 7.6 })).toEqual(
      ok({ lat: -4.12346, lng: 104.65432, accuracyM: 8 }),
    );
    expect(positionOf({ latitude: 48.85, longitude: 2.35, accuracy: 10 })).toEqual(err('outside'));
    expect(positionOf({ latitude: -4.1, longitude: 104.6, accuracy: 150_000 })).toEqual(
      err('outside'),
    );
  });
});

describe('in words', () => {
  const o = {
    at: AT,
    connection: '4g' as Connection,
    rttMs: 180,
    uploadKbps: 1200,
    ok: true,
    sent: 0 as const,
  };
  it('says good, weak or none as the blank-spot map rates it', () => {
    expect(surveyWords(o, 'id')).toBe('Sinyal baik: 4G, 180 ms, 1.200 kbit/s');
    expect(surveyWords(o, 'en')).toBe('Good signal: 4G, 180 ms, 1.200 kbit/s');
    expect(surveyWords({ ...o, connection: '2g', rttMs: 2300, uploadKbps: 40 }, 'id')).toBe(
      'Sinyal lemah: 2G, 2.300 ms, 40 kbit/s',
    );
    expect(surveyWords({ ...o, connection: 'unknown' }, 'id')).toBe(
      'Sinyal baik: jaringan tak dikenal, 180 ms, 1.200 kbit/s',
    );
    const none = { ...o, connection: 'none' as Connection, rttMs: null, uploadKbps: null };
    expect(surveyWords({ ...none, ok: false }, 'id')).toBe(
      'Tidak ada sinyal — tersimpan, akan dikirim nanti',
    );
    expect(surveyWords({ ...none, ok: false, sent: 1 }, 'en')).toBe('No signal — sent');
  });

  it('advises 3 measurements at different hours', () => {
    const at = (hour: number) => new Date(2024, 1, 10, hour, 5).toISOString();
    expect(surveyAdvice([])).toBeNull();
    expect(surveyAdvice([at(8), at(8)])).toEqual({ key: 'surveyMore', n: 2, hours: 1 });
    expect(surveyAdvice([at(8), at(8), at(13)])).toEqual({ key: 'surveyMore', n: 3, hours: 2 });
    expect(surveyAdvice([at(8), at(13), at(17)])).toEqual({ key: 'surveyEnough', n: 3, hours: 3 });
  });
});
