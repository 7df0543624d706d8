// The map panel of a region page, beside the table (region-view.ts places it). MapLibre GL (about
// 225 KB compressed, more than the page's whole 200 KB budget) is in its own chunk, map.ts, loaded
// only when the map is wanted: at once on screens 900 px wide or more, on the press of "Tampilkan
// peta" on narrower ones. Until then, and wherever it cannot run, the panel is a button, a legend
// or a line of text; the table and every number never wait for it. The polygons come from
// /api/v1/geo (geometry only, cached for an hour); their colours come from the region's recap that
// the page has already read, so a refresh of the numbers recolours the map without fetching it.
//
// The panel's element lives across the page's refreshes: the view is rebuilt every time, and
// mapPanel hands it the same element for the same region, which the DOM patch (shared/dom.ts)
// leaves as it is, MapLibre's canvas included.
import { getJson, type PairInfo, type RegionResult } from './api.ts';
import { GeoIndexSchema, RegionGeoSchema, type RegionGeo } from '../../contract/geo.ts';
import { mapStage } from '../shared/map-stage.ts';
import { h, patch, type Child } from '../shared/dom.ts';
import { dateLocale, translate, type Lang } from '../shared/i18n.ts';
import { MAP_STRINGS, type MapStringKey } from './map-strings.ts';
import { placeHref } from './routes.ts';
import { pairNo, pairsOf, type Ctx } from './view-parts.ts';
// Types only: nothing of the chunk is bundled into the page.
import type { MapHandle, Shade } from './map.ts';

/** Where the map chunk is served (src/web/map-assets.ts). */
export const MAP_CHUNK_URL = '/portal-map.js';
/** From this width the map loads with the page; below it, on the press of a button. */
export const WIDE_SCREEN = '(min-width: 900px)';

type MapModule = typeof import('./map.ts');
type Mode = 'leading' | 'progress';
type PanelState = 'checking' | 'none' | 'idle' | 'loading' | 'ready' | 'failed';

type Panel = {
  code: string;
  el: HTMLElement;
  stage: HTMLElement;
  box: HTMLElement;
  state: PanelState;
  mode: Mode;
  result: RegionResult;
  ctx: Ctx;
  handle: MapHandle | null;
};

const LEVELS_WITH_MAP = new Set(['provinsi', 'kabupaten', 'kecamatan']);

let current: Panel | null = null;
let geoIndex: Promise<Set<string> | null> | null = null;
let chunk: Promise<MapModule> | null = null;

const s = (lang: Lang, key: MapStringKey, vars?: Record<string, string | number>) =>
  translate(MAP_STRINGS, lang, key, vars);

/** The regions with polygons (GET /api/v1/geo), asked once; null when it cannot be read. */
function regionsWithMap(): Promise<Set<string> | null> {
  geoIndex ??= getJson('/api/v1/geo', GeoIndexSchema).then((r) =>
    r.ok ? new Set(r.value.value.regions) : null,
  );
  return geoIndex;
}

function loadChunk(): Promise<MapModule> {
  const url = MAP_CHUNK_URL;
  chunk ??= import(/* a URL, not a module path: the chunk is bundled on its own */ url).catch(
    (e: unknown) => {
      chunk = null;
      throw e;
    },
  ) as Promise<MapModule>;
  return chunk;
}

const wide = () => window.matchMedia(WIDE_SCREEN).matches;

function cssColour(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

const PAIR_FALLBACK = ['#2b6cb0', '#c77a12', '#2f8f63', '#7a4fb0'];
const pairColour = (n: number) =>
  cssColour(`--pair-${n}`, PAIR_FALLBACK[(n - 1) % PAIR_FALLBACK.length] ?? '#555');
const EMPTY = '#c9d1d9';
const PROGRESS_FILL = '#0f3d3e';

const pairLabel = (p: PairInfo) =>
  p.names.length > 0 ? `${pairNo(p.number)} ${p.names.join(' – ')}` : pairNo(p.number);

/** The leading pair of some totals, or null when nothing is counted. */
function leader(votes: Record<string, number>, valid: number, pairs: PairInfo[]) {
  if (valid <= 0) return null;
  let best: { pair: PairInfo; votes: number } | null = null;
  for (const pair of pairs) {
    const v = votes[String(pair.number)] ?? 0;
    if (!best || v > best.votes) best = { pair, votes: v };
  }
  return best && best.votes > 0 ? { ...best, share: best.votes / valid } : null;
}

/** The fill of each child region, from the recap the page shows. */
function shadesOf(p: Panel): Record<string, Shade> {
  const { ctx, result: r } = p;
  const pct = new Intl.NumberFormat(dateLocale(ctx.lang), {
    style: 'percent',
    maximumFractionDigits: 1,
  });
  const pairs = pairsOf(ctx, r.totals.votes);
  const out: Record<string, Shade> = {};
  for (const c of r.children) {
    if (p.mode === 'progress') {
      const share = c.progress.tpsTotal > 0 ? c.progress.tpsReported / c.progress.tpsTotal : 0;
      out[c.code] = {
        fill: PROGRESS_FILL,
        opacity: 0.08 + 0.82 * share,
        tip: `${c.name}: ${pct.format(share)} ${s(ctx.lang, 'mapProgressScale').toLowerCase()}`,
      };
      continue;
    }
    const lead = leader(c.totals.votes, c.totals.valid, pairs);
    if (!lead) {
      out[c.code] = { fill: EMPTY, opacity: 0.7, tip: `${c.name}: ${s(ctx.lang, 'mapNoResults')}` };
      continue;
    }
    // Strength from an even split (1 / pairs) to all the votes.
    const even = pairs.length > 0 ? 1 / pairs.length : 0;
    const strength = Math.max(0, Math.min(1, (lead.share - even) / (1 - even || 1)));
    out[c.code] = {
      fill: pairColour(lead.pair.number),
      opacity: 0.3 + 0.65 * strength,
      tip: `${c.name}: ${pairNo(lead.pair.number)} ${pct.format(lead.share)}`,
    };
  }
  return out;
}

function legend(p: Panel): Child {
  const { lang } = p.ctx;
  const swatch = (colour: string, opacity = 1) =>
    h('span', {
      class: 'map-swatch',
      'aria-hidden': 'true',
      style: `background:${colour};opacity:${opacity.toFixed(2)}`,
    });
  if (p.mode === 'progress')
    return h(
      'div',
      { class: 'map-legend', 'data-testid': 'map-legend' },
      h('p', { class: 'small' }, s(lang, 'mapProgressScale')),
      h(
        'p',
        { class: 'map-scale small', 'aria-hidden': 'true' },
        h('span', null, '0%'),
        h('span', { class: 'map-scale-bar' }),
        h('span', null, '100%'),
      ),
    );
  const pairs = pairsOf(p.ctx, p.result.totals.votes);
  return h(
    'div',
    { class: 'map-legend', 'data-testid': 'map-legend' },
    h(
      'ul',
      { class: 'map-keys' },
      pairs.map((pair) =>
        h(
          'li',
          null,
          swatch(pairColour(pair.number)),
          s(lang, 'mapLeads', { pair: pairLabel(pair) }),
        ),
      ),
      h('li', null, swatch(EMPTY, 0.7), s(lang, 'mapNoResults')),
    ),
    h('p', { class: 'small muted' }, s(lang, 'mapShade')),
  );
}

function childLevel(r: RegionResult): string {
  return r.children[0]?.level ?? 'desa';
}

async function start(p: Panel): Promise<void> {
  if (p.state !== 'idle' && p.state !== 'failed') return;
  p.state = 'loading';
  render(p);
  const geo = getJson(`/api/v1/geo/${encodeURIComponent(p.code)}.geojson`, RegionGeoSchema);
  let mod: MapModule;
  let shape: RegionGeo;
  try {
    mod = await loadChunk();
    const g = await geo;
    if (!g.ok) throw new Error(g.error.message);
    shape = g.value.value;
  } catch {
    if (p === current) fail(p);
    return;
  }
  if (p !== current) return;
  try {
    p.handle = await mod.createMap(p.box, shape, {
      shades: shadesOf(p),
      onPick: (code) => {
        location.hash = placeHref(code, childLevel(p.result));
      },
    });
  } catch {
    if (p === current) fail(p);
    return;
  }
  if (p !== current) {
    p.handle.remove();
    return;
  }
  p.state = 'ready';
  render(p);
}

function fail(p: Panel): void {
  p.handle?.remove();
  p.handle = null;
  p.state = 'failed';
  render(p);
}

function create(r: RegionResult, ctx: Ctx): Panel {
  const el = h('section', {
    class: 'card map-card',
    'data-key': `map-${r.code}`,
    'data-testid': 'map-panel',
    'aria-labelledby': 'map-title',
    hidden: true,
  });
  const stage = h('div', { class: 'map-stage' });
  // The drawing itself says nothing a screen reader needs (the table holds every number) and
  // takes no focus; the legend and the button are ordinary page text.
  const box = h('div', { class: 'map-box', 'aria-hidden': 'true', 'data-testid': 'map-box' });
  const p: Panel = {
    code: r.code,
    el,
    stage,
    box,
    state: 'checking',
    mode: 'leading',
    result: r,
    ctx,
    handle: null,
  };
  void regionsWithMap().then((codes) => {
    if (p.state !== 'checking') return;
    p.state = codes?.has(p.code) ? 'idle' : 'none';
    render(p);
    if (p.state === 'idle' && wide() && p === current) void start(p);
  });
  return p;
}

function render(p: Panel): void {
  const { lang } = p.ctx;
  p.el.hidden = p.state === 'checking' || p.state === 'none';
  if (p.state === 'checking' || p.state === 'none') return;
  const modeButton = (mode: Mode, key: MapStringKey) =>
    h(
      'button',
      {
        type: 'button',
        class: 'map-mode',
        'aria-pressed': String(p.mode === mode),
        'data-mode': mode,
      },
      s(lang, key),
    );
  const stage = mapStage(p.state, p.box, {
    show: s(lang, 'mapShow'),
    loading: s(lang, 'mapLoading'),
    failed: s(lang, 'mapFailed'),
  });
  patch(p.stage, stage);
  const shown = p.state === 'ready' || p.state === 'loading';
  patch(p.el, [
    h(
      'div',
      { class: 'map-head' },
      h('h2', { id: 'map-title', class: 'card-title' }, s(lang, 'mapTitle')),
      shown
        ? h(
            'div',
            { class: 'map-modes', role: 'group', 'aria-label': s(lang, 'mapModeLabel') },
            modeButton('leading', 'mapModeLeading'),
            modeButton('progress', 'mapModeProgress'),
          )
        : null,
    ),
    p.stage,
    shown ? legend(p) : null,
    h('p', { class: 'small muted map-note' }, s(lang, 'mapHint'), ' ', s(lang, 'mapSource')),
  ]);
  p.handle?.setShades(shadesOf(p));
}

/** One listener for the panel's buttons (patch rebuilds them, so none is bound to a button). */
function onClick(ev: Event): void {
  const p = current;
  const target = ev.target instanceof Element ? ev.target.closest('button') : null;
  if (!p || !target || !p.el.contains(target)) return;
  if (target.classList.contains('map-show')) void start(p);
  const mode = target.getAttribute('data-mode');
  if ((mode === 'leading' || mode === 'progress') && mode !== p.mode) {
    p.mode = mode;
    render(p);
  }
}

let listening = false;

/**
 * The map panel for region page `r`, or null for a level without one (a desa: its TPS have no
 * polygons). The same element for the same region, however often the page is rebuilt.
 */
export function mapPanel(ctx: Ctx, r: RegionResult): HTMLElement | null {
  if (!LEVELS_WITH_MAP.has(r.level)) return null;
  if (!listening) {
    listening = true;
    document.addEventListener('click', onClick);
    // A narrow window made wide: the map it would have had at that width.
    window.matchMedia(WIDE_SCREEN).addEventListener('change', (e) => {
      if (e.matches && current?.state === 'idle') void start(current);
    });
  }
  if (current?.code !== r.code) {
    current?.handle?.remove();
    current = create(r, ctx);
  }
  current.result = r;
  current.ctx = ctx;
  render(current);
  return current.el;
}
