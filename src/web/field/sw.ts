// The field app's service worker: precaches the app shell, its scripts, the digit model and the
// wasm files (the list and each file's content hash are injected at build time by
// field-assets.ts), answers them from the cache, and answers every navigation under /kpps/ with
// the cached page, so the app opens with no signal at all. API calls are never cached.
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

precacheAndRoute(__PRECACHE_MANIFEST__);
cleanupOutdatedCaches();
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/kpps/index.html'), {
    allowlist: [/^\/kpps\//],
  }),
);
sw.addEventListener('install', (e) => e.waitUntil(sw.skipWaiting()));
sw.addEventListener('activate', (e) => e.waitUntil(sw.clients.claim()));
