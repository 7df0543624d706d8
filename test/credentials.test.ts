// KPPS credentials through the real HTTP server on SQLite and on PostgreSQL (issue 9, findings 2
// and 10): a revoked phone's token cannot enrol a fresh key; one token enrols at most a few
// devices; a new token replaces the old; revoked tokens are refused everywhere; a TPS with a
// device has every ballot signed; device labels are plain text; and every credential action is an
// event in one hash-chained catalogue. The `rekap` commands an operator uses are at the end.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024, type Contest } from '../src/core/ballots.ts';
import type { CHasil } from '../src/core/chasil.ts';
import type { TpsCode } from '../src/core/codes.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import { generateDeviceKey } from '../src/core/receipt.ts';
import { buildApp } from '../src/server/app.ts';
import { EVENT_TYPES, verifyEventChain, type StoredEvent } from '../src/store/events.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { sha256 as sha256Hex } from './support/field.ts';
import { storeBackends, TPS_A, TPS_B, TWO_TPS_ELECTION } from './support/backends.ts';
import { testPhoto } from './support/photos.ts';
import { createUpload, enrol, signed, type Device } from './support/field.ts';
import { cleanResult } from './support/results.ts';
import { rekap, tokenRows } from './support/cli.ts';

/** The two-TPS election with a second ballot (a Pilkada bupati race) that cannot be signed yet. */
const PILBUP: Contest = {
  kind: 'pair',
  ballot: 'pilbup',
  scope: '16.08',
  pairs: [
    { number: 1, names: ['Calon A', 'Wakil A'] },
    { number: 2, names: ['Calon B', 'Wakil B'] },
    { number: 3, names: ['Calon C', 'Wakil C'] },
  ],
};
const ELECTION: ElectionSetup = {
  ...TWO_TPS_ELECTION,
  contests: [PPWP_2024, PILBUP],
};

const result = cleanResult;

type Answer = { status: number; json: Record<string, unknown> };

async function listen(store: Store): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp({ store });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

describe.each(storeBackends('cred'))('KPPS credentials on $name', (backend) => {
  let store: Store | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let app: FastifyInstance | undefined;
  let url = '';
  beforeAll(async () => {
    const opened = await backend.open();
    if (!opened) return;
    store = opened.store;
    cleanup = opened.cleanup;
    await store.loadElection(ELECTION);
    ({ app, url } = await listen(store));
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await cleanup?.();
  });

  const token = async (tps: TpsCode) => (await store!.issueTokens([tps]))[0]!.token;

  async function enrolKey(t: string, tps: string, body: Record<string, unknown> = {}) {
    const key = await generateDeviceKey();
    const res = await fetch(`${url}/api/v1/kpps/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tps, publicKey: key.publicKey, label: 'HP uji', ...body }),
    });
    return {
      status: res.status,
      json: (await res.json()) as Record<string, unknown>,
      key,
    };
  }

  async function submit(
    t: string,
    tps: string,
    r: CHasil,
    photo: Buffer,
    opts: { ballot?: string; device?: Device } = {},
  ): Promise<Answer> {
    const form = new FormData();
    form.set('result', JSON.stringify(r));
    form.append('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'c.jpg');
    if (opts.device) {
      const s = await signed(opts.device, tps, r, [sha256Hex(photo)]);
      form.set(
        'signature',
        JSON.stringify({
          deviceId: opts.device.deviceId,
          signedAt: s.summary.signedAt,
          signature: s.signature,
        }),
      );
    }
    const res = await fetch(
      `${url}/api/v1/tps/${tps}/submissions?ballot=${opts.ballot ?? 'ppwp'}`,
      { method: 'POST', headers: { authorization: `Bearer ${t}` }, body: form },
    );
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  /** Posts one signal observation: 401 for a refused token (the body's own checks come after). */
  async function observe(t: string, tps: string): Promise<number> {
    const res = await fetch(`${url}/api/v1/signal/observations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          tps,
          at: new Date().toISOString(),
          lat: -4.3,
          lng: 104.35,
          connection: '4g',
          rttMs: 100,
          uploadKbps: 500,
          ok: true,
        },
      ]),
    });
    await res.text();
    return res.status;
  }

  async function upload(t: string, tps: string, label: string): Promise<number> {
    const photo = await testPhoto(label);
    return (await createUpload(url, t, photo, { tps, sha256: sha256Hex(photo) })).status;
  }

  describe('reproduced (issue 9, findings 2 and 10)', () => {
    it('after revoke-device the same token neither enrols a fresh key nor gets signed results in', async (ctx) => {
      if (!store) return ctx.skip();
      const t = await token(TPS_A);
      const phone = await enrol(url, t, TPS_A);
      const photo = await testPhoto('cred-revoke');
      expect((await submit(t, TPS_A, result(80), photo, { device: phone })).status).toBe(201);
      expect(await store.revokeDevice(phone.deviceId)).toBe(true);

      // The thief holds the token: a fresh key does not enrol, so nothing it signs gets in.
      const fresh = await enrolKey(t, TPS_A);
      expect(fresh.status).toBe(401);
      expect(fresh.json.error).toBe('bad_token');
      const thief: Device = {
        deviceId: '00000000-0000-4000-8000-000000000001',
        publicKey: fresh.key.publicKey,
        privateKey: fresh.key.privateKey,
      };
      expect((await submit(t, TPS_A, result(81), photo, { device: thief })).status).toBe(401);
      // The token is refused everywhere else too.
      expect((await submit(t, TPS_A, result(81), photo)).status).toBe(401);
      expect(await upload(t, TPS_A, 'cred-revoked-upload')).toBe(401);
      expect(await observe(t, TPS_A)).toBe(401);
      const published = await store.tpsResult(TPS_A, 'ppwp');
      expect(published?.versions.map((v) => v.result.votes['2'])).toEqual([80]);

      // The operator issues a fresh token for the new phone: it enrols and signs.
      const t2 = await token(TPS_A);
      const replacement = await enrol(url, t2, TPS_A);
      expect((await submit(t2, TPS_A, result(82), photo, { device: replacement })).status).toBe(
        201,
      );
    });

    it('one token enrols at most two devices (the default), also when they race', async (ctx) => {
      if (!store) return ctx.skip();
      const t = await token(TPS_B);
      const first = await enrolKey(t, TPS_B);
      const second = await enrolKey(t, TPS_B);
      expect([first.status, second.status]).toEqual([201, 201]);
      // The same key again is still the same device, at the cap too.
      const again = await fetch(`${url}/api/v1/kpps/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tps: TPS_B, publicKey: first.key.publicKey }),
      });
      expect(again.status).toBe(200);
      const third = await enrolKey(t, TPS_B);
      expect(third.status).toBe(409);
      expect(third.json.error).toBe('device_limit');
      expect(third.json.message).toMatch(/2 devices/);
      expect(third.json.message).toMatch(/revoke/);
      expect(third.json.details).toMatchObject({ limit: 2 });

      // Eight phones racing with a new token: exactly two get in.
      const t2 = await token(TPS_B);
      const race = await Promise.all(Array.from({ length: 8 }, () => enrolKey(t2, TPS_B)));
      expect(race.filter((r) => r.status === 201)).toHaveLength(2);
      expect(race.filter((r) => r.status === 409)).toHaveLength(6);
    });

    it('issuing a new token revokes the older ones of that TPS, one TPS or many at once', async (ctx) => {
      if (!store) return ctx.skip();
      const old = await token(TPS_A);
      expect(await observe(old, TPS_A)).not.toBe(401);
      const current = await token(TPS_A);
      expect(await observe(old, TPS_A)).toBe(401);
      expect(await observe(current, TPS_A)).not.toBe(401);
      // A whole region at once (kpps-token --region --csv): every older token goes.
      const oldB = await token(TPS_B);
      const issued = await store.issueTokens([TPS_A, TPS_B]);
      expect(await store.authenticate(current)).toBeUndefined();
      expect(await store.authenticate(oldB)).toBeUndefined();
      for (const i of issued)
        expect(await store.authenticate(i.token)).toMatchObject({ tps: i.tps });
    });
  });

  it('revokes tokens by TPS, by token and by the uploader id shown in submissions', async (ctx) => {
    if (!store) return ctx.skip();
    const t = await token(TPS_A);
    const [info] = await store.tokens({ token: t });
    expect(info).toMatchObject({ tps: TPS_A, revokedAt: null });
    expect(info!.uploader).toMatch(/^kpps:[0-9a-f]{16}$/);
    expect(await store.tokens({ uploader: info!.uploader })).toEqual([info]);
    const revoked = await store.revokeTokens({ tokenHash: info!.tokenHash });
    expect(revoked.map((r) => r.uploader)).toEqual([info!.uploader]);
    expect(await observe(t, TPS_A)).toBe(401);
    // Again: nothing left to revoke.
    expect(await store.revokeTokens({ tokenHash: info!.tokenHash })).toEqual([]);

    const t2 = await token(TPS_A);
    const byTps = await store.revokeTokens({ tps: TPS_A });
    expect(byTps).toHaveLength(1);
    expect(await store.authenticate(t2)).toBeUndefined();
    expect((await store.tokens({ tps: TPS_A })).every((x) => x.revokedAt !== null)).toBe(true);
  });

  it('once a TPS has a device, every ballot must be signed: the ones that cannot be are refused', async (ctx) => {
    if (!store) return ctx.skip();
    const t = await token(TPS_A);
    const photo = await testPhoto('cred-pilbup');
    // TPS A has enrolled devices (above): an unsigned pilbup result is refused.
    const unsigned = await submit(t, TPS_A, result(70), photo, { ballot: 'pilbup' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.json.error).toBe('signature_required');
    expect(unsigned.json.message).toMatch(/pilbup/);
    expect(await store.tpsResult(TPS_A, 'pilbup')).toMatchObject({ versions: [] });
    const ppwp = await submit(t, TPS_A, result(71), photo);
    expect(ppwp).toMatchObject({ status: 403, json: { error: 'signature_required' } });
  });

  it('refuses control characters in a device label (400 naming the field) and bounds its length', async (ctx) => {
    if (!store) return ctx.skip();
    const t = await token(TPS_B);
    await store.revokeTokens({ tps: TPS_B });
    const fresh = await token(TPS_B);
    for (const label of [
      'HP\u0000ketua',
      'HP\nketua',
      'HP\u001bketua',
      'HP\u0085',
      'x'.repeat(201),
    ]) {
      const r = await enrolKey(fresh, TPS_B, { label });
      expect(r.status, JSON.stringify(label)).toBe(400);
      expect(r.json.error).toBe('malformed_request');
      expect(r.json.message).toMatch(/label/);
      expect(JSON.stringify(r.json)).not.toMatch(/22021|SQLSTATE/);
    }
    expect((await enrolKey(fresh, TPS_B, { label: 'Samsung A14 · ketua' })).status).toBe(201);
    expect(await store.authenticate(t)).toBeUndefined();
  });

  it('lists devices with their last signed submission, by TPS and by region', async (ctx) => {
    if (!store) return ctx.skip();
    const list = await store.devices({ tps: TPS_A });
    expect(list.length).toBeGreaterThanOrEqual(2);
    const signer = list.find((d) => d.revokedAt === null && d.lastSeenAt !== d.enrolledAt);
    expect(signer).toBeDefined();
    const versions = (await store.tpsResult(TPS_A, 'ppwp'))!.versions;
    const newest = versions.find((v) => v.signature?.deviceId === signer!.id);
    expect(signer!.lastSeenAt).toBe(newest!.receivedAt);
    const region = await store.devices({ region: '16.08.01' as never });
    expect(region.map((d) => d.tps)).toEqual(expect.arrayContaining([TPS_A, TPS_B]));
    expect(await store.devicesByPrefix(signer!.id.slice(0, 8))).toMatchObject([{ id: signer!.id }]);
  });

  it('logs every credential action as an event, hash-chained to the one before', async (ctx) => {
    if (!store) return ctx.skip();
    const events = await store.events();
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'token_issued',
      'token_revoked',
      'device_enrolled',
      'device_refused',
      'device_revoked',
    ])
      expect(types, type).toContain(type);
    for (const e of events) expect(Object.keys(EVENT_TYPES)).toContain(e.type);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(verifyEventChain(events)).toEqual({ ok: true, value: events.length });
    // The revoked phone closed its token: one device_revoked and its token_revoked after it.
    const revokedAt = events.findIndex((e) => e.type === 'device_revoked');
    expect(events[revokedAt + 1]).toMatchObject({
      type: 'token_revoked',
      tps: TPS_A,
      details: { reason: 'device_revoked' },
    });
    const refused = events.filter((e) => e.type === 'device_refused');
    expect(refused.some((e) => (e.details as { reason?: string }).reason === 'device_limit')).toBe(
      true,
    );
    const enrolled = events.find((e) => e.type === 'device_enrolled')!;
    expect(enrolled.actor).toMatch(/^kpps:[0-9a-f]{16}$/);
    expect(events.find((e) => e.type === 'token_issued')!.actor).toBe('cli');
    // Any change to a stored event breaks the chain at that event.
    const tampered: StoredEvent[] = events.map((e) => ({ ...e }));
    tampered[2] = { ...tampered[2]!, details: { ...(tampered[2]!.details as object), x: 1 } };
    expect(verifyEventChain(tampered)).toMatchObject({ ok: false, error: { seq: 3 } });
    expect(verifyEventChain(events.slice(1))).toMatchObject({ ok: false, error: { seq: 2 } });
  });
});

describe('the device cap is a store option', () => {
  it('enrols at most maxDevicesPerToken devices per token', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rekap-cred-cap-'));
    const store = await openStore({ dataDir, maxDevicesPerToken: 1 });
    try {
      await store.loadElection(ELECTION);
      const [issued] = await store.issueTokens([TPS_A]);
      const who = (await store.authenticate(issued!.token))!;
      const enrolOne = async () =>
        store.enrolDevice({
          tps: TPS_A,
          publicKey: (await generateDeviceKey()).publicKey,
          label: null,
          tokenHash: who.tokenHash,
        });
      expect(await enrolOne()).toMatchObject({ ok: true, value: { created: true } });
      expect(await enrolOne()).toMatchObject({
        ok: false,
        error: { reason: 'device_limit', limit: 1 },
      });
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The operator's commands, as a user runs them.
// ---------------------------------------------------------------------------------------------

describe('rekap kpps-token, devices and revoke-device', { timeout: 240_000 }, () => {
  let dataDir: string;
  const withStore = async <T>(f: (s: Store) => Promise<T>): Promise<T> => {
    const s = await openStore({ dataDir });
    try {
      return await f(s);
    } finally {
      await s.close();
    }
  };
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rekap-cred-cli-'));
    await withStore((s) => s.loadElection(ELECTION));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('a new token replaces the old one; --region --csv replaces every old one', async () => {
    const first = (await rekap('kpps-token', '--tps', TPS_A, '--data', dataDir)).stdout.trim();
    const second = await rekap('kpps-token', '--tps', TPS_A, '--data', dataDir);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/1 older token revoked/);
    const region = await rekap(
      'kpps-token',
      '--region',
      '16.08.01.1001',
      '--csv',
      '--data',
      dataDir,
    );
    expect(region.code).toBe(0);
    const rows = tokenRows(region.stdout);
    expect(rows).toHaveLength(2);
    await withStore(async (s) => {
      expect(await s.authenticate(first)).toBeUndefined();
      expect(await s.authenticate(second.stdout.trim())).toBeUndefined();
      for (const row of rows) expect(await s.authenticate(row.token)).toBeDefined();
    });
  });

  it('kpps-token --revoke by TPS, by token and by uploader id, saying what it revoked', async () => {
    const t = (await rekap('kpps-token', '--tps', TPS_B, '--data', dataDir)).stdout.trim();
    const [info] = await withStore((s) => s.tokens({ token: t }));
    const byUploader = await rekap(
      'kpps-token',
      '--revoke',
      '--token',
      info!.uploader,
      '--data',
      dataDir,
    );
    expect(byUploader.code).toBe(0);
    expect(byUploader.stdout).toContain(`revoked token ${info!.uploader} of TPS ${TPS_B}`);
    const again = await rekap('kpps-token', '--revoke', '--token', t, '--data', dataDir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already revoked/);
    const t2 = (await rekap('kpps-token', '--tps', TPS_B, '--data', dataDir)).stdout.trim();
    const byTps = await rekap('kpps-token', '--revoke', '--tps', TPS_B, '--data', dataDir);
    expect(byTps.code).toBe(0);
    expect(byTps.stdout).toMatch(
      new RegExp(`revoked 1 token of TPS ${TPS_B.replaceAll('.', '\\.')}`),
    );
    await withStore(async (s) => expect(await s.authenticate(t2)).toBeUndefined());
    const unknown = await rekap(
      'kpps-token',
      '--revoke',
      '--token',
      'kpps_nope',
      '--data',
      dataDir,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no such token/);
    expect((await rekap('kpps-token', '--revoke', '--data', dataDir)).code).toBe(2);
  });

  it('lists devices by TPS or region, and revokes one by the prefix the phone shows', async () => {
    const enrolled = await withStore(async (s) => {
      const [issued] = await s.issueTokens([TPS_A]);
      const who = (await s.authenticate(issued!.token))!;
      const e = await s.enrolDevice({
        tps: TPS_A,
        publicKey: (await generateDeviceKey()).publicKey,
        label: 'HP ketua KPPS',
        tokenHash: who.tokenHash,
      });
      if (!e.ok) throw new Error('enrolment failed');
      return { device: e.value.device, token: issued!.token };
    });
    // Two devices that share their first 8 characters (written straight into the database).
    const sqlite = new Database(join(dataDir, 'rekap.sqlite'));
    for (const n of [1, 2])
      sqlite
        .prepare(
          'insert into devices (id, tps_code, public_key, token_hash, label, enrolled_at) values (?, ?, ?, ?, ?, ?)',
        )
        .run(
          `abcdef01-0000-4000-8000-00000000000${n}`,
          TPS_B,
          `key-${n}`,
          'f'.repeat(64),
          `twin ${n}`,
          '2024-02-14T06:00:00.000Z',
        );
    sqlite.close();

    const list = await rekap('devices', '--tps', TPS_A, '--data', dataDir);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(enrolled.device.id.slice(0, 8));
    expect(list.stdout).toContain('HP ketua KPPS');
    const json = await rekap('devices', '--region', '16.08.01', '--json', '--data', dataDir);
    const rows = JSON.parse(json.stdout) as { id: string; tps: string; lastSeenAt: string }[];
    expect(rows.map((r) => r.id)).toEqual(
      expect.arrayContaining([enrolled.device.id, 'abcdef01-0000-4000-8000-000000000001']),
    );
    expect(rows.find((r) => r.id === enrolled.device.id)?.lastSeenAt).toBe(
      enrolled.device.enrolledAt,
    );

    const ambiguous = await rekap('revoke-device', '--device', 'abcdef01', '--data', dataDir);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('abcdef01-0000-4000-8000-000000000001');
    expect(ambiguous.stderr).toContain('abcdef01-0000-4000-8000-000000000002');
    const short = await rekap('revoke-device', '--device', 'abcdef0', '--data', dataDir);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least its first 8 characters/);

    const prefix = enrolled.device.id.slice(0, 8).toUpperCase();
    const r = await rekap('revoke-device', '--device', prefix, '--data', dataDir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`revoked device ${enrolled.device.id} of TPS ${TPS_A}`);
    expect(r.stdout).toMatch(/token .* revoked too/);
    await withStore(async (s) => {
      expect((await s.device(enrolled.device.id))?.revokedAt).toEqual(expect.any(String));
      expect(await s.authenticate(enrolled.token)).toBeUndefined();
    });
    const after = await rekap('devices', '--tps', TPS_A, '--json', '--data', dataDir);
    const revoked = (JSON.parse(after.stdout) as { id: string; revokedAt: string | null }[]).find(
      (d) => d.id === enrolled.device.id,
    );
    expect(revoked?.revokedAt).toEqual(expect.any(String));
  });

  it('serve refuses a device cap that is not a positive whole number', async () => {
    const r = await rekap('serve', '--max-devices-per-token', '0', '--data', dataDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-devices-per-token/);
  });
});
