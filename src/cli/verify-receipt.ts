// rekap verify-receipt: what a witness (saksi) does with the QR code a KPPS phone showed them.
// Offline: the receipt's Ed25519 signature covers exactly these numbers and photos. Online
// (--server) or against a copy of the data (--data/--db): a published version of the TPS holds
// exactly the signed numbers and photo hashes, with the same signature.
import { existsSync, readFileSync } from 'node:fs';
import type { CHasil } from '../core/chasil.ts';
import type { TpsCode } from '../core/codes.ts';
import {
  checkPublished,
  decodeReceipt,
  verifySummary,
  type PublishedCheck,
  type PublishedMismatch,
  type PublishedVersion,
  type Receipt,
} from '../core/receipt.ts';
import { TpsResultSchema } from '../contract/results.ts';
import { problemsOf, problemsText } from '../core/problems.ts';
import { openStore } from '../store/store.ts';
import { UsageError } from './usage.ts';
import { parseWithPositionals } from './options.ts';

/** What was found against a source, as `--json` prints it (flat: `ok`, then the version or why not). */
type PublishedReport = { source: string } & (
  | { ok: true; id: string; version: number }
  | ({ ok: false; error: string } & Omit<PublishedMismatch, 'message'>)
);

type Report = {
  ok: boolean;
  receipt?: Receipt;
  error?: string;
  checks: {
    signature?: boolean;
    published?: PublishedReport;
  };
};

const publishedReport = (c: PublishedCheck, source: string): PublishedReport => {
  if (c.ok) return { ok: true, ...c.value, source };
  const { message, ...why } = c.error;
  return { ok: false, ...why, error: message, source };
};

function receiptText(arg: string): string {
  if (arg.trim().startsWith('RKP')) return arg;
  if (existsSync(arg)) return readFileSync(arg, 'utf8');
  throw new UsageError(`${arg}: neither a receipt (RKP1....) nor a file holding one`);
}

async function publishedFromServer(server: string, tps: TpsCode): Promise<PublishedVersion[]> {
  const url = new URL(`/api/v1/tps/${tps}?ballot=ppwp`, server);
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`${url.href} answered HTTP ${res.status}`);
  // The contract's schema: an answer that is not a TPS says so, instead of "not published".
  const body = TpsResultSchema.safeParse(await res.json());
  if (!body.success)
    throw new Error(
      `${url.href} did not answer a TPS result: ${problemsText(problemsOf(body.error.issues))}`,
    );
  return body.data.versions;
}

async function publishedFromStore(
  dataDir: string,
  dbUrl: string | undefined,
  tps: TpsCode,
): Promise<PublishedVersion[]> {
  const store = await openStore({ dataDir, dbUrl, readOnly: true });
  try {
    return (await store.tpsResult(tps, 'ppwp'))?.versions ?? [];
  } finally {
    await store.close();
  }
}

const votesLine = (r: CHasil) =>
  Object.entries(r.votes)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');

function printHuman(report: Report): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const mark = (ok: boolean) => (ok ? 'OK   ' : 'GAGAL');
  if (!report.receipt) {
    out(`GAGAL tanda terima tidak terbaca / receipt unreadable: ${report.error ?? ''}`);
    return;
  }
  const { summary: s, publicKey } = report.receipt;
  out(`TPS ${s.tps}, ${s.ballot.toUpperCase()}, signed ${s.signedAt} by device ${s.deviceId}`);
  out(`  votes (paslon) ${votesLine(s.result)}`);
  out(
    `  valid (sah) ${s.result.valid}, invalid (tidak sah) ${s.result.invalid}, total ${s.result.total}`,
  );
  out(`  DPT ${s.result.dpt.total}, voters (pengguna hak pilih) ${s.result.voters.total.total}`);
  s.photos.forEach((h, i) => out(`  photo ${i + 1}: sha256 ${h}`));
  out(`  public key ${publicKey}`);
  out(
    `${mark(report.checks.signature === true)} signature (tanda tangan) ${
      report.checks.signature ? 'valid for exactly these numbers and photos' : 'does NOT match'
    }`,
  );
  const p = report.checks.published;
  if (p)
    out(
      p.ok
        ? `${mark(true)} published (${p.source}): version ${p.version} (${p.id}) has these numbers, photos and signature`
        : `${mark(false)} published (${p.source}): ${p.error}`,
    );
}

export async function verifyReceiptCommand(args: string[]): Promise<number> {
  const parsed = parseWithPositionals(args, {
    server: { type: 'string' },
    data: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  const o = parsed.values;
  if (parsed.positionals.length !== 1)
    throw new UsageError('give one RECEIPT: the QR code text (RKP1....) or a file holding it');
  if (o.server && (o.data || o.db)) throw new UsageError('give --server or --data/--db, not both');
  const text = receiptText(parsed.positionals[0]!);

  const report: Report = { ok: false, checks: {} };
  const decoded = decodeReceipt(text);
  if (!decoded.ok) report.error = decoded.error;
  else {
    const r = decoded.value;
    report.receipt = r;
    report.checks.signature = await verifySummary(r.summary, r.signature, r.publicKey);
    const tps = r.summary.tps as TpsCode;
    try {
      if (o.server)
        report.checks.published = publishedReport(
          checkPublished(r, await publishedFromServer(o.server, tps)),
          o.server,
        );
      else if (o.data || o.db)
        report.checks.published = publishedReport(
          checkPublished(r, await publishedFromStore(o.data ?? './rekap-data', o.db, tps)),
          o.db ?? o.data ?? '',
        );
    } catch (e) {
      report.checks.published = {
        ok: false,
        reason: 'not_published',
        error: `could not read what was published: ${(e as Error).message}`,
        source: o.server ?? o.db ?? o.data ?? '',
      };
    }
    report.ok =
      report.checks.signature && (report.checks.published ? report.checks.published.ok : true);
  }
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printHuman(report);
  return report.ok ? 0 : 1;
}
