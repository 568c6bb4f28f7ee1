// Runs in the engine (the host's kiosk worker, and the CLI's `facekit checkin`). One kiosk frame through
// the check-in rules, the same steps for the app's camera and for frames read from files: recognised with
// the fast detector, each recognised face scored for passive liveness, fed to the session (kiosk.ts), its
// refused attempts written with a thumbnail, and a logged unknown face kept as a visitor.
import { passiveLiveness } from '../faces/liveness.ts';
import { faceThumbnail } from '../faces/thumbnail.ts';
import type { FaceModels } from '../faces/nets.ts';
import type { DecodedImage, RgbImage } from '../image.ts';
import type { Store } from '../../db/store.ts';
import { identifyAnalyzed, type AnalyzedMatch } from './recognition.ts';
import type { FrameOutcome, KioskSession, Refusal, SeenFace } from './kiosk.ts';
import { recordUnknownFaces } from './visitors.ts';

export interface KioskFrameResult {
  /** Every face of the frame as recognised (box, match, analysis), in the frame's order. */
  faces: AnalyzedMatch[];
  outcome: FrameOutcome;
  /** Refused attempts written now. */
  spoofAttempts: number;
  /** Unknown faces kept as visitors now (the "log unknown faces" setting). */
  visitorFaces: number;
}

/** The passive score of each recognised face (unknown faces are never checked in, so never scored). */
async function passiveScores(models: FaceModels, image: RgbImage, faces: AnalyzedMatch[], on: boolean): Promise<(number | null)[]> {
  const scores: (number | null)[] = [];
  for (const f of faces) scores.push(on && f.match ? (await passiveLiveness(models, image, f.analysis)).score : null);
  return scores;
}

/** Writes each refused attempt with a thumbnail of its face; returns how many. */
async function recordRefusals(kiosk: KioskSession, image: RgbImage, faces: AnalyzedMatch[], refusals: Refusal[]): Promise<number> {
  for (const refusal of refusals) {
    const face = faces[refusal.faceIndex];
    kiosk.recordSpoofAttempt(refusal, face ? await faceThumbnail(image, face.analysis.box) : null);
  }
  return refusals.length;
}

/** What the check-in rules need of a recognised face. */
function seenFace(face: AnalyzedMatch, liveness: number | null): SeenFace {
  return {
    personId: face.match?.personId ?? null,
    name: face.match?.name ?? null,
    distance: face.match?.distance ?? null,
    box: face.analysis.box,
    landmarks: face.analysis.landmarks,
    liveness,
  };
}

/** Recognises one frame (kiosk threshold, fast detector) and feeds it to the session; writes what it causes. */
export async function kioskFrame(
  models: FaceModels,
  store: Store,
  kiosk: KioskSession,
  frame: DecodedImage,
  threshold: number | undefined,
): Promise<KioskFrameResult> {
  const { faces, modelId } = await identifyAnalyzed(models, store, frame, { detector: 'fast', topK: 1, threshold });
  const scores = await passiveScores(models, frame, faces, kiosk.rules.liveness?.passive ?? false);
  const seen = faces.map((f, i) => seenFace(f, scores[i] ?? null));
  const outcome = kiosk.observeFrame(seen);
  const spoofAttempts = await recordRefusals(kiosk, frame, faces, outcome.refusals);
  // An unknown face logged: keep it (embedding, thumbnail) and regroup the visitors (issue #12).
  const visitorFaces = (await recordUnknownFaces(store, frame, modelId, faces, outcome.checkins)).length;
  return { faces, outcome, spoofAttempts, visitorFaces };
}
