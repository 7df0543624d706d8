// The review queue at /operator/ (issue 12): log in, see the TPS of the account's region that need
// a person, open one with its photos and the zoom crops of the fields in question beside a table of
// every field (submitted, read by the server, corrected), and act on it: confirm as written,
// correct, ask the KPPS for a new photo, answer an objection. Every action is a new event on the
// server; nothing is overwritten. Keyboard first: j/k or arrows move in the queue, Enter opens, c
// confirm, e correct, f request a photo, Esc back; after an action the next TPS opens.
import type { OperatorAccount } from '../../contract/operator.ts';
import type { OperatorTps, QueueState, ReviewQueue } from '../../contract/review.ts';
import { QUEUE_STATES } from '../../contract/review.ts';
import { CHasilSchema, fieldEntries, type CHasil } from '../../core/chasil.ts';
import { checkRules } from '../../core/rules.ts';
import { h, type Child } from '../shared/dom.ts';
import { formatNumber, formatTime, otherLang, storedLang, translate } from '../shared/i18n.ts';
import * as api from './api.ts';
import { latePanel } from './connectivity.ts';
import { recapPanel } from './recap.ts';
import { fieldLabel, OPERATOR_STRINGS, type StringKey } from './strings.ts';

type Mode = 'confirm' | 'correct' | 'photo-request' | 'objection-answer';

type State = {
  account: OperatorAccount | null;
  /** The password typed at login, for the one-time password's change (never stored). */
  typed: string;
  filter: QueueState | null;
  queue: ReviewQueue | null;
  selected: number;
  tps: OperatorTps | null;
  mode: Mode | null;
  view: 'loading' | 'login' | 'password' | 'queue' | 'tps';
};

const language = storedLang('rekap.lang');
const state: State = {
  account: null,
  typed: '',
  filter: null,
  queue: null,
  selected: 0,
  tps: null,
  mode: null,
  view: 'loading',
};

const t = (key: StringKey, vars?: Record<string, string | number>) =>
  translate(OPERATOR_STRINGS, language.get(), key, vars);
const tx = (text: { id: string; en: string }) => text[language.get()];

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`operator page lacks #${id}`);
  return el;
};

function notice(text: string, kind: 'ok' | 'bad' = 'ok') {
  const n = $('notice');
  n.className = `notice ${kind}`;
  n.textContent = text;
}

const failureText = (f: api.Failure) => (f.text ? `${tx(f.text)}: ${f.message}` : f.message);

function show(children: Child[], focus?: string) {
  $('view').replaceChildren(h('div', { class: 'view' }, children));
  const el = focus ? document.getElementById(focus) : null;
  (el ?? $('main')).focus();
}

function renderShell() {
  document.documentElement.lang = language.get();
  document.title = `Rekap · ${t('title')}`;
  $('skip').textContent = t('skipToContent');
  $('title').textContent = t('title');
  const lang = $('lang');
  lang.textContent = t('switchLang');
  lang.setAttribute('aria-label', t('switchLangLabel'));
  lang.setAttribute('lang', otherLang(language.get()));
  const a = state.account;
  $('who').textContent =
    a && !a.mustChangePassword
      ? t('account', { name: a.name, role: a.role, region: a.region })
      : '';
  const out = $('logout');
  out.hidden = !a;
  out.textContent = t('logout');
}

// ---- login and the one-time password ----

function renderLogin(message?: string) {
  state.view = 'login';
  renderShell();
  const form = h(
    'form',
    { class: 'card narrow', id: 'login-form', 'aria-labelledby': 'login-title' },
    h('h2', { id: 'login-title' }, t('loginTitle')),
    h('label', { for: 'login-name' }, t('name')),
    h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true }),
    h('label', { for: 'login-password' }, t('password')),
    h('input', {
      id: 'login-password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    }),
    message ? h('p', { class: 'bad', role: 'alert' }, message) : null,
    h('button', { type: 'submit', class: 'primary' }, t('login')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = (document.getElementById('login-name') as HTMLInputElement).value;
    const password = (document.getElementById('login-password') as HTMLInputElement).value;
    void api.login(name, password).then((r) => {
      if (!r.ok)
        return renderLogin(
          r.error.code === 'login_refused' ? t('loginRefused') : failureText(r.error),
        );
      state.account = r.value.account;
      state.typed = password;
      return afterLogin();
    });
  });
  show([form], 'login-name');
}

function renderPassword(message?: string) {
  state.view = 'password';
  renderShell();
  const form = h(
    'form',
    { class: 'card narrow', id: 'password-form', 'aria-labelledby': 'password-title' },
    h('h2', { id: 'password-title' }, t('changeTitle')),
    h('p', null, t('changeHelp')),
    h('label', { for: 'current-password' }, t('currentPassword')),
    h('input', {
      id: 'current-password',
      type: 'password',
      autocomplete: 'current-password',
      value: state.typed,
      required: true,
    }),
    h('label', { for: 'new-password' }, t('newPassword')),
    h('input', {
      id: 'new-password',
      type: 'password',
      autocomplete: 'new-password',
      minlength: 12,
      required: true,
    }),
    message ? h('p', { class: 'bad', role: 'alert' }, message) : null,
    h('button', { type: 'submit', class: 'primary' }, t('changePassword')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const current = (document.getElementById('current-password') as HTMLInputElement).value;
    const next = (document.getElementById('new-password') as HTMLInputElement).value;
    void api.changePassword(current, next).then((r) => {
      if (!r.ok) return renderPassword(failureText(r.error));
      state.account = r.value.account;
      state.typed = '';
      return afterLogin();
    });
  });
  show([form], 'new-password');
}

async function afterLogin() {
  if (!state.account) return renderLogin();
  if (state.account.mustChangePassword) return renderPassword();
  state.typed = '';
  await loadQueue();
}

// ---- the queue ----

/**
 * Bumped by every navigation (the queue, a TPS). An answer that arrives after a newer navigation
 * is dropped: an Esc pressed while the next TPS loads after an action must stay on the queue.
 */
let navigation = 0;

async function loadQueue(openNextAfter?: string) {
  const a = state.account;
  if (!a) return renderLogin();
  const ticket = ++navigation;
  const r = await api.queue(a.region, state.filter);
  if (ticket !== navigation) return;
  if (!r.ok) {
    if (r.error.status === 401) return renderLogin();
    notice(t('failed', { message: failureText(r.error) }), 'bad');
    return;
  }
  state.queue = r.value;
  if (openNextAfter !== undefined) {
    const items = r.value.items.filter((i) => i.state !== 'photo_requested');
    const next = items.find((i) => i.tps > openNextAfter) ?? items[0];
    if (next) {
      state.selected = r.value.items.indexOf(next);
      return openTps(next.tps);
    }
  }
  state.selected = Math.min(state.selected, Math.max(0, r.value.items.length - 1));
  renderQueue();
}

const stateText = (s: string) => t(`state_${s}` as StringKey);

function reasonText(r: OperatorTps['reasons'][number]): string {
  switch (r.code) {
    case 'rules':
      return t('reason_rules', { rules: r.rules.join(', ') });
    case 'reread':
      return t('reason_reread', { fields: r.fields.map((f) => tx(fieldLabel(f))).join(', ') });
    case 'objection':
      return t('reason_objection');
    case 'photo_requested':
      return t('reason_photo_requested');
  }
}

function renderQueue() {
  state.view = 'queue';
  state.tps = null;
  state.mode = null;
  renderShell();
  const q = state.queue;
  if (!q) return;
  const select = h(
    'select',
    { id: 'state-filter', 'aria-label': t('filter') },
    h('option', { value: '', selected: state.filter === null }, t('allStates')),
    ...QUEUE_STATES.map((s) =>
      h('option', { value: s, selected: state.filter === s }, stateText(s)),
    ),
  );
  select.addEventListener('change', () => {
    const v = select.value;
    state.filter = (QUEUE_STATES as readonly string[]).includes(v) ? (v as QueueState) : null;
    state.selected = 0;
    void loadQueue();
  });
  const list = h(
    'ol',
    {
      class: 'queue',
      id: 'queue',
      role: 'listbox',
      'aria-label': t('queueOf', { region: q.region.name }),
    },
    ...q.items.map((item, i) =>
      h(
        'li',
        {
          role: 'option',
          id: `q-${i}`,
          class: `item state-${item.state}`,
          tabindex: i === state.selected ? 0 : -1,
          'aria-selected': i === state.selected ? 'true' : 'false',
          'data-tps': item.tps,
        },
        h('span', { class: 'code' }, item.tps),
        h('span', { class: 'name' }, item.name),
        h('span', { class: `badge ${item.state}` }, stateText(item.state)),
        h('span', { class: 'why' }, item.reasons.map(reasonText).join(' · ')),
      ),
    ),
  );
  list.addEventListener('click', (e) => {
    const li = (e.target as Element).closest('li[data-tps]');
    const code = li?.getAttribute('data-tps');
    if (code) void openTps(code);
  });
  show(
    [
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'queue-title' },
        h(
          'div',
          { class: 'row' },
          h(
            'h2',
            { id: 'queue-title' },
            t('queueOf', { region: `${q.region.name} (${q.region.code})` }),
          ),
          select,
        ),
        h(
          'p',
          { class: 'muted small', 'data-testid': 'missing' },
          t('missing', { missing: formatNumber(q.missing), total: formatNumber(q.tpsTotal) }),
        ),
        q.items.length === 0 ? h('p', { id: 'queue-empty' }, t('emptyQueue')) : list,
        h('p', { class: 'muted small' }, t('keysQueue')),
      ),
      ...(state.account
        ? [
            recapPanel({ account: state.account, t, failure: failureText }),
            latePanel({ account: state.account, lang: language.get(), t, failure: failureText }),
          ]
        : []),
    ],
    q.items.length > 0 ? `q-${state.selected}` : 'state-filter',
  );
}

function moveSelection(delta: number) {
  const n = state.queue?.items.length ?? 0;
  if (n === 0) return;
  const prev = document.getElementById(`q-${state.selected}`);
  state.selected = Math.max(0, Math.min(n - 1, state.selected + delta));
  const next = document.getElementById(`q-${state.selected}`);
  if (prev && next && prev !== next) {
    prev.setAttribute('aria-selected', 'false');
    prev.tabIndex = -1;
    next.setAttribute('aria-selected', 'true');
    next.tabIndex = 0;
  }
  next?.focus();
}

// ---- one TPS ----

async function openTps(code: string) {
  const ticket = ++navigation;
  const r = await api.tps(code);
  if (ticket !== navigation) return;
  if (!r.ok) {
    if (r.error.status === 401) return renderLogin();
    notice(t('failed', { message: failureText(r.error) }), 'bad');
    return;
  }
  state.tps = r.value;
  state.mode = null;
  renderTps();
}

/** The fields a reviewer must look at: broken rules, the re-read's differences, objections. */
function fieldsInQuestion(x: OperatorTps): string[] {
  const out = new Set<string>();
  const latest = x.versions[0];
  const holds = new Set(x.reasons.map((r) => r.code));
  if (latest && holds.has('rules'))
    for (const f of latest.flags) for (const p of f.fields) out.add(p);
  for (const r of x.reasons) if (r.code === 'reread') for (const p of r.fields) out.add(p);
  for (const o of x.objections) if (!o.answer) for (const p of o.fields ?? []) out.add(p);
  for (const f of x.fields) if (f.differs) out.add(f.path);
  const order = x.fields.map((f) => f.path);
  return [...out]
    .filter((p) => order.includes(p))
    .sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

const valueText = (v: number | null) => (v === null ? '–' : formatNumber(v));

function photosPanel(x: OperatorTps, asked: string[]): HTMLElement {
  const code = x.tps.code;
  const crops = asked.flatMap((path) => {
    const page = x.pages.find((p) => p.found && p.fields.includes(path));
    if (!page) return [];
    const label = tx(fieldLabel(path));
    return [
      h(
        'figure',
        { class: 'crop', 'data-field': path },
        h('img', {
          src: api.cropUrl(page.sha256, path, code),
          alt: t('zoomOf', { field: label }),
          loading: 'lazy',
        }),
        h('figcaption', null, label),
      ),
    ];
  });
  const wholes = x.pages.map((p) =>
    h(
      'figure',
      { class: p.found ? 'whole small-photo' : 'whole' },
      h(
        'a',
        { href: api.photoUrl(p.sha256), target: '_blank', rel: 'noopener' },
        h('img', {
          src: api.photoUrl(p.sha256),
          alt: p.found ? t('photoPage', { page: p.page ?? '?' }) : t('wholePhoto'),
          loading: 'lazy',
        }),
      ),
      h('figcaption', null, p.found ? t('photoPage', { page: p.page ?? '?' }) : t('wholePhoto')),
    ),
  );
  return h(
    'section',
    { class: 'photos', 'aria-label': t('photos') },
    h('h3', null, t('photos')),
    crops.length > 0 ? h('div', { class: 'crops' }, crops) : null,
    wholes.length > 0
      ? h('div', { class: 'wholes' }, wholes)
      : h('p', { class: 'muted' }, t('noPhotos')),
  );
}

function numbersTable(x: OperatorTps, asked: Set<string>): HTMLElement {
  return h(
    'section',
    { class: 'numbers', 'aria-labelledby': 'numbers-title' },
    h('h3', { id: 'numbers-title' }, t('numbers')),
    h(
      'div',
      { class: 'table-wrap', tabindex: 0, 'aria-labelledby': 'numbers-title' },
      h(
        'table',
        { id: 'fields' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, t('field')),
            h('th', { scope: 'col', class: 'num' }, t('submitted')),
            h('th', { scope: 'col', class: 'num' }, t('read')),
            h('th', { scope: 'col', class: 'num' }, t('corrected')),
          ),
        ),
        h(
          'tbody',
          null,
          ...x.fields.map((f) =>
            h(
              'tr',
              {
                'data-field': f.path,
                class:
                  [f.differs ? 'differs' : '', asked.has(f.path) ? 'asked' : ''].join(' ').trim() ||
                  null,
              },
              h(
                'th',
                { scope: 'row' },
                tx(fieldLabel(f.path)),
                f.differs ? h('span', { class: 'tag' }, ` ${t('differs')}`) : null,
              ),
              h('td', { class: 'num', 'data-col': 'submitted' }, valueText(f.submitted)),
              h('td', { class: 'num', 'data-col': 'read' }, valueText(f.read)),
              h('td', { class: 'num', 'data-col': 'corrected' }, valueText(f.corrected)),
            ),
          ),
        ),
      ),
    ),
  );
}

function historyPanel(x: OperatorTps): HTMLElement {
  const when = (at: string) => formatTime(at, language.get());
  const items: { seq: number; text: string; by: string }[] = [
    ...x.confirmations.map((c) => ({
      seq: c.seq,
      text: t('confirmedEvent', { v: c.version, reason: c.reason }),
      by: t('by', { who: c.actor, at: when(c.at) }),
    })),
    ...x.corrections.map((c) => ({
      seq: c.seq,
      text: t('correctedEvent', {
        from: c.corrects,
        v: c.version,
        reference: c.reference,
        reason: c.reason,
      }),
      by: t('by', { who: c.actor, at: when(c.at) }),
    })),
    ...x.photoRequests.map((c) => ({
      seq: c.seq,
      text: t('photoEvent', { v: c.version, reason: c.reason }),
      by: t('by', { who: c.actor, at: when(c.at) }),
    })),
    ...x.objections.flatMap((o) => [
      {
        seq: o.seq,
        text: t('objectionEvent', { v: o.version, text: o.text }),
        by: t('by', { who: o.actor, at: when(o.at) }),
      },
      ...(o.answer
        ? [
            {
              seq: o.answer.seq,
              text: t('answerEvent', { reason: o.answer.reason }),
              by: t('by', { who: o.answer.actor, at: when(o.answer.at) }),
            },
          ]
        : []),
    ]),
    ...x.rereads
      .filter((r) => r.outcome === 'failed')
      .map((r) => ({
        seq: r.seq,
        text: t('rereadFailed', { reason: r.reason ?? '' }),
        by: when(r.at),
      })),
  ].sort((a, b) => b.seq - a.seq);
  return h(
    'section',
    { class: 'history', 'aria-labelledby': 'history-title' },
    h('h3', { id: 'history-title' }, t('history')),
    h(
      'ol',
      { class: 'versions', id: 'versions' },
      ...x.versions.map((v) =>
        h(
          'li',
          { 'data-version': v.version, class: v.counted ? 'counted' : null },
          h('strong', null, t('version', { n: v.version })),
          ' · ',
          t(`kind_${v.kind}`),
          v.counted ? h('span', { class: 'badge counted' }, t('countedTag')) : null,
          ' · ',
          t('by', { who: v.uploader, at: when(v.receivedAt) }),
          v.flags.length > 0
            ? h('ul', { class: 'flags' }, ...v.flags.map((f) => h('li', null, tx(f.message))))
            : null,
        ),
      ),
    ),
    items.length > 0
      ? h(
          'ul',
          { class: 'events', id: 'events' },
          ...items.map((i) =>
            h('li', null, i.text, h('span', { class: 'muted small' }, ` — ${i.by}`)),
          ),
        )
      : null,
    x.anomalies.length > 0
      ? h(
          'div',
          null,
          h('h4', null, t('findings')),
          h(
            'ul',
            { class: 'findings' },
            ...x.anomalies.map((f) =>
              h('li', null, 'message' in f && f.message ? tx(f.message) : f.kind),
            ),
          ),
        )
      : null,
  );
}

function actionForm(x: OperatorTps, mode: Mode, asked: string[]): HTMLElement {
  const latest = x.versions[0];
  const form = h(
    'form',
    { class: 'action-form', id: 'action-form', 'data-mode': mode },
    h('label', { for: 'reason' }, t('reason')),
    h('input', { id: 'reason', name: 'reason', required: true, minlength: 3, autocomplete: 'off' }),
    mode === 'correct'
      ? [
          h('label', { for: 'reference' }, t('reference')),
          h('input', { id: 'reference', name: 'reference', required: true, autocomplete: 'off' }),
          h(
            'fieldset',
            { class: 'changes', id: 'changes' },
            h('legend', null, t('newValue')),
            ...asked.map((p) => changeInput(x, p)),
          ),
          h('label', { for: 'add-field' }, t('addField')),
          h(
            'select',
            { id: 'add-field' },
            h('option', { value: '' }, t('chooseField')),
            ...x.fields
              .filter((f) => !asked.includes(f.path))
              .map((f) => h('option', { value: f.path }, tx(fieldLabel(f.path)))),
          ),
          h('div', {
            id: 'rules-check',
            class: 'rules-check',
            role: 'status',
            'aria-live': 'polite',
          }),
        ]
      : null,
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'submit', class: 'primary', id: 'send' }, t('send')),
      h('button', { type: 'button', id: 'cancel' }, t('cancel')),
    ),
  );
  form.querySelector('#cancel')?.addEventListener('click', () => setMode(null));
  if (mode === 'correct') {
    const add = form.querySelector<HTMLSelectElement>('#add-field')!;
    add.addEventListener('change', () => {
      if (!add.value) return;
      form.querySelector('#changes')!.appendChild(changeInput(x, add.value));
      add.querySelector(`option[value="${CSS.escape(add.value)}"]`)?.remove();
      const input = form.querySelector<HTMLInputElement>(
        `input[data-field="${CSS.escape(add.value)}"]`,
      );
      add.value = '';
      input?.focus();
      checkCorrection(x, form);
    });
    form.addEventListener('input', () => checkCorrection(x, form));
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!latest) return;
    void send(x, mode, form);
  });
  return form;
}

function changeInput(x: OperatorTps, path: string): HTMLElement {
  const id = `new-${path.replaceAll('.', '-')}`;
  const current = x.versions[0]
    ? fieldEntries(x.versions[0].result).find(([p]) => p === path)?.[1]
    : undefined;
  return h(
    'div',
    { class: 'change' },
    h(
      'label',
      { for: id },
      tx(fieldLabel(path)),
      h('span', { class: 'muted small' }, ` (${valueText(current ?? null)})`),
    ),
    h('input', {
      id,
      'data-field': path,
      inputmode: 'numeric',
      pattern: '[0-9]{1,3}',
      autocomplete: 'off',
      placeholder: current === undefined ? '' : String(current),
    }),
  );
}

/** The changes typed (path -> value), or the first input that is not a count. */
function typedChanges(form: HTMLElement): { changes: Record<string, number>; bad: string | null } {
  const changes: Record<string, number> = {};
  let bad: string | null = null;
  for (const input of form.querySelectorAll<HTMLInputElement>('input[data-field]')) {
    const v = input.value.trim();
    if (v === '') continue;
    if (!/^\d{1,3}$/.test(v)) bad ??= input.dataset.field ?? null;
    else changes[input.dataset.field!] = Number(v);
  }
  return { changes, bad };
}

function applyTyped(base: CHasil, changes: Record<string, number>): CHasil {
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const parts = path.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
    node[parts.at(-1)!] = value;
  }
  return CHasilSchema.parse(out);
}

/** Checks the correction against the form's rules as it is typed; a breaking one cannot be sent. */
function checkCorrection(x: OperatorTps, form: HTMLElement): boolean {
  const out = form.querySelector('#rules-check');
  const send = form.querySelector<HTMLButtonElement>('#send');
  const base = x.versions[0]?.result;
  if (!out || !send || !base) return false;
  const { changes, bad } = typedChanges(form);
  const real = Object.fromEntries(
    Object.entries(changes).filter(
      ([p, v]) => fieldEntries(base).find(([q]) => q === p)?.[1] !== v,
    ),
  );
  let okToSend = false;
  if (bad) out.replaceChildren(h('p', { class: 'bad' }, `${tx(fieldLabel(bad))}: 0–999`));
  else if (Object.keys(real).length === 0)
    out.replaceChildren(h('p', { class: 'muted' }, t('nothingChanged')));
  else {
    const breaches = checkRules(applyTyped(base, real), { ballot: x.ballot, registeredDpt: x.dpt });
    if (breaches.length === 0) {
      okToSend = true;
      out.replaceChildren(h('p', { class: 'ok' }, t('rulesHold')));
    } else
      out.replaceChildren(
        h('p', { class: 'bad' }, t('rulesBroken')),
        h('ul', { class: 'bad' }, ...breaches.map((b) => h('li', null, tx(b.message)))),
      );
  }
  send.disabled = !okToSend;
  send.setAttribute('aria-disabled', okToSend ? 'false' : 'true');
  return okToSend;
}

async function send(x: OperatorTps, mode: Mode, form: HTMLElement) {
  const version = x.latest;
  if (version === null) return;
  const reason = form.querySelector<HTMLInputElement>('#reason')!.value.trim();
  let body: Record<string, unknown> = { version, reason };
  if (mode === 'correct') {
    if (!checkCorrection(x, form)) return;
    const base = x.versions[0]!.result;
    const { changes } = typedChanges(form);
    body = {
      ...body,
      reference: form.querySelector<HTMLInputElement>('#reference')!.value.trim(),
      changes: Object.fromEntries(
        Object.entries(changes).filter(
          ([p, v]) => fieldEntries(base).find(([q]) => q === p)?.[1] !== v,
        ),
      ),
    };
  }
  if (mode === 'objection-answer') {
    const open = x.objections.find((o) => !o.answer);
    if (!open) return;
    body = { ...body, objection: open.seq };
  }
  const r = await api.act(x.tps.code, mode, body);
  if (!r.ok) {
    if (r.error.code === 'stale_version') {
      notice(t('stale'), 'bad');
      return openTps(x.tps.code);
    }
    notice(t('failed', { message: failureText(r.error) }), 'bad');
    form.querySelector<HTMLInputElement>('#reason')?.focus();
    return;
  }
  notice(t(`done_${mode}` as StringKey, { tps: x.tps.code }));
  // The action is done: an Esc from here on goes back to the queue, not out of a spent form.
  state.mode = null;
  await loadQueue(x.tps.code);
}

function setMode(mode: Mode | null) {
  state.mode = mode;
  renderTps();
}

function renderTps() {
  const x = state.tps;
  if (!x) return renderQueue();
  state.view = 'tps';
  renderShell();
  const asked = fieldsInQuestion(x);
  const askedSet = new Set(asked);
  const canAnswer = x.objections.some((o) => !o.answer);
  const button = (mode: Mode, key: StringKey) => {
    const b = h(
      'button',
      { type: 'button', id: `do-${mode}`, 'aria-pressed': state.mode === mode ? 'true' : 'false' },
      t(key),
    );
    b.addEventListener('click', () => setMode(mode));
    return b;
  };
  const back = h('button', { type: 'button', id: 'back', class: 'link' }, `← ${t('back')}`);
  back.addEventListener('click', () => void loadQueue());
  const counted = x.versions.find((v) => v.counted);
  show(
    [
      h(
        'section',
        { class: 'tps', 'data-tps': x.tps.code, 'aria-labelledby': 'tps-title' },
        back,
        h(
          'div',
          { class: 'head' },
          h('h2', { id: 'tps-title', tabindex: -1 }, `${x.tps.name} · ${x.tps.code}`),
          h(
            'span',
            { class: `badge ${x.state}`, id: 'tps-state', 'data-state': x.state },
            stateText(x.state),
          ),
          h(
            'span',
            { class: 'muted small' },
            [...x.parents]
              .reverse()
              .map((p) => p.name)
              .join(', '),
            counted ? ` · ${t('version', { n: counted.version })} ${t('countedTag')}` : '',
          ),
        ),
        x.reasons.length > 0
          ? h(
              'ul',
              { class: 'reasons', id: 'reasons' },
              ...x.reasons.map((r) => h('li', null, reasonText(r))),
            )
          : null,
        h('div', { class: 'side-by-side' }, photosPanel(x, asked), numbersTable(x, askedSet)),
        h(
          'section',
          { class: 'actions', 'aria-label': t('keysTps') },
          h(
            'div',
            { class: 'buttons' },
            button('confirm', 'confirm'),
            button('correct', 'correct'),
            button('photo-request', 'requestPhoto'),
            canAnswer ? button('objection-answer', 'answerObjection') : null,
          ),
          state.mode ? actionForm(x, state.mode, asked) : null,
          h('p', { class: 'muted small' }, t('keysTps')),
        ),
        historyPanel(x),
      ),
    ],
    state.mode ? 'reason' : 'tps-title',
  );
  if (state.mode === 'correct') {
    const form = document.getElementById('action-form');
    if (form) checkCorrection(x, form);
  }
}

// ---- keys ----

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const target = e.target as HTMLElement | null;
  const typing =
    !!target &&
    (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT');
  if (e.key === 'Escape') {
    if (state.view === 'tps') {
      e.preventDefault();
      if (state.mode) setMode(null);
      else void loadQueue();
    }
    return;
  }
  // The sign-off and late panels' buttons and links take their own keys (Enter presses them).
  if (typing || target?.closest('#recap, #late')) return;
  if (state.view === 'queue') {
    if (e.key === 'j' || e.key === 'ArrowDown') {
      e.preventDefault();
      moveSelection(1);
    } else if (e.key === 'k' || e.key === 'ArrowUp') {
      e.preventDefault();
      moveSelection(-1);
    } else if (e.key === 'Enter') {
      const item = state.queue?.items[state.selected];
      if (item) {
        e.preventDefault();
        void openTps(item.tps);
      }
    }
  } else if (state.view === 'tps') {
    const mode: Mode | undefined = ({ c: 'confirm', e: 'correct', f: 'photo-request' } as const)[
      e.key as 'c'
    ];
    if (mode) {
      e.preventDefault();
      setMode(mode);
    }
  }
});

$('lang').addEventListener('click', () => {
  language.set(otherLang(language.get()));
  if (state.view === 'login') renderLogin();
  else if (state.view === 'password') renderPassword();
  else if (state.view === 'tps') renderTps();
  else if (state.view === 'queue') renderQueue();
  else renderShell();
});

$('logout').addEventListener('click', () => {
  void api.logout().then(() => {
    state.account = null;
    state.queue = null;
    state.tps = null;
    renderLogin();
  });
});

void (async () => {
  renderShell();
  const r = await api.me();
  if (!r.ok) return renderLogin();
  state.account = r.value.account;
  await afterLogin();
})();
