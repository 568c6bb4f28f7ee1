// Runs in the engine process. Where the descriptor chip is cut, from the 68 landmarks: the chip the
// network expects decides how far apart the same face lands (bench/accuracy.bench.ts measures each).
import type { ChipSpec } from './chip.ts';
import { boundingBox, boxCenter, meanPoint, rotatePoint, type Point } from './geometry.ts';

/** dlib's descriptor works on 150 × 150 chips. */
export const DESCRIPTOR_INPUT = 150;

/**
 * The chips the accuracy bench compares. 'dlib' is what the descriptor was trained on and ships;
 * the others are kept to re-check that choice.
 * - 'dlib': dlib's get_face_chip_details(shape, 150, 0.25) — the least-squares similarity transform
 *   of 33 landmarks (nose, eyes, outer and inner upper lip) onto dlib's mean face shape, 25 % padding.
 * - 'faceapi': face-api's own aligned crop (FaceLandmarks.alignDlib): an upright square sized from the
 *   eye-to-mouth distance.
 * - 'levelled-box': FaceKit's first chip: eyes levelled, the landmarks' box plus 20 %.
 */
export const CHIP_KINDS = ['dlib', 'faceapi', 'levelled-box'] as const;
export type ChipKind = (typeof CHIP_KINDS)[number];

/** The chip the pipeline uses; part of every stored embedding's pipeline id. */
export const SHIPPED_CHIP: ChipKind = 'dlib';

export function chipFor(kind: ChipKind, landmarks: readonly Point[]): ChipSpec {
  switch (kind) {
    case 'dlib':
      return dlibChip(landmarks);
    case 'faceapi':
      return faceApiChip(landmarks);
    case 'levelled-box':
      return levelledBoxChip(landmarks);
  }
}

// dlib's mean face shape (dlib/image_transforms/interpolation.h, get_face_chip_details), points 17–67
// of the 68-point layout, in a unit square.
// prettier-ignore
const MEAN_FACE_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
  0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
  0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
  0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
  0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
  0.553364, 0.490127, 0.42689,
];
// prettier-ignore
const MEAN_FACE_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
  0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
  0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
  0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
  0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
  0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
  0.784792, 0.824182, 0.831803, 0.824182,
];
const DLIB_PADDING = 0.25;

/** dlib leaves out the eyebrows (17–26) and the lower lip (55–59, 65–67): they move with expression. */
const usedByDlib = (i: number) => i >= 27 && !(i >= 55 && i <= 59) && !(i >= 65 && i <= 67);

/** Chip pixel → image pixel as p ↦ scale·R(angle)·p + shift; the least-squares fit (Umeyama, no reflection). */
export interface Similarity {
  scale: number;
  angle: number;
  shift: Point;
}

/** The similarity transform taking `from[i]` nearest to `to[i]` in the least-squares sense. */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  const a0 = meanPoint(from);
  const b0 = meanPoint(to);
  // In complex numbers: z = Σ conj(a)·b / Σ |a|², with a and b centred.
  let re = 0;
  let im = 0;
  let norm = 0;
  for (const [i, p] of from.entries()) {
    const q = to[i] ?? b0;
    const ax = p.x - a0.x;
    const ay = p.y - a0.y;
    const bx = q.x - b0.x;
    const by = q.y - b0.y;
    re += ax * bx + ay * by;
    im += ax * by - ay * bx;
    norm += ax * ax + ay * ay;
  }
  const scale = Math.hypot(re, im) / norm;
  const angle = Math.atan2(im, re);
  const rotated = rotatePoint(a0, { x: 0, y: 0 }, angle);
  return { scale, angle, shift: { x: b0.x - scale * rotated.x, y: b0.y - scale * rotated.y } };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  const r = rotatePoint(p, { x: 0, y: 0 }, t.angle);
  return { x: t.scale * r.x + t.shift.x, y: t.scale * r.y + t.shift.y };
}

function dlibChip(landmarks: readonly Point[], size = DESCRIPTOR_INPUT): ChipSpec {
  const from: Point[] = [];
  const to: Point[] = [];
  for (const [i, p] of landmarks.entries()) {
    if (!usedByDlib(i)) continue;
    const x = MEAN_FACE_X[i - 17];
    const y = MEAN_FACE_Y[i - 17];
    if (x === undefined || y === undefined) continue;
    from.push({ x: ((DLIB_PADDING + x) / (2 * DLIB_PADDING + 1)) * size, y: ((DLIB_PADDING + y) / (2 * DLIB_PADDING + 1)) * size });
    to.push(p);
  }
  const t = fitSimilarity(from, to);
  return { center: applySimilarity(t, { x: size / 2, y: size / 2 }), side: t.scale * size, angle: t.angle, size };
}

/** face-api's alignDlib: eye centres and mouth centre; the square is 1/0.45 of the eye-to-mouth distance. */
function faceApiChip(landmarks: readonly Point[]): ChipSpec {
  const leftEye = meanPoint(landmarks.slice(36, 42));
  const rightEye = meanPoint(landmarks.slice(42, 48));
  const mouth = meanPoint(landmarks.slice(48, 68));
  const toMouth = (p: Point) => Math.hypot(mouth.x - p.x, mouth.y - p.y);
  const side = Math.floor((toMouth(leftEye) + toMouth(rightEye)) / 2 / 0.45);
  const ref = meanPoint([leftEye, rightEye, mouth]);
  return { center: { x: ref.x, y: ref.y + (0.5 - 0.43) * side }, side, angle: 0, size: DESCRIPTOR_INPUT };
}

/** The landmarks' box with the eyes levelled, plus 10 % a side. */
function levelledBoxChip(landmarks: readonly Point[]): ChipSpec {
  const leftEye = meanPoint(landmarks.slice(36, 42));
  const rightEye = meanPoint(landmarks.slice(42, 48));
  const angle = Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x);
  const pivot = meanPoint(landmarks);
  const upright = boundingBox(landmarks.map((p) => rotatePoint(p, pivot, -angle)));
  const side = Math.max(upright.width, upright.height) * 1.2;
  return { center: rotatePoint(boxCenter(upright), pivot, angle), side, angle, size: DESCRIPTOR_INPUT };
}
