// The dev script for synthetic form photos (scripts/form-synth.ts, `npm run form:synth`): the
// options and files `rekap form synth` had before it left the production CLI.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formSynth } from '../scripts/form-synth.ts';
import { CHasilSchema } from '../src/core/chasil.ts';
import { UsageError } from '../src/cli/usage.ts';

afterEach(() => vi.restoreAllMocks());

describe('npm run form:synth', () => {
  it('rejects missing or bad options as usage errors', async () => {
    await expect(formSynth([])).rejects.toThrow(/--out/);
    await expect(formSynth(['--out', '/tmp/x', '--count', 'zero'])).rejects.toThrow(/--count/);
    await expect(formSynth(['--out', '/tmp/x', '--digits', 'emnist'])).rejects.toThrow(
      /--digits must be mnist or strokes/,
    );
    await expect(formSynth(['--out', '/tmp/x', '--ballot', 'dpr'])).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it('writes three page photos and a truth file per form', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const dir = await mkdtemp(join(tmpdir(), 'rekap-synth-'));
    try {
      expect(await formSynth(['--out', dir, '--count', '1', '--seed', '3'])).toBe(0);
      const form = join(dir, 'form-0000');
      expect((await readdir(form)).sort()).toEqual([
        'page1.jpg',
        'page2.jpg',
        'page3.jpg',
        'truth.json',
      ]);
      const truth = JSON.parse(await readFile(join(form, 'truth.json'), 'utf8')) as {
        result: unknown;
      };
      expect(CHasilSchema.safeParse(truth.result).success).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('run as a script, a usage error is one line and exit 2', async () => {
    const run = promisify(execFile);
    const failed = await run(process.execPath, ['bin/run-ts.mjs', 'scripts/form-synth.ts']).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/^form:synth: --out DIR is required\nusage:/);
  }, 30_000);
});
