// The fields an anomaly finding names (the TPS page highlights them on the form), and the
// anomalies page of a region. The TPS page's own anomaly section, in words, is tps-view.ts.
import { RegionIssuesSchema, type RegionIssues } from '../../contract/portal.ts';
import { ok } from '../../core/result.ts';
import {
  getJson,
  RegionResultSchema,
  regionUrl,
  type Fetched,
  type Finding,
  type RegionResult,
} from './api.ts';
import { h, type Child } from '../shared/dom.ts';
import { formatMoment, formatNumber } from './format.ts';
import { regionHref, tpsHref } from './routes.ts';
import type { StringKey } from './strings.ts';
import { breadcrumbs, heading, t, type Ctx } from './view-parts.ts';

/** The fields a finding names, to highlight on the form. */
export function findingFields(f: Finding): string[] {
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

// ---- The anomalies page of a region (#/anomali/{code}) ----

/** What the anomalies page shows: the region (for its name and place) and its three lists. */
export type AnomaliesPage = { region: RegionResult; issues: RegionIssues };

export const issuesUrl = (code: string) =>
  `/api/v1/regions/${encodeURIComponent(code)}/issues?ballot=ppwp`;

/** The region and its lists, side by side; both must answer. */
export async function loadAnomaliesPage(
  code: string,
  signal?: AbortSignal,
): Promise<Fetched<AnomaliesPage>> {
  const [region, issues] = await Promise.all([
    getJson(regionUrl(code), RegionResultSchema, signal),
    getJson(issuesUrl(code), RegionIssuesSchema, signal),
  ]);
  if (!region.ok) return region;
  if (!issues.ok) return issues;
  return ok({
    value: { region: region.value.value, issues: issues.value.value },
    text: `${region.value.text}\n${issues.value.text}`,
  });
}

function listCard(
  ctx: Ctx,
  id: string,
  title: StringKey,
  intro: StringKey,
  none: StringKey,
  total: number,
  items: HTMLElement[],
): HTMLElement {
  const n = (x: number) => formatNumber(ctx.lang, x);
  return h(
    'section',
    { class: `card issues-card issues-${id}`, 'aria-labelledby': `${id}-title`, 'data-testid': id },
    h(
      'h2',
      { id: `${id}-title`, class: 'card-title' },
      t(ctx, title),
      ' ',
      h('span', { class: 'badge count', 'data-testid': `${id}-total` }, n(total)),
    ),
    h('p', { class: 'note' }, t(ctx, intro)),
    items.length === 0
      ? h('p', { class: 'callout ok' }, t(ctx, none))
      : h('ul', { class: 'issues-list' }, items),
    total > items.length
      ? h('p', { class: 'small muted' }, t(ctx, 'listCut', { n: n(items.length), total: n(total) }))
      : null,
  );
}

export function regionIssuesView(ctx: Ctx, page: AnomaliesPage): Child[] {
  const { region: r, issues } = page;
  const n = (x: number) => formatNumber(ctx.lang, x);
  const flagged = issues.flagged.map((x) =>
    h(
      'li',
      { 'data-key': x.code, 'data-code': x.code },
      h('a', { href: tpsHref(x.code) }, x.name),
      ' ',
      h('span', { class: 'small muted' }, `${x.desa.name} · ${x.code}`),
      ' ',
      h('span', { class: `badge review-${x.state}` }, t(ctx, `review_${x.state}`)),
      h(
        'span',
        { class: 'small muted block' },
        x.counted === null
          ? t(ctx, 'issueNoCounted', { v: n(x.latest) })
          : t(ctx, 'issueCounted', { v: n(x.latest), c: n(x.counted) }),
      ),
    ),
  );
  const corrections = issues.corrections.map((c) =>
    h(
      'li',
      { 'data-key': `${c.tps}/${c.version}`, 'data-code': c.tps },
      h('a', { href: tpsHref(c.tps) }, c.tps),
      ' ',
      h(
        'span',
        null,
        t(ctx, 'issueCorrection', { from: n(c.corrects), to: n(c.version), n: n(c.fields) }),
      ),
      h('span', { class: 'small muted block' }, `${formatMoment(ctx.lang, c.at)} · “${c.reason}”`),
    ),
  );
  const late = issues.late.map((x) =>
    h(
      'li',
      { 'data-key': x.code, 'data-code': x.code },
      h('a', { href: tpsHref(x.code) }, x.name),
      ' ',
      h('span', { class: 'small muted' }, `${x.desa.name} · ${x.code}`),
      h(
        'span',
        { class: 'small muted block' },
        t(ctx, 'issueLate', { a: n(x.siblingsReported), b: n(x.siblingsTotal) }),
      ),
    ),
  );
  return [
    breadcrumbs(ctx, [...r.parents, { code: r.code, name: r.name, level: r.level }], {
      code: r.code,
      name: t(ctx, 'anomaliesPageTitle'),
      level: r.level,
    }),
    heading(
      ctx,
      r,
      h(
        'p',
        { class: 'lede' },
        t(ctx, 'anomaliesPageIntro'),
        ' ',
        h('a', { href: regionHref(r.code) }, t(ctx, 'backToRegion')),
      ),
    ),
    listCard(
      ctx,
      'issues-flagged',
      'issuesFlaggedTitle',
      'issuesFlaggedIntro',
      'flaggedNone',
      issues.flaggedTotal,
      flagged,
    ),
    listCard(
      ctx,
      'issues-corrections',
      'issuesCorrectionsTitle',
      'issuesCorrectionsIntro',
      'issuesCorrectionsNone',
      issues.correctionsTotal,
      corrections,
    ),
    listCard(
      ctx,
      'issues-late',
      'issuesLateTitle',
      'issuesLateIntro',
      'issuesLateNone',
      issues.lateTotal,
      late,
    ),
  ];
}
