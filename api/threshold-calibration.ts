// Runs everywhere (the engine's defaults, the Settings screen's figures). What a distance threshold
// means in false accepts and false rejects, measured on real pairs with the shipped pipeline:
// `npm run bench -- accuracy --pairs DIR --calibration` prints these points. Re-measure when the
// pipeline changes (engine/faces/pipeline-id.ts).

export interface OperatingPoint {
  threshold: number;
  /** Share of different-person pairs accepted. */
  far: number;
  /** Share of same-person pairs rejected (a face not found counts as rejected). */
  frr: number;
}

export const CALIBRATION = {
  set: 'LFW View 2 fold 1: 597 pairs (297 same, 300 different)',
  pipeline: 'PIPELINE',
  points: [] as OperatingPoint[],
};

/** 1:1 verification and identification in the app and the CLI: the most accurate threshold on the set. */
export const VERIFY_THRESHOLD = 0.6;
/** The check-in kiosk: stricter, no false accept on the set; a person may need another frame or two. */
export const KIOSK_THRESHOLD = 0.5;

/** The measured point nearest to `threshold` (for the figures next to a setting). */
export function nearestOperatingPoint(threshold: number): OperatingPoint | undefined {
  let best: OperatingPoint | undefined;
  for (const p of CALIBRATION.points) if (!best || Math.abs(p.threshold - threshold) < Math.abs(best.threshold - threshold)) best = p;
  return best;
}
