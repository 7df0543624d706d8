// The zoom onto a field's boxes for the review queue: the photos are raw phone photos, so the
// server finds the page in each with the reader (src/reader/page/find-page.ts: its four markers
// and the homography from page millimetres to photo pixels) and cuts the field's three boxes out
// of it, upright, through the template's geometry (src/reader/template/).
//
// Why on the server and not in the browser: the browser would have to load the page finder and
// decode a full-size photo (several megapixels, often 3 pages) for every TPS it opens, on the
// operator's laptop or phone; the server decodes each photo once, keeps the small result (where
// the page is, which page it is) in memory, and sends crops of a few kilobytes. The reader code is
// the same either way.
import sharp from 'sharp';
import type { GrayImage } from '../reader/image.ts';
import { decodePhoto } from '../reader/node-image.ts';
import { findPage, type PageFailReason } from '../reader/page/find-page.ts';
import { multiply, warpPerspective, type Homography } from '../reader/page/homography.ts';
import { PPWP_TEMPLATE } from '../reader/template/ppwp.ts';
import type { FieldTemplate, Rect } from '../reader/template/types.ts';

/** Where the form's page is in one photo, or why it was not found. */
export type PhotoPage =
  | { found: true; page: 1 | 2 | 3; homography: Homography; fields: string[] }
  | { found: false; reason: PageFailReason | 'unknown-page' | 'undecodable'; detail: string };

/** Resolution of a crop, in pixels per page millimetre (a digit box is 19 mm: 76 px). */
const CROP_PX_PER_MM = 4;
/** Paper kept around the three boxes, in mm: enough to see a digit written over a border. */
const MARGIN_MM = { x: 8, y: 5 };
/** Photos whose page geometry is kept (a few numbers each). */
const GEOMETRY_CACHE = 2000;
/** Decoded photos kept for cutting (megabytes each): the TPS being reviewed, and the one before. */
const IMAGE_CACHE = 6;
/** Crops kept (a few kilobytes each). */
const CROP_CACHE = 3000;

/** A Map used as a small LRU: a hit moves to the end, the oldest goes when full. */
function lru<K, V>(max: number) {
  const m = new Map<K, V>();
  return {
    get(k: K): V | undefined {
      const v = m.get(k);
      if (v !== undefined) {
        m.delete(k);
        m.set(k, v);
      }
      return v;
    },
    set(k: K, v: V) {
      m.delete(k);
      m.set(k, v);
      if (m.size > max) m.delete(m.keys().next().value!);
    },
    delete: (k: K) => m.delete(k),
  };
}

function union(rects: readonly Rect[]): Rect {
  const x0 = Math.min(...rects.map((r) => r.x));
  const y0 = Math.min(...rects.map((r) => r.y));
  const x1 = Math.max(...rects.map((r) => r.x + r.w));
  const y1 = Math.max(...rects.map((r) => r.y + r.h));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function fieldOn(page: 1 | 2 | 3, path: string): FieldTemplate | undefined {
  return PPWP_TEMPLATE.pages.find((p) => p.page === page)?.fields.find((f) => f.path === path);
}

/** The field's boxes with their margin, upright, at CROP_PX_PER_MM. */
export function cutField(img: GrayImage, pageToPhoto: Homography, field: FieldTemplate): GrayImage {
  const r = union(field.boxes);
  const area = {
    x: r.x - MARGIN_MM.x,
    y: r.y - MARGIN_MM.y,
    w: r.w + 2 * MARGIN_MM.x,
    h: r.h + 2 * MARGIN_MM.y,
  };
  const s = 1 / CROP_PX_PER_MM;
  const outToPage = [s, 0, area.x + 0.5 * s, 0, s, area.y + 0.5 * s, 0, 0, 1];
  return warpPerspective(
    img,
    multiply(pageToPhoto, outToPage),
    Math.round(area.w * CROP_PX_PER_MM),
    Math.round(area.h * CROP_PX_PER_MM),
  );
}

export type FieldCrops = {
  /** Where the page is in the photo (computed once per photo, kept in memory). */
  page(sha256: string, bytes: () => Promise<Buffer>): Promise<PhotoPage>;
  /** A JPEG of the field's boxes, or undefined when the page is not found or lacks the field. */
  crop(sha256: string, path: string, bytes: () => Promise<Buffer>): Promise<Buffer | undefined>;
};

/** The crops of one server, with their caches. */
export function fieldCrops(): FieldCrops {
  const pages = lru<string, Promise<PhotoPage>>(GEOMETRY_CACHE);
  const images = lru<string, Promise<GrayImage | undefined>>(IMAGE_CACHE);
  const crops = lru<string, Promise<Buffer | undefined>>(CROP_CACHE);

  const image = (sha256: string, bytes: () => Promise<Buffer>) => {
    let hit = images.get(sha256);
    if (!hit) {
      hit = bytes()
        .then(decodePhoto)
        .then((d) => (d.ok ? d.value.image : undefined));
      hit.catch(() => images.delete(sha256));
      images.set(sha256, hit);
    }
    return hit;
  };

  const page = (sha256: string, bytes: () => Promise<Buffer>) => {
    let hit = pages.get(sha256);
    if (!hit) {
      hit = image(sha256, bytes).then((img): PhotoPage => {
        if (!img)
          return { found: false, reason: 'undecodable', detail: 'the photo does not decode' };
        const seen = findPage(img);
        if (!seen.ok) return { found: false, ...seen.error };
        const n = seen.value.pageId;
        const template = PPWP_TEMPLATE.pages.find((p) => p.page === n);
        if (!n || !template)
          return {
            found: false,
            reason: 'unknown-page',
            detail: 'the page-ID marker could not be read',
          };
        return {
          found: true,
          page: n,
          homography: seen.value.homography,
          fields: template.fields.map((f) => f.path),
        };
      });
      // A failure to read the bytes is not remembered: the next request tries again.
      hit.catch(() => pages.delete(sha256));
      pages.set(sha256, hit);
    }
    return hit;
  };

  return {
    page,
    async crop(sha256, path, bytes) {
      const key = `${sha256}/${path}`;
      let hit = crops.get(key);
      if (!hit) {
        hit = (async () => {
          const where = await page(sha256, bytes);
          if (!where.found) return undefined;
          const field = fieldOn(where.page, path);
          if (!field) return undefined;
          const img = await image(sha256, bytes);
          if (!img) return undefined;
          const cut = cutField(img, where.homography, field);
          return sharp(cut.data, { raw: { width: cut.width, height: cut.height, channels: 1 } })
            .jpeg({ quality: 85 })
            .toBuffer();
        })();
        hit.catch(() => crops.delete(key));
        crops.set(key, hit);
      }
      return hit;
    },
  };
}
