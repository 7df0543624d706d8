// The KPPS field app: enrol once, photograph the pages, read them on the phone, review, sign,
// queue, send in the background; the witness receipt (QR) and witness mode; training mode.
// Hash routes: #/ (enrol or home), #/foto, #/periksa, #/kirim, #/tanda/{id}, #/saksi.
// This file wires the app (app.ts) and routes to its screens: home.ts (enrol, home, training),
// capture.ts, review.ts (review and sign), outbox.ts (outbox and receipt), witness.ts.
// First: zod must not probe for eval under the CSP (shared/jitless.ts).
import '../shared/jitless.ts';
import { otherLang } from '../shared/i18n.ts';
import { device, type App } from './app.ts';
import { renderCapture } from './capture.ts';
import { openFieldDb } from './db.ts';
import { keepDrafts } from './draft.ts';
import { renderEnrol, renderHome } from './home.ts';
import { currentLang, setLang, t } from './i18n.ts';
import { activeMode } from './mode.ts';
import { renderOutbox, renderReceipt } from './outbox.ts';
import { renderReview } from './review.ts';
import { startSender } from './sender.ts';
import { renderWitness } from './witness.ts';
import { readerClient } from './worker-protocol.ts';

const db = openFieldDb();
const reader = readerClient();
const drafts = keepDrafts(db, reader);
const app: App = {
  db,
  reader,
  drafts,
  get draft() {
    return drafts.current;
  },
  sender: startSender(db, () => {
    if (location.hash === '#/kirim') void renderOutbox(app);
  }),
  view: document.getElementById('view')!,
  route,
};

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
  const dev = await device(app);
  if (hash.startsWith('#/saksi')) return renderWitness(app.view);
  if (!dev) return renderEnrol(app);
  await drafts.restore();
  if (hash === '#/foto') return renderCapture(app);
  if (hash === '#/periksa') return renderReview(app);
  if (hash === '#/kirim') return renderOutbox(app);
  const m = /^#\/tanda\/(\d+)$/.exec(hash);
  if (m) return renderReceipt(app, Number(m[1]));
  return renderHome(app);
}

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
