// Review (#/periksa): every number the reader read, beside the crop of its boxes, to compare with
// the paper; the flagged ones must be confirmed or corrected and the form's rules hold (or the
// officer confirms the paper breaks them) before the result is signed with the device key and
// queued in the outbox.
import { voteKeys, PPWP_2024 } from '../../core/ballots.ts';
import { fieldPaths, type CHasil } from '../../core/chasil.ts';
import { checkRules, type RuleBreach } from '../../core/rules.ts';
import type { FieldResult } from '../../reader/read-form.ts';
import { h } from '../shared/dom.ts';
import { button, device, show, type App } from './app.ts';
import { cropPlacement } from './crop.ts';
import type { OutboxItem } from './db.ts';
import { currentLang, fieldLabel, t } from './i18n.ts';
import { failureText } from './problems.ts';
import { signSummary, type SignedSummary } from './signing.ts';
import type { Key } from './strings.ts';

/** The section title of a field path's first part; anything else is a total (section V). */
const SECTION_OF: Record<string, Key> = {
  dpt: 'sec_dpt',
  voters: 'sec_voters',
  ballots: 'sec_ballots',
  disabled: 'sec_disabled',
  votes: 'sec_votes',
};

/** The form's sections in order, each with its fields' paths in form order. */
const SECTIONS: [Key, string[]][] = (() => {
  const sections: [Key, string[]][] = [];
  for (const path of fieldPaths(voteKeys(PPWP_2024))) {
    const title = SECTION_OF[path.split('.')[0]!] ?? 'sec_totals';
    const last = sections.at(-1);
    if (last?.[0] === title) last[1].push(path);
    else sections.push([title, [path]]);
  }
  return sections;
})();

/** The crop of a field's boxes from its photo, turned upright in the page's axes (crop.ts). */
function drawCrop(app: App, field: FieldResult): HTMLCanvasElement | HTMLElement {
  const photo = app.draft.photos.find((p) => p.name === field.boxes?.photo);
  const place = field.boxes ? cropPlacement(field.boxes.corners) : null;
  if (!photo?.bitmap || !place) return h('span', { class: 'crop none' }, t('noCrop'));
  const canvas = h('canvas', { class: 'crop', width: place.width, height: place.height });
  const ctx = canvas.getContext('2d');
  if (ctx) {
    // White where the pad reaches past the photo's edge, then the photo, turned and scaled.
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, place.width, place.height);
    ctx.setTransform(...place.transform);
    ctx.drawImage(photo.bitmap, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }
  return canvas;
}

function currentResult(app: App): CHasil | null {
  const out: Record<string, unknown> = {};
  for (const [, paths] of SECTIONS)
    for (const path of paths) {
      const v = app.draft.values[path];
      if (v === null || v === undefined || !Number.isInteger(v) || v < 0 || v > 999) return null;
      const parts = path.split('.');
      let o = out;
      for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
      o[parts.at(-1)!] = v;
    }
  return out as CHasil;
}

const pendingFlags = (app: App) =>
  Object.values(app.draft.reading?.fields ?? {}).filter(
    (f) => f.flags.length > 0 && !app.draft.touched.has(f.path),
  ).length;

export function renderReview(app: App): void {
  const reading = app.draft.reading;
  if (!reading) {
    location.hash = '#/foto';
    return;
  }
  const rules = h('div', { id: 'rules', 'aria-live': 'polite' });
  const failed = h('p', { class: 'error', role: 'alert', 'data-testid': 'sign-error' });
  const signBtn = button(t('sign'), () => void signAndQueue(app, signBtn, failed), {
    class: 'primary big',
    id: 'sign',
  });
  const confirm = h('input', { type: 'checkbox', id: 'confirm-breach' });
  confirm.checked = app.draft.breachConfirmed;
  const confirmRow = h(
    'label',
    { class: 'confirm-breach', for: 'confirm-breach' },
    confirm,
    t('confirmBreach'),
  );
  confirm.addEventListener('change', () => {
    app.draft.breachConfirmed = confirm.checked;
    update();
  });
  let breaches: RuleBreach[] = [];
  // The register's DPT, learnt at enrolment: until the device record is read, the rules run
  // without it, and again with it once it is known.
  let registeredDpt: number | null = null;
  void device(app).then((d) => {
    registeredDpt = d?.registeredDpt ?? null;
    if (registeredDpt !== null) update();
  });
  const update = () => {
    const result = currentResult(app);
    breaches = result ? checkRules(result, { ballot: 'ppwp', registeredDpt }) : [];
    const pending = pendingFlags(app);
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
    signBtn.disabled =
      !result || pending > 0 || (breaches.length > 0 && !app.draft.breachConfirmed);
    for (const el of app.view.querySelectorAll<HTMLElement>('[data-field]')) {
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
          value: app.draft.values[path] ?? '',
        });
        const ok = h('input', { type: 'checkbox', 'data-confirm': path });
        ok.checked = app.draft.touched.has(path);
        const row = h(
          'div',
          {
            class: `field${flagged ? ' flagged' : ''}`,
            'data-field': path,
            'data-flagged': flagged ? 'true' : 'false',
          },
          h('label', { for: `f-${path}` }, fieldLabel(path)),
          f ? drawCrop(app, f) : null,
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
          app.draft.values[path] = v;
          app.draft.touched.add(path);
          app.drafts.saveReview();
          ok.checked = true;
          app.draft.breachConfirmed = false;
          confirm.checked = false;
          update();
        });
        ok.addEventListener('change', () => {
          if (ok.checked) app.draft.touched.add(path);
          else app.draft.touched.delete(path);
          app.drafts.saveReview();
          update();
        });
        return row;
      }),
    ),
  );
  show(
    app,
    h('h1', null, t('reviewTitle')),
    h('p', { class: 'muted' }, t('reviewHelp')),
    sections,
    h('div', { class: 'sticky' }, rules, confirmRow, signBtn, failed),
  );
  update();
}

/** Signs and queues the result; a failure (storage full, say) is said under the button. */
async function signAndQueue(app: App, btn: HTMLButtonElement, failed: HTMLElement): Promise<void> {
  btn.disabled = true;
  btn.textContent = t('signing');
  failed.textContent = '';
  let queued = false;
  try {
    queued = await signAndQueueNow(app);
  } catch (e) {
    failed.textContent = failureText(e, 'sign_failed');
  }
  if (queued) return;
  btn.disabled = false;
  btn.textContent = t('sign');
}

/** Whether the result was signed and queued (not when there is no device, result or reading). */
async function signAndQueueNow(app: App): Promise<boolean> {
  const dev = await device(app);
  const result = currentResult(app);
  const reading = app.draft.reading;
  if (!dev || !result || !reading) return false;
  const pageOf = new Map(
    reading.pages.flatMap((p) => (p.found ? [[p.photo, p.page] as const] : [])),
  );
  const ordered = [...app.draft.photos].sort(
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
    breaches: checkRules(result, { ballot: 'ppwp', registeredDpt: dev.registeredDpt ?? null }).map(
      (b) => b.rule,
    ),
    status: training ? 'local' : 'waiting',
    attempts: 0,
    nextAttemptAt: 0,
  };
  const id = await app.db.outbox.add(item);
  await app.drafts.discard();
  app.sender.kick();
  location.hash = `#/tanda/${id}`;
  return true;
}
