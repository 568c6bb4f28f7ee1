// Runs in the engine process. Passive (one-frame) liveness: is this a live face, or a photo or screen
// held to the camera? Scores one analysed face with one of the liveness networks (liveness-nets.ts) on
// a crop around its landmarks (liveness-crop.ts). bench/liveness.bench.ts measured the choices below.
import { FaceKitError } from '../../api/errors.ts';
import type { RgbImage } from '../image.ts';
import type { FaceModels } from './nets.ts';
import type { Box, Point } from './geometry.ts';
import { cutLivenessCrop, type LivenessCrop } from './liveness-crop.ts';
import { HUMAN_FEED, type LivenessFeed } from './liveness-nets.ts';

export interface LivenessScore {
  /** P(real) in [0, 1] from the model. */
  score: number;
  /** score ≥ threshold. */
  live: boolean;
  threshold: number;
  /** The manifest id of the model that scored it. */
  model: string;
}

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
