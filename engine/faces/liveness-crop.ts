// Runs in the engine process. Where the passive-liveness networks look: a square, unrotated crop around
// the face. @vladmandic/human feeds them its face tensor: BlazeFace's box (brows to chin) enlarged × 1.4,
// made square, cut to 192 × 192 (facemesh.ts, facemeshutil.ts: enlargeBox, squarifyBox, cutAndResize).
// The 68 landmarks' box is close to BlazeFace's, and taking it makes the crop the same whichever detector
// found the face (SSD for photos, Tiny for the kiosk).
import type { RgbImage } from '../image.ts';
import { cutChip } from './chip.ts';
import { boundingBox, boxCenter, type Box, type Point } from './geometry.ts';

/** Crops the bench compares: human's (the landmarks' box × 1.4), the landmarks' box itself, and the detector's box as it is or × 1.5. */
export const LIVENESS_CROPS = ['landmarks-1.4', 'landmarks-1.0', 'box-1.0', 'box-1.5'] as const;
export type LivenessCrop = (typeof LIVENESS_CROPS)[number];

/** human's face tensor side; each network then resizes it to its own input. */
const CROP_SIZE = 192;

function square(box: Box, factor: number): { center: Point; side: number } {
  return { center: boxCenter(box), side: factor * Math.max(box.width, box.height) };
}

/** The crop's square in source pixels. */
export function livenessSquare(kind: LivenessCrop, face: { box: Box; landmarks: readonly Point[] }): { center: Point; side: number } {
  switch (kind) {
    case 'landmarks-1.4':
      return square(boundingBox(face.landmarks), 1.4);
    case 'landmarks-1.0':
      return square(boundingBox(face.landmarks), 1);
    case 'box-1.0':
      return square(face.box, 1);
    case 'box-1.5':
      return square(face.box, 1.5);
  }
}

/** The crop's pixels (outside the photo: mid grey, as every chip of the pipeline). */
export function cutLivenessCrop(image: RgbImage, kind: LivenessCrop, face: { box: Box; landmarks: readonly Point[] }): Promise<RgbImage> {
  return cutChip(image, { ...livenessSquare(kind, face), angle: 0, size: CROP_SIZE });
}
