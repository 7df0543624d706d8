// The `rekap` command as a user runs it (the built JavaScript in dist/, as `npm install` leaves
// it): tokens for one TPS or a whole region, --help for every command, and every failure one
// clear line with a non-zero exit.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { TpsCode } from '../src/core/codes.ts';
import { demoElection } from '../src/demo/okutimur.ts';
import { openStore } from '../src/store/store.ts';
import { loadWebAssets } from '../src/web/assets.ts';
import { dropSchema, postgresAvailable, testSchemaUrl } from './support/postgres.ts';
import { BIN, rekapWith as run, tokenRows, type Run } from './support/cli.ts';
import { plainSubmission } from './support/results.ts';

async function rekap(...args: string[]): Promise<Run> {
  return rekapWith({}, ...args);
}

function rekapWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return run({ env: { ...process.env, REKAP_DEBUG: '', LOG_LEVEL: 'warn', ...env } }, ...args);
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'rekap-cli-'));
  const store = await openStore({ dataDir });
  await store.loadElection(demoElection());
  await store.close();
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('rekap revoke-device', () => {
  it('revokes an enrolled phone once, says so again, and refuses an unknown id', async () => {
    const store = await openStore({ dataDir });
    const enrolled = await store.enrolDevice({
      tps: '16.08.01.1007.002' as TpsCode,
      publicKey: 'A'.repeat(43),
      label: 'HP ketua KPPS',
      tokenHash: 'c3'.repeat(32),
    });
    await store.close();
    if (!enrolled.ok) throw new Error('enrolment failed');
    const id = enrolled.value.device.id;
    const r = await rekap('revoke-device', '--device', id, '--data', dataDir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`revoked device ${id} of TPS 16.08.01.1007.002`));
    const again = await rekap('revoke-device', '--device', id, '--data', dataDir);
    expect(again.stdout).toMatch(/already revoked/);
    const check = await openStore({ dataDir });
    expect((await check.device(id))?.revokedAt).toEqual(expect.any(String));
    await check.close();
    const unknown = await rekap('revoke-device', '--device', 'nope', '--data', dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no device nope/);
    expect((await rekap('revoke-device', '--data', dataDir)).code).toBe(2);
  });
});

describe('rekap kpps-token', () => {
  it('prints a token that authenticates as that TPS, accepting the packed KPU code', async () => {
    const r = await rekap('kpps-token', '--tps', '1608011007001', '--data', dataDir);
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^kpps_[A-Za-z0-9_-]{32}$/);
    const store = await openStore({ dataDir });
    try {
      expect(await store.authenticate(token)).toMatchObject({ tps: '16.08.01.1007.001' });
    } finally {
      await store.close();
    }
  });
  it('provisions every TPS below a region as CSV', async () => {
    const r = await rekap('kpps-token', '--region', '16.08', '--csv', '--data', dataDir);
    expect(r.code).toBe(0);
    expect(r.stdout.slice(0, r.stdout.indexOf('\n'))).toBe('tps,token');
    const rows = tokenRows(r.stdout);
    expect(rows).toHaveLength(2180);
    expect(new Set(rows.map((row) => row.token)).size).toBe(2180);
    expect(r.stderr).toContain('2180 tokens');
  });
  it('explains bad input instead of failing obscurely', async () => {
    const unknown = await rekap('kpps-token', '--tps', '16.08.01.1007.099', '--data', dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no TPS 16.08.01.1007.099');
    const malformed = await rekap('kpps-token', '--tps', '16.08.01', '--data', dataDir);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('not a TPS code');
    const both = await rekap('kpps-token', '--data', dataDir);
    expect(both.code).toBe(2);
    const noCsv = await rekap('kpps-token', '--region', '16.08', '--data', dataDir);
    expect(noCsv.stderr).toContain('--csv');
    const typo = await rekap('kpps-tokn');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown command');
    const simulate = await rekap('serve', '--simulate', '--data', dataDir);
    expect(simulate.stderr).toContain('--simulate needs --demo');
  });
});

describe('rekap rebuild', () => {
  it('finds totals that drifted from the submissions, and rebuilds them', async () => {
    const empty = await rekap('rebuild', '--check', '--data', dataDir);
    expect(empty.stdout).toContain(
      'ok: live totals equal a recount of 0 versions and their review events',
    );
    const store = await openStore({ dataDir });
    const tps = '16.08.01.1007.001' as TpsCode;
    await store.recordSubmission(plainSubmission(tps));
    await store.close();
    expect((await rekap('rebuild', '--check', '--data', dataDir)).code).toBe(0);
    // Damage a derived total behind the store's back.
    const db = new Database(join(dataDir, 'rekap.sqlite'));
    db.prepare("update recap_totals set valid = valid + 5 where region_code = '16.08'").run();
    db.close();
    const check = await rekap('rebuild', '--check', '--data', dataDir);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('mismatch 16.08 ppwp');
    const rebuilt = await rekap('rebuild', '--data', dataDir);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(
      /rebuilt from 1 submissions of 1 TPS .* 1 regions differed before, 0 after/,
    );
    expect((await rekap('rebuild', '--check', '--data', dataDir)).code).toBe(0);
  });
});

/** A failure as the brief for issue 9 wants it: one line `rekap COMMAND: ...`, no stack. */
function expectOneLine(r: Run, command: string, message: RegExp, code = 1): void {
  expect(r.code).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^rekap ${command}: `));
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('rekap serve', () => {
  it('serves the web apps that the build wrote to dist/web/', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    await new Promise((r) => busy.close(r));
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--data', dataDir, '--port', String(port), '--host', '127.0.0.1'],
      { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        const up = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        if (i > 600 || child.exitCode !== null) throw new Error('rekap serve did not answer');
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const [path, type] of [
        ['/', 'text/html'],
        ['/portal.js', 'text/javascript'],
        ['/kpps/', 'text/html'],
        ['/kpps/sw.js', 'text/javascript'],
        ['/kpps/model.bin', 'application/octet-stream'],
      ] as const) {
        const res = await fetch(`${base}${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type'), path).toContain(type);
        expect((await res.arrayBuffer()).byteLength, path).toBeGreaterThan(100);
      }
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('rekap COMMAND --help', () => {
  it('answers every command listed in the usage with its own lines, exit 0', async () => {
    const all = await rekap('--help');
    expect(all.code).toBe(0);
    const commands = [...new Set([...all.stdout.matchAll(/^ {2}rekap (\S+)/gm)].map((m) => m[1]!))];
    expect(commands).toEqual(expect.arrayContaining(['serve', 'verify-receipt', 'form', 'audit']));
    for (const command of commands) {
      for (const flag of ['--help', '-h']) {
        const r = await rekap(command, flag);
        expect(r.code, `rekap ${command} ${flag}`).toBe(0);
        expect(r.stderr).toBe('');
        const heads = [...r.stdout.matchAll(/^ {2}rekap (\S+)/gm)].map((m) => m[1]);
        expect(heads.length).toBeGreaterThan(0);
        expect(new Set(heads)).toEqual(new Set([command]));
      }
    }
    // Two processes per command, one after the other.
  }, 180_000);
  it('shows --help before the command parses its options, and narrows to a subcommand', async () => {
    const receipt = await rekap('verify-receipt', '--help');
    expect(receipt.stdout).toMatch(/rekap verify-receipt RECEIPT/);
    expect(receipt.stdout).toMatch(/Check a witness receipt/);
    const read = await rekap('form', 'read', 'photo.jpg', '--json', '-h');
    expect(read.code).toBe(0);
    expect(read.stdout).toMatch(/^ {2}rekap form read PHOTO/);
    expect(read.stdout).not.toMatch(/rekap form synth/);
  });
});

describe('rekap failures: one clear line and a non-zero exit', () => {
  it('web apps that were never built: says to run npm run build', async () => {
    await expect(loadWebAssets(join(dataDir, 'no-build'))).rejects.toThrow(
      /web apps are not built .*run npm run build/,
    );
  });

  it('a database that cannot be reached', async () => {
    const r = await rekap('rebuild', '--check', '--db', 'postgres://127.0.0.1:1/x');
    expectOneLine(
      r,
      'rebuild',
      /cannot open the database at postgres:\/\/127\.0\.0\.1:1\/x: .*ECONNREFUSED/,
    );
    // With REKAP_DEBUG=1 the stack follows, for whoever debugs it.
    const debug = await rekapWith(
      { REKAP_DEBUG: '1' },
      'rebuild',
      '--check',
      '--db',
      'postgres://127.0.0.1:1/x',
    );
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it('a database that cannot be migrated', async () => {
    if (!(await postgresAvailable())) return;
    const { url, schema } = testSchemaUrl('cli_migrate');
    const client = new pg.Client({ connectionString: url.replace(/\?.*$/, '') });
    await client.connect();
    try {
      // Something else already uses the name of one of Rekap's tables.
      await client.query(`create schema ${schema}; create table ${schema}.regions (x int)`);
      const r = await rekap('rebuild', '--check', '--db', url);
      expectOneLine(r, 'rebuild', /database migration \S+ failed: .*regions/);
    } finally {
      await client.end();
      await dropSchema(schema);
    }
  });

  it('a port already in use', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    try {
      const r = await rekap(
        'serve',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--data',
        dataDir,
      );
      expectOneLine(r, 'serve', new RegExp(`port ${port} is in use`));
    } finally {
      busy.close();
    }
  });

  it('a photo that does not exist; a file that is not a form stays a reading', async () => {
    const r = await rekap('form', 'read', '/nope.jpg', '--json');
    expectOneLine(r, 'form', /no such file: \/nope\.jpg/);
    expect(r.stdout).toBe('');
    const text = join(dataDir, 'not-a-photo.jpg');
    await writeFile(text, 'this is not a photo\n');
    const reading = await rekap('form', 'read', text, '--json');
    expect(reading.code).toBe(0);
    const out = JSON.parse(reading.stdout) as { pages: { found: boolean; reason?: string }[] };
    expect(out.pages[0]).toMatchObject({ found: false, reason: 'not-a-form' });
  });

  it('an audit file of only bad lines; some bad lines are reported and pass', async () => {
    const bad = join(dataDir, 'bad.jsonl');
    await writeFile(bad, ['{not json', '[]', '{"tps_code":"12"}'].join('\n'));
    const r = await rekap('audit', 'sirekap', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 1: /);
    expect(r.stderr).toMatch(/no record could be read from .*bad\.jsonl \(3 bad lines\)/);
    const empty = join(dataDir, 'empty.jsonl');
    await writeFile(empty, '');
    expect((await rekap('audit', 'sirekap', empty)).code).toBe(1);
    const mixed = join(dataDir, 'mixed.jsonl');
    const good = { tps_code: '3173011002090', chart: { '100025': 105 }, administrasi: null };
    await writeFile(mixed, [JSON.stringify(good), '{not json'].join('\n'));
    const some = await rekap('audit', 'sirekap', mixed);
    expect(some.code).toBe(0);
    expect(some.stderr).toMatch(/line 2: /);
    expect(some.stdout).toMatch(/1 records \(1 bad lines\)/);
  });
});
