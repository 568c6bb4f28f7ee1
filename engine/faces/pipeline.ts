// Runs in the engine process. decode → detect (downscaled) → landmarks → align → 128-D embedding, for
// every face in a photo. Crops are cut from the full-resolution pixels.
import type { RgbImage } from '../image.ts';
import { throwIfCancelled } from '../../api/errors.ts';
import type { FaceDetection, FaceModels } from './nets.ts';
import { cutChip, chipToSource, type ChipSpec } from './chip.ts';
import { blurScore, qualityProblems, qualityWarnings, type QualityLimits } from './quality.ts';
import { boundingBox, boxCenter, meanPoint, rotatePoint, type Box, type Point } from './geometry.ts';
import { detectFaces } from './detection.ts';

/** Tiny Face Detector input: 320 finds faces ≥ ~40 px in a 640×480 frame (the enrolment minimum). */
const FAST_DETECT_INPUT = 320;
/** Tiny Face Detector scores run lower than SSD's: at 0.5 it missed a frontal face in the fixtures that 0.3 finds. */
const FAST_MIN_CONFIDENCE = 0.3;
const LANDMARK_INPUT = 112;
/** dlib's descriptor works on 150 × 150 chips. */
export const DESCRIPTOR_INPUT = 150;
/** Margin around the landmarks' box in the descriptor chip, as face-api's alignment uses (10% a side). */
const ALIGN_PADDING = 0.2;

export interface FaceQuality {
  /** Side of the detection box in source pixels (geometric mean of width and height). */
  faceSize: number;
  /** Variance of the Laplacian of the aligned chip; higher is sharper. */
  blur: number;
  /** Reasons this face is not reliable enough to enrol; empty when it is. */
  problems: string[];
  /** What is weak about a face still good enough to enrol (a little blurred); empty when nothing. */
  warnings: string[];
}

export interface AnalyzedFace {
  /** Position in the photo's faces, ordered left to right. */
  index: number;
  box: Box;
  score: number;
  landmarks: Point[];
  /** Roll of the face, radians; the chip was rotated by this to level the eyes. */
  roll: number;
  quality: FaceQuality;
  embedding: Float32Array;
}

export interface AnalyzeOptions {
  /**
   * 'accurate' (default): SSD-MobileNetV1 plus tiles, a padded frame and BlazeFace (detection.ts) — for
   * enrolment and photos. 'fast': Tiny Face Detector at 320 px, no retry, ≈ 8× quicker — for live
   * camera frames (the kiosk), where the next frame comes anyway.
   */
  detector?: 'accurate' | 'fast';
  minConfidence?: number;
  maxFaces?: number;
  quality?: QualityLimits;
  signal?: AbortSignal;
}

/** Milliseconds spent in each stage, summed over the faces (for bench/). */
export interface StageTimings {
  detect: number;
  landmarks: number;
  embed: number;
}

export interface FaceAnalysis {
  faces: AnalyzedFace[];
  modelId: string;
  timings: StageTimings;
  /** True when the faces were only found after padding the frame (a tight crop). */
  padded: boolean;
}

/** Tiny Face Detector on the frame as it is (camera frames are already small). */
function locateFast(models: FaceModels, image: RgbImage, minConfidence: number, maxResults: number): Promise<FaceDetection[]> {
  return models.get('fastFaceDetector').detect(image, { minConfidence, maxResults, inputSize: FAST_DETECT_INPUT });
}

async function findLandmarks(models: FaceModels, image: RgbImage, box: Box): Promise<Point[]> {
  const spec: ChipSpec = { center: boxCenter(box), side: Math.max(box.width, box.height), angle: 0, size: LANDMARK_INPUT };
  const chip = await cutChip(image, spec);
  const landmarks = await models.get('faceLandmarks').landmarks(chip);
  return landmarks.map((p) => chipToSource(p, spec));
}

/**
 * The descriptor chip: eyes levelled, framed by the landmarks' bounding box plus a margin, square.
 * dlib's descriptor was trained on rotation-aligned chips; face-api's own pipeline skips the rotation.
 */
export function alignmentFor(landmarks: Point[]): ChipSpec {
  const leftEye = meanPoint(landmarks.slice(36, 42));
  const rightEye = meanPoint(landmarks.slice(42, 48));
  const angle = Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x);
  const pivot = meanPoint(landmarks);
  const upright = boundingBox(landmarks.map((p) => rotatePoint(p, pivot, -angle)));
  const side = Math.max(upright.width, upright.height) * (1 + ALIGN_PADDING);
  const center = rotatePoint(boxCenter(upright), pivot, angle);
  return { center, side, angle, size: DESCRIPTOR_INPUT };
}

async function describe(
  models: FaceModels,
  image: RgbImage,
  landmarks: Point[],
): Promise<{ embedding: Float32Array; blur: number; angle: number }> {
  const spec = alignmentFor(landmarks);
  const chip = await cutChip(image, spec);
  const embedding = await models.get('faceDescriptor').describe(chip);
  return { embedding, blur: blurScore(chip), angle: spec.angle };
}

/** Finds every face in the image and computes its embedding and quality, with the face models of `models`. */
export async function analyzeFaces(models: FaceModels, image: RgbImage, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
  const detector = options.detector === 'fast' ? models.get('fastFaceDetector') : models.get('faceDetector');
  // All up front, whether or not a face turns up: a missing file fails every call, not just some.
  await Promise.all([detector.load(), models.get('faceLandmarks').load(), models.get('faceDescriptor').load()]);
  const modelId = await models.get('faceDescriptor').modelId();
  let started = performance.now();
  const lap = () => -started + (started = performance.now());
  const minConfidence = options.minConfidence ?? (options.detector === 'fast' ? FAST_MIN_CONFIDENCE : 0.5);
  const maxFaces = options.maxFaces ?? 100;
  const { detections, padded } =
    options.detector === 'fast'
      ? { detections: await locateFast(models, image, minConfidence, maxFaces), padded: false }
      : await detectFaces(models, image, { minConfidence, maxFaces });
  const timings: StageTimings = { detect: lap(), landmarks: 0, embed: 0 };
  detections.sort((a, b) => a.box.x - b.box.x);
  const faces: AnalyzedFace[] = [];
  for (const [index, detection] of detections.entries()) {
    throwIfCancelled(options.signal);
    const landmarks = await findLandmarks(models, image, detection.box);
    timings.landmarks += lap();
    const { embedding, blur, angle } = await describe(models, image, landmarks);
    timings.embed += lap();
    const faceSize = Math.sqrt(detection.box.width * detection.box.height);
    faces.push({
      index,
      box: detection.box,
      score: detection.score,
      landmarks,
      roll: angle,
      quality: {
        faceSize,
        blur,
        problems: qualityProblems(faceSize, blur, options.quality),
        warnings: qualityWarnings(faceSize, blur, options.quality),
      },
      embedding,
    });
  }
  return { faces, modelId, padded, timings };
}
