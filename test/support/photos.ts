// Small real images for tests: decodable JPEGs that differ by a label.
import sharp from 'sharp';

/** A 400x600 JPEG with a pattern seeded by `label`, so different labels give different bytes. */
export async function testPhoto(
  label: string,
  opts: { width?: number; height?: number } = {},
): Promise<Buffer> {
  const width = opts.width ?? 400;
  const height = opts.height ?? 600;
  let h = 2166136261;
  for (const ch of label) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  const raw = Buffer.alloc(width * height);
  for (let i = 0; i < raw.length; i++) {
    h = Math.imul(h ^ (h >>> 13), 1274126177);
    raw[i] = 200 + (h & 31);
  }
  return sharp(raw, { raw: { width, height, channels: 1 } })
    .jpeg({ quality: 70 })
    .toBuffer();
}
