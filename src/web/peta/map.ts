// The signal map itself, the page's lazily loaded chunk (/peta/peta-map.js, loaded by main.ts only
// when the map is wanted): MapLibre GL drawing the kabupaten's desa from Rekap's own polygons
// (/api/v1/geo), shaded by their share of blank-spot TPS, the TPS as points coloured by class, and
// a line from each blank-spot or weak TPS to its sending point. Like the portal's map (portal/
// map.ts): no tiles, no style URL, no glyphs (the legend is HTML), MapLibre's CSP build with its
// worker from /portal-map-worker.js. The view is fixed and fitted to the chosen region; the page
// around it (the filter, the list, the panel) is the way to navigate by keyboard.
import { Map as MapLibre, setWorkerUrl, type GeoJSONSource } from 'maplibre-gl';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { ConnectivityClassName, ConnectivityMap } from '../../contract/connectivity.ts';
import type { GeoFeature } from '../../contract/geo.ts';
import { WORKER_URL } from '../portal/map.ts';
import { pagePoint, whenDrawn } from '../shared/map-ready.ts';
import { CLASS_COLOURS, CLASS_ORDER } from './words.ts';

export type PetaMapOptions = {
  /** Every desa polygon of the kabupaten. */
  desa: GeoFeature[];
  /** A TPS point was clicked. */
  onPick(tps: string): void;
};

export type PetaMapHandle = {
  /** Draws the TPS of `data` and shades the desa by their share of blank spots. */
  show(data: ConnectivityMap): void;
  /** Fits the view to west, south, east, north. */
  fit(bbox: [number, number, number, number]): void;
  /** Rings the TPS `code` (null: none). */
  select(code: string | null): void;
  remove(): void;
};

const PADDING = 16;
/** Desa with no blank spot, and the darkest shade (all of its TPS blank spots): a purple ramp,
 * apart from the points' colours. */
const SHADE_EMPTY = '#eeecf4';
const SHADE_FULL = '#54278f';
const NO_DATA = '#f7f8f9';

setWorkerUrl(WORKER_URL);

/** The map on the page now, for pointOfTps. */
let live: { map: MapLibre; data: ConnectivityMap | null } | null = null;

type Collection = FeatureCollection<Geometry, Record<string, unknown>>;

function desaCollection(desa: GeoFeature[], data: ConnectivityMap | null): Collection {
  const share = new Map((data?.desa ?? []).map((d) => [d.code, d.blankShare]));
  return {
    type: 'FeatureCollection',
    features: desa.map((f) => ({
      type: 'Feature',
      properties: { code: f.properties.code, share: share.get(f.properties.code) ?? -1 },
      geometry: f.geometry,
    })),
  };
}

function pointCollection(data: ConnectivityMap | null): Collection {
  const features: Feature<Geometry, Record<string, unknown>>[] = [];
  for (const f of data?.features ?? []) {
    if (!f.geometry) continue;
    features.push({
      type: 'Feature',
      properties: { tps: f.properties.tps, class: f.properties.class },
      geometry: { type: 'Point', coordinates: f.geometry.coordinates },
    });
  }
  return { type: 'FeatureCollection', features };
}

/** The line from each blank-spot or weak TPS to its sending point, and the point itself. */
function sendingCollection(data: ConnectivityMap | null): Collection {
  const features: Feature<Geometry, Record<string, unknown>>[] = [];
  for (const f of data?.features ?? []) {
    const p = f.properties.sendingPoint;
    if (!f.geometry || !p || (f.properties.class !== 'none' && f.properties.class !== 'weak'))
      continue;
    const to: [number, number] = [p.lng, p.lat];
    features.push(
      {
        type: 'Feature',
        properties: { kind: 'line', tps: f.properties.tps },
        geometry: { type: 'LineString', coordinates: [f.geometry.coordinates, to] },
      },
      {
        type: 'Feature',
        properties: { kind: 'point', tps: f.properties.tps },
        geometry: { type: 'Point', coordinates: to },
      },
    );
  }
  return { type: 'FeatureCollection', features };
}

const classColour = [
  'match',
  ['get', 'class'],
  'good',
  CLASS_COLOURS.good,
  'weak',
  CLASS_COLOURS.weak,
  'none',
  CLASS_COLOURS.none,
  CLASS_COLOURS.unknown,
] as const;

/** Draws the desa in `container`; resolves once drawn, rejects where MapLibre cannot run. */
export function createPetaMap(
  container: HTMLElement,
  bbox: [number, number, number, number],
  opts: PetaMapOptions,
): Promise<PetaMapHandle> {
  let bounds = bbox;
  let data: ConnectivityMap | null = null;
  const map = new MapLibre({
    container,
    style: {
      version: 8,
      sources: {
        desa: { type: 'geojson', data: desaCollection(opts.desa, null) },
        sending: { type: 'geojson', data: sendingCollection(null) },
        tps: { type: 'geojson', data: pointCollection(null) },
      },
      layers: [
        { id: 'background', type: 'background', paint: { 'background-color': '#f3f5f7' } },
        {
          id: 'desa-fill',
          type: 'fill',
          source: 'desa',
          paint: {
            'fill-color': [
              'case',
              ['<', ['get', 'share'], 0],
              NO_DATA,
              ['interpolate', ['linear'], ['get', 'share'], 0, SHADE_EMPTY, 1, SHADE_FULL],
            ],
            'fill-opacity': 0.85,
          },
        },
        {
          id: 'desa-outline',
          type: 'line',
          source: 'desa',
          paint: { 'line-color': '#ffffff', 'line-width': 1 },
        },
        {
          id: 'sending-line',
          type: 'line',
          source: 'sending',
          filter: ['==', ['get', 'kind'], 'line'],
          paint: { 'line-color': '#17212b', 'line-width': 1.5, 'line-dasharray': [2, 1.5] },
        },
        {
          id: 'sending-point',
          type: 'circle',
          source: 'sending',
          filter: ['==', ['get', 'kind'], 'point'],
          paint: {
            'circle-radius': 3.5,
            'circle-color': '#ffffff',
            'circle-stroke-color': '#17212b',
            'circle-stroke-width': 2,
          },
        },
        {
          id: 'tps',
          type: 'circle',
          source: 'tps',
          // Blank spots on top, then weak, good, unknown.
          layout: {
            'circle-sort-key': ['match', ['get', 'class'], 'none', 3, 'weak', 2, 'good', 1, 0],
          },
          paint: {
            'circle-radius': ['match', ['get', 'class'], 'none', 7, 'weak', 6, 5],
            'circle-color': classColour as never,
            'circle-stroke-color': ['match', ['get', 'class'], 'none', '#17212b', '#ffffff'],
            'circle-stroke-width': ['match', ['get', 'class'], 'none', 2, 1],
          },
        },
        {
          id: 'selected',
          type: 'circle',
          source: 'tps',
          filter: ['==', ['get', 'tps'], ''],
          paint: {
            'circle-radius': 12,
            'circle-color': 'rgba(0,0,0,0)',
            'circle-stroke-color': '#17212b',
            'circle-stroke-width': 3,
          },
        },
      ],
    },
    bounds,
    fitBoundsOptions: { padding: PADDING },
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

  /** Of the TPS under the pointer (several may share a rounded position), the one most in need
   * of a plan: a blank spot before a weak one, as they are drawn. */
  const tpsAt = (features: { properties?: Record<string, unknown> }[] | undefined) => {
    const rank = (c: unknown) => {
      const i = CLASS_ORDER.indexOf(c as ConnectivityClassName);
      return i < 0 ? CLASS_ORDER.length : i;
    };
    const best = [...(features ?? [])].sort(
      (a, b) => rank(a.properties?.class) - rank(b.properties?.class),
    )[0];
    const code = best?.properties?.tps;
    return typeof code === 'string' ? code : '';
  };
  map.on('mousemove', 'tps', () => (map.getCanvas().style.cursor = 'pointer'));
  map.on('mouseleave', 'tps', () => (map.getCanvas().style.cursor = ''));
  map.on('click', 'tps', (ev) => {
    const code = tpsAt(ev.features);
    if (code) opts.onPick(code);
  });
  map.on('resize', () => map.fitBounds(bounds, { padding: PADDING, animate: false }));

  const handle: PetaMapHandle = {
    show(next) {
      data = next;
      if (live?.map === map) live.data = next;
      map.getSource<GeoJSONSource>('desa')?.setData(desaCollection(opts.desa, next));
      map.getSource<GeoJSONSource>('sending')?.setData(sendingCollection(next));
      map.getSource<GeoJSONSource>('tps')?.setData(pointCollection(next));
    },
    fit(next) {
      bounds = next;
      map.fitBounds(bounds, { padding: PADDING, animate: false });
    },
    select(code) {
      map.setFilter('selected', ['==', ['get', 'tps'], code ?? '']);
    },
    remove() {
      if (live?.map === map) live = null;
      map.remove();
    },
  };
  return whenDrawn(map, handle, () => {
    live = { map, data };
  });
}

/**
 * Where, in the page's CSS pixels, TPS `code` is drawn on the map shown now (null when it is not),
 * once the map is still: for the browser test, which clicks there.
 */
export async function pointOfTps(code: string): Promise<{ x: number; y: number } | null> {
  const map = live?.map;
  const f = live?.data?.features.find((x) => x.properties.tps === code);
  if (!map || !f?.geometry) return null;
  return pagePoint(map, f.geometry.coordinates);
}
