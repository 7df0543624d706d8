// The checks of one record on its own: the form's rules, impossible values, missing fields, and a
// misread proposal where one change would make everything hold.
import { broken, constraintsFor, describe, evaluate, type Constraint } from './constraints.ts';
import { proposeMisread } from './misread.ts';
import type { AuditRecord, Finding } from './types.ts';

const cache = new Map<string, Constraint[]>();

/** The checks that apply to a record of this shape (cached per ballot, vote keys and sections). */
export function checksFor(record: AuditRecord): Constraint[] {
  const fields = Object.keys(record.values);
  const key = `${record.ballot}|${record.voteKeys.join(',')}|${fields.join(',')}`;
  let checks = cache.get(key);
  if (!checks) {
    const all = constraintsFor(record.ballot, record.voteKeys, fields.includes('ballots.used'));
    // Only checks over fields this source carries at all (Sirekap has no section II or III).
    checks = all.filter((c) => c.terms.every(([p]) => p in record.values));
    if (cache.size > 100) cache.clear();
    cache.set(key, checks);
  }
  return checks;
}

/** The fields a reader of the photo read with confidence as the record has them. */
export function confirmedFields(record: AuditRecord): Set<string> {
  const out = new Set<string>();
  for (const [p, r] of Object.entries(record.reading ?? {}))
    if (r.sure && r.value !== null && r.value === record.values[p]) out.add(p);
  return out;
}

/**
 * A breach the photo itself shows: no single change of a field the reader was unsure of makes
 * the record hold, and the broken checks go through fields the reader read, with confidence, as
 * submitted. The form says what it says; a reviewer asks the KPPS, not the reader.
 */
function onPaper(
  checks: readonly Constraint[],
  record: AuditRecord,
  confirmed: ReadonlySet<string>,
): Finding | undefined {
  const get = (p: string) => record.values[p];
  const failing = checks.filter((c) => {
    const s = evaluate(c, get);
    return s !== undefined && broken(c, s);
  });
  const fields = [
    ...new Set(failing.flatMap((c) => c.terms.map(([p]) => p)).filter((p) => confirmed.has(p))),
  ];
  if (fields.length === 0) return undefined;
  const values = fields.map((p) => get(p)!);
  const list = fields.map((p, i) => `${p} ${values[i]}`).join(', ');
  return {
    kind: 'rule',
    check: 'on-paper',
    fields,
    values,
    breaks: [...new Set(failing.map((c) => c.id))],
    message: {
      id: `Pelanggaran di atas kertas: formulir sendiri menulis ${list}, dan pembacaan foto membaca angka yang sama dengan yakin; bukan salah baca.`,
      en: `A breach on paper: the form itself says ${list}, and the reading of the photo read the same with confidence; not a misreading.`,
    },
  };
}

export type RecordAudit = {
  findings: Finding[];
  /** Every field present and every check held: the record may feed neighbour statistics. */
  clean: boolean;
  complete: boolean;
};

export function auditRecord(record: AuditRecord): RecordAudit {
  const findings: Finding[] = [];
  const get = (p: string) => record.values[p];
  const missing = Object.entries(record.values)
    .filter(([, v]) => v == null)
    .map(([p]) => p);
  if (missing.length > 0)
    findings.push({
      kind: 'incomplete',
      check: 'missing-fields',
      fields: missing,
      message: {
        id: `Data tidak lengkap: ${missing.length} kolom kosong (${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}).`,
        en: `Incomplete: ${missing.length} field(s) empty (${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}).`,
      },
    });
  const checks = checksFor(record);
  let breaches = 0;
  for (const c of checks) {
    const s = evaluate(c, get);
    if (s === undefined || !broken(c, s)) continue;
    breaches++;
    findings.push({
      kind: c.category,
      check: c.id,
      fields: c.terms.map(([p]) => p),
      message: describe(c, get),
    });
  }
  if (breaches > 0) {
    const confirmed = confirmedFields(record);
    const proposal = proposeMisread(checks, record.values, confirmed);
    if (proposal) findings.push(proposal);
    else {
      const paper = onPaper(checks, record, confirmed);
      if (paper) findings.push(paper);
    }
  }
  return {
    findings,
    clean: breaches === 0 && missing.length === 0,
    complete: missing.length === 0,
  };
}
