// Simple synthetic handwriting for tests: each digit is a few strokes in a unit box, jittered,
// slanted and drawn with a varying pen. Some writers trace the form's dotted "8" guide and write
// segment-shaped digits (an 8 as two stacked boxes, a 0 as a rectangle), so a share of the digits
// is drawn that way. A DigitSource of real crops or MNIST can replace it.
import { grayImage, type GrayImage } from '../reader/image.ts';
import type { Random } from '../core/random.ts';
import { polyline, type Pt } from './raster.ts';
import { DIGIT_SEGMENTS } from '../core/seven-segment.ts';

/** What is written in one digit box: a digit, or `x` for the cross in an unused leading box. */
export type DigitLabel = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | 'x';

/** Ink for one box: black strokes on white, any size; it is scaled into the box. */
export type DigitSource = (label: DigitLabel, rnd: Random) => GrayImage;

type Stroke = [number, number][];

const arc = (
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  a0: number,
  a1: number,
  n = 10,
): Stroke =>
  Array.from({ length: n + 1 }, (_, i) => {
    const a = ((a0 + ((a1 - a0) * i) / n) * Math.PI) / 180;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as [number, number];
  });

/** Cursive-ish shapes; y grows downward, angles in degrees clockwise from +x. */
const CURSIVE: Record<DigitLabel, Stroke[]> = {
  '0': [arc(0.5, 0.5, 0.32, 0.45, -90, 275, 16)],
  '1': [
    [
      [0.3, 0.22],
      [0.55, 0.05],
      [0.55, 0.95],
    ],
  ],
  '2': [[...arc(0.5, 0.3, 0.3, 0.25, 190, 380, 8), [0.15, 0.95], [0.85, 0.95]]],
  '3': [[...arc(0.48, 0.28, 0.3, 0.23, 200, 450, 8), ...arc(0.48, 0.73, 0.33, 0.24, 270, 510, 8)]],
  '4': [
    [
      [0.7, 0.95],
      [0.7, 0.05],
      [0.12, 0.65],
      [0.9, 0.65],
    ],
  ],
  '5': [[[0.82, 0.05], [0.28, 0.05], [0.22, 0.45], ...arc(0.48, 0.68, 0.33, 0.27, 230, 500, 8)]],
  '6': [[[0.75, 0.05], ...arc(0.5, 0.68, 0.3, 0.27, 200, 560, 14)]],
  '7': [
    [
      [0.12, 0.05],
      [0.88, 0.05],
      [0.4, 0.95],
    ],
  ],
  '8': [arc(0.5, 0.27, 0.25, 0.22, 90, 450, 12), arc(0.5, 0.72, 0.31, 0.24, -90, 270, 12)],
  '9': [[...arc(0.5, 0.3, 0.3, 0.26, 0, 360, 12), [0.78, 0.35], [0.7, 0.95]]],
  x: [
    [
      [0.05, 0.05],
      [0.95, 0.95],
    ],
    [
      [0.95, 0.05],
      [0.05, 0.95],
    ],
  ],
};

// Seven segments on the guide: a top, b top-right, c bottom-right, d bottom, e bottom-left,
// f top-left, g middle.
const SEG: Record<string, Stroke> = {
  a: [
    [0.2, 0.05],
    [0.8, 0.05],
  ],
  b: [
    [0.8, 0.05],
    [0.8, 0.5],
  ],
  c: [
    [0.8, 0.5],
    [0.8, 0.95],
  ],
  d: [
    [0.2, 0.95],
    [0.8, 0.95],
  ],
  e: [
    [0.2, 0.5],
    [0.2, 0.95],
  ],
  f: [
    [0.2, 0.05],
    [0.2, 0.5],
  ],
  g: [
    [0.2, 0.5],
    [0.8, 0.5],
  ],
};

export type HandwritingStyle = { segmentShare: number };

/** The default DigitSource: jittered strokes, about a fifth of them segment-shaped. */
export function syntheticHandwriting(style: HandwritingStyle = { segmentShare: 0.2 }): DigitSource {
  return (label, rnd) => {
    const size = 64;
    const img = grayImage(size, size);
    const segment = label !== 'x' && rnd.chance(style.segmentShare);
    const strokes: Stroke[] = segment
      ? [...DIGIT_SEGMENTS[Number(label)]!].map((s) => SEG[s]!)
      : CURSIVE[label];
    const slant = rnd.normal(0.12, 0.1);
    const sx = rnd.uniform(0.75, 1.05);
    const sy = rnd.uniform(0.85, 1.05);
    const rot = rnd.normal(0, 0.06);
    const pen = size * rnd.uniform(0.06, 0.13);
    const ink = rnd.uniform(0, 70);
    const jitter = 0.025;
    const map = ([u, v]: [number, number]): Pt => {
      const cu = (u - 0.5) * sx + slant * (0.5 - v) + rnd.normal(0, jitter);
      const cv = (v - 0.5) * sy + rnd.normal(0, jitter);
      const x = cu * Math.cos(rot) - cv * Math.sin(rot);
      const y = cu * Math.sin(rot) + cv * Math.cos(rot);
      return { x: size * (0.5 + x * 0.9), y: size * (0.5 + y * 0.9) };
    };
    for (const s of strokes) polyline(img, s.map(map), pen * rnd.uniform(0.85, 1.15), ink);
    return img;
  };
}
