// Runs anywhere. The kiosk's active liveness check: one random challenge per attempt — blink, or turn
// the head left or right — decided from the 68 landmarks of the frames that follow, within a time-out.
//
// Both measures are ratios of lengths along (nearly) parallel lines of the face, which an affine map
// keeps: a flat photo or screen tilted, turned or moved in front of the camera reads the same yaw and
// the same eye opening throughout, so it cannot pass. A looping video cannot know which of the three
// was asked; one that turns the wrong way from frontal is refused.
import type { ChallengeKind, SpoofReason } from '../../api/liveness.ts';
import { CHALLENGE_KINDS, CHALLENGE_PROMPTS } from '../../api/liveness.ts';
import { meanPoint, type Point } from '../faces/geometry.ts';
import { estimateYaw } from '../faces/pose.ts';

export interface ChallengeOptions {
  timeoutMs: number;
  /** Yaw (degrees, engine/faces/pose.ts) a turn must reach in the asked direction. */
  turnDegrees: number;
  /** Yaw within which the face counts as frontal: a turn must start from there. */
  frontalDegrees: number;
  /** A blink: eye opening below this fraction of the open baseline, then back above `reopen`. */
  closed: number;
  reopen: number;
}

/**
 * Turns of 18° are easy to make and read well above the landmark net's noise on a still face (≈ 1°);
 * fixture photos of turned faces read 21–34°. Eye opening: open eyes vary by ≈ 10 % frame to frame, a
 * blink halves the opening or more.
 */
export const CHALLENGE_DEFAULTS: ChallengeOptions = { timeoutMs: 6000, turnDegrees: 18, frontalDegrees: 10, closed: 0.6, reopen: 0.85 };

export interface ChallengeFrame {
  /** Milliseconds, any clock, increasing. */
  at: number;
  landmarks: readonly Point[];
}

export type ChallengeStatus = 'pending' | 'passed' | 'failed';

export interface ChallengeState {
  kind: ChallengeKind;
  status: ChallengeStatus;
  prompt: string;
  msLeft: number;
  /** Why it failed (status 'failed'). */
  reason?: Extract<SpoofReason, 'challenge-timeout' | 'challenge-wrong-way'>;
}

/** A uniformly random challenge; `random` is injectable so tests can choose. */
export function pickChallenge(random: () => number = Math.random): ChallengeKind {
  const kind = CHALLENGE_KINDS[Math.min(CHALLENGE_KINDS.length - 1, Math.floor(random() * CHALLENGE_KINDS.length))];
  if (!kind) throw new Error('no challenge kinds');
  return kind;
}

/**
 * How open the eyes are: the mean eyelid gap (points 37/41 and 38/40, 43/47 and 44/46) over the
 * distance from the eyes' midpoint to the mouth's. Both run down the face, so tilting a photo away
 * shortens both alike and the ratio stays (the plain eye aspect ratio would drop, like a blink).
 */
export function eyeOpening(landmarks: readonly Point[]): number {
  const p = (i: number): Point => {
    const point = landmarks[i];
    if (!point) throw new Error(`landmark ${i} missing (68 expected, got ${landmarks.length})`);
    return point;
  };
  const gap = (a: number, b: number) => Math.hypot(p(a).x - p(b).x, p(a).y - p(b).y);
  const lids = (gap(37, 41) + gap(38, 40) + gap(43, 47) + gap(44, 46)) / 4;
  const eyes = meanPoint([p(36), p(39), p(42), p(45)]);
  const mouth = meanPoint([p(48), p(54), p(51), p(57)]);
  const face = Math.hypot(mouth.x - eyes.x, mouth.y - eyes.y);
  return face > 0 ? lids / face : 0;
}

/** Positive yaw = nose towards the image's right = the person's own left (the camera faces them). */
const turnSign = (kind: ChallengeKind): number => (kind === 'turn-left' ? 1 : -1);

export class LivenessChallenge {
  readonly kind: ChallengeKind;
  readonly startedAt: number;
  readonly #options: ChallengeOptions;
  #status: ChallengeStatus = 'pending';
  #reason: ChallengeState['reason'];
  #lastAt: number;
  /** Turn: a frontal frame has been seen since the start. */
  #frontalSeen = false;
  /** Blink: the largest opening seen so far (the open baseline) and whether the eyes have closed since. */
  #openBaseline = 0;
  #closedSeen = false;

  constructor(kind: ChallengeKind, startedAt: number, options: Partial<ChallengeOptions> = {}) {
    this.kind = kind;
    this.startedAt = startedAt;
    this.#lastAt = startedAt;
    this.#options = { ...CHALLENGE_DEFAULTS, ...options };
  }

  /** Feeds one frame of the face being challenged; returns the state after it. */
  feed(frame: ChallengeFrame): ChallengeState {
    if (this.#status !== 'pending') return this.state(frame.at);
    this.#lastAt = Math.max(this.#lastAt, frame.at);
    // A frame after the deadline cannot pass: what it shows came too late.
    if (frame.at - this.startedAt > this.#options.timeoutMs) return this.#fail('challenge-timeout', frame.at);
    if (this.kind === 'blink') this.#feedBlink(eyeOpening(frame.landmarks));
    else this.#feedTurn(estimateYaw(frame.landmarks));
    return this.state(frame.at);
  }

  /** The state at `now` (a challenge nobody answered times out even without frames). */
  state(now: number = this.#lastAt): ChallengeState {
    if (this.#status === 'pending' && now - this.startedAt > this.#options.timeoutMs) this.#fail('challenge-timeout', now);
    const msLeft = this.#status === 'pending' ? Math.max(0, this.startedAt + this.#options.timeoutMs - now) : 0;
    return {
      kind: this.kind,
      status: this.#status,
      prompt: CHALLENGE_PROMPTS[this.kind],
      msLeft,
      ...(this.#reason ? { reason: this.#reason } : {}),
    };
  }

  #feedBlink(opening: number): void {
    const { closed, reopen } = this.#options;
    if (this.#closedSeen && opening >= reopen * this.#openBaseline) {
      this.#status = 'passed';
      return;
    }
    if (this.#openBaseline > 0 && opening < closed * this.#openBaseline) this.#closedSeen = true;
    // The baseline is the open eye: only frames before the eyes closed raise it.
    if (!this.#closedSeen) this.#openBaseline = Math.max(this.#openBaseline, opening);
  }

  #feedTurn(yaw: number): void {
    const { turnDegrees, frontalDegrees } = this.#options;
    const toward = yaw * turnSign(this.kind);
    // Frames before the face was first frontal count for nothing: the person may still be settling.
    if (Math.abs(yaw) <= frontalDegrees) this.#frontalSeen = true;
    else if (!this.#frontalSeen) return;
    // From frontal, turning the other way is what a video of someone turning both ways does half of the time.
    else if (toward <= -turnDegrees) this.#fail('challenge-wrong-way', this.#lastAt);
    else if (toward >= turnDegrees) this.#status = 'passed';
  }

  #fail(reason: NonNullable<ChallengeState['reason']>, at: number): ChallengeState {
    this.#status = 'failed';
    this.#reason = reason;
    this.#lastAt = Math.max(this.#lastAt, at);
    return this.state(at);
  }
}
