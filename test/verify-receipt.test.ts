// `rekap verify-receipt` as a witness runs it: the receipt from a signed, published submission
// passes offline, against the server and against the data folder; a tampered one fails. Once the
// receipt matches, the command says what the server made of that version: counted, flagged with
// the reasons, corrected by whom with both numbers; the exit code stays 0 for a match.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode, TpsCode } from '../src/core/codes.ts';
import { encodeReceipt, type Receipt } from '../src/core/receipt.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { accountActor } from '../src/store/accounts.ts';
import { issueToken, startTestServer, type TestServer } from './support/server.ts';
import { testPhoto } from './support/photos.ts';
import { enrol, sha256, signed } from './support/field.ts';
import { cleanResult } from './support/results.ts';
import { rekap } from './support/cli.ts';

const TPS = '16.08.01.1007.001';

/** A TPS the server flags (its re-read disagrees), and one an operator then corrects. */
const FLAGGED_TPS = '16.08.01.1007.002';
const CORRECTED_TPS = '16.08.01.1007.003';

let server: TestServer;
let receipt: Receipt;
let text: string;

/** Signs `result` for `tps` on a newly enrolled device, submits it, and gives back its receipt. */
async function submitSigned(tps: string, result: CHasil, tag: string): Promise<Receipt> {
  const token = await issueToken(server.store, tps);
  const device = await enrol(server.url, token, tps);
  const photo = await testPhoto(tag);
  const s = await signed(device, tps, result, [sha256(photo)]);
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
  const res = await fetch(`${server.url}/api/v1/tps/${tps}/submissions?ballot=ppwp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (res.status !== 201) throw new Error(`submission failed: ${await res.text()}`);
  return { summary: s.summary, signature: s.signature, publicKey: device.publicKey };
}

beforeAll(async () => {
  server = await startTestServer({ web: false, demo: false });
  // The demo election, with each TPS's register holding the form's DPT, so a clean result counts.
  const election = demoElection();
  for (const t of election.tps)
    if ([TPS, FLAGGED_TPS, CORRECTED_TPS].includes(t.code)) t.dpt = cleanResult().dpt.total;
  await server.store.loadElection(election);
  receipt = await submitSigned(TPS, cleanResult(), 'receipt');
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
      checks: {
        signature: true,
        published: { ok: true, version: 1, source: server.url },
        status: { state: 'counted', version: 1, text: { id: 'dihitung', en: 'counted' } },
      },
    });
    const human = await rekap('verify-receipt', text, '--server', server.url);
    expect(human.stdout).toMatch(/OK +status \(status di server\): dihitung/);
  });

  it('says a flagged result is flagged, and why, exiting 0 for the match', async () => {
    const r = await submitSigned(FLAGGED_TPS, cleanResult(), 'flagged');
    const photos = r.summary.photos;
    const recorded = await server.store.recordReread(FLAGGED_TPS as TpsCode, 'ppwp', 1, {
      fields: [{ field: 'votes.1', from: 30, to: 38 }],
      photos,
    });
    expect(recorded.ok).toBe(true);
    const t = encodeReceipt(r);
    const online = await rekap('verify-receipt', t, '--server', server.url, '--json');
    expect(online.code).toBe(0);
    expect(JSON.parse(online.stdout)).toMatchObject({
      ok: true,
      checks: {
        published: { ok: true, version: 1 },
        status: {
          state: 'flagged',
          reasons: [{ code: 'reread', version: 1, fields: ['votes.1'] }],
          text: {
            en: expect.stringMatching(/^flagged: .*re-read.*votes\.1.*Not counted/) as string,
          },
        },
      },
    });
    const human = await rekap('verify-receipt', t, '--server', server.url);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/NOTE +status \(status di server\): ditandai/);
    expect(human.stdout).toContain('flagged:');
  });

  it('says a corrected result is corrected, by whom and why, with the signed and counted numbers', async () => {
    const signedResult = cleanResult();
    const r = await submitSigned(CORRECTED_TPS, signedResult, 'corrected');
    const made = await server.store.accounts.create({
      name: 'ppk.martapura',
      role: 'ppk',
      region: '16.08.01' as RegionCode,
    });
    if (!made.ok) throw new Error(made.error.message);
    const values = structuredClone(signedResult);
    values.votes['1'] = 29;
    values.votes['2'] = 91;
    const done = await server.store.review(
      {
        type: 'correct',
        tps: CORRECTED_TPS as TpsCode,
        ballot: 'ppwp',
        version: 1,
        values,
        reason: 'salah tulis pada salinan',
        reference: 'BA-07/PPK/2024',
      },
      { actor: accountActor(made.value.account.id) },
    );
    expect(done.ok).toBe(true);
    const t = encodeReceipt(r);
    for (const source of [
      ['--server', server.url],
      ['--data', server.dataDir],
    ]) {
      const online = await rekap('verify-receipt', t, ...source, '--json');
      expect(online.code, source.join(' ')).toBe(0);
      expect(JSON.parse(online.stdout)).toMatchObject({
        ok: true,
        checks: {
          published: { ok: true, version: 1 },
          status: {
            state: 'corrected',
            version: 1,
            counted: 2,
            correction: {
              corrects: 1,
              reason: 'salah tulis pada salinan',
              reference: 'BA-07/PPK/2024',
              by: { name: 'ppk.martapura', role: 'ppk', region: '16.08.01' },
            },
            differences: [
              { field: 'votes.1', signed: 30, counted: 29 },
              { field: 'votes.2', signed: 90, counted: 91 },
            ],
          },
        },
      });
    }
    const human = await rekap('verify-receipt', t, '--server', server.url);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('dikoreksi oleh PPK 16.08.01 (ppk.martapura): salah tulis');
    expect(human.stdout).toMatch(/votes\.1: signed \(ditandatangani\) 30, counted \(dihitung\) 29/);
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
