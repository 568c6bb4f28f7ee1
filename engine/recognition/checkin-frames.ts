// Runs in the engine (`facekit checkin`). The kiosk over a sequence of decoded frames, in order: each frame
// goes through the app kiosk's own steps (kiosk-frame.ts) and one KioskSession, so the streak, cool-down
// and passive liveness rules are the app's. Says who was checked in, refused, or held by the cool-down.
import type { CheckinRow, Store } from '../../db/store.ts';
import type { SpoofReason } from '../../api/liveness.ts';
import { FaceKitError } from '../../api/errors.ts';
import type { FaceModels } from '../faces/nets.ts';
import type { DecodedImage } from '../image.ts';
import { KioskSession, type CheckinWriter, type KioskRules } from './kiosk.ts';
import { kioskFrame } from './kiosk-frame.ts';

export interface CheckinFramesOptions {
  rules: KioskRules;
  /** The kiosk threshold (distance). */
  threshold: number;
  /** How a check-in is written: the store by default, the registry's replica in registry mode. */
  write?: CheckinWriter;
  now?: () => number;
}

export interface FrameSeen {
  source: string;
  /** Each face: the person's name (null: unknown) and distance. */
  faces: { name: string | null; distance: number | null }[];
}

export interface CheckinFramesResult {
  frames: FrameSeen[];
  /** With the frame that completed each. */
  checkins: (CheckinRow & { frame: string })[];
  /** Refused attempts (passive liveness too low), written to the spoof-attempt log. */
  refused: { frame: string; personName: string; reason: SpoofReason }[];
  /** Recognised on the required frames, but checked in within the cool-down already. */
  coolingDown: string[];
}

export async function checkInFrames(
  models: FaceModels,
  store: Store,
  frames: readonly DecodedImage[],
  options: CheckinFramesOptions,
): Promise<CheckinFramesResult> {
  if (options.rules.liveness?.challenge) {
    // The challenge is a prompt answered live (random, shown after the streak): frames taken before it cannot answer.
    throw new FaceKitError('BAD_INPUT', 'the active liveness challenge cannot be asked of frames read from files');
  }
  const kiosk = new KioskSession(store, options.rules, options.now, options.write);
  const result: CheckinFramesResult = { frames: [], checkins: [], refused: [], coolingDown: [] };
  /** Who reached the required streak, by person id: their name. */
  const ready = new Map<number, string>();
  for (const frame of frames) {
    const { faces, outcome } = await kioskFrame(models, store, kiosk, frame, options.threshold);
    result.frames.push({
      source: frame.source,
      faces: faces.map((f) => ({ name: f.match?.name ?? null, distance: f.match?.distance ?? null })),
    });
    result.checkins.push(...outcome.checkins.map((c) => ({ ...c, frame: frame.source })));
    result.refused.push(
      ...outcome.refusals.map((r) => ({ frame: frame.source, personName: r.attempt.personName, reason: r.attempt.reason })),
    );
    for (const f of faces) {
      if (f.match && kiosk.streak(f.match.personId) >= options.rules.requiredFrames) ready.set(f.match.personId, f.match.name);
    }
  }
  // No challenge, so a person recognised on the required frames was checked in, refused, or held by the cool-down.
  const settled = new Set([...result.checkins.map((c) => c.personName), ...result.refused.map((r) => r.personName)]);
  result.coolingDown = [...ready.values()].filter((name) => !settled.has(name));
  return result;
}
