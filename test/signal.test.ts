// Signal observations against the real app on SQLite: stored, read back by region, validated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';

const TPS = '16.08.01.1007.001';
const OTHER_TPS = '16.08.02.2001.001';
let server: TestServer;
let token: string;

const obs = (over: Record<string, unknown> = {}) => ({
  tps: TPS,
  at: '2024-02-14T09:30:00+07:00',
  lat: -4.30123,
  lng: 104.35678,
  accuracyM: 12,
  connection: '3g',
  rttMs: 850,
  uploadKbps: 40,
  bytes: 120_000,
  ok: false,
  ...over,
});

async function post(body: unknown, t: string | null = token) {
  const res = await fetch(`${server.url}/api/v1/signal/observations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  server = await startTestServer({ web: false });
  token = await issueToken(server.store, TPS);
});
afterAll(() => server.close());

describe('signal observations', () => {
  it('stores a batch and gives it back by region', async () => {
    const batch = [
      obs(),
      obs({
        connection: 'none',
        rttMs: null,
        uploadKbps: null,
        ok: false,
        at: '2024-02-14T09:31:00+07:00',
      }),
      // Without a position (GPS off) and without bytes.
      {
        tps: '1608011007001',
        at: '2024-02-14T02:32:00Z',
        connection: '4g',
        rttMs: 120,
        uploadKbps: 900,
        ok: true,
      },
    ];
    expect(await post(batch)).toEqual({ status: 202, json: { stored: 3 } });
    const read = async (region: string) =>
      (await (await fetch(`${server.url}/api/v1/signal/observations?region=${region}`)).json()) as {
        observations: Record<string, unknown>[];
        truncated: boolean;
      };
    const kec = await read('16.08.01');
    expect(kec.truncated).toBe(false);
    expect(kec.observations).toHaveLength(3);
    // Published to about a kilometre: -4.30123, 104.35678 (12 m) -> -4.3, 104.36 (1,100 m).
    expect(kec.observations[0]).toMatchObject({
      ...obs(),
      lat: -4.3,
      lng: 104.36,
      accuracyM: 1100,
    });
    expect(kec.observations[1]).toMatchObject({ connection: 'none', rttMs: null, ok: false });
    expect(kec.observations[2]).toEqual({
      tps: TPS,
      at: '2024-02-14T02:32:00Z',
      connection: '4g',
      rttMs: 120,
      uploadKbps: 900,
      ok: true,
      source: 'send',
      receivedAt: expect.any(String) as string,
    });
    expect((await read('16.08.02')).observations).toEqual([]);
    expect((await read('id')).observations).toHaveLength(3);
    expect((await fetch(`${server.url}/api/v1/signal/observations?region=xx`)).status).toBe(400);
  });

  it('refuses observations of another TPS (403), without a token (401), malformed (400)', async () => {
    expect((await post([obs(), obs({ tps: OTHER_TPS })])).status).toBe(403);
    expect((await post([obs()], null)).status).toBe(401);
    expect((await post([obs({ connection: 'lte' })])).json).toMatchObject({
      error: 'malformed_observations',
    });
    expect((await post([obs({ lat: 123 })])).status).toBe(400);
    expect((await post([obs({ at: 'yesterday' })])).status).toBe(400);
    expect((await post([obs({ extra: 1 })])).status).toBe(400);
    expect((await post(obs())).status).toBe(400);
    expect((await post(Array.from({ length: 1001 }, () => obs()))).status).toBe(400);
    // 1,000 is a well-formed batch, but more than a TPS may send in an hour (600): 413.
    expect(await post(Array.from({ length: 1000 }, () => obs()))).toMatchObject({
      status: 413,
      json: { error: 'quota_exceeded' },
    });
    expect(await post(Array.from({ length: 500 }, () => obs()))).toEqual({
      status: 202,
      json: { stored: 500 },
    });
  });

  it('refuses absurd values with the field named, and keeps a survey observation with its signal', async () => {
    const absurd: [Record<string, unknown>, RegExp][] = [
      [{ rttMs: 3_600_000 }, /0\.rttMs: expected at most 600000, got 3600000/],
      [{ rttMs: -1 }, /0\.rttMs: expected at least 0/],
      [{ uploadKbps: 1e9 }, /0\.uploadKbps: expected at most 10000000/],
      [{ accuracyM: 5_000_000 }, /0\.accuracyM: expected at most 100000/],
      [{ bytes: 2 ** 40 }, /0\.bytes: expected at most 1073741824/],
      [{ signalDbm: 5 }, /0\.signalDbm: expected at most -20/],
      [{ signalDbm: -400 }, /0\.signalDbm: expected at least -150/],
      [{ source: 'guess' }, /0\.source: expected "send" or "survey"/],
    ];
    for (const [over, message] of absurd) {
      const r = await post([obs(over)]);
      expect(r.status, JSON.stringify(over)).toBe(400);
      expect((r.json as { message: string }).message).toMatch(message);
    }
    expect(
      (await post([obs({ source: 'survey', signalDbm: -97, lat: -4.31234, lng: 104.36789 })]))
        .status,
    ).toBe(202);
    const read = (await (
      await fetch(`${server.url}/api/v1/signal/observations?region=16.08.01`)
    ).json()) as { observations: Record<string, unknown>[] };
    expect(read.observations.at(-1)).toMatchObject({ source: 'survey', signalDbm: -97 });
  });
});
