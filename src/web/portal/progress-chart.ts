// The progress chart of a region over the night: TPS reported by hour (the hour of each TPS's
// first accepted submission, GET /api/v1/progress/{code}), as a small inline SVG (no chart
// library) of the running share, with the same numbers in a table for screen readers and for
// anyone who wants the figures.
import type { ProgressByHour } from '../../contract/portal.ts';
import { h } from '../shared/dom.ts';
import { formatHour, formatNumber, formatPercent } from './format.ts';
import { t, type Ctx } from './view-parts.ts';

const SVG = 'http://www.w3.org/2000/svg';
const HOUR_MS = 3_600_000;
/** The most hours drawn one by one; a longer night is drawn as its hours with submissions. */
const MAX_HOURS = 48;

function s(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

type Hour = ProgressByHour['hours'][number];

/** Every hour from the first to the last, the quiet ones with nothing new. */
function filled(hours: Hour[]): Hour[] {
  const first = hours[0];
  const last = hours.at(-1);
  if (!first || !last) return [];
  const span = (Date.parse(last.hour) - Date.parse(first.hour)) / HOUR_MS + 1;
  if (span > MAX_HOURS) return hours;
  const by = new Map(hours.map((x) => [Date.parse(x.hour), x]));
  const out: Hour[] = [];
  let cumulative = 0;
  for (let i = 0; i < span; i++) {
    const at = Date.parse(first.hour) + i * HOUR_MS;
    const x = by.get(at);
    cumulative = x?.cumulative ?? cumulative;
    out.push({ hour: new Date(at).toISOString(), reported: x?.reported ?? 0, cumulative });
  }
  return out;
}

export function progressChart(ctx: Ctx, p: ProgressByHour): HTMLElement {
  const hours = filled(p.hours);
  const total = Math.max(p.tpsTotal, 1);
  const W = 320;
  const H = 120;
  const pad = { l: 4, r: 4, t: 8, b: 20 };
  const iw = W - pad.l - pad.r;
  const ih = H - pad.t - pad.b;
  const step = hours.length > 0 ? iw / hours.length : iw;
  const bars = hours.map((x, i) => {
    const hgt = (x.cumulative / total) * ih;
    return s('rect', {
      x: (pad.l + i * step + step * 0.12).toFixed(1),
      y: (pad.t + ih - hgt).toFixed(1),
      width: Math.max(1, step * 0.76).toFixed(1),
      height: hgt.toFixed(1),
      class: 'chart-bar',
    });
  });
  // A few hour labels along the bottom, not crowded.
  const every = Math.max(1, Math.ceil(hours.length / 6));
  const labels = hours.flatMap((x, i) =>
    i % every === 0
      ? [
          s(
            'text',
            {
              x: (pad.l + i * step + step / 2).toFixed(1),
              y: H - 5,
              'text-anchor': 'middle',
              class: 'chart-label',
            },
            formatHour(ctx.lang, x.hour),
          ),
        ]
      : [],
  );
  const last = hours.at(-1);
  const summary = last
    ? t(ctx, 'chartSummary', {
        n: formatNumber(ctx.lang, last.cumulative),
        total: formatNumber(ctx.lang, p.tpsTotal),
        pct: formatPercent(ctx.lang, last.cumulative, p.tpsTotal),
        time: formatHour(ctx.lang, new Date(Date.parse(last.hour) + HOUR_MS).toISOString()),
      })
    : t(ctx, 'chartEmpty');
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      class: 'chart',
      role: 'img',
      'aria-labelledby': 'chart-desc',
      focusable: 'false',
    },
    s('line', {
      x1: pad.l,
      x2: W - pad.r,
      y1: pad.t + ih,
      y2: pad.t + ih,
      class: 'chart-axis',
    }),
    s('line', { x1: pad.l, x2: W - pad.r, y1: pad.t, y2: pad.t, class: 'chart-top' }),
    ...bars,
    ...labels,
  );
  return h(
    'section',
    { class: 'card progress-chart', 'aria-labelledby': 'chart-title', 'data-testid': 'chart' },
    h('h2', { id: 'chart-title', class: 'card-title' }, t(ctx, 'chartTitle')),
    h('p', { id: 'chart-desc', class: 'small' }, summary),
    hours.length > 0 ? svg : null,
    hours.length > 0
      ? h(
          'details',
          { class: 'chart-table' },
          h('summary', null, t(ctx, 'chartTable')),
          h(
            'div',
            {
              class: 'table-wrap',
              tabindex: 0,
              role: 'region',
              'aria-label': t(ctx, 'chartTable'),
            },
            h(
              'table',
              null,
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  h('th', { scope: 'col' }, t(ctx, 'chartHour')),
                  h('th', { scope: 'col', class: 'num' }, t(ctx, 'chartNew')),
                  h('th', { scope: 'col', class: 'num' }, t(ctx, 'chartCumulative')),
                ),
              ),
              h(
                'tbody',
                null,
                hours.map((x) =>
                  h(
                    'tr',
                    { 'data-key': x.hour },
                    h(
                      'th',
                      { scope: 'row' },
                      `${formatHour(ctx.lang, x.hour)}–${formatHour(ctx.lang, new Date(Date.parse(x.hour) + HOUR_MS).toISOString())}`,
                    ),
                    h('td', { class: 'num' }, formatNumber(ctx.lang, x.reported)),
                    h(
                      'td',
                      { class: 'num' },
                      `${formatNumber(ctx.lang, x.cumulative)} (${formatPercent(ctx.lang, x.cumulative, p.tpsTotal)})`,
                    ),
                  ),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}
