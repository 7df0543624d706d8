// A photo opened large, without a library: a modal <dialog> (the browser traps focus in it and
// closes it on Esc), the image moved and scaled with one CSS transform. Zoom by the buttons, the
// + and - keys, the mouse wheel or a pinch of two fingers; pan by dragging or the arrow keys; 0
// fits the photo again. Any link with `data-zoom` on the page opens its `href` this way (one
// listener on the document, installed on the first call, so views rebuilt by `patch` need none);
// a click with a modifier key still opens the photo in a tab of its own.
import { h } from '../shared/dom.ts';

const WORDS = {
  id: {
    dialog: 'Foto formulir, diperbesar',
    zoomIn: 'Perbesar',
    zoomOut: 'Perkecil',
    reset: 'Ukuran semula',
    close: 'Tutup',
    hint: 'Geser untuk memindah; roda tetikus, cubit, atau tombol + dan − untuk memperbesar; Esc menutup.',
    original: 'Buka file asli',
  },
  en: {
    dialog: 'Photo of the form, zoomed',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    reset: 'Fit',
    close: 'Close',
    hint: 'Drag to move; wheel, pinch or the + and − keys to zoom; Esc closes.',
    original: 'Open the original file',
  },
} as const;

const MIN = 1;
const MAX = 8;

type View = { scale: number; x: number; y: number };

let installed = false;

/** Makes every `a[data-zoom]` open its photo zoomed. Safe to call on every render. */
export function installPhotoZoom(doc: Document = document): void {
  if (installed) return;
  installed = true;
  doc.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey)
      return;
    const link = (e.target as Element | null)?.closest?.('a[data-zoom]');
    if (!(link instanceof HTMLAnchorElement)) return;
    e.preventDefault();
    openZoom(doc, link.href, link.getAttribute('data-zoom-alt') ?? '', link);
  });
}

/** Opens `src` zoomed; focus goes back to `from` on close. */
export function openZoom(doc: Document, src: string, alt: string, from?: HTMLElement): void {
  const w = doc.documentElement.lang === 'en' ? WORDS.en : WORDS.id;
  doc.querySelector('dialog.zoom')?.remove();
  const view: View = { scale: 1, x: 0, y: 0 };
  const img = h('img', { src, alt, class: 'zoom-img', draggable: 'false' });
  const stage = h('div', { class: 'zoom-stage', 'data-testid': 'zoom-stage' }, img);
  const level = h('output', { class: 'zoom-level', 'aria-live': 'polite' }, '100%');
  const button = (label: string, text: string, action: string) =>
    h(
      'button',
      { type: 'button', class: 'zoom-btn', 'aria-label': label, 'data-action': action },
      text,
    );
  const dialog = h(
    'dialog',
    { class: 'zoom', 'aria-label': w.dialog, 'data-testid': 'photo-zoom' },
    h(
      'div',
      { class: 'zoom-bar' },
      button(w.zoomOut, '−', 'out'),
      level,
      button(w.zoomIn, '+', 'in'),
      button(w.reset, '⤢', 'reset'),
      h('a', { href: src, target: '_blank', rel: 'noopener', class: 'zoom-orig' }, w.original),
      button(w.close, '✕', 'close'),
    ),
    stage,
    h('p', { class: 'zoom-hint small' }, w.hint),
  );

  const apply = () => {
    // Keep the photo over the stage: never panned further than its scaled overhang.
    const r = stage.getBoundingClientRect();
    const maxX = ((view.scale - 1) * r.width) / 2;
    const maxY = ((view.scale - 1) * r.height) / 2;
    view.x = Math.max(-maxX, Math.min(maxX, view.x));
    view.y = Math.max(-maxY, Math.min(maxY, view.y));
    img.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    level.textContent = `${Math.round(view.scale * 100)}%`;
    dialog.setAttribute('data-scale', String(Math.round(view.scale * 100) / 100));
  };
  const zoomTo = (scale: number) => {
    const next = Math.max(MIN, Math.min(MAX, scale));
    const k = next / view.scale;
    view.x *= k;
    view.y *= k;
    view.scale = next;
    apply();
  };
  const pan = (dx: number, dy: number) => {
    view.x += dx;
    view.y += dy;
    apply();
  };

  dialog.addEventListener('click', (e) => {
    const action = (e.target as Element).closest('button')?.getAttribute('data-action');
    if (action === 'in') zoomTo(view.scale * 1.5);
    else if (action === 'out') zoomTo(view.scale / 1.5);
    else if (action === 'reset') zoomTo(1);
    else if (action === 'close') dialog.close();
    else if (e.target === dialog) dialog.close(); // the backdrop
  });
  dialog.addEventListener('keydown', (e) => {
    const step = 40;
    const keys: Record<string, () => void> = {
      '+': () => zoomTo(view.scale * 1.5),
      '=': () => zoomTo(view.scale * 1.5),
      '-': () => zoomTo(view.scale / 1.5),
      _: () => zoomTo(view.scale / 1.5),
      '0': () => zoomTo(1),
      ArrowLeft: () => pan(step, 0),
      ArrowRight: () => pan(-step, 0),
      ArrowUp: () => pan(0, step),
      ArrowDown: () => pan(0, -step),
    };
    const act = keys[e.key];
    if (!act || (e.target instanceof HTMLAnchorElement && e.key.startsWith('Arrow'))) return;
    e.preventDefault();
    act();
  });
  stage.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      zoomTo(view.scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2));
    },
    { passive: false },
  );
  // Drag with one pointer, pinch with two.
  const pointers = new Map<number, { x: number; y: number }>();
  let pinch: { d: number; scale: number } | null = null;
  const distance = () => {
    const [a, b] = [...pointers.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  };
  stage.addEventListener('pointerdown', (e) => {
    stage.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 2) pinch = { d: distance(), scale: view.scale };
  });
  stage.addEventListener('pointermove', (e) => {
    const last = pointers.get(e.pointerId);
    if (!last) return;
    const now = { x: e.clientX, y: e.clientY };
    pointers.set(e.pointerId, now);
    if (pinch && pointers.size === 2) {
      const d = distance();
      if (pinch.d > 0) zoomTo((pinch.scale * d) / pinch.d);
    } else if (pointers.size === 1) pan(now.x - last.x, now.y - last.y);
  });
  const up = (e: PointerEvent) => {
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
  };
  stage.addEventListener('pointerup', up);
  stage.addEventListener('pointercancel', up);
  stage.addEventListener('dblclick', () => zoomTo(view.scale > 1 ? 1 : 2.5));
  dialog.addEventListener('close', () => {
    dialog.remove();
    from?.focus();
  });

  doc.body.appendChild(dialog);
  dialog.showModal();
  dialog.querySelector<HTMLButtonElement>('[data-action="in"]')?.focus();
  apply();
}
