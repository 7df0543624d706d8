// Page photos are stored and sent as JPEGs of at most TARGET_BYTES each. A phone camera's 12 MP
// photo is 3-5 MB; a night of 823,000 TPS x 5 ballots x 3 pages at that size would not fit through
// weak signal. scripts/compress-check.ts measures what the reader still reads at these settings
// (see the report in the README): the numbers below keep the reading as good as the original.

/** Most bytes a stored page photo may take. */
export const TARGET_BYTES = 400_000;
/** Longest side a page photo is scaled down to before encoding, in pixels. */
export const MAX_SIDE = 2400;
/** JPEG qualities tried in turn until the photo fits TARGET_BYTES. */
const QUALITIES = [0.85, 0.75, 0.65, 0.55] as const;
/** When even the lowest quality is too big, the photo shrinks by this factor and is tried again. */
const SHRINK = 0.85;

/** Width and height after scaling (never up). */
function fitSide(width: number, height: number, maxSide: number): { w: number; h: number } {
  const s = Math.min(1, maxSide / Math.max(width, height));
  return { w: Math.max(1, Math.round(width * s)), h: Math.max(1, Math.round(height * s)) };
}

/**
 * Encodes with the ladder of qualities, then smaller sizes, until the bytes fit. `encode` does the
 * work (a canvas in the browser, sharp in the measurement script).
 */
export async function compressToTarget<B extends { size: number }>(
  width: number,
  height: number,
  encode: (w: number, h: number, quality: number) => Promise<B>,
  target = TARGET_BYTES,
): Promise<{ blob: B; width: number; height: number; quality: number }> {
  let { w, h } = fitSide(width, height, MAX_SIDE);
  for (;;) {
    for (const q of QUALITIES) {
      const blob = await encode(w, h, q);
      if (blob.size <= target || Math.max(w, h) < 800)
        return { blob, width: w, height: h, quality: q };
    }
    w = Math.round(w * SHRINK);
    h = Math.round(h * SHRINK);
  }
}
