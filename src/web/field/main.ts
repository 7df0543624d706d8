// The KPPS field app: enrol once, photograph the pages, read them on the phone, review, sign,
// queue, send in the background; the witness receipt (QR) and witness mode; training mode.
// Hash routes: #/ (enrol or home), #/foto, #/periksa, #/kirim, #/tanda/{id}, #/saksi.
// First: zod must not probe for eval under the CSP (jitless.ts).
import './jitless.ts';
import QRCode from 'qrcode';
import { parseTpsCode } from '../../core/codes.ts';
import type { CHasil } from '../../core/chasil.ts';
import { checkRules, type RuleBreach } from '../../core/rules.ts';
import type { FieldResult, FormReading } from '../../reader/read-form.ts';
import { h, type Child } from '../shared/dom.ts';
import { openFieldDb, type Device, type Mode, type OutboxItem } from './db.ts';
import { dateLocale, otherLang } from '../shared/i18n.ts';
import { currentLang, fieldLabel, setLang, t } from './i18n.ts';
import { startSender } from './sender.ts';
import type { Key } from './strings.ts';
import { encodeReceipt, generateDeviceKey, signSummary, type SignedSummary } from './signing.ts';
import { renderWitness } from './witness.ts';
import { readerClient, type PhotoAdded } from './worker-protocol.ts';

/** The practice TPS of training mode: never sent anywhere. */
export const TRAINING_TPS = '99.99.99.9999.999';

const db = openFieldDb();
const reader = readerClient();
const view = document.getElementById('view')!;

/** The ballot being photographed and reviewed (in memory until it is signed). */
type Draft = {
  photos: (PhotoAdded & { bitmap?: ImageBitmap })[];
  busy: number;
  reading?: FormReading;
  values: Record<string, number | null>;
  touched: Set<string>;
  breachConfirmed: boolean;
};
const newDraft = (): Draft => ({
  photos: [],
  busy: 0,
  values: {},
  touched: new Set(),
  breachConfirmed: false,
});
let draft = newDraft();
/** The other mode has its own draft: forget this one's in memory (it stays saved). */
function switchedMode(): void {
  for (const p of draft.photos) void reader.drop(p.name);
  draft = newDraft();
  restoring = undefined;
}
let photoCounter = 0;

const photosKey = () => `${activeMode()}/photos`;
const reviewKey = () => `${activeMode()}/review`;

async function savePhotos(): Promise<void> {
  await db.drafts.put({ key: photosKey(), photos: draft.photos.map(({ bitmap: _b, ...p }) => p) });
  await db.drafts.delete(reviewKey());
}

let reviewSave: ReturnType<typeof setTimeout> | undefined;
function saveReview(): void {
  clearTimeout(reviewSave);
  reviewSave = setTimeout(() => {
    if (draft.reading)
      void db.drafts.put({
        key: reviewKey(),
        reading: draft.reading,
        values: draft.values,
        touched: [...draft.touched],
      });
  }, 300);
}

/** Brings back the draft of the active mode after the app was closed. */
let restoring: Promise<void> | undefined;
function restoreDraft(): Promise<void> {
  restoring ??= (async () => {
    const saved = await db.drafts.get(photosKey());
    if (!saved?.photos || draft.photos.length > 0) return;
    for (const p of saved.photos) {
      await reader.restore(p.name, p.jpeg);
      draft.photos.push({ ...p, bitmap: await createImageBitmap(p.jpeg) });
      photoCounter = Math.max(photoCounter, Number(/\d+/.exec(p.name)?.[0] ?? 0));
    }
    const review = await db.drafts.get(reviewKey());
    if (review?.reading) {
      draft.reading = review.reading;
      draft.values = review.values ?? {};
      draft.touched = new Set(review.touched);
    }
  })();
  return restoring;
}

const activeMode = (): Mode =>
  localStorage.getItem('rekap-kpps-mode') === 'training' ? 'training' : 'live';
async function device(): Promise<Device | undefined> {
  return db.devices.get(activeMode());
}

function show(...children: Child[]): void {
  view.replaceChildren(h('div', { class: 'screen' }, ...children));
}

const button = (
  label: string,
  onClick: () => void,
  attrs: Record<string, string | boolean> = {},
) => {
  const b = h('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', onClick);
  return b;
};
const link = (href: string, label: string, cls = 'btn') => h('a', { href, class: cls }, label);

// ---------------------------------------------------------------------------------------------
// Enrol and home

async function renderHome(): Promise<void> {
  const dev = await device();
  if (!dev) return renderEnrol();
  const waiting = await db.outbox.where('status').anyOf('waiting', 'sending', 'sent').count();
  show(
    h('h1', null, dev.mode === 'training' ? `${t('trainingMode')}` : 'KPPS'),
    h(
      'p',
      { class: 'muted', 'data-testid': 'device' },
      t('deviceInfo', { tps: dev.tps, id: dev.deviceId.slice(0, 8) }),
    ),
    link('#/foto', t('newForm'), 'btn primary big'),
    link('#/kirim', `${t('outbox')}${waiting ? ` (${waiting})` : ''}`, 'btn big'),
    link('#/saksi', t('witnessMode'), 'btn'),
    dev.mode === 'training'
      ? button(t('leaveTraining'), () => {
          localStorage.setItem('rekap-kpps-mode', 'live');
          switchedMode();
          void route();
        })
      : button(t('trainingMode'), () => void enterTraining()),
  );
}

async function enterTraining(): Promise<void> {
  localStorage.setItem('rekap-kpps-mode', 'training');
  switchedMode();
  if (!(await db.devices.get('training'))) {
    const key = await generateDeviceKey();
    await db.devices.put({
      mode: 'training',
      tps: TRAINING_TPS,
      token: '',
      deviceId: crypto.randomUUID(),
      publicKey: key.publicKey,
      privateKey: key.privateKey,
      enrolledAt: new Date().toISOString(),
    });
  }
  location.hash = '#/';
  await route();
}

function renderEnrol(): void {
  const tps = h('input', {
    id: 'tps',
    name: 'tps',
    inputmode: 'decimal',
    autocomplete: 'off',
    placeholder: '16.08.01.1007.001',
    required: true,
  });
  const token = h('input', { id: 'token', name: 'token', autocomplete: 'off', required: true });
  const msg = h('p', { id: 'enrol-msg', role: 'alert', class: 'error' });
  const submit = h('button', { type: 'submit', class: 'primary big', id: 'enrol' }, t('enrol'));
  const form = h(
    'form',
    { class: 'stack' },
    h('label', { for: 'tps' }, t('tpsCode')),
    tps,
    h('label', { for: 'token' }, t('token')),
    token,
    submit,
    msg,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      const code = parseTpsCode(tps.value.trim());
      if (!code) {
        msg.textContent = t('badTps');
        return;
      }
      submit.disabled = true;
      submit.textContent = t('enrolling');
      try {
        const key = await generateDeviceKey();
        const res = await fetch('/api/v1/kpps/devices', {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token.value.trim()}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            tps: code,
            publicKey: key.publicKey,
            label: navigator.userAgent.slice(0, 100),
          }),
        });
        const body = (await res.json().catch(() => ({}))) as {
          deviceId?: string;
          tps?: string;
          enrolledAt?: string;
          message?: string;
          error?: string;
          details?: { limit?: number };
        };
        if (!res.ok || !body.deviceId)
          throw new Error(
            body.error === 'device_limit'
              ? t('enrolDeviceLimit', { n: body.details?.limit ?? 2 })
              : body.error === 'bad_token'
                ? t('enrolBadToken')
                : (body.message ?? body.error ?? `HTTP ${res.status}`),
          );
        await db.devices.put({
          mode: 'live',
          tps: body.tps ?? code,
          token: token.value.trim(),
          deviceId: body.deviceId,
          publicKey: key.publicKey,
          privateKey: key.privateKey,
          enrolledAt: body.enrolledAt ?? new Date().toISOString(),
        });
        localStorage.setItem('rekap-kpps-mode', 'live');
        await route();
      } catch (err) {
        msg.textContent = navigator.onLine
          ? t('enrolFailed', { m: err instanceof Error ? err.message : String(err) })
          : t('enrolNeedsSignal');
        submit.disabled = false;
        submit.textContent = t('enrol');
      }
    })();
  });
  show(
    h('h1', null, t('enrolTitle')),
    h('p', { class: 'muted' }, t('enrolHelp')),
    form,
    h('hr'),
    link('#/saksi', t('witnessMode'), 'btn'),
    button(t('trainingMode'), () => void enterTraining(), { id: 'training-start' }),
  );
}

// ---------------------------------------------------------------------------------------------
// Capture

function guidanceText(p: PhotoAdded): { text: string; ok: boolean } {
  const g = p.guidance;
  if (!g.ok) return { text: t(`reason_${g.reason}` as Key), ok: false };
  const page = g.page ? t('pageN', { n: g.page }) : t('pageUnknown');
  const sharp = g.blur > 1.5 ? t('blurry') : t('sharp');
  return { text: `${page} · ${sharp}`, ok: g.page !== null };
}

function renderCapture(): void {
  const input = h('input', {
    type: 'file',
    accept: 'image/*',
    capture: 'environment',
    multiple: true,
    id: 'photo-input',
    class: 'file',
  });
  const label = h('label', { for: 'photo-input', class: 'btn primary big' }, t('takePhoto'));
  input.addEventListener('change', () => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    for (const file of files) {
      const name = `foto-${++photoCounter}.jpg`;
      draft.busy++;
      draft.reading = undefined;
      renderCapture();
      void reader
        .add(name, file)
        .then(async (p) => {
          draft.photos.push({ ...p, bitmap: await createImageBitmap(p.jpeg) });
          await savePhotos();
        })
        .catch((e: unknown) => alert(t('error', { m: e instanceof Error ? e.message : String(e) })))
        .finally(() => {
          draft.busy--;
          if (location.hash === '#/foto') renderCapture();
        });
    }
  });
  const pagesIn = new Set(
    draft.photos.flatMap((p) => (p.guidance.ok && p.guidance.page ? [p.guidance.page] : [])),
  );
  const missing = [1, 2, 3].filter((n) => !pagesIn.has(n as 1 | 2 | 3));
  // Pages in order (1, 2, 3), then photos that are not a page, whatever order they finished in.
  const pageOf = (p: (typeof draft.photos)[number]) =>
    p.guidance.ok && p.guidance.page ? p.guidance.page : 9;
  const list = [...draft.photos]
    .sort((a, b) => pageOf(a) - pageOf(b))
    .map((p) => {
      const g = guidanceText(p);
      const thumb = h('img', { src: URL.createObjectURL(p.jpeg), alt: p.name, class: 'thumb' });
      return h(
        'li',
        {
          class: g.ok ? 'photo ok' : 'photo bad',
          'data-photo': p.name,
          'data-page': p.guidance.ok ? String(p.guidance.page) : '',
        },
        thumb,
        h(
          'div',
          null,
          h('p', { class: 'guidance' }, g.text),
          h('p', { class: 'small muted' }, `${Math.round(p.jpeg.size / 1000)} KB`),
        ),
        button(
          t('remove'),
          () => {
            draft.photos = draft.photos.filter((x) => x !== p);
            void reader.drop(p.name);
            renderCapture();
          },
          { class: 'small' },
        ),
      );
    });
  const readBtn = button(t('read'), () => void readNow(), { class: 'primary big', id: 'read' });
  readBtn.disabled = draft.photos.length === 0 || draft.busy > 0;
  show(
    h('h1', null, t('captureTitle')),
    h('p', { class: 'muted' }, t('captureHelp')),
    label,
    input,
    draft.busy ? h('p', { class: 'busy', role: 'status' }, t('processing')) : null,
    h('ul', { class: 'photos' }, list),
    h(
      'p',
      { 'data-testid': 'missing' },
      missing.length ? t('pagesMissing', { p: missing.join(', ') }) : t('allPages'),
    ),
    readBtn,
  );
}

async function readNow(): Promise<void> {
  show(h('h1', null, t('reviewTitle')), h('p', { class: 'busy', role: 'status' }, t('reading')));
  try {
    const reading = await reader.read(draft.photos.map((p) => p.name));
    draft.reading = reading;
    draft.values = Object.fromEntries(Object.entries(reading.fields).map(([k, f]) => [k, f.value]));
    draft.touched = new Set();
    draft.breachConfirmed = false;
    saveReview();
    location.hash = '#/periksa';
  } catch (e) {
    show(
      h('p', { class: 'error' }, t('error', { m: e instanceof Error ? e.message : String(e) })),
      link('#/foto', t('captureTitle')),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Review

const SECTIONS: [Key, string[]][] = [
  ['sec_dpt', ['dpt.l', 'dpt.p', 'dpt.total']],
  [
    'sec_voters',
    ['dpt', 'dptb', 'dpk', 'total'].flatMap((g) =>
      ['l', 'p', 'total'].map((k) => `voters.${g}.${k}`),
    ),
  ],
  ['sec_ballots', ['received', 'used', 'returned', 'unused'].map((k) => `ballots.${k}`)],
  ['sec_disabled', ['disabled.l', 'disabled.p', 'disabled.total']],
  ['sec_votes', ['votes.1', 'votes.2', 'votes.3']],
  ['sec_totals', ['valid', 'invalid', 'total']],
];

function drawCrop(field: FieldResult): HTMLCanvasElement | HTMLElement {
  const photo = draft.photos.find((p) => p.name === field.boxes?.photo);
  const pts = field.boxes?.corners.flat() ?? [];
  if (!photo?.bitmap || pts.length === 0) return h('span', { class: 'crop none' }, t('noCrop'));
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const pad = 0.08 * (Math.max(...xs) - Math.min(...xs));
  const x0 = Math.max(0, Math.min(...xs) - pad);
  const y0 = Math.max(0, Math.min(...ys) - pad);
  const w = Math.min(photo.width, Math.max(...xs) + pad) - x0;
  const hh = Math.min(photo.height, Math.max(...ys) + pad) - y0;
  const canvas = h('canvas', {
    class: 'crop',
    width: 150,
    height: Math.max(20, Math.round((150 * hh) / Math.max(1, w))),
  });
  canvas
    .getContext('2d')
    ?.drawImage(photo.bitmap, x0, y0, w, hh, 0, 0, canvas.width, canvas.height);
  return canvas;
}

function currentResult(): CHasil | null {
  const out: Record<string, unknown> = {};
  for (const [, paths] of SECTIONS)
    for (const path of paths) {
      const v = draft.values[path];
      if (v === null || v === undefined || !Number.isInteger(v) || v < 0 || v > 999) return null;
      const parts = path.split('.');
      let o = out;
      for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
      o[parts.at(-1)!] = v;
    }
  return out as CHasil;
}

const pendingFlags = () =>
  Object.values(draft.reading?.fields ?? {}).filter(
    (f) => f.flags.length > 0 && !draft.touched.has(f.path),
  ).length;

function renderReview(): void {
  const reading = draft.reading;
  if (!reading) {
    location.hash = '#/foto';
    return;
  }
  const rules = h('div', { id: 'rules', 'aria-live': 'polite' });
  const signBtn = button(t('sign'), () => void signAndQueue(signBtn), {
    class: 'primary big',
    id: 'sign',
  });
  const confirm = h('input', { type: 'checkbox', id: 'confirm-breach' });
  confirm.checked = draft.breachConfirmed;
  const confirmRow = h(
    'label',
    { class: 'confirm-breach', for: 'confirm-breach' },
    confirm,
    t('confirmBreach'),
  );
  confirm.addEventListener('change', () => {
    draft.breachConfirmed = confirm.checked;
    update();
  });
  let breaches: RuleBreach[] = [];
  const update = () => {
    const result = currentResult();
    breaches = result ? checkRules(result, { ballot: 'ppwp' }) : [];
    const pending = pendingFlags();
    rules.replaceChildren(
      !result
        ? h('p', { class: 'error' }, t('fillAll'))
        : breaches.length === 0
          ? h('p', { class: 'ok', 'data-testid': 'rules-ok' }, t('rulesOk'))
          : h(
              'div',
              { class: 'error' },
              h('p', null, t('rulesBroken')),
              h(
                'ul',
                null,
                breaches.map((b) => h('li', { 'data-rule': b.rule }, b.message[currentLang()])),
              ),
            ),
      pending
        ? h('p', { class: 'warn', 'data-testid': 'pending' }, t('pendingFlags', { n: pending }))
        : h('span'),
    );
    confirmRow.hidden = breaches.length === 0;
    signBtn.disabled = !result || pending > 0 || (breaches.length > 0 && !draft.breachConfirmed);
    for (const el of view.querySelectorAll<HTMLElement>('[data-field]')) {
      const path = el.dataset.field!;
      el.classList.toggle(
        'broken',
        breaches.some((b) => b.fields.includes(path)),
      );
    }
  };
  const sections = SECTIONS.map(([title, paths]) =>
    h(
      'section',
      { class: 'card' },
      h('h2', null, t(title)),
      paths.map((path) => {
        const f = reading.fields[path];
        const flagged = !!f && f.flags.length > 0;
        const input = h('input', {
          type: 'number',
          inputmode: 'numeric',
          min: 0,
          max: 999,
          id: `f-${path}`,
          'data-path': path,
          value: draft.values[path] ?? '',
        });
        const ok = h('input', { type: 'checkbox', 'data-confirm': path });
        ok.checked = draft.touched.has(path);
        const row = h(
          'div',
          {
            class: `field${flagged ? ' flagged' : ''}`,
            'data-field': path,
            'data-flagged': flagged ? 'true' : 'false',
          },
          h('label', { for: `f-${path}` }, fieldLabel(path)),
          f ? drawCrop(f) : null,
          input,
          flagged ? h('label', { class: 'confirm' }, ok, t('confirmField')) : null,
          flagged
            ? h(
                'p',
                { class: 'small warn' },
                `${t('flagged')}: ${f.flags.map((x) => t(`flag_${x}` satisfies Key)).join('; ')}`,
              )
            : null,
        );
        input.addEventListener('input', () => {
          const v = input.value === '' ? null : Number(input.value);
          draft.values[path] = v;
          draft.touched.add(path);
          saveReview();
          ok.checked = true;
          draft.breachConfirmed = false;
          confirm.checked = false;
          update();
        });
        ok.addEventListener('change', () => {
          if (ok.checked) draft.touched.add(path);
          else draft.touched.delete(path);
          saveReview();
          update();
        });
        return row;
      }),
    ),
  );
  show(
    h('h1', null, t('reviewTitle')),
    h('p', { class: 'muted' }, t('reviewHelp')),
    sections,
    h('div', { class: 'sticky' }, rules, confirmRow, signBtn),
  );
  update();
}

async function signAndQueue(btn: HTMLButtonElement): Promise<void> {
  const dev = await device();
  const result = currentResult();
  const reading = draft.reading;
  if (!dev || !result || !reading) return;
  btn.disabled = true;
  btn.textContent = t('signing');
  const pageOf = new Map(
    reading.pages.flatMap((p) => (p.found ? [[p.photo, p.page] as const] : [])),
  );
  const ordered = [...draft.photos].sort(
    (a, b) => (pageOf.get(a.name) ?? 9) - (pageOf.get(b.name) ?? 9),
  );
  const unique = ordered.filter((p, i) => ordered.findIndex((q) => q.sha256 === p.sha256) === i);
  const summary: SignedSummary = {
    v: 1,
    tps: dev.tps,
    ballot: 'ppwp',
    result,
    photos: unique.map((p) => p.sha256),
    signedAt: new Date().toISOString(),
    deviceId: dev.deviceId,
  };
  const signature = await signSummary(summary, dev.privateKey as CryptoKey);
  const training = dev.mode === 'training';
  const item: OutboxItem = {
    createdAt: summary.signedAt,
    training,
    tps: dev.tps,
    token: dev.token,
    summary,
    signature,
    publicKey: dev.publicKey,
    photos: unique.map((p) => ({
      sha256: p.sha256,
      page: pageOf.get(p.name) ?? null,
      name: p.name,
      blob: p.jpeg,
      bytes: p.jpeg.size,
      uploaded: false,
    })),
    breaches: checkRules(result, { ballot: 'ppwp' }).map((b) => b.rule),
    status: training ? 'local' : 'waiting',
    attempts: 0,
    nextAttemptAt: 0,
  };
  const id = await db.outbox.add(item);
  for (const p of draft.photos) void reader.drop(p.name);
  draft = newDraft();
  clearTimeout(reviewSave);
  await db.drafts.bulkDelete([photosKey(), reviewKey()]);
  sender.kick();
  location.hash = `#/tanda/${id}`;
}

// ---------------------------------------------------------------------------------------------
// Outbox and receipt

async function renderOutbox(): Promise<void> {
  const items = (await db.outbox.toArray())
    .filter((i) => i.training === (activeMode() === 'training'))
    .reverse();
  show(
    h('h1', null, t('outbox')),
    items.length === 0 ? h('p', { class: 'muted' }, t('outboxEmpty')) : null,
    h(
      'ul',
      { class: 'outbox' },
      items.map((i) =>
        h(
          'li',
          { class: `item st-${i.status}`, 'data-item': String(i.id), 'data-status': i.status },
          h(
            'p',
            null,
            h('strong', null, `TPS ${i.tps}`),
            ' · ',
            new Date(i.createdAt).toLocaleString(dateLocale(currentLang())),
          ),
          h(
            'p',
            null,
            h(
              'span',
              { class: `status st-${i.status}`, 'data-testid': 'status' },
              t(`st_${i.status}` as Key),
            ),
            i.attempts ? ` · ${t('attempts', { n: i.attempts })}` : '',
          ),
          i.training ? h('p', { class: 'tag training-tag' }, 'LATIHAN') : null,
          i.breaches.length
            ? h('p', { class: 'small warn' }, `${t('flaggedItem')}: ${i.breaches.join(', ')}`)
            : null,
          i.lastError && i.status !== 'confirmed'
            ? h('p', { class: 'small muted' }, i.lastError)
            : null,
          link(`#/tanda/${i.id}`, t('showReceipt')),
        ),
      ),
    ),
    activeMode() === 'live' ? button(t('sendNow'), () => sender.retryNow()) : null,
  );
}

async function renderReceipt(id: number): Promise<void> {
  const item = await db.outbox.get(id);
  if (!item) return renderOutbox();
  const text = encodeReceipt({
    summary: item.summary,
    signature: item.signature,
    publicKey: item.publicKey,
  });
  const canvas = h('canvas', { id: 'qr', class: 'qr' });
  await QRCode.toCanvas(canvas, text, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  show(
    h('h1', null, t('receiptTitle')),
    item.training ? h('p', { class: 'tag training-tag' }, 'LATIHAN') : null,
    h('p', { class: 'muted' }, t('receiptHelp')),
    canvas,
    h(
      'details',
      null,
      h('summary', null, t('copyText')),
      h('textarea', { readonly: true, id: 'receipt-text', rows: 5 }, text),
    ),
    link('#/kirim', t('outbox'), 'btn primary big'),
  );
}

// ---------------------------------------------------------------------------------------------
// Shell

async function renderChrome(): Promise<void> {
  const net = document.getElementById('net')!;
  net.textContent = navigator.onLine ? t('online') : t('offline');
  net.className = `net ${navigator.onLine ? 'on' : 'off'}`;
  const lang = document.getElementById('lang')!;
  lang.textContent = t('switchLang');
  const banner = document.getElementById('training')!;
  const training = activeMode() === 'training' && !!(await db.devices.get('training'));
  banner.hidden = !training;
  banner.textContent = t('trainingBanner');
  document.body.classList.toggle('is-training', training);
}

async function route(): Promise<void> {
  await renderChrome();
  const hash = location.hash || '#/';
  const dev = await device();
  if (hash.startsWith('#/saksi')) return renderWitness(view);
  if (!dev) return renderEnrol();
  await restoreDraft();
  if (hash === '#/foto') return renderCapture();
  if (hash === '#/periksa') return renderReview();
  if (hash === '#/kirim') return renderOutbox();
  const m = /^#\/tanda\/(\d+)$/.exec(hash);
  if (m) return renderReceipt(Number(m[1]));
  return renderHome();
}

const sender = startSender(db, () => {
  if (location.hash === '#/kirim') void renderOutbox();
});

window.addEventListener('hashchange', () => void route());
window.addEventListener('online', () => void renderChrome());
window.addEventListener('offline', () => void renderChrome());
document.getElementById('lang')!.addEventListener('click', () => {
  setLang(otherLang(currentLang()));
  void route();
});
setLang(currentLang());
void route();
void reader.warm().catch(() => undefined);
if ('serviceWorker' in navigator)
  void navigator.serviceWorker.register('/kpps/sw.js', { scope: '/kpps/' }).catch(() => undefined);
