import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { digitsCommand } from './digits.ts';
import { mulberry32 } from '../core/random.ts';
import { synthBox } from '../synth/digit-box.ts';

function capture() {
  const io = { out: '', err: '' };
  return {
    io,
    streams: {
      stdout: (s: string) => void (io.out += s),
      stderr: (s: string) => void (io.err += s),
    },
  };
}

describe('rekap digits classify', () => {
  it('classifies each image and reports an undecodable one without crashing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rekap-digits-'));
    const r = mulberry32(5);
    for (const [name, box] of [
      ['x.png', synthBox(r, { kind: 'x' })],
      ['seven.jpg', synthBox(r, { kind: 'segments', digit: 7 })],
    ] as const) {
      await sharp(Buffer.from(box.data), {
        raw: { width: box.width, height: box.height, channels: 1 },
      }).toFile(join(dir, name));
    }
    writeFileSync(join(dir, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const { io, streams } = capture();
    const code = await digitsCommand(['classify', dir, '--json'], streams);
    expect(code).toBe(1);
    const out = JSON.parse(io.out) as Record<
      string,
      { label?: string; confidence?: number; error?: string }
    >;
    expect(Object.keys(out).sort()).toEqual(['broken.jpg', 'seven.jpg', 'x.png']);
    expect(out['x.png']!.label).toBe('x');
    expect(out['seven.jpg']!.confidence).toBeGreaterThan(0);
    expect(out['broken.jpg']!.error).toMatch(/cannot decode/);
    expect(io.err).toMatch(/broken\.jpg/);
  });

  it('says so for a missing directory or one without images', async () => {
    const missing = capture();
    expect(
      await digitsCommand(['classify', '/nonexistent/rekap-digits', '--json'], missing.streams),
    ).toBe(1);
    expect(missing.io.err).toMatch(/no such directory/);
    const empty = mkdtempSync(join(tmpdir(), 'rekap-digits-'));
    mkdirSync(join(empty, 'sub'));
    const none = capture();
    expect(await digitsCommand(['classify', empty], none.streams)).toBe(1);
    expect(none.io.err).toMatch(/no image files/);
  });

  it('rejects bad usage', async () => {
    await expect(digitsCommand(['classify'])).rejects.toThrow(/usage/);
    await expect(digitsCommand(['frobnicate', '.'])).rejects.toThrow(/usage/);
  });
});
