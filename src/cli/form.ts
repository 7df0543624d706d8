// rekap form: the paper form's geometry, and reading a form from photos of its pages.
//   rekap form template --ballot ppwp --json
//   rekap form read PHOTO... --ballot ppwp --json [--dpt N]
// (Synthetic photos of filled forms, for tests and benchmarks: `npm run form:synth`.)
import { PPWP_TEMPLATE } from '../reader/template/ppwp.ts';
import { classifyBoxes } from '../reader/digits/classify.ts';
import { loadDigitClassifier } from '../reader/digits/load-node.ts';
import { formReadCommand } from './form-read.ts';
import { UsageError } from './usage.ts';
import { parse } from './options.ts';

const USAGE = `usage:
  rekap form template --ballot ppwp --json
  rekap form read PHOTO... --ballot ppwp --json [--dpt N]`;

export async function formCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'template':
      return templateCommand(rest);
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
