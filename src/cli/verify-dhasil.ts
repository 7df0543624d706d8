// rekap verify-dhasil: checks a D.Hasil (the JSON a server publishes at
// /api/v1/recap/{code}/{ballot}/dhasil.json) against the server's public key: the signature of
// its canonical JSON, and its totals recomputed from its children. The key comes from --key (its
// base64url, or a file holding it or the answer of GET /api/v1/keys/server) or from --server URL.
// Fetching the key from the same server that handed out the document proves less than a key
// published elsewhere: docs/recap.md.
import { existsSync, readFileSync } from 'node:fs';
import { verifyDHasil } from '../core/dhasil.ts';
import { ServerKeySchema } from '../contract/recap.ts';
import { processIo, type Io } from './io.ts';
import { parseWithPositionals } from './options.ts';
import { UsageError } from './usage.ts';

/** A key as given: base64url, or a file with it or with the key endpoint's JSON answer. */
export function keyFrom(text: string): string {
  const given = existsSync(text) ? readFileSync(text, 'utf8').trim() : text.trim();
  if (given.startsWith('{')) {
    const parsed = ServerKeySchema.safeParse(JSON.parse(given));
    if (!parsed.success) throw new UsageError('--key: the JSON is not a server key answer');
    return parsed.data.publicKey;
  }
  return given;
}

export async function verifyDHasilCommand(args: string[], io: Io = processIo): Promise<number> {
  const { values: o, positionals } = parseWithPositionals(args, {
    key: { type: 'string' },
    server: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0)
    throw new UsageError('usage: rekap verify-dhasil FILE [--key KEY | --server URL]');
  if (!o.key === !o.server) throw new UsageError('give the key: --key KEY or --server URL (one)');
  let publicKey: string;
  if (o.key) publicKey = keyFrom(o.key);
  else {
    const res = await fetch(new URL('/api/v1/keys/server', o.server));
    if (!res.ok) throw new Error(`${o.server}: GET /api/v1/keys/server answered ${res.status}`);
    publicKey = ServerKeySchema.parse(await res.json()).publicKey;
  }
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: not a JSON file (${(e as Error).message})`);
  }
  const verdict = await verifyDHasil(document, publicKey);
  if (o.json) {
    io.stdout(
      `${JSON.stringify(verdict.ok ? { ok: true, dhasil: verdict.value } : { ok: false, problems: verdict.error })}\n`,
    );
    return verdict.ok ? 0 : 1;
  }
  if (!verdict.ok) {
    io.stderr(`rekap verify-dhasil: ${file} does NOT verify:\n`);
    for (const p of verdict.error) io.stderr(`  - ${p}\n`);
    return 1;
  }
  const d = verdict.value;
  io.stdout(
    [
      `D.Hasil ${d.level} ${d.region.code} ${d.region.name}, ${d.contest.ballot}: sah / valid.`,
      `  signed by key ${d.keyId} at ${d.at} (by ${d.by}), chain head event ${d.chainHead.seq} ${d.chainHead.hash ?? '-'}`,
      `  totals: ${Object.entries(d.totals.votes)
        .map(([k, v]) => `${k}=${v}`)
        .join(
          ' ',
        )}; valid ${d.totals.valid}, invalid ${d.totals.invalid}, total ${d.totals.total}; ` +
        `TPS ${d.totals.tpsReported}/${d.totals.tpsTotal}; ${d.children.length} children, ${d.corrections.length} corrections`,
      '',
    ].join('\n'),
  );
  return 0;
}
