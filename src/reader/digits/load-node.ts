// Node-only: read the committed digit model beside this file and make it ready to run.
import { readFileSync } from 'node:fs';
import { createDigitClassifier, type DigitClassifier } from './model.ts';

export const MODEL_URL = new URL('./model.bin', import.meta.url);

let cached: Promise<DigitClassifier> | undefined;

/**
 * The committed model on the wasm backend, set up once per process. The backend's .wasm files
 * are read from node_modules (@tensorflow/tfjs-backend-wasm/dist/).
 */
export function loadDigitClassifier(): Promise<DigitClassifier> {
  cached ??= withoutEmscriptenHandlers(() => createDigitClassifier(readFileSync(MODEL_URL)));
  return cached;
}

/**
 * The backend's Emscripten glue adds process handlers that rethrow any uncaught error or
 * unhandled rejection from inside its own minified file, so Node prints a 30 kB line of it
 * above the error. Node's default handling is the same without the noise: take them off.
 */
async function withoutEmscriptenHandlers<T>(start: () => Promise<T>): Promise<T> {
  const exception = new Set(process.listeners('uncaughtException'));
  const rejection = new Set(process.listeners('unhandledRejection'));
  try {
    return await start();
  } finally {
    for (const l of process.listeners('uncaughtException'))
      if (!exception.has(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection'))
      if (!rejection.has(l)) process.removeListener('unhandledRejection', l);
  }
}
