// Runs anywhere. How far a face is turned (yaw), from its 68 landmarks: the nose tip sits between the
// two sides of the jaw's outline in proportion to the turn. An estimate (the landmark net was trained
// mostly on frontal faces and flattens profiles), good enough to flag a strongly turned face.
import { meanPoint, type Point } from './geometry.ts';

/**
 * Yaw in degrees, 0 for a frontal face, positive when the nose points to the image's right. Measured
 * along the eye line, so a tilted (rolled) head reads the same as an upright one.
 */
export function estimateYaw(landmarks: readonly Point[]): number {
  const jawLeft = landmarks[0];
  const jawRight = landmarks[16];
  const nose = landmarks[30];
  if (!jawLeft || !jawRight || !nose) return 0;
  const leftEye = meanPoint(landmarks.slice(36, 42));
  const rightEye = meanPoint(landmarks.slice(42, 48));
  const length = Math.hypot(rightEye.x - leftEye.x, rightEye.y - leftEye.y) || 1;
  const axis = { x: (rightEye.x - leftEye.x) / length, y: (rightEye.y - leftEye.y) / length };
  const along = (p: Point) => (p.x - nose.x) * axis.x + (p.y - nose.y) * axis.y;
  const toLeft = Math.max(0, -along(jawLeft));
  const toRight = Math.max(0, along(jawRight));
  if (toLeft + toRight === 0) return 0;
  const ratio = (toLeft - toRight) / (toLeft + toRight);
  return (Math.asin(Math.max(-1, Math.min(1, ratio))) * 180) / Math.PI;
}
