// The first screens: enrolling this phone for its TPS with the KPPS token (once, with a signal),
// the home screen of an enrolled phone (with an operator's request for a new photo, prominently,
// and the server's status of the TPS), and training mode (Bimtek) with its practice TPS.
import * as z from 'zod';
import { parseTpsCode } from '../../core/codes.ts';
import { DeviceSchema, type EnrolDevice } from '../../contract/kpps.ts';
import type { TpsReviewStatus } from '../../contract/results.ts';
import { versionStatus } from '../../contract/version-status.ts';
import { h } from '../shared/dom.ts';
import { photoRequestWords, versionStatusWords } from '../shared/review-words.ts';
import { parseAnswer, refusalOf } from './answers.ts';
import { button, device, link, show, type App } from './app.ts';
import { currentLang, fieldLabel, t } from './i18n.ts';
import { setMode } from './mode.ts';
import { FieldProblem, failureText } from './problems.ts';
import { generateDeviceKey } from './signing.ts';

/** The practice TPS of training mode: never sent anywhere. */
const TRAINING_TPS = '99.99.99.9999.999';

/** The `details` of a `device_limit` refusal. */
const DeviceLimitSchema = z.object({ limit: z.int() });

/** Why an enrolment was refused, in the officer's words: ours for the two a KPPS can act on. */
function enrolRefusal(status: number, text: string): string {
  const body = refusalOf(text);
  if (!body) return `HTTP ${status}`;
  if (body.error === 'device_limit')
    return t('enrolDeviceLimit', { n: DeviceLimitSchema.safeParse(body.details).data?.limit ?? 2 });
  if (body.error === 'bad_token') return t('enrolBadToken');
  return body.text[currentLang()];
}

/**
 * An operator's request for a new photo, as the officer must see it first: who asks and why, and
 * the button that starts the new capture (what is then signed and sent is a new version).
 */
function photoRequest(review: TpsReviewStatus | undefined): HTMLElement | null {
  if (review?.state !== 'photo_requested') return null;
  const r = review.reasons.find((x) => x.code === 'photo_requested');
  if (r?.code !== 'photo_requested') return null;
  const lang = currentLang();
  return h(
    'section',
    { class: 'card warn photo-request', role: 'alert', 'data-testid': 'photo-request' },
    h('h2', null, t('photoRequestTitle')),
    h('p', { class: 'big-status' }, photoRequestWords(r, lang)),
    h('p', { class: 'small' }, t('photoRequestHelp')),
    button(
      t('photoRequestStart'),
      () => {
        location.hash = '#/foto';
      },
      { id: 'photo-request-start', class: 'primary big' },
    ),
  );
}

export async function renderHome(app: App): Promise<void> {
  const dev = await device(app);
  if (!dev) return renderEnrol(app);
  const waiting = await app.db.outbox.where('status').anyOf('waiting', 'sending', 'sent').count();
  const review = dev.mode === 'live' ? dev.review : undefined;
  const latest = review?.latest ?? null;
  show(
    app,
    h('h1', null, dev.mode === 'training' ? `${t('trainingMode')}` : 'KPPS'),
    h(
      'p',
      { class: 'muted', 'data-testid': 'device' },
      t('deviceInfo', { tps: dev.tps, id: dev.deviceId.slice(0, 8) }),
    ),
    photoRequest(review),
    review && latest !== null && review.state !== 'photo_requested'
      ? h(
          'p',
          { class: 'small', 'data-testid': 'tps-status', 'data-state': review.state },
          t('serverStatusLine', {
            s: `v${latest}: ${versionStatusWords(versionStatus(review, latest), currentLang(), fieldLabel)}`,
          }),
        )
      : null,
    link('#/foto', t('newForm'), 'btn primary big'),
    link('#/kirim', `${t('outbox')}${waiting ? ` (${waiting})` : ''}`, 'btn big'),
    link('#/saksi', t('witnessMode'), 'btn'),
    dev.mode === 'live' ? link('#/survei', t('survey'), 'btn') : null,
    dev.mode === 'training'
      ? button(t('leaveTraining'), () => {
          setMode('live');
          app.drafts.forget();
          void app.route();
        })
      : button(t('trainingMode'), () => void enterTraining(app)),
  );
}

async function enterTraining(app: App): Promise<void> {
  setMode('training');
  app.drafts.forget();
  if (!(await app.db.devices.get('training'))) {
    const key = await generateDeviceKey();
    await app.db.devices.put({
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
  await app.route();
}

export function renderEnrol(app: App): void {
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
        const enrol: EnrolDevice = {
          tps: code,
          publicKey: key.publicKey,
          label: navigator.userAgent.slice(0, 100),
        };
        const res = await fetch('/api/v1/kpps/devices', {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token.value.trim()}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(enrol),
        }).catch((e: unknown) => {
          throw new FieldProblem('enrol_unreachable', {}, String(e));
        });
        const text = await res.text();
        if (!res.ok) throw new FieldProblem('enrol_refused', { m: enrolRefusal(res.status, text) });
        const enrolled = parseAnswer(DeviceSchema, text, 'enrolment');
        if (!enrolled.ok) throw new FieldProblem('server_answer', {}, enrolled.error);
        await app.db.devices.put({
          mode: 'live',
          tps: enrolled.value.tps,
          token: token.value.trim(),
          deviceId: enrolled.value.deviceId,
          publicKey: key.publicKey,
          privateKey: key.privateKey,
          enrolledAt: enrolled.value.enrolledAt,
          registeredDpt: enrolled.value.registeredDpt,
        });
        setMode('live');
        await app.route();
      } catch (err) {
        msg.textContent = navigator.onLine
          ? failureText(err, 'enrol_failed')
          : t('enrolNeedsSignal');
        submit.disabled = false;
        submit.textContent = t('enrol');
      }
    })();
  });
  show(
    app,
    h('h1', null, t('enrolTitle')),
    h('p', { class: 'muted' }, t('enrolHelp')),
    form,
    h('hr'),
    link('#/saksi', t('witnessMode'), 'btn'),
    button(t('trainingMode'), () => void enterTraining(app), { id: 'training-start' }),
  );
}
