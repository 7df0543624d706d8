// The portal's views, built as plain DOM from API data: a region with its totals and children,
// and a TPS with its photos, form numbers, flags and version history.
import type {
  PairInfo,
  PlaceRef,
  Progress,
  RegionResult,
  Totals,
  TpsResult,
  TpsStatus,
  TpsVersion,
} from './api.ts';
import { h, type Child } from './dom.ts';
import {
  formatNumber as num,
  formatPercent as pct,
  formatTime,
  translate,
  type Lang,
  type StringKey,
} from './i18n.ts';
import { placeHref, regionHref, tpsHref } from './routes.ts';

export type Ctx = {
  lang: Lang;
  pairs: PairInfo[];
};

const t = (ctx: Ctx, key: StringKey, vars?: Record<string, string | number>) =>
  translate(ctx.lang, key, vars);

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

function cell(ctx: Ctx, bad: Set<string>, path: string, value: number): HTMLElement {
  const broken = bad.has(path);
  return h(
    'td',
    { class: broken ? 'num bad' : 'num', 'data-field': path },
    num(value),
    broken ? h('span', { class: 'sr-only' }, ` (${t(ctx, 'fieldBreaks')})`) : null,
  );
}

function genderTable(
  ctx: Ctx,
  bad: Set<string>,
  caption: string,
  rows: { label: string; path: string; g: { l: number; p: number; total: number } }[],
): HTMLElement {
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
      rows.map((r) =>
        h(
          'tr',
          null,
          h('th', { scope: 'row' }, r.label),
          cell(ctx, bad, `${r.path}.l`, r.g.l),
          cell(ctx, bad, `${r.path}.p`, r.g.p),
          cell(ctx, bad, `${r.path}.total`, r.g.total),
        ),
      ),
    ),
  );
}

function listTable(ctx: Ctx, bad: Set<string>, caption: string, rows: Row[]): HTMLElement {
  return h(
    'table',
    { class: 'form-table' },
    h('caption', null, caption),
    h(
      'tbody',
      null,
      rows.map((r) =>
        h('tr', null, h('th', { scope: 'row' }, r.label), cell(ctx, bad, r.path, r.value)),
      ),
    ),
  );
}

function formSections(ctx: Ctx, v: TpsVersion, registeredDpt: number | null): HTMLElement {
  const r = v.result;
  const bad = new Set(v.flags.flatMap((f) => f.fields));
  const pairs =
    ctx.pairs.length > 0
      ? ctx.pairs
      : pairsOf(ctx, { votes: r.votes, valid: r.valid, invalid: r.invalid });
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
      genderTable(ctx, bad, t(ctx, 'secIA'), [{ label: 'DPT', path: 'dpt', g: r.dpt }]),
      registeredDpt === null
        ? null
        : h('p', { class: 'small muted' }, `${t(ctx, 'registeredDpt')}: ${num(registeredDpt)}`),
      genderTable(ctx, bad, t(ctx, 'secIB'), [
        { label: `1. ${t(ctx, 'rowDpt')}`, path: 'voters.dpt', g: r.voters.dpt },
        { label: `2. ${t(ctx, 'rowDptb')}`, path: 'voters.dptb', g: r.voters.dptb },
        { label: `3. ${t(ctx, 'rowDpk')}`, path: 'voters.dpk', g: r.voters.dpk },
        { label: `4. ${t(ctx, 'rowVotersTotal')}`, path: 'voters.total', g: r.voters.total },
      ]),
    ),
    h(
      'section',
      { class: 'form-section' },
      listTable(ctx, bad, t(ctx, 'secII'), [
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
      genderTable(ctx, bad, t(ctx, 'secIII'), [
        { label: t(ctx, 'colTotal'), path: 'disabled', g: r.disabled },
      ]),
    ),
    h('section', { class: 'form-section' }, listTable(ctx, bad, t(ctx, 'secIV'), voteRows)),
    h(
      'section',
      { class: 'form-section' },
      listTable(ctx, bad, t(ctx, 'secV'), [
        { label: t(ctx, 'rowValid'), path: 'valid', value: r.valid },
        { label: t(ctx, 'rowInvalid'), path: 'invalid', value: r.invalid },
        { label: t(ctx, 'rowTotal'), path: 'total', value: r.total },
      ]),
    ),
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
        formSections(ctx, shown, r.dpt),
      ),
    ),
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
