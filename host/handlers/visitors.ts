// Runs in an engine worker thread. Kiosk visitors (issue #12): the unknown faces the kiosk logged,
// grouped (engine/recognition/visitors.ts); naming one makes a person of it, merging adds it to a
// person, deleting purges it (db/visitors.ts).
import type { Visitor, VisitorEnrolled } from '../../api/definition.ts';
import { expectDefined } from '../../api/errors.ts';
import type { VisitorEnrolment } from '../../db/visitors.ts';
import { outdatedByPerson } from '../../engine/recognition/face-upgrade.ts';
import { refuseInRegistryMode } from './store.ts';
import type { HandlerContext, Handlers } from './context.ts';
import { toPerson } from './convert.ts';

export function visitorHandlers(
  ctx: HandlerContext,
): Handlers<'visitors.list' | 'visitors.thumbnail' | 'visitors.name' | 'visitors.merge' | 'visitors.delete'> {
  const { store } = ctx;
  // A visitor's faces became a person's and its check-ins theirs: every screen showing those refreshes.
  const enrolled = (done: VisitorEnrolment): VisitorEnrolled => {
    for (const what of ['visitors', 'people', 'checkins'] as const) ctx.emit('data.changed', { what });
    const person = expectDefined(store.getPerson(done.personName), `person "${done.personName}", just enrolled`);
    const firstFace = store.firstFaceIds().get(person.id) ?? null;
    return {
      person: toPerson(person, firstFace, outdatedByPerson(store).get(person.id)),
      enrolled: done.enrolled,
      checkins: done.checkins,
    };
  };

  return {
    'visitors.list'() {
      return store.visitors.list().map((v): Visitor => ({
        id: v.id,
        label: `Visitor ${v.id}`,
        seen: v.seen,
        first: v.first,
        last: v.last,
        faceIds: v.faces.map((f) => f.id),
      }));
    },
    'visitors.thumbnail'({ faceId }) {
      return new Uint8Array(store.visitors.thumbnail(faceId));
    },
    'visitors.name'({ id, name }) {
      refuseInRegistryMode(ctx, 'naming a visitor');
      return enrolled(store.visitors.enrolAs(id, name, 'new'));
    },
    'visitors.merge'({ id, into }) {
      refuseInRegistryMode(ctx, 'adding a visitor to a person');
      return enrolled(store.visitors.enrolAs(id, into, 'existing'));
    },
    'visitors.delete'({ id }) {
      refuseInRegistryMode(ctx, 'deleting a visitor');
      const removed = store.visitors.remove(id);
      ctx.emit('data.changed', { what: 'visitors' });
      if (removed.checkins) ctx.emit('data.changed', { what: 'checkins' });
      return removed;
    },
  };
}
