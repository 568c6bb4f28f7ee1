// Colour preservation maths: eigen-based mean/covariance matching and YIQ luminance transfer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  colorStats,
  eigenSym3,
  luminanceImage,
  matchColorStats,
  matchStyleColors,
  recombineLuminance,
  rgbToYiq,
  yiqToRgb,
} from '../../../engine/style/color.ts';
import { mulberry32 } from '../../../engine/style/rng.ts';
import type { RgbImage } from '../../../engine/image.ts';
import { at } from '../../helpers/assert.ts';

function randomImage(width: number, height: number, seed: number, mix: number[]): RgbImage {
  // Correlated channels: each pixel = m·(three random sources), so the covariance is far from diagonal.
  const next = mulberry32(seed);
  const data = Buffer.alloc(width * height * 3);
  for (let p = 0; p < data.length; p += 3) {
    const s = [next(), next(), next()] as const;
    for (let c = 0; c < 3; c++) {
      const v = 40 + 170 * (at(mix, c * 3) * s[0] + at(mix, c * 3 + 1) * s[1] + at(mix, c * 3 + 2) * s[2]);
      data[p + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { width, height, data };
}

/** a and b within tol; a missing value (an index past the end) fails too. */
const close = (a: number | undefined, b: number | undefined, tol: number, what: string) =>
  assert.ok(a !== undefined && b !== undefined && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('symmetric 3×3 eigen-decomposition reconstructs the matrix', () => {
  const m = [4, 1, -2, 1, 3, 0.5, -2, 0.5, 5];
  const { values, vectors: v } = eigenSym3(m);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += at(v, i * 3 + k) * at(values, k) * at(v, j * 3 + k);
      close(sum, m[i * 3 + j], 1e-9, `m[${i}][${j}]`);
    }
  }
});

test("histogram mode: the recoloured style has the content's colour mean and covariance", () => {
  const content = randomImage(40, 30, 1, [0.9, 0.1, 0, 0.3, 0.5, 0.1, 0, 0.2, 0.4]);
  const style = randomImage(50, 20, 2, [0.2, 0.1, 0.6, 0.1, 0.2, 0.2, 0.5, 0.1, 0.3]);
  const target = colorStats(content.data);
  const before = colorStats(style.data);
  assert.ok(Math.abs(before.mean[2] - target.mean[2]) > 20, 'the test images differ in colour');
  // Exact on floats …
  const matched = colorStats(matchColorStats(style.data, target));
  for (let c = 0; c < 3; c++) close(matched.mean[c], target.mean[c], 1e-3, `mean ${c}`);
  for (let k = 0; k < 9; k++) close(matched.cov[k], target.cov[k], 1e-2 * Math.max(1, Math.abs(at(target.cov, k))), `cov ${k}`);
  // … and close after rounding to 8 bits and clipping.
  const image = colorStats(matchStyleColors(style, content).data);
  for (let c = 0; c < 3; c++) close(image.mean[c], target.mean[c], 1.5, `8-bit mean ${c}`);
  for (let k = 0; k < 9; k++) close(image.cov[k], target.cov[k], 0.05 * Math.abs(at(target.cov, 0)), `8-bit cov ${k}`);
});

test("luminance mode: the result keeps its own luminance and the content's chroma", () => {
  const content = randomImage(16, 12, 3, [0.6, 0.3, 0.1, 0.2, 0.6, 0.1, 0.1, 0.2, 0.6]);
  const result = randomImage(16, 12, 4, [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]);
  const out = recombineLuminance(result.data, content.data);
  const yOut = rgbToYiq(out),
    yRes = rgbToYiq(result.data),
    yCon = rgbToYiq(content.data);
  for (let p = 0; p < out.length; p += 3) {
    close(yOut[p], yRes[p], 1e-3, 'Y');
    close(yOut[p + 1], yCon[p + 1], 1e-3, 'I');
    close(yOut[p + 2], yCon[p + 2], 1e-3, 'Q');
  }
  const back = yiqToRgb(rgbToYiq(content.data));
  for (let k = 0; k < back.length; k++) close(back[k], content.data[k], 1e-3, 'YIQ round trip');
});

test("luminance input: grey image whose luminance mean/std match the reference's", () => {
  const style = randomImage(20, 20, 5, [0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.9, 0.0, 0.0]);
  const content = randomImage(20, 20, 6, [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]);
  const grey = luminanceImage(style, content);
  for (let p = 0; p < grey.data.length; p += 3) assert.ok(grey.data[p] === grey.data[p + 1] && grey.data[p] === grey.data[p + 2]);
  const luma = (img: RgbImage) => {
    const y = rgbToYiq(img.data).filter((_, i) => i % 3 === 0);
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    return { mean, std: Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length) };
  };
  const a = luma(grey),
    b = luma(content);
  close(a.mean, b.mean, 1, 'luma mean');
  close(a.std, b.std, 1, 'luma std');
});
