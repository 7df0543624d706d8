// Capture (#/foto): photograph the form's pages in any order; the reader worker finds each page,
// says how good the photo is and compresses it; then the numbers are read, still on the phone.
import { h } from '../shared/dom.ts';
import { button, device, link, show, type App } from './app.ts';
import type { DraftPhoto } from './draft.ts';
import { t } from './i18n.ts';
import { failureText } from './problems.ts';
import type { Key } from './strings.ts';
import type { PhotoAdded } from './worker-protocol.ts';

/** The guidance in words, and whether the photo is a page the reader can use. */
function guidanceText(p: PhotoAdded): { text: string; good: boolean } {
  const g = p.guidance;
  if (!g.ok) return { text: t(`reason_${g.error.reason}` satisfies Key), good: false };
  const page = g.value.page ? t('pageN', { n: g.value.page }) : t('pageUnknown');
  const sharp = g.value.blur > 1.5 ? t('blurry') : t('sharp');
  return { text: `${page} · ${sharp}`, good: g.value.page !== null };
}

export function renderCapture(app: App): void {
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
      const name = app.drafts.nextPhotoName();
      app.draft.busy++;
      app.draft.reading = undefined;
      renderCapture(app);
      void app.reader
        .add(name, file)
        .then(async (p) => {
          app.draft.photos.push({ ...p, bitmap: await createImageBitmap(p.jpeg) });
          await app.drafts.savePhotos();
        })
        .catch((e: unknown) => alert(failureText(e, 'photo_failed')))
        .finally(() => {
          app.draft.busy--;
          if (location.hash === '#/foto') renderCapture(app);
        });
    }
  });
  const pageOf = (p: DraftPhoto) => (p.guidance.ok ? p.guidance.value.page : null);
  const pagesIn = new Set(app.draft.photos.flatMap((p) => pageOf(p) ?? []));
  const missing = [1, 2, 3].filter((n) => !pagesIn.has(n as 1 | 2 | 3));
  // Pages in order (1, 2, 3), then photos that are not a page, whatever order they finished in.
  const list = [...app.draft.photos]
    .sort((a, b) => (pageOf(a) ?? 9) - (pageOf(b) ?? 9))
    .map((p) => {
      const g = guidanceText(p);
      const thumb = h('img', { src: URL.createObjectURL(p.jpeg), alt: p.name, class: 'thumb' });
      return h(
        'li',
        {
          class: g.good ? 'photo ok' : 'photo bad',
          'data-photo': p.name,
          'data-page': p.guidance.ok ? String(p.guidance.value.page) : '',
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
            app.draft.photos = app.draft.photos.filter((x) => x !== p);
            void app.reader.drop(p.name);
            renderCapture(app);
          },
          { class: 'small' },
        ),
      );
    });
  const readBtn = button(t('read'), () => void readNow(app), { class: 'primary big', id: 'read' });
  readBtn.disabled = app.draft.photos.length === 0 || app.draft.busy > 0;
  show(
    app,
    h('h1', null, t('captureTitle')),
    h('p', { class: 'muted' }, t('captureHelp')),
    label,
    input,
    app.draft.busy ? h('p', { class: 'busy', role: 'status' }, t('processing')) : null,
    h('ul', { class: 'photos' }, list),
    h(
      'p',
      { 'data-testid': 'missing' },
      missing.length ? t('pagesMissing', { p: missing.join(', ') }) : t('allPages'),
    ),
    readBtn,
  );
}

async function readNow(app: App): Promise<void> {
  show(
    app,
    h('h1', null, t('reviewTitle')),
    h('p', { class: 'busy', role: 'status' }, t('reading')),
  );
  try {
    const reading = await app.reader.read(
      app.draft.photos.map((p) => p.name),
      (await device(app))?.registeredDpt ?? null,
    );
    app.draft.reading = reading;
    app.draft.values = Object.fromEntries(
      Object.entries(reading.fields).map(([k, f]) => [k, f.value]),
    );
    app.draft.touched = new Set();
    app.draft.breachConfirmed = false;
    app.drafts.saveReview();
    location.hash = '#/periksa';
  } catch (e) {
    show(
      app,
      h('p', { class: 'error', role: 'alert' }, failureText(e, 'read_failed')),
      link('#/foto', t('captureTitle')),
    );
  }
}
