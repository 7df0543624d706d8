// The reader on the phone, in a Web Worker so the page stays responsive: each photo is decoded,
// scaled and compressed to a JPEG (compress.ts), hashed, and checked with findPage for guidance;
// `read` runs readForm on the compressed pixels, the same bytes that are signed and sent.
// The worker is started when the app first needs it (main.ts), and loads the model and its wasm
// file then: one variant, SIMD where the browser has it (field-assets.ts, sw.ts), never the
// multithreaded one, which needs a cross-origin isolated page and is not bundled.
// First: zod must not probe for eval under the CSP (shared/jitless.ts).
import '../shared/jitless.ts';
import { env } from '@tensorflow/tfjs-core';
import { err, ok } from '../../core/result.ts';
import { classifyBoxes } from '../../reader/digits/classify.ts';
import { createDigitClassifier, type DigitClassifier } from '../../reader/digits/model.ts';
import { toGray, type GrayImage } from '../../reader/image.ts';
import { findPage } from '../../reader/page/find-page.ts';
import { readForm } from '../../reader/read-form.ts';
import { compressToTarget } from './compress.ts';
import type { PhotoAdded, WorkerRequest, WorkerResponse } from './worker-protocol.ts';

type Scope = {
  postMessage(m: WorkerResponse): void;
  addEventListener(t: 'message', fn: (e: MessageEvent<WorkerRequest>) => void): void;
};
const scope = self as unknown as Scope;

const images = new Map<string, GrayImage>();
let classifier: Promise<DigitClassifier> | undefined;

function loadClassifier(): Promise<DigitClassifier> {
  classifier ??= (async () => {
    env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const res = await fetch('/kpps/model.bin');
    if (!res.ok) throw new Error(`model.bin: HTTP ${res.status}`);
    return createDigitClassifier(new Uint8Array(await res.arrayBuffer()), {
      wasmPaths: '/kpps/wasm/',
    });
  })();
  return classifier;
}

async function grayOf(blob: Blob): Promise<GrayImage> {
  const bmp = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  return toGray(data, canvas.width, canvas.height, 4);
}

const hex = (buf: ArrayBuffer) =>
  Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

async function addPhoto(name: string, file: Blob): Promise<PhotoAdded> {
  const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const packed = await compressToTarget(bmp.width, bmp.height, async (w, h, quality) => {
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d')!;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bmp, 0, 0, w, h);
    return canvas.convertToBlob({ type: 'image/jpeg', quality });
  });
  bmp.close();
  const jpeg = packed.blob;
  const sha256 = hex(await crypto.subtle.digest('SHA-256', await jpeg.arrayBuffer()));
  const gray = await grayOf(jpeg);
  images.set(name, gray);
  const page = findPage(gray);
  return {
    name,
    jpeg,
    sha256,
    width: packed.width,
    height: packed.height,
    originalBytes: file.size,
    guidance: page.ok
      ? ok({
          page: page.value.pageId,
          blur: page.value.quality.blur,
          pxPerMm: page.value.quality.pxPerMm,
        })
      : err(page.error),
  };
}

scope.addEventListener('message', (e) => {
  const m = e.data;
  void (async () => {
    try {
      switch (m.type) {
        case 'warm':
          await loadClassifier();
          scope.postMessage({ id: m.id, type: 'warm' });
          break;
        case 'add':
          scope.postMessage({ id: m.id, type: 'added', photo: await addPhoto(m.name, m.file) });
          break;
        case 'restore':
          images.set(m.name, await grayOf(m.jpeg));
          scope.postMessage({ id: m.id, type: 'restored' });
          break;
        case 'drop':
          images.delete(m.name);
          scope.postMessage({ id: m.id, type: 'dropped' });
          break;
        case 'read': {
          const c = await loadClassifier();
          const photos = m.names.flatMap((name) => {
            const image = images.get(name);
            return image ? [{ name, image }] : [];
          });
          const reading = readForm(photos, {
            classify: (crops) => classifyBoxes(crops, c).map((r) => r.probabilities),
            registeredDpt: m.registeredDpt,
          });
          scope.postMessage({ id: m.id, type: 'read', reading });
          break;
        }
      }
    } catch (err) {
      scope.postMessage({
        id: m.id,
        type: 'error',
        message: err instanceof Error ? err.message : String(err),
      });
    }
  })();
});
