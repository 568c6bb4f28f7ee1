// Runs in an engine worker thread. Kiosk sessions: each camera frame is recognised with the fast
// detector, its recognised faces scored for passive liveness, and fed to the check-in rules
// (engine/recognition/kiosk.ts: streak, liveness challenge, cool-down).
import crypto from 'node:crypto';
import { KioskSession, type CheckinWriter } from '../../engine/recognition/kiosk.ts';
import { kioskFrame } from '../../engine/recognition/kiosk-frame.ts';
import { FaceKitError } from '../../api/errors.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { decodeArg, toBox, toCheckin } from './convert.ts';
import { readSettings } from './settings.ts';
import { kioskLiveness, livenessView } from './kiosk-liveness.ts';

/**
 * Registry mode (#13): a check-in goes to the cache and the outbox in one transaction (so it counts here at
 * once and survives the server being down), then to the server. SQLite mode: the store's default.
 */
function checkinWriter(ctx: HandlerContext): CheckinWriter | undefined {
  const link = ctx.registry;
  if (!link) return undefined;
  return (checkin, cooldownSeconds) => {
    const { localId } = link.replica.checkIn({ ...checkin, cooldownSeconds });
    link.checkedIn();
    return localId;
  };
}

export function kioskHandlers(ctx: HandlerContext): Handlers<'kiosk.start' | 'kiosk.frame' | 'kiosk.stop'> {
  const sessions = new Map<string, KioskSession>();
  const thresholds = new Map<string, number>();
  const session = (id: string) => {
    const found = sessions.get(id);
    if (!found) throw new FaceKitError('NOT_FOUND', 'this kiosk session has ended; start the kiosk again');
    return found;
  };

  return {
    async 'kiosk.start'(args) {
      const stored = readSettings(ctx.store);
      const rules = {
        cooldownSeconds: args.cooldownSeconds ?? stored.kioskCooldownSeconds,
        requiredFrames: args.requiredFrames ?? stored.kioskRequiredFrames,
        logUnknown: args.logUnknown ?? stored.kioskLogUnknown,
        liveness: kioskLiveness(stored),
      };
      // A large store's search index is built here, at start, rather than stalling the first visitor.
      ctx.store.faceSearch.prepare(await ctx.models.get('faceDescriptor').modelId());
      const sessionId = crypto.randomUUID();
      sessions.set(sessionId, new KioskSession(ctx.store, rules, Date.now, checkinWriter(ctx)));
      thresholds.set(sessionId, stored.kioskThreshold);
      const { liveness, ...shown } = rules;
      return {
        sessionId,
        threshold: stored.kioskThreshold,
        ...shown,
        livenessPassive: liveness.passive,
        livenessChallenge: liveness.challenge,
        livenessThreshold: liveness.threshold,
      };
    },
    async 'kiosk.frame'({ sessionId, image }) {
      const kiosk = session(sessionId);
      const started = performance.now();
      const decoded = await decodeArg(image);
      const threshold = thresholds.get(sessionId);
      // The same steps as `facekit checkin` (engine/recognition/kiosk-frame.ts): recognise, score, observe, write.
      const { faces, outcome, spoofAttempts, visitorFaces } = await kioskFrame(ctx.models, ctx.store, kiosk, decoded, threshold);
      const checkins = outcome.checkins.map(toCheckin);
      if (checkins.length || spoofAttempts) ctx.emit('data.changed', { what: 'checkins' });
      if (visitorFaces) ctx.emit('data.changed', { what: 'visitors' });
      return {
        width: decoded.width,
        height: decoded.height,
        faces: faces.map(({ face, match }) => ({
          box: toBox(face.box),
          name: match?.name ?? null,
          distance: match?.distance ?? null,
          streak: kiosk.streak(match?.personId ?? null),
          ...livenessView(kiosk, match?.personId ?? null),
        })),
        checkins,
        ms: Math.round(performance.now() - started),
      };
    },
    'kiosk.stop'({ sessionId }) {
      const kiosk = session(sessionId);
      sessions.delete(sessionId);
      thresholds.delete(sessionId);
      return { frames: kiosk.frames, checkins: kiosk.checkins, spoofAttempts: kiosk.spoofAttempts };
    },
  };
}
