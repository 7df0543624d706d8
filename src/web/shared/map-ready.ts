// What the portal's map (portal/map.ts) and the signal map (peta/map.ts) both do with a MapLibre
// map: wait for its first drawing (or its failure, where WebGL or the worker cannot run), and say
// where a point is drawn in the page's CSS pixels once the map is still, for the browser tests.
import type { Map as MapLibre } from 'maplibre-gl';

/**
 * Resolves with `handle` once `map` has drawn itself the first time (after `onReady`, and with
 * `data-map-ready` set on its container); where MapLibre fails first, removes the map and rejects.
 */
export function whenDrawn<H>(map: MapLibre, handle: H, onReady: () => void): Promise<H> {
  return new Promise((resolve, reject) => {
    const failed = (ev: { error?: Error }) => {
      map.off('idle', ready);
      map.off('error', failed);
      map.remove();
      reject(ev.error ?? new Error('the map could not be drawn'));
    };
    const ready = () => {
      map.off('idle', ready);
      map.off('error', failed);
      onReady();
      map.getContainer().dataset.mapReady = 'true';
      resolve(handle);
    };
    map.on('error', failed);
    map.on('idle', ready);
  });
}

/** Where `lngLat` is drawn in the page's CSS pixels, once any resize (and refit) has been drawn. */
export async function pagePoint(
  map: MapLibre,
  lngLat: [number, number],
): Promise<{ x: number; y: number }> {
  await new Promise<void>((resolve) => {
    requestAnimationFrame(() => {
      if (map.loaded() && !map.isMoving()) resolve();
      else void map.once('idle', () => resolve());
    });
  });
  const p = map.project(lngLat);
  const box = map.getContainer().getBoundingClientRect();
  return { x: box.left + p.x, y: box.top + p.y };
}
