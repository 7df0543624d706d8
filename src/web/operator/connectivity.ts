// Election night's late list on the review page (issue 14, docs/design/blank-spot-map.md
// "Election night"): for the account's region (a kabupaten or below), the TPS that have not sent,
// counted by their connectivity class and by how late they are, and the blank-spot TPS to chase,
// each with its sending point (how far, which way, how long the trip). It reads
// GET /api/v1/connectivity/{code}/late and reads it again every minute while it is on the page.
// The words for classes, distances and directions are the map page's (src/web/peta/words.ts), so
// an operator and the /peta/ page say the same thing.
import type { ConnectivityLate, LateBucket } from '../../contract/connectivity.ts';
import type { OperatorAccount } from '../../contract/operator.ts';
import { h } from '../shared/dom.ts';
import { formatTime, type Lang } from '../shared/i18n.ts';
import { formatNumber } from '../portal/format.ts';
import {
  CLASS_COLOURS,
  CLASS_ORDER,
  classWords,
  formatTravel,
  sendingWords,
} from '../peta/words.ts';
import * as api from './api.ts';
import type { StringKey } from './strings.ts';

/** How often the panel reads the list again while it is shown. */
export const LATE_REFRESH_MS = 60_000;

const BUCKETS: readonly LateBucket[] = ['lt1', '1to2', '2to4', 'gt4'];

/** Whether a region is a kabupaten or below: the late list is made per kabupaten at most. */
export const withinKabupaten = (code: string) => code !== 'id' && code.includes('.');

export type LatePanelDeps = {
  account: OperatorAccount;
  lang: Lang;
  t: (key: StringKey, vars?: Record<string, string | number>) => string;
  failure: (f: api.Failure) => string;
};

/** Hours with one decimal in the page's language: `2,5` (id), `2.5` (en). */
function hours(lang: Lang, h: number): string {
  return h.toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB', {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
}

/** The panel; it fills itself in, and reads the list again each minute while it is connected. */
export function latePanel(deps: LatePanelDeps): HTMLElement {
  const { account, lang, t } = deps;
  const panel = h('section', {
    class: 'card late',
    id: 'late',
    'aria-labelledby': 'late-title',
    'aria-busy': 'true',
  });
  const title = h('h2', { id: 'late-title' }, t('lateTitle'));
  const mapLink = h(
    'a',
    { href: `/peta/#/${encodeURIComponent(account.region)}`, id: 'late-map' },
    t('lateMap'),
  );
  if (!withinKabupaten(account.region)) {
    panel.removeAttribute('aria-busy');
    panel.replaceChildren(
      title,
      h('p', { class: 'muted' }, t('lateTooLarge')),
      h('p', null, mapLink),
    );
    return panel;
  }
  panel.replaceChildren(title, h('p', { class: 'muted' }, t('loading')));

  const render = (report: ConnectivityLate) => {
    const n = (x: number) => formatNumber(lang, x);
    const total = CLASS_ORDER.reduce(
      (sum, c) => sum + BUCKETS.reduce((s, b) => s + report.notSent[c][b], 0),
      0,
    );
    const expected = report.expectedAt
      ? t('lateExpected', { at: formatTime(report.expectedAt, lang) })
      : t('lateNoExpected');
    const table = h(
      'table',
      { id: 'late-table' },
      h('caption', { class: 'muted small' }, t('lateCaption', { total: n(total) })),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('lateClass')),
          ...BUCKETS.map((b) => h('th', { scope: 'col', class: 'num' }, t(`late_${b}`))),
          h('th', { scope: 'col', class: 'num' }, t('lateTotal')),
        ),
      ),
      h(
        'tbody',
        null,
        ...CLASS_ORDER.map((c) => {
          const row = report.notSent[c];
          const sum = BUCKETS.reduce((s, b) => s + row[b], 0);
          return h(
            'tr',
            { 'data-class': c },
            h(
              'th',
              { scope: 'row' },
              h('span', { class: 'dot', style: `background:${CLASS_COLOURS[c]}` }),
              classWords(lang, c),
            ),
            ...BUCKETS.map((b) => h('td', { class: 'num', 'data-bucket': b }, n(row[b]))),
            h('td', { class: 'num', 'data-bucket': 'total' }, n(sum)),
          );
        }),
      ),
    );
    const raised =
      report.raised.length === 0
        ? h('p', { id: 'late-none-raised' }, t('lateNoneRaised'))
        : h(
            'ul',
            { id: 'late-raised', class: 'late-raised' },
            ...report.raised.map((r) =>
              h(
                'li',
                { 'data-tps': r.tps },
                h('strong', null, `${r.tps} ${r.name}`),
                ' · ',
                t('lateHours', { hours: hours(lang, r.hoursLate) }),
                h(
                  'span',
                  { class: 'send' },
                  r.sendingPoint
                    ? t('lateSendAt', {
                        where: sendingWords(lang, r.sendingPoint),
                        travel: formatTravel(lang, r.sendingPoint.travelMinutes),
                      })
                    : t('lateNoPoint'),
                ),
              ),
            ),
          );
    panel.removeAttribute('aria-busy');
    panel.replaceChildren(
      title,
      h('p', { 'data-testid': 'late-expected' }, expected),
      h('div', { class: 'table-wrap' }, table),
      h('h3', null, t('lateRaisedTitle', { count: n(report.raised.length) })),
      h('p', { class: 'muted small' }, t('lateRaisedHelp')),
      raised,
      h(
        'p',
        { class: 'muted small' },
        t('lateUpdated', { at: formatTime(report.now, lang) }),
        ' · ',
        mapLink,
      ),
    );
  };

  const load = async () => {
    const r = await api.late(account.region);
    if (!panel.isConnected && panel.dataset.loaded) return;
    panel.dataset.loaded = '1';
    if (r.ok) render(r.value);
    else {
      panel.removeAttribute('aria-busy');
      panel.replaceChildren(
        title,
        h('p', { class: 'notice bad', role: 'alert' }, deps.failure(r.error)),
      );
    }
  };
  void load();
  // Read again each minute; the timer stops once the panel has left the page.
  const timer = setInterval(() => {
    if (!panel.isConnected) clearInterval(timer);
    else void load();
  }, LATE_REFRESH_MS);
  return panel;
}
