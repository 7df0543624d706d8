// The signal map page (/peta/, issue 14): the TPS of the election's kabupaten (or of one
// kecamatan, `#/16.08.01`) by connectivity class from GET /api/v1/connectivity/{code}, with the
// counts, a list of the blank-spot TPS, and a panel with one TPS's class and sending point. The
// map (MapLibre, map.ts) is a chunk of its own, loaded at once on wide screens and on the press of
// "Tampilkan peta" on narrow ones: the list and the panel say everything the map shows, so the page
// is usable without it (keyboard, screen reader, a browser without WebGL).
import { getJson, MetaSchema, metaUrl, BALLOT } from '../portal/api.ts';
import { formatMoment, formatNumber } from '../portal/format.ts';
import { WIDE_SCREEN } from '../portal/map-loader.ts';
import {
  ConnectivityMapSchema,
  type ConnectivityClassName,
  type ConnectivityMap,
  type TpsConnectivity,
} from '../../contract/connectivity.ts';
import { GeoIndexSchema, RegionGeoSchema, type RegionGeo } from '../../contract/geo.ts';
import { parseRegionCode } from '../../core/codes.ts';
import { mapStage } from '../shared/map-stage.ts';
import { h, patch, type Child } from '../shared/dom.ts';
import { otherLang, storedLang, type Lang } from '../shared/i18n.ts';
import {
  CLASS_COLOURS,
  CLASS_ORDER,
  classWords,
  connectionWords,
  countsSummary,
  formatScore,
  formatTravel,
  sendingWords,
  t,
} from './words.ts';
// Types only: nothing of the chunk is bundled into the page.
import type { PetaMapHandle } from './map.ts';

/** Where the map chunk is served (src/web/assets.ts). */
export const PETA_MAP_URL = '/peta/peta-map.js';

type MapModule = typeof import('./map.ts');
type ListFilter = 'none' | 'noneWeak' | 'all';
type MapState = 'idle' | 'loading' | 'ready' | 'failed';
type Region = { code: string; name: string };

const language = storedLang('rekap.lang');
const lang = (): Lang => language.get();

const state = {
  demo: false,
  electionName: '',
  kabupaten: null as Region | null,
  kecamatan: [] as Region[],
  /** The region shown: the kabupaten or one of its kecamatan. */
  region: '',
  data: null as ConnectivityMap | null,
  problem: null as 'not-found' | 'failed' | 'no-region' | null,
  selected: null as string | null,
  listFilter: 'none' as ListFilter,
  map: 'idle' as MapState,
};

let handle: PetaMapHandle | null = null;
let kabupatenGeo: RegionGeo | null = null;
/** Each kecamatan's desa polygons, read when the map starts. */
const desaGeo = new Map<string, RegionGeo>();

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the map page lacks #${id}`);
  return el;
};

// ---- the page's parts, built once and patched ----

const parts = {
  head: h('div', { class: 'heading' }),
  notice: h('div', { role: 'status', 'aria-live': 'polite' }),
  controls: h('div', { class: 'card peta-controls' }),
  mapCard: h('section', {
    class: 'card peta-map-card',
    'aria-labelledby': 'peta-map-title',
    'data-testid': 'peta-map-card',
  }),
  stage: h('div', { class: 'map-stage' }),
  // The drawing says nothing the list and the panel do not, and takes no focus.
  box: h('div', { class: 'map-box peta-map-box', 'aria-hidden': 'true', 'data-testid': 'map-box' }),
  panel: h('section', {
    id: 'panel',
    class: 'card peta-panel',
    role: 'region',
    'aria-live': 'polite',
    'aria-labelledby': 'panel-title',
    'data-testid': 'tps-panel',
  }),
  list: h('section', {
    class: 'card peta-list',
    'aria-labelledby': 'list-title',
    'data-testid': 'tps-list',
  }),
  downloads: h('section', { class: 'card peta-downloads', 'aria-labelledby': 'downloads-title' }),
};

function mount(): void {
  patch($('view'), [
    parts.head,
    parts.notice,
    parts.controls,
    h(
      'div',
      { class: 'peta-layout' },
      parts.mapCard,
      h('div', { class: 'peta-side' }, parts.panel, parts.list),
    ),
    parts.downloads,
  ]);
}

// ---- rendering ----

const currentName = (): string =>
  state.kecamatan.find((k) => k.code === state.region)?.name ?? state.kabupaten?.name ?? '';

function renderShell(): void {
  const l = lang();
  document.documentElement.lang = l;
  $('skip').textContent = t(l, 'skipToContent');
  const demo = $('demo');
  demo.hidden = !state.demo;
  patch(demo, [h('strong', null, t(l, 'demoTag')), ' ', t(l, 'demoBanner')]);
  patch($('election'), [state.electionName ? `${state.electionName} · ` : '', t(l, 'pageTitle')]);
  const button = $('lang');
  button.textContent = t(l, 'switchLang');
  button.setAttribute('aria-label', t(l, 'switchLangLabel'));
  button.setAttribute('lang', otherLang(l));
  patch($('foot'), [
    h(
      'p',
      null,
      h('strong', null, 'Rekap'),
      ' · ',
      h('a', { href: '/' }, t(l, 'backToPortal')),
      ' · ',
      h('a', { href: '/api/openapi.json' }, 'API'),
    ),
    h('p', { class: 'small muted' }, t(l, 'mapSource')),
  ]);
  document.title = `${t(l, 'pageTitle')}${currentName() ? ` ${currentName()}` : ''} · Rekap`;
}

function renderHead(): void {
  const l = lang();
  patch(parts.head, [
    h('p', { class: 'eyebrow' }, t(l, 'eyebrow')),
    h(
      'h1',
      { id: 'view-title', tabindex: '-1' },
      t(l, 'pageTitle'),
      currentName() ? `: ${currentName()}` : '',
    ),
    h('p', { class: 'status-line muted' }, t(l, 'intro')),
  ]);
  let notice: Child = null;
  if (state.problem === 'no-region') notice = t(l, 'noRegion');
  else if (state.problem === 'not-found') notice = t(l, 'notFound');
  else if (state.problem === 'failed') notice = t(l, 'loadFailed');
  else if (!state.data) notice = t(l, 'loading');
  patch(parts.notice, notice ? [h('p', { class: 'callout warn' }, notice)] : []);
}

function renderControls(): void {
  const l = lang();
  const select = h(
    'select',
    { id: 'kecamatan', 'data-testid': 'kecamatan-filter' },
    h(
      'option',
      { value: state.kabupaten?.code ?? '', selected: state.region === state.kabupaten?.code },
      t(l, 'filterAll'),
    ),
    state.kecamatan.map((k) =>
      h('option', { value: k.code, selected: state.region === k.code }, k.name),
    ),
  );
  patch(parts.controls, [
    h(
      'div',
      { class: 'peta-filter' },
      h('label', { for: 'kecamatan' }, t(l, 'filterLabel')),
      select,
    ),
    h(
      'p',
      { class: 'peta-summary', 'data-testid': 'summary' },
      h('span', { class: 'sr-only' }, `${t(l, 'summaryLabel')}: `),
      state.data ? countsSummary(l, state.data.counts) : '',
    ),
  ]);
  // The selection, whatever the user did with the element before.
  const live = parts.controls.querySelector('select');
  if (live) live.value = state.region;
}

function swatch(c: ConnectivityClassName): HTMLElement {
  return h('span', {
    class: `peta-dot peta-dot-${c}`,
    'aria-hidden': 'true',
    style: `background:${CLASS_COLOURS[c]}`,
  });
}

function renderMapCard(): void {
  const l = lang();
  const stage = mapStage(state.map, parts.box, {
    show: t(l, 'mapShow'),
    loading: t(l, 'mapLoading'),
    failed: t(l, 'mapFailed'),
  });
  patch(parts.stage, stage);
  patch(parts.mapCard, [
    h('h2', { id: 'peta-map-title', class: 'card-title' }, t(l, 'mapTitle')),
    parts.stage,
    h(
      'div',
      { class: 'map-legend', 'data-testid': 'map-legend' },
      h('h3', { class: 'sr-only' }, t(l, 'legendTitle')),
      h(
        'ul',
        { class: 'map-keys' },
        CLASS_ORDER.map((c) => h('li', null, swatch(c), classWords(l, c))),
        h(
          'li',
          null,
          h('span', { class: 'peta-dot peta-dot-sending', 'aria-hidden': 'true' }),
          t(l, 'legendSending'),
        ),
      ),
      h('p', { class: 'small muted' }, t(l, 'legendLine')),
      h(
        'p',
        { class: 'map-scale small muted' },
        h('span', { class: 'peta-scale-bar', 'aria-hidden': 'true' }),
        t(l, 'legendShade'),
      ),
    ),
    h('p', { class: 'small muted map-note' }, t(l, 'mapHint')),
  ]);
}

const byCode = (code: string | null): TpsConnectivity | undefined =>
  code ? state.data?.features.find((f) => f.properties.tps === code)?.properties : undefined;

function field(label: string, value: Child, key: string): Child[] {
  return [h('dt', null, label), h('dd', { 'data-field': key }, value)];
}

function lastObservationWords(l: Lang, p: TpsConnectivity): string {
  const o = p.lastObservation;
  if (!o) return t(l, 'noObservation');
  const bits = [
    formatMoment(l, o.at),
    connectionWords(l, o.connection),
    o.ok ? t(l, 'lastOk') : t(l, 'lastFailed'),
    o.rttMs !== null ? t(l, 'rtt', { ms: formatNumber(l, Math.round(o.rttMs)) }) : null,
    o.uploadKbps !== null
      ? t(l, 'upload', { kbps: formatNumber(l, Math.round(o.uploadKbps)) })
      : null,
    o.signalDbm !== null ? t(l, 'signal', { dbm: formatNumber(l, o.signalDbm) }) : null,
    t(l, `source_${o.source}`),
  ];
  return bits.filter((b): b is string => b !== null).join(' · ');
}

function sendingField(l: Lang, p: TpsConnectivity): Child {
  const s = p.sendingPoint;
  if (!s)
    return p.class === 'none' || p.class === 'weak'
      ? t(l, 'sendingNone')
      : t(l, 'sendingNotNeeded');
  return [
    h('strong', { 'data-testid': 'sending-words' }, sendingWords(l, s)),
    h('span', { class: 'block' }, t(l, 'travel', { time: formatTravel(l, s.travelMinutes) })),
    h(
      'span',
      { class: 'block small muted' },
      t(l, 'measured', { tps: s.measuredBy, at: formatMoment(l, s.measuredAt) }),
      ` · ${connectionWords(l, s.connection)}`,
    ),
  ];
}

function renderPanel(): void {
  const l = lang();
  const p = byCode(state.selected);
  if (!p) {
    patch(parts.panel, [
      h('h2', { id: 'panel-title', class: 'card-title', tabindex: '-1' }, t(l, 'panelTitle')),
      h('p', { class: 'muted small' }, t(l, 'panelEmpty')),
    ]);
    return;
  }
  const up = p.upload;
  const uploadWords = up.sent
    ? up.receivedAt
      ? t(l, 'uploadSent', { at: formatMoment(l, up.receivedAt) })
      : t(l, 'uploadSentNoTime')
    : t(l, 'uploadNotSent');
  patch(parts.panel, [
    h(
      'div',
      { class: 'peta-panel-head' },
      h(
        'h2',
        { id: 'panel-title', class: 'card-title', tabindex: '-1', 'data-key': p.tps },
        `${p.name} `,
        h('span', { class: 'code small muted' }, p.tps),
      ),
      h(
        'button',
        { type: 'button', class: 'peta-close', 'data-testid': 'panel-close' },
        t(l, 'panelClose'),
      ),
    ),
    h(
      'p',
      { class: `peta-class peta-class-${p.class}`, 'data-testid': 'panel-class' },
      swatch(p.class),
      classWords(l, p.class),
    ),
    h(
      'dl',
      { class: 'peta-fields' },
      field(t(l, 'fieldDesa'), p.desa, 'desa'),
      field(t(l, 'fieldScore'), formatScore(l, p.score), 'score'),
      field(t(l, 'fieldObservations'), formatNumber(l, p.observations), 'observations'),
      field(t(l, 'fieldLast'), lastObservationWords(l, p), 'last'),
      field(t(l, 'fieldSending'), sendingField(l, p), 'sending'),
      field(t(l, 'fieldUpload'), uploadWords, 'upload'),
      field(
        t(l, 'fieldPosition'),
        p.positionSource ? t(l, `position_${p.positionSource}`) : t(l, 'positionUnknown'),
        'position',
      ),
    ),
  ]);
}

/** A pause between a row's lines for a screen reader (the lines are blocks on screen). */
const comma = () => h('span', { class: 'sr-only' }, ', ');

/** A row's last line: its class, and for a blank spot or a weak one where to send from. */
function rowWords(l: Lang, p: TpsConnectivity): string {
  if (p.class !== 'none' && p.class !== 'weak') return classWords(l, p.class);
  const where = p.sendingPoint ? sendingWords(l, p.sendingPoint) : t(l, 'noSendingPoint');
  return `${classWords(l, p.class)} · ${where}`;
}

const LIST_CLASSES: Record<ListFilter, readonly ConnectivityClassName[]> = {
  none: ['none'],
  noneWeak: ['none', 'weak'],
  all: CLASS_ORDER,
};

function renderList(): void {
  const l = lang();
  const wanted = LIST_CLASSES[state.listFilter];
  const rows = (state.data?.features ?? [])
    .map((f) => f.properties)
    .filter((p) => wanted.includes(p.class))
    .sort(
      (a, b) =>
        CLASS_ORDER.indexOf(a.class) - CLASS_ORDER.indexOf(b.class) || (a.tps < b.tps ? -1 : 1),
    );
  const option = (value: ListFilter, key: 'listNone' | 'listNoneWeak' | 'listAll') =>
    h('option', { value, selected: state.listFilter === value }, t(l, key));
  patch(parts.list, [
    h(
      'div',
      { class: 'peta-list-head' },
      h('h2', { id: 'list-title', class: 'card-title' }, t(l, 'listTitle')),
      h(
        'div',
        { class: 'peta-filter' },
        h('label', { for: 'list-filter' }, t(l, 'listFilterLabel')),
        h(
          'select',
          { id: 'list-filter', 'data-testid': 'list-filter' },
          option('none', 'listNone'),
          option('noneWeak', 'listNoneWeak'),
          option('all', 'listAll'),
        ),
      ),
    ),
    h(
      'p',
      { class: 'small muted', 'data-testid': 'list-count' },
      t(l, 'listCount', { n: formatNumber(l, rows.length) }),
    ),
    rows.length === 0
      ? h('p', { class: 'muted' }, t(l, 'listEmpty'))
      : h(
          'ul',
          { class: 'peta-rows' },
          rows.map((p) =>
            h(
              'li',
              { 'data-key': p.tps },
              h(
                'button',
                {
                  type: 'button',
                  class: 'peta-row',
                  'data-tps': p.tps,
                  'aria-pressed': String(state.selected === p.tps),
                },
                swatch(p.class),
                h(
                  'span',
                  { class: 'peta-row-text' },
                  h('span', { class: 'code' }, p.tps, comma()),
                  h('span', { class: 'peta-row-desa' }, p.desa, comma()),
                  h('span', { class: 'peta-row-sending small' }, rowWords(l, p)),
                ),
              ),
            ),
          ),
        ),
  ]);
  const live = parts.list.querySelector<HTMLSelectElement>('#list-filter');
  if (live) live.value = state.listFilter;
}

function renderDownloads(): void {
  const l = lang();
  const code = encodeURIComponent(state.region);
  const base = `/api/v1/connectivity/${code}/plan`;
  const exact = state.data?.exact === true;
  const synthetic =
    state.demo ||
    (state.data?.features ?? []).some((f) => f.properties.positionSource === 'synthetic');
  patch(parts.downloads, [
    h('h2', { id: 'downloads-title', class: 'card-title' }, t(l, 'downloadsTitle')),
    h('p', { class: 'small' }, t(l, 'downloadsIntro')),
    h(
      'ul',
      { class: 'peta-downloads-list' },
      h(
        'li',
        null,
        h('a', { href: `${base}.csv`, 'data-testid': 'plan-csv' }, t(l, 'downloadCsv')),
      ),
      h(
        'li',
        null,
        h('a', { href: `${base}.geojson`, 'data-testid': 'plan-geojson' }, t(l, 'downloadGeojson')),
      ),
      h(
        'li',
        null,
        h('a', { href: `${base}.pdf`, 'data-testid': 'plan-pdf' }, t(l, 'downloadPdf')),
      ),
    ),
    h(
      'p',
      { class: 'note', 'data-testid': 'rounding-note' },
      exact ? t(l, 'roundedExact') : t(l, 'roundedNote'),
    ),
    synthetic
      ? h('p', { class: 'note', 'data-testid': 'synthetic-note' }, t(l, 'syntheticNote'))
      : null,
    state.data
      ? h(
          'p',
          { class: 'note' },
          t(l, 'generatedAt', { at: formatMoment(l, state.data.generatedAt) }),
        )
      : null,
    h(
      'p',
      { class: 'small' },
      h(
        'a',
        { href: `/#/wilayah/${state.region || ''}`, 'data-testid': 'back-to-portal' },
        t(l, 'backToPortal'),
      ),
    ),
  ]);
}

function renderAll(): void {
  renderShell();
  renderHead();
  renderControls();
  renderMapCard();
  renderPanel();
  renderList();
  renderDownloads();
}

// ---- the map ----

let chunk: Promise<MapModule> | null = null;

function loadChunk(): Promise<MapModule> {
  const url = PETA_MAP_URL;
  chunk ??= import(/* a URL, not a module path: the chunk is bundled on its own */ url).catch(
    (e: unknown) => {
      chunk = null;
      throw e;
    },
  ) as Promise<MapModule>;
  return chunk;
}

/** The bounding box of the region shown: its desa's, or the kabupaten's. */
function regionBbox(): [number, number, number, number] | null {
  return desaGeo.get(state.region)?.bbox ?? kabupatenGeo?.bbox ?? null;
}

async function startMap(): Promise<void> {
  if (state.map !== 'idle' && state.map !== 'failed') return;
  if (!kabupatenGeo) return;
  state.map = 'loading';
  renderMapCard();
  try {
    const [mod] = await Promise.all([
      loadChunk(),
      ...state.kecamatan.map(async (k) => {
        if (desaGeo.has(k.code)) return;
        const g = await getJson(
          `/api/v1/geo/${encodeURIComponent(k.code)}.geojson`,
          RegionGeoSchema,
        );
        if (g.ok) desaGeo.set(k.code, g.value.value);
      }),
    ]);
    const bbox = regionBbox();
    if (!bbox) throw new Error('no polygons for the region');
    const desa = [...desaGeo.values()].flatMap((g) => g.features);
    handle = await mod.createPetaMap(parts.box, bbox, {
      desa,
      onPick: (code) => select(code, false),
    });
  } catch {
    handle?.remove();
    handle = null;
    state.map = 'failed';
    renderMapCard();
    return;
  }
  state.map = 'ready';
  renderMapCard();
  drawData();
}

function drawData(): void {
  if (!handle || !state.data) return;
  handle.show(state.data);
  const bbox = regionBbox();
  if (bbox) handle.fit(bbox);
  handle.select(state.selected);
}

// ---- selection and loading ----

function select(code: string | null, focus: boolean): void {
  state.selected = code;
  renderPanel();
  renderList();
  handle?.select(code);
  if (code) {
    if (focus) document.getElementById('panel-title')?.focus();
    else parts.panel.scrollIntoView({ block: 'nearest' });
  }
}

/** `#/16.08.01`: a kecamatan of the kabupaten; anything else the kabupaten. */
function regionFromHash(): string {
  const code = parseRegionCode(location.hash.replace(/^#\/?/, '').replace(/\/$/, ''));
  const kab = state.kabupaten?.code ?? '';
  return code && state.kecamatan.some((k) => k.code === code) ? code : kab;
}

let seq = 0;

async function loadRegion(): Promise<void> {
  const mine = ++seq;
  state.region = regionFromHash();
  state.data = null;
  state.problem = null;
  renderAll();
  const res = await getJson(
    `/api/v1/connectivity/${encodeURIComponent(state.region)}?ballot=${BALLOT}`,
    ConnectivityMapSchema,
  );
  if (mine !== seq) return;
  if (res.ok) {
    state.data = res.value.value;
    if (!byCode(state.selected)) state.selected = null;
  } else state.problem = res.error.notFound ? 'not-found' : 'failed';
  renderAll();
  drawData();
}

async function loadMeta(): Promise<void> {
  const res = await getJson(metaUrl(), MetaSchema);
  if (!res.ok) return;
  state.demo = res.value.value.election?.demo ?? false;
  state.electionName = res.value.value.election?.name ?? '';
  renderShell();
  renderDownloads();
}

/** The kabupaten with polygons (GET /api/v1/geo), its name and its kecamatan. */
async function loadRegions(): Promise<boolean> {
  const index = await getJson('/api/v1/geo', GeoIndexSchema);
  const kab = index.ok
    ? index.value.value.regions.find((c) => /^\d{2}\.\d{2}$/.test(c))
    : undefined;
  if (!kab) return false;
  const [own, parent] = await Promise.all([
    getJson(`/api/v1/geo/${kab}.geojson`, RegionGeoSchema),
    getJson(`/api/v1/geo/${kab.slice(0, 2)}.geojson`, RegionGeoSchema),
  ]);
  if (!own.ok) return false;
  kabupatenGeo = own.value.value;
  const name = parent.ok
    ? parent.value.value.features.find((f) => f.properties.code === kab)?.properties.name
    : undefined;
  state.kabupaten = { code: kab, name: name ?? kab };
  state.kecamatan = kabupatenGeo.features
    .map((f) => ({ code: f.properties.code, name: f.properties.name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'id'));
  return true;
}

// ---- start ----

function onClick(ev: Event): void {
  const target = ev.target instanceof Element ? ev.target.closest('button') : null;
  if (!target) return;
  const tps = target.getAttribute('data-tps');
  if (tps) select(tps, true);
  else if (target.classList.contains('map-show')) void startMap();
  else if (target.classList.contains('peta-close')) {
    const was = state.selected;
    select(null, false);
    if (was) parts.list.querySelector<HTMLElement>(`[data-tps="${was}"]`)?.focus();
  }
}

function onChange(ev: Event): void {
  const target = ev.target;
  if (!(target instanceof HTMLSelectElement)) return;
  if (target.id === 'kecamatan') {
    const code = target.value;
    location.hash = code && code !== state.kabupaten?.code ? `#/${code}` : '#/';
  } else if (target.id === 'list-filter') {
    const v = target.value;
    if (v === 'none' || v === 'noneWeak' || v === 'all') {
      state.listFilter = v;
      renderList();
    }
  }
}

async function start(): Promise<void> {
  mount();
  $('lang').addEventListener('click', () => {
    language.set(otherLang(language.get()));
    renderAll();
  });
  $('skip').addEventListener('click', (e) => {
    e.preventDefault();
    $('main').focus();
  });
  document.addEventListener('click', onClick);
  document.addEventListener('change', onChange);
  void loadMeta();
  renderAll();
  if (!(await loadRegions())) {
    state.problem = 'no-region';
    renderAll();
    return;
  }
  window.addEventListener('hashchange', () => void loadRegion());
  const mql = window.matchMedia(WIDE_SCREEN);
  mql.addEventListener('change', (e) => {
    if (e.matches && state.map === 'idle') void startMap();
  });
  await loadRegion();
  if (mql.matches) void startMap();
}

void start();
