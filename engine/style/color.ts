// Runs anywhere. Colour preservation for style transfer (Gatys et al., "Preserving Color in Neural
// Artistic Style Transfer", 2016), on interleaved RGB pixels in 0…255:
//  - 'histogram': before optimising, give the style image the content's colour mean and covariance
//    (x' = A(x − μ_S) + μ_C with A = Σ_C^½ Σ_S^−½, the symmetric eigen-based map, which rotates colours
//    less than the Cholesky one);
//  - 'luminance': optimise on luminance only (style luminance matched to the content's mean/std), then
//    put the content's chroma back: YIQ, keep the result's Y and the content's I and Q.
import { FaceKitError } from '../../api/errors.ts';
import type { RgbImage } from '../image.ts';

export type Mat3 = number[]; // row-major 3×3

/**
 * A value read from colour data, checked: pixel buffers here hold whole RGB pixels and matrices 9
 * elements, so only a bug reads past the end. The read stays at each call site (`defined(px[i])`): a
 * shared `at(px, i)` makes the read itself polymorphic (Buffer, Float32Array, number[]) and measured
 * 2–5× slower; this check measured no slower than the non-null assertions it replaces.
 */
function defined(value: number | undefined): number {
  if (value === undefined)
    throw new FaceKitError('INTERNAL', 'colour data ended early (a buffer shorter than its image, or a matrix of fewer than 9 elements)');
  return value;
}

/** A 3×3 matrix's elements, row-major, as a tuple (for destructuring). */
function elements9(m: Mat3): [number, number, number, number, number, number, number, number, number] {
  return [
    defined(m[0]),
    defined(m[1]),
    defined(m[2]),
    defined(m[3]),
    defined(m[4]),
    defined(m[5]),
    defined(m[6]),
    defined(m[7]),
    defined(m[8]),
  ];
}

export interface ColorStats {
  mean: [number, number, number];
  /** Row-major 3×3 covariance. */
  cov: Mat3;
}

/** NTSC RGB → YIQ. */
const RGB_TO_YIQ: Mat3 = [0.299, 0.587, 0.114, 0.595716, -0.274453, -0.321263, 0.211456, -0.522591, 0.311135];
const YIQ_TO_RGB: Mat3 = invert3(RGB_TO_YIQ);

export function colorStats(rgb: ArrayLike<number>): ColorStats {
  const n = rgb.length / 3;
  let m0 = 0,
    m1 = 0,
    m2 = 0;
  for (let p = 0; p < rgb.length; p += 3) {
    m0 += defined(rgb[p]);
    m1 += defined(rgb[p + 1]);
    m2 += defined(rgb[p + 2]);
  }
  const mean: [number, number, number] = [m0 / n, m1 / n, m2 / n];
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c11 = 0,
    c12 = 0,
    c22 = 0;
  for (let p = 0; p < rgb.length; p += 3) {
    const d0 = defined(rgb[p]) - mean[0],
      d1 = defined(rgb[p + 1]) - mean[1],
      d2 = defined(rgb[p + 2]) - mean[2];
    c00 += d0 * d0;
    c01 += d0 * d1;
    c02 += d0 * d2;
    c11 += d1 * d1;
    c12 += d1 * d2;
    c22 += d2 * d2;
  }
  return { mean, cov: [c00, c01, c02, c01, c11, c12, c02, c12, c22].map((v) => v / n) };
}

function mul3(a: Mat3, b: Mat3): Mat3 {
  const out: Mat3 = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += defined(a[i * 3 + k]) * defined(b[k * 3 + j]);
      out.push(sum);
    }
  }
  return out;
}

export function invert3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = elements9(m);
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A, -(b * i - c * h), b * f - c * e, B, a * i - c * g, -(a * f - c * d), C, -(a * h - b * g), a * e - b * d].map((v) => v / det);
}

/** Eigen-decomposition of a symmetric 3×3 matrix (cyclic Jacobi): m = V·diag(values)·Vᵀ, V's columns. */
export function eigenSym3(m: Mat3): { values: number[]; vectors: Mat3 } {
  const a = [...m];
  const v: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = defined(a[1]) ** 2 + defined(a[2]) ** 2 + defined(a[5]) ** 2;
    if (off < 1e-22 * (defined(a[0]) ** 2 + defined(a[4]) ** 2 + defined(a[8]) ** 2 + 1e-300)) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const apq = defined(a[p * 3 + q]);
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (defined(a[q * 3 + q]) - defined(a[p * 3 + p])) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1),
        s = t * c;
      // a ← Jᵀ a J, v ← v J, with J the rotation in the (p, q) plane.
      for (let k = 0; k < 3; k++) {
        const akp = defined(a[k * 3 + p]),
          akq = defined(a[k * 3 + q]);
        a[k * 3 + p] = c * akp - s * akq;
        a[k * 3 + q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = defined(a[p * 3 + k]),
          aqk = defined(a[q * 3 + k]);
        a[p * 3 + k] = c * apk - s * aqk;
        a[q * 3 + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = defined(v[k * 3 + p]),
          vkq = defined(v[k * 3 + q]);
        v[k * 3 + p] = c * vkp - s * vkq;
        v[k * 3 + q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: [defined(a[0]), defined(a[4]), defined(a[8])], vectors: v };
}

/** Symmetric power of a covariance matrix (eigenvalues floored so flat images do not blow up). */
function symPow(m: Mat3, power: number): Mat3 {
  const { values, vectors: v } = eigenSym3(m);
  const d = values.map((x) => Math.max(x, 1e-6) ** power);
  const vd = v.map((x, idx) => x * defined(d[idx % 3]));
  const vt = [0, 3, 6, 1, 4, 7, 2, 5, 8].map((idx) => defined(v[idx]));
  return mul3(vd, vt);
}

/** Transforms `source` pixels so that their colour mean and covariance equal `target` (unclipped floats). */
export function matchColorStats(source: ArrayLike<number>, target: ColorStats): Float32Array {
  const s = colorStats(source);
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = elements9(mul3(symPow(target.cov, 0.5), symPow(s.cov, -0.5)));
  const [t0, t1, t2] = target.mean;
  const out = new Float32Array(source.length);
  for (let p = 0; p < source.length; p += 3) {
    const d0 = defined(source[p]) - s.mean[0],
      d1 = defined(source[p + 1]) - s.mean[1],
      d2 = defined(source[p + 2]) - s.mean[2];
    out[p] = a0 * d0 + a1 * d1 + a2 * d2 + t0;
    out[p + 1] = a3 * d0 + a4 * d1 + a5 * d2 + t1;
    out[p + 2] = a6 * d0 + a7 * d1 + a8 * d2 + t2;
  }
  return out;
}

export function toRgb8(width: number, height: number, pixels: ArrayLike<number>): RgbImage {
  const data = Buffer.alloc(width * height * 3);
  for (let k = 0; k < data.length; k++) data[k] = Math.min(255, Math.max(0, Math.round(defined(pixels[k]))));
  return { width, height, data };
}

/** 'histogram' mode: the style image recoloured to the content's colour statistics. */
export function matchStyleColors(style: RgbImage, content: RgbImage): RgbImage {
  return toRgb8(style.width, style.height, matchColorStats(style.data, colorStats(content.data)));
}

export function rgbToYiq(rgb: ArrayLike<number>): Float32Array {
  return apply3(RGB_TO_YIQ, rgb);
}

export function yiqToRgb(yiq: ArrayLike<number>): Float32Array {
  return apply3(YIQ_TO_RGB, yiq);
}

function apply3(m: Mat3, px: ArrayLike<number>): Float32Array {
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = elements9(m);
  const out = new Float32Array(px.length);
  for (let p = 0; p < px.length; p += 3) {
    const a = defined(px[p]),
      b = defined(px[p + 1]),
      c = defined(px[p + 2]);
    out[p] = m0 * a + m1 * b + m2 * c;
    out[p + 1] = m3 * a + m4 * b + m5 * c;
    out[p + 2] = m6 * a + m7 * b + m8 * c;
  }
  return out;
}

function lumaMeanStd(rgb: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0,
    sq = 0;
  const n = rgb.length / 3;
  for (let p = 0; p < rgb.length; p += 3) {
    const y = 0.299 * defined(rgb[p]) + 0.587 * defined(rgb[p + 1]) + 0.114 * defined(rgb[p + 2]);
    sum += y;
    sq += y * y;
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
}

/**
 * 'luminance' mode input: the image's luminance as a grey RGB image. With `matchTo`, the luminance is
 * shifted/scaled to that image's luminance mean and std first (the paper's luminance histogram matching).
 */
export function luminanceImage(image: RgbImage, matchTo?: RgbImage): RgbImage {
  const own = lumaMeanStd(image.data);
  const target = matchTo ? lumaMeanStd(matchTo.data) : own;
  const gain = own.std > 1e-6 ? target.std / own.std : 1;
  const out = new Float32Array(image.data.length);
  for (let p = 0; p < out.length; p += 3) {
    const d = image.data;
    const y = (0.299 * defined(d[p]) + 0.587 * defined(d[p + 1]) + 0.114 * defined(d[p + 2]) - own.mean) * gain + target.mean;
    out[p] = out[p + 1] = out[p + 2] = y;
  }
  return toRgb8(image.width, image.height, out);
}

/** 'luminance' mode output: the result's luminance with the content's chroma (same size required). */
export function recombineLuminance(result: ArrayLike<number>, content: ArrayLike<number>): Float32Array {
  const r = rgbToYiq(result);
  const c = rgbToYiq(content);
  for (let p = 0; p < r.length; p += 3) {
    r[p + 1] = defined(c[p + 1]);
    r[p + 2] = defined(c[p + 2]);
  }
  return yiqToRgb(r);
}
