// Runs in the engine process. decode → detect (downscaled) → landmarks → align → 128-D embedding, for
// every face in a photo. Crops are cut from the full-resolution pixels.
import type { RgbImage } from '../image.ts';
import { throwIfCancelled } from '../../api/errors.ts';
import type { FaceDetection, FaceModels } from './nets.ts';
import { cutChip, chipToSource, type ChipSpec } from './chip.ts';
import { blurScore, qualityProblems, qualityWarnings, type QualityLimits } from './quality.ts';
import { boxCenter, type Box, type Point } from './geometry.ts';
import { detectFaces } from './detection.ts';
import { chipFor, SHIPPED_CHIP } from './alignment.ts';
import { extraViews, meanEmbedding, type Views } from './augment.ts';
import { estimateYaw } from './pose.ts';

/** Tiny Face Detector input: 320 finds faces ≥ ~40 px in a 640×480 frame (the enrolment minimum). */
const FAST_DETECT_INPUT = 320;
/** Tiny Face Detector scores run lower than SSD's: at 0.5 it missed a frontal face in the fixtures that 0.3 finds. */
const FAST_MIN_CONFIDENCE = 0.3;
const LANDMARK_INPUT = 112;
/** What an enrolled face averages over (bench/accuracy.bench.ts measured each option on LFW fold 1). */
export const ENROL_VIEWS: Views = { mirror: true, jitters: 0 };

export interface FaceQuality {
  /** Side of the detection box in source pixels (geometric mean of width and height). */
  faceSize: number;
  /** Variance of the Laplacian of the face's levelled-box chip; higher is sharper. */
  blur: number;
  /** Estimated yaw in degrees (0 frontal; positive: the nose points to the image's right). */
  yaw: number;
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
  /** Extra views averaged into each embedding (ENROL_VIEWS for enrolment); none for queries. */
  views?: Views;
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

async function describe(
  models: FaceModels,
  image: RgbImage,
  landmarks: Point[],
  views: Views | undefined,
): Promise<{ embedding: Float32Array; blur: number; angle: number }> {
  const descriptor = models.get('faceDescriptor');
  const spec = chipFor(SHIPPED_CHIP, landmarks);
  const chip = await cutChip(image, spec);
  const embedding = await descriptor.describe(chip);
  // The sharpness gates were measured on the levelled-box chip (the landmarks' box + 20 %); the dlib chip
  // shows more background, which would shift every score. So sharpness keeps being read on that chip.
  const blur = blurScore(await cutChip(image, chipFor('levelled-box', landmarks)));
  if (!views) return { embedding, blur, angle: spec.angle };
  const extra: Float32Array[] = [];
  for (const view of await extraViews(image, spec, chip, views)) extra.push(await descriptor.describe(view));
  return { embedding: meanEmbedding([embedding, ...extra]), blur, angle: spec.angle };
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
    const { embedding, blur, angle } = await describe(models, image, landmarks, options.views);
    timings.embed += lap();
    const faceSize = Math.sqrt(detection.box.width * detection.box.height);
    const measures = { faceSize, blur, yaw: estimateYaw(landmarks) };
    faces.push({
      index,
      box: detection.box,
      score: detection.score,
      landmarks,
      roll: angle,
      quality: {
        ...measures,
        problems: qualityProblems(measures, options.quality),
        warnings: qualityWarnings(measures, options.quality),
      },
      embedding,
    });
  }
  return { faces, modelId, padded, timings };
}
