// The anomaly engine's findings for a TPS's current result: each finding with its reason, the
// fields it names (labelled the way the printed form does) and any misread proposal.
import { RegionIssuesSchema, type RegionIssues } from '../../contract/portal.ts';
import { ok } from '../../core/result.ts';
import {
  getJson,
  RegionResultSchema,
  regionUrl,
  type Fetched,
  type Finding,
  type RegionResult,
  type TpsVersion,
} from './api.ts';
import { h, type Child } from '../shared/dom.ts';
import { formatMoment, formatNumber } from './format.ts';
import { regionHref, tpsHref } from './routes.ts';
import type { StringKey } from './strings.ts';
import { breadcrumbs, heading, pairNo, t, type Ctx } from './view-parts.ts';

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
        read: formatNumber(ctx.lang, f.read),
        proposed: formatNumber(ctx.lang, f.proposed),
        pct: percent(f.confidence),
      }),
      f.alternatives.length > 0
        ? h(
            'span',
            { class: 'small muted block' },
            `${t(ctx, 'misreadOthers')}: `,
            f.alternatives
              .slice(0, 3)
              .map((a) => `${fieldLabel(ctx, a.field)} → ${formatNumber(ctx.lang, a.value)}`)
              .join('; '),
          )
        : null,
    );
  if (f.kind === 'misread')
    return h(
      'p',
      { class: 'proposal', 'data-testid': 'misread' },
      f.fields
        .map((p, i) => `${fieldLabel(ctx, p)} ${formatNumber(ctx.lang, f.read[i] ?? 0)}`)
        .join(', '),
      ': ',
      t(ctx, 'misreadSum', { sum: formatNumber(ctx.lang, f.sum) }),
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

export function anomaliesCard(
  ctx: Ctx,
  findings: Finding[],
  current: TpsVersion,
  shown: TpsVersion,
) {
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
