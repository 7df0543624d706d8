// The TPS's form as written, section by section (I to V), each cell marked when a rule flag or an
// anomaly finding names it or Sirekap's number differs; the flags box and the Sirekap note above it.
import { fieldEntries } from '../../core/chasil.ts';
import { externalValue, type External, type ExternalValues, type TpsVersion } from './api.ts';
import { h, type Child } from '../shared/dom.ts';
import { formatTime } from '../shared/i18n.ts';
import { pairNo, pairsOf, t, type Ctx } from './view-parts.ts';
import { formatCount, type Breach } from './breach-words.ts';
import { ts } from './tps-strings.ts';

type Row = { label: string; path: string; value: number };

/** What marks the cells of the form: rule flags, anomaly findings, and another source's numbers. */
export type Marks = {
  /** Fields named by the shown version's rule flags. */
  bad: Set<string>;
  /** Fields named by the anomaly engine's findings (only when the shown version is current). */
  anomaly: Set<string>;
  /** Sirekap's numbers, when imported. */
  ext: ExternalValues | null;
  /** Fields the server's re-read of the photos read otherwise, with confidence: what it read. */
  reread?: ReadonlyMap<string, number | null>;
};

const differs = (m: Marks, path: string, value: number): boolean => {
  if (!m.ext) return false;
  const other = externalValue(m.ext, path);
  return other !== null && other !== value;
};

function cell(ctx: Ctx, m: Marks, path: string, value: number): HTMLElement {
  const broken = m.bad.has(path);
  const odd = !broken && m.anomaly.has(path);
  const diff = differs(m, path, value);
  const reread = m.reread?.has(path) === true;
  const readAs = m.reread?.get(path);
  const cls = [
    'num',
    broken || odd ? 'bad' : null,
    diff ? 'differs' : null,
    reread ? 'reread-differs' : null,
  ];
  const readText = ts(ctx.lang, 'readCell', {
    v: readAs === null || readAs === undefined ? '–' : formatCount(readAs, ctx.lang),
  });
  const notes = [
    broken ? t(ctx, 'fieldBreaks') : null,
    odd ? t(ctx, 'fieldAnomaly') : null,
    diff ? t(ctx, 'differsFromSirekap') : null,
  ].filter((x): x is string => x !== null);
  return h(
    'td',
    { class: cls.filter(Boolean).join(' '), 'data-field': path },
    formatCount(value, ctx.lang),
    // Seen, not only coloured: a mark and the number the photo reads.
    reread
      ? h('span', { class: 'read-mark', 'data-testid': 'reread-mark' }, ` ≠ ${readText}`)
      : null,
    notes.length > 0 ? h('span', { class: 'sr-only' }, ` (${notes.join('; ')})`) : null,
  );
}

/** The Sirekap value of `path`, beside Rekap's `value`. */
function extCell(ctx: Ctx, m: Marks, path: string, value: number): HTMLElement {
  const other = m.ext ? externalValue(m.ext, path) : null;
  if (other === null)
    return h(
      'td',
      { class: 'num ext', 'data-ext-field': path },
      h('span', { class: 'muted', title: t(ctx, 'emptyInSirekap') }, '–'),
      h('span', { class: 'sr-only' }, ` (${t(ctx, 'emptyInSirekap')})`),
    );
  const diff = other !== value;
  return h(
    'td',
    { class: diff ? 'num ext differs' : 'num ext', 'data-ext-field': path },
    formatCount(other, ctx.lang),
    diff ? h('span', { class: 'sr-only' }, ` (${t(ctx, 'differsFromSirekap')})`) : null,
  );
}

function genderTable(
  ctx: Ctx,
  m: Marks,
  caption: string,
  rows: { label: string; path: string; g: { l: number; p: number; total: number } }[],
): HTMLElement {
  const parts = ['l', 'p', 'total'] as const;
  return h(
    'table',
    { class: 'form-table' },
    h('caption', null, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('td', null),
        h(
          'th',
          { scope: 'col', class: 'num' },
          h('abbr', { title: t(ctx, 'colLFull') }, t(ctx, 'colL')),
        ),
        h(
          'th',
          { scope: 'col', class: 'num' },
          h('abbr', { title: t(ctx, 'colPFull') }, t(ctx, 'colP')),
        ),
        h('th', { scope: 'col', class: 'num' }, t(ctx, 'colTotal')),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((r) => [
        h(
          'tr',
          { class: m.ext ? 'has-ext' : null },
          h('th', { scope: 'row' }, r.label),
          parts.map((k) => cell(ctx, m, `${r.path}.${k}`, r.g[k])),
        ),
        // Sirekap's numbers go in a row of their own under Rekap's: three more columns would
        // not fit a phone.
        m.ext
          ? h(
              'tr',
              { class: 'ext-row', 'data-ext-row': r.path },
              h(
                'th',
                { scope: 'row' },
                h('span', { class: 'sr-only' }, `${r.label}, `),
                t(ctx, 'colSirekap'),
              ),
              parts.map((k) => extCell(ctx, m, `${r.path}.${k}`, r.g[k])),
            )
          : null,
      ]),
    ),
  );
}

function listTable(ctx: Ctx, m: Marks, caption: string, rows: Row[]): HTMLElement {
  return h(
    'table',
    { class: m.ext ? 'form-table with-ext' : 'form-table' },
    h('caption', null, caption),
    m.ext
      ? h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('td', null),
            h('th', { scope: 'col', class: 'num' }, t(ctx, 'colRekap')),
            h('th', { scope: 'col', class: 'num ext' }, t(ctx, 'colSirekap')),
          ),
        )
      : null,
    h(
      'tbody',
      null,
      rows.map((r) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, r.label),
          cell(ctx, m, r.path, r.value),
          m.ext ? extCell(ctx, m, r.path, r.value) : null,
        ),
      ),
    ),
  );
}

export function sirekapNote(ctx: Ctx, v: TpsVersion, ext: External): HTMLElement {
  const m: Marks = { bad: new Set(), anomaly: new Set(), ext: ext.result };
  let n = 0;
  for (const [path, value] of fieldEntries(v.result)) if (differs(m, path, value)) n++;
  return h(
    'div',
    { class: n > 0 ? 'callout diff' : 'callout ok', 'data-testid': 'sirekap' },
    h('p', null, sirekapImportedText(ctx, ext.importedAt)),
    h(
      'p',
      { 'data-testid': 'sirekap-diff' },
      n > 0 ? t(ctx, 'sirekapDiffers', { n }) : t(ctx, 'sirekapSame'),
    ),
  );
}

function sirekapImportedText(ctx: Ctx, iso: string): Child[] {
  const [before = '', after = ''] = t(ctx, 'sirekapImported').split('{time}');
  return [before, h('time', { datetime: iso }, formatTime(iso, ctx.lang)), after];
}

export function formSections(
  ctx: Ctx,
  v: TpsVersion,
  registeredDpt: number | null,
  m: Marks,
): HTMLElement {
  const r = v.result;
  const pairs = pairsOf(ctx, r.votes);
  const voteRows: Row[] = pairs.map((p) => ({
    label: `${pairNo(p.number)}${p.names.length > 0 ? ` ${p.names.join(' – ')}` : ''}`,
    path: `votes.${p.number}`,
    value: r.votes[String(p.number)] ?? 0,
  }));
  for (const [k, value] of Object.entries(r.votes))
    if (!pairs.some((p) => String(p.number) === k))
      voteRows.push({ label: k, path: `votes.${k}`, value });
  return h(
    'div',
    { class: 'form-sections' },
    h(
      'section',
      { class: 'form-section' },
      h('h3', null, t(ctx, 'secI')),
      genderTable(ctx, m, t(ctx, 'secIA'), [{ label: 'DPT', path: 'dpt', g: r.dpt }]),
      registeredDpt === null
        ? null
        : h(
            'p',
            { class: 'small muted' },
            `${t(ctx, 'registeredDpt')}: ${formatCount(registeredDpt, ctx.lang)}`,
          ),
      genderTable(ctx, m, t(ctx, 'secIB'), [
        { label: `1. ${t(ctx, 'rowDpt')}`, path: 'voters.dpt', g: r.voters.dpt },
        { label: `2. ${t(ctx, 'rowDptb')}`, path: 'voters.dptb', g: r.voters.dptb },
        { label: `3. ${t(ctx, 'rowDpk')}`, path: 'voters.dpk', g: r.voters.dpk },
        { label: `4. ${t(ctx, 'rowVotersTotal')}`, path: 'voters.total', g: r.voters.total },
      ]),
    ),
    h(
      'section',
      { class: 'form-section' },
      listTable(ctx, m, t(ctx, 'secII'), [
        {
          label: `1. ${t(ctx, 'rowReceived')}`,
          path: 'ballots.received',
          value: r.ballots.received,
        },
        { label: `2. ${t(ctx, 'rowUsed')}`, path: 'ballots.used', value: r.ballots.used },
        {
          label: `3. ${t(ctx, 'rowReturned')}`,
          path: 'ballots.returned',
          value: r.ballots.returned,
        },
        { label: `4. ${t(ctx, 'rowUnused')}`, path: 'ballots.unused', value: r.ballots.unused },
      ]),
    ),
    h(
      'section',
      { class: 'form-section' },
      genderTable(ctx, m, t(ctx, 'secIII'), [
        { label: t(ctx, 'colTotal'), path: 'disabled', g: r.disabled },
      ]),
    ),
    h('section', { class: 'form-section' }, listTable(ctx, m, t(ctx, 'secIV'), voteRows)),
    h(
      'section',
      { class: 'form-section' },
      listTable(ctx, m, t(ctx, 'secV'), [
        { label: t(ctx, 'rowValid'), path: 'valid', value: r.valid },
        { label: t(ctx, 'rowInvalid'), path: 'invalid', value: r.invalid },
        { label: t(ctx, 'rowTotal'), path: 'total', value: r.total },
      ]),
    ),
  );
}

/** The shown version's broken rules, each once, in words (breach-words.ts). */
export function flagsBox(ctx: Ctx, said: readonly Breach[]): HTMLElement {
  const flags = said.filter((b) => b.source === 'flag');
  if (flags.length === 0)
    return h('div', { class: 'callout ok', 'data-testid': 'flags' }, t(ctx, 'noFlags'));
  return h(
    'div',
    { class: 'callout warn', 'data-testid': 'flags', role: 'note' },
    h('h3', null, t(ctx, 'flagsTitle')),
    h(
      'ul',
      null,
      flags.map((f) => h('li', { 'data-rule': f.check }, f.words)),
    ),
  );
}
