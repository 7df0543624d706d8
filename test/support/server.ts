// A real Rekap server for tests: the app on SQLite in a temporary folder, with the demo election.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { TpsCode } from '../../src/core/codes.ts';
import { demoElection } from '../../src/demo/okutimur.ts';
import { buildApp } from '../../src/server/app.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { buildWebAssets } from '../../src/web/assets.ts';
import { testPhoto } from './photos.ts';

export type TestServer = {
  url: string;
  store: Store;
  app: FastifyInstance;
  dataDir: string;
  /** Submits a result for a TPS with a fresh token of that TPS (and a generated photo by default). */
  submit(tps: string, result: object, photo?: Buffer): Promise<Response>;
  close(): Promise<void>;
};

export async function startTestServer(
  opts: { demo?: boolean; web?: boolean; dbUrl?: string; readDbUrl?: string } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rekap-test-'));
  const store = await openStore({ dataDir, dbUrl: opts.dbUrl, readDbUrl: opts.readDbUrl });
  if (opts.demo !== false) await store.loadElection(demoElection());
  const app = await buildApp({
    store,
    ...(opts.web === false ? {} : { webAssets: await buildWebAssets() }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const tokens = new Map<string, string>();
  return {
    url,
    store,
    app,
    dataDir,
    async submit(tps, result, photo) {
      let token = tokens.get(tps);
      if (!token) {
        const code = (await store.tpsBelow('id' as never)).find(
          (c) => c === tps || c.replaceAll('.', '') === tps,
        );
        if (!code) throw new Error(`no TPS ${tps}`);
        token = await issueToken(store, code);
        tokens.set(tps, token);
      }
      const form = new FormData();
      form.set('result', JSON.stringify(result));
      form.append(
        'photo',
        new Blob([new Uint8Array(photo ?? (await testPhoto(tps)))], { type: 'image/jpeg' }),
        'c-hasil.jpg',
      );
      return fetch(`${url}/api/v1/tps/${tps}/submissions?ballot=ppwp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: form,
      });
    },
    async close() {
      await app.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new KPPS token for one TPS. */
export async function issueToken(store: Store, tps: string): Promise<string> {
  const [issued] = await store.issueTokens([tps as TpsCode]);
  if (!issued) throw new Error(`no token issued for ${tps}`);
  return issued.token;
}
