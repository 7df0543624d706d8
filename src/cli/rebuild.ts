// rekap rebuild: recompute the aggregates from the record (the versions and the review events,
// counted by the review rule), or check that they agree.
import { openStore } from '../store/store.ts';
import { parse, storeOptions } from './options.ts';

export async function rebuildCommand(args: string[]): Promise<number> {
  const o = parse(args, { ...storeOptions, check: { type: 'boolean' } });
  const store = await openStore({ dataDir: o.data, dbUrl: o.db, writePhotos: false });
  try {
    const before = await store.checkAggregates();
    if (o.check) {
      if (before.length === 0) {
        process.stdout.write(
          `ok: live totals equal a recount of ${await store.countSubmissions()} versions and their review events\n` +
            'numbers only: `rekap verify-blobs` checks that every photo is whole, `rekap audit verify` everything\n',
        );
        return 0;
      }
      for (const m of before.slice(0, 20))
        process.stdout.write(
          `mismatch ${m.region} ${m.ballot}: live ${JSON.stringify(m.live)} recount ${JSON.stringify(m.recount)}\n`,
        );
      process.stdout.write(
        `${before.length} regions differ from the recount (run without --check to rebuild)\n`,
      );
      return 1;
    }
    const started = Date.now();
    const { submissions, tps } = await store.rebuild((n) =>
      process.stderr.write(`\rrebuild: ${n} submissions read`),
    );
    process.stderr.write('\n');
    const after = await store.checkAggregates();
    process.stdout.write(
      `rebuilt from ${submissions} submissions of ${tps} TPS in ${Date.now() - started} ms; ` +
        `${before.length} regions differed before, ${after.length} after\n`,
    );
    return after.length === 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}
