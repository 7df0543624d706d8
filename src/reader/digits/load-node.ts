// Node-only: read the committed digit model beside this file.
import { readFileSync } from 'node:fs';
import { parseModel, type DigitModel } from './model.ts';

export const MODEL_URL = new URL('./model.bin', import.meta.url);

let cached: DigitModel | undefined;

/** The committed model, parsed once per process. */
export function loadDigitModel(): DigitModel {
  cached ??= parseModel(readFileSync(MODEL_URL));
  return cached;
}
