// Each breach of a TPS's numbers said once, in the page's language, without field paths: the
// rule flags of the shown version and the anomaly engine's findings on the current one, merged
// (a rule the flags already name is not said again by the engine), each in words built from the
// rule and the form's numbers, which are written with Intl.NumberFormat of the page's language.
import { maxVotersPerTps, type Ballot } from '../../core/ballots.ts';
import type { Finding } from '../../core/anomaly/types.ts';
import type { CHasil } from '../../core/chasil.ts';
import type { Text } from '../../core/rules.ts';
import type { Flag } from '../../contract/results.ts';
import type { Lang } from '../shared/i18n.ts';

const formats: Partial<Record<Lang, Intl.NumberFormat>> = {};

/** A number the way the page's language writes it: `1.234` in Bahasa Indonesia, `1,234` in English. */
export function formatCount(n: number, lang: Lang): string {
  formats[lang] ??= new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en');
  return formats[lang].format(n);
}

/** A share as a whole percentage in the page's language. */
export const formatPct = (share: number, lang: Lang): string =>
  `${formatCount(Math.round(share * 100), lang)}%`;

const GROUPS: Record<string, Text> = {
  dpt: { id: 'DPT', en: 'DPT' },
  'voters.dpt': { id: 'pemilih DPT yang memilih', en: 'DPT voters who voted' },
  'voters.dptb': { id: 'pemilih DPTb', en: 'DPTb voters' },
  'voters.dpk': { id: 'pemilih DPK', en: 'DPK voters' },
  'voters.total': { id: 'jumlah pengguna hak pilih', en: 'all voters who voted' },
  disabled: { id: 'pemilih disabilitas', en: 'voters with disabilities' },
};
const PARTS: Record<string, Text> = {
  l: { id: 'laki-laki', en: 'male' },
  p: { id: 'perempuan', en: 'female' },
  total: { id: 'jumlah', en: 'total' },
};
const SINGLES: Record<string, Text> = {
  'ballots.received': { id: 'surat suara diterima', en: 'ballot papers received' },
  'ballots.used': { id: 'surat suara digunakan', en: 'ballot papers used' },
  'ballots.returned': { id: 'surat suara dikembalikan', en: 'ballot papers returned' },
  'ballots.unused': { id: 'surat suara tidak digunakan', en: 'ballot papers unused' },
  valid: { id: 'suara sah', en: 'valid votes' },
  invalid: { id: 'suara tidak sah', en: 'invalid votes' },
  total: { id: 'jumlah suara', en: 'total votes' },
};

/** A field of the form in words: `surat suara digunakan`, `suara pasangan 02`, `DPT, perempuan`. */
export function fieldWords(path: string, lang: Lang): string {
  const single = SINGLES[path];
  if (single) return single[lang];
  if (path.startsWith('votes.')) {
    const key = path.slice(6);
    const no = /^\d+$/.test(key) ? key.padStart(2, '0') : key;
    return lang === 'id' ? `suara pasangan ${no}` : `votes for pair ${no}`;
  }
  const dot = path.lastIndexOf('.');
  const group = GROUPS[path.slice(0, dot)];
  const part = PARTS[path.slice(dot + 1)];
  if (!group || !part) return lang === 'id' ? 'sebuah kolom' : 'a field';
  return part === PARTS.total ? group[lang] : `${group[lang]}, ${part[lang]}`;
}

/** One breach, said once: what kind it is, the sentence, the fields it names. */
export type Breach = {
  /** `rule`, `impossible`, `incomplete`, `misread`, `paper` (a breach the photo plainly shows). */
  kind: 'rule' | 'impossible' | 'incomplete' | 'misread' | 'paper' | 'other';
  /** The rule or check (`votes-sum-valid`, `on-paper`, `single-field`). */
  check: string;
  fields: string[];
  words: string;
  /** Where it comes from: the shown version's rule flags, or the anomaly engine. */
  source: 'flag' | 'engine';
  /** An impossible value: the number, and the limit it exceeds (merged per number). */
  over?: { subject: string; x: number; caps: string[] };
};

type Get = (path: string) => number;

function getter(r: CHasil): Get {
  return (path) => {
    let at: unknown = r;
    for (const part of path.split('.')) at = (at as Record<string, unknown> | undefined)?.[part];
    return typeof at === 'number' ? at : 0;
  };
}

/** The sentence of a rule of the form (src/core/rules.ts), or undefined for one it does not know. */
function ruleWords(
  rule: string,
  fields: readonly string[],
  get: Get,
  lang: Lang,
  ctx: { ballot: Ballot; registeredDpt: number | null },
): string | undefined {
  const n = (path: string) => formatCount(get(path), lang);
  const c = (x: number) => formatCount(x, lang);
  const id = lang === 'id';
  switch (rule) {
    case 'gender-sum': {
      const base = fields[0]!.slice(0, fields[0]!.lastIndexOf('.'));
      const g = GROUPS[base] ?? { id: base, en: base };
      const l = get(`${base}.l`);
      const p = get(`${base}.p`);
      return id
        ? `Jumlah ${g.id}: laki-laki ${c(l)} + perempuan ${c(p)} = ${c(l + p)}, tetapi tertulis ${n(`${base}.total`)}.`
        : `${g.en[0]!.toUpperCase()}${g.en.slice(1)}: male ${c(l)} + female ${c(p)} = ${c(l + p)}, but the total says ${n(`${base}.total`)}.`;
    }
    case 'voters-sum': {
      const k = fields[0]!.slice(fields[0]!.lastIndexOf('.') + 1);
      const sum = get(`voters.dpt.${k}`) + get(`voters.dptb.${k}`) + get(`voters.dpk.${k}`);
      const part = PARTS[k] ?? { id: k, en: k };
      return id
        ? `Pengguna hak pilih (${part.id}): DPT + DPTb + DPK = ${c(sum)}, tetapi jumlahnya tertulis ${n(`voters.total.${k}`)}.`
        : `Voters (${part.en}): DPT + DPTb + DPK = ${c(sum)}, but their total says ${n(`voters.total.${k}`)}.`;
    }
    case 'voters-within-dpt': {
      const k = fields[0]!.slice(fields[0]!.lastIndexOf('.') + 1);
      return id
        ? `Pemilih DPT yang memilih (${n(`voters.dpt.${k}`)}) lebih banyak dari DPT (${n(`dpt.${k}`)}).`
        : `More DPT voters voted (${n(`voters.dpt.${k}`)}) than the DPT lists (${n(`dpt.${k}`)}).`;
    }
    case 'votes-sum-valid': {
      const sum = fields.filter((f) => f.startsWith('votes.')).reduce((a, f) => a + get(f), 0);
      return id
        ? `Jumlah suara sah semua pasangan/calon = ${c(sum)}, tetapi suara sah (V.A) tertulis ${n('valid')}.`
        : `The votes of all choices add up to ${c(sum)}, but valid votes (V.A) says ${n('valid')}.`;
    }
    case 'valid-plus-invalid':
      return id
        ? `Suara sah ${n('valid')} + tidak sah ${n('invalid')} = ${c(get('valid') + get('invalid'))}, tetapi jumlahnya (V.C) tertulis ${n('total')}.`
        : `Valid ${n('valid')} + invalid ${n('invalid')} = ${c(get('valid') + get('invalid'))}, but the total (V.C) says ${n('total')}.`;
    case 'total-equals-used':
      return id
        ? `Jumlah suara (${n('total')}) tidak sama dengan surat suara yang digunakan (${n('ballots.used')}).`
        : `Total votes (${n('total')}) differ from the ballot papers used (${n('ballots.used')}).`;
    case 'used-equals-voters':
      return id
        ? `Surat suara yang digunakan (${n('ballots.used')}) tidak sama dengan jumlah pengguna hak pilih (${n('voters.total.total')}).`
        : `Ballot papers used (${n('ballots.used')}) differ from the number of voters (${n('voters.total.total')}).`;
    case 'total-equals-voters':
      return id
        ? `Jumlah suara (${n('total')}) tidak sama dengan jumlah pengguna hak pilih (${n('voters.total.total')}).`
        : `Total votes (${n('total')}) differ from the number of voters (${n('voters.total.total')}).`;
    case 'ballots-balance': {
      const s = get('ballots.used') + get('ballots.returned') + get('ballots.unused');
      return id
        ? `Surat suara diterima ${n('ballots.received')}, tetapi digunakan + dikembalikan + tidak digunakan = ${c(s)}.`
        : `${n('ballots.received')} ballot papers received, but used + returned + unused = ${c(s)}.`;
    }
    case 'ballots-reserve': {
      const max = Math.floor((get('dpt.total') * 102 + 99) / 100);
      return id
        ? `Surat suara diterima (${n('ballots.received')}) melebihi DPT + 2% cadangan (${c(max)}).`
        : `Ballot papers received (${n('ballots.received')}) exceed DPT + the 2% reserve (${c(max)}).`;
    }
    case 'disabled-within-voters':
      return id
        ? `Pemilih disabilitas (${n('disabled.total')}) lebih banyak dari seluruh pengguna hak pilih (${n('voters.total.total')}).`
        : `More voters with disabilities (${n('disabled.total')}) than voters in all (${n('voters.total.total')}).`;
    case 'dpt-within-tps-limit': {
      const limit = maxVotersPerTps(ctx.ballot);
      return id
        ? `DPT ${n('dpt.total')} melebihi batas ${c(limit)} pemilih per TPS.`
        : `DPT ${n('dpt.total')} exceeds the limit of ${c(limit)} voters per TPS.`;
    }
    case 'dpt-matches-register':
      return ctx.registeredDpt === null
        ? undefined
        : id
          ? `DPT di formulir (${n('dpt.total')}) berbeda dari DPT terdaftar untuk TPS ini (${c(ctx.registeredDpt)}).`
          : `The form's DPT (${n('dpt.total')}) differs from the registered DPT of this TPS (${c(ctx.registeredDpt)}).`;
  }
  return undefined;
}

/** The engine's impossible values (`votes-over-tps-limit`, `total-over-voters`, ...), in parts. */
function impossibleParts(
  check: string,
  fields: readonly string[],
  get: Get,
  lang: Lang,
  ballot: Ballot,
): { subject: string; x: number; cap: string } {
  const id = lang === 'id';
  const [what, limit] = check.split('-over-') as [string, string | undefined];
  const counted = fields.filter((f) => f !== 'dpt.total' && f !== 'voters.total.total');
  const x = counted.reduce((a, f) => a + get(f), 0);
  const subject =
    what === 'votes' && counted.length > 1
      ? id
        ? 'suara semua pasangan'
        : 'the votes of all pairs'
      : counted.length === 1
        ? fieldWords(counted[0]!, lang)
        : fieldWords(what, lang);
  const c = (v: number) => formatCount(v, lang);
  const reserve = (n: number) => Math.floor((n * 102 + 99) / 100);
  const perTps = maxVotersPerTps(ballot);
  const cap =
    limit === 'dpt-reserve'
      ? `DPT + 2% (${c(reserve(get('dpt.total')))})`
      : limit === 'voters'
        ? id
          ? `jumlah pengguna hak pilih (${c(get('voters.total.total'))})`
          : `the voters who voted (${c(get('voters.total.total'))})`
        : id
          ? `batas satu TPS (${c(counted.length === 1 && what === 'votes' ? perTps : reserve(perTps))})`
          : `what one TPS can have (${c(counted.length === 1 && what === 'votes' ? perTps : reserve(perTps))})`;
  return { subject, x, cap };
}

/** One sentence for the limits one number exceeds: "Suara ... (793) melebihi A, B dan C". */
function impossibleSentence(subject: string, x: number, caps: readonly string[], lang: Lang) {
  const and = lang === 'id' ? ' dan ' : ' and ';
  const joined =
    caps.length < 2 ? (caps[0] ?? '') : `${caps.slice(0, -1).join(', ')}${and}${caps.at(-1)}`;
  const Subject = `${subject[0]!.toUpperCase()}${subject.slice(1)}`;
  const n = formatCount(x, lang);
  return lang === 'id'
    ? `${Subject} (${n}) melebihi ${joined}: angka ini tidak mungkin.`
    : `${Subject} (${n}) exceed ${joined}: this number is impossible.`;
}

function list(fields: readonly string[], get: Get, lang: Lang): string {
  return fields.map((f) => `${fieldWords(f, lang)} ${formatCount(get(f), lang)}`).join(', ');
}

/** The engine's finding in words; undefined for a kind the TPS page does not show here. */
function findingWords(
  f: Finding,
  get: Get,
  lang: Lang,
  ctx: { ballot: Ballot; registeredDpt: number | null },
): Breach | undefined {
  const id = lang === 'id';
  const c = (x: number) => formatCount(x, lang);
  switch (f.kind) {
    case 'rule': {
      if ('breaks' in f)
        return {
          kind: 'paper',
          check: f.check,
          fields: f.fields,
          source: 'engine',
          words: id
            ? `Tertulis begitu di formulir: ${list(f.fields, get, lang)}. Foto terbaca sama dengan yakin, jadi pelanggaran ini ada di atas kertas, bukan salah baca; yang bisa menjelaskannya adalah KPPS.`
            : `The form itself says so: ${list(f.fields, get, lang)}. The photo reads the same with confidence, so this breach is on paper, not a misreading; the KPPS can explain it.`,
        };
      const words = ruleWords(f.check, f.fields, get, lang, ctx);
      return {
        kind: 'rule',
        check: f.check,
        fields: f.fields,
        source: 'engine',
        words:
          words ??
          (id
            ? `Aturan formulir tidak terpenuhi: ${list(f.fields, get, lang)}.`
            : `A rule of the form does not hold: ${list(f.fields, get, lang)}.`),
      };
    }
    case 'impossible': {
      const parts = impossibleParts(f.check, f.fields, get, lang, ctx.ballot);
      return {
        kind: 'impossible',
        check: f.check,
        fields: f.fields,
        source: 'engine',
        words: impossibleSentence(parts.subject, parts.x, [parts.cap], lang),
        over: { subject: parts.subject, x: parts.x, caps: [parts.cap] },
      };
    }
    case 'incomplete':
      return {
        kind: 'incomplete',
        check: f.check,
        fields: f.fields,
        source: 'engine',
        words: id
          ? `${c(f.fields.length)} kolom kosong: ${f.fields
              .slice(0, 6)
              .map((p) => fieldWords(p, lang))
              .join(', ')}${f.fields.length > 6 ? ', …' : ''}.`
          : `${c(f.fields.length)} field(s) empty: ${f.fields
              .slice(0, 6)
              .map((p) => fieldWords(p, lang))
              .join(', ')}${f.fields.length > 6 ? ', …' : ''}.`,
      };
    case 'misread':
      if (f.check === 'single-field') {
        const others = f.alternatives
          .slice(0, 3)
          .map((a) => `${fieldWords(a.field, lang)} → ${c(a.value)}`)
          .join('; ');
        const pct = formatPct(f.confidence, lang);
        return {
          kind: 'misread',
          check: f.check,
          fields: [f.field],
          source: 'engine',
          words: id
            ? `${fieldWords(f.field, lang)}: kemungkinan salah baca: ${c(f.read)} → ${c(f.proposed)} (yakin ${pct}).${others ? ` Kemungkinan lain: ${others}.` : ''}${f.partial ? ' Pelanggaran lain tetap ada.' : ''}`
            : `${fieldWords(f.field, lang)}: likely misread: ${c(f.read)} → ${c(f.proposed)} (${pct} confident).${others ? ` Other possibilities: ${others}.` : ''}${f.partial ? ' Other breaches remain.' : ''}`,
        };
      }
      return {
        kind: 'misread',
        check: f.check,
        fields: f.fields,
        source: 'engine',
        words: id
          ? `Beberapa angka kemungkinan salah baca sekaligus (${f.fields.map((p, i) => `${fieldWords(p, lang)} ${c(f.read[i] ?? 0)}`).join(', ')}); jumlahnya seharusnya ${c(f.sum)}.`
          : `Several values likely misread at once (${f.fields.map((p, i) => `${fieldWords(p, lang)} ${c(f.read[i] ?? 0)}`).join(', ')}); their sum should be ${c(f.sum)}.`,
      };
    case 'outlier':
    case 'duplicate':
      return undefined;
  }
}

const keyOf = (check: string, fields: readonly string[]) =>
  `${check}|${[...fields].sort().join(',')}`;

/**
 * Every breach of the shown version, each said once: its rule flags, then (when it is the current
 * version the engine audited) the engine's findings that the flags do not already say.
 */
export function breaches(
  shown: { result: CHasil; flags: readonly Flag[] },
  findings: readonly Finding[],
  lang: Lang,
  ctx: { ballot: Ballot; registeredDpt: number | null },
): Breach[] {
  const get = getter(shown.result);
  const out: Breach[] = [];
  const said = new Set<string>();
  for (const f of shown.flags) {
    const key = keyOf(f.rule, f.fields);
    if (said.has(key)) continue;
    said.add(key);
    out.push({
      kind: 'rule',
      check: f.rule,
      fields: f.fields,
      source: 'flag',
      words: ruleWords(f.rule, f.fields, get, lang, ctx) ?? f.message[lang],
    });
  }
  const flagged = new Set<string>(shown.flags.map((f) => f.rule));
  for (const f of findings) {
    const b = findingWords(f, get, lang, ctx);
    if (!b) continue;
    const key = keyOf(b.check, b.fields);
    // The same rule over the same fields, or a rule the flags name at all (the engine may name
    // the fields of one breach differently): said already.
    if (said.has(key) || (b.kind === 'rule' && flagged.has(b.check))) continue;
    said.add(key);
    // One number over several limits is one breach: one sentence names every limit.
    const same =
      b.over && out.find((o) => o.over?.subject === b.over!.subject && o.over.x === b.over!.x);
    if (same?.over && b.over) {
      same.check = `${same.check} ${b.check}`;
      same.fields = [...new Set([...same.fields, ...b.fields])];
      same.over.caps.push(...b.over.caps);
      same.words = impossibleSentence(same.over.subject, same.over.x, same.over.caps, lang);
      continue;
    }
    out.push(b);
  }
  return out;
}
