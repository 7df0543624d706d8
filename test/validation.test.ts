// Malformed requests against the real server (HTTP on 127.0.0.1, SQLite and PostgreSQL): each one
// is a 4xx that names the part or field at fault, in one style of error code, with words that say
// what was expected and what came, and no internal detail (paths, SQLSTATE, errno, the store's
// address) in any answer.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, ErrorBodySchema, errorBody, statusesOf } from '../src/contract/errors.ts';
import { buildApp } from '../src/server/app.ts';
import type { Store } from '../src/store/store.ts';
import { storeBackends } from './support/backends.ts';
import { enrol, patchWhole, signed, submitRefs, type Device } from './support/field.ts';
import { testPhoto } from './support/photos.ts';
import { dropSchema, postgresAvailable, POSTGRES_URL, testSchemaUrl } from './support/postgres.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';
import { cleanResult } from './support/results.ts';

const TPS = '16.08.01.1007.001';
const SIGNED_TPS = '16.08.01.1007.002';
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

const result = cleanResult;

type Part = { name: string; value: string | Buffer; type?: string; filename?: string };
type Answer = { status: number; text: string; json: Record<string, unknown> };

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the assertions on json say so
  }
  return { status: res.status, text, json };
}

/** A multipart body written by hand, so a part can carry any content type (or none). */
function multipart(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = 'rekapTestBoundary7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const filename = p.filename ? `; filename="${p.filename}"` : '';
    const type = p.type ? `\r\nContent-Type: ${p.type}` : '';
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${filename}${type}\r\n\r\n`,
      ),
      Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * Every answer of the API's error style: `{ error, message, text, details? }` (ErrorBodySchema),
 * a snake_case code of the catalogue answered with one of its statuses, and the catalogue's words.
 */
function expectApiError(a: Answer, status: number | number[], error?: string) {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses, a.text.slice(0, 500)).toContain(a.status);
  expect(Object.keys(a.json).sort()).toEqual(
    expect.arrayContaining(['error', 'message', 'text'].sort()),
  );
  for (const k of Object.keys(a.json)) expect(['error', 'message', 'text', 'details']).toContain(k);
  expect(a.json.error).toMatch(SNAKE);
  if (error) expect(a.json.error).toBe(error);
  const body = ErrorBodySchema.parse(a.json);
  expect(statusesOf(body.error)).toContain(a.status);
  expect(body.text).toEqual({ id: ERRORS[body.error].id, en: ERRORS[body.error].en });
}

let server: TestServer;
let token: string;
let photo: Buffer;

const versions = async (tps = TPS): Promise<number> => {
  const body = (await (await fetch(`${server.url}/api/v1/tps/${tps}?ballot=ppwp`)).json()) as {
    versions: unknown[];
  };
  return body.versions.length;
};

async function submitParts(parts: Part[], tps = TPS, tokenValue = token): Promise<Answer> {
  const { body, contentType } = multipart(parts);
  return answer(
    await fetch(`${server.url}/api/v1/tps/${tps}/submissions?ballot=ppwp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenValue}`, 'content-type': contentType },
      body: new Uint8Array(body),
    }),
  );
}

const photoPart = (): Part => ({
  name: 'photo',
  value: photo,
  type: 'image/jpeg',
  filename: 'c.jpg',
});

/** The result text sent in each of the three ways the README allows. */
const asEveryPart = (text: string): [string, Part][] => [
  ['a text field', { name: 'result', value: text }],
  ['a JSON-typed field', { name: 'result', value: text, type: 'application/json' }],
  ['a file', { name: 'result', value: text, type: 'application/json', filename: 'r.json' }],
];

beforeAll(async () => {
  server = await startTestServer({ web: false });
  token = await issueToken(server.store, TPS);
  photo = await testPhoto(TPS);
});
afterAll(async () => {
  await server.close();
});

describe('a malformed result is a 4xx that names the part', () => {
  it('20,000 nested arrays, in every kind of part', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const before = await versions();
    for (const [how, part] of asEveryPart(deep)) {
      const a = await submitParts([part, photoPart()]);
      expectApiError(a, [400, 422]);
      expect(a.json.message, how).toMatch(/\bresult\b/);
    }
    expect(await versions()).toBe(before);
  });

  it('an unterminated nesting is malformed JSON naming the part', async () => {
    const a = await submitParts([{ name: 'result', value: '['.repeat(20_000) }, photoPart()]);
    expectApiError(a, 400, 'malformed_json');
    expect(a.json.message).toContain('"result"');
  });

  it('a JSON-typed part that is not JSON is malformed_json (400), not a 406', async () => {
    const a = await submitParts([
      { name: 'result', value: '{"dpt":', type: 'application/json' },
      photoPart(),
    ]);
    expectApiError(a, 400, 'malformed_json');
  });

  it('a part named __proto__ is an unknown part (400)', async () => {
    const a = await submitParts([{ name: '__proto__', value: '1' }, photoPart()]);
    expectApiError(a, 400, 'unknown_part');
  });
});

describe('type errors say what was expected and what came', () => {
  const cases: [string, (r: Record<string, unknown>) => void, string][] = [
    [
      'a string',
      (r) => (r.valid = '214'),
      'valid: expected an integer 0..999, got the string "214"',
    ],
    ['a fraction', (r) => (r.valid = 1.5), 'valid: expected an integer 0..999, got 1.5'],
    ['too big', (r) => (r.total = 1000), 'total: expected an integer 0..999, got 1000'],
    ['negative', (r) => (r.invalid = -1), 'invalid: expected an integer 0..999, got -1'],
    ['null', (r) => (r.valid = null), 'valid: expected an integer 0..999, got null'],
    ['a boolean', (r) => (r.valid = true), 'valid: expected an integer 0..999, got true'],
    ['an array for an object', (r) => (r.dpt = [1, 2]), 'dpt: expected an object, got an array'],
    [
      'a string vote',
      (r) => ((r.votes as Record<string, unknown>)['2'] = '90'),
      'votes.2: expected an integer 0..999, got the string "90"',
    ],
    ['missing stays missing', (r) => delete r.invalid, 'invalid: missing'],
  ];
  for (const [name, spoil, words] of cases)
    it(name, async () => {
      const r = result() as unknown as Record<string, unknown>;
      spoil(r);
      const a = await submitParts([{ name: 'result', value: JSON.stringify(r) }, photoPart()]);
      expectApiError(a, 422, 'invalid_result');
      expect(a.json.message).toContain(`result.${words}`);
      const [path, ...rest] = words.split(': ');
      expect(a.json.details).toContainEqual({ path, message: rest.join(': ') });
    });

  it('a 1e300 is one problem, not two', async () => {
    const text = JSON.stringify(result()).replace('"valid":140', '"valid":1e300');
    const a = await submitParts([{ name: 'result', value: text }, photoPart()]);
    expectApiError(a, 422, 'invalid_result');
    expect(a.json.details).toEqual([
      { path: 'valid', message: 'expected an integer 0..999, got 1e+300' },
    ]);
  });
});

describe('keys that JavaScript treats specially are refused by name', () => {
  for (const key of ['__proto__', 'constructor', 'prototype'])
    it(`votes.${key}`, async () => {
      const text = JSON.stringify(result()).replace('"votes":{', `"votes":{"${key}":5,`);
      const before = await versions();
      for (const [how, part] of asEveryPart(text)) {
        const a = await submitParts([part, photoPart()]);
        expect(a.status, how).toBeGreaterThanOrEqual(400);
        expect(a.status, how).toBeLessThan(500);
        expect(a.json.error, how).toMatch(SNAKE);
        // A JSON-typed field is parsed by the multipart reader, which refuses __proto__ itself.
        if (a.json.error !== 'malformed_json')
          expect(a.json.message, how).toContain(`result.votes.${key}: unknown choice`);
      }
      expect(await versions()).toBe(before);
    });

  it('a top-level __proto__ is an unknown field', async () => {
    const text = JSON.stringify(result()).replace('{', '{"__proto__":{"valid":1},');
    const a = await submitParts([{ name: 'result', value: text }, photoPart()]);
    expectApiError(a, 422, 'invalid_result');
    expect(a.json.message).toContain('unknown field: "__proto__"');
  });
});

describe('what is echoed back is bounded', () => {
  it('a 10 MB result is refused with a short answer', async () => {
    const r = result() as unknown as Record<string, unknown>;
    r['k'.repeat(10_000_000)] = 1;
    const a = await submitParts([
      { name: 'result', value: JSON.stringify(r), type: 'application/json', filename: 'r.json' },
      photoPart(),
    ]);
    expectApiError(a, [400, 413, 422]);
    expect(a.text.length).toBeLessThan(2_000);
  });

  it('a 50,000-character unknown key comes back as 40 characters, not twice in full', async () => {
    const key = 'k'.repeat(50_000);
    for (const spoil of [
      (r: Record<string, unknown>) => (r[key] = 1),
      (r: Record<string, unknown>) => ((r.votes as Record<string, unknown>)[key] = 1),
    ]) {
      const r = result() as unknown as Record<string, unknown>;
      spoil(r);
      const a = await submitParts([
        { name: 'result', value: JSON.stringify(r), type: 'application/json', filename: 'r.json' },
        photoPart(),
      ]);
      expectApiError(a, 422, 'invalid_result');
      expect(a.text.length).toBeLessThan(2_000);
      expect(a.json.message).toContain(`"${'k'.repeat(40)}…" (50000 characters)`);
    }
  });

  it('5,000 unknown choices list at most 20 problems', async () => {
    const r = result();
    for (let i = 0; i < 5000; i++) r.votes[`x${i}`] = 1;
    const a = await submitParts([
      { name: 'result', value: JSON.stringify(r), type: 'application/json', filename: 'r.json' },
      photoPart(),
    ]);
    expectApiError(a, 422, 'invalid_result');
    expect((a.json.details as unknown[]).length).toBeLessThanOrEqual(20);
    expect(a.text.length).toBeLessThan(10_000);
  });

  it('a long unknown ballot or code is quoted briefly', async () => {
    const long = 'b'.repeat(5000);
    const a = await answer(await fetch(`${server.url}/api/v1/tps/${TPS}?ballot=${long}`));
    expectApiError(a, 400);
    expect(a.text.length).toBeLessThan(1_000);
  });
});

describe('signatures: the signing time and the key', () => {
  let signedToken: string;
  let device: Device;
  const send = async (signedAt: string) => {
    const r = result();
    const photoBytes = await testPhoto(`${SIGNED_TPS}-${signedAt}`);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(photoBytes).digest('hex');
    const s = await signed(device, SIGNED_TPS, r, [hash], signedAt);
    return submitRefs(
      server.url,
      signedToken,
      SIGNED_TPS,
      r,
      [],
      { deviceId: device.deviceId, signedAt, signature: s.signature },
      { photoParts: [photoBytes] },
    );
  };
  beforeAll(async () => {
    signedToken = await issueToken(server.store, SIGNED_TPS);
    device = await enrol(server.url, signedToken, SIGNED_TPS);
  });

  it('refuses a signing time in 2099, or more than 10 minutes ahead of the server', async () => {
    const before = await versions(SIGNED_TPS);
    for (const at of [
      '2099-02-14T13:05:00.000Z',
      new Date(Date.now() + 11 * 60_000).toISOString(),
    ]) {
      const a = await send(at);
      expect(a.status, JSON.stringify(a.json)).toBe(400);
      expect(a.json.error).toBe('malformed_signature');
      expect(a.json.message).toContain('signature.signedAt');
    }
    expect(await versions(SIGNED_TPS)).toBe(before);
  });

  it('refuses a signing time before the election year', async () => {
    const a = await send('2023-06-01T00:00:00.000Z');
    expect(a.status, JSON.stringify(a.json)).toBe(400);
    expect(a.json.message).toContain('signature.signedAt');
  });

  it('accepts a phone clock a few minutes ahead', async () => {
    const a = await send(new Date(Date.now() + 2 * 60_000).toISOString());
    expect(a.status, JSON.stringify(a.json)).toBe(201);
  });

  it('refuses to enrol an all-zero or identity key (bad_key)', async () => {
    const zero = Buffer.alloc(32).toString('base64url');
    const identity = Buffer.from([1, ...new Array<number>(31).fill(0)]).toString('base64url');
    for (const publicKey of [zero, identity]) {
      const a = await answer(
        await fetch(`${server.url}/api/v1/kpps/devices`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ tps: TPS, publicKey }),
        }),
      );
      expectApiError(a, 400, 'bad_key');
    }
  });
});

describe("Fastify's own refusals in our words", () => {
  const post = async (path: string, contentType: string, body: string | Buffer) =>
    answer(
      await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      }),
    );
  const devices = '/api/v1/kpps/devices';

  it.each([
    ['an unknown media type', 'text/x-rekap', 'x', 415, 'unsupported_media_type'],
    [
      'a body over 1 MB',
      'application/json',
      `{"x":"${'a'.repeat(2_000_000)}"}`,
      413,
      'payload_too_large',
    ],
    ['bad JSON', 'application/json', '{x', 400, 'malformed_json'],
    ['an empty JSON body', 'application/json', '', 400, 'malformed_json'],
    ['a __proto__ key', 'application/json', '{"__proto__":{"x":1}}', 400, 'malformed_json'],
  ])('%s', async (_name, type, body, status, code) => {
    const a = await post(devices, type, body);
    expectApiError(a, status, code);
    expect(a.json.message).not.toMatch(/FST_|content-type is set/);
  });

  it('a URL that does not decode is bad_url (400)', async () => {
    expectApiError(await answer(await fetch(`${server.url}/api/v1/tps/%E0%A4%A`)), 400, 'bad_url');
  });

  it('a path parameter over 100 characters is uri_too_long (414), quoted briefly', async () => {
    const a = await answer(await fetch(`${server.url}/api/v1/tps/${'9'.repeat(500)}`));
    expectApiError(a, 414, 'uri_too_long');
    expect(a.text.length).toBeLessThan(500);
  });
});

describe('no internal detail in any answer', () => {
  it('/healthz says ok, and nothing about where the store is', async () => {
    const a = await answer(await fetch(`${server.url}/healthz`));
    expect(a.status).toBe(200);
    expect(a.json).toEqual({ ok: true, store: true });
    expect(a.text).not.toContain(server.dataDir);
    expect(a.text).not.toMatch(/sqlite|postgres/i);
  });
});

/** The store with one method replaced by a failure. */
function failing(store: Store, method: keyof Store, error: Error): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === method) return () => Promise.reject(error);
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A genuine PostgreSQL error: 22021, "invalid byte sequence for encoding UTF8: 0x00". */
async function postgresError(): Promise<Error> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`select convert_from('\\x00'::bytea, 'UTF8')`);
    throw new Error('expected PostgreSQL to refuse');
  } catch (e) {
    return e as Error;
  } finally {
    await client.end();
  }
}

for (const backend of storeBackends('validation')) {
  describe(`on ${backend.name}`, () => {
    it('a failing store answers 500 internal_error, never its code or words', async (ctx) => {
      const opened = await backend.open();
      if (!opened) return ctx.skip();
      try {
        const errors: Error[] = [
          Object.assign(
            new Error(`ENOENT: no such file or directory, open '${opened.dataDir}/x'`),
            {
              code: 'ENOENT',
              errno: -2,
              path: `${opened.dataDir}/x`,
            },
          ),
        ];
        if (backend.name === 'postgres') errors.push(await postgresError());
        for (const error of errors) {
          const app = await buildApp({ store: failing(opened.store, 'changeMark', error) });
          try {
            const res = await app.inject({ method: 'GET', url: '/api/v1/results/id?ballot=ppwp' });
            expect(res.statusCode).toBe(500);
            expect(res.json()).toEqual(errorBody('internal_error', 'internal error'));
            expect(res.body).not.toMatch(/ENOENT|22021|0x00|UTF8|rekap-/);
          } finally {
            await app.close();
          }
        }
      } finally {
        await opened.store.close();
        await opened.cleanup();
      }
    });
  });

  it('a failing store behind a tus upload answers 500 internal_error, never its words', async (ctx) => {
    const opened = await backend.open();
    if (!opened) return ctx.skip();
    const secret = `${opened.dataDir}/packs/secret`;
    const error = Object.assign(new Error(`EACCES: permission denied, open '${secret}'`), {
      code: 'EACCES',
      path: secret,
    });
    try {
      await opened.store.loadElection((await import('../src/demo/okutimur.ts')).demoElection());
      const uploadToken = await issueToken(opened.store, TPS);
      const app = await buildApp({ store: failing(opened.store, 'keepUploadedPhoto', error) });
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const addr = app.server.address();
        const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
        const { createUpload, sha256 } = await import('./support/field.ts');
        const bytes = await testPhoto('tus-failing-store');
        const created = await createUpload(base, uploadToken, bytes, {
          tps: TPS,
          sha256: sha256(bytes),
        });
        expect(created.status, created.text).toBe(201);
        const r = await patchWhole(created.url, uploadToken, bytes);
        expect(r.status).toBe(500);
        expect(JSON.parse(r.text)).toEqual(errorBody('internal_error', 'internal error'));
        expect(r.text).not.toMatch(/EACCES|secret|rekap-/);
      } finally {
        await app.close();
      }
    } finally {
      await opened.store.close();
      await opened.cleanup();
    }
  });
}

describe('on PostgreSQL, through HTTP', () => {
  let pgServer: TestServer | undefined;
  let schema = '';
  beforeAll(async () => {
    if (!(await postgresAvailable())) return;
    const t = testSchemaUrl('validation_http');
    schema = t.schema;
    pgServer = await startTestServer({ web: false, dbUrl: t.url });
  });
  afterAll(async () => {
    await pgServer?.close();
    if (schema) await dropSchema(schema);
  });

  it('/healthz names no user, host or schema', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const a = await answer(await fetch(`${pgServer.url}/healthz`));
    expect(a.json).toEqual({ ok: true, store: true });
    expect(a.text).not.toContain(schema);
    expect(a.text).not.toMatch(/postgres|127\.0\.0\.1|5432/);
  });

  it('a device label holding U+0000 never answers a SQLSTATE', async (ctx) => {
    if (!pgServer) return ctx.skip();
    const t = await issueToken(pgServer.store, TPS);
    const { generateDeviceKey } = await import('../src/core/receipt.ts');
    const key = await generateDeviceKey();
    const a = await answer(
      await fetch(`${pgServer.url}/api/v1/kpps/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tps: TPS, publicKey: key.publicKey, label: 'hp\u0000x' }),
      }),
    );
    expect(a.json.error).toMatch(SNAKE);
    expect(a.text).not.toMatch(/22021|0x00|UTF8/);
  });
});

describe('the catalogue of error codes', () => {
  /** Every error code the server answers, read from its source. */
  function codesInSource(): Map<string, string> {
    const dir = join(import.meta.dirname, '../src/server');
    const found = new Map<string, string>();
    const patterns = [
      /apiError\(\s*[`'"]([^`'"]+)[`'"]/g,
      /refusal\(\s*\d{3},\s*[`'"]([^`'"]+)[`'"]/g,
      /\berror: [`'"]([^`'"]+)[`'"]/g,
    ];
    for (const file of readdirSync(dir).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    )) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const re of patterns)
        for (const m of text.matchAll(re)) if (!m[1]!.includes('${')) found.set(m[1]!, file);
    }
    return found;
  }

  it('every code is snake_case and listed in docs/errors.md', () => {
    const doc = readFileSync(join(import.meta.dirname, '../docs/errors.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `([^`]+)` +\|/gm)].map((m) => m[1]!));
    const codes = codesInSource();
    expect(codes.size).toBeGreaterThan(20);
    const notSnake = [...codes].filter(([c]) => !SNAKE.test(c)).map(([c, f]) => `${c} (${f})`);
    expect(notSnake).toEqual([]);
    const undocumented = [...codes.keys()].filter((c) => !documented.has(c));
    expect(undocumented).toEqual([]);
    for (const c of documented) expect(c).toMatch(SNAKE);
  });
});
