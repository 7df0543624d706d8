// The map itself, the portal's one lazily loaded chunk (/portal-map.js, loaded by map-loader.ts
// only when the map is wanted): MapLibre GL drawing a region's children from Rekap's own polygons
// (/api/v1/geo), each filled with the colour map-loader.ts works out from the region's recap.
// Nothing else is fetched: no tiles, no style URL, no glyphs or sprites (no text layers: the
// legend and the hover label are HTML). MapLibre's CSP build runs its worker from
// /portal-map-worker.js, so the page's `worker-src 'self'` holds (no blob: workers).
import { Map as MapLibre, setWorkerUrl, type GeoJSONSource } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import type { RegionGeo } from '../../contract/geo.ts';
import { pagePoint, whenDrawn } from '../shared/map-ready.ts';

/** How one child region is drawn: its fill, how strong, and the words of its hover label. */
export type Shade = { fill: string; opacity: number; tip: string };

export type MapOptions = {
  shades: Record<string, Shade>;
  /** A child region was clicked. */
  onPick(code: string): void;
};

export type MapHandle = {
  setShades(shades: Record<string, Shade>): void;
  remove(): void;
};

export const WORKER_URL = '/portal-map-worker.js';
const SOURCE = 'regions';
const PADDING = 12;
const NO_SHADE: Shade = { fill: '#c9d1d9', opacity: 0.7, tip: '' };

setWorkerUrl(WORKER_URL);

/** The map on the page now, for pointOf. */
let live: { map: MapLibre; geo: RegionGeo } | null = null;

function withShades(geo: RegionGeo, shades: Record<string, Shade>): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: geo.features.map((f) => {
      const s = shades[f.properties.code] ?? NO_SHADE;
      return {
        type: 'Feature',
        properties: { code: f.properties.code, fill: s.fill, opacity: s.opacity },
        geometry: f.geometry,
      };
    }),
  };
}

/** Draws `geo` in `container`; resolves once it is drawn, rejects where MapLibre cannot run. */
export function createMap(
  container: HTMLElement,
  geo: RegionGeo,
  opts: MapOptions,
): Promise<MapHandle> {
  let shades = opts.shades;
  const [w, s, e, n] = geo.bbox;
  const bounds: [number, number, number, number] = [w, s, e, n];
  const map = new MapLibre({
    container,
    style: {
      version: 8,
      sources: { [SOURCE]: { type: 'geojson', data: withShades(geo, shades) } },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#f3f5f7' } },
        {
          id: 'fill',
          type: 'fill',
          source: SOURCE,
          paint: { 'fill-color': ['get', 'fill'], 'fill-opacity': ['get', 'opacity'] },
        },
        {
          id: 'outline',
          type: 'line',
          source: SOURCE,
          paint: { 'line-color': '#ffffff', 'line-width': 1.2 },
        },
        {
          id: 'hover',
          type: 'line',
          source: SOURCE,
          filter: ['==', ['get', 'code'], ''],
          paint: { 'line-color': '#17212b', 'line-width': 2.5 },
        },
      ],
    },
    bounds,
    fitBoundsOptions: { padding: PADDING },
    // A fixed view of the region: the page scrolls over it, and the table is the way to navigate
    // by keyboard (map-loader.ts hides the map from assistive technology).
    attributionControl: false,
    scrollZoom: false,
    boxZoom: false,
    dragRotate: false,
    dragPan: false,
    keyboard: false,
    doubleClickZoom: false,
    touchZoomRotate: false,
    touchPitch: false,
    renderWorldCopies: false,
    fadeDuration: 0,
  });
  map.getCanvas().tabIndex = -1;
  const tip = document.createElement('div');
  tip.className = 'map-tip';
  tip.hidden = true;
  container.appendChild(tip);

  let hovered = '';
  const hover = (code: string, x = 0, y = 0) => {
    if (code !== hovered) map.setFilter('hover', ['==', ['get', 'code'], code]);
    hovered = code;
    map.getCanvas().style.cursor = code ? 'pointer' : '';
    const words = code ? (shades[code]?.tip ?? '') : '';
    tip.hidden = !words;
    if (words) {
      tip.textContent = words;
      tip.style.transform = `translate(${Math.round(x + 12)}px, ${Math.round(y + 12)}px)`;
    }
  };
  const codeAt = (features: { properties?: Record<string, unknown> }[] | undefined) => {
    const code = features?.[0]?.properties?.code;
    return typeof code === 'string' ? code : '';
  };
  map.on('mousemove', 'fill', (ev) => hover(codeAt(ev.features), ev.point.x, ev.point.y));
  map.on('mouseleave', 'fill', () => hover(''));
  map.on('click', 'fill', (ev) => {
    const code = codeAt(ev.features);
    if (code) opts.onPick(code);
  });
  map.on('resize', () => map.fitBounds(bounds, { padding: PADDING, animate: false }));

  const handle: MapHandle = {
    setShades(next) {
      shades = next;
      map.getSource<GeoJSONSource>(SOURCE)?.setData(withShades(geo, shades));
    },
    remove() {
      if (live?.map === map) live = null;
      map.remove();
    },
  };
  return whenDrawn(map, handle, () => {
    live = { map, geo };
  });
}

/**
 * Where, in the page's CSS pixels, the inside point of child `code` is drawn on the map shown now
 * (null when none is), once it is drawn still: for the browser test, which clicks there.
 */
export async function pointOf(code: string): Promise<{ x: number; y: number } | null> {
  const map = live?.map;
  const f = live?.geo.features.find((x) => x.properties.code === code);
  if (!map || !f) return null;
  return pagePoint(map, f.properties.pt);
}
