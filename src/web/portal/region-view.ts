// The region view: a region's progress (reported, counted, held, in review), its totals per pair,
// the TPS below it that wait for a person, the progress chart over the night, and the table of
// the regions (or TPS) below it. Numbers in the page's language (format.ts).
import {
  ProgressByHourSchema,
  RegionFlaggedSchema,
  type ProgressByHour,
  type RegionFlagged,
} from '../../contract/portal.ts';
import { getJson, type Fetched, type Progress, type RegionResult, type Totals } from './api.ts';
import { ok } from '../../core/result.ts';
import { h, type Child } from '../shared/dom.ts';
import { formatNumber, formatPercent } from './format.ts';
import { progressChart } from './progress-chart.ts';
import { anomaliesHref, placeHref, tpsHref } from './routes.ts';
import { mapPanel } from './map-loader.ts';
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

/** What a region page shows beside its recap; null where that read failed (the page still works). */
export type RegionExtras = { flagged: RegionFlagged | null; hours: ProgressByHour | null };

export const flaggedUrl = (code: string) =>
  `/api/v1/regions/${encodeURIComponent(code)}/flagged?ballot=ppwp`;
export const progressUrl = (code: string) =>
  `/api/v1/progress/${encodeURIComponent(code)}?ballot=ppwp`;

/** The region page's extra reads, side by side; their raw texts tell a refresh what changed. */
export async function loadRegionExtras(
  code: string,
  signal?: AbortSignal,
): Promise<Fetched<RegionExtras>> {
  const [flagged, hours] = await Promise.all([
    getJson(flaggedUrl(code), RegionFlaggedSchema, signal),
    getJson(progressUrl(code), ProgressByHourSchema, signal),
  ]);
  return ok({
    value: {
      flagged: flagged.ok ? flagged.value.value : null,
      hours: hours.ok ? hours.value.value : null,
    },
    text: `${flagged.ok ? flagged.value.text : ''}\n${hours.ok ? hours.value.text : ''}`,
  });
}

function progressCard(ctx: Ctx, p: Progress): HTMLElement {
  const num = (n: number) => formatNumber(ctx.lang, n);
  const share = p.tpsTotal > 0 ? p.tpsWithResult / p.tpsTotal : 0;
  const item = (
    key: 'progressCounted' | 'progressFlagged' | 'progressInReview',
    n: number,
    id: string,
    extra?: Child,
  ) =>
    h(
      'div',
      { class: `progress-item ${id}` },
      h('dt', null, t(ctx, key)),
      h('dd', null, h('span', { 'data-testid': id }, num(n)), extra),
    );
  return h(
    'section',
    { class: 'card progress-card', 'aria-labelledby': 'progress-title' },
    h('h2', { id: 'progress-title', class: 'card-title' }, t(ctx, 'progress')),
    h(
      'p',
      { class: 'progress-line' },
      h(
        'strong',
        { class: 'big', 'data-testid': 'progress-pct' },
        formatPercent(ctx.lang, p.tpsWithResult, p.tpsTotal),
      ),
      ' ',
      h(
        'span',
        { 'data-testid': 'progress-reported' },
        t(ctx, 'progressReported', { a: num(p.tpsWithResult), b: num(p.tpsTotal) }),
      ),
    ),
    bar(share, t(ctx, 'progress'), 'bar-progress'),
    h(
      'dl',
      { class: 'progress-breakdown', 'data-testid': 'progress-breakdown' },
      item('progressCounted', p.tpsCounted, 'progress-counted', [
        ' ',
        h(
          'span',
          { class: 'small muted', 'data-testid': 'progress-count' },
          t(ctx, 'progressOf', { a: num(p.tpsCounted), b: num(p.tpsTotal) }),
        ),
      ]),
      item('progressFlagged', p.tpsFlagged, 'progress-flagged'),
      item('progressInReview', p.tpsInReview, 'progress-in-review'),
    ),
  );
}

/** The TPS below the region that wait for a person, with links, and the way to the anomalies page. */
function flaggedCard(ctx: Ctx, r: RegionResult, f: RegionFlagged | null): HTMLElement | null {
  if (r.level === 'desa' && (f?.total ?? 0) === 0) return null;
  const num = (n: number) => formatNumber(ctx.lang, n);
  return h(
    'section',
    { class: 'card flagged-card', 'aria-labelledby': 'flagged-title', 'data-testid': 'flagged' },
    h('h2', { id: 'flagged-title', class: 'card-title' }, t(ctx, 'flaggedTitle')),
    f === null
      ? h('p', { class: 'muted small' }, t(ctx, 'loadFailed'))
      : f.total === 0
        ? h('p', { class: 'callout ok' }, t(ctx, 'flaggedNone'))
        : [
            h('p', { class: 'small' }, t(ctx, 'flaggedCount', { n: num(f.total) })),
            h(
              'ul',
              { class: 'flagged-list' },
              f.tps.map((x) =>
                h(
                  'li',
                  { 'data-key': x.code, 'data-code': x.code },
                  h('a', { href: tpsHref(x.code) }, `${x.name}`),
                  ' ',
                  h('span', { class: 'small muted' }, `${x.desa.name} · ${x.code}`),
                  ' ',
                  h('span', { class: `badge review-${x.state}` }, t(ctx, `review_${x.state}`)),
                ),
              ),
            ),
            f.total > f.tps.length
              ? h(
                  'p',
                  { class: 'small muted' },
                  t(ctx, 'listCut', { n: num(f.tps.length), total: num(f.total) }),
                )
              : null,
          ],
    h(
      'p',
      null,
      h(
        'a',
        { href: anomaliesHref(r.code), 'data-testid': 'anomalies-link' },
        t(ctx, 'anomaliesPageLink'),
      ),
    ),
  );
}

function pairCards(ctx: Ctx, totals: Totals): HTMLElement {
  const num = (n: number) => formatNumber(ctx.lang, n);
  const pct = (a: number, b: number) => formatPercent(ctx.lang, a, b);
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
  const num = (n: number) => formatNumber(ctx.lang, n);
  const pct = (a: number, b: number) => formatPercent(ctx.lang, a, b);
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
    const prog = c.progress;
    const progressCell = isTps
      ? h('td', { class: 'col-progress' }, statusBadge(ctx, c.status ?? 'none'))
      : h(
          'td',
          { class: 'col-progress' },
          h(
            'span',
            { class: 'small' },
            t(ctx, 'progressCell', {
              a: num(prog.tpsWithResult),
              b: num(prog.tpsTotal),
              c: num(prog.tpsCounted),
            }),
            prog.tpsFlagged > 0
              ? [
                  ' · ',
                  h(
                    'span',
                    { class: 'flag-count' },
                    t(ctx, 'progressFlaggedN', { n: num(prog.tpsFlagged) }),
                  ),
                ]
              : null,
          ),
          bar(prog.tpsTotal > 0 ? prog.tpsWithResult / prog.tpsTotal : 0, null, 'bar-mini'),
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
          { class: 'num col-pair', 'data-pair': p.number, 'data-label': pairNo(p.number) },
          reported
            ? [num(v), h('span', { class: 'small pct' }, pct(v, c.totals.valid))]
            : h('span', { class: 'muted' }, '–'),
        );
      }),
      h(
        'td',
        { class: 'num col-valid', 'data-label': t(ctx, 'validShort') },
        reported ? num(c.totals.valid) : h('span', { class: 'muted' }, '–'),
      ),
    );
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'children-title' },
    h('h2', { id: 'children-title', class: 'card-title' }, title),
    first && pairs.some((p) => p.names.length > 0)
      ? h(
          'p',
          { class: 'small muted pair-legend', 'data-testid': 'pair-legend' },
          pairs.map((p, i) => [
            i > 0 ? ' · ' : null,
            h('span', { class: `dot pair-${p.number}`, 'aria-hidden': 'true' }),
            h('strong', null, pairNo(p.number)),
            ` ${p.names.join(' – ')}`,
          ]),
        )
      : null,
    first
      ? h(
          'div',
          { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'children-title' },
          h(
            'table',
            { class: `children${isTps ? ' children-tps' : ''}` },
            h('thead', null, head),
            h('tbody', null, rows),
          ),
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

export function regionView(ctx: Ctx, r: RegionResult, extras?: RegionExtras | null): Child[] {
  return [
    breadcrumbs(ctx, r.parents, r),
    heading(ctx, r),
    h('div', { class: 'overview' }, progressCard(ctx, r.progress), pairCards(ctx, r.totals)),
    recapCard(ctx, r),
    extras ? flaggedCard(ctx, r, extras.flagged) : null,
    extras?.hours ? progressChart(ctx, extras.hours) : null,
    // The map beside the table (map-loader.ts; MapLibre itself loads only when wanted).
    h('div', { class: 'table-map' }, mapPanel(ctx, r), childrenTable(ctx, r)),
  ];
}
