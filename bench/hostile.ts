// The hostile-input suite at scale: the generators of test/hostile/ outside vitest, thousands of
// requests per backend, every outcome counted instead of stopping at the first failure. Writes
// bench/results/hostile.json (inputs tried, 5xx, accepted when they should not be, crashes, ...),
// the figures the README quotes.
//
//   node bin/run-ts.mjs bench/hostile.ts [--inputs 5000] [--backend sqlite|postgres|both]
//                                        [--seed N] [--out bench/results/hostile.json]
//   node bin/run-ts.mjs bench/hostile.ts --case '{"type":"submission",...}'
//       runs one generated request (the `request` of an example, or a suite's counterexample's
//       `spec`) on each backend and prints what the server did; nothing is written.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import {
  FAMILIES,
  expectOf,
  familyArbs,
  labelOf,
  type HostileCase,
  type RequestSpec,
} from '../test/hostile/generators.ts';
import {
  SetupError,
  VIOLATIONS,
  newTally,
  record,
  startTarget,
  type Backend,
  type Target,
  type Tally,
} from '../test/hostile/target.ts';

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '5000' },
    backend: { type: 'string', default: 'both' },
    seed: { type: 'string' },
    out: { type: 'string', default: 'bench/results/hostile.json' },
    case: { type: 'string' },
  },
});
const inputs = Number(values.inputs);
const seed = Number(values.seed ?? process.env.REKAP_HOSTILE_SEED ?? Date.now() % 2 ** 31);
const backends: Backend[] =
  values.backend === 'both' ? ['sqlite', 'postgres'] : [values.backend as Backend];

/** The same number of cases from every family, drawn from one seed. */
function cases(n: number, s: number): HostileCase[] {
  const per = Math.ceil(n / FAMILIES.length);
  const all = FAMILIES.flatMap((f, i) => fc.sample(familyArbs[f], { numRuns: per, seed: s + i }));
  // Interleave the families, so that a slow one does not come all at once.
  const out: HostileCase[] = [];
  for (let i = 0; i < per; i++)
    for (let f = 0; f < FAMILIES.length; f++) {
      const c = all[f * per + i];
      if (c && out.length < n) out.push(c);
    }
  return out;
}

type BackendReport = {
  inputs: number;
  seconds: number;
  accepted: number;
  refused: number;
  /** 5xx answers (other than a 503 with a documented reason). */
  serverErrors: number;
  acceptedWhenShouldNot: number;
  refusedWhenValid: number;
  storedWhenRefused: number;
  crashes: number;
  setupFailures: number;
  violations: Tally['violations'];
  statuses: Tally['statuses'];
  byExpect: Tally['byExpect'];
  byFamily: Tally['byFamily'];
  examples: Tally['examples'];
};

async function runBackend(backend: Backend): Promise<BackendReport | { skipped: string }> {
  const all = cases(inputs, seed);
  const opts = {
    backend,
    // Each case takes one to three TPS of its own.
    tpsCount: Math.max(2000, inputs * 3 + 500),
    answerWaitMs: 5000,
  };
  const first = await startTarget(opts);
  if (!first) return { skipped: 'PostgreSQL is not available' };
  let target: Target = first;
  const tally = newTally();
  let crashes = 0;
  let setupFailures = 0;
  const started = Date.now();
  for (const [i, c] of all.entries()) {
    try {
      const o = await target.run(c);
      record(tally, c, o);
      if (o.violations.some((v) => v.kind === 'crash')) {
        crashes++;
        await target.close().catch(() => undefined);
        const again = await startTarget(opts);
        if (!again) throw new Error('the target did not come back');
        target = again;
      }
    } catch (e) {
      if (!(e instanceof SetupError)) throw e;
      setupFailures++;
      if (setupFailures <= 5) console.warn(`set-up of a ${c.family} case failed: ${e.message}`);
    }
    if ((i + 1) % 500 === 0)
      console.log(
        `${backend}: ${i + 1}/${all.length} inputs, ${JSON.stringify(tally.violations)} (${Math.round((Date.now() - started) / 1000)} s)`,
      );
  }
  await target.close();
  const accepted = Object.entries(tally.statuses)
    .filter(([s]) => /^2\d\d$/.test(s))
    .reduce((n, [, k]) => n + k, 0);
  return {
    inputs: tally.inputs,
    seconds: Math.round((Date.now() - started) / 1000),
    accepted,
    refused: tally.inputs - accepted,
    serverErrors: tally.violations.server_error ?? 0,
    acceptedWhenShouldNot: tally.violations.accepted_refusable ?? 0,
    refusedWhenValid: tally.violations.refused_valid ?? 0,
    storedWhenRefused: tally.violations.stored_when_refused ?? 0,
    crashes,
    setupFailures,
    violations: Object.fromEntries(VIOLATIONS.map((k) => [k, tally.violations[k] ?? 0])),
    statuses: tally.statuses,
    byExpect: tally.byExpect,
    byFamily: tally.byFamily,
    examples: tally.examples,
  };
}

if (values.case) {
  const spec = JSON.parse(values.case) as RequestSpec;
  const family = (
    {
      submission: 'results',
      read: 'reads',
      tus: 'tus',
      observations: 'observations',
      enrol: 'enrolment',
    } as const
  )[spec.type];
  const c: HostileCase = { family, what: labelOf(spec), expect: expectOf(spec), spec };
  for (const backend of backends) {
    const target = await startTarget({ backend, tpsCount: 100 });
    if (!target) {
      console.log(`${backend}: skipped (PostgreSQL is not available)`);
      continue;
    }
    const o = await target.run(c);
    console.log(`${backend}: expected ${c.expect}, answered ${o.status} ${o.error ?? ''}`);
    for (const v of o.violations) console.log(`  ${v.kind}: ${v.detail}`);
    await target.close();
  }
  process.exit(0);
}

const report: Record<string, unknown> = {
  /** The code under test is what was loaded at this moment. */
  startedAt: new Date().toISOString(),
  seed,
  inputsPerBackend: inputs,
  families: FAMILIES,
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  backends: {},
};
for (const backend of backends) {
  console.log(`hostile: ${inputs} inputs on ${backend} (seed ${seed})`);
  const r = await runBackend(backend);
  (report.backends as Record<string, unknown>)[backend] = r;
  if ('skipped' in r) console.log(`${backend}: skipped (${r.skipped})`);
  else
    console.log(
      `${backend}: ${r.inputs} inputs in ${r.seconds} s: ${r.accepted} accepted, ${r.refused} refused; ` +
        `5xx ${r.serverErrors}, accepted when they should not be ${r.acceptedWhenShouldNot}, ` +
        `crashes ${r.crashes}, stored when refused ${r.storedWhenRefused}; all: ${JSON.stringify(r.violations)}`,
    );
}
report.finishedAt = new Date().toISOString();
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`written ${values.out}`);
