// rekap kpps-token: bearer tokens for KPPS officers, one TPS or a whole region at once.
import { parseRegionCode, parseTpsCode } from '../core/codes.ts';
import { openStore } from '../store/store.ts';
import { UsageError } from './main.ts';
import { parse, storeOptions } from './options.ts';

export async function kppsTokenCommand(args: string[]): Promise<number> {
  const o = parse(args, {
    ...storeOptions,
    tps: { type: 'string' },
    region: { type: 'string' },
    csv: { type: 'boolean' },
  });
  if (!o.tps === !o.region)
    throw new UsageError('give exactly one of --tps CODE or --region CODE --csv');
  const store = await openStore({ dataDir: o.data, dbUrl: o.db });
  try {
    if (o.tps) {
      const code = parseTpsCode(o.tps);
      if (!code)
        throw new UsageError(`not a TPS code: ${o.tps} (e.g. 16.08.01.1007.001 or 1608011007001)`);
      if (!(await store.tps(code))) {
        process.stderr.write(
          `rekap kpps-token: no TPS ${code} in the election at ${store.describe}\n`,
        );
        return 1;
      }
      const [issued] = await store.issueTokens([code]);
      process.stdout.write(`${issued!.token}\n`);
      return 0;
    }
    if (!o.csv) throw new UsageError('--region prints many tokens: add --csv');
    const region = parseRegionCode(o.region!);
    if (!region) throw new UsageError(`not a region code: ${o.region}`);
    const codes = await store.tpsBelow(region);
    if (codes.length === 0) {
      process.stderr.write(
        `rekap kpps-token: no TPS below ${region} in the election at ${store.describe}\n`,
      );
      return 1;
    }
    const issued = await store.issueTokens(codes);
    const lines = ['tps,token', ...issued.map((t) => `${t.tps},${t.token}`)];
    process.stdout.write(`${lines.join('\n')}\n`);
    process.stderr.write(`rekap kpps-token: ${issued.length} tokens issued below ${region}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
