// Runs in the engine process. Passive (one-frame) liveness: is this a live face, or a photo or screen
// held to the camera? Scores one analysed face with one of the liveness networks (liveness-nets.ts) on
// a crop around its landmarks (liveness-crop.ts). bench/liveness.bench.ts measured the choices below.
import { FaceKitError } from '../../api/errors.ts';
import type { LivenessScore } from '../../api/definition.ts';
import type { RgbImage } from '../image.ts';
import type { FaceModels } from './nets.ts';
import type { Box, Point } from './geometry.ts';
import { cutLivenessCrop, type LivenessCrop } from './liveness-crop.ts';
import { HUMAN_FEED, type LivenessFeed } from './liveness-nets.ts';

/** score: P(real) in [0, 1]; live: score ≥ threshold; model: its models/manifest.json id. */
export type { LivenessScore };

/** The shipped model, crop and feeding (bench/liveness.bench.ts compares the alternatives). */
export const LIVENESS_MODEL = 'antispoof' as const;
export const LIVENESS_CROP: LivenessCrop = 'landmarks-1.4';
export const LIVENESS_FEED: LivenessFeed = HUMAN_FEED;

/**
 * Low enough that every real face measured passes: the model does not separate real faces from screen
 * replays on our photos (README, "Liveness"), so the score is advisory and the kiosk's active challenge
 * carries the defence.
 */
export const LIVENESS_DEFAULT_THRESHOLD = 0.3;

/** The store's settings key of the threshold (Settings: livenessThreshold). */
export const LIVENESS_THRESHOLD_SETTING = 'liveness.threshold';

/** The threshold a call uses: its own, else the stored setting, else the default. */
export function resolveLivenessThreshold(perCall: number | undefined, stored: unknown): number {
  if (perCall !== undefined) return checkLivenessThreshold(perCall);
  return typeof stored === 'number' && stored >= 0 && stored <= 1 ? stored : LIVENESS_DEFAULT_THRESHOLD;
}

/** Throws BAD_INPUT unless `threshold` is a number in [0, 1]. */
export function checkLivenessThreshold(threshold: number): number {
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new FaceKitError('BAD_INPUT', `liveness threshold must be between 0 and 1 (got ${threshold})`);
  }
  return threshold;
}

/** Passive (one-frame) liveness of one analysed face; the image is the frame the face was found in. */
export async function passiveLiveness(
  models: FaceModels,
  image: RgbImage,
  face: { box: Box; landmarks: Point[] },
  threshold: number = LIVENESS_DEFAULT_THRESHOLD,
): Promise<LivenessScore> {
  checkLivenessThreshold(threshold);
  const crop = await cutLivenessCrop(image, LIVENESS_CROP, face);
  const score = await models.get(LIVENESS_MODEL).score(crop, LIVENESS_FEED);
  return { score, live: score >= threshold, threshold, model: LIVENESS_MODEL };
}

/**
 * One decision over several frames of the same face (the kiosk's consecutive frames): the mean score
 * against the threshold, so one odd frame neither passes nor refuses a face on its own.
 */
export function combineLiveness(scores: readonly LivenessScore[], threshold: number = LIVENESS_DEFAULT_THRESHOLD): LivenessScore {
  const first = scores[0];
  if (!first) throw new FaceKitError('INTERNAL', 'no liveness scores to combine');
  checkLivenessThreshold(threshold);
  const score = scores.reduce((sum, s) => sum + s.score, 0) / scores.length;
  return { score, live: score >= threshold, threshold, model: first.model };
}
