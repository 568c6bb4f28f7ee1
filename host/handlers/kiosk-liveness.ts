// Runs in an engine worker thread. The kiosk handler's liveness steps, kept apart so kiosk.ts stays a
// readable list of steps: the session's liveness rules from the settings, the passive score of each
// recognised face, and the refused attempts written with a thumbnail of the face they showed.
import { isChallengeKind, type ChallengeKind } from '../../api/liveness.ts';
import type { KioskFace, Settings } from '../../api/definition.ts';
import { FaceKitError } from '../../api/errors.ts';
import { passiveLiveness } from '../../engine/faces/liveness.ts';
import { faceThumbnail } from '../../engine/faces/thumbnail.ts';
import type { FaceModels } from '../../engine/faces/nets.ts';
import type { RgbImage } from '../../engine/image.ts';
import type { AnalyzedMatch } from '../../engine/recognition/recognition.ts';
import type { KioskLiveness, KioskSession, Refusal } from '../../engine/recognition/kiosk.ts';

/**
 * FACEKIT_KIOSK_CHALLENGE=blink|turn-left|turn-right asks every attempt the same challenge instead of a
 * random one: for tests and demonstrations only (a known challenge is easier to replay).
 */
export function forcedChallenge(env: NodeJS.ProcessEnv = process.env): ChallengeKind | undefined {
  const value = env.FACEKIT_KIOSK_CHALLENGE;
  if (value === undefined || value === '') return undefined;
  if (!isChallengeKind(value))
    throw new FaceKitError('BAD_INPUT', `FACEKIT_KIOSK_CHALLENGE must be blink, turn-left or turn-right (got "${value}")`);
  return value;
}

export function kioskLiveness(settings: Settings): KioskLiveness {
  const forced = forcedChallenge();
  return {
    passive: settings.kioskLivenessPassive,
    threshold: settings.livenessThreshold,
    challenge: settings.kioskLivenessChallenge,
    ...(forced ? { pick: () => forced } : {}),
  };
}

/** The passive score of each recognised face (unknown faces are never checked in, so never scored). */
export async function passiveScores(models: FaceModels, image: RgbImage, faces: AnalyzedMatch[], on: boolean): Promise<(number | null)[]> {
  const scores: (number | null)[] = [];
  for (const f of faces) scores.push(on && f.match ? (await passiveLiveness(models, image, f.analysis)).score : null);
  return scores;
}

/** Writes each refused attempt with a thumbnail of its face; returns how many. */
export async function recordRefusals(kiosk: KioskSession, image: RgbImage, faces: AnalyzedMatch[], refusals: Refusal[]): Promise<number> {
  for (const refusal of refusals) {
    const face = faces[refusal.faceIndex];
    kiosk.recordSpoofAttempt(refusal, face ? await faceThumbnail(image, face.analysis.box) : null);
  }
  return refusals.length;
}

/** What the screen shows over a recognised face: its passive score, the challenge and time left, or the refusal. */
export function livenessView(kiosk: KioskSession, personId: number | null): Pick<KioskFace, 'liveness' | 'challenge' | 'refused'> {
  const status = kiosk.liveness(personId);
  const challenge = status?.challenge;
  return {
    liveness: status?.passiveScore ?? null,
    challenge:
      challenge && challenge.status === 'pending'
        ? { kind: challenge.kind, prompt: challenge.prompt, secondsLeft: Math.ceil(challenge.msLeft / 1000) }
        : null,
    refused: status?.refused ?? null,
  };
}
