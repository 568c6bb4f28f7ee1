// Runs in the engine process. In evaluation photos one face is the subject: the one nearest the centre
// (LFW's convention: the labelled person is centred), the larger one on a tie.
import { boxCenter, type Box } from '../faces/geometry.ts';

export function subjectFace<F extends { box: Box }>(faces: F[], image: { width: number; height: number }): F | undefined {
  const cx = image.width / 2;
  const cy = image.height / 2;
  const rank = (f: F) => {
    const c = boxCenter(f.box);
    return Math.hypot(c.x - cx, c.y - cy) / Math.max(image.width, image.height) - Math.sqrt(f.box.width * f.box.height) / 1e6;
  };
  return [...faces].sort((a, b) => rank(a) - rank(b))[0];
}
