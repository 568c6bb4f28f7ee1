// Runs anywhere (pure: no models, no store). Which face of a photo enrolment takes — the rule the CLI
// (`facekit enroll`, `facekit enroll-folder`), the api and so the app all follow:
//   - one face: that face;
//   - several: the dominant one, when there is one (chooseFace), provided it matches the person's other
//     photos when there are any (else: not the same person, skipped);
//   - several and none dominant: the one face that matches the person's other photos, if exactly one
//     does; else the photo is skipped, with the reason.
import type { Box } from '../faces/geometry.ts';
import { euclidean } from '../../db/search/exact.ts';

export interface ImageSize {
  width: number;
  height: number;
}

export interface DominancePolicy {
  /** The dominant face's area is at least this many times that of every other face inside the frame. */
  minAreaRatio: number;
  /** A face whose box comes closer to the frame's border than this fraction of its own side is at the edge: cut off, a bystander. */
  edgeMargin: number;
}

/**
 * Measured on LFW View 2 fold 1 (805 news photos of 435 people; 38 have several faces, the labelled
 * person is the centred one) with `npx tsx bench/enrol-choice.bench.ts --root DIR` (README, "Enrolment
 * rules"). Background faces there are mostly cut by the frame (box within 0.00–0.08 of its side from
 * the border; the labelled faces 0.32 and more), so the edge test comes first. With faces at the edge
 * set aside, a ratio of 2 resolves 33 of the 38 photos, all to the labelled face; 1.5 resolves 34,
 * 3 still 33, 4 only 30; without the edge test (the largest face, twice the next) 2 resolves 23.
 * An edge margin of 0.05 resolves 31, 0.1 33, 0.15–0.2 34, 0.3 35, never a wrong face; wider than
 * 0.1 gains only because LFW centres every subject, and would set aside people near the border.
 */
export const DOMINANCE: DominancePolicy = { minAreaRatio: 2, edgeMargin: 0.1 };

const area = (box: Box) => box.width * box.height;

/** How close the box comes to the frame's border, in units of the face's side (negative: it sticks out). */
export function edgeDistance(box: Box, image: ImageSize): number {
  const nearest = Math.min(box.x, box.y, image.width - box.x - box.width, image.height - box.y - box.height);
  return nearest / Math.sqrt(area(box));
}

export function isAtEdge(box: Box, image: ImageSize, policy: DominancePolicy = DOMINANCE): boolean {
  return edgeDistance(box, image) < policy.edgeMargin;
}

export type FaceChoice<F> =
  { chosen: true; face: F; how: 'only' | 'dominant' } | { chosen: false; reason: 'no-face' | 'no-dominant-face'; why: string };

/** The position of `face` in `faces`, for messages ("face 1"): the pipeline numbers faces left to right. */
function label<F>(faces: readonly F[], face: F): string {
  return `face ${faces.indexOf(face)}`;
}

/**
 * The dominant face by geometry alone: the largest face not at the edge, when it is at least
 * `minAreaRatio` times the area of every other face not at the edge, and larger than every face at
 * the edge (a face cut by the frame is a bystander unless it is the biggest thing in the picture).
 */
export function chooseFace<F extends { box: Box }>(
  faces: readonly F[],
  image: ImageSize,
  policy: DominancePolicy = DOMINANCE,
): FaceChoice<F> {
  const [first, ...rest] = faces;
  if (!first) return { chosen: false, reason: 'no-face', why: 'no face found' };
  if (!rest.length) return { chosen: true, face: first, how: 'only' };
  const bySize = [...faces].sort((a, b) => area(b.box) - area(a.box));
  const inside = bySize.filter((f) => !isAtEdge(f.box, image, policy));
  const [candidate, runnerUp] = inside;
  if (!candidate) return { chosen: false, reason: 'no-dominant-face', why: 'every face is cut by the edge of the photo' };
  const largerAtEdge = bySize.find((f) => f !== candidate && area(f.box) >= area(candidate.box));
  if (largerAtEdge) {
    return {
      chosen: false,
      reason: 'no-dominant-face',
      why: `${label(faces, largerAtEdge)}, at the edge of the photo, is as large as ${label(faces, candidate)}`,
    };
  }
  if (runnerUp && area(candidate.box) < policy.minAreaRatio * area(runnerUp.box)) {
    return {
      chosen: false,
      reason: 'no-dominant-face',
      why: `${label(faces, candidate)} is not clearly larger than ${label(faces, runnerUp)} (${(area(candidate.box) / area(runnerUp.box)).toFixed(1)} times its area; ${policy.minAreaRatio} needed)`,
    };
  }
  return { chosen: true, face: candidate, how: 'dominant' };
}

export type EnrolChoice<F> =
  | {
      chosen: true;
      face: F;
      /** only: the photo's one face; dominant: chooseFace's; matched: the one face like the person's other photos. */
      how: 'only' | 'dominant' | 'matched';
      /** Distance to the nearest of the person's other faces, when it was checked. */
      distance: number | null;
    }
  | {
      chosen: false;
      reason: 'no-face' | 'several-faces' | 'not-same-person';
      why: string;
      /** For not-same-person: the dominant face and its distance to the person's other faces. */
      dominant?: F;
      distance?: number;
    };

function nearest(embedding: Float32Array, evidence: readonly Float32Array[]): number {
  let best = Infinity;
  for (const other of evidence) best = Math.min(best, euclidean(embedding, other));
  return best;
}

/**
 * The face to enrol from a photo of a person whose other faces (`evidence`: their single-face photos
 * in the same run, their faces already stored) are known; `threshold` is the verification distance.
 * A photo's only face is taken as it is: the person chose the photo. A face picked among several must
 * be theirs: it must lie within the threshold of the evidence, when there is any.
 */
export function chooseEnrolFace<F extends { box: Box; embedding: Float32Array }>(
  faces: readonly F[],
  image: ImageSize,
  evidence: readonly Float32Array[],
  threshold: number,
  policy: DominancePolicy = DOMINANCE,
): EnrolChoice<F> {
  const choice = chooseFace(faces, image, policy);
  if (choice.chosen) {
    if (choice.how === 'only' || !evidence.length) return { chosen: true, face: choice.face, how: choice.how, distance: null };
    const distance = nearest(choice.face.embedding, evidence);
    if (distance <= threshold) return { chosen: true, face: choice.face, how: 'dominant', distance };
    return {
      chosen: false,
      reason: 'not-same-person',
      why: `${label(faces, choice.face)}, the main one of ${faces.length}, is ${distance.toFixed(2)} from the person's other photos (the same person is at most ${threshold})`,
      dominant: choice.face,
      distance,
    };
  }
  if (choice.reason === 'no-face') return { chosen: false, reason: 'no-face', why: choice.why };
  if (evidence.length) {
    const distances = faces.map((face) => ({ face, distance: nearest(face.embedding, evidence) }));
    const matching = distances.filter((d) => d.distance <= threshold);
    const [only, another] = matching;
    if (only && !another) return { chosen: true, face: only.face, how: 'matched', distance: only.distance };
    const matches = matching.length
      ? `${matching.length} of them look like the person's other photos`
      : "none looks like the person's other photos";
    return { chosen: false, reason: 'several-faces', why: `${choice.why}, and ${matches}` };
  }
  return { chosen: false, reason: 'several-faces', why: choice.why };
}
