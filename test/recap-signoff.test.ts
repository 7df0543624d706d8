// Sign-off of each level's recap (issue 12, part F) on SQLite and PostgreSQL: a kecamatan closes
// only when every TPS below is counted, a kabupaten only on closed kecamatan; the D.Hasil
// verifies with the published key and holds the region's totals; its PDF's text holds the totals
// and the chain head; reopening is from the top down with a reason; the published state goes
// unofficial-partial -> certified -> correction -> certified; a tampered sign-off row is refused.
// Then the same over HTTP, as an operator logged in.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PPWP_2024 } from '../src/core/ballots.ts';
import type { CHasil } from '../src/core/chasil.ts';
import { NATION_CODE, type RegionCode, type TpsCode } from '../src/core/codes.ts';
import { verifyDHasilCommand } from '../src/cli/verify-dhasil.ts';
import { verifyDHasil, type SignedDHasil } from '../src/core/dhasil.ts';
import type { ElectionSetup } from '../src/core/election.ts';
import type { RuleBreach } from '../src/core/rules.ts';
import { buildApp } from '../src/server/app.ts';
import { renderDHasilPdf } from '../src/server/dhasil.ts';
import { loadServerKey, SIGNING_KEY_FILE, type ServerKey } from '../src/server/keys.ts';
import { CSRF_COOKIE, SESSION_COOKIE } from '../src/server/session.ts';
import { openDb } from '../src/store/db.ts';
import type { Store } from '../src/store/store.ts';
import { consistentResult } from '../src/synth/results.ts';
import { storeBackends, type OpenedStore } from './support/backends.ts';
import { pdfText } from './support/pdf-text.ts';
import { plainSubmission } from './support/results.ts';

const R = (c: string) => c as RegionCode;
const T = (c: string) => c as TpsCode;

const KAB = R('16.08');
const KEC1 = R('16.08.01');
const KEC2 = R('16.08.02');
const A1 = T('16.08.01.1001.001');
const A2 = T('16.08.01.1001.002');
const B1 = T('16.08.01.1002.001');
const C1 = T('16.08.02.2001.001');

/** Two kecamatan of one kabupaten (three TPS and one), and a kabupaten with no TPS beside it. */
const ELECTION: ElectionSetup = {
  name: 'sign-off test election',
  demo: false,
  regions: [
    { code: NATION_CODE, name: 'Indonesia', level: 'nasional' },
    { code: R('16'), name: 'Sumatera Selatan', level: 'provinsi' },
    { code: R('16.07'), name: 'Kab Kosong', level: 'kabupaten' },
    { code: KAB, name: 'Ogan Komering Ulu Timur', level: 'kabupaten' },
    { code: KEC1, name: 'Martapura', level: 'kecamatan' },
    { code: KEC2, name: 'Buay Madang', level: 'kecamatan' },
    { code: R('16.08.01.1001'), name: 'Desa Satu', level: 'desa' },
    { code: R('16.08.01.1002'), name: 'Desa Dua', level: 'desa' },
    { code: R('16.08.02.2001'), name: 'Desa Tiga', level: 'desa' },
  ],
  tps: [A1, A2, B1, C1].map((code) => ({ code, name: `TPS ${code.slice(-1)}`, dpt: null })),
  contests: [PPWP_2024],
};

const result = (v1: number, v2: number, v3: number): CHasil =>
  consistentResult({
    dptL: 150,
    dptP: 150,
    votesL: Math.floor((v1 + v2 + v3 + 3) / 2),
    votesP: Math.ceil((v1 + v2 + v3 + 3) / 2),
    invalid: 3,
    votes: { '1': v1, '2': v2, '3': v3 },
  });

const FLAG: RuleBreach = {
  rule: 'votes-sum-valid',
  fields: ['valid'],
  message: { id: 'tidak cocok', en: 'does not add up' },
};

const okValue = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value;
};
const errorOf = <E>(r: { ok: true } | { ok: false; error: E }): E => {
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
};

for (const backend of storeBackends('signoff')) {
  describe(`recap sign-off (${backend.name})`, () => {
    let opened: OpenedStore | undefined;
    let store: Store;
    let key: ServerKey;
    beforeAll(async () => {
      opened = await backend.open();
      if (!opened) return;
      store = opened.store;
      await store.loadElection(ELECTION);
      key = loadServerKey({ dataDir: opened.dataDir });
    }, 60_000);
    afterAll(async () => {
      await opened?.store.close();
      await opened?.cleanup();
    });
    const skip = () => {
      if (!opened) console.warn(`skipping recap sign-off on ${backend.name}: no PostgreSQL`);
      return !opened;
    };

    it('keeps the signing key in the data folder, readable by its owner only', async () => {
      if (skip()) return;
      const file = join(opened!.dataDir, SIGNING_KEY_FILE);
      if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(loadServerKey({ dataDir: opened!.dataDir }).publicKey).toBe(key.publicKey);
    });

    it('refuses to close a kecamatan while a TPS is missing or flagged', async () => {
      if (skip()) return;
      expect(await store.recapState(KEC1, 'ppwp')).toBe('unofficial-partial');
      const none = errorOf(await store.closeRecap(KEC1, 'ppwp', key));
      expect(none).toMatchObject({ code: 'recap_not_ready', unresolved: 3 });
      await store.recordSubmission(plainSubmission(A1, result(30, 90, 20)));
      await store.recordSubmission(plainSubmission(B1, result(10, 20, 30)));
      await store.recordSubmission({ ...plainSubmission(A2, result(5, 5, 5)), flags: [FLAG] });
      const flagged = errorOf(await store.closeRecap(KEC1, 'ppwp', key));
      expect(flagged).toMatchObject({
        code: 'recap_not_ready',
        unresolved: 1,
        tps: [{ code: A2, state: 'flagged' }],
      });
      expect(flagged.message).toContain(`${A2} (flagged)`);
      // Nothing was written by a refusal.
      expect((await store.events()).filter((e) => e.type.startsWith('recap_'))).toEqual([]);
    });

    it('refuses a desa (the PPS runs no recap)', async () => {
      if (skip()) return;
      expect(errorOf(await store.closeRecap(R('16.08.01.1001'), 'ppwp', key)).code).toBe(
        'no_recap_level',
      );
      expect(errorOf(await store.closeRecap(R('16.09'), 'ppwp', key)).code).toBe('unknown_region');
    });

    let first: SignedDHasil;
    let firstSha: string;
    it('closes once every TPS is counted; the D.Hasil verifies and holds the totals', async () => {
      if (skip()) return;
      // A new, clean version of the flagged TPS counts.
      await store.recordSubmission(plainSubmission(A2, result(6, 5, 5)));
      const headBefore = await store.chainHead();
      const closed = okValue(await store.closeRecap(KEC1, 'ppwp', key, { actor: 'cli' }));
      first = closed.document;
      firstSha = closed.sha256;
      const d = first.dhasil;
      expect(d.chainHead).toEqual({ seq: headBefore!.seq, hash: headBefore!.hash });
      expect(closed.seq).toBe(headBefore!.seq + 1);
      expect(await store.recapState(KEC1, 'ppwp')).toBe('certified');
      // A desa shows its kecamatan's state; the kabupaten is still open.
      expect(await store.recapState(R('16.08.01.1001'), 'ppwp')).toBe('certified');
      expect(await store.recapState(KAB, 'ppwp')).toBe('unofficial-partial');

      expect(okValue(await verifyDHasil(first, key.publicKey))).toEqual(d);
      const region = (await store.regionResult(KEC1, 'ppwp'))!;
      expect(region.recap).toBe('certified');
      expect(d.totals).toEqual({
        ...region.totals,
        tpsReported: region.progress.tpsReported,
        tpsTotal: region.progress.tpsTotal,
      });
      expect(d.totals.votes).toEqual({ '1': 46, '2': 115, '3': 55 });
      // Each TPS's counted version, by the hashes the public TPS answer shows.
      const tps = d.children.flatMap((c) => c.tps ?? []);
      expect(tps.map((t) => t.code)).toEqual([A1, A2, B1]);
      for (const t of tps) {
        const pub = (await store.tpsResult(T(t.code), 'ppwp'))!;
        const counted = pub.versions.find((v) => v.counted)!;
        expect(t).toMatchObject({
          version: counted.version,
          contentHash: counted.hash,
          chainHash: counted.chainHash,
        });
      }
      expect(tps.find((t) => t.code === A2)!.version).toBe(2);
      // The event commits to the document.
      const event = (await store.events()).find((e) => e.seq === closed.seq)!;
      expect(event.type).toBe('recap_closed');
      expect(event.details).toMatchObject({ region: KEC1, ballot: 'ppwp', dhasil: firstSha });
      expect(okValue(await store.dhasil(KEC1, 'ppwp'))).toMatchObject({
        sha256: firstSha,
        state: 'certified',
        document: first,
      });
      expect(errorOf(await store.closeRecap(KEC1, 'ppwp', key)).code).toBe('recap_already_closed');
    });

    it('a D.Hasil changed after signing, or checked with another key, does not verify', async () => {
      if (skip()) return;
      const forged = structuredClone(first);
      forged.dhasil.totals.votes['2'] = 999;
      const problems = errorOf(await verifyDHasil(forged, key.publicKey));
      expect(problems.join('\n')).toMatch(/signature does not match/);
      expect(problems.join('\n')).toMatch(/votes 2 is 999/);
      const other = loadServerKey({ dataDir: await mkdtemp(join(tmpdir(), 'rekap-otherkey-')) });
      expect(errorOf(await verifyDHasil(first, other.publicKey)).join('\n')).toMatch(
        /not with this key/,
      );
    });

    it("the PDF's text holds the region, the totals and the chain head", async () => {
      if (skip()) return;
      const stored = okValue(await store.dhasil(KEC1, 'ppwp'));
      const text = (await pdfText(await renderDHasilPdf(stored))).join('\n');
      const d = stored.document.dhasil;
      expect(text).toContain('16.08.01 Martapura');
      expect(text).toMatch(new RegExp(`Suara sah / valid\\s+${d.totals.valid}`));
      expect(text).toMatch(new RegExp(`Jumlah suara / total\\s+${d.totals.total}`));
      expect(text).toMatch(/Prabowo Subianto - Gibran Rakabuming Raka\s+115/);
      expect(text).toContain(`event ${d.chainHead.seq}`);
      expect(text).toContain(d.chainHead.hash!);
      expect(text).toContain(stored.sha256);
      for (const t of d.children.flatMap((c) => c.tps ?? [])) expect(text).toContain(t.chainHash);
    });

    it('a kabupaten closes only on closed kecamatan, and builds on their D.Hasil', async () => {
      if (skip()) return;
      const open = errorOf(await store.closeRecap(KAB, 'ppwp', key));
      expect(open).toMatchObject({ code: 'recap_not_ready', open: 1, regions: [KEC2] });
      await store.recordSubmission(plainSubmission(C1, result(1, 2, 3)));
      const kec2 = okValue(await store.closeRecap(KEC2, 'ppwp', key));
      const kab = okValue(await store.closeRecap(KAB, 'ppwp', key)).document;
      expect(kab.dhasil.level).toBe('kabupaten');
      // The kabupaten with no TPS beside it is no child of this one; the two kecamatan are.
      expect(kab.dhasil.children.map((c) => [c.code, c.dhasil])).toEqual([
        [KEC1, firstSha],
        [KEC2, kec2.sha256],
      ]);
      okValue(await verifyDHasil(kab, key.publicKey));
      const region = (await store.regionResult(KAB, 'ppwp'))!;
      expect(kab.dhasil.totals).toMatchObject(region.totals);
      expect(region.recap).toBe('certified');
    });

    it('reopens from the top down, with a reason, and closes again', async () => {
      if (skip()) return;
      expect(errorOf(await store.reopenRecap(KEC1, 'ppwp', 'a recount', {})).code).toBe(
        'parent_recap_closed',
      );
      expect(errorOf(await store.reopenRecap(KAB, 'ppwp', '  ')).code).toBe('reason_required');
      okValue(await store.reopenRecap(KAB, 'ppwp', 'Bawaslu recommends a recount in Martapura'));
      const reopened = okValue(await store.reopenRecap(KEC1, 'ppwp', 'recount of TPS 1001.002'));
      expect(await store.recapState(KEC1, 'ppwp')).toBe('correction');
      expect((await store.regionResult(KAB, 'ppwp'))!.recap).toBe('correction');
      expect((await store.regionResult(KEC2, 'ppwp'))!.recap).toBe('certified');
      const event = (await store.events()).find((e) => e.seq === reopened.seq)!;
      expect(event).toMatchObject({
        type: 'recap_reopened',
        details: { region: KEC1, ballot: 'ppwp', reason: 'recount of TPS 1001.002' },
      });
      expect(errorOf(await store.reopenRecap(KEC1, 'ppwp', 'again')).code).toBe('recap_not_closed');
      // The last close's D.Hasil stays readable, marked as superseded until the level closes.
      expect(okValue(await store.dhasil(KEC1, 'ppwp')).state).toBe('correction');
      // A kabupaten cannot close on a reopened kecamatan.
      expect(errorOf(await store.closeRecap(KAB, 'ppwp', key)).code).toBe('recap_not_ready');
      const again = okValue(await store.closeRecap(KEC1, 'ppwp', key)).document;
      expect(again.dhasil.replaces).toBe(firstSha);
      expect(await store.recapState(KEC1, 'ppwp')).toBe('certified');
      okValue(await store.closeRecap(KAB, 'ppwp', key));
      expect(await store.recapState(KAB, 'ppwp')).toBe('certified');
    });

    it("audit verify checks each D.Hasil's signature with the server key", async () => {
      if (skip()) return;
      expect(await store.auditVerify({ publicKey: key.publicKey })).toMatchObject({ ok: true });
      const raw = await openDb({ url: opened!.dbUrl, dataDir: opened!.dataDir });
      try {
        const row = await raw.db
          .selectFrom('recap_signoffs')
          .selectAll()
          .where('region_code', '=', KEC2)
          .where('action', '=', 'closed')
          .executeTakeFirstOrThrow();
        // Another signature: the document and its hash stay as the event says, so only the key
        // can tell.
        const other = [...row.signature!].reverse().join('');
        await raw.db
          .updateTable('recap_signoffs')
          .set({ signature: other })
          .where('seq', '=', row.seq)
          .execute();
        expect(await store.auditVerify()).toMatchObject({ ok: true });
        expect(await store.auditVerify({ publicKey: key.publicKey })).toMatchObject({
          ok: false,
          mismatch: { table: 'recap_signoffs', key: `seq ${row.seq}`, column: 'signature' },
        });
        await raw.db
          .updateTable('recap_signoffs')
          .set({ signature: row.signature })
          .where('seq', '=', row.seq)
          .execute();
      } finally {
        await raw.close();
      }
      expect(await store.auditVerify({ publicKey: key.publicKey })).toMatchObject({ ok: true });
    });

    it('a sign-off row changed behind the store is refused, not served', async () => {
      if (skip()) return;
      const raw = await openDb({ url: opened!.dbUrl, dataDir: opened!.dataDir });
      try {
        const row = await raw.db
          .selectFrom('recap_signoffs')
          .selectAll()
          .where('region_code', '=', KEC2)
          .executeTakeFirstOrThrow();
        const tampered = row.dhasil!.replace('"valid":', '"valid":1');
        await raw.db
          .updateTable('recap_signoffs')
          .set({ dhasil: tampered })
          .where('seq', '=', row.seq)
          .execute();
      } finally {
        await raw.close();
      }
      expect(errorOf(await store.dhasil(KEC2, 'ppwp')).code).toBe('dhasil_corrupt');
    });
  });
}

describe('recap sign-off over HTTP', () => {
  let dataDir: string;
  let store: Store;
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rekap-signoff-http-'));
    const { openStore } = await import('../src/store/store.ts');
    store = await openStore({ dataDir, scryptCost: { N: 2 ** 10, r: 8, p: 1 } });
    await store.loadElection(ELECTION);
    for (const [tps, r] of [
      [A1, result(30, 90, 20)],
      [A2, result(6, 5, 5)],
      [B1, result(10, 20, 30)],
    ] as const)
      await store.recordSubmission(plainSubmission(tps, r));
    app = await buildApp({ store });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  type Client = { cookie: string; csrf: string };
  async function operator(name: string, role: 'ppk' | 'kpu_kab', region: RegionCode) {
    const { password } = okValue(await store.accounts.create({ name, role, region }));
    const login = async (pw: string): Promise<Client> => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/operator/login',
        payload: { name, password: pw },
      });
      expect(res.statusCode, res.body).toBe(200);
      const c = new Map(res.cookies.map((k) => [k.name, k.value]));
      return {
        cookie: `${SESSION_COOKIE}=${c.get(SESSION_COOKIE)}; ${CSRF_COOKIE}=${c.get(CSRF_COOKIE)}`,
        csrf: c.get(CSRF_COOKIE)!,
      };
    };
    const client = await login(password);
    const mine = `a password of its own, ${name.length} letters long`;
    const changed = await post('/api/operator/password', client, { current: password, next: mine });
    expect(changed.statusCode, changed.body).toBe(200);
    return client;
  }
  const post = (url: string, client: Client | undefined, payload?: object) =>
    app.inject({
      method: 'POST',
      url,
      headers: client ? { cookie: client.cookie, 'x-csrf-token': client.csrf } : {},
      ...(payload ? { payload } : {}),
    });

  it('a PPK closes its kecamatan; anyone reads the D.Hasil and checks it with the published key', async () => {
    const ppk = await operator('ppk-martapura', 'ppk', KEC1);
    expect((await post(`/api/operator/recap/${KEC1}/ppwp/close`, undefined)).statusCode).toBe(401);
    // A PPK closes its own kecamatan only.
    expect((await post(`/api/operator/recap/${KEC2}/ppwp/close`, ppk)).statusCode).toBe(403);
    const closed = await post(`/api/operator/recap/${KEC1}/ppwp/close`, ppk);
    expect(closed.statusCode, closed.body).toBe(201);
    const body = closed.json<{ sha256: string; json: string; pdf: string; state: string }>();
    expect(body.state).toBe('certified');
    const again = await post(`/api/operator/recap/${KEC1}/ppwp/close`, ppk);
    expect(again.statusCode).toBe(409);
    expect(again.json<{ error: string }>().error).toBe('recap_already_closed');

    const key = (await app.inject({ url: '/api/v1/keys/server' })).json<{ publicKey: string }>();
    const doc = await app.inject({ url: body.json });
    expect(doc.statusCode).toBe(200);
    expect(doc.headers['rekap-recap-state']).toBe('certified');
    const verified = okValue(await verifyDHasil(doc.json(), key.publicKey));
    const results = (await app.inject({ url: `/api/v1/results/${KEC1}` })).json<{
      recap: string;
      totals: object;
    }>();
    expect(results.recap).toBe('certified');
    expect(verified.totals).toMatchObject(results.totals);
    const pdf = await app.inject({ url: body.pdf });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = (await pdfText(pdf.rawPayload)).join('\n');
    expect(text).toContain(verified.chainHead.hash!);
    expect(text).toMatch(new RegExp(`Jumlah suara / total\\s+${verified.totals.total}`));
    const head = (await app.inject({ url: '/api/v1/audit/head' })).json<{ seq: number }>();
    expect(head.seq).toBe(verified.chainHead.seq + 1);

    // rekap verify-dhasil, with the key as published and with the document changed.
    const file = join(dataDir, 'dhasil.json');
    const keyFile = join(dataDir, 'key.json');
    await writeFile(file, doc.body);
    await writeFile(keyFile, JSON.stringify(key));
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    expect(await verifyDHasilCommand([file, '--key', keyFile], io)).toBe(0);
    expect(out.join('')).toContain(`kecamatan ${KEC1} Martapura, ppwp: sah / valid`);
    await writeFile(file, doc.body.replace('"valid":', '"valid":1'));
    out.length = 0;
    expect(await verifyDHasilCommand([file, `--key=${key.publicKey}`], io)).toBe(1);
    expect(out.join('')).toMatch(/does NOT verify[\s\S]*signature does not match/);

    const never = await app.inject({ url: `/api/v1/recap/${KEC2}/ppwp/dhasil.json` });
    expect(never.statusCode).toBe(404);
    expect(never.json<{ error: string }>().error).toBe('recap_never_closed');
  });

  it('reopens with a reason; a kabupaten account may reopen below it', async () => {
    const kab = await operator('kab-okut', 'kpu_kab', KAB);
    const bare = await post(`/api/operator/recap/${KEC1}/ppwp/reopen`, kab, {});
    expect(bare.statusCode).toBe(400);
    const reopened = await post(`/api/operator/recap/${KEC1}/ppwp/reopen`, kab, {
      reason: 'recount ordered by the plenary',
    });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(reopened.json<{ state: string }>().state).toBe('correction');
    const results = (await app.inject({ url: `/api/v1/results/${KEC1}` })).json<{
      recap: string;
    }>();
    expect(results.recap).toBe('correction');
    const notReady = await post(`/api/operator/recap/${KAB}/ppwp/close`, kab);
    expect(notReady.statusCode).toBe(409);
    expect(notReady.json<{ error: string }>().error).toBe('recap_not_ready');
  });
});
