// The conditions a photo is taken under, each a named parameter set of ranges: a photo draws its
// own values from them with its seed, so results are reported per condition and reproduced per seed.

export type Range = readonly [lo: number, hi: number];

export type Condition = {
  name: string;
  /** What the condition stands for (in the benchmark's table). */
  about: string;
  /** Photo size in pixels, portrait (swapped for a page turned a quarter). */
  photo: { width: number; height: number };
  /** How much of the photo the page's outline spans (its longest extent). */
  fill: Range;
  /** Turn of the page in its own plane: a quarter turn (0-3) drawn from `quarters`, plus `roll` degrees. */
  quarters: readonly (0 | 1 | 2 | 3)[];
  roll: Range;
  /** Out-of-plane tilt in degrees (perspective), about a random in-plane axis. */
  tilt: Range;
  /** Paper reflectance, 1 white to 0.55 grey. */
  paper: Range;
  /** Light falling off across the photo: the darkest side is this fraction darker. */
  gradient: Range;
  /** Chance of a soft shadow (a hand or phone) over part of the page, and how dark it is. */
  shadow: { chance: number; depth: Range };
  /** Fold creases across the page (a sheet folded in halves or quarters). */
  folds: Range;
  /** Gaussian blur, sigma in photo pixels. */
  blur: Range;
  /** Sensor noise, sigma in gray levels. */
  noise: Range;
  /** A monitor showing the page: moiré and glare instead of paper. */
  screen: boolean;
  jpegQuality: number;
};

const BASE: Condition = {
  name: 'clean',
  about: 'kertas putih, cahaya rata, miring sedikit / white paper, even light, a slight tilt',
  photo: { width: 2250, height: 3000 },
  fill: [0.82, 0.92],
  quarters: [0],
  roll: [-3, 3],
  tilt: [0, 6],
  paper: [0.92, 1],
  gradient: [0, 0.08],
  shadow: { chance: 0, depth: [0, 0] },
  folds: [0, 0],
  blur: [0, 0.6],
  noise: [1, 3],
  screen: false,
  jpegQuality: 90,
};

const make = (name: string, about: string, over: Partial<Condition>): Condition => ({
  ...BASE,
  ...over,
  name,
  about,
});

export const CONDITIONS: readonly Condition[] = [
  BASE,
  make('perspective', 'perspektif sampai 35° / perspective up to 35°', { tilt: [20, 35] }),
  make('rotation', 'terbalik atau menyamping / turned 90, 180 or 270° plus a few', {
    quarters: [1, 2, 3],
    roll: [-6, 6],
  }),
  make('grey-paper', 'kertas abu-abu / grey paper', { paper: [0.55, 0.75], noise: [2, 5] }),
  make('uneven-light', 'cahaya tidak rata dan bayangan / gradient light and a soft shadow', {
    gradient: [0.3, 0.6],
    shadow: { chance: 1, depth: [0.35, 0.6] },
  }),
  make('folds', 'lipatan kertas / fold creases', { folds: [1, 3], gradient: [0.05, 0.2] }),
  make('blur', 'buram / blurred', { blur: [1.5, 3] }),
  make('low-res', 'resolusi rendah, 1.5 px/mm / low resolution, 1.5 px/mm', {
    photo: { width: 1000, height: 1500 },
    fill: [0.9, 0.94],
    blur: [0, 0.5],
  }),
  make('screen', 'difoto dari layar: moiré dan silau / a screen, moiré and glare', {
    screen: true,
    tilt: [3, 15],
    noise: [2, 5],
  }),
  make('jpeg60', 'JPEG kualitas 60 / JPEG at quality 60', { jpegQuality: 60 }),
  make('everything', 'semua sekaligus, sedang / all at once, moderate', {
    photo: { width: 1600, height: 2200 },
    quarters: [0, 1, 2, 3],
    roll: [-5, 5],
    tilt: [8, 25],
    paper: [0.65, 0.9],
    gradient: [0.2, 0.4],
    shadow: { chance: 0.5, depth: [0.25, 0.45] },
    folds: [0, 2],
    blur: [0.5, 1.5],
    noise: [2, 5],
    jpegQuality: 60,
  }),
];

export function condition(name: string): Condition | undefined {
  return CONDITIONS.find((c) => c.name === name);
}
