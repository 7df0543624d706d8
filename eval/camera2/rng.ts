// A small seeded random source (mulberry32): the same seed gives the same photo on every machine.

export type Rng = {
  /** Uniform in [0, 1). */
  next: () => number;
  /** Uniform in [lo, hi). */
  range: (lo: number, hi: number) => number;
  /** A whole number in [lo, hi]. */
  int: (lo: number, hi: number) => number;
  /** Standard normal (Box-Muller). */
  normal: () => number;
  pick: <T>(items: readonly T[]) => T;
  /** An independent stream for one purpose, so adding a draw elsewhere does not shift it. */
  fork: (label: string) => Rng;
};

function hashString(s: string, h = 2166136261): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function rng(seed: number | string): Rng {
  let a = typeof seed === 'number' ? seed >>> 0 || 0x9e3779b9 : hashString(seed);
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const self: Rng = {
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor((hi - lo + 1) * next()),
    normal: () => {
      const u = Math.max(1e-12, next());
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    pick: (items) => items[Math.floor(next() * items.length)]!,
    fork: (label) => rng(hashString(label, a ^ 0x5bd1e995)),
  };
  return self;
}
