// Runs in an engine worker thread. Detection for live hints, enrolment, verification, identification.
import { analyzeFaces } from '../../engine/faces/pipeline.ts';
import { enrol } from '../../engine/recognition/enrolment.ts';
import { identify, verify } from '../../engine/recognition/recognition.ts';
import { enrolThroughRegistry } from '../../engine/sync/registry-enrolment.ts';
import { serverFirst } from './store.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { decodeArg, toBox } from './convert.ts';

export function recognitionHandlers(
  ctx: HandlerContext,
): Handlers<'faces.detect' | 'enrol.photo' | 'recognize.verify' | 'recognize.identify'> {
  const { store, models } = ctx;
  return {
    async 'faces.detect'({ image }) {
      const decoded = await decodeArg(image);
      const { faces } = await analyzeFaces(models, decoded, { detector: 'fast' });
      return {
        width: decoded.width,
        height: decoded.height,
        faces: faces.map((f) => ({
          box: toBox(f.box),
          score: f.score,
          quality: { faceSize: f.quality.faceSize, blur: f.quality.blur, problems: f.quality.problems, warnings: f.quality.warnings },
        })),
      };
    },
    async 'enrol.photo'({ name, image, faceIndex, allowLowQuality }) {
      const decoded = await decodeArg(image);
      const options = { face: faceIndex, allowLowQuality, keepSourceName: true };
      // Registry mode (#13): the server first, then the cache; a server that is down fails it (DISCONNECTED), nothing written.
      const result = await serverFirst(
        ctx,
        (replica) => enrolThroughRegistry(models, replica, name, decoded, options),
        () => enrol(models, store, name, decoded, options),
      );
      ctx.emit('data.changed', { what: 'people' });
      return {
        person: result.person,
        status: result.status,
        faceId: result.faceId,
        box: toBox(result.face.box),
        faceCount: result.faceCount,
        chosen: result.chosen,
        warnings: result.warnings,
      };
    },
    async 'recognize.verify'({ name, image, liveness }) {
      const r = await verify(models, store, name, await decodeArg(image), { liveness });
      return {
        person: r.person,
        match: r.match,
        distance: r.distance,
        threshold: r.threshold,
        box: toBox(r.face.box),
        faceCount: r.faceCount,
        notes: r.face.notes,
        ...(r.liveness && { liveness: r.liveness }),
      };
    },
    async 'recognize.identify'({ image, liveness }) {
      const decoded = await decodeArg(image);
      const r = await identify(models, store, decoded, { liveness });
      return {
        width: decoded.width,
        height: decoded.height,
        threshold: r.threshold,
        faces: r.faces.map((f) => ({
          box: toBox(f.face.box),
          match: f.match,
          candidates: f.candidates,
          notes: f.face.notes,
          ...(f.liveness && { liveness: f.liveness }),
        })),
      };
    },
  };
}
