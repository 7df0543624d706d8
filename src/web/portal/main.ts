// The public portal: drill down from the nation to one TPS, following the URL hash, and keep the
// current view fresh while results come in (live.ts: re-read by ETag when the server says so).
import {
  getJson,
  MetaSchema,
  metaUrl,
  RegionResultSchema,
  regionUrl,
  TpsResultSchema,
  tpsUrl,
  type Meta,
  type ReadFailure,
  type RegionResult,
  type TpsResult,
} from './api.ts';
import { ChainHeadSchema, type ChainHeadBody } from '../../contract/recap.ts';
import { mapResult, type Result } from '../../core/result.ts';
import { h, patch, type Child } from '../shared/dom.ts';
import { otherLang, storedLang, translate } from '../shared/i18n.ts';
import { parseRoute, type Route } from './routes.ts';
import { PORTAL_STRINGS, type StringKey } from './strings.ts';
import { loadRegionExtras, regionView, type RegionExtras } from './region-view.ts';
import { loadAnomaliesPage, regionIssuesView, type AnomaliesPage } from './anomalies-view.ts';
import { mountSearch, renderSearch } from './search-view.ts';
import { tpsView } from './tps-view.ts';
import { messageView, type Ctx } from './view-parts.ts';
import { startLive } from './live.ts';

const HEAD_URL = '/api/v1/audit/head';
const HEAD_POLL_MS = 60_000;

type Loaded =
  | { kind: 'region'; text: string; value: RegionResult; extras: RegionExtras | null }
  | { kind: 'anomalies'; text: string; value: AnomaliesPage }
  | { kind: 'tps'; text: string; value: TpsResult };

type State = {
  meta: Meta | null;
  route: Route;
  routeKey: string;
  data: Loaded | null;
  /** What went wrong with the last request for this route, if anything. */
  problem: 'not-found' | 'failed' | null;
  updatedAt: Date | null;
  /** The head of the event chain, as last published. */
  head: ChainHeadBody | null;
};

/** The reader's language, read when first asked (shared/i18n.ts). */
const language = storedLang('rekap.lang');

const state: State = {
  meta: null,
  route: parseRoute(location.hash),
  routeKey: location.hash,
  data: null,
  problem: null,
  updatedAt: null,
  head: null,
};

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`portal shell lacks #${id}`);
  return el;
};

const t = (key: StringKey, vars?: Record<string, string | number>) =>
  translate(PORTAL_STRINGS, language.get(), key, vars);

function ctx(): Ctx {
  const contest = state.meta?.contests.find((c) => c.ballot === 'ppwp');
  return { lang: language.get(), pairs: contest?.kind === 'pair' ? contest.pairs : [] };
}

// ---- rendering ----

function renderShell(): void {
  document.documentElement.lang = language.get();
  $('skip').textContent = t('skipToContent');
  renderSearch();
  const demo = $('demo');
  demo.hidden = !state.meta?.election?.demo;
  patch(demo, [h('strong', null, t('demoTag')), ' ', t('demoBanner').replace(/^DEMO:\s*/, '')]);
  const election = state.meta?.election;
  patch($('election'), election ? [election.name, ' · ', t('ballotPpwp')] : [t('ballotPpwp')]);
  const lang = $('lang');
  lang.textContent = t('switchLang');
  lang.setAttribute('aria-label', t('switchLangLabel'));
  lang.setAttribute('lang', otherLang(language.get()));
  patch($('foot'), [
    h(
      'p',
      null,
      h('strong', null, 'Rekap'),
      ' · ',
      t('footerSource'),
      ' · ',
      h('a', { href: '/api/openapi.json' }, t('footerApi')),
      ' · ',
      h('a', { href: '/api/docs', 'data-testid': 'api-docs' }, t('footerApiDocs')),
      ' · ',
      h('a', { href: '/peta/', 'data-testid': 'signal-map' }, t('footerSignalMap')),
    ),
    h('p', { class: 'small muted' }, t('tagline')),
    state.head && state.head.hash
      ? h(
          'p',
          { class: 'small muted', 'data-testid': 'chain-head' },
          h(
            'a',
            { href: '/api/v1/audit/head' },
            t('chainHead', { seq: String(state.head.seq), hash: state.head.hash.slice(0, 16) }),
          ),
        )
      : null,
  ]);
}

/**
 * The head of the event chain, published on every page and read again every minute: whoever
 * writes it down can later prove the record was not rewritten behind it (docs/recap.md).
 */
async function loadHead(): Promise<void> {
  const res = await getJson(HEAD_URL, ChainHeadSchema);
  if (res.ok && res.value.value.hash !== state.head?.hash) {
    state.head = res.value.value;
    renderShell();
  }
  setTimeout(() => void loadHead(), HEAD_POLL_MS);
}

function renderView(): void {
  const view = $('view');
  const c = ctx();
  let nodes: Child[];
  if (state.data?.kind === 'region') nodes = regionView(c, state.data.value, state.data.extras);
  else if (state.data?.kind === 'anomalies') nodes = regionIssuesView(c, state.data.value);
  else if (state.data?.kind === 'tps')
    nodes = tpsView(c, state.data.value, state.route.kind === 'tps' ? state.route.version : null);
  else if (state.problem === 'not-found') nodes = messageView(c, 'notFound', true);
  else if (state.problem === 'failed') nodes = messageView(c, 'loadFailed', false);
  else nodes = [h('p', { class: 'muted loading' }, t('loading'))];
  patch(view, nodes);
  const title = view.querySelector('h1')?.textContent;
  document.title = title ? `${title} · Rekap` : 'Rekap';
}

function renderStatus(): void {
  const offline = state.problem === 'failed' && state.data !== null;
  patch($('notice'), offline ? [h('p', { class: 'callout warn' }, t('offline'))] : []);
  live?.render($('updated'), state.updatedAt, state.problem === 'failed');
}

function renderAll(): void {
  renderShell();
  renderView();
  renderStatus();
}

// ---- loading ----

let seq = 0;
let inFlight: AbortController | null = null;
let live: ReturnType<typeof startLive> | undefined;
const scrollByRoute = new Map<string, number>();

async function loadMeta(): Promise<void> {
  const res = await getJson(metaUrl(), MetaSchema);
  if (!res.ok) return;
  state.meta = res.value.value;
  renderShell();
  if (state.data) renderView();
}

/** Loads the current route. A navigation renders from scratch; a refresh patches what changed. */
async function load(navigation: boolean): Promise<void> {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const mine = ++seq;
  const route = state.route;
  $('view').setAttribute('aria-busy', 'true');
  if (!state.meta) void loadMeta();
  let res: Result<Loaded, ReadFailure>;
  if (route.kind === 'region') {
    // The recap, and beside it the flagged TPS and the progress by hour (region-view.ts).
    const [main, extras] = await Promise.all([
      getJson(regionUrl(route.code), RegionResultSchema, controller.signal),
      loadRegionExtras(route.code, controller.signal),
    ]);
    res = mapResult(main, (r) => ({
      kind: 'region' as const,
      ...r,
      text: `${r.text}\n${extras.ok ? extras.value.text : ''}`,
      extras: extras.ok ? extras.value.value : null,
    }));
  } else if (route.kind === 'anomalies')
    res = mapResult(await loadAnomaliesPage(route.code, controller.signal), (r) => ({
      kind: 'anomalies' as const,
      ...r,
    }));
  else
    res = mapResult(await getJson(tpsUrl(route.code), TpsResultSchema, controller.signal), (r) => ({
      kind: 'tps' as const,
      ...r,
    }));
  if (mine !== seq) return; // a newer request took over
  inFlight = null;
  $('view').removeAttribute('aria-busy');
  if (res.ok) {
    const changed = navigation || state.data?.text !== res.value.text;
    state.data = res.value;
    state.problem = null;
    state.updatedAt = new Date();
    if (changed) renderView();
  } else if (res.error.notFound) {
    state.data = null;
    state.problem = 'not-found';
    renderView();
  } else {
    state.problem = 'failed';
    if (!state.data) renderView();
  }
  renderStatus();
  if (navigation) afterNavigation();
}

let firstView = true;

function afterNavigation(): void {
  window.scrollTo(0, scrollByRoute.get(state.routeKey) ?? 0);
  if (!firstView) document.getElementById('view-title')?.focus({ preventScroll: true });
  firstView = false;
}

function navigate(): void {
  scrollByRoute.set(state.routeKey, window.scrollY);
  state.route = parseRoute(location.hash);
  state.routeKey = location.hash;
  state.data = null;
  state.problem = null;
  void load(true);
}

// ---- start ----

function start(): void {
  if ('scrollRestoration' in history) history.scrollRestoration = 'manual';
  $('lang').addEventListener('click', () => {
    language.set(otherLang(language.get()));
    renderAll();
  });
  // The skip link must not touch the hash, which holds the route.
  $('skip').addEventListener('click', (e) => {
    e.preventDefault();
    $('main').focus();
  });
  window.addEventListener('hashchange', navigate);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !inFlight) void load(false);
  });
  live = startLive({
    refresh: () => {
      if (!document.hidden && !inFlight) void load(false);
    },
    onStatus: renderStatus,
    lang: () => language.get(),
  });
  mountSearch(ctx);
  renderAll();
  void load(true);
  void loadHead();
}

start();
