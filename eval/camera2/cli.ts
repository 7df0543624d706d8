// node bin/run-ts.mjs eval/camera2/cli.ts --out DIR [--n N] [--condition NAME] [--seed S] [--blank]
// Writes N forms per condition (three pages each) as JPEG photos with their truth beside them:
// DIR/<condition>/<seed>-p<page>.jpg and .json.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { photograph } from './camera.ts';
import { CONDITIONS } from './conditions.ts';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    n: { type: 'string', default: '1' },
    condition: { type: 'string', multiple: true },
    seed: { type: 'string', default: '1' },
    blank: { type: 'boolean', default: false },
  },
});
const n = Number(args.n);
const seed0 = Number(args.seed);
if (!args.out || !Number.isInteger(n) || n < 1 || !Number.isInteger(seed0)) {
  process.stderr.write(
    'pemakaian / usage: cli.ts --out DIR [--n N] [--condition NAME]... [--seed S] [--blank]\n',
  );
  process.exit(2);
}
const wanted = args.condition ?? CONDITIONS.map((c) => c.name);
const unknown = wanted.filter((w) => !CONDITIONS.some((c) => c.name === w));
if (unknown.length > 0) {
  process.stderr.write(
    `kondisi tidak dikenal / unknown condition: ${unknown.join(', ')} ` +
      `(ada / available: ${CONDITIONS.map((c) => c.name).join(', ')})\n`,
  );
  process.exit(2);
}
for (const name of wanted) {
  const dir = join(args.out, name);
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++)
    for (const page of [1, 2, 3] as const) {
      const seed = seed0 + i;
      const { jpeg, truth } = await photograph(page, name, seed, { fill: !args.blank });
      const base = join(dir, `${seed}-p${page}`);
      await writeFile(`${base}.jpg`, jpeg);
      await writeFile(`${base}.json`, `${JSON.stringify(truth, null, 2)}\n`);
    }
  process.stdout.write(`${name}: ${n * 3} foto / photos in ${dir}\n`);
}
