// Likely misreads: a value that, changed alone, makes every check of the record hold. Candidates
// are the values the broken equations determine, one digit box changed, and the leading box(es)
// read as 0 (the X of an unused box read as a digit). Each change that fits gets a weight (a
// one-box change over a determined value, an X over other boxes, a value that was impossible on
// its own over one that was not), and the proposal's confidence is its share of all the weight.
import { broken, evaluate, type Constraint } from './constraints.ts';
import type { Finding, MisreadAlternative, MisreadHow } from './types.ts';

const FIELD_MAX = 999;

/** How `to` relates to `from` as written in three digit boxes. */
export function relation(from: number, to: number): MisreadHow {
  const a = String(from).padStart(3, '0');
  const b = String(to).padStart(3, '0');
  let diff = 0;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) diff++;
  if (from >= 100 && to === from % 100) return 'leading';
  if (from >= 10 && to === from % 10) return 'leading';
  if (diff === 1) return 'digit';
  return 'determined';
}

/** The values reachable by one box changed, or the leading box(es) blanked. */
function boxEdits(v: number): number[] {
  const out = new Set<number>();
  const d = [Math.floor(v / 100), Math.floor(v / 10) % 10, v % 10];
  for (let i = 0; i < 3; i++)
    for (let x = 0; x <= 9; x++) {
      if (x === d[i]) continue;
      const e = [...d];
      e[i] = x;
      out.add(e[0]! * 100 + e[1]! * 10 + e[2]!);
    }
  out.add(v % 10);
  out.delete(v);
  return [...out];
}

const WEIGHT: Record<MisreadHow, number> = { leading: 4, digit: 3, determined: 1 };

function singleFits(
  checks: readonly Constraint[],
  get: (p: string) => number | null | undefined,
  failing: readonly Constraint[],
  suspects: ReadonlySet<string>,
  impossibleAlone: ReadonlySet<string>,
): MisreadAlternative[] {
  const fits: MisreadAlternative[] = [];
  for (const field of suspects) {
    const read = get(field);
    if (read == null) continue;
    const candidates = new Set(boxEdits(read));
    for (const c of failing) {
      if (c.kind !== 'eq') continue;
      const coef = c.terms.find(([p]) => p === field)?.[1];
      const s = evaluate(c, get);
      if (!coef || s === undefined) continue;
      const v = read - s / coef;
      if (Number.isInteger(v) && v >= 0 && v <= FIELD_MAX) candidates.add(v);
    }
    for (const v of candidates) {
      const trial = (p: string) => (p === field ? v : get(p));
      const ok = checks.every((c) => {
        const s = evaluate(c, trial);
        return s === undefined || !broken(c, s);
      });
      if (!ok) continue;
      const how = relation(read, v);
      // Blanking both leading boxes is rarer than blanking one.
      const base = how === 'leading' && v !== read % 100 ? 2 : WEIGHT[how];
      fits.push({ field, value: v, how, weight: base * (impossibleAlone.has(field) ? 4 : 1) });
    }
  }
  return fits;
}

/**
 * The single-field change that makes every applicable check hold, or, where several fields are
 * impossible at once and one equation ties them, that equation as a constraint. Undefined when
 * the record is consistent or no such change exists. Fields in `confirmed` (a reader of the photo
 * read them, with confidence, as they stand) are never proposed: the paper says so.
 */
export function proposeMisread(
  checks: readonly Constraint[],
  values: Readonly<Record<string, number | null>>,
  confirmed: ReadonlySet<string> = new Set(),
): Extract<Finding, { kind: 'misread' }> | undefined {
  const get = (p: string) => values[p];
  const failing = checks.filter((c) => {
    const s = evaluate(c, get);
    return s !== undefined && broken(c, s);
  });
  if (failing.length === 0) return undefined;
  // A fix must touch a field of every failing check.
  let suspects: Set<string> | undefined;
  for (const c of failing) {
    const fields = new Set(c.terms.map(([p]) => p));
    suspects = suspects ? new Set([...suspects].filter((p) => fields.has(p))) : fields;
  }
  for (const p of confirmed) suspects?.delete(p);
  const impossibleAlone = new Set(
    failing
      .filter((c) => c.terms.length === 1)
      .map((c) => c.terms[0]![0])
      .filter((p) => !confirmed.has(p)),
  );
  let fits = singleFits(checks, get, failing, suspects ?? new Set(), impossibleAlone);
  let partial = false;
  if (fits.length === 0 && impossibleAlone.size === 1) {
    // The impossible value fixed against its own checks, other breaches left for review.
    const [field] = impossibleAlone;
    const own = checks.filter((c) => c.terms.some(([p]) => p === field));
    fits = singleFits(
      own,
      get,
      failing.filter((c) => own.includes(c)),
      new Set([field!]),
      impossibleAlone,
    );
    partial = fits.length > 0;
  }
  if (fits.length > 0) {
    fits.sort((a, b) => b.weight - a.weight || a.field.localeCompare(b.field) || a.value - b.value);
    const best = fits[0]!;
    const total = fits.reduce((a, f) => a + f.weight, 0);
    const confidence = Math.round((best.weight / total) * 1000) / 1000;
    const read = get(best.field)!;
    const howId = {
      leading: 'kotak depan (X) terbaca angka',
      digit: 'satu angka salah baca',
      determined: 'ditentukan kolom lain',
    };
    const howEn = {
      leading: 'an X in a leading box read as a digit',
      digit: 'one digit misread',
      determined: 'determined by the other fields',
    };
    const rest = partial
      ? { id: ' Pelanggaran lain tetap ada.', en: ' Other breaches remain.' }
      : { id: '', en: '' };
    return {
      kind: 'misread',
      check: 'single-field',
      field: best.field,
      read,
      proposed: best.value,
      how: best.how,
      confidence,
      alternatives: fits.slice(1),
      partial,
      message: {
        id: `Kemungkinan salah baca: ${best.field} tertulis ${read}, mungkin ${best.value} (${howId[best.how]}; keyakinan ${Math.round(confidence * 100)}%).${rest.id}`,
        en: `Likely misread: ${best.field} reads ${read}, probably ${best.value} (${howEn[best.how]}; confidence ${Math.round(confidence * 100)}%).${rest.en}`,
      },
    };
  }
  // Several fields impossible on their own: an equation through all of them fixes their sum.
  if (impossibleAlone.size < 2) return undefined;
  const wrong = [...impossibleAlone].sort();
  for (const c of checks) {
    if (c.kind !== 'eq' || c.category !== 'rule') continue;
    const coefs = wrong.map((p) => c.terms.find(([q]) => q === p)?.[1]);
    if (coefs.some((k) => k !== coefs[0] || k === undefined)) continue;
    const rest = c.terms.filter(([p]) => !impossibleAlone.has(p));
    let s = c.constant;
    for (const [p, k] of rest) {
      const v = get(p);
      if (v == null) return undefined;
      s += k * v;
    }
    const sum = -s / coefs[0]!;
    if (!Number.isInteger(sum) || sum < 0) continue;
    const read = wrong.map((p) => get(p)!);
    return {
      kind: 'misread',
      check: 'constraint',
      fields: wrong,
      read,
      sum,
      message: {
        id: `Beberapa angka salah baca sekaligus (${wrong.map((p, i) => `${p} ${read[i]}`).join(', ')}); kolom lain hanya menentukan jumlahnya: ${wrong.join(' + ')} = ${sum}.`,
        en: `Several values misread at once (${wrong.map((p, i) => `${p} ${read[i]}`).join(', ')}); the other fields fix only their sum: ${wrong.join(' + ')} = ${sum}.`,
      },
    };
  }
  return undefined;
}
