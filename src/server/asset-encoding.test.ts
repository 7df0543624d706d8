import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.ts';
import { chooseEncoding } from './asset-encoding.ts';

describe('chooseEncoding', () => {
  it('prefers brotli, then gzip, and honours q=0 and *', () => {
    expect(chooseEncoding('gzip, deflate, br')).toBe('br');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('gzip;q=0.5')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('*, br;q=0')).toBe('gzip');
    expect(chooseEncoding('identity')).toBeUndefined();
    expect(chooseEncoding('deflate')).toBeUndefined();
    expect(chooseEncoding(undefined)).toBeUndefined();
    expect(chooseEncoding('')).toBeUndefined();
  });
});

/** The raw answer (node:http does not decompress, unlike fetch). */
function get(url: string, acceptEncoding?: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(
        url,
        { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

describe('web assets sent compressed', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('the field app reader bundle: brotli or gzip as asked, the same bytes once decoded, raw without asking', async () => {
    const raw = await get(`${server.url}/kpps/reader.js`);
    expect(raw.status).toBe(200);
    expect(raw.headers['content-encoding']).toBeUndefined();
    expect(raw.headers.vary).toMatch(/accept-encoding/i);
    const br = await get(`${server.url}/kpps/reader.js`, 'gzip, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.length).toBeLessThan(raw.body.length / 2);
    expect(brotliDecompressSync(br.body).equals(raw.body)).toBe(true);
    const gz = await get(`${server.url}/kpps/reader.js`, 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(raw.body)).toBe(true);
    // Made once and kept: a second ask answers the same bytes.
    expect((await get(`${server.url}/kpps/reader.js`, 'br')).body.equals(br.body)).toBe(true);
  });

  it('the portal page too; the digit model, which does not shrink by a tenth, goes raw', async () => {
    const page = await get(`${server.url}/`, 'br');
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(page.body).toString('utf8')).toMatch(/<html/i);
    const model = await get(`${server.url}/kpps/model.bin`, 'br, gzip');
    const rawModel = await get(`${server.url}/kpps/model.bin`);
    expect(model.headers['content-encoding']).toBeUndefined();
    expect(model.body.equals(rawModel.body)).toBe(true);
  });
});
