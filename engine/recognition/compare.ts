// Runs in the engine process. Two photos, no store: are their faces the same person?
import type { DecodedImage } from '../image.ts';
import { analyzeFaces } from '../faces/pipeline.ts';
import type { FaceModels } from '../faces/nets.ts';
import { requireFaces, summarizeFace, type FaceSummary } from './recognition.ts';
import { euclidean } from '../../db/search/exact.ts';

export interface CompareResult {
  same: boolean;
  distance: number;
  threshold: number;
  /** The closest pair of faces across the two photos. */
  faceA: FaceSummary;
  faceB: FaceSummary;
  facesInA: number;
  facesInB: number;
}

export async function compareImages(models: FaceModels, a: DecodedImage, b: DecodedImage, threshold: number): Promise<CompareResult> {
  const facesA = (await analyzeFaces(models, a)).faces;
  requireFaces(facesA, a.source);
  const facesB = (await analyzeFaces(models, b)).faces;
  requireFaces(facesB, b.source);
  let best = { distance: Infinity, faceA: facesA[0], faceB: facesB[0] };
  for (const faceA of facesA) {
    for (const faceB of facesB) {
      const distance = euclidean(faceA.embedding, faceB.embedding);
      if (distance < best.distance) best = { distance, faceA, faceB };
    }
  }
  return {
    same: best.distance <= threshold,
    distance: best.distance,
    threshold,
    faceA: summarizeFace(best.faceA),
    faceB: summarizeFace(best.faceB),
    facesInA: facesA.length,
    facesInB: facesB.length,
  };
}
