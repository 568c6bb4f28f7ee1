// Runs wherever the store does. The one writer of the `faces` table: enrolment (Store.enrolFace), merges
// and removals, and import (db/portable.ts) all write face rows through here, so a face imported from
// an export is the same row as the face enrolled from the photo. Runs inside the caller's transaction
// (Store#write: IMMEDIATE); constraint errors (CHECKs, dimension triggers) propagate for the caller to map.
import { encodeEmbedding } from '../blob.ts';
import type { NewFace, StoreDatabase, UpgradeProblem } from '../types.ts';

/** A face row as written: the face as detected and embedded, whose it is, where it came from, when. */
export interface FaceRecord extends NewFace {
  personId: number;
  /** null: no photo record (its provenance was dropped before export). */
  photoId: number | null;
  createdAt: string;
}

/** The face already stored for a photo's face index, with its owner. */
export interface FaceOnPhoto {
  id: number;
  personId: number;
  ownerName: string;
  modelId: string;
}

interface FaceOnPhotoDbRow {
  id: number;
  person_id: number;
  owner_name: string;
  model_id: string;
}

export class FacesRepository {
  readonly #insert;
  readonly #reembed;
  readonly #notUpgraded;
  readonly #onPhoto;
  readonly #withoutPhoto;
  readonly #photoIdsOf;
  readonly #reassign;
  readonly #deleteByPerson;
  readonly #move;
  readonly #delete;

  constructor(db: StoreDatabase) {
    this.#insert = db.prepare<
      [
        number,
        number | null,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        string,
        number,
        Buffer,
        string,
        Uint8Array | null,
      ]
    >(
      `INSERT INTO faces (person_id, photo_id, face_index, box_x, box_y, box_w, box_h, score, face_size, blur, model_id, dim, embedding, created_at, thumbnail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#reembed = db.prepare<[number, number, number, number, number, number, number, string, number, Buffer, string, number]>(
      `UPDATE faces SET box_x = ?, box_y = ?, box_w = ?, box_h = ?, score = ?, face_size = ?, blur = ?,
         model_id = ?, dim = ?, embedding = ?, created_at = ?, upgrade_pipeline = NULL, upgrade_problem = NULL WHERE id = ?`,
    );
    this.#notUpgraded = db.prepare<[string, UpgradeProblem, number, string]>(
      'UPDATE faces SET upgrade_pipeline = ?, upgrade_problem = ? WHERE id = ? AND model_id <> ?',
    );
    this.#onPhoto = db.prepare<[string, number], FaceOnPhotoDbRow>(`
      SELECT f.id, f.person_id, pe.name AS owner_name, f.model_id
      FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN people pe ON pe.id = f.person_id
      WHERE ph.sha256 = ? AND f.face_index = ?`);
    this.#withoutPhoto = db
      .prepare<[number, string, Buffer], number>(
        'SELECT id FROM faces WHERE photo_id IS NULL AND person_id = ? AND model_id = ? AND embedding = ?',
      )
      .pluck();
    this.#photoIdsOf = db
      .prepare<[number], number>('SELECT DISTINCT photo_id FROM faces WHERE person_id = ? AND photo_id IS NOT NULL')
      .pluck();
    this.#reassign = db.prepare<[number, number]>('UPDATE faces SET person_id = ? WHERE person_id = ?');
    this.#deleteByPerson = db.prepare<[number]>('DELETE FROM faces WHERE person_id = ?');
    this.#move = db.prepare<[number, number, number]>('UPDATE faces SET person_id = ? WHERE id = ? AND person_id <> ?');
    this.#delete = db.prepare<[number], { photo_id: number | null }>('DELETE FROM faces WHERE id = ? RETURNING photo_id');
  }

  /** Adds a face; `dim` is the embedding's length. Returns the new id. */
  insert(f: FaceRecord): number {
    const info = this.#insert.run(
      f.personId,
      f.photoId,
      f.faceIndex,
      f.box.x,
      f.box.y,
      f.box.width,
      f.box.height,
      f.score,
      f.faceSize,
      f.blur,
      f.modelId,
      f.embedding.length,
      encodeEmbedding(f.embedding),
      f.createdAt,
      f.thumbnail ?? null,
    );
    return Number(info.lastInsertRowid);
  }

  /**
   * Same face, new recognition pipeline: replaces box, quality and embedding (owner, photo, face index and
   * thumbnail stay) and clears a failed upgrade's note.
   */
  reembed(id: number, f: NewFace, createdAt: string): void {
    this.#reembed.run(
      f.box.x,
      f.box.y,
      f.box.width,
      f.box.height,
      f.score,
      f.faceSize,
      f.blur,
      f.modelId,
      f.embedding.length,
      encodeEmbedding(f.embedding),
      createdAt,
      id,
    );
  }

  /**
   * Notes that re-embedding the face for `pipelineId` failed, and why (migration 005); the embedding stays as
   * it was. A face already of that pipeline (upgraded meanwhile) is left alone: returns 0.
   */
  markNotUpgraded(id: number, pipelineId: string, problem: UpgradeProblem): number {
    return this.#notUpgraded.run(pipelineId, problem, id, pipelineId).changes;
  }

  /** The face stored for face `faceIndex` of the photo with this hash, if any. */
  onPhoto(sha256: string, faceIndex: number): FaceOnPhoto | undefined {
    const r = this.#onPhoto.get(sha256, faceIndex);
    return r && { id: r.id, personId: r.person_id, ownerName: r.owner_name, modelId: r.model_id };
  }

  /** A face without a photo record with exactly this owner, model and embedding (import's duplicate test). */
  withoutPhoto(personId: number, modelId: string, embedding: Float32Array): number | undefined {
    return this.#withoutPhoto.get(personId, modelId, encodeEmbedding(embedding));
  }

  /** The photos the person's faces come from. */
  photoIdsOf(personId: number): number[] {
    return this.#photoIdsOf.all(personId);
  }

  /** Moves every face of one person to another (a merge); returns how many moved. */
  reassign(fromPersonId: number, toPersonId: number): number {
    return this.#reassign.run(toPersonId, fromPersonId).changes;
  }

  deleteByPerson(personId: number): number {
    return this.#deleteByPerson.run(personId).changes;
  }

  /** Moves one face to another person (a registry merge arriving face by face); 1 when it moved. */
  move(id: number, toPersonId: number): number {
    return this.#move.run(toPersonId, id, toPersonId).changes;
  }

  /** Deletes one face; returns its photo record's id (null: none), or undefined when there was no such face. */
  delete(id: number): { photoId: number | null } | undefined {
    const row = this.#delete.get(id);
    return row && { photoId: row.photo_id };
  }
}
