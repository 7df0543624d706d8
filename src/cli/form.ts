// rekap form: the paper form's geometry, and the synthetic camera that photographs filled forms.
//   rekap form template --ballot ppwp --json
//   rekap form synth --out DIR [--count N] [--seed S] [--slip-rate P] [--digits mnist|strokes]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PPWP_TEMPLATE } from '../reader/template/ppwp.ts';
import { syntheticHandwriting } from '../synth/handwriting.ts';
import { mnistHandwriting } from '../synth/mnist.ts';
import { synthForm } from '../synth/photo.ts';
import { classifyBoxes } from '../reader/digits/classify.ts';
import { loadDigitClassifier } from '../reader/digits/load-node.ts';
import { formReadCommand } from './form-read.ts';
import { UsageError } from './usage.ts';
import { parse } from './options.ts';

const USAGE = `usage:
  rekap form template --ballot ppwp --json
  rekap form read PHOTO... --ballot ppwp --json [--dpt N]
  rekap form synth --out DIR [--count N] [--seed S] [--slip-rate P] [--digits mnist|strokes]
    (digits from MNIST's test split, never trained on, or drawn as strokes)`;

export async function formCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'template':
      return templateCommand(rest);
    case 'synth':
      return synthCommand(rest);
    case 'read':
      return formReadCommand(rest, {
        async loadClassifier() {
          const classifier = await loadDigitClassifier();
          return (crops) => classifyBoxes(crops, classifier).map((r) => r.probabilities);
        },
      });
    default:
      throw new UsageError(sub ? `unknown subcommand "${sub}"\n${USAGE}` : USAGE);
  }
}

function templateCommand(args: string[]): number {
  const o = parse(args, { ballot: { type: 'string', default: 'ppwp' }, json: { type: 'boolean' } });
  if (o.ballot !== 'ppwp')
    throw new UsageError(`no template for ballot "${o.ballot}" yet (available: ppwp)`);
  process.stdout.write(JSON.stringify(PPWP_TEMPLATE, null, o.json ? undefined : 2) + '\n');
  return 0;
}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}`);
  return n;
}

async function synthCommand(args: string[]): Promise<number> {
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
    `rekap form synth: ${count} form(s), ${count * 3} photos in ${o.out} (${(ms / count / 3).toFixed(0)} ms a page)\n`,
  );
  return 0;
}
