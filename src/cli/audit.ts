// rekap audit sirekap FILE.jsonl [--json]: the anomaly engine over Sirekap-format TPS records,
// one JSON object a line. The file is streamed twice (bounded memory): the first pass builds the
// neighbour statistics and duplicate hashes, the second reports each TPS. A bad line is reported
// with its number and skipped.
import { fileOrSay, numberedLines, processIo, type Io } from './io.ts';
import { UsageError } from './usage.ts';
import { parseWithPositionals } from './options.ts';
import {
  auditRecord,
  FINDING_KINDS,
  parseSirekapLine,
  SetAudit,
  type Finding,
  type FindingKind,
} from '../core/anomaly/index.ts';

const AUDIT_USAGE = `rekap audit verify [--data DIR | --db URL] [--json]
    Recompute Rekap's own record and name the first thing that does not match (exit 1).
rekap audit sirekap FILE.jsonl [--json]
    Anomalies in Sirekap hhcw/ppwp TPS records (one JSON object a line, with its tps_code): rule
    breaches, impossible values, incomplete records, likely misreads with the proposed value,
    outliers against neighbouring TPS, duplicates. --json prints { tps: [...], badLines, summary }.`;

export type TpsReport = { tps: string; line: number; findings: Finding[] };

export type AuditSummary = {
  lines: number;
  records: number;
  badLines: number;
  flagged: number;
  /** Records with at least one finding of each kind. */
  byKind: Record<FindingKind, number>;
  /** Findings per check (`votes-sum-valid`, `votes-over-tps-limit`, ...). */
  byCheck: Record<string, number>;
  /** Complete records whose own checks all hold, and how many of them another check flagged. */
  clean: number;
  cleanFlagged: number;
  misreadProposals: number;
};

/** Audits a Sirekap JSONL file, calling `onTps` for each TPS with findings (in file order). */
export async function auditSirekapFile(
  path: string,
  onTps: (r: TpsReport) => void,
  onBadLine: (line: number, error: string) => void = () => {},
): Promise<AuditSummary> {
  const set = new SetAudit();
  for await (const [, line] of numberedLines(path)) {
    const parsed = parseSirekapLine(line);
    if (!parsed?.ok) continue;
    set.add(parsed.value, auditRecord(parsed.value).clean);
  }
  const summary: AuditSummary = {
    lines: 0,
    records: 0,
    badLines: 0,
    flagged: 0,
    byKind: Object.fromEntries(FINDING_KINDS.map((k) => [k, 0])) as Record<FindingKind, number>,
    byCheck: {},
    clean: 0,
    cleanFlagged: 0,
    misreadProposals: 0,
  };
  for await (const [n, line] of numberedLines(path)) {
    summary.lines = n;
    const parsed = parseSirekapLine(line);
    if (!parsed) continue;
    if (!parsed.ok) {
      summary.badLines++;
      onBadLine(n, parsed.error);
      continue;
    }
    summary.records++;
    const own = auditRecord(parsed.value);
    const findings = [...own.findings, ...set.findings(parsed.value, own.clean)];
    if (own.clean) summary.clean++;
    if (findings.length === 0) continue;
    summary.flagged++;
    if (own.clean) summary.cleanFlagged++;
    for (const k of new Set(findings.map((f) => f.kind))) summary.byKind[k]++;
    for (const f of findings) {
      summary.byCheck[f.check] = (summary.byCheck[f.check] ?? 0) + 1;
      if (f.kind === 'misread' && f.check === 'single-field') summary.misreadProposals++;
    }
    onTps({ tps: parsed.value.tps, line: n, findings });
  }
  return summary;
}

export async function auditCommand(args: string[], io: Io = processIo): Promise<number> {
  // `rekap audit verify` checks Rekap's own record (audit-verify.ts); the rest audits a file.
  if (args[0] === 'verify')
    return (await import('./audit-verify.ts')).auditVerifyCommand(args.slice(1), io);
  const parsed = parseWithPositionals(args, { json: { type: 'boolean' } });
  const [source, file, ...extra] = parsed.positionals;
  if (source !== 'sirekap' || !file || extra.length) throw new UsageError(`usage:\n${AUDIT_USAGE}`);
  if (!(await fileOrSay('audit', file, io))) return 1;
  const json = parsed.values.json === true;
  const bad: { line: number; error: string }[] = [];
  let first = true;
  if (json) io.stdout('{"tps":[');
  const summary = await auditSirekapFile(
    file,
    (r) => {
      if (json) {
        io.stdout(`${first ? '\n' : ',\n'}${JSON.stringify(r)}`);
        first = false;
      } else {
        io.stdout(`${r.tps} (line ${r.line})\n`);
        for (const f of r.findings) io.stdout(`  [${f.kind}] ${f.message.en}\n`);
      }
    },
    (line, error) => {
      if (bad.length < 1000) bad.push({ line, error });
      if (!json) io.stderr(`line ${line}: ${error}\n`);
    },
  );
  if (json) {
    io.stdout(`\n],"badLines":${JSON.stringify(bad)},"summary":${JSON.stringify(summary)}}\n`);
  } else {
    const pct = summary.clean ? ((100 * summary.cleanFlagged) / summary.clean).toFixed(1) : '0';
    io.stdout(
      `\n${summary.records} records (${summary.badLines} bad lines), ${summary.flagged} flagged\n` +
        FINDING_KINDS.map((k) => `  ${k}: ${summary.byKind[k]}\n`).join('') +
        `  misread proposals: ${summary.misreadProposals}\n` +
        `  clean records flagged: ${summary.cleanFlagged} of ${summary.clean} (${pct}%)\n`,
    );
  }
  // Some bad lines are reported and skipped; a file with no record at all is not a Sirekap file.
  if (summary.records === 0) {
    io.stderr(
      summary.badLines > 0
        ? `rekap audit: no record could be read from ${file} (${summary.badLines} bad lines)\n`
        : `rekap audit: no record in ${file} (it is empty)\n`,
    );
    return 1;
  }
  return 0;
}
