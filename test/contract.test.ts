// The contract test: real answers of every route of the API (successes and refusals) checked
// against the OpenAPI document the server itself serves (generated from src/contract). An answer
// with a status the document does not list for its route, or a body its schema does not hold
// (a missing field, a wrong type, a field the document does not name), fails here.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, ERRORS, statusesOf } from '../src/contract/errors.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { consistentResult, EXAMPLE_PPWP } from '../src/synth/results.ts';
import {
  createUpload,
  enrol,
  sha256,
  signed,
  submitRefs,
  tus,
  type Device,
} from './support/field.ts';
import { testPhoto } from './support/photos.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';

const TPS = '16.08.01.1007.001';
const OTHER_TPS = '16.08.01.1007.002';
const DESA = '16.08.01.1007';

type Operation = { responses: Record<string, { content?: Record<string, { schema: object }> }> };
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
};

let server: TestServer;
let doc: Doc;
let token: string;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validators = new Map<object, ValidateFunction>();
/** `METHOD path-template` of every operation an answer was checked against. */
const exercised = new Set<string>();

/**
 * Checks one real answer against the document: the status must be listed for the operation, and
 * a JSON body must hold the listed schema. Answers the parsed body.
 */
async function check(res: Response, method: string, template: string): Promise<unknown> {
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`the document has no ${method} ${template}`);
  exercised.add(`${method.toUpperCase()} ${template}`);
  const text = await res.text();
  const documented = op.responses[String(res.status)];
  expect(
    documented,
    `${method} ${template} answered ${res.status}, not in the document: ${text}`,
  ).toBeDefined();
  const schema = documented!.content?.['application/json']?.schema;
  // A HEAD answer has the headers of its GET and no body.
  if (!schema || method === 'HEAD') return text;
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  const body: unknown = JSON.parse(text);
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile({ $ref: `rekap-openapi${(schema as { $ref: string }).$ref}` });
    validators.set(schema, validate);
  }
  const fits = validate(body);
  expect(
    fits ? [] : validate.errors,
    `${method} ${template} ${res.status}: the body does not fit the document (${text.slice(0, 300)})`,
  ).toEqual([]);
  return body;
}

const api = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function cleanResult(dptTotal: number) {
  const dptL = Math.floor(dptTotal / 2);
  return consistentResult({
    dptL,
    dptP: dptTotal - dptL,
    votesL: 62,
    votesP: 82,
    invalid: 4,
    votes: { '1': 30, '2': 90, '3': 20 },
  });
}

beforeAll(async () => {
  server = await startTestServer({ web: false });
  const res = await api('/api/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
  ajv.addSchema({ $id: 'rekap-openapi', components: doc.components });
  token = await issueToken(server.store, TPS);
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('the OpenAPI document', () => {
  it('names a schema for every JSON answer, and every $ref resolves', () => {
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        if (method === 'parameters') continue;
        for (const [status, r] of Object.entries(op.responses)) {
          const schema = r.content?.['application/json']?.schema as { $ref?: string } | undefined;
          if (!schema) continue;
          expect(schema.$ref, `${method} ${path} ${status}`).toMatch(/^#\/components\/schemas\//);
          expect(() => ajv.compile({ $ref: `rekap-openapi${schema.$ref}` })).not.toThrow();
        }
      }
  });

  it('documents every refusal with the error body and its catalogue code', () => {
    const err = doc.components.schemas.Error as {
      properties: { error: { enum: string[] } };
      required: string[];
    };
    expect(err.required).toEqual(expect.arrayContaining(['error', 'message', 'text']));
    expect(err.properties.error.enum).toContain('unknown_ballot');
    expect(err.properties.error.enum).not.toContain('bad_ballot');
    // The catalogue itself, with its words in both languages, is in the document.
    expect(err.properties.error.enum.sort()).toEqual([...ERROR_CODES].sort());
    const table = (doc.components.schemas.Error as { description: string }).description;
    for (const code of ERROR_CODES)
      expect(table).toContain(
        `| \`${code}\` | ${statusesOf(code).join(', ')} | ${ERRORS[code].id} | ${ERRORS[code].en} |`,
      );
  });
});

describe('real answers of every route fit the document', () => {
  let device: Device;
  let uploaded: string;

  it('GET /api/v1/meta', async () => {
    await check(await api('/api/v1/meta'), 'GET', '/api/v1/meta');
  });

  it('POST /api/v1/kpps/devices: 201, then 200 for the same key, and refusals', async () => {
    device = await enrol(server.url, token, TPS);
    const again = await api('/api/v1/kpps/devices', {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ tps: TPS, publicKey: device.publicKey }),
    });
    expect(again.status).toBe(200);
    await check(again, 'POST', '/api/v1/kpps/devices');
    const fresh = await api('/api/v1/kpps/devices', {
      method: 'POST',
      headers: {
        ...bearer(await issueToken(server.store, OTHER_TPS)),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ tps: OTHER_TPS, publicKey: device.publicKey }),
    });
    expect(fresh.status).toBe(409);
    await check(fresh, 'POST', '/api/v1/kpps/devices');
    for (const body of [{ tps: TPS }, { tps: 'x', publicKey: 'y' }, { tps: TPS, publicKey: 'A' }]) {
      const bad = await api('/api/v1/kpps/devices', {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(bad.status).toBe(400);
      await check(bad, 'POST', '/api/v1/kpps/devices');
    }
    const none = await api('/api/v1/kpps/devices', { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    await check(none, 'POST', '/api/v1/kpps/devices');
  });

  it('tus: POST 201, HEAD 200, PATCH 204, DELETE, and refusals', async () => {
    const photo = await testPhoto(TPS);
    uploaded = sha256(photo);
    const created = await createUpload(server.url, token, photo, { tps: TPS, sha256: uploaded });
    expect(created.status).toBe(201);
    const base = '/api/v1/uploads/';
    const item = '/api/v1/uploads/{id}';
    const head = await fetch(created.url, {
      method: 'HEAD',
      headers: { 'tus-resumable': '1.0.0', ...bearer(token) },
    });
    expect(head.status).toBe(200);
    await check(head, 'HEAD', item);
    const patch = await fetch(created.url, {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        ...bearer(token),
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
      },
      body: new Uint8Array(photo),
    });
    expect(patch.status).toBe(204);
    await check(patch, 'PATCH', item);
    const gone = await fetch(created.url, {
      method: 'HEAD',
      headers: { 'tus-resumable': '1.0.0', ...bearer(token) },
    });
    expect(gone.status).toBe(404);
    await check(gone, 'HEAD', item);

    const other = await createUpload(server.url, token, photo.subarray(0, 100), {
      tps: TPS,
      sha256: 'a'.repeat(64),
    });
    expect(other.status).toBe(201);
    await check(
      await fetch(`${server.url}${base}`, {
        method: 'POST',
        headers: { 'tus-resumable': '1.0.0', ...bearer(token), 'upload-length': '10' },
      }),
      'POST',
      base,
    );
    const del = await fetch(other.url, {
      method: 'DELETE',
      headers: { 'tus-resumable': '1.0.0', ...bearer(token) },
    });
    expect(del.status).toBe(204);
    await check(del, 'DELETE', item);
    const created2 = await fetch(`${server.url}${base}`, {
      method: 'POST',
      headers: {
        'tus-resumable': '1.0.0',
        ...bearer(token),
        'upload-length': String(photo.length),
        'upload-metadata': `tps ${Buffer.from(TPS).toString('base64')},sha256 ${Buffer.from(uploaded).toString('base64')}`,
      },
    });
    expect(created2.status).toBe(201);
    await check(created2, 'POST', base);
    const noToken = await tus(`${server.url}${base}`, 'POST', null, { 'upload-length': '10' });
    expect(noToken.status).toBe(401);
  });

  it('POST /api/v1/tps/{code}/submissions: 201 signed, 200 again, flagged, and refusals', async () => {
    const route = '/api/v1/tps/{code}/submissions';
    const tps = await server.store.tps(TPS as TpsCode);
    const result = cleanResult(tps!.dpt!);
    const sig = await signed(device, TPS, result, [uploaded]);
    const part = {
      deviceId: device.deviceId,
      signedAt: sig.summary.signedAt,
      signature: sig.signature,
    };
    const post = (r: unknown, s = part) => {
      const form = new FormData();
      form.set('result', new Blob([JSON.stringify(r)], { type: 'application/json' }));
      form.set('photos', new Blob([JSON.stringify([uploaded])], { type: 'application/json' }));
      form.set('signature', new Blob([JSON.stringify(s)], { type: 'application/json' }));
      return api(`/api/v1/tps/${TPS}/submissions?ballot=ppwp`, {
        method: 'POST',
        headers: bearer(token),
        body: form,
      });
    };
    const first = await post(result);
    expect(first.status).toBe(201);
    await check(first, 'POST', route);
    const again = await post(result);
    expect(again.status).toBe(200);
    await check(again, 'POST', route);
    // A flagged version (its numbers break a rule), signed too: the TPS has a device now.
    const flagged = { ...result, valid: result.valid + 1 };
    const sig2 = await signed(device, TPS, flagged, [uploaded]);
    const res2 = await post(flagged, {
      ...part,
      signedAt: sig2.summary.signedAt,
      signature: sig2.signature,
    });
    expect(res2.status).toBe(201);
    expect(((await check(res2, 'POST', route)) as { status: string }).status).toBe('flagged');
    // Refusals: unsigned (403), a bad result (422), a bad code (400), an unknown TPS (404), no
    // token (401), an unknown ballot (400).
    const unsigned = await submitRefs(server.url, token, TPS, result, [uploaded]);
    expect(unsigned.status).toBe(403);
    const refusals: [string, RequestInit, number][] = [
      [
        `/api/v1/tps/${TPS}/submissions`,
        { method: 'POST', headers: bearer(token), body: 'x' },
        415,
      ],
      [`/api/v1/tps/nope/submissions`, { method: 'POST', headers: bearer(token) }, 400],
      [
        `/api/v1/tps/16.08.01.1007.999/submissions`,
        { method: 'POST', headers: bearer(token) },
        404,
      ],
      [
        `/api/v1/tps/${TPS}/submissions?ballot=nope`,
        { method: 'POST', headers: bearer(token) },
        400,
      ],
      [`/api/v1/tps/${TPS}/submissions`, { method: 'POST' }, 401],
    ];
    for (const [path, init, status] of refusals) {
      const res = await api(path, init);
      expect(res.status, path).toBe(status);
      await check(res, 'POST', route);
    }
    // At a TPS without a device (unsigned): a result that is not one (422), then one that breaks
    // a rule, kept and flagged: its findings are the TPS's anomalies below.
    const otherToken = await issueToken(server.store, OTHER_TPS);
    const unsignedPost = async (r: unknown) => {
      const form = new FormData();
      form.set('result', JSON.stringify(r));
      form.append(
        'photo',
        new Blob([new Uint8Array(await testPhoto(OTHER_TPS))], { type: 'image/jpeg' }),
      );
      return api(`/api/v1/tps/${OTHER_TPS}/submissions`, {
        method: 'POST',
        headers: bearer(otherToken),
        body: form,
      });
    };
    const invalid = await unsignedPost({ ...EXAMPLE_PPWP, valid: 'many' });
    expect(invalid.status).toBe(422);
    await check(invalid, 'POST', route);
    const other = await server.store.tps(OTHER_TPS as TpsCode);
    const broken = cleanResult(other!.dpt!);
    const kept = await unsignedPost({ ...broken, valid: broken.valid + 7 });
    expect(kept.status).toBe(201);
    expect(((await check(kept, 'POST', route)) as { status: string }).status).toBe('flagged');
  });

  it('GET /api/v1/results/{code}: the nation, a kecamatan, a desa with its TPS, refusals', async () => {
    const route = '/api/v1/results/{code}';
    for (const code of ['id', '16', '16.08', '16.08.01', DESA]) {
      const res = await api(`/api/v1/results/${code}?ballot=ppwp`);
      expect(res.status, code).toBe(200);
      await check(res, 'GET', route);
    }
    const etag = (await api(`/api/v1/results/${DESA}`)).headers.get('etag')!;
    const same = await api(`/api/v1/results/${DESA}`, { headers: { 'if-none-match': etag } });
    expect(same.status).toBe(304);
    await check(same, 'GET', route);
    for (const [path, status] of [
      ['/api/v1/results/nope', 400],
      ['/api/v1/results/16.08.01?ballot=nope', 400],
      ['/api/v1/results/99', 404],
    ] as const) {
      const res = await api(path);
      expect(res.status, path).toBe(status);
      await check(res, 'GET', route);
    }
  });

  it('GET /api/v1/tps/{code}: versions, photos, signature, findings and a Sirekap import', async () => {
    const route = '/api/v1/tps/{code}';
    await server.store.importExternal([
      {
        tps: TPS as TpsCode,
        ballot: 'ppwp',
        source: 'sirekap',
        values: { 'votes.1': 30, 'votes.2': 90, 'votes.3': null, valid: 140 },
        photos: ['https://example.org/c1.jpg', null],
      },
    ]);
    const res = await api(`/api/v1/tps/${TPS}?ballot=ppwp`);
    expect(res.status).toBe(200);
    const body = (await check(res, 'GET', route)) as {
      versions: { signature: unknown; photos: unknown[] }[];
      external: unknown;
      anomalies: unknown[];
    };
    expect(body.versions.length).toBe(2);
    expect(body.versions[0]!.signature).not.toBeNull();
    expect(body.versions[0]!.photos.length).toBe(1);
    expect(body.external).not.toBeNull();
    const flagged = await api(`/api/v1/tps/${OTHER_TPS}`);
    expect(flagged.status).toBe(200);
    const withFindings = (await check(flagged, 'GET', route)) as { anomalies: unknown[] };
    expect(withFindings.anomalies.length).toBeGreaterThan(0);
    const empty = await api(`/api/v1/tps/16.08.01.1007.003`);
    expect(empty.status).toBe(200);
    await check(empty, 'GET', route);
    for (const [path, status] of [
      ['/api/v1/tps/16.08', 400],
      [`/api/v1/tps/${TPS}?ballot=dprx`, 400],
      ['/api/v1/tps/16.08.01.1007.999', 404],
    ] as const) {
      const r = await api(path);
      expect(r.status, path).toBe(status);
      await check(r, 'GET', route);
    }
  });

  it('GET /api/v1/anomalies/{code}', async () => {
    const route = '/api/v1/anomalies/{code}';
    const res = await api(`/api/v1/anomalies/${DESA}?ballot=ppwp`);
    expect(res.status).toBe(200);
    const body = (await check(res, 'GET', route)) as { tps: unknown[] };
    expect(body.tps.length).toBeGreaterThan(0);
    for (const [path, status] of [
      ['/api/v1/anomalies/x', 400],
      ['/api/v1/anomalies/16?ballot=nope', 400],
      ['/api/v1/anomalies/99', 404],
    ] as const) {
      const r = await api(path);
      expect(r.status, path).toBe(status);
      await check(r, 'GET', route);
    }
  });

  it("the portal's region reads: flagged, issues, progress by hour, search", async () => {
    for (const [template, path] of [
      ['/api/v1/regions/{code}/flagged', `/api/v1/regions/${DESA}/flagged?ballot=ppwp`],
      ['/api/v1/regions/{code}/issues', `/api/v1/regions/${DESA}/issues?ballot=ppwp`],
      ['/api/v1/progress/{code}', `/api/v1/progress/${DESA}?ballot=ppwp`],
    ] as const) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      await check(res, 'GET', template);
      for (const [bad, status] of [
        [template.replace('{code}', 'x'), 400],
        [`${template.replace('{code}', '16')}?ballot=nope`, 400],
        [template.replace('{code}', '99'), 404],
      ] as const) {
        const r = await api(bad);
        expect(r.status, bad).toBe(status);
        await check(r, 'GET', template);
      }
    }
    for (const [q, status] of [
      [TPS.replaceAll('.', ''), 200],
      ['martapura', 200],
      ['', 400],
    ] as const) {
      const r = await api(`/api/v1/search?q=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(status);
      await check(r, 'GET', '/api/v1/search');
    }
  });

  it('the open-data exports: TPS rows, region rows, CDF, and refusals', async () => {
    for (const [template, path] of [
      ['/api/v1/export/tps.csv', '/api/v1/export/tps.csv?ballot=ppwp'],
      ['/api/v1/export/tps.jsonl', '/api/v1/export/tps.jsonl?ballot=ppwp'],
      ['/api/v1/export/regions.{format}', '/api/v1/export/regions.csv?ballot=ppwp&level=desa'],
      ['/api/v1/export/regions.{format}', '/api/v1/export/regions.jsonl?ballot=ppwp'],
      ['/api/v1/export/cdf.json', '/api/v1/export/cdf.json?ballot=ppwp'],
    ] as const) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      const etag = res.headers.get('etag');
      await check(res, 'GET', template);
      const again = await api(path, { headers: { 'if-none-match': etag ?? '' } });
      expect(again.status, path).toBe(304);
      await check(again, 'GET', template);
      const bad = await api(path.replace('ballot=ppwp', 'ballot=nope'));
      expect(bad.status, path).toBe(400);
      await check(bad, 'GET', template);
    }
  });

  it('the map polygons: the index, a region, refusals', async () => {
    await check(await api('/api/v1/geo'), 'GET', '/api/v1/geo');
    for (const [path, status] of [
      ['16.08.geojson', 200],
      ['16.08.01.geojson', 200],
      ['99.geojson', 404],
      ['x.geojson', 400],
    ] as const) {
      const res = await api(`/api/v1/geo/${path}`);
      expect(res.status, path).toBe(status);
      await check(res, 'GET', '/api/v1/geo/{code}.geojson');
    }
  });

  it('the connectivity map: a kecamatan and a desa, refusals', async () => {
    const route = '/api/v1/connectivity/{code}';
    const geo = doc.paths[route]!.get!.responses['200']!.content!['application/geo+json']!
      .schema as { $ref: string };
    const validate = ajv.compile({ $ref: `rekap-openapi${geo.$ref}` });
    for (const [path, status] of [
      ['16.08.01', 200],
      [`${DESA}?ballot=ppwp`, 200],
      ['16', 400],
      ['16.08.01?exact=1', 401],
      ['16.08.01?exact=maybe', 400],
      ['16.08.99', 404],
      ['x', 400],
      ['16.08.01?ballot=nope', 400],
    ] as const) {
      const res = await api(`/api/v1/connectivity/${path}`);
      expect(res.status, path).toBe(status);
      const body = await check(res, 'GET', route);
      if (status !== 200) continue;
      expect(res.headers.get('content-type') ?? '').toMatch(/^application\/geo\+json/);
      const fits = validate(JSON.parse(body as string));
      expect(fits ? [] : validate.errors, path).toEqual([]);
    }
  });

  it('the sending-point plan (CSV, GeoJSON, PDF) and the late list, refusals', async () => {
    for (const ext of ['csv', 'geojson', 'pdf'] as const) {
      const route = `/api/v1/connectivity/{code}/plan.${ext}`;
      for (const [path, status] of [
        ['16.08.01', 200],
        [`${DESA}?ballot=ppwp`, 200],
        ['16', 400],
        ['16.08.01?exact=1', 401],
        ['16.08.01?exact=maybe', 400],
        ['16.08.99', 404],
        ['16.08.01?ballot=nope', 400],
      ] as const) {
        const [code, query] = path.split('?');
        const res = await api(
          `/api/v1/connectivity/${code}/plan.${ext}${query ? `?${query}` : ''}`,
        );
        expect(res.status, `${ext} ${path}`).toBe(status);
        await check(res, 'GET', route);
      }
    }
    for (const [path, status] of [
      ['16.08.01', 200],
      [`${DESA}?ballot=ppwp`, 200],
      ['16', 400],
      ['16.08.99', 404],
      ['16.08.01?ballot=nope', 400],
    ] as const) {
      const [code, query] = path.split('?');
      const res = await api(`/api/v1/connectivity/${code}/late${query ? `?${query}` : ''}`);
      expect(res.status, path).toBe(status);
      await check(res, 'GET', '/api/v1/connectivity/{code}/late');
    }
  });

  it("Sirekap's public paths: nation to TPS, refusals", async () => {
    const packed = TPS.split('.');
    const paths: [string, string, number][] = [
      ['/pemilu/hhcw/ppwp.json', '/pemilu/hhcw/ppwp.json', 200],
      ['/pemilu/hhcw/ppwp/{pr}.json', `/pemilu/hhcw/ppwp/16.json`, 200],
      ['/pemilu/hhcw/ppwp/{pr}/{kab}.json', `/pemilu/hhcw/ppwp/16/1608.json`, 200],
      ['/pemilu/hhcw/ppwp/{pr}/{kab}/{kec}.json', `/pemilu/hhcw/ppwp/16/1608/160801.json`, 200],
      [
        '/pemilu/hhcw/ppwp/{pr}/{kab}/{kec}/{desa}.json',
        `/pemilu/hhcw/ppwp/16/1608/160801/${packed.slice(0, 4).join('')}.json`,
        200,
      ],
      [
        '/pemilu/hhcw/ppwp/{pr}/{kab}/{kec}/{desa}/{tps}.json',
        `/pemilu/hhcw/ppwp/16/1608/160801/${packed.slice(0, 4).join('')}/${packed.join('')}.json`,
        200,
      ],
      ['/pemilu/hhcw/ppwp/{pr}.json', `/pemilu/hhcw/ppwp/99.json`, 404],
      ['/pemilu/hhcw/ppwp/{pr}/{kab}.json', `/pemilu/hhcw/ppwp/16/xx.json`, 400],
    ];
    for (const [template, path, status] of paths) {
      const res = await api(path);
      expect(res.status, path).toBe(status);
      await check(res, 'GET', template);
    }
  });

  it('GET /api/v1/live: an event stream that opens with the current mark', async () => {
    const stop = new AbortController();
    const res = await api('/api/v1/live', { signal: stop.signal });
    expect(res.status).toBe(200);
    expect(doc.paths['/api/v1/live']?.get?.responses['200']).toBeDefined();
    expect(res.headers.get('content-type') ?? '').toMatch(/^text\/event-stream/);
    exercised.add('GET /api/v1/live');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^(id|event|data|retry):/m);
    stop.abort();
    await reader.cancel().catch(() => undefined);
  });

  it('signal observations: POST 202 and refusals, GET 200', async () => {
    const route = '/api/v1/signal/observations';
    const at = new Date().toISOString();
    const obs = {
      tps: TPS,
      at,
      lat: -4.05,
      lng: 104.21,
      accuracyM: 12,
      connection: '3g',
      rttMs: 420,
      uploadKbps: 80,
      bytes: 5000,
      ok: true,
    };
    const post = (body: unknown, t: string | null = token) =>
      api(route, {
        method: 'POST',
        headers: { ...(t ? bearer(t) : {}), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const stored = await post([
      obs,
      { ...obs, connection: 'none', rttMs: null, uploadKbps: null, ok: false },
    ]);
    expect(stored.status).toBe(202);
    await check(stored, 'POST', route);
    for (const [body, t, status] of [
      [[{ ...obs, lat: 50 }], token, 400],
      [[{ ...obs, tps: OTHER_TPS }], token, 403],
      [[obs], null, 401],
    ] as const) {
      const r = await post(body, t);
      expect(r.status).toBe(status);
      await check(r, 'POST', route);
    }
    const got = await api(`${route}?region=16.08`);
    expect(got.status).toBe(200);
    const body = (await check(got, 'GET', route)) as { observations: unknown[] };
    expect(body.observations.length).toBe(2);
    const bad = await api(`${route}?region=zz`);
    expect(bad.status).toBe(400);
    await check(bad, 'GET', route);
  });

  it('signal probe: POST 200 and refusals', async () => {
    const route = '/api/v1/signal/probe';
    const post = (
      body: Uint8Array<ArrayBuffer>,
      t: string | null = token,
      type = 'application/octet-stream',
    ) =>
      api(route, {
        method: 'POST',
        headers: { ...(t ? bearer(t) : {}), 'content-type': type },
        body,
      });
    const got = await post(new Uint8Array(32 * 1024));
    expect(got.status).toBe(200);
    expect(await check(got, 'POST', route)).toMatchObject({ received: 32 * 1024 });
    for (const [body, t, type, status] of [
      [new Uint8Array(10), null, 'application/octet-stream', 401],
      [new Uint8Array(10), token, 'text/plain', 415],
      [new Uint8Array(64 * 1024 + 1), token, 'application/octet-stream', 413],
    ] as const) {
      const r = await post(body, t, type);
      expect(r.status).toBe(status);
      await check(r, 'POST', route);
    }
  });

  it('GET /api/v1/photos/{sha256}', async () => {
    const route = '/api/v1/photos/{sha256}';
    const res = await api(`/api/v1/photos/${uploaded}`);
    expect(res.status).toBe(200);
    await check(res, 'GET', route);
    const none = await api(`/api/v1/photos/${'0'.repeat(64)}`);
    expect(none.status).toBe(404);
    await check(none, 'GET', route);
  });

  it('the operator session routes: login, me, password, logout', async () => {
    const { password } = await server.store.accounts
      .create({ name: 'contract-ppk', role: 'ppk', region: '16.08.01' as RegionCode })
      .then((r) => (r.ok ? r.value : Promise.reject(new Error(r.error.message))));
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      api(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const login = '/api/operator/login';
    for (const [body, status] of [
      [{ name: 'contract-ppk' }, 400],
      [{ name: 'contract-ppk', password: 'wrong' }, 401],
    ] as const) {
      const r = await post(login, body);
      expect(r.status).toBe(status);
      await check(r, 'POST', login);
    }
    const ok = await post(login, { name: 'contract-ppk', password });
    expect(ok.status).toBe(200);
    const cookie = ok.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrf } = (await check(ok, 'POST', login)) as { csrf: string };
    const me = '/api/operator/me';
    for (const [headers, status] of [
      [{}, 401],
      [{ cookie }, 200],
    ] as const) {
      const r = await api(me, { headers });
      expect(r.status).toBe(status);
      await check(r, 'GET', me);
    }
    const change = '/api/operator/password';
    const next = 'a contract test password';
    for (const [body, headers, status] of [
      [{ current: password, next }, { cookie }, 403],
      [{ current: 'wrong', next }, { cookie, 'x-csrf-token': csrf }, 403],
      [{ current: password, next: 'short' }, { cookie, 'x-csrf-token': csrf }, 422],
      [{ current: password }, { cookie, 'x-csrf-token': csrf }, 400],
      [{ current: password, next }, { cookie, 'x-csrf-token': csrf }, 200],
    ] as const) {
      const r = await post(change, body, headers);
      expect(r.status).toBe(status);
      await check(r, 'POST', change);
    }
    const logout = '/api/operator/logout';
    for (const [headers, status] of [
      [{}, 401],
      [{ cookie, 'x-csrf-token': csrf }, 200],
    ] as const) {
      const r = await post(logout, {}, headers);
      expect(r.status).toBe(status);
      await check(r, 'POST', logout);
    }
  });

  it('sign-off: close, reopen, the D.Hasil as JSON and PDF, the server key, the chain head', async () => {
    // The demo's smallest kecamatan other than the one the submissions above went to, every TPS
    // of it counted (straight through the store: the routes under test are the recap's).
    const kab = (await (await api('/api/v1/results/16.08')).json()) as {
      children: { code: string; progress: { tpsTotal: number } }[];
    };
    const kec = kab.children
      .filter((c) => c.code !== '16.08.01' && c.progress.tpsTotal > 0)
      .sort((a, b) => a.progress.tpsTotal - b.progress.tpsTotal)[0]!.code as RegionCode;
    const { password } = await server.store.accounts
      .create({ name: 'contract-recap', role: 'ppk', region: kec })
      .then((r) => (r.ok ? r.value : Promise.reject(new Error(r.error.message))));
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      api(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const login = await post('/api/operator/login', { name: 'contract-recap', password });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrf } = (await login.json()) as { csrf: string };
    const session = { cookie, 'x-csrf-token': csrf };
    const next = 'a contract recap password';
    expect(
      (await post('/api/operator/password', { current: password, next }, session)).status,
    ).toBe(200);

    const close = '/api/operator/recap/{code}/{ballot}/close';
    const reopen = '/api/operator/recap/{code}/{ballot}/reopen';
    const json = '/api/v1/recap/{code}/{ballot}/dhasil.json';
    const pdf = '/api/v1/recap/{code}/{ballot}/dhasil.pdf';
    const at = (template: string, code: string, ballot = 'ppwp') =>
      template.replace('{code}', code).replace('{ballot}', ballot);
    for (const [code, ballot, headers, status] of [
      [kec, 'ppwp', {}, 401],
      [kec, 'ppwp', session, 409],
      [`${kec}.9999`, 'ppwp', session, 403],
      ['zz', 'ppwp', session, 400],
      [kec, 'nope', session, 400],
    ] as const) {
      const r = await post(at(close, code, ballot), {}, headers);
      expect(r.status).toBe(status);
      await check(r, 'POST', close);
    }
    for (const [body, status] of [
      [{}, 400],
      [{ reason: 'not closed yet' }, 409],
    ] as const) {
      const r = await post(at(reopen, kec), body, session);
      expect(r.status).toBe(status);
      await check(r, 'POST', reopen);
    }
    for (const template of [json, pdf]) {
      const r = await api(at(template, kec));
      expect(r.status).toBe(404);
      await check(r, 'GET', template);
    }

    for (const tps of await server.store.tpsBelow(kec))
      await server.store.recordSubmission({
        tps,
        ballot: 'ppwp',
        result: EXAMPLE_PPWP,
        photos: [],
        flags: [],
        uploader: 'kpps:contract',
        receivedAt: new Date(),
      });
    const closed = await post(at(close, kec), {}, session);
    expect(closed.status).toBe(201);
    await check(closed, 'POST', close);
    for (const template of [json, pdf]) {
      const r = await api(at(template, kec));
      expect(r.status).toBe(200);
      await check(r, 'GET', template);
    }
    const reopened = await post(at(reopen, kec), { reason: 'the contract test reopens' }, session);
    expect(reopened.status).toBe(200);
    await check(reopened, 'POST', reopen);
    for (const route of ['/api/v1/keys/server', '/api/v1/audit/head']) {
      const r = await api(route);
      expect(r.status).toBe(200);
      await check(r, 'GET', route);
    }
  });

  it('the review queue: queue, TPS, confirm, correct, photo request, objection, answer, crop', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      api(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    /** A logged-in account of this role and region, its one-time password changed. */
    const sessionOf = async (name: string, role: 'ppk' | 'bawaslu', region: string) => {
      const { password } = await server.store.accounts
        .create({ name, role, region: region as RegionCode })
        .then((r) => (r.ok ? r.value : Promise.reject(new Error(r.error.message))));
      const login = await post('/api/operator/login', { name, password });
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const { csrf } = (await login.json()) as { csrf: string };
      const session = { cookie, 'x-csrf-token': csrf };
      const changed = await post(
        '/api/operator/password',
        { current: password, next: `the contract test password of a ${role}` },
        session,
      );
      expect(changed.status).toBe(200);
      return session;
    };
    const ppk = await sessionOf('contract-review', 'ppk', '16.08.01');
    const bawaslu = await sessionOf('contract-bawaslu', 'bawaslu', '16.08.01');
    const onlyCookie = { cookie: ppk.cookie };

    const queue = '/api/operator/queue';
    for (const [query, headers, status] of [
      ['region=16.08.01', onlyCookie, 200],
      ['region=16.08.01&state=photo_requested&limit=1', onlyCookie, 200],
      ['region=16.08.01', {}, 401],
      ['region=16.08.02', onlyCookie, 403],
      ['region=zz', onlyCookie, 400],
      ['region=16.08.01&limit=0', onlyCookie, 400],
    ] as const) {
      const r = await api(`${queue}?${query}`, { headers });
      expect(r.status, query).toBe(status);
      const body = await check(r, 'GET', queue);
      if (query === 'region=16.08.01' && status === 200)
        expect((body as { items: { tps: string }[] }).items.map((i) => i.tps)).toEqual(
          expect.arrayContaining([TPS, OTHER_TPS]),
        );
    }

    const tpsRoute = '/api/operator/tps/{code}/{ballot}';
    for (const [code, headers, status] of [
      [TPS, onlyCookie, 200],
      [TPS, {}, 401],
      ['16.08.02.2001.001', onlyCookie, 403],
      ['nope', onlyCookie, 400],
      ['16.08.01.1007.999', onlyCookie, 404],
    ] as const) {
      const r = await api(`/api/operator/tps/${code}/ppwp`, { headers });
      expect(r.status, code).toBe(status);
      await check(r, 'GET', tpsRoute);
    }

    // OTHER_TPS: its one flagged version, confirmed as written (after the refusals), then once more.
    const confirm = '/api/operator/tps/{code}/{ballot}/confirm';
    const at = (template: string, code: string) =>
      template.replace('{code}', code).replace('{ballot}', 'ppwp');
    for (const [body, headers, status] of [
      [{ version: 1, reason: 'sesuai plano' }, onlyCookie, 403],
      [{ version: 1 }, ppk, 400],
      [{ version: 9, reason: 'sesuai plano' }, ppk, 409],
      [{ version: 1, reason: 'sesuai plano' }, ppk, 201],
      [{ version: 1, reason: 'sesuai plano' }, ppk, 409],
    ] as const) {
      const r = await post(at(confirm, OTHER_TPS), body, headers);
      expect(r.status).toBe(status);
      await check(r, 'POST', confirm);
    }

    // TPS: its flagged version 2 corrected: rules broken (422), an unknown field (400), then sent.
    const tps = await server.store.tps(TPS as TpsCode);
    const right = cleanResult(tps!.dpt!);
    const correct = '/api/operator/tps/{code}/{ballot}/correct';
    const correction = { version: 2, reason: 'salah tulis V.A', reference: 'BA-PPK/017' };
    for (const [changes, status] of [
      [{ valid: right.valid + 5 }, 422],
      [{ nope: 1 }, 400],
      [{ valid: right.valid }, 201],
    ] as const) {
      const r = await post(at(correct, TPS), { ...correction, changes }, ppk);
      expect(r.status).toBe(status);
      await check(r, 'POST', correct);
    }

    const photoRequest = '/api/operator/tps/{code}/{ballot}/photo-request';
    for (const [body, status] of [
      [{ version: 3, reason: 'x' }, 400],
      [{ version: 3, reason: 'foto buram', pages: [1] }, 201],
    ] as const) {
      const r = await post(at(photoRequest, TPS), body, ppk);
      expect(r.status).toBe(status);
      await check(r, 'POST', photoRequest);
    }

    // An objection is Bawaslu's (or a witness's), its answer the PPK's.
    const objection = '/api/operator/tps/{code}/{ballot}/objection';
    let filed = 0;
    for (const [headers, status] of [
      [ppk, 403],
      [bawaslu, 201],
    ] as const) {
      const r = await post(
        at(objection, OTHER_TPS),
        { version: 1, text: 'suara paslon 2' },
        headers,
      );
      expect(r.status).toBe(status);
      const body = (await check(r, 'POST', objection)) as {
        reasons?: { code: string; seq?: number }[];
      };
      filed = body.reasons?.find((x) => x.code === 'objection')?.seq ?? filed;
    }
    expect(filed).toBeGreaterThan(0);
    const answer = '/api/operator/tps/{code}/{ballot}/objection-answer';
    for (const [seq, status] of [
      [filed + 1000, 404],
      [filed, 201],
    ] as const) {
      const r = await post(
        at(answer, OTHER_TPS),
        { version: 1, objection: seq, reason: 'dicek dengan plano' },
        ppk,
      );
      expect(r.status).toBe(status);
      await check(r, 'POST', answer);
    }

    // The crop of a field: the test photo has no form page in it, so the whole photo (302).
    const crop = '/api/operator/photo/{sha256}/field/{path}.jpg';
    for (const [sha, headers, status] of [
      [uploaded, onlyCookie, 302],
      ['0'.repeat(64), onlyCookie, 404],
      [uploaded, {}, 401],
    ] as const) {
      const r = await api(`/api/operator/photo/${sha}/field/valid.jpg?tps=${TPS}&ballot=ppwp`, {
        headers,
        redirect: 'manual',
      });
      expect(r.status).toBe(status);
      await check(r, 'GET', crop);
    }
  });

  it('exercised every operation of the document', () => {
    const all = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'parameters')
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect([...exercised].sort()).toEqual(all.sort());
  });
});
