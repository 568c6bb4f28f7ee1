// Runs in the engine process. Where the passive-liveness networks look: a square, unrotated crop around
// the face. @vladmandic/human feeds them its face tensor: BlazeFace's box (brows to chin) enlarged × 1.4,
// made square, cut to 192 × 192 (facemesh.ts, facemeshutil.ts: enlargeBox, squarifyBox, cutAndResize).
// The 68 landmarks' box is close to BlazeFace's, and taking it makes the crop the same whichever detector
// found the face (SSD for photos, Tiny for the kiosk).
import type { RgbImage } from '../image.ts';
import sharp from 'sharp';
import { FaceKitError } from '../../api/errors.ts';
import { boundingBox, boxCenter, type Box, type Point } from './geometry.ts';

/** Crops the bench compares: human's (the landmarks' box × 1.4), the landmarks' box itself, and the detector's box as it is or × 1.5. */
export const LIVENESS_CROPS = ['landmarks-1.4', 'landmarks-1.0', 'box-1.0', 'box-1.5'] as const;
export type LivenessCrop = (typeof LIVENESS_CROPS)[number];

/** human's face tensor side; each network then resizes it to its own input. */
const CROP_SIZE = 192;
const GREY = { r: 128, g: 128, b: 128 };

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

/**
 * The crop's pixels (outside the photo: mid grey, as every chip of the pipeline). Unrotated, so sharp
 * cuts and resizes it directly: cutChip's per-pixel warp took ≈ 130 ms here, too slow for a kiosk frame.
 */
export async function cutLivenessCrop(
  image: RgbImage,
  kind: LivenessCrop,
  face: { box: Box; landmarks: readonly Point[] },
): Promise<RgbImage> {
  const { center, side: exact } = livenessSquare(kind, face);
  const side = Math.max(2, Math.round(exact));
  const left = Math.round(center.x - side / 2);
  const top = Math.round(center.y - side / 2);
  // The part of the square inside the photo; what lies outside is added back as grey.
  const x0 = Math.max(0, left);
  const y0 = Math.max(0, top);
  const x1 = Math.min(image.width, left + side);
  const y1 = Math.min(image.height, top + side);
  if (x1 - x0 < 1 || y1 - y0 < 1) throw new FaceKitError('BAD_INPUT', 'the face lies outside the image');
  // Two pipelines: sharp resizes before it extends, whatever the order of the calls.
  const padded = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
    .extend({ left: x0 - left, top: y0 - top, right: left + side - x1, bottom: top + side - y1, background: GREY })
    .raw()
    .toBuffer();
  const data = await sharp(padded, { raw: { width: side, height: side, channels: 3 } })
    .resize(CROP_SIZE, CROP_SIZE, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { width: CROP_SIZE, height: CROP_SIZE, data };
}
