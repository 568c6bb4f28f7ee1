// Runs in the engine process. In evaluation photos one face is the subject: the one nearest the centre
// (LFW's convention: the labelled person is centred), the larger one on a tie.
import type { AnalyzedFace } from '../faces/pipeline.ts';
import { boxCenter } from '../faces/geometry.ts';

export function subjectFace(faces: AnalyzedFace[], image: { width: number; height: number }): AnalyzedFace | undefined {
  const cx = image.width / 2;
  const cy = image.height / 2;
  const rank = (f: AnalyzedFace) => {
    const c = boxCenter(f.box);
    return Math.hypot(c.x - cx, c.y - cy) / Math.max(image.width, image.height) - f.quality.faceSize / 1e6;
  };
  return [...faces].sort((a, b) => rank(a) - rank(b))[0];
}
