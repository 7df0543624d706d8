// The reader works on plain grayscale pixel arrays, so the same code runs in Node (decoded with
// sharp) and in the browser (from a canvas). 0 is black, 255 is white.

export type GrayImage = { width: number; height: number; data: Uint8Array };

export function grayImage(width: number, height: number, fill = 255): GrayImage {
  return { width, height, data: new Uint8Array(width * height).fill(fill) };
}

/** The pixel at (x, y), or `outside` beyond the edges. */
export function pixel(img: GrayImage, x: number, y: number, outside = 255): number {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return outside;
  return img.data[y * img.width + x]!;
}

/** Grayscale from interleaved RGB or RGBA bytes (ITU-R BT.601 luma). */
export function toGray(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): GrayImage {
  if (channels === 1) return { width, height, data: Uint8Array.from(rgba) };
  const data = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < data.length; i++, j += channels)
    data[i] = (rgba[j]! * 299 + rgba[j + 1]! * 587 + rgba[j + 2]! * 114 + 500) / 1000;
  return { width, height, data };
}
