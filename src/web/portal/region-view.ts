// The region view: a region's progress, its totals per pair and the table of the regions (or TPS)
// below it.
import type { Progress, RegionResult, Totals } from './api.ts';
import { h, type Child } from '../shared/dom.ts';
import { formatNumber as num, formatPercent as pct } from '../shared/i18n.ts';
import { placeHref } from './routes.ts';
import {
  bar,
  breadcrumbs,
  heading,
  levelLabel,
  pairNo,
  pairsOf,
  statusBadge,
  t,
  type Ctx,
} from './view-parts.ts';

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
  const pairs = pairsOf(ctx, totals.votes);
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

function childrenTable(ctx: Ctx, r: RegionResult): HTMLElement {
  const first = r.children[0];
  const title = first
    ? t(ctx, 'childrenTitle', { level: levelLabel(ctx, first.level) })
    : t(ctx, 'childrenEmpty');
  const pairs = pairsOf(ctx, r.totals.votes);
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

/**
 * Whether these totals are signed off (NIST 1500-100's unofficial-partial, certified,
 * correction), with the signed D.Hasil once there is one. A desa shows its kecamatan's state
 * and has no D.Hasil of its own.
 */
function recapCard(ctx: Ctx, r: RegionResult): HTMLElement {
  const signed = r.recap !== 'unofficial-partial' && r.level !== 'desa';
  const base = `/api/v1/recap/${encodeURIComponent(r.code)}/ppwp/dhasil`;
  return h(
    'section',
    { class: `card recap recap-${r.recap}`, 'aria-labelledby': 'recap-title' },
    h('h2', { id: 'recap-title', class: 'card-title' }, t(ctx, 'recapTitle')),
    h('p', { 'data-testid': 'recap-state', 'data-state': r.recap }, t(ctx, `recap-${r.recap}`)),
    signed
      ? h(
          'p',
          null,
          t(ctx, r.recap === 'certified' ? 'recapDhasil' : 'recapDhasilLast'),
          ': ',
          h('a', { href: `${base}.pdf`, 'data-testid': 'dhasil-pdf' }, 'PDF'),
          ' · ',
          h('a', { href: `${base}.json` }, 'JSON'),
        )
      : null,
  );
}

export function regionView(ctx: Ctx, r: RegionResult): Child[] {
  return [
    breadcrumbs(ctx, r.parents, r),
    heading(ctx, r),
    h('div', { class: 'overview' }, progressCard(ctx, r.progress), pairCards(ctx, r.totals)),
    recapCard(ctx, r),
    childrenTable(ctx, r),
  ];
}
