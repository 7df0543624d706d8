// `rekap verify-receipt` as a witness runs it: the receipt from a signed, published submission
// passes offline, against the server and against the data folder; a tampered one fails.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeReceipt, type Receipt } from '../src/core/receipt.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';
import { testPhoto } from './support/photos.ts';
import { enrol, sha256, signed } from './support/field.ts';
import { cleanResult } from './support/results.ts';
import { rekap } from './support/cli.ts';

const TPS = '16.08.01.1007.001';

let server: TestServer;
let receipt: Receipt;
let text: string;

beforeAll(async () => {
  server = await startTestServer({ web: false });
  const token = await issueToken(server.store, TPS);
  const device = await enrol(server.url, token, TPS);
  const photo = await testPhoto('receipt');
  const result = cleanResult();
  const s = await signed(device, TPS, result, [sha256(photo)]);
  const form = new FormData();
  form.set('result', JSON.stringify(result));
  form.append('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'c.jpg');
  form.set(
    'signature',
    JSON.stringify({
      deviceId: device.deviceId,
      signedAt: s.summary.signedAt,
      signature: s.signature,
    }),
  );
  const res = await fetch(`${server.url}/api/v1/tps/${TPS}/submissions?ballot=ppwp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (res.status !== 201) throw new Error(`submission failed: ${await res.text()}`);
  receipt = { summary: s.summary, signature: s.signature, publicKey: device.publicKey };
  text = encodeReceipt(receipt);
});
afterAll(() => server.close());

describe('rekap verify-receipt', () => {
  it('checks the signature offline and finds the published version on the server', async () => {
    const offline = await rekap('verify-receipt', text);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain(`TPS ${TPS}`);
    expect(offline.stdout).toMatch(/OK +signature/);
    const online = await rekap('verify-receipt', text, '--server', server.url, '--json');
    expect(online.code).toBe(0);
    const report = JSON.parse(online.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      ok: true,
      receipt,
      checks: { signature: true, published: { ok: true, version: 1, source: server.url } },
    });
  });

  it('reads the receipt from a file and checks the data folder read-only', async () => {
    const file = join(server.dataDir, 'receipt.txt');
    await writeFile(file, `${text}\n`);
    const r = await rekap('verify-receipt', file, '--data', server.dataDir, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, checks: { published: { ok: true } } });
  });

  it('fails a tampered receipt: one number changed', async () => {
    const tampered = structuredClone(receipt);
    tampered.summary.result.votes['2'] = 91;
    const t = encodeReceipt(tampered);
    const r = await rekap('verify-receipt', t, '--server', server.url, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      checks: { signature: false, published: { ok: false, reason: 'not_published' } },
    });
    const human = await rekap('verify-receipt', t);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/GAGAL signature/);
  });

  it('fails a damaged receipt and a usage error clearly', async () => {
    const r = await rekap('verify-receipt', `${text.slice(0, 200)}`, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cut short/) as string,
    });
    expect((await rekap('verify-receipt')).code).toBe(2);
  });
});
