// Runs in an engine worker thread. People: list, detail, rename, merge, delete, face thumbnails, and the
// upgrade of faces made by an older face pipeline (engine/recognition/face-upgrade.ts).
import path from 'node:path';
import { FaceKitError } from '../../api/errors.ts';
import { outdatedByPerson, upgradeFaces } from '../../engine/recognition/face-upgrade.ts';
import { refuseInRegistryMode, serverFirst } from './store.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { toBox, toCheckin, toPerson } from './convert.ts';

export function peopleHandlers(
  ctx: HandlerContext,
): Handlers<'people.list' | 'people.get' | 'people.rename' | 'people.merge' | 'people.remove' | 'faces.thumbnail' | 'faces.upgrade'> {
  const { store } = ctx;
  const changed = () => ctx.emit('data.changed', { what: 'people' });
  const firstFaceOf = (personName: string) => store.listFaces(personName)[0]?.id ?? null;
  // Faces of an older pipeline are not searched: every person result says how many, so none drops silently.
  const outdated = () => outdatedByPerson(store);
  let upgrading: Promise<unknown> | undefined;

  return {
    'people.list'() {
      const firstFace = store.firstFaceIds();
      const counts = outdated();
      return store.listPeople().map((p) => toPerson(p, firstFace.get(p.id) ?? null, counts.get(p.id)));
    },
    'people.get'({ name }) {
      const person = store.requirePerson(name);
      const faces = store.listFaces(person.name).map((f) => ({
        faceId: f.id,
        photoName: f.photoPath ? path.basename(f.photoPath) : null,
        box: toBox(f.box),
        createdAt: f.createdAt,
      }));
      const checkins = store.listCheckins({ personId: person.id, limit: 500 }).map(toCheckin);
      return { person: toPerson(person, faces[0]?.faceId ?? null, outdated().get(person.id)), faces, checkins };
    },
    async 'people.rename'({ name, newName }) {
      const person = await serverFirst(
        ctx,
        (replica) => replica.renamePerson(name, newName),
        () => store.renamePerson(name, newName),
      );
      changed();
      return toPerson(person, firstFaceOf(person.name), outdated().get(person.id));
    },
    async 'people.merge'({ from, into }) {
      const { person } = await serverFirst(
        ctx,
        (replica) => replica.mergePeople(from, into),
        () => store.mergePeople(from, into),
      );
      changed();
      return toPerson(person, firstFaceOf(person.name), outdated().get(person.id));
    },
    async 'people.remove'({ name }) {
      const removed = await serverFirst(
        ctx,
        (replica) => replica.removePerson(name),
        () => store.removePerson(name),
      );
      changed();
      ctx.emit('data.changed', { what: 'checkins' });
      return { faces: removed.faces, photos: removed.photos };
    },
    'faces.thumbnail'({ faceId }) {
      const jpeg = store.faceThumbnail(faceId);
      if (!jpeg) throw new FaceKitError('NOT_FOUND', `face ${faceId} was enrolled without a thumbnail (by an older FaceKit)`);
      return new Uint8Array(jpeg);
    },
    async 'faces.upgrade'() {
      refuseInRegistryMode(ctx, 're-embedding faces from their photos');
      // One run at a time (two windows may click): a second call waits for the first, then finds less to do.
      while (upgrading) await upgrading.catch(() => undefined);
      const run = upgradeFaces(ctx.models, store, {
        onProgress: (done, total) => ctx.emit('faces.upgrade.progress', { done, total }),
      });
      upgrading = run;
      try {
        const report = await run;
        return {
          pipelineId: report.pipelineId,
          checked: report.checked,
          upgraded: report.upgraded.length,
          needReenrolment: report.needReenrolment.map((f) => ({
            faceId: f.faceId,
            person: f.person,
            photoName: f.photoPath ? path.basename(f.photoPath) : null,
            message: f.message,
          })),
        };
      } finally {
        upgrading = undefined;
        changed();
      }
    },
  };
}
