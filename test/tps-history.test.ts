// The TPS answer's timeline and re-reads on both backends (src/store/tps-history.ts): every event
// about its versions, oldest first, with who acted and why (an objection's text withheld), the
// newest re-read of each version, and the anomaly engine told what the re-read found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CHasil } from '../src/core/chasil.ts';
import type { RegionCode } from '../src/core/codes.ts';
import { checkRules } from '../src/core/rules.ts';
import { auditCurrent } from '../src/server/anomalies.ts';
import { accountActor } from '../src/store/accounts.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { storeBackends, TPS_A, TWO_TPS_ELECTION } from './support/backends.ts';

const clean = (v1: number): CHasil =>
  consistentResult({
    dptL: 120,
    dptP: 120,
    votesL: 60,
    votesP: 60,
    invalid: 4,
    votes: { '1': v1, '2': 80 - v1, '3': 36 },
  });

let photoN = 0;
async function submit(store: Store, result: CHasil): Promise<string> {
  const photo = await store.putPhoto(Buffer.from(`history photo ${photoN++}`), {
    contentType: 'image/jpeg',
    width: 10,
    height: 10,
  });
  await store.recordSubmission({
    tps: TPS_A,
    ballot: 'ppwp',
    result,
    photos: [photo],
    flags: checkRules(result, { ballot: 'ppwp' }),
    uploader: 'kpps:0123456789abcdef',
    receivedAt: new Date(),
  });
  return photo.sha256;
}

describe.each(storeBackends('tps_history'))('the TPS timeline on $name', (backend) => {
  let store: Store | undefined;
  let cleanup = async () => {};
  let actor = 'cli';
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    ({ store, cleanup } = opened);
    await store.loadElection(TWO_TPS_ELECTION);
    const made = await store.accounts.create({
      name: 'ppk-martapura',
      role: 'ppk',
      region: '16.08.01' as RegionCode,
    });
    if (!made.ok) throw new Error(made.error.message);
    actor = accountActor(made.value.account.id);
  });
  afterAll(async () => {
    await store?.close();
    await cleanup();
  });

  it('lists every step in order with who and why, and feeds the re-read to the engine', async (ctx) => {
    if (!store) return ctx.skip();
    const good = clean(30);
    const slip = { ...good, valid: good.valid + 1 };
    const photo = await submit(store, slip);
    expect((await store.recordReread(TPS_A, 'ppwp', 1, { agrees: true, photos: [photo] })).ok).toBe(
      true,
    );
    const asked = await store.review(
      { type: 'request_photo', tps: TPS_A, ballot: 'ppwp', version: 1, reason: 'buram' },
      { actor },
    );
    expect(asked.ok).toBe(true);
    // The re-read agreed with the slip: the engine says the paper says so.
    const before = (await store.tpsResult(TPS_A, 'ppwp'))!;
    expect(before.versions[0]?.reread).toMatchObject({ outcome: 'agrees', fields: [] });
    const findings = auditCurrent(before)!.own.findings;
    expect(findings.some((f) => f.check === 'on-paper')).toBe(true);
    expect(findings.some((f) => f.kind === 'misread')).toBe(false);

    const photo2 = await submit(store, good);
    expect(
      (
        await store.recordReread(TPS_A, 'ppwp', 2, {
          fields: [{ field: 'votes.1', from: 30, to: 80 }],
          photos: [photo2],
        })
      ).ok,
    ).toBe(true);
    const objected = await store.review(
      { type: 'object', tps: TPS_A, ballot: 'ppwp', version: 2, text: 'saksi 02: rahasia' },
      { actor: 'cli' },
    );
    expect(objected.ok).toBe(true);
    const confirmed = await store.review(
      { type: 'confirm', tps: TPS_A, ballot: 'ppwp', version: 2, reason: 'sesuai foto' },
      { actor },
    );
    expect(confirmed.ok, JSON.stringify(confirmed)).toBe(true);

    const t = (await store.tpsResult(TPS_A, 'ppwp'))!;
    expect(t.timeline?.map((e) => `${e.type}:${e.version}`)).toEqual([
      'submission_received:1',
      'reread_agrees:1',
      'photo_requested:1',
      'submission_received:2',
      'reread_disagrees:2',
      'objection_filed:2',
      'result_confirmed:2',
    ]);
    const by = (type: string) => t.timeline!.find((e) => e.type === type)!;
    expect(by('photo_requested')).toMatchObject({
      reason: 'buram',
      by: { actor, name: 'ppk-martapura', role: 'ppk', region: '16.08.01' },
    });
    expect(by('reread_disagrees').fields).toEqual([{ field: 'votes.1', from: 30, to: 80 }]);
    expect(by('objection_filed').reason).toBeNull();
    expect(JSON.stringify(t.timeline)).not.toContain('rahasia');
    expect(by('result_confirmed')).toMatchObject({ reason: 'sesuai foto', by: { actor } });
    expect(by('submission_received').by.actor).toBe('kpps:0123456789abcdef');
    expect(t.versions[0]?.reread).toMatchObject({ outcome: 'disagrees' });
    expect(t.versions[0]?.signer).toBeNull();
  });
});
