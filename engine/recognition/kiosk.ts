// Runs in the engine process. The check-in rules of the door kiosk, separate from the camera and the
// models so they can be tested frame by frame: a person is checked in after being recognised on
// `requiredFrames` consecutive frames, and at most once per cool-down (read from the store, so a
// restart of the kiosk does not check everyone in again).
import type { CheckinRow, Store } from '../../db/store.ts';

export interface KioskRules {
  cooldownSeconds: number;
  requiredFrames: number;
  logUnknown: boolean;
}

/** One face of one frame, after recognition. */
export interface SeenFace {
  personId: number | null;
  name: string | null;
  distance: number | null;
}

export const KIOSK_SOURCE = 'kiosk';
const UNKNOWN = -1;

export class KioskSession {
  readonly rules: KioskRules;
  frames = 0;
  checkins = 0;
  /** personId (or UNKNOWN) → consecutive frames it was seen in, up to and including the last one. */
  readonly #streaks = new Map<number, number>();
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, rules: KioskRules, now: () => number = Date.now) {
    this.#store = store;
    this.rules = rules;
    this.#now = now;
  }

  streak(personId: number | null): number {
    return this.#streaks.get(personId ?? UNKNOWN) ?? 0;
  }

  /** Feeds one frame's faces; returns the check-ins it caused. */
  observe(faces: SeenFace[]): CheckinRow[] {
    this.frames++;
    const seen = new Map<number, SeenFace>();
    for (const face of faces) {
      const key = face.personId ?? UNKNOWN;
      const best = seen.get(key);
      if (!best || (face.distance ?? Infinity) < (best.distance ?? Infinity)) seen.set(key, face);
    }
    for (const key of [...this.#streaks.keys()]) if (!seen.has(key)) this.#streaks.delete(key);

    const written: CheckinRow[] = [];
    for (const [key, face] of seen) {
      const streak = (this.#streaks.get(key) ?? 0) + 1;
      this.#streaks.set(key, streak);
      if (streak < this.rules.requiredFrames) continue;
      const due =
        key === UNKNOWN
          ? this.rules.logUnknown && streak === this.rules.requiredFrames // once per appearance: unknowns cannot be told apart
          : !this.#checkedInWithinCooldown(key);
      if (due) written.push(this.#checkIn(face));
    }
    this.checkins += written.length;
    return written;
  }

  #checkedInWithinCooldown(personId: number): boolean {
    const since = new Date(this.#now() - this.rules.cooldownSeconds * 1000).toISOString();
    return this.#store.listCheckins({ personId, since }).some((c) => c.source === KIOSK_SOURCE);
  }

  #checkIn(face: SeenFace): CheckinRow {
    const at = new Date(this.#now()).toISOString();
    const checkin = { personId: face.personId, personName: face.name ?? '', distance: face.distance, at, source: KIOSK_SOURCE };
    const id = this.#store.addCheckin(checkin);
    return { id, ...checkin };
  }
}
