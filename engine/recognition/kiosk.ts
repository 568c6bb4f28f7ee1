// Runs in the engine process. The check-in rules of the door kiosk, separate from the camera and the
// models so they can be tested frame by frame: a person is checked in after being recognised on
// `requiredFrames` consecutive frames, and at most once per cool-down (read from the store, so a
// restart of the kiosk does not check everyone in again). With liveness on, also only when the mean
// passive score over those frames reaches the threshold and the active challenge
// (liveness-challenge.ts) was passed; a refused attempt is logged once per appearance as a spoof
// attempt and starts no cool-down.
import type { CheckinRow, SpoofAttemptRow, Store } from '../../db/store.ts';
import type { ChallengeKind, SpoofReason } from '../../api/liveness.ts';
import { iou, type Box, type Point } from '../faces/geometry.ts';
import { LivenessChallenge, pickChallenge, type ChallengeOptions, type ChallengeState } from './liveness-challenge.ts';

export interface KioskLiveness {
  /** Require the mean passive score over the recognised frames to reach `threshold`. */
  passive: boolean;
  threshold: number;
  /** Require an active challenge (blink or head turn) to be passed. */
  challenge: boolean;
  /** Chooses each attempt's challenge: random by default, fixed for tests. */
  pick?: () => ChallengeKind;
  challengeOptions?: Partial<ChallengeOptions>;
}

export interface KioskRules {
  cooldownSeconds: number;
  requiredFrames: number;
  logUnknown: boolean;
  /** Absent: no liveness check (every recognised streak checks in). */
  liveness?: KioskLiveness;
}

/** One face of one frame, after recognition. */
export interface SeenFace {
  personId: number | null;
  name: string | null;
  distance: number | null;
  /** Where the face is: an unrecognised face over a challenged person's last box continues their challenge. */
  box?: Box;
  /** The 68 landmarks, for the active challenge. */
  landmarks?: readonly Point[];
  /** Passive liveness score of this face in this frame (0–1), when measured. */
  liveness?: number | null;
}

/** Where a recognised person stands with the liveness checks, for the screen. */
export interface LivenessStatus {
  /** Mean passive score over the last `requiredFrames` frames, when measured. */
  passiveScore: number | null;
  /** The challenge being asked now. */
  challenge: ChallengeState | null;
  /** This attempt was refused (shown for REFUSED_HOLD_MS, then a new attempt starts). */
  refused: SpoofReason | null;
}

/** A refused attempt to be logged (first refusal of an appearance only). */
export interface Refusal {
  /** The index of the face in the frame's `faces`. */
  faceIndex: number;
  attempt: Omit<SpoofAttemptRow, 'id'>;
}

export interface FrameOutcome {
  checkins: CheckinRow[];
  refusals: Refusal[];
}

export const KIOSK_SOURCE = 'kiosk';
/** How long a refusal stays on screen before the same person gets a new attempt (not logged again). */
export const REFUSED_HOLD_MS = 4000;
/** Box overlap above which an unrecognised face is taken for the challenged person (turned heads match worse). */
const CONTINUE_IOU = 0.3;
const UNKNOWN = -1;

interface Track {
  streak: number;
  name: string;
  bestDistance: number | null;
  box?: Box;
  /** Passive scores of this attempt's frames, newest last. */
  scores: number[];
  challenge?: LivenessChallenge;
  refusedAt?: number;
  refused?: SpoofReason;
  /** A spoof attempt was logged in this appearance already. */
  logged: boolean;
}

/**
 * Writes one check-in and returns its local id. The default writes to the store; registry mode (#13) writes
 * through the replica instead (local row + offline queue, cool-down across kiosks on the server).
 */
export type CheckinWriter = (checkin: Omit<CheckinRow, 'id'>, cooldownSeconds: number) => number;

const mean = (values: readonly number[]): number | null => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

export class KioskSession {
  readonly rules: KioskRules;
  frames = 0;
  checkins = 0;
  spoofAttempts = 0;
  /** personId (or UNKNOWN) → this appearance: consecutive frames seen, up to and including the last one. */
  readonly #tracks = new Map<number, Track>();
  readonly #store: Store;
  readonly #now: () => number;
  readonly #write: CheckinWriter;

  constructor(store: Store, rules: KioskRules, now: () => number = Date.now, write?: CheckinWriter) {
    this.#store = store;
    this.rules = rules;
    this.#now = now;
    this.#write = write ?? ((checkin) => store.addCheckin(checkin));
  }

  streak(personId: number | null): number {
    return this.#tracks.get(personId ?? UNKNOWN)?.streak ?? 0;
  }

  /** The liveness state of a person in view, or null (unknown face, liveness off, not in view). */
  liveness(personId: number | null): LivenessStatus | null {
    const track = personId === null ? undefined : this.#tracks.get(personId);
    const live = this.rules.liveness;
    if (!track || !live || (!live.passive && !live.challenge)) return null;
    return {
      passiveScore: this.#recentScore(track),
      challenge: track.challenge && !track.refused ? track.challenge.state(this.#now()) : null,
      refused: track.refused ?? null,
    };
  }

  /** Feeds one frame's faces; returns the check-ins it caused. */
  observe(faces: SeenFace[]): CheckinRow[] {
    return this.observeFrame(faces).checkins;
  }

  /** Feeds one frame's faces; returns the check-ins it caused and the refusals to log. */
  observeFrame(faces: SeenFace[]): FrameOutcome {
    this.frames++;
    const now = this.#now();
    const seen = new Map<number, { face: SeenFace; index: number }>();
    for (const [index, face] of faces.entries()) {
      const key = face.personId ?? UNKNOWN;
      const best = seen.get(key);
      if (!best || (face.distance ?? Infinity) < (best.face.distance ?? Infinity)) seen.set(key, { face, index });
    }
    this.#continueChallenges(faces, seen);
    for (const key of [...this.#tracks.keys()]) if (!seen.has(key)) this.#tracks.delete(key);

    const outcome: FrameOutcome = { checkins: [], refusals: [] };
    for (const [key, { face, index }] of seen) {
      let track = this.#tracks.get(key);
      if (!track) this.#tracks.set(key, (track = { streak: 0, name: face.name ?? '', bestDistance: null, scores: [], logged: false }));
      track.streak++;
      if (face.box) track.box = face.box;
      if (face.distance !== null && (track.bestDistance === null || face.distance < track.bestDistance)) track.bestDistance = face.distance;
      if (typeof face.liveness === 'number') track.scores.push(face.liveness);
      if (track.streak < this.rules.requiredFrames) continue;
      if (key === UNKNOWN) {
        // Once per appearance: unknowns cannot be told apart.
        if (this.rules.logUnknown && track.streak === this.rules.requiredFrames) outcome.checkins.push(this.#checkIn(face, track));
        continue;
      }
      if (this.#checkedInWithinCooldown(key)) continue;
      const verdict = this.#judge(track, face, now);
      if (verdict === 'live') outcome.checkins.push(this.#checkIn(face, track));
      else if (verdict !== 'pending' && !track.logged) {
        track.logged = true;
        outcome.refusals.push({ faceIndex: index, attempt: this.#attempt(key, track, verdict, now) });
      }
    }
    this.checkins += outcome.checkins.length;
    return outcome;
  }

  /** Writes a refused attempt, with the JPEG of the face it showed. */
  recordSpoofAttempt(refusal: Refusal, thumbnail: Uint8Array | null): SpoofAttemptRow {
    const id = this.#store.addSpoofAttempt({ ...refusal.attempt, thumbnail });
    this.spoofAttempts++;
    return { id, ...refusal.attempt };
  }

  /** 'live' to check in, 'pending' while the checks run (or a refusal is shown), else why it is refused now. */
  #judge(track: Track, face: SeenFace, now: number): 'live' | 'pending' | SpoofReason {
    const live = this.rules.liveness;
    if (!live || (!live.passive && !live.challenge)) return 'live';
    if (track.refusedAt !== undefined) {
      if (now - track.refusedAt < REFUSED_HOLD_MS) return 'pending';
      // A new attempt: count the frames and score them again, with a new challenge.
      Object.assign(track, { refusedAt: undefined, refused: undefined, challenge: undefined, streak: 1, scores: track.scores.slice(-1) });
      if (track.streak < this.rules.requiredFrames) return 'pending';
    }
    const passiveOk = () => !live.passive || (this.#recentScore(track) ?? 0) >= live.threshold;
    let verdict: 'live' | 'pending' | SpoofReason;
    if (!track.challenge && !passiveOk()) verdict = 'passive';
    else if (!live.challenge) verdict = 'live';
    else {
      track.challenge ??= new LivenessChallenge((live.pick ?? pickChallenge)(), now, live.challengeOptions);
      const state = face.landmarks ? track.challenge.feed({ at: now, landmarks: face.landmarks }) : track.challenge.state(now);
      if (state.status === 'pending') verdict = 'pending';
      else if (state.status === 'failed') verdict = state.reason ?? 'challenge-timeout';
      // Passed: the frames of the turn or blink must look live too.
      else verdict = passiveOk() ? 'live' : 'passive';
    }
    if (verdict !== 'live' && verdict !== 'pending') {
      track.refusedAt = now;
      track.refused = verdict;
    }
    return verdict;
  }

  /**
   * A person turning their head for the challenge may stop being recognised for a frame or two; an
   * unrecognised face over their last box keeps their challenge going (it never checks a stranger in
   * without the person's own frames before it).
   */
  #continueChallenges(faces: SeenFace[], seen: Map<number, { face: SeenFace; index: number }>): void {
    for (const [key, track] of this.#tracks) {
      if (key === UNKNOWN || seen.has(key) || !track.challenge || track.refused || !track.box) continue;
      const box = track.box;
      const index = faces.findIndex((f) => f.personId === null && f.box && iou(f.box, box) >= CONTINUE_IOU);
      const face = faces[index];
      if (!face) continue;
      seen.set(key, { face: { ...face, personId: key, name: track.name }, index });
      if (seen.get(UNKNOWN)?.index === index) seen.delete(UNKNOWN);
    }
  }

  #attempt(personId: number, track: Track, reason: SpoofReason, now: number): Omit<SpoofAttemptRow, 'id'> {
    const liveness = this.#recentScore(track);
    return {
      at: new Date(now).toISOString(),
      source: KIOSK_SOURCE,
      personId,
      personName: track.name,
      distance: track.bestDistance,
      reason,
      challenge: track.challenge?.kind ?? null,
      liveness: liveness === null ? null : Math.min(1, Math.max(0, liveness)),
    };
  }

  /** The mean passive score over the frames a check-in needs (the latest ones), or null before any. */
  #recentScore(track: Track): number | null {
    return mean(track.scores.slice(-this.rules.requiredFrames));
  }

  #checkedInWithinCooldown(personId: number): boolean {
    const since = new Date(this.#now() - this.rules.cooldownSeconds * 1000).toISOString();
    return this.#store.listCheckins({ personId, since }).some((c) => c.source === KIOSK_SOURCE);
  }

  #checkIn(face: SeenFace, track: Track): CheckinRow {
    const at = new Date(this.#now()).toISOString();
    const distance = face.distance ?? track.bestDistance;
    const checkin = { personId: face.personId, personName: face.name ?? '', distance, at, source: KIOSK_SOURCE };
    const id = this.#write(checkin, this.rules.cooldownSeconds);
    return { id, ...checkin };
  }
}
