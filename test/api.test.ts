// The submission API against the real app on SQLite: acceptance, every rejection, flags, versions.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistentResult, EXAMPLE_PPWP } from '../src/synth/results.ts';
import type { CHasil } from '../src/core/chasil.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';
import { testPhoto } from './support/photos.ts';

const TPS = '16.08.01.1007.001';
const OTHER_TPS = '16.08.01.1007.002';
let server: TestServer;
let dpt: number;

/** A clean result for the TPS's registered DPT. */
function cleanFor(dptTotal: number, votes: [number, number, number] = [30, 90, 20]): CHasil {
  const dptL = Math.floor(dptTotal / 2);
  const valid = votes[0] + votes[1] + votes[2];
  const voters = valid + 4;
  return consistentResult({
    dptL,
    dptP: dptTotal - dptL,
    votesL: Math.floor(voters / 2),
    votesP: voters - Math.floor(voters / 2),
    invalid: 4,
    votes: { '1': votes[0], '2': votes[1], '3': votes[2] },
  });
}

async function post(
  tps: string,
  opts: {
    token?: string | null;
    result?: string | Blob | null;
    photos?: (Buffer | Blob)[];
    query?: string;
    body?: BodyInit;
    contentType?: string;
  },
) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.contentType) headers['content-type'] = opts.contentType;
  let body = opts.body;
  if (!body) {
    const form = new FormData();
    if (opts.result !== null) form.set('result', opts.result ?? JSON.stringify(EXAMPLE_PPWP));
    for (const p of opts.photos ?? [await testPhoto(tps)])
      form.append(
        'photo',
        p instanceof Blob ? p : new Blob([new Uint8Array(p)], { type: 'image/jpeg' }),
        'c.jpg',
      );
    body = form;
  }
  const res = await fetch(
    `${server.url}/api/v1/tps/${tps}/submissions${opts.query ?? '?ballot=ppwp'}`,
    { method: 'POST', headers, body },
  );
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const results = async (code: string) =>
  (await (await fetch(`${server.url}/api/v1/results/${code}?ballot=ppwp`)).json()) as {
    progress: { tpsReported: number; tpsTotal: number };
    totals: { votes: Record<string, number>; valid: number; invalid: number; total: number };
    children: { code: string; status?: string; totals: { valid: number } }[];
    level: string;
    name: string;
  };

let token: string;
beforeAll(async () => {
  server = await startTestServer({ web: false });
  dpt = (await server.store.tps(TPS as never))!.dpt!;
  token = await issueToken(server.store, TPS);
});
afterAll(() => server.close());

describe('rejections name what is wrong', () => {
  it("401 without a token, 401 with an unknown one, 403 with another TPS's", async () => {
    expect((await post(TPS, { token: null })).status).toBe(401);
    expect((await post(TPS, { token: 'kpps_nonsense' })).status).toBe(401);
    const r = await post(OTHER_TPS, { token });
    expect(r.status).toBe(403);
    expect(r.json.message).toContain(TPS);
  });
  it('404 for an unknown TPS, 400 for a malformed code or unknown ballot', async () => {
    expect((await post('16.08.01.1007.099', { token })).status).toBe(404);
    expect((await post('16.08.01', { token })).status).toBe(400);
    const r = await post(TPS, { token, query: '?ballot=pilpres' });
    expect(r.status).toBe(400);
    expect(r.json.message).toContain('pilpres');
  });
  it('400 unknown_ballot for a ballot this election does not hold (one code, one status)', async () => {
    const r = await post(TPS, { token, query: '?ballot=dpr' });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('unknown_ballot');
    expect(r.json.message).toBe('no dpr contest in this election');
  });
  it('415 when not multipart', async () => {
    const r = await post(TPS, {
      token,
      body: JSON.stringify(EXAMPLE_PPWP),
      contentType: 'application/json',
    });
    expect(r.status).toBe(415);
  });
  it('400 for malformed JSON, a missing result or a missing photo', async () => {
    const bad = await post(TPS, { token, result: '{"dpt": ' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('malformed_json');
    expect((await post(TPS, { token, result: null })).json.error).toBe('missing_result');
    expect((await post(TPS, { token, photos: [] })).json.error).toBe('missing_photo');
  });
  it('422 naming each field that is missing, unknown, not an integer or out of 0..999', async () => {
    const r = structuredClone(cleanFor(dpt)) as unknown as Record<string, unknown>;
    (r.votes as Record<string, unknown>)['2'] = 1000;
    (r.ballots as Record<string, unknown>).used = 12.5;
    (r.disabled as Record<string, unknown>).l = -1;
    delete r.invalid;
    r.signature = 'x';
    const res = await post(TPS, { token, result: JSON.stringify(r) });
    expect(res.status).toBe(422);
    for (const field of [
      'result.votes.2',
      'result.ballots.used',
      'result.disabled.l',
      'result.invalid',
      'signature',
    ])
      expect(res.json.message).toContain(field);
    const unknownPair = cleanFor(dpt);
    unknownPair.votes = { '1': 1, '2': 2, '3': 3, '4': 4 };
    expect(
      (await post(TPS, { token, result: JSON.stringify(unknownPair) })).json.message,
    ).toContain('result.votes.4');
  });
  it('422 for a photo that is not an image, is truncated or too small; 413 when too large', async () => {
    const text = await post(TPS, { token, photos: [Buffer.from('this is not a photo')] });
    expect(text.status).toBe(422);
    expect(text.json.message).toContain('photo 1');
    const jpeg = await testPhoto('truncated');
    const cut = await post(TPS, {
      token,
      photos: [jpeg.subarray(0, Math.floor(jpeg.length * 0.6))],
    });
    expect(cut.status).toBe(422);
    expect(cut.json.message).toMatch(/truncated|decodable/);
    const tiny = await post(TPS, {
      token,
      photos: [await testPhoto('tiny', { width: 1, height: 1 })],
    });
    expect(tiny.status).toBe(422);
    expect(tiny.json.message).toContain('too small');
    const huge = Buffer.concat([jpeg, Buffer.alloc(16 * 1024 * 1024)]);
    const big = await post(TPS, { token, photos: [huge] });
    expect(big.status).toBe(413);
    expect(String(big.json.message)).toContain('too large');
  });
  it('stores nothing for a rejected submission', async () => {
    const tps = (await (await fetch(`${server.url}/api/v1/tps/${TPS}`)).json()) as {
      versions: unknown[];
      status: string;
    };
    expect(tps.versions).toEqual([]);
    expect(tps.status).toBe('none');
  });
});

describe('accepted submissions', () => {
  it('201 with id and hash; the recap at every level counts it; the photo is kept by its hash', async () => {
    const result = cleanFor(dpt);
    const photo = await testPhoto('first');
    const r = await post(TPS, { token, result: JSON.stringify(result), photos: [photo] });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      version: 1,
      status: 'clean',
      counted: true,
      duplicate: false,
      flags: [],
    });
    expect(r.json.hash).toMatch(/^[0-9a-f]{64}$/);
    for (const code of ['16.08.01.1007', '16.08.01', '16.08', '16', 'id', '1608']) {
      const rec = await results(code);
      expect(rec.progress.tpsReported).toBe(1);
      expect(rec.totals.votes).toEqual(result.votes);
      expect(rec.totals.valid).toBe(result.valid);
    }
    const kab = await results('16.08');
    expect(kab.progress.tpsTotal).toBe(2180);
    expect(kab.children).toHaveLength(20);
    const desa = await results('16.08.01.1007');
    expect(desa.children.find((c) => c.code === TPS)?.status).toBe('counted');
    const tps = (await (await fetch(`${server.url}/api/v1/tps/1608011007001`)).json()) as {
      versions: { photos: { url: string; sha256: string }[]; result: unknown; uploader: string }[];
    };
    expect(tps.versions[0]!.result).toEqual(result);
    expect(tps.versions[0]!.uploader).toMatch(/^kpps:[0-9a-f]{16}$/);
    const img = await fetch(`${server.url}${tps.versions[0]!.photos[0]!.url}`);
    expect(Buffer.from(await img.arrayBuffer()).equals(photo)).toBe(true);
  });
  it('takes the result as a JSON-typed part or a file part too, as curl -F sends it', async () => {
    const first = (await server.store.tpsResult(TPS as never, 'ppwp'))!.versions[0]!;
    const asFile = await post(TPS, {
      token,
      result: new Blob([JSON.stringify(first.result)], { type: 'application/json' }),
      photos: [await testPhoto('first')],
    });
    expect(asFile.json).toMatchObject({ id: first.id, duplicate: true });
    const form = new FormData();
    form.set('result', JSON.stringify(first.result));
    form.append(
      'photo',
      new Blob([new Uint8Array(await testPhoto('first'))], { type: 'image/jpeg' }),
      'c.jpg',
    );
    const typed = new Request('http://x', { method: 'POST', body: form });
    const raw = Buffer.from(await typed.arrayBuffer());
    const at = raw.indexOf('name="result"\r\n') + 'name="result"\r\n'.length;
    const body = Buffer.concat([
      raw.subarray(0, at),
      Buffer.from('Content-Type: application/json\r\n'),
      raw.subarray(at),
    ]);
    const res = await post(TPS, { token, body, contentType: typed.headers.get('content-type')! });
    expect(res.json).toMatchObject({ id: first.id, duplicate: true });
  });
  it('an identical resubmission is idempotent (200, same id)', async () => {
    const first = (await server.store.tpsResult(TPS as never, 'ppwp'))!.versions[0]!;
    const again = await post(TPS, {
      token,
      result: JSON.stringify(first.result),
      photos: [await testPhoto('first')],
    });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({
      id: first.id,
      hash: first.hash,
      duplicate: true,
      version: 1,
    });
    expect((await server.store.tpsResult(TPS as never, 'ppwp'))!.versions).toHaveLength(1);
  });
  it('a flagged result is kept with its reasons in both languages and not counted', async () => {
    const slip = cleanFor(dpt, [31, 90, 20]);
    slip.votes['1'] = 40; // the pairs no longer add up to V.A
    const r = await post(TPS, { token, result: JSON.stringify(slip) });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ version: 2, status: 'flagged', counted: false });
    const flags = r.json.flags as { rule: string; message: { id: string; en: string } }[];
    expect(flags.map((f) => f.rule)).toEqual(['votes-sum-valid']);
    expect(flags[0]!.message.id).toMatch(/suara sah/i);
    expect(flags[0]!.message.en).toMatch(/valid votes/i);
    const kab = await results('16.08');
    expect(kab.totals.votes).toEqual({ '1': 30, '2': 90, '3': 20 }); // still version 1
    const tps = (await server.store.tpsResult(TPS as never, 'ppwp'))!;
    expect(tps.status).toBe('flagged');
    expect(tps.counted?.version).toBe(1);
    expect(tps.versions.map((v) => [v.version, v.status, v.counted])).toEqual([
      [2, 'flagged', false],
      [1, 'clean', true],
    ]);
  });
  it('a corrected resubmission becomes version 3 and replaces version 1 in every total; history is chained', async () => {
    const fixed = cleanFor(dpt, [35, 88, 21]);
    const r = await post(TPS, { token, result: JSON.stringify(fixed) });
    expect(r.json).toMatchObject({ version: 3, status: 'clean', counted: true });
    const kab = await results('16.08');
    expect(kab.progress.tpsReported).toBe(1);
    expect(kab.totals.votes).toEqual({ '1': 35, '2': 88, '3': 21 });
    const versions = (await server.store.tpsResult(TPS as never, 'ppwp'))!.versions;
    expect(versions.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(versions[0]!.prevChainHash).toBe(versions[1]!.chainHash);
    expect(versions[1]!.prevChainHash).toBe(versions[2]!.chainHash);
    expect(versions[2]!.prevChainHash).toBeNull();
    expect(await server.store.checkAggregates()).toEqual([]);
  });
  it('a DPT different from the register is flagged', async () => {
    const t2 = await issueToken(server.store, OTHER_TPS);
    const other = (await server.store.tps(OTHER_TPS as never))!.dpt!;
    const r = await post(OTHER_TPS, { token: t2, result: JSON.stringify(cleanFor(other + 1)) });
    expect(r.json.status).toBe('flagged');
    expect((r.json.flags as { rule: string }[]).map((f) => f.rule)).toContain(
      'dpt-matches-register',
    );
  });
});

describe('reads', () => {
  it('answers an unchanged recap with 304 to its ETag, and a changed one in full', async () => {
    const url = `${server.url}/api/v1/results/16.08.01?ballot=ppwp`;
    const first = await fetch(url);
    const etag = first.headers.get('etag')!;
    expect(etag).toBeTruthy();
    expect(first.headers.get('cache-control')).toBe('public, max-age=5, stale-while-revalidate=30');
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    // Compressed for a client that asks, the same JSON once decoded.
    const packed = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
    expect(packed.headers.get('content-encoding')).toBe('gzip');
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await packed.json()).toEqual(await plain.json());
    const before = (await first.json()) as { totals: { valid: number } };
    const tps = '16.08.01.1007.003';
    const t3 = await issueToken(server.store, tps);
    const r = await post(tps, {
      token: t3,
      result: JSON.stringify(cleanFor((await server.store.tps(tps as never))!.dpt!)),
    });
    expect(r.status).toBe(201);
    const after = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(((await after.json()) as { totals: { valid: number } }).totals.valid).toBe(
      before.totals.valid + 140,
    );
  });
  it('sees changes committed by another process (e.g. rekap rebuild) at once', async () => {
    const url = `${server.url}/api/v1/results/16.08?ballot=ppwp`;
    const before = (await (await fetch(url)).json()) as { totals: { invalid: number } };
    const other = new Database(join(server.dataDir, 'rekap.sqlite'));
    other
      .prepare("update recap_totals set invalid = invalid + 1000 where region_code = '16.08'")
      .run();
    other.close();
    const after = (await (await fetch(url)).json()) as { totals: { invalid: number } };
    expect(after.totals.invalid).toBe(before.totals.invalid + 1000);
    await server.store.rebuild();
    const repaired = (await (await fetch(url)).json()) as { totals: { invalid: number } };
    expect(repaired.totals.invalid).toBe(before.totals.invalid);
  });
  it('404 for unknown regions and TPS, 400 for malformed codes', async () => {
    expect((await fetch(`${server.url}/api/v1/results/16.09`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/results/16.9`)).status).toBe(400);
    expect((await fetch(`${server.url}/api/v1/tps/16.08.01.1007.999`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/photos/${'0'.repeat(64)}`)).status).toBe(404);
  });
  it('names the levels of the ladder', async () => {
    expect((await results('id')).level).toBe('nasional');
    expect((await results('16')).level).toBe('provinsi');
    expect((await results('16.08')).name).toMatch(/Ogan Komering Ulu Timur/i);
  });
  it('serves an OpenAPI document describing the submission endpoint', async () => {
    const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: { CHasil: { properties: Record<string, unknown> } } };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/results/{code}',
        '/api/v1/tps/{code}',
        '/api/v1/tps/{code}/submissions',
      ]),
    );
    expect(Object.keys(doc.components.schemas.CHasil.properties)).toEqual(
      expect.arrayContaining([
        'dpt',
        'voters',
        'ballots',
        'disabled',
        'votes',
        'valid',
        'invalid',
        'total',
      ]),
    );
  });
});
