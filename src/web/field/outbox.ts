// The outbox (#/kirim): every signed result of the active mode with its sending status and, once
// the server holds it, what the server made of it (counted, flagged and why, in review, corrected
// by whom, superseded); and the witness receipt (#/tanda/{id}) of one, as a QR code and as text.
import QRCode from 'qrcode';
import { h } from '../shared/dom.ts';
import { dateLocale } from '../shared/i18n.ts';
import { versionStatusWords } from '../shared/review-words.ts';
import { button, link, show, type App } from './app.ts';
import type { OutboxItem } from './db.ts';
import { currentLang, fieldLabel, t } from './i18n.ts';
import { activeMode } from './mode.ts';
import { encodeReceipt } from './signing.ts';
import type { Key } from './strings.ts';

/** The server's status of a sent item, in the officer's words; a result that does not count says so. */
function serverStatus(i: OutboxItem): HTMLElement | null {
  if (!i.server) return null;
  const s = i.server.status;
  const good = s.state === 'counted' || (s.state === 'in_review' && s.counts);
  return h(
    'p',
    {
      class: `server-status ${good ? 'ok' : 'warn'}`,
      'data-testid': 'server-status',
      'data-server-state': s.state,
      'data-version': String(i.server.version),
    },
    h('strong', null, `v${i.server.version}: `),
    versionStatusWords(s, currentLang(), fieldLabel),
  );
}

export async function renderOutbox(app: App): Promise<void> {
  const items = (await app.db.outbox.toArray())
    .filter((i) => i.training === (activeMode() === 'training'))
    .reverse();
  show(
    app,
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
              t(`st_${i.status}` satisfies Key),
            ),
            i.attempts ? ` · ${t('attempts', { n: i.attempts })}` : '',
          ),
          serverStatus(i),
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
    activeMode() === 'live' ? button(t('sendNow'), () => app.sender.retryNow()) : null,
  );
}

export async function renderReceipt(app: App, id: number): Promise<void> {
  const item = await app.db.outbox.get(id);
  if (!item) return renderOutbox(app);
  const text = encodeReceipt({
    summary: item.summary,
    signature: item.signature,
    publicKey: item.publicKey,
  });
  const canvas = h('canvas', { id: 'qr', class: 'qr' });
  await QRCode.toCanvas(canvas, text, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  show(
    app,
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
