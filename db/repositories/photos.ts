// Runs wherever the store does. The one writer of the `photos` table. Runs inside the caller's
// transaction (Store#write: IMMEDIATE).
import { expectDefined } from '../../api/errors.ts';
import type { PhotoInfo, StoreDatabase } from '../types.ts';

export class PhotosRepository {
  readonly #insert;
  readonly #idBySha;
  readonly #deleteUnused;

  constructor(db: StoreDatabase) {
    this.#insert = db.prepare<[string, string, number, number, string]>(
      'INSERT INTO photos (sha256, path, width, height, imported_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING',
    );
    this.#idBySha = db.prepare<[string], number>('SELECT id FROM photos WHERE sha256 = ?').pluck();
    this.#deleteUnused = db.prepare<[number, number]>(
      'DELETE FROM photos WHERE id = ? AND NOT EXISTS (SELECT 1 FROM faces WHERE photo_id = ?)',
    );
  }

  /** The photo's id, adding its row first when no photo with this hash is known (the first path and time stay). */
  ensure(photo: PhotoInfo, importedAt: string): number {
    this.#insert.run(photo.sha256, photo.path, photo.width, photo.height, importedAt);
    return expectDefined(this.#idBySha.get(photo.sha256), `the id of photo ${photo.sha256}, just inserted`);
  }

  /** Deletes the photo unless a face still comes from it; returns 1 if it went. */
  deleteIfUnused(id: number): number {
    return this.#deleteUnused.run(id, id).changes;
  }
}
