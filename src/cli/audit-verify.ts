// rekap audit verify [--data DIR | --db URL] [--json]: recompute the record (the event chain, every
// version's hashes and event, every photo's bytes, tps_status and the totals from the versions and
// events, the sign-offs) and compare it with what is stored. Read-only, in pages, in one snapshot
// of the database, with progress on stderr. Names the first thing that does not match and exits 1;
// exits 0 with the counts when everything holds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadServerKey, SIGNING_KEY_FILE } from '../server/keys.ts';
import { openStore } from '../store/store.ts';
import type { AuditCounts } from '../store/audit-verify.ts';
import { processIo, type Io } from './io.ts';
import { parse, storeOptions } from './options.ts';
import { keyFrom } from './verify-dhasil.ts';

/**
 * The key each D.Hasil must verify with: --key, else the server's own key file in the data
 * folder when it is there (never made here: the audit changes nothing).
 */
function auditKey(key: string | undefined, dataDir: string): string | undefined {
  if (key) return keyFrom(key);
  if (!existsSync(join(dataDir, SIGNING_KEY_FILE))) return undefined;
  return loadServerKey({ dataDir }).publicKey;
}

const countsLine = (c: AuditCounts) =>
  `${c.events} events, ${c.submissions} versions, ${c.photos} photos, ${c.tpsStatus} TPS, ` +
  `${c.totals} totals rows, ${c.votes} vote rows, ${c.signoffs} sign-offs`;

export async function auditVerifyCommand(args: string[], io: Io = processIo): Promise<number> {
  const o = parse(args, { ...storeOptions, json: { type: 'boolean' }, key: { type: 'string' } });
  const publicKey = auditKey(o.key, o.data);
  const store = await openStore({ dataDir: o.data, dbUrl: o.db, readOnly: true });
  let shown = false;
  try {
    const report = await store.auditVerify({
      onProgress: (stage, n) => {
        shown = true;
        io.stderr(`\raudit verify: ${stage} ${n}          `);
      },
      ...(publicKey ? { publicKey } : {}),
    });
    if (shown) io.stderr('\n');
    io.stderr(
      publicKey
        ? 'D.Hasil signatures checked with the server key\n'
        : "D.Hasil signatures not checked (no key: --key, or the data folder's signing-key.pem); their hashes are\n",
    );
    if (o.json) io.stdout(`${JSON.stringify(report)}\n`);
    else if (report.ok)
      io.stdout(`ok: the record holds / catatan utuh: ${countsLine(report.counts)}\n`);
    else {
      const m = report.mismatch;
      io.stdout(
        `mismatch / tidak cocok: ${m.table} ${m.key}, column ${m.column}: expected ${m.expected}, found ${m.found}\n` +
          `checked before it: ${countsLine(report.counts)}\n`,
      );
    }
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}
