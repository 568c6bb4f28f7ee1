// Runs in the engine process. How trustworthy a face crop is: its size in the photo and its sharpness.
import { FaceKitError } from '../../api/errors.ts';
import type { RgbImage } from '../image.ts';

/**
 * A pixel value read from the chip, checked: the chip holds width × height RGB pixels and the Laplacian
 * reads only inside it, so a missing one is a bug.
 */
function defined(value: number | undefined): number {
  if (value === undefined) throw new FaceKitError('INTERNAL', 'a face chip holds fewer pixels than its width × height');
  return value;
}

/**
 * Variance of the Laplacian of the grey chip: the classic focus measure. Computed on the fixed-size
 * aligned chip, so it does not depend on the photo's resolution; a small face upscaled to the chip is
 * (rightly) as blurry as its pixels are.
 */
export function blurScore(chip: RgbImage): number {
  const { width, height, data } = chip;
  const grey = new Float32Array(width * height);
  for (let i = 0; i < grey.length; i++)
    grey[i] = 0.299 * defined(data[i * 3]) + 0.587 * defined(data[i * 3 + 1]) + 0.114 * defined(data[i * 3 + 2]);
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  // Along each row the left, centre and right pixels slide one step: three checked reads a pixel instead
  // of five, which keeps this as fast as the unchecked five-read loop (five checked reads measured +8 %).
  for (let y = 1; y < height - 1 && width > 2; y++) {
    let left = defined(grey[y * width]);
    let centre = defined(grey[y * width + 1]);
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const right = defined(grey[i + 1]);
      const lap = left + right + defined(grey[i - width]) + defined(grey[i + width]) - 4 * centre;
      sum += lap;
      sumSq += lap * lap;
      n++;
      left = centre;
      centre = right;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

export interface QualityLimits {
  /** Smallest face side (detection box, source pixels) enrolled. */
  minFaceSize: number;
  /** Lowest blur score enrolled. */
  minBlur: number;
  /** Below this blur score a face is enrolled with a warning: it will be recognised less reliably. */
  sharpBlur: number;
  /** A face turned further than this (|yaw|, degrees) is not enrolled. */
  maxYaw: number;
  /** From this |yaw| on a face is enrolled with a warning, and a match on it is flagged as less reliable. */
  turnedYaw: number;
}

/** What the gates look at. */
export interface QualityMeasures {
  faceSize: number;
  blur: number;
  /** Estimated yaw, degrees (engine/faces/pose.ts). */
  yaw: number;
}

/**
 * Measured with `facekit eval quality` on LFW View 2 fold 1 (597 pairs, 805 news photos; README,
 * "Quality gates"), at the 0.6 threshold, on the photos as they are and on 120 pairs with one photo
 * blurred (σ 1–3) or shrunk (face 16–48 px):
 * - size: pairs whose worse face is 16–24 px across are wrong 14 % of the time, 24–64 px ones 7.5–8 %,
 *   as often as the 40–64 px faces the old 40 px gate kept. Below 24 px is refused.
 * - sharpness: below 12 pairs are wrong 10–11 % of the time (0–5, 5–10 and 10–12 alike), from 12 on
 *   7 % — false rejects almost all: a blurred face is a weaker likeness of its owner, not a likeness of
 *   someone else (false accepts: 1 % of different-person pairs under 12, 0.8 % from 12 on). Of the 803
 *   LFW faces, 6 score under 12 and 18 under the old gate of 15, whose refusals removed 2 errors out of
 *   595 pairs. So 5–12 is enrolled with a warning; under 5 — where blurring the fixture faces (σ = 8)
 *   moved their embeddings up to 0.73 from the sharp originals, past the threshold — a face is refused.
 */
export const DEFAULT_QUALITY_LIMITS: QualityLimits = { minFaceSize: 24, minBlur: 5, sharpBlur: 12, maxYaw: 45, turnedYaw: 30 };

/** Why a face is not reliable enough to enrol; empty when it is. */
export function qualityProblems({ faceSize, blur, yaw }: QualityMeasures, limits: QualityLimits = DEFAULT_QUALITY_LIMITS): string[] {
  const problems: string[] = [];
  if (faceSize < limits.minFaceSize)
    problems.push(`face is ${Math.round(faceSize)} px across; at least ${limits.minFaceSize} px is needed`);
  if (blur < limits.minBlur) problems.push(`face is too blurred (sharpness ${blur.toFixed(0)}; at least ${limits.minBlur} is needed)`);
  if (Math.abs(yaw) > limits.maxYaw)
    problems.push(`face is turned too far (about ${Math.abs(yaw).toFixed(0)}°; at most ${limits.maxYaw}° from facing the camera)`);
  return problems;
}

/** What is weak about a face that is still enrolled (between the gate and a sharp face); empty when nothing. */
export function qualityWarnings({ blur, yaw }: QualityMeasures, limits: QualityLimits = DEFAULT_QUALITY_LIMITS): string[] {
  const warnings: string[] = [];
  if (blur >= limits.minBlur && blur < limits.sharpBlur)
    warnings.push(`face is a little blurred (sharpness ${blur.toFixed(0)}; from ${limits.sharpBlur} it is recognised more reliably)`);
  if (Math.abs(yaw) >= limits.turnedYaw && Math.abs(yaw) <= limits.maxYaw)
    warnings.push(`face is turned (about ${Math.abs(yaw).toFixed(0)}°): a match on it is less reliable than on a frontal face`);
  return warnings;
}

/** For a verify or identify: what makes a match on this face less reliable (turned, blurred, small). */
export function reliabilityWarnings(measures: QualityMeasures, limits: QualityLimits = DEFAULT_QUALITY_LIMITS): string[] {
  const notes: string[] = [];
  if (Math.abs(measures.yaw) >= limits.turnedYaw)
    notes.push(`face is turned (about ${Math.abs(measures.yaw).toFixed(0)}°): the result is less reliable than for a frontal face`);
  if (measures.blur < limits.sharpBlur) notes.push(`face is blurred (sharpness ${measures.blur.toFixed(0)}): the result is less reliable`);
  if (measures.faceSize < limits.minFaceSize)
    notes.push(`face is only ${Math.round(measures.faceSize)} px across: the result is less reliable`);
  return notes;
}
