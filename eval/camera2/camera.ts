// Camera 2: photographs of the official C.HASIL-PPWP renders, for evaluation only. It shares no
// code with the training camera (src/synth) or the reader (src/reader): the page comes from the
// 100 dpi render, the boxes from this folder's own analysis of it, the handwriting from MNIST's
// test set, the geometry (a pinhole camera over a tilted page, a 3x3 homography) and the light
// (paper tone, gradient, shadow, creases, screen moiré and glare, blur, noise, JPEG) from here.
import sharp from 'sharp';
import { CONDITIONS, type Condition } from './conditions.ts';
import {
  compose,
  homography,
  invert,
  mapPoint,
  tiltedCorners,
  type Mat3,
  type Pt,
} from './geometry.ts';
import { drawCross, drawDigit, fillBubble, pickPen } from './handwriting.ts';
import { loadRender, RENDER_PX_PER_MM, type PageNumber, type Render } from './render.ts';
import { rng, type Rng } from './rng.ts';
import { formValues, PAGE_FIELDS } from './values.ts';

export type Truth = {
  page: PageNumber;
  condition: string;
  seed: number;
  /** Photo size. */
  width: number;
  height: number;
  /** Where the paper's corners land in the photo, in page order: top-left, top-right, bottom-right, bottom-left. */
  corners: Pt[];
  /** Where the four corner markers' centres land, in the same order. */
  markers: Pt[];
  /** Page millimetres (from the paper's top-left) to photo pixels. */
  homography: Mat3;
  /** Clockwise turn of the page in the photo, degrees (quarter turn plus roll). */
  rotation: number;
  /** Smallest photo pixels per page millimetre over the page. */
  pxPerMm: number;
  /** The numbers written on this page (field path -> value); absent when it was left blank. */
  values?: Record<string, number>;
  /** Every value this photo drew from its condition's ranges. */
  drawn: Record<string, number | string | boolean>;
};

export type Photo = { jpeg: Buffer; truth: Truth };

export type PhotographOptions = {
  /** Write the form's numbers into the boxes (default true); false leaves the printed form blank. */
  fill?: boolean;
};

/** The render with one form's handwriting on it (the form's numbers come from the seed alone). */
async function filledRender(page: PageNumber, seed: number, fill: boolean) {
  const render = await loadRender(page);
  const gray = new Uint8Array(render.gray);
  if (!fill) return { render, gray, values: undefined };
  const form = formValues(rng(`form:${seed}`));
  const r = rng(`hand:${seed}:${page}`);
  const pen = pickPen(rng(`pen:${seed}`));
  const crossLeading = rng(`habit:${seed}`).next() < 0.5;
  const fields = PAGE_FIELDS[page];
  const values: Record<string, number> = {};
  render.boxRows.forEach((row, i) => {
    const path = fields[i];
    if (path === undefined) return;
    const value = form[path]!;
    values[path] = value;
    const ds = String(value).padStart(3, '0').split('').map(Number);
    const leading = value === 0 ? 2 : 3 - String(value).length;
    row.forEach((box, j) => {
      if (j < leading && crossLeading) drawCross(gray, render.width, box, pen, r);
      else drawDigit(gray, render.width, box, ds[j]!, pen, r);
      const bubble = render.bubbles[i]?.[j]?.[ds[j]!];
      if (bubble) fillBubble(gray, render.width, bubble, pen, r);
    });
  });
  return { render, gray, values };
}

/** Photo-space placement of the page: render px -> photo px, and what was drawn for it. */
function place(render: Render, c: Condition, r: Rng) {
  const quarter = r.pick(c.quarters);
  const roll = r.range(...c.roll);
  const tilt = r.range(...c.tilt);
  const axis = r.range(0, 180);
  const focal = r.range(0.9, 1.6);
  const sideways = quarter % 2 === 1;
  const width = sideways ? c.photo.height : c.photo.width;
  const height = sideways ? c.photo.width : c.photo.height;
  const quad = tiltedCorners(render.width, render.height, quarter * 90 + roll, tilt, axis, focal);
  const xs = quad.map((p) => p.x);
  const ys = quad.map((p) => p.y);
  const [bw, bh] = [Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)];
  const fill = r.range(...c.fill);
  const scale = Math.min((fill * width) / bw, (fill * height) / bh);
  const ox = r.range(0.5 * bw * scale, width - 0.5 * bw * scale) || width / 2;
  const oy = r.range(0.5 * bh * scale, height - 0.5 * bh * scale) || height / 2;
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  const to = quad.map((p) => ({ x: (p.x - cx) * scale + ox, y: (p.y - cy) * scale + oy }));
  const from = [
    { x: 0, y: 0 },
    { x: render.width, y: 0 },
    { x: render.width, y: render.height },
    { x: 0, y: render.height },
  ];
  return {
    width,
    height,
    toPhoto: homography(from, to),
    corners: to,
    drawn: { quarter, roll, tilt, axis, focal, fill },
  };
}

/** Smallest local scale (photo px per render px) of `h` over a grid on the render. */
function minScale(h: Mat3, w: number, hgt: number): number {
  let min = Infinity;
  for (let gy = 0; gy <= 4; gy++)
    for (let gx = 0; gx <= 4; gx++) {
      const p = { x: (gx / 4) * w, y: (gy / 4) * hgt };
      const a = mapPoint(h, p);
      const b = mapPoint(h, { x: p.x + 1, y: p.y });
      const d = mapPoint(h, { x: p.x, y: p.y + 1 });
      const area = Math.abs((b.x - a.x) * (d.y - a.y) - (b.y - a.y) * (d.x - a.x));
      min = Math.min(min, Math.sqrt(area));
    }
  return min;
}

/** Photographs page `page` of a form under `condition`; the same seed gives the same photo. */
export async function photograph(
  page: PageNumber,
  condition: Condition | string,
  seed: number,
  options: PhotographOptions = {},
): Promise<Photo> {
  const c =
    typeof condition === 'string' ? CONDITIONS.find((k) => k.name === condition) : condition;
  if (!c)
    throw new Error(
      `unknown condition ${typeof condition === 'string' ? condition : condition.name}`,
    );
  const r = rng(`photo:${c.name}:${seed}:${page}`);
  const { render, gray, values } = await filledRender(page, seed, options.fill ?? true);
  const geo = place(render, c, r.fork('geometry'));
  const { width, height } = geo;

  // Shrink the render first where the photo is coarser, so sampling it does not alias.
  const meanScale = Math.sqrt(
    Math.abs(
      (geo.corners[2]!.x - geo.corners[0]!.x) * (geo.corners[3]!.y - geo.corners[1]!.y) -
        (geo.corners[2]!.y - geo.corners[0]!.y) * (geo.corners[3]!.x - geo.corners[1]!.x),
    ) /
      2 /
      (render.width * render.height),
  );
  const k = Math.min(1, meanScale * 1.3);
  let src = gray;
  let sw = render.width;
  let sh = render.height;
  if (k < 0.95) {
    sw = Math.round(render.width * k);
    sh = Math.round(render.height * k);
    const out = await sharp(Buffer.from(gray), {
      raw: { width: render.width, height: render.height, channels: 1 },
    })
      .resize(sw, sh, { kernel: 'lanczos3', fit: 'fill' })
      .extractChannel(0)
      .raw()
      .toBuffer();
    src = new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  const srcToRender: Mat3 = [render.width / sw, 0, 0, 0, render.height / sh, 0, 0, 0, 1];
  const photoToSrc = invert(compose(geo.toPhoto, srcToRender));

  // Light and paper.
  const lr = r.fork('light');
  const paper = lr.range(...c.paper);
  const gradient = lr.range(...c.gradient);
  const gAngle = lr.range(0, 2 * Math.PI);
  const [gx, gy] = [Math.cos(gAngle), Math.sin(gAngle)];
  const gSpan = Math.abs(gx) * width + Math.abs(gy) * height;
  const gOff = Math.min(0, gx * width) + Math.min(0, gy * height);
  const hasShadow = lr.next() < c.shadow.chance;
  const shadowDepth = hasShadow ? lr.range(...c.shadow.depth) : 0;
  const sAngle = lr.range(0, 2 * Math.PI);
  const [sx, sy] = [Math.cos(sAngle), Math.sin(sAngle)];
  const sAt = { x: lr.range(0.2, 0.8) * width, y: lr.range(0.2, 0.8) * height };
  const sSoft = lr.range(0.02, 0.08) * Math.max(width, height);
  const tint = [1, lr.range(0.95, 1), lr.range(0.85, 1)] as const;
  const background = lr.range(40, 140);
  const noise = lr.range(...c.noise);
  const blur = lr.range(...c.blur);

  // Creases, in render coordinates (they fold with the paper).
  const fr = r.fork('folds');
  const folds = Array.from({ length: fr.int(c.folds[0], c.folds[1]) }, (_, i) => ({
    vertical: i % 2 === 1 || fr.next() < 0.3,
    at: fr.range(0.35, 0.65),
    width: fr.range(1.5, 4) * RENDER_PX_PER_MM,
    dark: fr.range(0.15, 0.35),
    facet: fr.range(-0.12, 0.12),
  }));

  // The screen: black level, moiré (two gratings beating) and a glare spot.
  const sr = r.fork('screen');
  const moire = {
    f1: sr.range(0.18, 0.32),
    a1: sr.range(0, Math.PI),
    f2: sr.range(0.18, 0.32),
    a2: sr.range(0, Math.PI),
    depth: sr.range(0.12, 0.25),
  };
  const glare = {
    x: sr.range(0.2, 0.8) * width,
    y: sr.range(0.2, 0.8) * height,
    r: sr.range(0.1, 0.25) * Math.max(width, height),
    gain: sr.range(90, 170),
  };
  const black = sr.range(25, 45);

  const nr = r.fork('noise');
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const w = photoToSrc[6] * px + photoToSrc[7] * py + photoToSrc[8];
      const u = (photoToSrc[0] * px + photoToSrc[1] * py + photoToSrc[2]) / w - 0.5;
      const v = (photoToSrc[3] * px + photoToSrc[4] * py + photoToSrc[5]) / w - 0.5;
      let level: number;
      if (u >= 0 && v >= 0 && u <= sw - 1 && v <= sh - 1) {
        const u0 = Math.floor(u);
        const v0 = Math.floor(v);
        const fu = u - u0;
        const fv = v - v0;
        const i = v0 * sw + u0;
        const u1 = u0 + 1 < sw ? 1 : 0;
        const v1 = v0 + 1 < sh ? sw : 0;
        const s =
          (src[i]! * (1 - fu) + src[i + u1]! * fu) * (1 - fv) +
          (src[i + v1]! * (1 - fu) + src[i + v1 + u1]! * fu) * fv;
        const refl = s / 255;
        if (c.screen) {
          const m1 = Math.sin(moire.f1 * (px * Math.cos(moire.a1) + py * Math.sin(moire.a1)));
          const m2 = Math.sin(moire.f2 * (px * Math.cos(moire.a2) + py * Math.sin(moire.a2)));
          level = (black + (235 - black) * refl) * (1 + moire.depth * m1 * m2);
        } else {
          let shade = 1;
          if (folds.length > 0) {
            const ru = ((u + 0.5) * render.width) / sw;
            const rv = ((v + 0.5) * render.height) / sh;
            for (const f of folds) {
              const d = f.vertical ? ru - f.at * render.width : rv - f.at * render.height;
              shade *= 1 - f.dark * Math.exp(-((d / f.width) ** 2));
              shade *= 1 + f.facet * Math.tanh(d / (8 * f.width));
            }
          }
          level = 255 * refl * paper * shade;
        }
      } else {
        // The table (or the monitor's bezel) around the page.
        level = c.screen ? 12 : background;
      }
      if (!c.screen) {
        const t = (gx * px + gy * py - gOff) / gSpan;
        level *= 1 - gradient * t;
        if (shadowDepth > 0) {
          const d = (px - sAt.x) * sx + (py - sAt.y) * sy;
          level *= 1 - shadowDepth / (1 + Math.exp(-d / sSoft));
        }
      } else {
        const g = Math.hypot(px - glare.x, py - glare.y) / glare.r;
        level += glare.gain * Math.exp(-g * g);
      }
      // Sensor noise: one draw a pixel (a sum of three uniforms, near enough to Gaussian).
      level += noise * 2 * (nr.next() + nr.next() + nr.next() - 1.5);
      const o = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const value = level * tint[ch]!;
        out[o + ch] = value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
      }
    }

  let img = sharp(out, { raw: { width, height, channels: 3 } });
  if (blur >= 0.3) img = img.blur(blur);
  const jpeg = await img.jpeg({ quality: c.jpegQuality }).toBuffer();

  const mmToRender: Mat3 = [RENDER_PX_PER_MM, 0, 0, 0, RENDER_PX_PER_MM, 0, 0, 0, 1];
  const mmToPhoto = compose(geo.toPhoto, mmToRender);
  const round = (p: Pt) => ({ x: Math.round(p.x * 100) / 100, y: Math.round(p.y * 100) / 100 });
  return {
    jpeg,
    truth: {
      page,
      condition: c.name,
      seed,
      width,
      height,
      corners: geo.corners.map(round),
      markers: render.markers.map((m) => round(mapPoint(geo.toPhoto, m))),
      homography: mmToPhoto,
      rotation: (((geo.drawn.quarter * 90 + geo.drawn.roll) % 360) + 360) % 360,
      pxPerMm:
        Math.round(minScale(geo.toPhoto, render.width, render.height) * RENDER_PX_PER_MM * 100) /
        100,
      ...(values ? { values } : {}),
      drawn: {
        ...geo.drawn,
        paper,
        gradient,
        shadow: shadowDepth,
        folds: folds.length,
        blur,
        noise,
        screen: c.screen,
        jpegQuality: c.jpegQuality,
      },
    },
  };
}
