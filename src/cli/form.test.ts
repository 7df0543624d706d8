import { afterEach, describe, expect, it, vi } from 'vitest';
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
    // Synthetic photos are a dev script (scripts/form-synth.ts), not a command of production.
    await expect(formCommand(['synth', '--out', '/tmp/x'])).rejects.toThrow(
      /unknown subcommand "synth"/,
    );
  });
});
