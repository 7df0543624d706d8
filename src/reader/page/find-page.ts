// Finds the C.HASIL-PPWP page in a photo: its four corner markers, which way up it is, which page
// (1-3) it is, and the homography from page millimetres to photo pixels. Works on a downscaled copy
// for the search and refines the marker centres on the full image.

import { err, ok, type Result } from '../../core/result.ts';
import type { GrayImage } from '../image.ts';
import {
  affineFromPoints,
  apply,
  homographyFromPoints,
  jacobian,
  multiply,
  sampleBilinear,
  warpPerspective,
  type Homography,
  type Point,
} from './homography.ts';
import { MARKER_DARK_DIAGONAL, MARKER_MM, MARKERS_MM, PAGE_MM } from './layout.ts';
import {
  checkerScore,
  downscale,
  findMarkers,
  halfTurnAngle,
  refineCentre,
  type MarkerCandidate,
} from './markers.ts';
import { readPageId, type PageIdReading, type PageNumber } from './page-id.ts';

export type Rotation = 0 | 90 | 180 | 270;

export type PageQuality = {
  /** Edge spread (25%-75% rise) of the markers' outer edges, in page mm: bigger is blurrier. */
  blur: number;
  /** Mean gray of light minus dark around the markers, 0..255. */
  contrast: number;
  /** Weakest marker's pattern score, 0..1. */
  markerScore: number;
  /** Photo pixels per page millimetre, smallest over the four corners. */
  pxPerMm: number;
  /** Page-ID fiducial: mismatched modules of 64 to the chosen page. */
  pageIdDistance: number;
};

export type PageFound = {
  /** Marker centres in the photo, in page order: top-left, top-right, bottom-right, bottom-left. */
  corners: [Point, Point, Point, Point];
  /** Clockwise angle by which the page appears turned in the photo. */
  rotation: Rotation;
  /** Page mm -> photo px, row-major 3x3. */
  homography: Homography;
  /** Which page of the form, or null when the fiducial could not be read. */
  pageId: PageNumber | null;
  quality: PageQuality;
};

/**
 * Why no page was found, each with a different thing for the officer to do: `cut-off` step back,
 * `corner-hidden` uncover or light a corner, `too-small` come closer, `too-dark` more light,
 * `too-blurry` hold still, `not-a-form` photograph the whole page.
 */
export type PageFailReason =
  'not-a-form' | 'too-dark' | 'too-blurry' | 'cut-off' | 'corner-hidden' | 'too-small';

export type PageNotFound = { reason: PageFailReason; detail: string };

export type PageResult = Result<PageFound, PageNotFound>;

/** Longest side of the copy the markers are searched in. */
const WORK_SIDE = 1400;
/** Candidates considered for the quadrilateral search. */
const TOP_K = 18;
/** Beyond this edge spread (page mm) the digits cannot be read. */
const MAX_BLUR_MM = 2.5;
/** Below this the digit boxes (about 19 mm) are under 19 px across. */
const MIN_PX_PER_MM = 1;

const fail = (reason: PageFailReason, detail: string) => err<PageNotFound>({ reason, detail });

export function findPage(img: GrayImage): PageResult {
  const { width: w, height: h } = img;
  if (w < 120 || h < 120 || img.data.length < w * h)
    return fail('too-small', `the image is ${w}x${h} px; at least 120 px a side is needed`);
  const factor = Math.max(1, Math.ceil(Math.max(w, h) / WORK_SIDE));
  const first = findPageAt(img, factor);
  // Markers missed on the downscaled copy (a steep tilt makes the far ones small): look once more
  // at twice the resolution. Costs about four times a search, and only when the first one fails.
  if (
    first.ok ||
    factor === 1 ||
    first.error.reason === 'too-dark' ||
    first.error.reason === 'too-blurry'
  )
    return first;
  const second = findPageAt(img, Math.max(1, Math.floor(factor / 2)));
  return second.ok ? second : first;
}

function findPageAt(img: GrayImage, factor: number): PageResult {
  const small = downscale(img, factor);

  const hist = new Uint32Array(256);
  for (let i = 0; i < small.data.length; i++) hist[small.data[i]!]!++;
  const p95 = percentile(hist, small.data.length, 0.95);
  const p05 = percentile(hist, small.data.length, 0.05);
  if (p95 < 50) return fail('too-dark', `95% of the image is darker than ${p95} of 255`);
  if (p95 - p05 < 12) return fail('not-a-form', 'the image is almost uniform');

  const minSide = Math.min(small.width, small.height);
  const cands = findMarkers(small, { minSquare: 2.5, maxSquare: Math.max(6, minSide / 10) }).slice(
    0,
    TOP_K,
  );
  // The best quadrilaterals; the first whose page-ID fiducial reads plausibly either way up.
  const quad =
    bestQuads(cands, 6).find((q) => fiducialPlausible(small, q)) ?? recoverFourth(cands, small);
  if (!quad) return explainMissing(cands, small);

  // Refine the marker centres on the full image.
  const toFull = (p: Point): Point => ({
    x: p.x * factor + (factor - 1) / 2,
    y: p.y * factor + (factor - 1) / 2,
  });
  const corners = quad.markers.map((m) => {
    const start = toFull(m);
    const side = m.square * factor;
    const q = refineCentre(img, start, Math.max(2, side * 0.6));
    return Math.hypot(q.x - start.x, q.y - start.y) < side * 0.5 ? q : start;
  }) as [Point, Point, Point, Point];
  let H = homographyFromPoints(MARKERS_MM, corners);
  if (!H) return fail('not-a-form', 'the markers found do not form a page');

  // 0 or 180 degrees from the search: let the page-ID fiducial decide.
  const flipped = [corners[2], corners[3], corners[0], corners[1]] as [Point, Point, Point, Point];
  const Hf = homographyFromPoints(MARKERS_MM, flipped);
  const id = readPageIdNear(img, H);
  const idF = Hf ? readPageIdNear(img, Hf) : null;
  let chosen = corners;
  let pageId = id;
  if (Hf && idF && idF.distance < id.distance) {
    H = Hf;
    chosen = flipped;
    pageId = idF;
  }
  const markerScore = Math.min(...quad.markers.map((m) => m.score));
  const pxPerMm = Math.min(...MARKERS_MM.map((p) => Math.sqrt(Math.abs(det2(jacobian(H, p))))));
  const { blur, contrast } = measureEdges(img, H);
  if (blur > MAX_BLUR_MM)
    return fail('too-blurry', `the marker edges are spread over ${blur.toFixed(1)} mm of the page`);
  if (pxPerMm < MIN_PX_PER_MM)
    return fail(
      'too-small',
      `the page is photographed at ${pxPerMm.toFixed(2)} px/mm; at least ${MIN_PX_PER_MM} is needed`,
    );
  return ok({
    corners: chosen,
    rotation: rotationOf(H),
    homography: H,
    pageId: pageId.page,
    quality: { blur, contrast, markerScore, pxPerMm, pageIdDistance: pageId.distance },
  });
}

/**
 * The rectified page at `pxPerMm` (e.g. 2 gives 1200 x 1800 px): output pixel (i, j) shows page
 * point ((i + 0.5) / pxPerMm, (j + 0.5) / pxPerMm) mm.
 */
export function rectify(img: GrayImage, pageToPhoto: Homography, pxPerMm: number): GrayImage {
  const s = 1 / pxPerMm;
  const outToPage = [s, 0, 0.5 * s, 0, s, 0.5 * s, 0, 0, 1];
  return warpPerspective(
    img,
    multiply(pageToPhoto, outToPage),
    Math.round(PAGE_MM.width * pxPerMm),
    Math.round(PAGE_MM.height * pxPerMm),
  );
}

type Quad = {
  markers: [MarkerCandidate, MarkerCandidate, MarkerCandidate, MarkerCandidate];
  score: number;
};

/**
 * A page's fiducial, read through the quad either way up, is within 14 of 64 modules of a page:
 * where the quad puts it, or (the search copy's marker centres are rough, by a few mm when blur
 * smears them) up to 6 mm from there.
 */
function fiducialPlausible(img: GrayImage, q: Quad): boolean {
  const pts = q.markers.map((c) => ({ x: c.x, y: c.y }));
  const orders = [pts, [pts[2]!, pts[3]!, pts[0]!, pts[1]!]];
  return orders.some((o) => {
    const H = homographyFromPoints(MARKERS_MM, o);
    return H !== null && readPageIdNear(img, H, 14).distance <= 14;
  });
}

/** The best `limit` sets of four candidates forming the page's marker rectangle, in page order (0 or 180 degrees). */
function bestQuads(cands: MarkerCandidate[], limit: number): Quad[] {
  const found: Quad[] = [];
  const n = cands.length;
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++)
      for (let c = b + 1; c < n; c++)
        for (let d = c + 1; d < n; d++) {
          const four = [cands[a]!, cands[b]!, cands[c]!, cands[d]!];
          const sizes = four.map((m) => m.square);
          if (Math.max(...sizes) > 3.2 * Math.min(...sizes)) continue;
          // The page's turn is shared: the dark diagonals agree within a tilt's skew.
          if (!anglesAgree(four, 0.5)) continue;
          const ordered = clockwise(four);
          if (!ordered) continue;
          // Adjacent markers are 69 (short side) to 110 (long side) squares apart on the page.
          if (!sidesPlausible(ordered)) continue;
          for (let k = 0; k < 4; k++) {
            const assigned = [0, 1, 2, 3].map((i) => ordered[(i + k) % 4]!) as Quad['markers'];
            const score = quadScore(assigned);
            if (score !== null) found.push({ markers: assigned, score });
          }
        }
  return found.sort((p, q) => q.score - p.score).slice(0, limit);
}

/** Each side of the quad, in mean square sides, within what perspective allows of 69..110. */
function sidesPlausible(o: readonly MarkerCandidate[]): boolean {
  const sq = o.reduce((s, m) => s + m.square, 0) / o.length;
  for (let i = 0; i < 4; i++) {
    const p = o[i]!;
    const q = o[(i + 1) % 4]!;
    const len = Math.hypot(p.x - q.x, p.y - q.y) / sq;
    if (len < 69 * 0.5 || len > 110 * 1.8) return false;
  }
  return true;
}

/** Whether the candidates' dark-diagonal directions (mod pi) are all within `tol` radians. */
function anglesAgree(ms: readonly MarkerCandidate[], tol: number): boolean {
  const ref = ms[0]!.angle;
  for (const m of ms) {
    let d = Math.abs(m.angle - ref) % Math.PI;
    d = Math.min(d, Math.PI - d);
    if (d > tol) return false;
  }
  return true;
}

/** The four candidates ordered clockwise (in image coordinates, y down) if they form a convex quad. */
function clockwise(four: MarkerCandidate[]): MarkerCandidate[] | null {
  const cx = four.reduce((s, m) => s + m.x, 0) / 4;
  const cy = four.reduce((s, m) => s + m.y, 0) / 4;
  const o = [...four].sort(
    (p, q) => Math.atan2(p.y - cy, p.x - cx) - Math.atan2(q.y - cy, q.x - cx),
  );
  for (let i = 0; i < 4; i++) {
    const p = o[i]!;
    const q = o[(i + 1) % 4]!;
    const r = o[(i + 2) % 4]!;
    if ((q.x - p.x) * (r.y - q.y) - (q.y - p.y) * (r.x - q.x) <= 0) return null;
  }
  return o;
}

/** How well markers assigned to TL, TR, BR, BL fit the page; null when implausible. */
function quadScore(m: readonly MarkerCandidate[]): number | null {
  const pts = m.map((c) => ({ x: c.x, y: c.y }));
  const H = homographyFromPoints(MARKERS_MM, pts);
  if (!H) return null;
  return markersFit(H, m, MARKERS_MM);
}

/** Checks each marker's size and dark-diagonal direction against the homography's local map. */
function markersFit(
  H: Homography,
  m: readonly MarkerCandidate[],
  at: readonly Point[],
): number | null {
  let score = 0;
  const scales: number[] = [];
  for (let i = 0; i < m.length; i++) {
    const J = jacobian(H, at[i]!);
    const det = det2(J);
    if (!(det > 0)) return null; // mirrored or degenerate
    const [sMax, sMin] = singular(J);
    if (sMax > 2.6 * sMin) return null; // far more oblique than a 35 degree tilt
    const predicted = (Math.sqrt(det) * MARKER_MM) / 2;
    if (predicted < 2.5) return null;
    const ratio = m[i]!.square / predicted;
    if (ratio < 0.55 || ratio > 1.7) return null;
    // The dark diagonal, mapped back to the page, must run top-left to bottom-right.
    const u = { x: Math.cos(m[i]!.angle), y: Math.sin(m[i]!.angle) };
    const back = { x: (J[3] * u.x - J[1] * u.y) / det, y: (-J[2] * u.x + J[0] * u.y) / det };
    const len = Math.hypot(back.x, back.y);
    const cos = Math.abs(back.x * MARKER_DARK_DIAGONAL.x + back.y * MARKER_DARK_DIAGONAL.y) / len;
    if (cos < 0.85) return null;
    scales.push(Math.sqrt(det));
    score += m[i]!.score + cos - Math.abs(Math.log(ratio));
  }
  if (Math.max(...scales) > 3.2 * Math.min(...scales)) return null;
  return score;
}

type Three = {
  markers: MarkerCandidate[];
  /** Which page corner (0-3: TL, TR, BR, BL) is missing, and where the affine fit puts it. */
  missing: number;
  predicted: Point;
  /** Page mm -> photo px, fitted to the three markers (no perspective). */
  affine: Homography;
};

/** Sets of three candidates that fit three page corners, with a plausible fiducial, best first. */
function threeMarkerFits(cands: MarkerCandidate[], img: GrayImage, maxId = 16): Three[] {
  const strong = cands.filter((c) => c.score > 0.2).slice(0, 12);
  const fits: (Three & { score: number })[] = [];
  for (let a = 0; a < strong.length; a++)
    for (let b = a + 1; b < strong.length; b++)
      for (let c = b + 1; c < strong.length; c++) {
        const three = [strong[a]!, strong[b]!, strong[c]!];
        for (let missing = 0; missing < 4; missing++) {
          const at = [0, 1, 2, 3].filter((i) => i !== missing).map((i) => MARKERS_MM[i]!);
          for (const perm of PERMS3) {
            const mk = perm.map((i) => three[i]!);
            const A = affineFromPoints(at, mk);
            if (!A) continue;
            const score = markersFit(A, mk, at);
            if (score === null) continue;
            // The fiducial sits by the top-right marker; read it either way up. The affine fit ignores
            // perspective, so the fiducial may be off by a few mm: search around.
            const flipped = multiply(A, [-1, 0, PAGE_MM.width, 0, -1, PAGE_MM.height, 0, 0, 1]);
            const id = Math.min(nearestPageId(img, A), nearestPageId(img, flipped));
            if (id > maxId) continue;
            fits.push({
              markers: mk,
              missing,
              predicted: apply(A, MARKERS_MM[missing]!),
              affine: A,
              score: score - id / 8,
            });
          }
        }
      }
  return fits.sort((p, q) => q.score - p.score);
}

/**
 * The page-ID reading through `H`, or through `H` shifted by up to 6 mm where that reads nearer a
 * page: the markers' centres are rough on the search copy, and a phone's lens bends a page's
 * middle by a few mm away from where four corners put it.
 */
function readPageIdNear(img: GrayImage, H: Homography, goodEnough = 0): PageIdReading {
  // A 3 mm grid (a module is 4 mm), then 1.5 mm around its best: 34 readings at most; it stops
  // at a reading within `goodEnough` modules of a page.
  const at = (dx: number, dy: number) =>
    readPageId(img, dx === 0 && dy === 0 ? H : multiply(H, [1, 0, dx, 0, 1, dy, 0, 0, 1]));
  let best = at(0, 0);
  if (best.distance <= goodEnough) return best;
  let cx = 0;
  let cy = 0;
  for (let dy = -6; dy <= 6; dy += 3)
    for (let dx = -6; dx <= 6; dx += 3) {
      if (dx === 0 && dy === 0) continue;
      const r = at(dx, dy);
      if (r.distance < best.distance) [best, cx, cy] = [r, dx, dy];
      if (r.distance <= goodEnough) return r;
    }
  for (let dy = cy - 1.5; dy <= cy + 1.5; dy += 1.5)
    for (let dx = cx - 1.5; dx <= cx + 1.5; dx += 1.5) {
      if (dx === cx && dy === cy) continue;
      const r = at(dx, dy);
      if (r.distance < best.distance) best = r;
    }
  return best;
}

const nearestPageId = (img: GrayImage, H: Homography): number => readPageIdNear(img, H).distance;

/**
 * Three markers found and the fourth missed (shadow, glare, a fold, or cut by the photo's edge):
 * look again where the other three put it, first with a gentler threshold, then by matching the
 * marker's checkerboard directly in the page's local scale and turn.
 */
function recoverFourth(cands: MarkerCandidate[], small: GrayImage): Quad | null {
  // The fiducial through three markers' affine fit may be several mm off under perspective, so
  // it only ranks the fits here; the four-marker homography's fiducial decides (accept below).
  for (const t of threeMarkerFits(cands, small, 40).slice(0, 3)) {
    const { predicted: p } = t;
    const side = t.markers.reduce((s, m) => s + m.square, 0) / 3;
    const accept = (m: MarkerCandidate): Quad | null => {
      const four = [...t.markers];
      four.splice(t.missing, 0, m);
      const score = quadScore(four);
      const q = { markers: four as Quad['markers'], score: score ?? 0 };
      return score !== null && fiducialPlausible(small, q) ? q : null;
    };
    const half = Math.ceil(side * 9);
    const x0 = Math.max(0, Math.round(p.x) - half);
    const y0 = Math.max(0, Math.round(p.y) - half);
    const x1 = Math.min(small.width, Math.round(p.x) + half);
    const y1 = Math.min(small.height, Math.round(p.y) + half);
    if (x1 - x0 >= side * 4 && y1 - y0 >= side * 4) {
      const crop: GrayImage = {
        width: x1 - x0,
        height: y1 - y0,
        data: new Uint8Array((x1 - x0) * (y1 - y0)),
      };
      for (let y = y0; y < y1; y++)
        crop.data.set(
          small.data.subarray(y * small.width + x0, y * small.width + x1),
          (y - y0) * crop.width,
        );
      for (const frac of [0.1, 0.06]) {
        const found = findMarkers(crop, {
          minSquare: Math.max(2, side * 0.5),
          maxSquare: side * 2,
          radius: Math.round(side * 3),
          frac,
          minContrast: 8,
        })
          .map((m) => ({ ...m, x: m.x + x0, y: m.y + y0 }))
          .filter((m) => Math.hypot(m.x - p.x, m.y - p.y) < side * 7);
        for (const m of found) {
          const q = accept(m);
          if (q) return q;
        }
      }
    }
    // Where perspective moves the fourth from the affine guess: up to a fifth of the page away.
    const span = Math.max(
      ...t.markers.map((m) => Math.hypot(m.x - t.markers[0]!.x, m.y - t.markers[0]!.y)),
    );
    for (const m of matchMarker(
      small,
      t.affine,
      MARKERS_MM[t.missing]!,
      Math.max(side * 7, span / 5),
    )) {
      const q = accept(m);
      if (q) return q;
    }
  }
  return null;
}

/** Dark (top-left, bottom-right) and light quadrants of a marker, as unit page directions. */
const QUADRANTS = [
  { dx: -1, dy: -1, dark: true },
  { dx: 1, dy: 1, dark: true },
  { dx: 1, dy: -1, dark: false },
  { dx: -1, dy: 1, dark: false },
] as const;
/** Where in a quadrant to sample, as fractions of a square's side. */
const QUADRANT_SAMPLES = [0.3, 0.55, 0.8].flatMap((a) => [0.3, 0.55, 0.8].map((b) => [a, b]));

/**
 * Places for the marker, searched by its pattern near where `A` puts page point `at`, within
 * `reach` px, best first (at most five):
 * two dark and two light squares in the page's own scale and turn. Samples outside the photo are
 * left out, so a marker cut by the photo's edge still answers as long as its centre and most of
 * it are in view. The best place is refined to the squares' touching point.
 */
function matchMarker(img: GrayImage, A: Homography, at: Point, reach: number): MarkerCandidate[] {
  const J = jacobian(A, at);
  const square = MARKER_MM / 2;
  const offsets = QUADRANTS.flatMap((q, quadrant) =>
    QUADRANT_SAMPLES.map(([a, b]) => {
      const mx = q.dx * a! * square;
      const my = q.dy * b! * square;
      return { x: J[0] * mx + J[1] * my, y: J[2] * mx + J[3] * my, dark: q.dark, quadrant };
    }),
  );
  const seen = [0, 0, 0, 0];
  const scoreAt = (x: number, y: number): number => {
    seen.fill(0);
    let nd = 0;
    let nl = 0;
    let sd = 0;
    let sl = 0;
    let maxDark = 0;
    let minLight = 255;
    for (const o of offsets) {
      const px = x + o.x;
      const py = y + o.y;
      if (px < 0 || py < 0 || px > img.width - 1 || py > img.height - 1) continue;
      seen[o.quadrant]!++;
      const v = sampleBilinear(img, px, py);
      if (o.dark) {
        nd++;
        sd += v;
        if (v > maxDark) maxDark = v;
      } else {
        nl++;
        sl += v;
        if (v < minLight) minLight = v;
      }
    }
    // The centre in the photo: a row or column of samples in every square, half of them in all.
    if (seen.some((n) => n < 3) || nd + nl < offsets.length / 2) return 0;
    return checkerScore({ max: maxDark, mean: sd / nd }, { min: minLight, mean: sl / nl });
  };
  const p = apply(A, at);
  const sidePx = Math.sqrt(Math.abs(det2(J))) * square;
  const step = Math.max(0.5, sidePx / 4);
  const hits: { x: number; y: number; score: number }[] = [];
  for (let dy = -reach; dy <= reach; dy += step)
    for (let dx = -reach; dx <= reach; dx += step) {
      const x = p.x + dx;
      const y = p.y + dy;
      if (x < 0 || y < 0 || x > img.width - 1 || y > img.height - 1) continue;
      const score = scoreAt(x, y);
      if (score >= 0.15) hits.push({ x, y, score });
    }
  hits.sort((a, b) => b.score - a.score);
  const places: typeof hits = [];
  for (const h of hits) {
    if (places.length === 5) break;
    if (places.some((q) => Math.hypot(q.x - h.x, q.y - h.y) < 2 * sidePx)) continue;
    places.push(h);
  }
  const angle = halfTurnAngle({ x: J[0] + J[1], y: J[2] + J[3] });
  return places.map((best) => {
    const refined = refineCentre(img, best, Math.max(2, sidePx * 0.6));
    const c = Math.hypot(refined.x - best.x, refined.y - best.y) < sidePx * 0.5 ? refined : best;
    return {
      x: c.x,
      y: c.y,
      square: sidePx,
      angle,
      score: Math.max(best.score, scoreAt(c.x, c.y)),
    };
  });
}

/**
 * Two strong candidates that look like two markers of one page: the same size and turn, as far
 * apart as two corners of the page are (505 to 960 mm, 34 to 65 marker widths).
 */
function twoMarkers(cands: MarkerCandidate[]): boolean {
  const strong = cands.filter((c) => c.score > 0.3).slice(0, 10);
  for (let a = 0; a < strong.length; a++)
    for (let b = a + 1; b < strong.length; b++) {
      const p = strong[a]!;
      const q = strong[b]!;
      const ratio = p.square / q.square;
      if (ratio > 1.35 || ratio < 1 / 1.35) continue;
      let turn = Math.abs(p.angle - q.angle);
      turn = Math.min(turn, Math.PI - turn);
      if (turn > 0.3) continue;
      const widths = Math.hypot(p.x - q.x, p.y - q.y) / (p.square + q.square);
      if (widths > 34 * 0.7 && widths < 65 * 1.4) return true;
    }
  return false;
}

/** Why no page was found: a page cut off when some markers are clearly there, else not a form. */
function explainMissing(cands: MarkerCandidate[], small: GrayImage): PageResult {
  const three = threeMarkerFits(cands, small)[0];
  if (three) {
    const p = three.predicted;
    const inside = p.x >= 0 && p.y >= 0 && p.x < small.width && p.y < small.height;
    const corner = ['top-left', 'top-right', 'bottom-right', 'bottom-left'][three.missing]!;
    return inside
      ? fail(
          'corner-hidden',
          `three corner markers found; the ${corner} one is in the photo but covered, in shadow or unreadable`,
        )
      : fail('cut-off', `three corner markers found; the ${corner} one is outside the photo`);
  }
  if (twoMarkers(cands))
    return fail('cut-off', 'only two corner markers found: is the whole page in the photo?');
  return fail('not-a-form', 'no four corner markers of the C.HASIL form were found');
}

const PERMS3 = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

/**
 * Blur and contrast from the outer edges of the markers' dark squares: the gray profile across
 * each square's outer sides, sampled in page mm through `H`.
 */
function measureEdges(img: GrayImage, H: Homography): { blur: number; contrast: number } {
  const half = MARKER_MM / 2;
  const spreads: number[] = [];
  const contrasts: number[] = [];
  for (const c of MARKERS_MM) {
    // The top-left square's left and top sides, and the bottom-right square's right and bottom sides.
    const edges: { at: Point; dir: Point }[] = [
      { at: { x: c.x - half, y: c.y - half / 2 }, dir: { x: 1, y: 0 } },
      { at: { x: c.x - half / 2, y: c.y - half }, dir: { x: 0, y: 1 } },
      { at: { x: c.x + half, y: c.y + half / 2 }, dir: { x: -1, y: 0 } },
      { at: { x: c.x + half / 2, y: c.y + half }, dir: { x: 0, y: -1 } },
    ];
    for (const e of edges) {
      const prof: number[] = [];
      for (let t = -4; t <= 3; t += 0.1) {
        const p = apply(H, { x: e.at.x + t * e.dir.x, y: e.at.y + t * e.dir.y });
        prof.push(sampleBilinear(img, p.x, p.y, NaN));
      }
      if (prof.some((v) => Number.isNaN(v))) continue;
      const light = Math.max(...prof.slice(0, 15));
      const dark = Math.min(...prof.slice(-15));
      const range = light - dark;
      if (range < 10) continue;
      const cross = (level: number) => prof.findIndex((v) => v < light - level * range);
      const i25 = cross(0.25);
      const i75 = cross(0.75);
      if (i25 < 0 || i75 < 0) continue;
      spreads.push((i75 - i25) * 0.1);
      contrasts.push(range);
    }
  }
  if (!spreads.length) return { blur: Infinity, contrast: 0 };
  return { blur: median(spreads), contrast: median(contrasts) };
}

function rotationOf(H: Homography): Rotation {
  const c = { x: PAGE_MM.width / 2, y: PAGE_MM.height / 2 };
  const p = apply(H, c);
  const q = apply(H, { x: c.x + 1, y: c.y });
  const deg = (Math.atan2(q.y - p.y, q.x - p.x) * 180) / Math.PI;
  return ((((Math.round(deg / 90) * 90) % 360) + 360) % 360) as Rotation;
}

const det2 = (J: readonly number[]) => J[0]! * J[3]! - J[1]! * J[2]!;

/** Singular values of a 2x2 matrix, largest first. */
function singular(J: readonly number[]): [number, number] {
  const [a, b, c, d] = J as [number, number, number, number];
  const s1 = a * a + b * b + c * c + d * d;
  const s2 = Math.sqrt((a * a + b * b - c * c - d * d) ** 2 + 4 * (a * c + b * d) ** 2);
  return [Math.sqrt((s1 + s2) / 2), Math.sqrt(Math.max(0, (s1 - s2) / 2))];
}

function percentile(hist: Uint32Array, n: number, q: number): number {
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc >= q * n) return v;
  }
  return 255;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
