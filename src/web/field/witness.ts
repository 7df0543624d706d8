// Witness mode (#/saksi, no account): read a receipt from the camera (jsQR on video frames), from a
// photo of the QR code or from pasted text; verify its signature offline; show the numbers; when
// online, check that the published version of the TPS carries exactly this signed result, and say
// what the server made of that version: counted, flagged and why, in review, corrected (by whom,
// why, and the counted numbers beside the signed ones) or superseded by a later version.
import * as jsqrModule from 'jsqr';
import { fieldEntries, type CHasil } from '../../core/chasil.ts';
import { checkPublished } from '../../core/receipt.ts';
import { TpsResultSchema, type TpsResult } from '../../contract/results.ts';
import { versionStatus, type VersionStatus } from '../../contract/version-status.ts';
import { h } from '../shared/dom.ts';
import { dateLocale } from '../shared/i18n.ts';
import { versionStatusWords } from '../shared/review-words.ts';
import { parseAnswer } from './answers.ts';
import { currentLang, fieldLabel, fieldSection, t } from './i18n.ts';
import { cameraProblem, problemText, receiptProblem, type Problem } from './problems.ts';
import { decodeReceipt, verifySummary } from './signing.ts';

type JsQr = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst' },
) => { data: string } | null;
/** jsqr is CommonJS with an ES default export: take the function wherever the bundler put it. */
const jsQR: JsQr = (() => {
  const m = jsqrModule as unknown as { default?: JsQr | { default?: JsQr } };
  if (typeof m.default === 'function') return m.default;
  if (typeof m.default?.default === 'function') return m.default.default;
  return jsqrModule as unknown as JsQr;
})();

let stopCamera: (() => void) | undefined;

function qrFromPixels(data: Uint8ClampedArray, width: number, height: number): string | null {
  return jsQR(data, width, height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

async function qrFromFile(file: Blob): Promise<string | null> {
  const bmp = await createImageBitmap(file);
  const s = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bmp.width * s);
  canvas.height = Math.round(bmp.height * s);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bmp, 0, 0, canvas.width, canvas.height);
  bmp.close();
  return qrFromPixels(
    ctx.getImageData(0, 0, canvas.width, canvas.height).data,
    canvas.width,
    canvas.height,
  );
}

/** The fields whose counted value differs from the signed one, each with both values. */
function differences(signed: CHasil, counted: CHasil): HTMLElement {
  const now = new Map(fieldEntries(counted));
  const rows = fieldEntries(signed).flatMap(([path, v]) => {
    const c = now.get(path) ?? null;
    return c === v ? [] : [{ path, v, c }];
  });
  return h(
    'table',
    { class: 'numbers', 'data-testid': 'corrected-fields' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', null, ''),
        h('th', null, t('colSigned')),
        h('th', null, t('colCounted')),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map(({ path, v, c }) =>
        h(
          'tr',
          { 'data-path': path },
          h('th', null, `${fieldSection(path)} · ${fieldLabel(path)}`),
          h('td', null, String(v)),
          h('td', { class: 'differs' }, c === null ? '–' : String(c)),
        ),
      ),
    ),
  );
}

/** What the server made of the version the receipt matched, with the counted numbers if corrected. */
function statusView(s: VersionStatus, tps: TpsResult, signed: CHasil): HTMLElement {
  const good = s.state === 'counted' || (s.state === 'in_review' && s.counts);
  const counted =
    s.state === 'corrected' ? tps.versions.find((v) => v.version === s.counted) : undefined;
  return h(
    'div',
    { 'data-testid': 'server-status', 'data-server-state': s.state },
    h(
      'p',
      { class: good ? 'ok' : 'warn' },
      t('publishedStatus', { s: versionStatusWords(s, currentLang(), fieldLabel) }),
    ),
    counted
      ? [
          h('p', null, t('correctedTitle', { v: counted.version })),
          differences(signed, counted.result),
        ]
      : null,
  );
}

async function check(text: string, out: HTMLElement): Promise<void> {
  const decoded = decodeReceipt(text);
  if (!decoded.ok) {
    out.replaceChildren(
      h('p', { class: 'error', 'data-testid': 'witness-error' }, problemText(receiptProblem(text))),
    );
    return;
  }
  const r = decoded.value;
  const valid = await verifySummary(r.summary, r.signature, r.publicKey);
  const published = h(
    'p',
    { 'data-testid': 'published' },
    navigator.onLine ? '…' : t('publishedOffline'),
  );
  out.replaceChildren(
    h(
      'p',
      { class: valid ? 'ok big-status' : 'error big-status', 'data-testid': 'signature' },
      valid ? t('sigValid') : t('sigInvalid'),
    ),
    h(
      'p',
      null,
      h('strong', null, `TPS ${r.summary.tps}`),
      ` · ${t('signedAt')} ${new Date(r.summary.signedAt).toLocaleString(dateLocale(currentLang()))}`,
    ),
    h(
      'table',
      { class: 'numbers' },
      h(
        'tbody',
        null,
        fieldEntries(r.summary.result).map(([path, v]) =>
          h(
            'tr',
            { 'data-path': path },
            h('th', null, `${fieldSection(path)} · ${fieldLabel(path)}`),
            h('td', null, String(v)),
          ),
        ),
      ),
    ),
    h(
      'p',
      { class: 'small muted' },
      `${t('photos')}: ${r.summary.photos.map((p) => p.slice(0, 12)).join(', ')}`,
    ),
    published,
  );
  if (!valid || !navigator.onLine) return;
  try {
    const res = await fetch(`/api/v1/tps/${encodeURIComponent(r.summary.tps)}?ballot=ppwp`, {
      cache: 'no-store',
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const tps = parseAnswer(TpsResultSchema, await res.text(), 'TPS result');
    if (!tps.ok) throw new Error(tps.error);
    const c = checkPublished(r, tps.value.versions);
    published.className = c.ok ? 'ok' : 'warn';
    published.textContent = c.ok
      ? t('publishedSame', { v: c.value.version })
      : problemText(c.error.reason, { v: c.error.version ?? '' });
    if (c.ok)
      published.after(
        statusView(versionStatus(tps.value.review, c.value.version), tps.value, r.summary.result),
      );
  } catch {
    // No answer, or one that does not fit: nothing is known of what was published yet.
    published.className = 'warn';
    published.textContent = problemText('published_unchecked');
  }
}

function showProblem(out: HTMLElement, p: Problem): void {
  out.replaceChildren(
    h('p', { class: 'error', role: 'alert', 'data-testid': 'witness-error' }, problemText(p)),
  );
}

export function renderWitness(view: HTMLElement): void {
  stopCamera?.();
  const out = h('div', { id: 'witness-result', 'aria-live': 'polite' });
  const video = h('video', { playsinline: true, muted: true, class: 'scan', hidden: true });
  const camBtn = h('button', { type: 'button', class: 'primary big' }, t('scanCamera'));
  camBtn.addEventListener('click', () => {
    if (stopCamera) {
      stopCamera();
      return;
    }
    void (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        showProblem(out, 'camera_unavailable');
        return;
      }
      try {
        const stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: 'environment' },
        });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        camBtn.textContent = t('stopCamera');
        const canvas = document.createElement('canvas');
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        let on = true;
        stopCamera = () => {
          on = false;
          stream.getTracks().forEach((tr) => tr.stop());
          video.hidden = true;
          camBtn.textContent = t('scanCamera');
          stopCamera = undefined;
        };
        const frame = () => {
          if (!on) return;
          if (video.videoWidth > 0) {
            canvas.width = video.videoWidth;
            canvas.height = video.videoHeight;
            ctx.drawImage(video, 0, 0);
            const text = qrFromPixels(
              ctx.getImageData(0, 0, canvas.width, canvas.height).data,
              canvas.width,
              canvas.height,
            );
            if (text) {
              stopCamera?.();
              void check(text, out);
              return;
            }
          }
          setTimeout(() => requestAnimationFrame(frame), 150);
        };
        frame();
      } catch (e) {
        showProblem(out, cameraProblem(e));
      }
    })();
  });
  const file = h('input', { type: 'file', accept: 'image/*', id: 'qr-photo' });
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    file.value = '';
    if (!f) return;
    void qrFromFile(f).then(
      (text) => (text ? check(text, out) : showProblem(out, 'no_qr')),
      () => showProblem(out, 'no_qr'),
    );
  });
  const paste = h('textarea', { id: 'qr-text', rows: 3, placeholder: 'RKP1.…' });
  const go = h('button', { type: 'button', id: 'qr-check' }, t('check'));
  go.addEventListener('click', () => void check(paste.value, out));
  view.replaceChildren(
    h('h1', null, t('witnessTitle')),
    h('p', { class: 'muted' }, t('witnessHelp')),
    camBtn,
    video,
    h('label', { for: 'qr-photo', class: 'btn' }, t('qrPhoto')),
    file,
    h('label', { for: 'qr-text' }, t('pasteText')),
    paste,
    go,
    out,
    h('a', { href: '#/', class: 'btn' }, t('home')),
  );
}
