// The field app's service worker: precaches the app shell, its scripts (the screens' chunks too),
// the reader's worker, the digit model and the one wasm file this browser's reader will run (the
// list and each file's content hash are injected at build time by field-assets.ts), answers them
// from the cache, and answers every navigation under /kpps/ with the cached page, so the app opens
// with no signal at all. API calls are never cached. It is registered after the first screen is
// drawn (main.ts), so its downloads never hold that screen up.
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare const __PRECACHE_MANIFEST__: { url: string; revision: string }[];

type SwScope = {
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(
    type: 'install' | 'activate',
    fn: (e: { waitUntil(p: Promise<unknown>): void }) => void,
  ): void;
};
const sw = self as unknown as SwScope;

/**
 * Whether this browser runs WebAssembly SIMD: the same test module TensorFlow.js's wasm backend
 * validates (its WASM_HAS_SIMD_SUPPORT flag) to pick tfjs-backend-wasm-simd.wasm over
 * tfjs-backend-wasm.wasm, so the variant kept here is the one the reader will fetch.
 */
function hasWasmSimd(): boolean {
  try {
    return WebAssembly.validate(
      new Uint8Array([
        0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15,
        26, 11,
      ]),
    );
  } catch {
    return false;
  }
}

/** The wasm file this browser's reader will not fetch: left out of its precache. */
const unusedWasm = hasWasmSimd() ? /\/tfjs-backend-wasm\.wasm$/ : /\/tfjs-backend-wasm-simd\.wasm$/;

precacheAndRoute(__PRECACHE_MANIFEST__.filter((e) => !unusedWasm.test(e.url)));
cleanupOutdatedCaches();
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/kpps/index.html'), {
    allowlist: [/^\/kpps\//],
  }),
);
sw.addEventListener('install', (e) => e.waitUntil(sw.skipWaiting()));
sw.addEventListener('activate', (e) => e.waitUntil(sw.clients.claim()));
