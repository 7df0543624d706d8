import { describe, expect, it } from 'vitest';
import { loadDigitModel } from './load-node.ts';
import { predict, type DigitModel } from './model.ts';

/** The plain definition of the network, written the slow, obvious way, to check the fast one. */
function reference(model: DigitModel, input: Float32Array): number[] {
  let [c, h, w] = model.input;
  let x = Array.from(input);
  const at = (d: number[], ci: number, y: number, xx: number) =>
    y < 0 || xx < 0 || y >= h || xx >= w ? 0 : d[(ci * h + y) * w + xx]!;
  for (const l of model.layers) {
    if (l.type === 'conv') {
      const oh = h + 2 * l.pad - l.kernel + 1;
      const ow = w + 2 * l.pad - l.kernel + 1;
      const out: number[] = [];
      for (let o = 0; o < l.out; o++)
        for (let y = 0; y < oh; y++)
          for (let xx = 0; xx < ow; xx++) {
            let s = l.bias[o]!;
            for (let i = 0; i < l.in; i++)
              for (let ky = 0; ky < l.kernel; ky++)
                for (let kx = 0; kx < l.kernel; kx++)
                  s +=
                    l.weights[((o * l.in + i) * l.kernel + ky) * l.kernel + kx]! *
                    at(x, i, y + ky - l.pad, xx + kx - l.pad);
            out.push(s);
          }
      [c, h, w, x] = [l.out, oh, ow, out];
    } else if (l.type === 'relu') x = x.map((v) => Math.max(0, v));
    else if (l.type === 'maxpool') {
      const oh = Math.floor(h / l.size);
      const ow = Math.floor(w / l.size);
      const out: number[] = [];
      for (let ci = 0; ci < c; ci++)
        for (let y = 0; y < oh; y++)
          for (let xx = 0; xx < ow; xx++) {
            let m = -Infinity;
            for (let dy = 0; dy < l.size; dy++)
              for (let dx = 0; dx < l.size; dx++)
                m = Math.max(m, at(x, ci, y * l.size + dy, xx * l.size + dx));
            out.push(m);
          }
      [h, w, x] = [oh, ow, out];
    } else {
      const out: number[] = [];
      for (let o = 0; o < l.out; o++) {
        let s = l.bias[o]!;
        for (let i = 0; i < l.in; i++) s += l.weights[o * l.in + i]! * x[i]!;
        out.push(s);
      }
      [c, h, w, x] = [l.out, 1, 1, out];
    }
  }
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

describe('digit model forward pass', () => {
  it('equals the network computed the obvious way', () => {
    const model = loadDigitModel();
    let seed = 1;
    for (let n = 0; n < 5; n++) {
      const input = new Float32Array(784).map(() => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) / 2 ** 24;
      });
      const fast = Array.from(predict(model, input));
      const slow = reference(model, input);
      for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(slow[i]!, 4);
    }
  });
});
