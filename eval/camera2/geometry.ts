// Plane geometry of the photo: a 3x3 homography from four point pairs (direct linear transform,
// solved by Gaussian elimination), its inverse, and a pinhole camera looking at a tilted page.

export type Pt = { x: number; y: number };
/** Row-major 3x3. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export function mapPoint(h: Mat3, p: Pt): Pt {
  const w = h[6] * p.x + h[7] * p.y + h[8];
  return { x: (h[0] * p.x + h[1] * p.y + h[2]) / w, y: (h[3] * p.x + h[4] * p.y + h[5]) / w };
}

/** Solves A x = b in place (partial pivoting); A is n x n row-major. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let best = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[best]![c]!)) best = r;
    [a[c], a[best]] = [a[best]!, a[c]!];
    [b[c], b[best]] = [b[best]!, b[c]!];
    const piv = a[c]![c]!;
    if (Math.abs(piv) < 1e-12) throw new Error('degenerate point set: no homography');
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / piv;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r]![k]! -= f * a[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  return b.map((v, i) => v / a[i]![i]!);
}

/** The homography taking each `from[i]` to `to[i]` (four pairs, no three collinear). */
export function homography(from: readonly Pt[], to: readonly Pt[]): Mat3 {
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const { x, y } = from[i]!;
    const { x: u, y: v } = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  const s = solve(a, b);
  return [s[0]!, s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, s[6]!, s[7]!, 1];
}

export function invert(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-18) throw new Error('singular homography');
  const inv: Mat3 = [
    A,
    -(b * i - c * h),
    b * f - c * e,
    B,
    a * i - c * g,
    -(a * f - c * d),
    C,
    -(a * h - b * g),
    a * e - b * d,
  ];
  return inv.map((v) => v / det) as Mat3;
}

export function compose(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      for (let k = 0; k < 3; k++) out[r * 3 + c]! += a[r * 3 + k]! * b[k * 3 + c]!;
  return out as Mat3;
}

/**
 * Where the corners of a `w` x `h` page land when it is turned by `rollDeg` in its own plane,
 * tilted by `tiltDeg` about an in-plane axis at `axisDeg`, and photographed by a pinhole camera
 * whose focal length is `focal` page-heights. Returned centred on the origin, in page units.
 */
export function tiltedCorners(
  w: number,
  h: number,
  rollDeg: number,
  tiltDeg: number,
  axisDeg: number,
  focal: number,
): Pt[] {
  const rad = Math.PI / 180;
  const [cr, sr] = [Math.cos(rollDeg * rad), Math.sin(rollDeg * rad)];
  // Tilt: rotation by tiltDeg about the unit axis (cos axis, sin axis, 0).
  const [ux, uy] = [Math.cos(axisDeg * rad), Math.sin(axisDeg * rad)];
  const [ct, st] = [Math.cos(tiltDeg * rad), Math.sin(tiltDeg * rad)];
  const dist = focal * Math.max(w, h);
  return [
    { x: -w / 2, y: -h / 2 },
    { x: w / 2, y: -h / 2 },
    { x: w / 2, y: h / 2 },
    { x: -w / 2, y: h / 2 },
  ].map(({ x, y }) => {
    const px = cr * x - sr * y;
    const py = sr * x + cr * y;
    // Rodrigues' formula for v = (px, py, 0) about u = (ux, uy, 0).
    const dot = ux * px + uy * py;
    const cross = ux * py - uy * px; // z component of u x v
    const rx = px * ct + ux * dot * (1 - ct);
    const ry = py * ct + uy * dot * (1 - ct);
    const rz = cross * st;
    const z = dist + rz;
    return { x: (rx * dist) / z, y: (ry * dist) / z };
  });
}
