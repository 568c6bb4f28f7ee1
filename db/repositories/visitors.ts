// Runs wherever the store does. The one writer of the `visitors` and `visitor_faces` tables (migration
// 008: the kiosk's unknown faces and their grouping). Runs inside the caller's transaction
// (Store#write: IMMEDIATE, through db/visitors.ts).
import { encodeEmbedding } from '../blob.ts';
import type { NewFace, StoreDatabase } from '../types.ts';

/** An unknown face as the kiosk saw it: what the row keeps, before it belongs to a visitor. */
export interface NewVisitorFace extends NewFace {
  checkinId: number | null;
  seenAt: string;
  source: string;
  frame: { sha256: string; width: number; height: number };
  thumbnail: Uint8Array;
}

export class VisitorsRepository {
  readonly #insertVisitor;
  readonly #deleteVisitor;
  readonly #deleteEmpty;
  readonly #insertFace;
  readonly #moveFace;
  readonly #deleteFaces;

  constructor(db: StoreDatabase) {
    this.#insertVisitor = db.prepare<[string]>('INSERT INTO visitors (created_at) VALUES (?)');
    this.#deleteVisitor = db.prepare<[number]>('DELETE FROM visitors WHERE id = ?');
    this.#deleteEmpty = db.prepare(
      'DELETE FROM visitors WHERE NOT EXISTS (SELECT 1 FROM visitor_faces f WHERE f.visitor_id = visitors.id)',
    );
    this.#insertFace = db.prepare<
      [
        number,
        number | null,
        string,
        string,
        string,
        number,
        number,
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
        Uint8Array,
      ]
    >(
      `INSERT INTO visitor_faces (visitor_id, checkin_id, seen_at, source, frame_sha256, frame_width, frame_height, face_index,
         box_x, box_y, box_w, box_h, score, face_size, blur, model_id, dim, embedding, thumbnail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#moveFace = db.prepare<[number, number]>('UPDATE visitor_faces SET visitor_id = ? WHERE id = ?');
    this.#deleteFaces = db.prepare<[number]>('DELETE FROM visitor_faces WHERE visitor_id = ?');
  }

  /** A new visitor; its id is its number ("Visitor 3"), never reused (AUTOINCREMENT). */
  insertVisitor(createdAt: string): number {
    return Number(this.#insertVisitor.run(createdAt).lastInsertRowid);
  }

  deleteVisitor(id: number): number {
    return this.#deleteVisitor.run(id).changes;
  }

  /** Deletes the visitors left without a face (their faces all joined other groups); returns how many. */
  deleteEmpty(): number {
    return this.#deleteEmpty.run().changes;
  }

  insertFace(visitorId: number, f: NewVisitorFace): number {
    const info = this.#insertFace.run(
      visitorId,
      f.checkinId,
      f.seenAt,
      f.source,
      f.frame.sha256,
      f.frame.width,
      f.frame.height,
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
      f.thumbnail,
    );
    return Number(info.lastInsertRowid);
  }

  moveFace(faceId: number, visitorId: number): void {
    this.#moveFace.run(visitorId, faceId);
  }

  /** Deletes the visitor's faces (embeddings and thumbnails); returns how many. */
  deleteFacesOf(visitorId: number): number {
    return this.#deleteFaces.run(visitorId).changes;
  }
}
