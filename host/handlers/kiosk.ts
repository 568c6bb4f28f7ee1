// Runs in an engine worker thread. Kiosk sessions: each camera frame is recognised with the fast
// detector, its recognised faces scored for passive liveness, and fed to the check-in rules
// (engine/recognition/kiosk.ts: streak, liveness challenge, cool-down).
import crypto from 'node:crypto';
import { identifyAnalyzed } from '../../engine/recognition/recognition.ts';
import { KioskSession } from '../../engine/recognition/kiosk.ts';
import { recordUnknownFaces } from '../../engine/recognition/visitors.ts';
import { FaceKitError } from '../../api/errors.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { decodeArg, toBox, toCheckin } from './convert.ts';
import { readSettings } from './settings.ts';
import { kioskLiveness, livenessView, passiveScores, recordRefusals } from './kiosk-liveness.ts';

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
      sessions.set(sessionId, new KioskSession(ctx.store, rules));
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
      const { faces, modelId } = await identifyAnalyzed(ctx.models, ctx.store, decoded, { detector: 'fast', topK: 1, threshold });
      const scores = await passiveScores(ctx.models, decoded, faces, kiosk.rules.liveness?.passive ?? false);
      const observed = faces.map((f, i) => ({
        box: f.face.box,
        seen: {
          personId: f.match?.personId ?? null,
          name: f.match?.name ?? null,
          distance: f.match?.distance ?? null,
          box: f.analysis.box,
          landmarks: f.analysis.landmarks,
          liveness: scores[i] ?? null,
        },
      }));
      const outcome = kiosk.observeFrame(observed.map((o) => o.seen));
      const written = outcome.checkins;
      const checkins = written.map(toCheckin);
      const refused = await recordRefusals(kiosk, decoded, faces, outcome.refusals);
      if (checkins.length || refused) ctx.emit('data.changed', { what: 'checkins' });
      // An unknown face logged: keep it (embedding, thumbnail) and regroup the visitors (issue #12).
      if ((await recordUnknownFaces(ctx.store, decoded, modelId, faces, written)).length) ctx.emit('data.changed', { what: 'visitors' });
      return {
        width: decoded.width,
        height: decoded.height,
        faces: observed.map(({ box, seen }) => ({
          box: toBox(box),
          name: seen.name,
          distance: seen.distance,
          streak: kiosk.streak(seen.personId),
          ...livenessView(kiosk, seen.personId),
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
