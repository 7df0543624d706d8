// rekap kpps-token: bearer tokens for KPPS officers, one TPS or a whole region at once, and their
// revocation. A TPS has one valid token at a time: a new one revokes the older ones.
import { parseRegionCode, parseTpsCode, type TpsCode } from '../core/codes.ts';
import { isUploaderId, type TokenInfo } from '../store/tokens.ts';
import { openStore, type Store } from '../store/store.ts';
import { UsageError } from './usage.ts';
import { parse, storeOptions } from './options.ts';

export async function kppsTokenCommand(args: string[]): Promise<number> {
  const o = parse(args, {
    ...storeOptions,
    tps: { type: 'string' },
    region: { type: 'string' },
    csv: { type: 'boolean' },
    revoke: { type: 'boolean' },
    token: { type: 'string' },
  });
  if (o.revoke) {
    if (!o.tps === !o.token || o.region || o.csv)
      throw new UsageError(
        '--revoke takes exactly one of --tps CODE (every token of that TPS) or --token TOKEN ' +
          '(a token, or its uploader id kpps:... as submissions show it)',
      );
  } else {
    if (o.token) throw new UsageError('--token goes with --revoke');
    if (!o.tps === !o.region)
      throw new UsageError('give exactly one of --tps CODE or --region CODE --csv');
  }
  const tps = o.tps === undefined ? undefined : parseTpsCode(o.tps);
  if (o.tps !== undefined && !tps)
    throw new UsageError(`not a TPS code: ${o.tps} (e.g. 16.08.01.1007.001 or 1608011007001)`);
  if (o.region && !o.csv) throw new UsageError('--region prints many tokens: add --csv');
  const store = await openStore({ dataDir: o.data, dbUrl: o.db, writePhotos: false });
  try {
    if (o.revoke) return tps ? await revokeOfTps(store, tps) : await revokeOne(store, o.token!);
    if (tps) {
      if (!(await store.tps(tps))) {
        process.stderr.write(
          `rekap kpps-token: no TPS ${tps} in the election at ${store.describe}\n`,
        );
        return 1;
      }
      const [issued] = await store.issueTokens([tps]);
      process.stdout.write(`${issued!.token}\n`);
      process.stderr.write(
        `rekap kpps-token: token ${issued!.replaced.length > 0 ? 'replaced' : 'issued'} for TPS ${tps}` +
          (issued!.replaced.length > 0
            ? `; ${plural(issued!.replaced.length, 'older token')} revoked (${issued!.replaced.join(', ')}): phones holding it must enrol again with this one`
            : '') +
          '\n',
      );
      return 0;
    }
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
    const replaced = issued.reduce((n, t) => n + t.replaced.length, 0);
    process.stderr.write(
      `rekap kpps-token: ${issued.length} tokens issued below ${region}` +
        (replaced > 0 ? `; ${plural(replaced, 'older token')} revoked` : '') +
        '\n',
    );
    return 0;
  } finally {
    await store.close();
  }
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

const describeToken = (t: TokenInfo) =>
  `${t.uploader} of TPS ${t.tps} (issued ${t.issuedAt}; ${plural(t.devices, 'device')} enrolled with it)`;

const AFTER_REVOKE =
  'Phones holding it can no longer send, upload or enrol. Devices it enrolled stay enrolled: ' +
  'list them with `rekap devices --tps CODE` and revoke any you do not know with ' +
  '`rekap revoke-device`. Issue a new token with `rekap kpps-token --tps CODE`.';

async function revokeOfTps(store: Store, tps: TpsCode): Promise<number> {
  if (!(await store.tps(tps))) {
    process.stderr.write(`rekap kpps-token: no TPS ${tps} in the election at ${store.describe}\n`);
    return 1;
  }
  const revoked = await store.revokeTokens({ tps });
  if (revoked.length === 0) {
    process.stdout.write(`TPS ${tps} has no valid token: nothing revoked\n`);
    return 0;
  }
  process.stdout.write(
    `revoked ${plural(revoked.length, 'token')} of TPS ${tps}:\n` +
      revoked.map((t) => `  ${describeToken(t)}\n`).join('') +
      `${AFTER_REVOKE}\n`,
  );
  return 0;
}

async function revokeOne(store: Store, given: string): Promise<number> {
  const found = await store.tokens(isUploaderId(given) ? { uploader: given } : { token: given });
  if (found.length === 0) {
    process.stderr.write(`rekap kpps-token: no such token in the store at ${store.describe}\n`);
    return 1;
  }
  if (found.length > 1) {
    process.stderr.write(
      `rekap kpps-token: ${given} names ${found.length} tokens; give the token itself:\n` +
        found.map((t) => `  ${describeToken(t)}\n`).join(''),
    );
    return 1;
  }
  const token = found[0]!;
  if (token.revokedAt) {
    process.stdout.write(
      `token ${token.uploader} of TPS ${token.tps} was already revoked at ${token.revokedAt}\n`,
    );
    return 0;
  }
  const [revoked] = await store.revokeTokens({ tokenHash: token.tokenHash });
  process.stdout.write(
    `revoked token ${describeToken(revoked ?? token)} at ${revoked?.revokedAt ?? '?'}.\n${AFTER_REVOKE}\n`,
  );
  return 0;
}
