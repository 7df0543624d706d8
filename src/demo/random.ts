// A small seeded PRNG for the demo: the same seed gives the same election night everywhere.
// splitmix32 to spread the seed, mulberry32 for the stream. Not for anything secret.
import { mulberry32 } from '../core/random.ts';

export type Random = {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Standard normal (Box-Muller). */
  normal(mean?: number, sd?: number): number;
  /** Number of successes in `n` trials of probability `p` (exact, by counting; n is small here). */
  binomial(n: number, p: number): number;
  /** A Poisson draw with mean `lambda` (Knuth; lambda is small here). */
  poisson(lambda: number): number;
  /** Gamma(shape, 1) draw (Marsaglia-Tsang). */
  gamma(shape: number): number;
  /** One item of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A copy of `items` in random order (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream derived from this one and a label, so adding draws in one place does
   * not shift every later draw. */
  fork(label: string | number): Random;
};

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a of a label, to mix into a seed. */
function hashLabel(label: string | number): number {
  let h = 0x811c9dc5;
  for (const ch of String(label)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function createRandom(seed: number): Random {
  const next = mulberry32(splitmix32(seed)());
  const rnd: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    uniform: (min, max) => min + next() * (max - min),
    normal(mean = 0, sd = 1) {
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
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
    fork: (label) => createRandom((seed ^ hashLabel(label)) >>> 0),
  };
  return rnd;
}
