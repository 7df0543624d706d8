// The hostile-input suite: generated requests of every kind a hostile or broken client can send
// (results one field wrong, multipart bodies cut short, lying lengths, broken photos, forged
// signatures, stale tokens, bad tus headers, observations from 1970, weak device keys), sent as
// raw bytes to a real server on SQLite and on PostgreSQL. For every request: no 5xx, the server
// still answers, a refusal is a JSON `{ error, message }` with a snake_case code and no internal
// detail, a refused request stores nothing, and an accepted one is visible through the public API.
//
// REKAP_HOSTILE_RUNS sets the runs per property (default 50), REKAP_HOSTILE_SEED fixes the seed
// (fast-check prints the seed and the shrunk counterexample of a failure).
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILIES, familyArbs, type HostileCase } from './generators.ts';
import { newTally, record, startTarget, type Outcome, type Target } from './target.ts';

const RUNS = Number(process.env.REKAP_HOSTILE_RUNS ?? 50);
const SEED = process.env.REKAP_HOSTILE_SEED ? Number(process.env.REKAP_HOSTILE_SEED) : undefined;
/** Shrinking a failure stops after this long; the counterexample found so far is reported. */
const SHRINK_MS = Number(process.env.REKAP_HOSTILE_SHRINK_MS ?? 20_000);

const explain = (c: HostileCase, o: Outcome) =>
  `${c.family} (${c.what}, expected ${c.expect}) answered ${o.status}${o.error ? ` ${o.error}` : ''}:\n` +
  o.violations.map((v) => `  ${v.kind}: ${v.detail}`).join('\n') +
  `\n  request: ${JSON.stringify(c.spec).slice(0, 3000)}`;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`hostile requests on ${backend}`, () => {
    let target: Target | undefined;
    const tally = newTally();

    beforeAll(async () => {
      target = await startTarget({ backend, tpsCount: 6000 });
    }, 120_000);
    afterAll(async () => {
      // The totals of this run (shrinking included), for whoever wants to look.
      await writeFile(
        join(tmpdir(), `rekap-hostile-${backend}.json`),
        `${JSON.stringify({ backend, runsPerProperty: RUNS, seed: SEED ?? null, ...tally }, null, 2)}\n`,
      );
      await target?.close();
    });

    it('answers /healthz without showing paths or database URLs', async (ctx) => {
      if (!target) return ctx.skip();
      expect(await target.health()).toEqual([]);
    });

    for (const family of FAMILIES)
      it(`${family}: no 5xx, no crash, JSON errors, nothing stored when refused, visible when accepted`, async (ctx) => {
        if (!target) return ctx.skip();
        const t = target;
        await fc.assert(
          fc.asyncProperty(familyArbs[family], async (c) => {
            const o = await t.run(c);
            record(tally, c, o);
            if (o.violations.length > 0) throw new Error(explain(c, o));
          }),
          {
            numRuns: RUNS,
            ...(SEED === undefined ? {} : { seed: SEED }),
            plugins: [fc.interruptAfterTimeLimit(SHRINK_MS * 3)],
          },
        );
      }, 180_000);
  });
}
