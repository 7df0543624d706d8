// What every portal view is made of: the context it is built in (language, the contest's pairs),
// the lookup of the portal's strings, and the small pieces the region and TPS views share (bars,
// breadcrumbs, the heading, a TPS status badge), plus the one-line message view.
import type { PairInfo, PlaceRef, TpsStatus } from './api.ts';
import { h, type Child } from '../shared/dom.ts';
import { translate, type Lang } from '../shared/i18n.ts';
import { placeHref, regionHref } from './routes.ts';
import { PORTAL_STRINGS, type StringKey } from './strings.ts';

export type Ctx = {
  lang: Lang;
  pairs: PairInfo[];
};

export const t = (ctx: Ctx, key: StringKey, vars?: Record<string, string | number>) =>
  translate(PORTAL_STRINGS, ctx.lang, key, vars);

export const levelLabel = (ctx: Ctx, level: string): string => {
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

export const pairNo = (n: number | string) => String(n).padStart(2, '0');

/** The pairs to show: from /meta, or (if that failed) whatever keys the votes carry. */
export function pairsOf(ctx: Ctx, votes: Record<string, number>): PairInfo[] {
  if (ctx.pairs.length > 0) return ctx.pairs;
  return Object.keys(votes)
    .map(Number)
    .filter((n) => Number.isInteger(n))
    .sort((a, b) => a - b)
    .map((n) => ({ number: n, names: [] }));
}

export function bar(share: number, label: string | null, cls = ''): HTMLElement {
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

export function breadcrumbs(ctx: Ctx, parents: PlaceRef[], here: PlaceRef): HTMLElement | null {
  if (parents.length === 0) return null;
  const items = parents.map((p) =>
    h('li', null, h('a', { href: placeHref(p.code, p.level) }, placeName(ctx, p))),
  );
  items.push(h('li', { 'aria-current': 'page' }, placeName(ctx, here)));
  return h('nav', { class: 'crumbs', 'aria-label': t(ctx, 'breadcrumb') }, h('ol', null, items));
}

export function heading(ctx: Ctx, place: PlaceRef, extra: Child = null): HTMLElement {
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

export function statusBadge(ctx: Ctx, status: TpsStatus): HTMLElement {
  return h('span', { class: `badge status-${status}` }, t(ctx, `status_${status}`));
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
