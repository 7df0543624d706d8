// rekap verify-receipt: what a witness (saksi) does with the QR code a KPPS phone showed them.
// Offline: the receipt's Ed25519 signature covers exactly these numbers and photos. Online
// (--server) or against a copy of the data (--data/--db): a published version of the TPS holds
// exactly the signed numbers and photo hashes, with the same signature; and what the server made
// of that version (counted, flagged with the reasons, in review, corrected by whom and why with
// the counted numbers beside the signed ones, superseded). The status never changes the exit code:
// 0 says the signature and the publication match, the output says whether it counts.
import { existsSync, readFileSync } from 'node:fs';
import { fieldEntries, type CHasil } from '../core/chasil.ts';
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
import { TpsResultSchema, type TpsReviewStatus } from '../contract/results.ts';
import { versionStatus, type VersionStatus } from '../contract/version-status.ts';
import { versionStatusWords } from '../web/shared/review-words.ts';
import { problemsOf, problemsText } from '../core/problems.ts';
import { openStore } from '../store/store.ts';
import { UsageError } from './usage.ts';
import { parseWithPositionals } from './options.ts';

/** What was found against a source, as `--json` prints it (flat: `ok`, then the version or why not). */
type PublishedReport = { source: string } & (
  | { ok: true; id: string; version: number }
  | ({ ok: false; error: string } & Omit<PublishedMismatch, 'message'>)
);

/** A field whose counted value differs from the signed one (a corrected version). */
type Difference = { field: string; signed: number; counted: number | null };

/** What the source made of the matched version, with its words in both languages. */
type StatusReport = VersionStatus & {
  text: { id: string; en: string };
  /** A corrected version: the fields the counted correction changed from the signed numbers. */
  differences?: Difference[];
};

type Report = {
  ok: boolean;
  receipt?: Receipt;
  error?: string;
  checks: {
    signature?: boolean;
    published?: PublishedReport;
    status?: StatusReport;
  };
};

/** What a source publishes of a TPS: its versions and its review status (none for no TPS). */
type Published = {
  versions: (PublishedVersion & { result: CHasil })[];
  review: TpsReviewStatus | null;
};

function statusReport(
  published: Published,
  version: number,
  signed: CHasil,
): StatusReport | undefined {
  if (!published.review) return undefined;
  const s = versionStatus(published.review, version);
  const report: StatusReport = {
    ...s,
    text: { id: versionStatusWords(s, 'id'), en: versionStatusWords(s, 'en') },
  };
  if (s.state === 'corrected') {
    const counted = published.versions.find((v) => v.version === s.counted);
    if (counted) {
      const now = new Map(fieldEntries(counted.result));
      report.differences = fieldEntries(signed).flatMap(([field, v]) => {
        const c = now.get(field) ?? null;
        return c === v ? [] : [{ field, signed: v, counted: c }];
      });
    }
  }
  return report;
}

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

async function publishedFromServer(server: string, tps: TpsCode): Promise<Published> {
  const url = new URL(`/api/v1/tps/${tps}?ballot=ppwp`, server);
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (res.status === 404) return { versions: [], review: null };
  if (!res.ok) throw new Error(`${url.href} answered HTTP ${res.status}`);
  // The contract's schema: an answer that is not a TPS says so, instead of "not published".
  const body = TpsResultSchema.safeParse(await res.json());
  if (!body.success)
    throw new Error(
      `${url.href} did not answer a TPS result: ${problemsText(problemsOf(body.error.issues))}`,
    );
  return { versions: body.data.versions, review: body.data.review };
}

async function publishedFromStore(
  dataDir: string,
  dbUrl: string | undefined,
  tps: TpsCode,
): Promise<Published> {
  const store = await openStore({ dataDir, dbUrl, readOnly: true });
  try {
    const t = await store.tpsResult(tps, 'ppwp');
    return { versions: t?.versions ?? [], review: t?.review ?? null };
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
  const st = report.checks.status;
  if (st) {
    const counts = st.state === 'counted' || (st.state === 'in_review' && st.counts);
    out(`${counts ? 'OK   ' : 'NOTE '} status (status di server): ${st.text.id}`);
    out(`      ${st.text.en}`);
    for (const d of st.differences ?? [])
      out(
        `      ${d.field}: signed (ditandatangani) ${d.signed}, counted (dihitung) ${d.counted ?? '-'}`,
      );
  }
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
      const source = o.server ?? o.db ?? o.data;
      const published = o.server
        ? await publishedFromServer(o.server, tps)
        : o.data || o.db
          ? await publishedFromStore(o.data ?? './rekap-data', o.db, tps)
          : undefined;
      if (published && source !== undefined) {
        const c = checkPublished(r, published.versions);
        report.checks.published = publishedReport(c, source);
        const status = c.ok
          ? statusReport(published, c.value.version, r.summary.result)
          : undefined;
        if (status) report.checks.status = status;
      }
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
