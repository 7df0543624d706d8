import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CHasilSchema } from '../core/chasil.ts';
import { FormTemplateSchema } from '../reader/template/types.ts';
import { formCommand } from './form.ts';
import { UsageError } from './usage.ts';

function captureStdout(): { text: () => string } {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return { text: () => out };
}

afterEach(() => vi.restoreAllMocks());

describe('rekap form', () => {
  it('template --ballot ppwp --json prints the template as valid JSON', async () => {
    const out = captureStdout();
    expect(await formCommand(['template', '--ballot', 'ppwp', '--json'])).toBe(0);
    const parsed = FormTemplateSchema.parse(JSON.parse(out.text()));
    expect(parsed.pages).toHaveLength(3);
  });

  it('rejects unknown subcommands and ballots as usage errors', async () => {
    await expect(formCommand(['nope'])).rejects.toBeInstanceOf(UsageError);
    await expect(formCommand([])).rejects.toBeInstanceOf(UsageError);
    await expect(formCommand(['template', '--ballot', 'dpr', '--json'])).rejects.toThrow(
      /ballot "dpr"/,
    );
    await expect(formCommand(['synth'])).rejects.toThrow(/--out/);
    await expect(formCommand(['synth', '--out', '/tmp/x', '--count', 'zero'])).rejects.toThrow(
      /--count/,
    );
    await expect(formCommand(['synth', '--out', '/tmp/x', '--digits', 'emnist'])).rejects.toThrow(
      /--digits must be mnist or strokes/,
    );
  });

  it('synth writes three page photos and a truth file per form', async () => {
    captureStdout();
    const dir = await mkdtemp(join(tmpdir(), 'rekap-synth-'));
    try {
      expect(await formCommand(['synth', '--out', dir, '--count', '1', '--seed', '3'])).toBe(0);
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
});
