// Runs anywhere. The distance under which two faces are the same person.
import { FaceKitError } from '../../api/errors.ts';
import { KIOSK_THRESHOLD, VERIFY_THRESHOLD } from '../../api/threshold-calibration.ts';

/** Calibrated on real pairs with the shipped pipeline (api/threshold-calibration.ts, README "Accuracy"). */
export const DEFAULT_THRESHOLD = VERIFY_THRESHOLD;
export const THRESHOLD_SETTING = 'recognition.threshold';
/** The kiosk's own, stricter threshold: a false check-in costs more than a second look at the camera. */
export const KIOSK_DEFAULT_THRESHOLD = KIOSK_THRESHOLD;
export const KIOSK_THRESHOLD_SETTING = 'kiosk.threshold';

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

/** The kiosk's threshold: its own setting, else its default. */
export function resolveKioskThreshold(stored: unknown): number {
  if (typeof stored === 'number') return validateThreshold(stored, `setting ${KIOSK_THRESHOLD_SETTING}`);
  return KIOSK_DEFAULT_THRESHOLD;
}
