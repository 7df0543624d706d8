// `rekap election` as a user runs it (the built command): the demo written out and imported, and
// the arguments it refuses.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rekap } from '../../test/support/cli.ts';

describe('rekap election', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rekap-election-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the demo out, imports it, and imports it again without a change', async () => {
    const files = join(dir, 'demo');
    const data = join(dir, 'data');
    const exported = await rekap('election', 'export-demo', files);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('2180 TPS');
    expect(await readFile(join(files, 'tps.csv'), 'utf8')).toMatch(
      /^desa_code,tps_no,dpt_l,dpt_p,name\n16\.08\.01\.1007,1,\d+,\d+,TPS 001\n/,
    );
    const again = await rekap('election', 'export-demo', files);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already in');

    const first = await rekap('election', 'import', files, '--data', data);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('TPS: 2180 added, 0 changed, 0 unchanged');
    const second = await rekap('election', 'import', files, '--data', data);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('nothing changed (0 added, 0 changed)');
    expect(second.stdout).toContain('TPS: 0 added, 0 changed, 2180 unchanged');
  });

  it('refuses arguments it does not know, with its usage', async () => {
    for (const args of [
      ['election'],
      ['election', 'load', dir],
      ['election', 'import'],
      ['election', 'import', dir, '--regions', 'bps'],
      ['election', 'import', dir, '--regions', 'idn-area-data:16.x'],
    ]) {
      const r = await rekap(...args);
      expect(r.code, args.join(' ')).toBe(2);
    }
    const both = await rekap('election', 'import', join(dir, 'demo'), '--regions', 'idn-area-data');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give one source of region names');
  });
});
