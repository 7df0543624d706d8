// The KPPS field app, started by main.ts once zod is jitless (see there): enrol once, photograph the pages, read them on the phone, review, sign,
// queue, send in the background; the witness receipt (QR) and witness mode; training mode.
// Hash routes: #/ (enrol or home), #/foto, #/periksa, #/kirim, #/tanda/{id}, #/saksi, #/survei.
// start.ts wires the app (app.ts) and routes to its screens: home.ts (enrol, home, training),
// capture.ts, review.ts (review and sign), outbox.ts (outbox and receipt), witness.ts, survey.ts
// (the signal survey at the TPS).
import { otherLang } from '../shared/i18n.ts';
import { device, type App } from './app.ts';
import { openFieldDb } from './db.ts';
import { keepDrafts } from './draft.ts';
import { renderEnrol, renderHome } from './home.ts';
import { currentLang, setLang, t } from './i18n.ts';
import { activeMode } from './mode.ts';
import type { Sender } from './sender.ts';
import { readerClient, type ReaderClient } from './worker-protocol.ts';

// Loading: index.html draws a static frame; this module (enrolment and home) draws the first
// screen; the other screens come as chunks with import() when first opened, the sender just after
// the first screen, and the reader's worker (reader.js, then its model and wasm file) when a screen
// first asks it something or, to be ready for the camera, once the service worker has precached
// it (so a first visit fetches those bytes once, not twice).
const screens = {
  capture: () => import('./capture.ts'),
  review: () => import('./review.ts'),
  outbox: () => import('./outbox.ts'),
  witness: () => import('./witness.ts'),
  survey: () => import('./survey.ts'),
};

/** The reader worker, started on its first call. */
function lazyReader(): ReaderClient {
  let client: ReaderClient | undefined;
  const started = () => (client ??= readerClient());
  return {
    warm: () => started().warm(),
    add: (name, file) => started().add(name, file),
    restore: (name, jpeg) => started().restore(name, jpeg),
    drop: (name) => started().drop(name),
    read: (names, registeredDpt) => started().read(names, registeredDpt),
  };
}

/** The background sender, loaded once `load` is called (after the first screen). */
function lazySender(load: () => Promise<Sender>): { sender: Sender; start(): void } {
  let started: Promise<Sender> | undefined;
  // A load that failed (its chunk not reachable) is not kept: the next call tries again.
  const start = () =>
    (started ??= load().catch((e: unknown) => {
      started = undefined;
      throw e;
    }));
  const later = (fn: (s: Sender) => void) => () => void start().then(fn, () => undefined);
  return {
    sender: {
      kick: later((s) => s.kick()),
      retryNow: later((s) => s.retryNow()),
      stop: later((s) => s.stop()),
    },
    start: () => void start(),
  };
}

const db = openFieldDb();
const reader = lazyReader();
const drafts = keepDrafts(db, reader);
const sending = lazySender(async () => {
  const { startSender } = await import('./sender.ts');
  return startSender(db, () => {
    if (location.hash === '#/kirim') void screens.outbox().then((m) => m.renderOutbox(app));
    // The home screen shows the server's status and a request for a new photo: drawn again when
    // they change (never the enrolment form, which may be half typed).
    else if ((location.hash || '#/') === '#/')
      void device(app).then((d) => (d ? renderHome(app) : undefined));
  });
});
const app: App = {
  db,
  reader,
  drafts,
  get draft() {
    return drafts.current;
  },
  sender: sending.sender,
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
  if (hash.startsWith('#/saksi')) return (await screens.witness()).renderWitness(app.view);
  if (!dev) return renderEnrol(app);
  await drafts.restore();
  if (hash === '#/foto') return (await screens.capture()).renderCapture(app);
  if (hash === '#/periksa') return (await screens.review()).renderReview(app);
  if (hash === '#/kirim') return (await screens.outbox()).renderOutbox(app);
  if (hash === '#/survei') return (await screens.survey()).renderSurvey(app);
  const m = /^#\/tanda\/(\d+)$/.exec(hash);
  if (m) return (await screens.outbox()).renderReceipt(app, Number(m[1]));
  return renderHome(app);
}

window.addEventListener('hashchange', () => void route());
// The signal is back: the sender tries everything now (and is loaded for it, if it was not yet:
// an event that came before its code did would otherwise leave the outbox to its backoff).
window.addEventListener('online', () => {
  void renderChrome();
  app.sender.retryNow();
});
window.addEventListener('offline', () => void renderChrome());
document.getElementById('lang')!.addEventListener('click', () => {
  setLang(otherLang(currentLang()));
  void route();
});
/** Resolves once this page is served by an active service worker (its precache complete). */
async function controlled(): Promise<void> {
  await navigator.serviceWorker.ready;
  if (navigator.serviceWorker.controller) return;
  await new Promise((resolve) =>
    navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
  );
}

setLang(currentLang());
void route().finally(() => {
  // After the first screen: what it does not need.
  sending.start();
  if (!('serviceWorker' in navigator)) {
    void reader.warm().catch(() => undefined);
    return;
  }
  void navigator.serviceWorker.register('/kpps/sw.js', { scope: '/kpps/' }).catch(() => undefined);
  void controlled()
    .then(() => reader.warm())
    .catch(() => undefined);
});
