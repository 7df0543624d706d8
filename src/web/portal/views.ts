// The portal's views, built as plain DOM from API data: a region with its totals and children,
// and a TPS with its photos, form numbers, flags and version history.
import type { CHasil } from '../../core/chasil.ts';
import {
  externalValue,
  type External,
  type ExternalValues,
  type Finding,
  type PairInfo,
  type PlaceRef,
  type Progress,
  type RegionResult,
  type Totals,
  type TpsResult,
  type TpsStatus,
  type TpsVersion,
} from './api.ts';
import { h, type Child } from '../shared/dom.ts';
import {
  formatNumber as num,
  formatPercent as pct,
  formatTime,
  translate,
  type Lang,
} from '../shared/i18n.ts';
import { PORTAL_STRINGS, type StringKey } from './strings.ts';
import { placeHref, regionHref, tpsHref } from './routes.ts';

export type Ctx = {
  lang: Lang;
  pairs: PairInfo[];
};

const t = (ctx: Ctx, key: StringKey, vars?: Record<string, string | number>) =>
  translate(PORTAL_STRINGS, ctx.lang, key, vars);

const levelLabel = (ctx: Ctx, level: string): string => {
  switch (level) {
    case 'nasional':
    case 'provinsi':
    case 'kabupaten':
    case 'kecamatan':
    case 'desa':
    case 'tps':
      return t(ctx, `level_${level}`);
    default:
      return level;
  }
};

const placeName = (ctx: Ctx, p: PlaceRef): string =>
  p.level === 'nasional' ? t(ctx, 'nation') : p.name;

const pairNo = (n: number | string) => String(n).padStart(2, '0');

/** The pairs to show: from /meta, or (if that failed) whatever keys the totals carry. */
function pairsOf(ctx: Ctx, totals: Totals): PairInfo[] {
  if (ctx.pairs.length > 0) return ctx.pairs;
  return Object.keys(totals.votes)
    .map(Number)
    .filter((n) => Number.isInteger(n))
    .sort((a, b) => a - b)
    .map((n) => ({ number: n, names: [] }));
}

function bar(share: number, label: string | null, cls = ''): HTMLElement {
  const width = Math.max(0, Math.min(100, share * 100));
  const attrs =
    label === null
      ? { class: `bar ${cls}`, 'aria-hidden': 'true' }
      : {
          class: `bar ${cls}`,
          role: 'progressbar',
          'aria-valuemin': 0,
          'aria-valuemax': 100,
          'aria-valuenow': Math.round(width * 100) / 100,
          'aria-label': label,
        };
  return h('div', attrs, h('div', { class: 'bar-fill', style: `width:${width.toFixed(2)}%` }));
}

function breadcrumbs(ctx: Ctx, parents: PlaceRef[], here: PlaceRef): HTMLElement | null {
  if (parents.length === 0) return null;
  const items = parents.map((p) =>
    h('li', null, h('a', { href: placeHref(p.code, p.level) }, placeName(ctx, p))),
  );
  items.push(h('li', { 'aria-current': 'page' }, placeName(ctx, here)));
  return h('nav', { class: 'crumbs', 'aria-label': t(ctx, 'breadcrumb') }, h('ol', null, items));
}

function heading(ctx: Ctx, place: PlaceRef, extra: Child = null): HTMLElement {
  return h(
    'div',
    { class: 'heading', 'data-code': place.code },
    h(
      'p',
      { class: 'eyebrow' },
      levelLabel(ctx, place.level),
      place.level === 'nasional' ? null : [' · ', h('span', { class: 'code' }, place.code)],
    ),
    h('h1', { tabindex: -1, id: 'view-title' }, placeName(ctx, place)),
    extra,
  );
}

function progressCard(ctx: Ctx, p: Progress): HTMLElement {
  const share = p.tpsTotal > 0 ? p.tpsReported / p.tpsTotal : 0;
  return h(
    'section',
    { class: 'card progress-card', 'aria-labelledby': 'progress-title' },
    h('h2', { id: 'progress-title', class: 'card-title' }, t(ctx, 'progress')),
    h(
      'p',
      { class: 'progress-line' },
      h('strong', { class: 'big', 'data-testid': 'progress-pct' }, pct(p.tpsReported, p.tpsTotal)),
      ' ',
      h(
        'span',
        { 'data-testid': 'progress-count' },
        t(ctx, 'progressOf', { a: num(p.tpsReported), b: num(p.tpsTotal) }),
      ),
    ),
    bar(share, t(ctx, 'progress'), 'bar-progress'),
  );
}

function pairCards(ctx: Ctx, totals: Totals): HTMLElement {
  const pairs = pairsOf(ctx, totals);
  const valid = totals.valid;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'pairs-title' },
    h('h2', { id: 'pairs-title', class: 'card-title' }, t(ctx, 'resultsTitle')),
    h(
      'ul',
      { class: 'pairs' },
      pairs.map((p) => {
        const votes = totals.votes[String(p.number)] ?? 0;
        return h(
          'li',
          { class: `pair pair-${p.number}`, 'data-pair': p.number },
          h(
            'span',
            { class: 'pair-no', 'aria-label': t(ctx, 'pairNo', { n: p.number }) },
            pairNo(p.number),
          ),
          h(
            'div',
            { class: 'pair-names' },
            p.names.length > 0
              ? p.names.map((n) => h('span', { class: 'pair-name' }, n))
              : h('span', { class: 'pair-name' }, `${t(ctx, 'pair')} ${pairNo(p.number)}`),
          ),
          h(
            'div',
            { class: 'pair-figures' },
            h('strong', { class: 'pair-pct', 'data-testid': `pct-${p.number}` }, pct(votes, valid)),
            h(
              'span',
              { class: 'pair-votes' },
              h('span', { 'data-testid': `votes-${p.number}` }, num(votes)),
              ` ${t(ctx, 'votes')}`,
            ),
          ),
          bar(valid > 0 ? votes / valid : 0, null, 'bar-pair'),
        );
      }),
    ),
    h(
      'dl',
      { class: 'summary' },
      h(
        'div',
        null,
        h('dt', null, t(ctx, 'validVotes')),
        h('dd', { 'data-testid': 'valid' }, num(totals.valid)),
      ),
      h(
        'div',
        null,
        h('dt', null, t(ctx, 'invalidVotes')),
        h('dd', { 'data-testid': 'invalid' }, num(totals.invalid)),
      ),
      h(
        'div',
        null,
        h('dt', null, t(ctx, 'totalVotes')),
        h('dd', { 'data-testid': 'total' }, num(totals.total ?? totals.valid + totals.invalid)),
      ),
    ),
    h('p', { class: 'note' }, t(ctx, 'countedOnly')),
  );
}

function statusBadge(ctx: Ctx, status: TpsStatus): HTMLElement {
  return h('span', { class: `badge status-${status}` }, t(ctx, `status_${status}`));
}

function childrenTable(ctx: Ctx, r: RegionResult): HTMLElement {
  const first = r.children[0];
  const title = first
    ? t(ctx, 'childrenTitle', { level: levelLabel(ctx, first.level) })
    : t(ctx, 'childrenEmpty');
  const pairs = pairsOf(ctx, r.totals);
  const isTps = first?.level === 'tps';
  const head = h(
    'tr',
    null,
    h(
      'th',
      { scope: 'col', class: 'col-name' },
      first ? levelLabel(ctx, first.level) : t(ctx, 'colRegion'),
    ),
    h('th', { scope: 'col' }, isTps ? t(ctx, 'colStatus') : t(ctx, 'progressShort')),
    pairs.map((p) =>
      h(
        'th',
        { scope: 'col', class: 'num' },
        h('span', { class: `dot pair-${p.number}`, 'aria-hidden': 'true' }),
        pairNo(p.number),
        p.names.length > 0 ? h('span', { class: 'sr-only' }, ` ${p.names.join(' – ')}`) : null,
      ),
    ),
    h('th', { scope: 'col', class: 'num' }, t(ctx, 'validVotes')),
  );
  const rows = r.children.map((c) => {
    const reported = c.progress.tpsReported > 0;
    const progressCell = isTps
      ? h('td', null, statusBadge(ctx, c.status ?? 'none'))
      : h(
          'td',
          { class: 'col-progress' },
          h(
            'span',
            { class: 'small' },
            `${num(c.progress.tpsReported)}/${num(c.progress.tpsTotal)} · ${pct(c.progress.tpsReported, c.progress.tpsTotal)}`,
          ),
          bar(
            c.progress.tpsTotal > 0 ? c.progress.tpsReported / c.progress.tpsTotal : 0,
            null,
            'bar-mini',
          ),
        );
    return h(
      'tr',
      { 'data-key': c.code, 'data-code': c.code },
      h(
        'th',
        { scope: 'row', class: 'col-name' },
        h('a', { href: placeHref(c.code, c.level) }, c.name),
        h('span', { class: 'code small' }, c.code),
      ),
      progressCell,
      pairs.map((p) => {
        const v = c.totals.votes[String(p.number)] ?? 0;
        return h(
          'td',
          { class: 'num', 'data-pair': p.number },
          reported
            ? [num(v), h('span', { class: 'small pct' }, pct(v, c.totals.valid))]
            : h('span', { class: 'muted' }, '–'),
        );
      }),
      h(
        'td',
        { class: 'num' },
        reported ? num(c.totals.valid) : h('span', { class: 'muted' }, '–'),
      ),
    );
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'children-title' },
    h('h2', { id: 'children-title', class: 'card-title' }, title),
    first
      ? h(
          'div',
          { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'children-title' },
          h('table', { class: 'children' }, h('thead', null, head), h('tbody', null, rows)),
        )
      : null,
  );
}

export function regionView(ctx: Ctx, r: RegionResult): Child[] {
  return [
    breadcrumbs(ctx, r.parents, r),
    heading(ctx, r),
    h('div', { class: 'overview' }, progressCard(ctx, r.progress), pairCards(ctx, r.totals)),
    childrenTable(ctx, r),
  ];
}

// ---- TPS ----

type Row = { label: string; path: string; value: number };

/** What marks the cells of the form: rule flags, anomaly findings, and another source's numbers. */
type Marks = {
  /** Fields named by the shown version's rule flags. */
  bad: Set<string>;
  /** Fields named by the anomaly engine's findings (only when the shown version is current). */
  anomaly: Set<string>;
  /** Sirekap's numbers, when imported. */
  ext: ExternalValues | null;
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
  const cls = ['num', broken || odd ? 'bad' : null, diff ? 'differs' : null];
  const notes = [
    broken ? t(ctx, 'fieldBreaks') : null,
    odd ? t(ctx, 'fieldAnomaly') : null,
    diff ? t(ctx, 'differsFromSirekap') : null,
  ].filter((x): x is string => x !== null);
  return h(
    'td',
    { class: cls.filter(Boolean).join(' '), 'data-field': path },
    num(value),
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
    num(other),
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

/** The pairs of the form: from /meta, else whatever the result carries. */
function formPairs(ctx: Ctx, votes: Record<string, number>): PairInfo[] {
  if (ctx.pairs.length > 0) return ctx.pairs;
  return pairsOf(ctx, { votes, valid: 0, invalid: 0 });
}

function sirekapNote(ctx: Ctx, v: TpsVersion, ext: External): HTMLElement {
  const m: Marks = { bad: new Set(), anomaly: new Set(), ext: ext.result };
  let n = 0;
  for (const [path, value] of resultFields(v.result)) if (differs(m, path, value)) n++;
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

/** Every field of a result as `[path, value]`, paths as the anomaly engine names them. */
function resultFields(r: CHasil): [string, number][] {
  const rows: [string, number][] = [];
  const gender = (prefix: string, g: { l: number; p: number; total: number }) =>
    rows.push([`${prefix}.l`, g.l], [`${prefix}.p`, g.p], [`${prefix}.total`, g.total]);
  gender('dpt', r.dpt);
  for (const k of ['dpt', 'dptb', 'dpk', 'total'] as const) gender(`voters.${k}`, r.voters[k]);
  for (const k of ['received', 'used', 'returned', 'unused'] as const)
    rows.push([`ballots.${k}`, r.ballots[k]]);
  gender('disabled', r.disabled);
  for (const [k, v] of Object.entries(r.votes)) rows.push([`votes.${k}`, v]);
  rows.push(['valid', r.valid], ['invalid', r.invalid], ['total', r.total]);
  return rows;
}

function formSections(
  ctx: Ctx,
  v: TpsVersion,
  registeredDpt: number | null,
  m: Marks,
): HTMLElement {
  const r = v.result;
  const pairs = formPairs(ctx, r.votes);
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
        : h('p', { class: 'small muted' }, `${t(ctx, 'registeredDpt')}: ${num(registeredDpt)}`),
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

// ---- anomalies ----

/** The fields a finding names, to highlight on the form. */
function findingFields(f: Finding): string[] {
  switch (f.kind) {
    case 'rule':
    case 'impossible':
    case 'incomplete':
      return f.fields;
    case 'misread':
      return f.check === 'single-field' ? [f.field] : f.fields;
    case 'outlier':
    case 'duplicate':
      return [];
  }
}

const GENDER_PART: Record<string, StringKey> = { l: 'colLFull', p: 'colPFull', total: 'colTotal' };
const GROUPS: Record<string, [string, StringKey | null]> = {
  dpt: ['I.A', null],
  'voters.dpt': ['I.B.1', 'rowDpt'],
  'voters.dptb': ['I.B.2', 'rowDptb'],
  'voters.dpk': ['I.B.3', 'rowDpk'],
  'voters.total': ['I.B.4', 'rowVotersTotal'],
  disabled: ['III', 'rowDisabled'],
};
const SINGLES: Record<string, [string, StringKey]> = {
  'ballots.received': ['II.1', 'rowReceived'],
  'ballots.used': ['II.2', 'rowUsed'],
  'ballots.returned': ['II.3', 'rowReturned'],
  'ballots.unused': ['II.4', 'rowUnused'],
  valid: ['V.A', 'validVotes'],
  invalid: ['V.B', 'invalidVotes'],
  total: ['V.C', 'totalVotes'],
};

/** A form field named the way the printed form does: `I.B.4 Jumlah pengguna hak pilih, Laki-laki`. */
export function fieldLabel(ctx: Ctx, path: string): string {
  const single = SINGLES[path];
  if (single) return `${single[0]} ${t(ctx, single[1])}`;
  if (path.startsWith('votes.')) return `IV ${t(ctx, 'pair')} ${pairNo(path.slice(6))}`;
  const dot = path.lastIndexOf('.');
  const group = GROUPS[path.slice(0, dot)];
  const part = GENDER_PART[path.slice(dot + 1)];
  if (!group || !part) return path;
  return `${group[0]} ${group[1] ? t(ctx, group[1]) : 'DPT'}, ${t(ctx, part).toLowerCase()}`;
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

function findingDetail(ctx: Ctx, f: Finding): Child {
  if (f.kind === 'misread' && f.check === 'single-field')
    return h(
      'p',
      { class: 'proposal', 'data-testid': 'misread' },
      h('strong', null, fieldLabel(ctx, f.field)),
      ': ',
      t(ctx, 'misreadProposal', {
        read: num(f.read),
        proposed: num(f.proposed),
        pct: percent(f.confidence),
      }),
      f.alternatives.length > 0
        ? h(
            'span',
            { class: 'small muted block' },
            `${t(ctx, 'misreadOthers')}: `,
            f.alternatives
              .slice(0, 3)
              .map((a) => `${fieldLabel(ctx, a.field)} → ${num(a.value)}`)
              .join('; '),
          )
        : null,
    );
  if (f.kind === 'misread')
    return h(
      'p',
      { class: 'proposal', 'data-testid': 'misread' },
      f.fields.map((p, i) => `${fieldLabel(ctx, p)} ${num(f.read[i] ?? 0)}`).join(', '),
      ': ',
      t(ctx, 'misreadSum', { sum: num(f.sum) }),
    );
  if (f.kind === 'duplicate')
    return h(
      'p',
      { class: 'small' },
      `${t(ctx, 'sameAsTps')}: `,
      f.others.map((code, i) => [i > 0 ? ', ' : null, h('a', { href: tpsHref(code) }, code)]),
    );
  return null;
}

function anomaliesCard(ctx: Ctx, findings: Finding[], current: TpsVersion, shown: TpsVersion) {
  return h(
    'section',
    { class: 'card anomalies', 'aria-labelledby': 'anomalies-title', 'data-testid': 'anomalies' },
    h('h2', { id: 'anomalies-title', class: 'card-title' }, t(ctx, 'anomaliesTitle')),
    h('p', { class: 'note' }, t(ctx, 'anomaliesIntro', { v: current.version })),
    current.version === shown.version
      ? null
      : h('p', { class: 'note' }, t(ctx, 'anomaliesOtherVersion', { v: `v${current.version}` })),
    findings.length === 0
      ? h('div', { class: 'callout ok' }, t(ctx, 'noAnomalies'))
      : h(
          'ul',
          { class: 'findings' },
          findings.map((f) =>
            h(
              'li',
              { class: `finding kind-${f.kind}`, 'data-kind': f.kind, 'data-check': f.check },
              h('span', { class: `badge kind kind-${f.kind}` }, t(ctx, `kind_${f.kind}`)),
              ' ',
              h('span', { class: 'reason' }, f.message[ctx.lang]),
              findingDetail(ctx, f),
            ),
          ),
        ),
    h('p', { class: 'note', 'data-testid': 'anomalies-note' }, t(ctx, 'anomaliesNote')),
  );
}

function flagsBox(ctx: Ctx, v: TpsVersion): HTMLElement {
  if (v.flags.length === 0)
    return h('div', { class: 'callout ok', 'data-testid': 'flags' }, t(ctx, 'noFlags'));
  return h(
    'div',
    { class: 'callout warn', 'data-testid': 'flags', role: 'note' },
    h('h3', null, t(ctx, 'flagsTitle')),
    h(
      'ul',
      null,
      v.flags.map((f) => h('li', { 'data-rule': f.rule }, f.message[ctx.lang])),
    ),
  );
}

function photos(ctx: Ctx, v: TpsVersion): HTMLElement {
  return h(
    'section',
    { class: 'card photos', 'aria-labelledby': 'photos-title' },
    h('h2', { id: 'photos-title', class: 'card-title' }, t(ctx, 'photosTitle')),
    v.photos.length === 0
      ? h('p', { class: 'muted' }, t(ctx, 'noPhotos'))
      : v.photos.map((p, i) =>
          h(
            'figure',
            { 'data-key': p.sha256 },
            h(
              'a',
              { href: p.url, target: '_blank', rel: 'noopener' },
              h('img', {
                src: p.url,
                alt: t(ctx, 'photoAlt', { n: i + 1 }),
                width: p.width ?? undefined,
                height: p.height ?? undefined,
                loading: i === 0 ? undefined : 'lazy',
                decoding: 'async',
              }),
            ),
            h(
              'figcaption',
              { class: 'small' },
              h('a', { href: p.url, target: '_blank', rel: 'noopener' }, t(ctx, 'openPhoto')),
              ' · ',
              h('span', { class: 'code', title: p.sha256 }, `sha256 ${p.sha256.slice(0, 12)}…`),
            ),
          ),
        ),
  );
}

function history(ctx: Ctx, r: TpsResult, shown: TpsVersion): HTMLElement {
  const newest = r.versions[0]?.version ?? 0;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title', class: 'card-title' }, t(ctx, 'historyTitle')),
    h('p', { class: 'note' }, t(ctx, 'historyNote')),
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'history-title' },
      h(
        'table',
        { class: 'history' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, t(ctx, 'colVersion')),
            h('th', { scope: 'col' }, t(ctx, 'colReceived')),
            h('th', { scope: 'col' }, t(ctx, 'colHash')),
            h('th', { scope: 'col' }, t(ctx, 'colStatus')),
            h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t(ctx, 'view'))),
          ),
        ),
        h(
          'tbody',
          null,
          r.versions.map((v) => {
            const isShown = v.version === shown.version;
            return h(
              'tr',
              { 'data-key': v.id, 'data-version': v.version, class: isShown ? 'current' : null },
              h('th', { scope: 'row' }, `v${v.version}`),
              h(
                'td',
                null,
                h('time', { datetime: v.receivedAt }, formatTime(v.receivedAt, ctx.lang)),
                v.uploader ? h('span', { class: 'small muted block' }, v.uploader) : null,
              ),
              h('td', null, h('code', { title: v.hash }, v.hash.slice(0, 12))),
              h(
                'td',
                null,
                h('span', { class: `badge vstatus-${v.status}` }, t(ctx, `vstatus_${v.status}`)),
                v.counted ? [' ', h('span', { class: 'badge counts' }, t(ctx, 'counts'))] : null,
                v.version > 1
                  ? h(
                      'span',
                      { class: 'small muted block' },
                      t(ctx, 'replaces', { v: v.version - 1 }),
                    )
                  : null,
                v.version < newest
                  ? h(
                      'span',
                      { class: 'small muted block' },
                      t(ctx, 'replacedBy', { v: v.version + 1 }),
                    )
                  : null,
              ),
              h(
                'td',
                null,
                isShown
                  ? h('span', { class: 'small', 'aria-current': 'true' }, t(ctx, 'viewing'))
                  : h('a', { href: tpsHref(r.code, v.version) }, t(ctx, 'view')),
              ),
            );
          }),
        ),
      ),
    ),
  );
}

export function tpsView(ctx: Ctx, r: TpsResult, wanted: number | null): Child[] {
  const counted = r.versions.find((v) => v.counted);
  const shown =
    (wanted !== null ? r.versions.find((v) => v.version === wanted) : undefined) ??
    counted ??
    r.versions[0];
  const head = heading(ctx, r, h('p', { class: 'status-line' }, statusBadge(ctx, r.status)));
  const out: Child[] = [breadcrumbs(ctx, r.parents, r), head];
  if (!shown) {
    out.push(
      h(
        'section',
        { class: 'card' },
        h('p', null, t(ctx, 'notReportedYet')),
        r.dpt === null
          ? null
          : h('p', { class: 'muted' }, `${t(ctx, 'registeredDpt')}: ${num(r.dpt)}`),
      ),
    );
    return out;
  }
  // The anomaly engine audits the current result: the counted version, else the newest.
  const current = counted ?? r.versions[0];
  const marks: Marks = {
    bad: new Set(shown.flags.flatMap((f) => f.fields)),
    anomaly: new Set(
      current?.version === shown.version ? (r.anomalies ?? []).flatMap(findingFields) : [],
    ),
    ext: r.external?.result ?? null,
  };
  const countNote = counted
    ? t(ctx, 'countingVersion', { v: `v${counted.version}` })
    : t(ctx, 'noCountingVersion');
  out.push(
    h(
      'p',
      { class: 'version-line' },
      h('strong', null, t(ctx, 'showingVersion', { v: `v${shown.version}` })),
      ' · ',
      countNote,
      !shown.counted && shown.status === 'flagged' ? [' ', t(ctx, 'flaggedNotCounted')] : null,
    ),
    h(
      'div',
      { class: 'tps-grid' },
      photos(ctx, shown),
      h(
        'section',
        { class: 'card form', 'aria-labelledby': 'form-title' },
        h('h2', { id: 'form-title', class: 'card-title' }, t(ctx, 'formTitle')),
        flagsBox(ctx, shown),
        r.external ? sirekapNote(ctx, shown, r.external) : null,
        formSections(ctx, shown, r.dpt, marks),
      ),
    ),
    r.anomalies && current ? anomaliesCard(ctx, r.anomalies, current, shown) : null,
    history(ctx, r, shown),
  );
  return out;
}

export function messageView(ctx: Ctx, key: StringKey, withHomeLink: boolean): Child[] {
  return [
    h(
      'section',
      { class: 'card message' },
      h('h1', { tabindex: -1, id: 'view-title' }, t(ctx, key)),
      withHomeLink
        ? h('p', null, h('a', { href: regionHref('id') }, t(ctx, 'backToNation')))
        : null,
    ),
  ];
}
