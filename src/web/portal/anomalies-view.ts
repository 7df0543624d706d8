// The anomaly engine's findings for a TPS's current result: each finding with its reason, the
// fields it names (labelled the way the printed form does) and any misread proposal.
import type { Finding, TpsVersion } from './api.ts';
import { h, type Child } from '../shared/dom.ts';
import { formatNumber as num } from '../shared/i18n.ts';
import { tpsHref } from './routes.ts';
import type { StringKey } from './strings.ts';
import { pairNo, t, type Ctx } from './view-parts.ts';

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
