// Runs in an engine worker thread. The kiosk handler's liveness parts, kept apart so kiosk.ts stays a
// readable list of steps: the session's liveness rules from the settings, and what the screen shows.
// (Scoring faces and writing refused attempts is engine/recognition/kiosk-frame.ts, shared with the CLI.)
import { isChallengeKind, type ChallengeKind } from '../../api/liveness.ts';
import type { KioskFace, Settings } from '../../api/definition.ts';
import { FaceKitError } from '../../api/errors.ts';
import type { KioskLiveness, KioskSession } from '../../engine/recognition/kiosk.ts';

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
