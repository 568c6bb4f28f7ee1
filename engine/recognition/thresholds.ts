// Runs anywhere. The distance under which two faces are the same person.
import { FaceKitError } from '../../api/errors.ts';

/**
 * For dlib's 128-D ResNet descriptor (the one face-api ships). Measured on the fixtures (README,
 * "Choosing the threshold"): same-person pairs lie at 0.26–0.54, different people at 0.67 and above;
 * 0.6, dlib's own published operating point (99.38% on LFW), sits in that gap.
 */
export const DEFAULT_THRESHOLD = 0.6;
export const THRESHOLD_SETTING = 'recognition.threshold';

export function validateThreshold(value: number, source: string): number {
  if (!Number.isFinite(value) || value <= 0 || value > 2) {
    throw new FaceKitError('BAD_INPUT', `${source} must be a distance between 0 and 2 (got ${value})`);
  }
  return value;
}

/** A threshold given for this call wins over the stored setting, which wins over the default. */
export function resolveThreshold(perCall: number | undefined, stored: unknown): number {
  if (perCall !== undefined) return validateThreshold(perCall, 'threshold');
  if (typeof stored === 'number') return validateThreshold(stored, `setting ${THRESHOLD_SETTING}`);
  return DEFAULT_THRESHOLD;
}
