// Node only: measures all three pages of the plano form from the renders in a directory.
import { join } from 'node:path';
import sharp from 'sharp';
import { toGray, type GrayImage } from '../image.ts';
import { measurePage } from './measure.ts';
import type { FormTemplate } from './types.ts';

export const RENDER_FILE = (page: number) => `C.HASIL-PPWP_page${page}_100dpi.png`;

export async function loadGray(file: string): Promise<GrayImage> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return toGray(data, info.width, info.height, info.channels as 1 | 3 | 4);
}

export async function measureForm(formsDir: string): Promise<FormTemplate> {
  const pages = [];
  let boxLineMm = 0;
  for (const page of [1, 2, 3] as const) {
    const measured = measurePage(await loadGray(join(formsDir, RENDER_FILE(page))), page);
    pages.push(measured.page);
    boxLineMm = Math.max(boxLineMm, measured.boxLineMm);
  }
  return {
    ballot: 'ppwp',
    source:
      'Measured by scripts/measure-template.ts from the 100 dpi renders of C.HASIL-PPWP.pdf (KPU, PKPU 25/2023 Lampiran XVI); 1 px = 0.254 mm.',
    pageSizeMm: { w: 600, h: 900 },
    boxLineMm,
    pages,
  };
}
