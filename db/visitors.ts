// Runs wherever the store does. The kiosk's unknown visitors (migration 008): recording an unknown face
// together with the regrouping it causes, listing the groups, and turning a group into a person's faces
// or purging it. Every write goes through db/repositories/ in one IMMEDIATE transaction of the Store;
// how faces are grouped is the caller's (the engine's clustering), given as a function.
import { FaceKitError } from '../api/errors.ts';
import { decodeEmbedding } from './blob.ts';
import { checkFace, checkPhoto } from './validate.ts';
import type { Repositories } from './repositories/index.ts';
import { VisitorsRepository, type NewVisitorFace } from './repositories/visitors.ts';
import type { FaceBox, StoreDatabase } from './types.ts';

export type { NewVisitorFace } from './repositories/visitors.ts';

/** One visitor: a group of unknown faces the kiosk saw, with a number that stays its own. */
export interface VisitorRow {
  id: number;
  createdAt: string;
  /** How many of its faces the kiosk logged (one per appearance). */
  seen: number;
  first: string;
  last: string;
  /** Its faces, newest first. */
  faces: { id: number; seenAt: string }[];
}

/** A face as the grouping sees it: its current visitor (null: just arriving) and its embedding. */
export interface GroupableFace {
  visitorId: number | null;
  embedding: Float32Array;
}

/** One group of faces (indices into the list that was grouped) and whose it is: a visitor's id, or null for a new visitor. */
export interface VisitorGroupPlan {
  members: number[];
  visitorId: number | null;
}

/** Regroups the faces of one pipeline: every index in exactly one group, each visitor id in at most one. */
export type GroupVisitorFaces = (faces: readonly GroupableFace[]) => VisitorGroupPlan[];

/** What naming a visitor (or adding them to a person) did. */
export interface VisitorEnrolment {
  personId: number;
  personName: string;
  /** Faces added to the person. */
  enrolled: number;
  /** Faces skipped: the same frame's face was already enrolled (a byte-identical frame). */
  skipped: number;
  /** Unknown check-ins now attributed to the person. */
  checkins: number;
}

type Writer = <T>(fn: () => T) => T;

interface KnownFaceDbRow {
  id: number;
  visitor_id: number;
  dim: number;
  embedding: Buffer;
}

interface VisitorFaceDbRow {
  id: number;
  checkin_id: number | null;
  seen_at: string;
  source: string;
  frame_sha256: string;
  frame_width: number;
  frame_height: number;
  face_index: number;
  box_x: number;
  box_y: number;
  box_w: number;
  box_h: number;
  score: number;
  face_size: number;
  blur: number;
  model_id: string;
  dim: number;
  embedding: Buffer;
  thumbnail: Buffer;
}

const now = (): string => new Date().toISOString();

/** Checks a grouping covers each face once and names each existing visitor at most once. */
function checkPlan(plan: readonly VisitorGroupPlan[], faces: number, visitorIds: ReadonlySet<number>): void {
  const seen = new Set<number>();
  const owners = new Set<number>();
  for (const group of plan) {
    for (const i of group.members) {
      if (!Number.isInteger(i) || i < 0 || i >= faces || seen.has(i))
        throw new FaceKitError('INTERNAL', `visitor grouping: face ${i} is out of range or in two groups`);
      seen.add(i);
    }
    if (group.visitorId !== null) {
      if (!visitorIds.has(group.visitorId) || owners.has(group.visitorId))
        throw new FaceKitError('INTERNAL', `visitor grouping: visitor ${group.visitorId} is unknown or given to two groups`);
      owners.add(group.visitorId);
    }
  }
  if (seen.size !== faces) throw new FaceKitError('INTERNAL', `visitor grouping left ${faces - seen.size} face(s) out`);
}

export class Visitors {
  readonly #db: StoreDatabase;
  readonly #repo: Repositories;
  readonly #visitors: VisitorsRepository;
  readonly #write: Writer;

  constructor(db: StoreDatabase, repo: Repositories, write: Writer) {
    this.#db = db;
    this.#repo = repo;
    this.#visitors = new VisitorsRepository(db);
    this.#write = write;
  }

  /**
   * Adds unknown faces and regroups their pipeline's faces with `group`, in one transaction: the faces
   * are never stored without a visitor, and two kiosks writing at once regroup one after the other.
   * Returns each new face's id and visitor, in the order given.
   */
  record(faces: readonly NewVisitorFace[], group: GroupVisitorFaces): { faceId: number; visitorId: number }[] {
    for (const f of faces) {
      checkFace(f);
      checkPhoto({ ...f.frame, path: f.source });
    }
    return this.#write(() => {
      const t = now();
      const added = new Map<NewVisitorFace, { faceId: number; visitorId: number }>();
      for (const modelId of new Set(faces.map((f) => f.modelId))) {
        const arriving = faces.filter((f) => f.modelId === modelId);
        const known = this.#db
          .prepare('SELECT id, visitor_id, dim, embedding FROM visitor_faces WHERE model_id = ? ORDER BY id')
          .all(modelId) as KnownFaceDbRow[];
        const input: GroupableFace[] = [
          ...known.map((k) => ({ visitorId: k.visitor_id, embedding: decodeEmbedding(k.embedding, k.dim) })),
          ...arriving.map((f) => ({ visitorId: null, embedding: f.embedding })),
        ];
        const plan = group(input);
        checkPlan(plan, input.length, new Set(known.map((k) => k.visitor_id)));
        for (const { members, visitorId } of plan) {
          const id = visitorId ?? this.#visitors.insertVisitor(t);
          for (const i of members) {
            const old = known[i];
            if (old) {
              if (old.visitor_id !== id) this.#visitors.moveFace(old.id, id);
              continue;
            }
            const face = arriving[i - known.length];
            if (!face) throw new FaceKitError('INTERNAL', `visitor grouping: no face ${i}`);
            added.set(face, { faceId: this.#visitors.insertFace(id, face), visitorId: id });
          }
        }
      }
      this.#visitors.deleteEmpty();
      return faces.map((f) => {
        const a = added.get(f);
        if (!a) throw new FaceKitError('INTERNAL', 'visitor grouping dropped a new face');
        return a;
      });
    });
  }

  /** Every visitor, the most recently seen first. */
  list(): VisitorRow[] {
    const faces = this.#db.prepare('SELECT id, visitor_id, seen_at FROM visitor_faces ORDER BY seen_at DESC, id DESC').all() as {
      id: number;
      visitor_id: number;
      seen_at: string;
    }[];
    const visitors = this.#db.prepare('SELECT id, created_at FROM visitors').all() as { id: number; created_at: string }[];
    const byVisitor = new Map<number, { id: number; seenAt: string }[]>();
    for (const f of faces) {
      const list = byVisitor.get(f.visitor_id) ?? [];
      list.push({ id: f.id, seenAt: f.seen_at });
      byVisitor.set(f.visitor_id, list);
    }
    return visitors
      .flatMap((v): VisitorRow[] => {
        const own = byVisitor.get(v.id) ?? [];
        const newest = own[0];
        const oldest = own.at(-1);
        if (!newest || !oldest) return []; // only between a regrouping's moves and its cleanup
        return [{ id: v.id, createdAt: v.created_at, seen: own.length, first: oldest.seenAt, last: newest.seenAt, faces: own }];
      })
      .sort((a, b) => (a.last === b.last ? b.id - a.id : a.last < b.last ? 1 : -1));
  }

  /** The JPEG of one of a visitor's faces. */
  thumbnail(faceId: number): Uint8Array {
    const jpeg = this.#db.prepare('SELECT thumbnail FROM visitor_faces WHERE id = ?').pluck().get(faceId) as Buffer | undefined;
    if (!jpeg) throw new FaceKitError('NOT_FOUND', `no visitor face with id ${faceId}`);
    return jpeg;
  }

  /** How many unknown faces are stored (every pipeline): the tests' and doctor's check that a purge left none. */
  faceCount(): number {
    return this.#db.prepare('SELECT count(*) FROM visitor_faces').pluck().get() as number;
  }

  /**
   * The visitor becomes a person's faces, in one transaction: a new person named `personName` (CONFLICT
   * if the name is taken) or, with `into: 'existing'`, a person already there (NOT_FOUND if not).
   *
   * Enrolled faces belong to photo records, and a photo is known by the hash of its bytes: each kiosk
   * face becomes face `face_index` of a photo record for the frame it was seen in (the frame's SHA-256
   * and size; the path says "kiosk frame <time>" since the frame itself was never kept — like the app's
   * camera enrolment, such a face is re-enrolled, not re-embedded, when the face pipeline changes). So
   * two faces of one frame are two faces of one photo, and UNIQUE(photo, face index) still means one
   * face belongs to one person. The visitor's unknown check-ins become the person's; its rows go.
   */
  enrolAs(visitorId: number, personName: string, into: 'new' | 'existing'): VisitorEnrolment {
    return this.#write((): VisitorEnrolment => {
      const { people, photos, faces, checkins } = this.#repo;
      const rows = this.#faceRows(visitorId);
      const t = now();
      // A new person's name must be free (insert: CONFLICT); adding to a person needs them there.
      const personId = into === 'new' ? people.insert(personName, t, t) : people.idByName(personName);
      if (personId === undefined) throw new FaceKitError('NOT_FOUND', `no person named "${personName}"`);
      const name = this.#db.prepare('SELECT name FROM people WHERE id = ?').pluck().get(personId) as string;
      let enrolled = 0;
      let skipped = 0;
      for (const r of rows) {
        if (faces.onPhoto(r.frame_sha256, r.face_index)) {
          skipped++;
          continue;
        }
        const photo = { sha256: r.frame_sha256, path: `kiosk frame ${r.seen_at}`, width: r.frame_width, height: r.frame_height };
        const photoId = photos.ensure(photo, t);
        faces.insert({
          personId,
          photoId,
          faceIndex: r.face_index,
          box: { x: r.box_x, y: r.box_y, width: r.box_w, height: r.box_h } satisfies FaceBox,
          score: r.score,
          faceSize: r.face_size,
          blur: r.blur,
          modelId: r.model_id,
          embedding: decodeEmbedding(r.embedding, r.dim),
          thumbnail: r.thumbnail,
          createdAt: t,
        });
        enrolled++;
      }
      let attributed = 0;
      for (const checkinId of this.#ownCheckins(visitorId)) attributed += checkins.attribute(checkinId, personId, name);
      this.#visitors.deleteFacesOf(visitorId);
      this.#visitors.deleteVisitor(visitorId);
      people.touch(personId, t);
      return { personId, personName: name, enrolled, skipped, checkins: attributed };
    });
  }

  /**
   * Deletes the visitor like a person: its faces (embeddings, thumbnails) and the unknown check-ins that
   * were only theirs. secure_delete zeroes the freed bytes; the checkpoint empties the -wal of older copies.
   */
  remove(visitorId: number): { faces: number; checkins: number } {
    const removed = this.#write(() => {
      this.#faceRows(visitorId); // NOT_FOUND for a visitor that is not there
      const own = this.#ownCheckins(visitorId);
      const faces = this.#visitors.deleteFacesOf(visitorId);
      let checkins = 0;
      for (const id of own) checkins += this.#repo.checkins.delete(id);
      this.#visitors.deleteVisitor(visitorId);
      return { faces, checkins };
    });
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    return removed;
  }

  #faceRows(visitorId: number): VisitorFaceDbRow[] {
    const exists = this.#db.prepare('SELECT 1 FROM visitors WHERE id = ?').get(visitorId);
    if (!exists) throw new FaceKitError('NOT_FOUND', `no visitor ${visitorId} (named, merged or deleted meanwhile?)`);
    return this.#db.prepare('SELECT * FROM visitor_faces WHERE visitor_id = ? ORDER BY seen_at, id').all(visitorId) as VisitorFaceDbRow[];
  }

  /** The check-ins logged with this visitor's faces and no other visitor's (two strangers in one frame share one). */
  #ownCheckins(visitorId: number): number[] {
    return this.#db
      .prepare(
        `SELECT DISTINCT v.checkin_id FROM visitor_faces v WHERE v.visitor_id = ? AND v.checkin_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM visitor_faces o WHERE o.checkin_id = v.checkin_id AND o.visitor_id <> v.visitor_id)`,
      )
      .pluck()
      .all(visitorId) as number[];
  }
}
