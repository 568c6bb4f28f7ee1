// Runs wherever the store does. The one writer of the `people` table. Runs inside the caller's
// transaction (Store#write: IMMEDIATE); constraint errors propagate for the caller to map.
import { FaceKitError } from '../../api/errors.ts';
import type { StoreDatabase } from '../types.ts';
import { cleanName, nameKey } from '../validate.ts';

export class PeopleRepository {
  readonly #byKey;
  readonly #insert;
  readonly #rename;
  readonly #touch;
  readonly #delete;

  constructor(db: StoreDatabase) {
    this.#byKey = db.prepare<[string], number>('SELECT id FROM people WHERE name_key = ?').pluck();
    this.#insert = db.prepare<[string, string, string, string]>(
      'INSERT INTO people (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?)',
    );
    this.#rename = db.prepare<[string, string, string, number]>('UPDATE people SET name = ?, name_key = ?, updated_at = ? WHERE id = ?');
    this.#touch = db.prepare<[string, number]>('UPDATE people SET updated_at = ? WHERE id = ?');
    this.#delete = db.prepare<[number]>('DELETE FROM people WHERE id = ?');
  }

  /** The id of the person with this name (case-folded), if any. */
  idByName(name: string): number | undefined {
    return this.#byKey.get(nameKey(name));
  }

  /** Adds a person; the name is cleaned here (validate.ts) and must be free. Returns the new id. */
  insert(rawName: string, createdAt: string, updatedAt: string): number {
    const name = cleanName(rawName);
    if (this.idByName(name) !== undefined) throw new FaceKitError('CONFLICT', `a person named "${name}" already exists`);
    return Number(this.#insert.run(name, nameKey(name), createdAt, updatedAt).lastInsertRowid);
  }

  /** Renames person `id`; another person may not have the new name. */
  rename(id: number, rawName: string, updatedAt: string): void {
    const name = cleanName(rawName);
    const other = this.idByName(name);
    if (other !== undefined && other !== id) throw new FaceKitError('CONFLICT', `a person named "${name}" already exists`);
    this.#rename.run(name, nameKey(name), updatedAt, id);
  }

  /** Marks the person changed (a face added or moved to them). */
  touch(id: number, updatedAt: string): void {
    this.#touch.run(updatedAt, id);
  }

  /** Deletes the row; faces cascade, check-ins keep their name snapshot (schema 001). */
  delete(id: number): void {
    this.#delete.run(id);
  }
}
