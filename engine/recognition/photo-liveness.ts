// Runs in the engine process. Passive liveness of a photo (`facekit liveness`): its largest face, found
// by the accurate detector. The largest, not dominant-face.ts's rule, because a photo held to a camera
// with people around it should still be judged on the face that fills the frame.
import type { DecodedImage } from '../image.ts';
import { analyzeFaces } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { passiveLiveness, type LivenessScore } from '../faces/liveness.ts';
import { requireFaces, summarizeFace, type FaceSummary } from './recognition.ts';

export interface PhotoLiveness extends LivenessScore {
  file: string;
  /** The face that was scored: the largest. */
  face: FaceSummary;
  faceCount: number;
}

export async function photoLiveness(models: FaceModels, image: DecodedImage, threshold: number): Promise<PhotoLiveness> {
  const { faces } = await analyzeFaces(models, image, { detector: 'accurate' });
  requireFaces(faces, image.source);
  const area = (f: (typeof faces)[number]) => f.box.width * f.box.height;
  const largest = faces.reduce((a, b) => (area(b) > area(a) ? b : a));
  const score = await passiveLiveness(models, image, largest, threshold);
  return { file: image.source, ...score, face: summarizeFace(largest), faceCount: faces.length };
}
