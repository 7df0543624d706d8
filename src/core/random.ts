// The project's one seeded pseudo-random generator, mulberry32, and the one set of draws built on
// it. Every seeded simulation in Rekap (the demo night, the synthetic camera, test photos, digit
// boxes, generated hostile requests, benchmarks) draws from it, so a seed means the same thing
// everywhere. Not for anything secret.

const STEP = 0x6d2b79f5;

/** mulberry32's output for a state. */
function draw(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** The bare generator: uniform draws in [0, 1) from a seed used as it is. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => draw((a = (a + STEP) >>> 0));
}

export type Random = {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Normal (Box-Muller). */
  normal(mean?: number, sd?: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Number of successes in `n` trials of probability `p` (exact, by counting; for small n). */
  binomial(n: number, p: number): number;
  /** A Poisson draw with mean `lambda` (Knuth; for small lambda). */
  poisson(lambda: number): number;
  /** Gamma(shape, 1) draw (Marsaglia-Tsang). */
  gamma(shape: number): number;
  /** One item of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A copy of `items` in random order (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** A stream of its own for a label, so the draws made with it do not shift this one's. */
  fork(label: string | number): Random;
};

/** Mixes a label into a seed, so nearby seeds and labels start far apart. */
function mix(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return Math.imul(h, 0xc2b2ae35) >>> 0;
}

/** Seeded draws: the same seed gives the same sequence, here and in the browser. */
export function createRandom(seed: number): Random {
  let s = mix(seed, 'rnd');
  const next = () => draw((s = (s + STEP) >>> 0));
  const rnd: Random = {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal(mean = 0, sd = 1) {
      const u = 1 - next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    chance: (p) => next() < p,
    binomial(n, p) {
      let k = 0;
      for (let i = 0; i < n; i++) if (next() < p) k++;
      return k;
    },
    poisson(lambda) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let prod = next();
      while (prod > limit) {
        k++;
        prod *= next();
      }
      return k;
    },
    gamma(shape) {
      if (shape < 1) return rnd.gamma(shape + 1) * Math.pow(1 - next(), 1 / shape);
      const d = shape - 1 / 3;
      const c = 1 / Math.sqrt(9 * d);
      for (;;) {
        const x = rnd.normal();
        const v = (1 + c * x) ** 3;
        if (v <= 0) continue;
        const u = 1 - next();
        if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
      }
    },
    pick(items) {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
    // From the stream's present state: deterministic for a seed and the draws made before.
    fork: (label) => createRandom(mix(s ^ seed, String(label))),
  };
  return rnd;
}
