// Runs in an engine worker thread. People: list, detail, rename, merge, delete, face thumbnails.
import path from 'node:path';
import { FaceKitError } from '../../api/errors.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { toBox, toCheckin, toPerson } from './convert.ts';

export function peopleHandlers(
  ctx: HandlerContext,
): Handlers<'people.list' | 'people.get' | 'people.rename' | 'people.merge' | 'people.remove' | 'faces.thumbnail'> {
  const { store } = ctx;
  const changed = () => ctx.emit('data.changed', { what: 'people' });
  const firstFaceOf = (personName: string) => store.listFaces(personName)[0]?.id ?? null;

  return {
    'people.list'() {
      const firstFace = store.firstFaceIds();
      return store.listPeople().map((p) => toPerson(p, firstFace.get(p.id) ?? null));
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
      return { person: toPerson(person, faces[0]?.faceId ?? null), faces, checkins };
    },
    'people.rename'({ name, newName }) {
      const person = store.renamePerson(name, newName);
      changed();
      return toPerson(person, firstFaceOf(person.name));
    },
    'people.merge'({ from, into }) {
      const { person } = store.mergePeople(from, into);
      changed();
      return toPerson(person, firstFaceOf(person.name));
    },
    'people.remove'({ name }) {
      const removed = store.removePerson(name);
      changed();
      ctx.emit('data.changed', { what: 'checkins' });
      return { faces: removed.faces, photos: removed.photos };
    },
    'faces.thumbnail'({ faceId }) {
      const jpeg = store.faceThumbnail(faceId);
      if (!jpeg) throw new FaceKitError('NOT_FOUND', `face ${faceId} was enrolled without a thumbnail (by an older FaceKit)`);
      return new Uint8Array(jpeg);
    },
  };
}
