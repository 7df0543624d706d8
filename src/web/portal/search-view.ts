// The search box on every portal page: a TPS code (dotted or packed) opens that TPS, a region code
// that region; a name lists the matching desa, kecamatan and kabupaten, each with its parents, as
// links (GET /api/v1/search). A labelled form, Enter to search, results announced politely.
import { SearchResultSchema, type SearchHit, type SearchResult } from '../../contract/portal.ts';
import { h, patch } from '../shared/dom.ts';
import { getJson } from './api.ts';
import { formatNumber } from './format.ts';
import { placeHref } from './routes.ts';
import { levelLabel, t, type Ctx } from './view-parts.ts';

export const searchUrl = (q: string) => `/api/v1/search?q=${encodeURIComponent(q)}`;

/** Waits this long after the last key before searching as one types. */
const TYPING_MS = 300;

type SearchState = {
  ctx: () => Ctx;
  form: HTMLFormElement;
  input: HTMLInputElement;
  label: HTMLLabelElement;
  button: HTMLButtonElement;
  status: HTMLElement;
  results: HTMLElement;
  last: SearchResult | null;
  failed: boolean;
};

let state: SearchState | null = null;
let seq = 0;
let typing: ReturnType<typeof setTimeout> | undefined;

function hitLine(ctx: Ctx, hit: SearchHit): HTMLElement {
  const where = hit.parents.map((p) => p.name).join(' · ');
  return h(
    'li',
    { 'data-key': hit.code },
    h(
      'a',
      { href: placeHref(hit.code, hit.level), 'data-code': hit.code, class: 'search-hit' },
      h('strong', null, hit.name),
      ' ',
      h('span', { class: 'small muted' }, `${levelLabel(ctx, hit.level)} · ${hit.code}`),
    ),
    where ? h('span', { class: 'small muted block' }, where) : null,
  );
}

function render(): void {
  if (!state) return;
  const ctx = state.ctx();
  state.label.textContent = t(ctx, 'searchLabel');
  state.input.placeholder = t(ctx, 'searchPlaceholder');
  state.button.textContent = t(ctx, 'searchButton');
  state.form.setAttribute('aria-label', t(ctx, 'searchLabel'));
  const r = state.last;
  patch(
    state.status,
    state.failed
      ? [t(ctx, 'searchFailed')]
      : r
        ? [
            r.hits.length === 0
              ? t(ctx, 'searchNone', { q: r.q })
              : t(ctx, 'searchCount', { n: formatNumber(ctx.lang, r.hits.length), q: r.q }),
          ]
        : [],
  );
  patch(
    state.results,
    r && r.hits.length > 0
      ? [
          h(
            'ul',
            { class: 'search-hits' },
            r.hits.map((hit) => hitLine(ctx, hit)),
          ),
        ]
      : [],
  );
}

function clear(): void {
  if (!state) return;
  state.last = null;
  state.failed = false;
  render();
}

async function search(q: string, go: boolean): Promise<void> {
  if (!state) return;
  const mine = ++seq;
  const res = await getJson(searchUrl(q), SearchResultSchema);
  if (mine !== seq || !state) return;
  if (!res.ok) {
    state.failed = true;
    state.last = null;
    render();
    return;
  }
  const r = res.value.value;
  const only = r.hits[0];
  // A code, asked for with Enter: straight to that place.
  if (go && r.exact && only) {
    state.input.value = '';
    clear();
    location.hash = placeHref(only.code, only.level);
    return;
  }
  state.failed = false;
  state.last = r;
  render();
}

/** Builds the search box once, at the top of the page, below the header bar. */
export function mountSearch(ctx: () => Ctx): void {
  const header = document.querySelector('header.top');
  if (!header || state) return;
  const label = h('label', { for: 'search-q', class: 'search-label' });
  const input = h('input', {
    id: 'search-q',
    type: 'search',
    name: 'q',
    autocomplete: 'off',
    spellcheck: 'false',
    enterkeyhint: 'search',
    maxlength: 100,
    'aria-describedby': 'search-status',
  });
  const button = h('button', { type: 'submit', class: 'search-button' });
  const status = h('p', {
    id: 'search-status',
    class: 'small search-status',
    role: 'status',
    'aria-live': 'polite',
  });
  const results = h('div', { class: 'search-results', 'data-testid': 'search-results' });
  const form = h(
    'form',
    { role: 'search', class: 'search', action: '#', 'data-testid': 'search' },
    label,
    h('div', { class: 'search-row' }, input, button),
  );
  header.append(h('div', { class: 'wrap search-wrap' }, form, status, results));
  state = { ctx, form, input, label, button, status, results, last: null, failed: false };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(typing);
    const q = input.value.trim();
    if (q) void search(q, true);
    else clear();
  });
  input.addEventListener('input', () => {
    clearTimeout(typing);
    const q = input.value.trim();
    if (q.length < 2) {
      seq++;
      clear();
      return;
    }
    typing = setTimeout(() => void search(q, false), TYPING_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      input.value = '';
      seq++;
      clear();
    }
  });
  // Following a result (or any navigation) closes the list.
  window.addEventListener('hashchange', () => {
    seq++;
    clear();
  });
  render();
}

/** Says the box's words again in the page's language (after the switch). */
export function renderSearch(): void {
  render();
}
